import Foundation
import GitStore

extension HistoryCache {
    /// The history cache read case by case, for a command that derives every case (`forEachCase`):
    /// its offset table says where each case's lines are, and each case's records are read from
    /// them when its turn comes. Memory holds the table and one case's records, not the whole
    /// history's (at 30k cases, 312,000 records held whole made a new day's first status take 390 MB).
    ///
    /// Checked before any case is read as a whole reading checks it (`load(_:adding:)`): the body's
    /// and the table's checksums, the table's cases each named once, and as many `R` lines in the
    /// body as the table names (so, since each named line must be its case's, the table covers every
    /// record exactly once). Each case's lines are then checked as they are read (their seals, their
    /// case, the chain of previous records, their `A` verdicts); a case whose lines do not check is
    /// read from history instead (`Casebook.forEachCase`).
    final class Outline: @unchecked Sendable {
        struct Line: Sendable {
            var record: Int
            /// Where the record's verdict is (nil when none was written).
            var verdict: Int?
        }

        let file: MappedFile
        let tip: OID
        let commitCount: Int
        /// Each case's lines, the cases in the order they were opened (their first record's place:
        /// the file holds the records in history order, or case by case in that order).
        let cases: [(id: String, lines: [Line])]
        let fields: [OID: CaseFields]
        /// Whether every record has its verdict in the file.
        let complete: Bool
        private let table: Int
        /// `passed` is called from the two threads that read cases.
        private let lock = NSLock()

        init?(_ path: String) {
            guard let file = MappedFile(path), let (table, finStart, _) = HistoryCache.ending(of: file, checkingBody: true) else { return nil }
            let bytes = file.bytes
            func lineEnd(_ start: Int, before end: Int) -> Int? { bytes[start..<end].firstIndex(of: 10) }
            // The header and the tip.
            guard let headerEnd = lineEnd(0, before: table), bytes[0..<headerEnd].elementsEqual(HistoryCache.header.utf8),
                  let tipEnd = lineEnd(headerEnd + 1, before: table) else { return nil }
            let tipParts = String(decoding: UnsafeBufferPointer(rebasing: bytes[(headerEnd + 1)..<tipEnd]), as: UTF8.self).split(separator: " ")
            guard tipParts.count == 3, tipParts[0] == "tip", let tip = OID(hex: String(tipParts[1])), let count = Int(tipParts[2]) else { return nil }
            // The `R` lines of the body, counted: a line starts after a newline.
            var records = 0
            var at = tipEnd + 1
            while at < table {
                if bytes[at] == UInt8(ascii: "R"), at + 1 < table, bytes[at + 1] == 9 { records += 1 }
                guard let end = lineEnd(at, before: table) else { return nil }
                file.passed(end + 1 - at)
                at = end + 1
            }
            // The table: one line per case, each case once.
            var cases: [(id: String, lines: [Line])] = []
            var named = 0
            var seen: Set<String> = []
            var complete = true
            at = table
            while at < finStart {
                guard let end = lineEnd(at, before: finStart),
                      let entry = HistoryCache.unseal(Substring(decoding: UnsafeBufferPointer(rebasing: bytes[at..<end]), as: UTF8.self)) else { return nil }
                at = end + 1
                let f = entry.split(separator: "\t", omittingEmptySubsequences: false)
                guard f.count == 3, f[0] == "X" else { return nil }
                let id = HistoryCache.unescape(f[1])
                guard seen.insert(id).inserted else { return nil }
                var lines: [Line] = []
                var last = -1
                for item in f[2].split(separator: ",") {
                    let parts = item.split(separator: ":")
                    // Offsets only grow: a table that points back (or twice at a line) is not believed.
                    guard parts.count == 2, let record = Int(parts[0]), record > last, record < table else { return nil }
                    last = record
                    let verdict = parts[1] == "-" ? nil : Int(parts[1])
                    guard parts[1] == "-" || (verdict.map { $0 > record && $0 < table } ?? false) else { return nil }
                    if verdict == nil { complete = false }
                    lines.append(Line(record: record, verdict: verdict))
                }
                guard !lines.isEmpty else { return nil }
                named += lines.count
                cases.append((id, lines))
            }
            guard named == records else { return nil }
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
                guard f.count == 6, f[0] == "F", let blob = OID(hex: f[1]) else { return nil }
                fields[blob] = CaseFields(title: f[2], opened: f[3], month: f[4], damage: f[5])
                end = start - 1
            }
            (self.file, self.tip, self.commitCount, self.cases, self.fields, self.complete, self.table) =
                (file, tip, count, cases, fields, complete, table)
        }

        /// The records of the case at `index` in `cases`, oldest first, with the verdicts the file
        /// holds of them; nil when one of its lines is not what the table says (not sealed, another
        /// case's, a hole in the chain of previous records, a verdict of another commit).
        func records(of index: Int) -> (records: [StepRecord], authorized: [OID: Bool])? {
            let (id, lines) = cases[index]
            let bytes = file.bytes
            func line(at start: Int) -> Substring? {
                guard start > 0, start < table, bytes[start - 1] == 10, let stop = bytes[start..<table].firstIndex(of: 10) else { return nil }
                return HistoryCache.unseal(Substring(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self))
            }
            var records: [StepRecord] = []
            var authorized: [OID: Bool] = [:]
            var previous = ""
            var read = 0
            for entry in lines {
                guard let text = line(at: entry.record), text.hasPrefix("R\t") else { return nil }
                read += text.utf8.count + 18
                let r = text.utf8.split(separator: 9, omittingEmptySubsequences: false).map { HistoryCache.unescape(Substring($0)) }
                guard r.count == 25, r[12] == id, r[24] == previous, let record = HistoryCache.record(Array(r.prefix(24))) else { return nil }
                previous = r[1]
                records.append(record)
                if let at = entry.verdict {
                    guard let verdict = line(at: at) else { return nil }
                    let a = verdict.split(separator: "\t", omittingEmptySubsequences: false)
                    guard a.count == 3, a[0] == "A", a[1] == Substring(record.commit.hex), a[2] == "0" || a[2] == "1" else { return nil }
                    authorized[record.commit] = a[2] == "1"
                }
            }
            lock.lock()
            file.passed(read)
            lock.unlock()
            return (records, authorized)
        }
    }
}
