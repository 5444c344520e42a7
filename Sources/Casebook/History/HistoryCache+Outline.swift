import Foundation
import GitStore

extension HistoryCache {
    /// The history cache read case by case, for a command that derives every case (`forEachCase`):
    /// its offset table says where each case's lines are, and each case's records are read from
    /// them when its turn comes. Memory holds the table and one case's records, not the whole
    /// history's (at 30k cases, 312,000 records held whole made a new day's first status take 390 MB).
    ///
    /// Checked before any case is read as a whole reading checks it (`load(_:adding:)`): the body's
    /// and the table's checksums, each `R` line naming its case's previous record, and the table
    /// naming exactly each case's lines, once. Each case's lines are checked again as they are read
    /// (their seals, their case, the chain, their `A` verdicts); a case whose lines do not check is
    /// read from history instead (`Casebook.forEachCase`).
    final class Outline: @unchecked Sendable {
        let file: MappedFile
        let tip: OID
        let commitCount: Int
        /// Each case's lines, the cases in the order they were opened (their first record's place:
        /// the file holds the records in history order, or case by case in that order).
        let cases: [(id: String, lines: [CaseLine])]
        let fields: [OID: CaseFields]
        /// Whether every record has its verdict in the file.
        let complete: Bool
        private let table: Int
        /// `passed` is called from the two threads that read cases.
        private let lock = NSLock()

        init?(_ path: String, window: Int = MappedFile.residentWindow) {
            guard let file = MappedFile(path, window: window), let (table, finStart, _) = HistoryCache.ending(of: file, checkingBody: true) else { return nil }
            let bytes = file.bytes
            func lineEnd(_ start: Int, before end: Int) -> Int? { bytes[start..<end].firstIndex(of: 10) }
            // The header and the tip.
            guard let headerEnd = lineEnd(0, before: table), bytes[0..<headerEnd].elementsEqual(HistoryCache.header.utf8),
                  let tipEnd = lineEnd(headerEnd + 1, before: table) else { return nil }
            let tipParts = String(decoding: UnsafeBufferPointer(rebasing: bytes[(headerEnd + 1)..<tipEnd]), as: UTF8.self).split(separator: " ")
            guard tipParts.count == 3, tipParts[0] == "tip", let tip = OID(hex: String(tipParts[1])), let count = Int(tipParts[2]) else { return nil }
            // The `R` lines of the body, as a whole reading checks them: each names its case's
            // previous record (a chain without a hole), and the table must name exactly each case's
            // lines (none dropped, swapped, added or pointing elsewhere).
            var linesOf: [String: [Int]] = [:]
            var lastInCase: [String: String] = [:]
            var tabs: [Int] = []
            var at = tipEnd + 1
            while at < table {
                guard let end = lineEnd(at, before: table) else { return nil }
                if bytes[at] == UInt8(ascii: "R"), at + 1 < end, bytes[at + 1] == 9 {
                    tabs.removeAll(keepingCapacity: true)
                    for i in at..<end where bytes[i] == 9 { tabs.append(i) }
                    guard tabs.count == 25 else { return nil }
                    func field(_ n: Int) -> String {
                        String(decoding: UnsafeBufferPointer(rebasing: bytes[(tabs[n - 1] + 1)..<tabs[n]]), as: UTF8.self)
                    }
                    let id = field(12)
                    guard field(24) == lastInCase[id] ?? "" else { return nil }
                    lastInCase[id] = field(1)
                    linesOf[id, default: []].append(at)
                }
                file.passed(end + 1 - at)
                at = end + 1
            }
            // The table: one line per case, each case once, naming exactly its lines.
            var cases: [(id: String, lines: [CaseLine])] = []
            at = table
            while at < finStart {
                guard let end = lineEnd(at, before: finStart),
                      let entry = HistoryCache.tableEntry(Substring(decoding: UnsafeBufferPointer(rebasing: bytes[at..<end]), as: UTF8.self), table: table),
                      let mine = linesOf.removeValue(forKey: entry.id), mine == entry.lines.map(\.record) else { return nil }
                at = end + 1
                cases.append(entry)
            }
            guard linesOf.isEmpty else { return nil }
            cases.sort { $0.lines[0].record < $1.lines[0].record }
            // The `F` lines: the last lines before the table.
            var fields: [OID: CaseFields] = [:]
            var end = table - 1
            while end > tipEnd {
                let start = (bytes[(tipEnd + 1)..<end].lastIndex(of: 10) ?? tipEnd) + 1
                guard bytes[start] == UInt8(ascii: "F") else { break }
                guard let line = HistoryCache.unseal(Substring(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                else { return nil }
                let f = line.utf8.split(separator: 9, omittingEmptySubsequences: false).map { HistoryCache.unescape(Substring($0)) }
                guard let (blob, read) = HistoryCache.caseFields(f) else { return nil }
                fields[blob] = read
                end = start - 1
            }
            (self.file, self.tip, self.commitCount, self.cases, self.fields, self.table) = (file, tip, count, cases, fields, table)
            complete = cases.allSatisfy { $0.lines.allSatisfy { $0.verdict != nil } }
        }

        /// The records of the case at `index` in `cases`, oldest first, with the verdicts the file
        /// holds of them; nil when one of its lines is not what the table says (not sealed, another
        /// case's, a hole in the chain of previous records, a verdict of another commit).
        func records(of index: Int) -> (records: [StepRecord], authorized: [OID: Bool])? {
            let (id, lines) = cases[index]
            guard let read = HistoryCache.caseRecords(id, lines: lines, in: file.bytes, table: table) else { return nil }
            lock.lock()
            file.readScattered(at: HistoryCache.offsets(of: lines))
            lock.unlock()
            return (read.records, read.authorized)
        }
    }
}
