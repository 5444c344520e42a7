import Foundation
import GitStore

/// A disposable cache of what replaying history needs, in `.git/folio/`: every expediente
/// commit's trailers up to `tip`, whether each step's author held its role, and the fields
/// status shows of each `expediente.md` (by blob id, so they never go stale).
///
/// Never a source of truth: it is used only when `tip` is HEAD or an ancestor of it (then the
/// commits since are read and added), rebuilt from history otherwise (a reset to an older
/// commit, a rewritten branch), and ignored when it cannot be read (corrupted, another version).
struct HistoryCache {
    /// The format and the per-commit rules its verdicts were judged by: bumped whenever
    /// `commitRules` change what they find, so that a clone's cached verdicts from an older folio
    /// are judged again rather than believed (11: archivo-de-editor; 12: its names of Kate's,
    /// GNOME's and Word's temporaries; 13: a moved case changes no list, a folder of an unknown
    /// dependency).
    static let header = "folio-cache 14"

    struct CaseFields: Equatable, Sendable {
        var title: String
        var opened: String
        var month: String
        /// Why the front matter could not be read ("" when it reads).
        var damage = ""
    }

    var tip: OID
    var commitCount: Int
    var records: [StepRecord]
    var authorized: [OID: Bool]
    var fields: [OID: CaseFields]

    static func file(_ repository: Repository) -> String { repository.gitdir + "folio/historial.cache" }

    /// The tip named by the file's first lines, unchecked (whether the cache may serve a tip at
    /// all; `load` checks the whole file); nil when it is missing or of another version.
    static func tip(_ path: String) -> OID? {
        guard let handle = CacheFile.handle(path) else { return nil }
        defer { try? handle.close() }
        let lines = String(decoding: (try? handle.read(upToCount: 256)) ?? Data(), as: UTF8.self).split(separator: "\n")
        guard lines.count >= 2, lines[0] == Substring(header) else { return nil }
        let parts = lines[1].split(separator: " ")
        guard parts.count == 3, parts[0] == "tip" else { return nil }
        return OID(hex: String(parts[1]))
    }

    /// The cache on disk, or nil when it is missing or cannot be read.
    static func load(_ path: String) -> HistoryCache? {
        var records: [StepRecord] = []
        guard var cache = load(path, adding: { records.append($0) }) else { return nil }
        cache.records = records
        return cache
    }

    /// The cache on disk, its records handed to `adding` in the file's order (each case's oldest
    /// first) as they are read (into a `History`, without an array of them all beside it), or nil
    /// when it is missing or cannot be read; then what was handed over is not to be used.
    static func load(_ path: String, adding: (StepRecord) -> Void) -> HistoryCache? {
        // Mapped and read line by line: the file (135 MB at 30k cases) is neither copied whole
        // into a string nor split into an array of lines.
        guard let file = MappedFile(path) else { return nil }
        let bytes = file.bytes
        guard let (table, _, _) = ending(of: file, checkingBody: true) else { return nil }
        var at = 0
        func nextLine() -> Substring? {
            guard at < bytes.count else { return nil }
            let end = bytes[at...].firstIndex(of: 10) ?? bytes.count
            defer { at = end + 1 }
            return Substring(decoding: UnsafeBufferPointer(rebasing: bytes[at..<end]), as: UTF8.self)
        }
        guard nextLine() == Substring(header), let tipLine = nextLine() else { return nil }
        let tipParts = tipLine.split(separator: " ")
        guard tipParts.count == 3, tipParts[0] == "tip", let tip = OID(hex: String(tipParts[1])), let count = Int(tipParts[2]) else { return nil }
        var cache = HistoryCache(tip: tip, commitCount: count, records: [], authorized: [:], fields: [:])
        var complete = false
        var lastInCase: [String: String] = [:]
        // Where each case's records lie, to hold the offset table to them.
        var offsets: [String: [Int]] = [:]
        var tabled: Set<String> = []
        while true {
            let start = at
            guard let sealed = nextLine() else { break }
            file.passed(at - start)
            if sealed.hasPrefix("fin ") { complete = true; break }
            // Every line carries its own checksum: a line edited, cut or pasted from elsewhere is not believed.
            guard let line = unseal(sealed) else { return nil }
            let f = line.utf8.split(separator: 9, omittingEmptySubsequences: false).map { unescape(Substring($0)) }
            switch f.first {
            case "R":
                // Each record names the previous record of its case: a line missing in between breaks the chain.
                guard start < table, f.count == 25, let record = record(Array(f.prefix(24))), f[24] == lastInCase[record.caseID] ?? "" else { return nil }
                lastInCase[record.caseID] = f[1]
                offsets[record.caseID, default: []].append(start)
                adding(record)
            case "A":
                guard f.count == 3, let commit = OID(hex: f[1]) else { return nil }
                cache.authorized[commit] = f[2] == "1"
            case "F":
                guard let (blob, fields) = caseFields(f) else { return nil }
                cache.fields[blob] = fields
            case "X":
                // The offset table (what `load(_:cases:)` reads) must name exactly the lines read here.
                guard start >= table, f.count == 3, let mine = offsets[f[1]],
                      f[2].split(separator: ",").map({ $0.split(separator: ":").first.flatMap { Int($0) } ?? -1 }) == mine else { return nil }
                guard tabled.insert(f[1]).inserted else { return nil }
            default:
                return nil
            }
        }
        // A file cut short (a crash while writing, a full disk) is not trusted; nor a table without every case.
        return complete && tabled.count == offsets.count ? cache : nil
    }

    /// A step record from the fields of its `R` line.
    static func record(_ f: [String]) -> StepRecord? {
        guard f.count == 24, f[0] == "R", let commit = OID(hex: f[1]), let at = Double(f[5]), let ao = Int(f[6]), let ct = Double(f[9]),
              let co = Int(f[10]) else { return nil }
        return StepRecord(
            commit: commit, parent: f[2].isEmpty ? nil : OID(hex: f[2]),
            author: Signature(name: f[3], email: f[4], date: Date(timeIntervalSince1970: at), offsetMinutes: ao),
            committer: Signature(name: f[7], email: f[8], date: Date(timeIntervalSince1970: ct), offsetMinutes: co),
            subject: f[11], caseID: f[12], procedure: f[13].nilIfEmpty, step: f[14].nilIfEmpty, role: f[15].nilIfEmpty,
            decision: f[16].nilIfEmpty, dependency: f[17].nilIfEmpty,
            signedOff: f[18].isEmpty ? [] : f[18].components(separatedBy: "\u{1}"), justification: f[19].nilIfEmpty,
            assigned: f[20].nilIfEmpty, assignedRole: f[21].nilIfEmpty, text: f[22], excuse: f[23].nilIfEmpty)
    }

    /// The records of the cases `ids` only (with their commits' authorizations) from the cache on
    /// disk: what a step, a note or a range verify needs, without reading every case's records.
    /// The file is mapped, each case's `X` line found by a binary search of the offset table, and
    /// only the lines it names are read; nil when the file is missing, of another version, cut
    /// short, or when one of those lines cannot be read or is not what the table says it is (the
    /// caller then reads whole).
    /// With `checkingBody`, the checksum of everything before the table is checked too (the whole
    /// file is summed, a window at a time: a verdict line resealed by hand is caught, as a whole
    /// reading catches it), so that the verdicts read may be taken.
    static func load(_ path: String, cases ids: Set<String>, checkingBody: Bool = false) -> HistoryCache? {
        MappedFile(path).flatMap { load($0, cases: ids, checkingBody: checkingBody) }
    }

    /// `load(_:cases:checkingBody:)` from the file mapped as `file`.
    static func load(_ file: MappedFile, cases ids: Set<String>, checkingBody: Bool = false) -> HistoryCache? {
        let bytes = file.bytes
        let count = bytes.count
        // A file cut short (a crash while writing, a full disk) is not trusted.
        guard count > 6, bytes[count - 1] == 10 else { return nil }
        guard let (table, finStart, _) = ending(of: file, checkingBody: checkingBody) else { return nil }
        /// The whole line starting at `start`, before `end`; nil when `start` is not a line's start.
        func line(at start: Int, before end: Int) -> Substring? {
            guard start >= 0, start < end, start == 0 || bytes[start - 1] == 10, let stop = bytes[start..<end].firstIndex(of: 10) else { return nil }
            return Substring(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self)
        }
        guard let first = line(at: 0, before: table), first == Substring(header),
              let tipLine = line(at: first.utf8.count + 1, before: table) else { return nil }
        let tipParts = tipLine.split(separator: " ")
        guard tipParts.count == 3, tipParts[0] == "tip", let tip = OID(hex: String(tipParts[1])), let commits = Int(tipParts[2]) else { return nil }
        var cache = HistoryCache(tip: tip, commitCount: commits, records: [], authorized: [:], fields: [:])
        var found: [(Int, StepRecord)] = []
        for id in ids {
            // A case id escapes to itself (no tab, newline or backslash), as the table holds it.
            guard !id.utf8.contains(where: { $0 == 9 || $0 == 10 || $0 == 92 }) else { return nil }
            guard let search = tableLine(of: Array(id.utf8), in: bytes, from: table, to: finStart) else { return nil }
            // A case with no line has no records up to the tip (opened since).
            guard let start = search else { continue }
            guard let sealed = line(at: start, before: finStart), let entry = tableEntry(sealed, table: table), entry.id == id,
                  let read = caseRecords(id, lines: entry.lines, in: bytes, table: table) else { return nil }
            found += zip(entry.lines.map(\.record), read.records)
            cache.authorized.merge(read.authorized) { a, _ in a }
            file.readScattered(at: HistoryCache.offsets(of: entry.lines))
        }
        // In the file's order (each case's oldest first).
        found.sort { $0.0 < $1.0 }
        cache.records = found.map(\.1)
        return cache
    }

    /// Where the lines reading `lines` touches start: each record, and its verdict where one was
    /// written (a line of its own, next to the record or far from it).
    static func offsets(of lines: [CaseLine]) -> [Int] {
        lines.flatMap { line in [line.record] + (line.verdict.map { [$0] } ?? []) }
    }

    /// Where a case's record lies in the file, and its verdict (nil when none was written).
    struct CaseLine: Sendable {
        var record: Int
        var verdict: Int?
    }

    /// A case's line of the offset table, `X <id> <offset of R>:<offset of its A line or ->,...`,
    /// sealed; nil when its seal, its form or its offsets do not hold (offsets only grow, lie before
    /// the table, each verdict after its record: a table that points back, or twice at a line, is
    /// not believed).
    static func tableEntry(_ sealed: Substring, table: Int) -> (id: String, lines: [CaseLine])? {
        guard let entry = unseal(sealed) else { return nil }
        let f = entry.split(separator: "\t", omittingEmptySubsequences: false)
        guard f.count == 3, f[0] == "X" else { return nil }
        var lines: [CaseLine] = []
        var last = -1
        for item in f[2].split(separator: ",") {
            let parts = item.split(separator: ":")
            guard parts.count == 2, let record = Int(parts[0]), record > last, record < table else { return nil }
            last = record
            let verdict = parts[1] == "-" ? nil : Int(parts[1])
            guard parts[1] == "-" || (verdict.map { $0 > record && $0 < table } ?? false) else { return nil }
            lines.append(CaseLine(record: record, verdict: verdict))
        }
        return lines.isEmpty ? nil : (unescape(f[1]), lines)
    }

    /// The records of case `id` at `lines` of the file's bytes before `table`, oldest first, with
    /// the verdicts written of them; nil when a line is not what the table says (not a sealed line's
    /// start, another case's record, a hole in the chain of previous records, a verdict of another
    /// commit).
    static func caseRecords(_ id: String, lines: [CaseLine], in bytes: UnsafeBufferPointer<UInt8>,
                            table: Int) -> (records: [StepRecord], authorized: [OID: Bool])? {
        func line(at start: Int) -> Substring? {
            guard start > 0, start < table, bytes[start - 1] == 10, let stop = bytes[start..<table].firstIndex(of: 10) else { return nil }
            return unseal(Substring(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self))
        }
        var records: [StepRecord] = []
        var authorized: [OID: Bool] = [:]
        var previous = ""
        for entry in lines {
            guard let text = line(at: entry.record), text.hasPrefix("R\t") else { return nil }
            let r = text.utf8.split(separator: 9, omittingEmptySubsequences: false).map { unescape(Substring($0)) }
            // The line must be this case's, and name the previous record of the case.
            guard r.count == 25, r[12] == id, r[24] == previous, let record = record(Array(r.prefix(24))) else { return nil }
            previous = r[1]
            records.append(record)
            if let at = entry.verdict {
                guard let verdict = line(at: at) else { return nil }
                let a = verdict.split(separator: "\t", omittingEmptySubsequences: false)
                guard a.count == 3, a[0] == "A", a[1] == Substring(record.commit.hex), a[2] == "0" || a[2] == "1" else { return nil }
                authorized[record.commit] = a[2] == "1"
            }
        }
        return (records, authorized)
    }

    /// An `F` line's fields (`F`, blob, title, opened, month, damage) as the blob and what it holds.
    static func caseFields(_ f: [String]) -> (blob: OID, fields: CaseFields)? {
        guard f.count == 6, f[0] == "F", let blob = OID(hex: f[1]) else { return nil }
        return (blob, CaseFields(title: f[2], opened: f[3], month: f[4], damage: f[5]))
    }

    /// Where the offset table starts and where the `fin` line starts, once the file's last line
    /// `fin <table> <table checksum> <body checksum>` is read and the table's checksum (and, with
    /// `checkingBody`, the checksum of every line before the table) agrees; nil otherwise, or when
    /// the file is cut short (a crash while writing, a full disk).
    static func ending(of file: MappedFile, checkingBody: Bool) -> (table: Int, fin: Int, body: String)? {
        let bytes = file.bytes
        let count = bytes.count
        guard count > 6, bytes[count - 1] == 10 else { return nil }
        let finStart = (bytes[..<(count - 1)].lastIndex(of: 10) ?? -1) + 1
        let fin = String(decoding: UnsafeBufferPointer(rebasing: bytes[finStart..<(count - 1)]), as: UTF8.self).split(separator: " ")
        func sum(_ range: Range<Int>) -> Substring { Substring(CacheChecksum.hex(CacheChecksum.of(file, range))) }
        guard fin.count == 4, fin[0] == "fin", let table = Int(fin[1]), table > 0, table <= finStart, bytes[table - 1] == 10,
              fin[2] == sum(table..<finStart), !checkingBody || fin[3] == sum(0..<table) else { return nil }
        return (table, finStart, String(fin[3]))
    }

    /// The offset of the `X` line of the case `id` in the table between `from` and `to` (line starts),
    /// found by a binary search: `.some(nil)` when there is none, nil when the table is out of order.
    static func tableLine(of id: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int?? {
        var low = from, high = to
        while low < high {
            // The line holding the middle byte.
            let middle = (low + high) / 2
            let start = (bytes[low..<middle].lastIndex(of: 10) ?? (low - 1)) + 1
            guard let end = bytes[start..<high].firstIndex(of: 10), end - start > 2, bytes[start] == UInt8(ascii: "X"), bytes[start + 1] == 9,
                  let tab = bytes[(start + 2)..<end].firstIndex(of: 9) else { return nil }
            let key = UnsafeBufferPointer(rebasing: bytes[(start + 2)..<tab])
            if key.elementsEqual(id) { return .some(start) }
            if key.lexicographicallyPrecedes(id) { low = end + 1 } else { high = start }
        }
        return .some(nil)
    }

    /// Writes the cache without holding it whole: the `R` lines (each naming the previous record of
    /// its case), the `A` lines of the commits whose verdict is known, then the `F` lines, the offset
    /// table and the last line. Records come in a history's order (after a command that read the
    /// whole history: the next reader judges the commits without a verdict in the file's order, and
    /// consecutive commits share their trees), or case by case as a whole-history status derives
    /// them. The file is written under a temporary name a megabyte at a time and renamed when
    /// complete; nothing is written when something fails (read-only repository, full disk), since
    /// the cache is only a shortcut.
    ///
    /// The offset table holds one `X` line per case, sorted by id, `X <id> <offset of R>:<offset of
    /// its A line or ->,...`, then `fin <offset of the first X line> <checksum of the table>
    /// <checksum of what comes before it>`. `load(_:cases:)` finds a case's line by a binary search
    /// and reads only its lines.
    final class Writer {
        private let path: String
        private let temp: String
        private let out: CacheFileWriter
        /// Each case's table line, as the cases are added.
        private var table: [(id: String, offsets: String)] = []

        init?(_ path: String, tip: OID, commitCount: Int) {
            guard FolioFolder.prepare((path as NSString).deletingLastPathComponent) else { return nil }
            self.path = path
            temp = CacheFileWriter.temporaryPath(for: path)
            guard let out = CacheFileWriter(temp) else { return nil }
            self.out = out
            out.put(HistoryCache.header)
            out.put("tip \(tip.hex) \(commitCount)")
        }

        /// Records of cases not added before (a whole history, or one case), each case's oldest
        /// first, then the verdicts known of them.
        func add(_ records: some Sequence<StepRecord>, authorized: (OID) -> Bool?) {
            var lastInCase: [String: String] = [:]
            var linesOf: [String: [(line: Int, commit: OID)]] = [:]
            var order: [String] = []
            for r in records {
                if linesOf[r.caseID] == nil { order.append(r.caseID) }
                linesOf[r.caseID, default: []].append((out.count, r.commit))
                put(r, previous: lastInCase[r.caseID] ?? "")
                lastInCase[r.caseID] = r.commit.hex
            }
            for id in order {
                var offsets: [String] = []
                for (line, commit) in linesOf[id] ?? [] {
                    guard let ok = authorized(commit) else { offsets.append("\(line):-"); continue }
                    offsets.append("\(line):\(out.count)")
                    out.put(HistoryCache.seal("A\t\(commit.hex)\t\(ok ? "1" : "0")"))
                }
                table.append((id, offsets.joined(separator: ",")))
            }
        }

        /// The `R` line of a record.
        private func put(_ r: StepRecord, previous: String) {
            out.put(HistoryCache.seal(["R", r.commit.hex, r.parent?.hex ?? "", r.author.name, r.author.email, String(Int(r.author.date.timeIntervalSince1970)),
                                       String(r.author.offsetMinutes), r.committer.name, r.committer.email,
                                       String(Int(r.committer.date.timeIntervalSince1970)), String(r.committer.offsetMinutes), r.subject, r.caseID,
                                       r.procedure ?? "", r.step ?? "", r.role ?? "", r.decision ?? "", r.dependency ?? ""]
                .map(HistoryCache.escape).joined(separator: "\t") + "\t" + HistoryCache.escape(r.signedOff.joined(separator: "\u{1}"))
                + "\t" + HistoryCache.escape(r.justification ?? "") + "\t" + HistoryCache.escape(r.assigned ?? "") + "\t" + HistoryCache.escape(r.assignedRole ?? "")
                + "\t" + HistoryCache.escape(r.text) + "\t" + HistoryCache.escape(r.excuse ?? "") + "\t" + previous))
        }

        /// The `F` lines, the offset table and the last line; then the file takes its name.
        func finish(fields: [OID: CaseFields]) {
            for (blob, f) in fields { out.put(HistoryCache.seal(["F", blob.hex, f.title, f.opened, f.month, f.damage].map(HistoryCache.escape).joined(separator: "\t"))) }
            // The checksum of everything before the table (read back from the file): a line there
            // dropped or edited (a verdict, a case's last record) is not believed by a whole reading.
            let start = out.count
            guard let body = out.checksum() else { return out.discard() }
            // Sorted by the ids' bytes, as the search compares them; its own checksum: a line of it
            // dropped or edited is not believed (the case would look empty).
            var tableBytes: [UInt8] = []
            for entry in table.sorted(by: { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }) {
                tableBytes += HistoryCache.seal("X\t\(HistoryCache.escape(entry.id))\t" + entry.offsets).utf8
                tableBytes.append(10)
            }
            let tableSum = tableBytes.withUnsafeBytes { CacheChecksum.hex(CacheChecksum.of($0)) }
            out.put(bytes: tableBytes)
            out.put("fin \(start) \(tableSum) \(CacheChecksum.hex(body))")
            guard out.finish() else { return out.discard() }
            if rename(temp, path) != 0 { unlink(temp) }
        }
    }

    /// A line with its checksum (FNV-1a, 64 bits, in hex) appended after a tab.
    static func seal(_ line: String) -> String {
        line + "\t" + checksum(line.utf8)
    }

    /// The line without its checksum, or nil when the checksum does not match (the line was
    /// damaged, edited by hand, or written by another version).
    static func unseal(_ sealed: Substring) -> Substring? {
        let utf8 = sealed.utf8
        guard utf8.count > 17 else { return nil }
        let cut = utf8.index(utf8.endIndex, offsetBy: -17)
        guard utf8[cut] == 9 else { return nil }
        let line = sealed[..<cut]
        guard sealed.utf8[utf8.index(after: cut)...].elementsEqual(checksum(line.utf8).utf8) else { return nil }
        return line
    }

    static func checksum<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == 9 || $0 == 10 }) else { return s }
        return s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func unescape(_ s: Substring) -> String {
        guard s.utf8.contains(UInt8(ascii: "\\")) else { return String(s) }
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                out.append(c == "t" ? "\t" : c == "n" ? "\n" : c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}

extension Casebook {
    /// The key under which a command's output is cached: HEAD, today (deadlines depend on it)
    /// and the command's own words.
    public func outputKey(_ words: [String]) throws -> String? {
        guard usesCache, let head = try repository.headCommit() else { return nil }
        // The cache's format and the running folio (`runningBuild`) are part of the key: another
        // build of folio, which may render differently, does not reuse this one's output.
        return ([HistoryCache.header, Self.runningBuild, head.hex, clock.today] + words).joined(separator: "\u{1}")
    }

    /// The running folio, as the caches that depend on how folio derives or renders name it: the
    /// build id its linker wrote (`.note.gnu.build-id`, a hash of the program), so that any other
    /// build, installed or copied in any way, names its caches apart, and the same program keeps its
    /// caches when its file's dates change without it changing (a hard link, as `perf record` makes
    /// for its cache, changed the change time and cost every case index a rebuild). A program without
    /// a build id is named by its file: size, inode, and change and modification times to the
    /// nanosecond (two builds installed within the same second, or copied keeping their dates,
    /// differ in their change time and inode).
    static let runningBuild: String = runningBuild(of: "/proc/self/exe")
        ?? runningBuild(of: Bundle.main.executablePath ?? CommandLine.arguments[0]) ?? CommandLine.arguments[0]

    static func runningBuild(of executable: String) -> String? {
        if let id = ELFBuildID.read(executable) { return "build-id " + id }
        var info = stat()
        guard stat(executable, &info) == 0 else { return nil }
        return "\(info.st_size).\(info.st_ino).\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec).\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
    }

    /// A command's output cached for exactly this key (same HEAD, same day, same arguments), to
    /// hand to stdout unchanged, with the warning it gave on stderr (the steps left out). Both
    /// files must name the key, and the output file must have the length the warning file gives
    /// (one cut short or with bytes added is not used). Only the key line is read here; the output
    /// is copied from the file in pieces (`CachedOutput`).
    public func cachedOutputData(_ key: String?) -> CachedOutput? {
        let path = repository.gitdir + "folio/salida.cache"
        let keyLine = key.map { Data(($0 + "\n").utf8) }
        guard usesCache, let keyLine, let handle = CacheFile.handle(path) else { return nil }
        defer { try? handle.close() }
        guard (try? handle.read(upToCount: keyLine.count)) == keyLine,
              let notes = CacheFile.contents(Self.noteFile(repository)),
              notes.starts(with: keyLine) else { return nil }
        // Then `largo <n>`, the output file's length, `archivos <n>` and n lines `<stamp>\t<path>`:
        // the work-tree files the output read, each as it was then (a round's expected dependencies
        // being edited). Read as bytes (at 10k cases a status lists 519 files: read as characters,
        // a fifth of a warm status).
        let bytes = [UInt8](notes.dropFirst(keyLine.count))
        var at = 0
        func line() -> ArraySlice<UInt8>? {
            guard let end = bytes[at...].firstIndex(of: 10) else { return nil }
            defer { at = end + 1 }
            return bytes[at..<end]
        }
        var info = stat()
        guard let length = line(), length.starts(with: "largo ".utf8), fstat(handle.fileDescriptor, &info) == 0,
              String(decoding: length.dropFirst(6), as: UTF8.self) == String(info.st_size) else { return nil }
        guard let header = line(), header.starts(with: "archivos ".utf8),
              let count = Int(String(decoding: header.dropFirst(9), as: UTF8.self)), count >= 0 else { return nil }
        for _ in 0..<count {
            guard let entry = line(), let tab = entry.firstIndex(of: 9),
                  fileStamp(String(decoding: entry[(tab + 1)...], as: UTF8.self)).utf8.elementsEqual(entry[..<tab]) else { return nil }
        }
        return CachedOutput(path: path, offset: UInt64(keyLine.count), note: at == bytes.count ? nil : String(decoding: bytes[at...], as: UTF8.self))
    }

    /// The warning of the cached output, beside it: written before the output is renamed into place.
    static func noteFile(_ repository: Repository) -> String { repository.gitdir + "folio/salida.aviso" }

    /// Writes the warning file of an output file of `length` bytes (its key line included).
    static func storeNote(_ note: String?, key: String, length: Int, files: [String: String], in repository: Repository) -> Bool {
        let path = noteFile(repository)
        // A path with a newline or a tab cannot be listed: such an output is not kept.
        guard !files.keys.contains(where: { $0.contains("\n") || $0.contains("\t") }) else { return false }
        let listed = "archivos \(files.count)\n" + files.sorted { $0.key < $1.key }.map { "\($0.value)\t\($0.key)\n" }.joined()
        return CacheFile.replace(path, with: Data((key + "\nlargo \(length)\n" + listed + (note ?? "")).utf8))
    }

    /// The cached output as text.
    public func cachedOutput(_ key: String?) -> String? {
        cachedOutputData(key).flatMap { cached in cached.note == nil ? cached.data.map { String(decoding: $0, as: UTF8.self) } : nil }
    }

    /// A writer of a command's output into the output cache piece by piece, for output written as
    /// a stream; nil when the cache is off. Nothing replaces the cached output until `keep()`.
    public func outputCacheWriter(_ key: String?) -> OutputCacheWriter? {
        guard let key, FolioFolder.prepare(FolioFolder.path(repository)) else { return nil }
        return OutputCacheWriter(path: repository.gitdir + "folio/salida.cache", key: key) { [unowned self] note, length in
            Self.storeNote(note, key: key, length: length, files: workTreeFiles, in: repository)
        }
    }

    /// Keeps a command's output for the next identical run, with the warning it gave on stderr
    /// (`note`); the last one only, written atomically.
    public func storeOutput(_ text: String, _ key: String?, note: String? = nil) {
        guard let key, FolioFolder.prepare(FolioFolder.path(repository)) else { return }
        let path = repository.gitdir + "folio/salida.cache"
        let output = Data((key + "\n" + text).utf8)
        guard Self.storeNote(note, key: key, length: output.count, files: workTreeFiles, in: repository) else { return }
        _ = CacheFile.replace(path, with: output)
    }
}

/// A cached output found for a key: its bytes stay in the file until they are copied.
public struct CachedOutput {
    let path: String
    let offset: UInt64
    /// The warning the run that made it gave on stderr.
    public let note: String?

    /// The output's bytes (nil when the file went away).
    var data: Data? {
        guard let handle = CacheFile.handle(path) else { return nil }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        return try? handle.readToEnd() ?? Data()
    }

    /// Copies the output to `out`: by the kernel, file to file or pipe (`sendfile`: at 10k cases a
    /// 65 MB status went through a fresh 1 MB buffer at a time, two thirds of a warm status), else
    /// in pieces of 1 MB through one buffer (memory stays small for a 50 MB status).
    public func copy(to out: FileHandle) {
        guard let handle = CacheFile.handle(path) else { return }
        defer { try? handle.close() }
        #if os(Linux)
        var info = stat()
        let input = handle.fileDescriptor
        if fstat(input, &info) == 0, UInt64(info.st_size) >= offset {
            var position = off_t(offset)
            var left = Int(UInt64(info.st_size) - offset)
            while left > 0 {
                let sent = sendfile(out.fileDescriptor, input, &position, min(left, 1 << 30))
                if sent > 0 {
                    left -= sent
                } else if sent < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            if left == 0 { return }
            // What sendfile could not send (an output it does not write to) goes the other way.
            try? handle.seek(toOffset: UInt64(position))
        } else {
            try? handle.seek(toOffset: offset)
        }
        #else
        try? handle.seek(toOffset: offset)
        #endif
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            var written = 0
            while written < count {
                let n = buffer.withUnsafeBytes { write(out.fileDescriptor, $0.baseAddress! + written, count - written) }
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return }
                written += n
            }
        }
    }
}

/// The output cache written as a stream: a temporary file renamed over `salida.cache` by `keep()`,
/// removed by `discard()` (or when the writer is dropped unkept), so a run cut short leaves the
/// previous output in place and no half-written file.
public final class OutputCacheWriter {
    private let path: String
    private let temp: String
    private var file: UnsafeMutablePointer<FILE>?
    /// The warning file's writer, given the warning and the output file's length.
    private let storeNote: (String?, Int) -> Bool
    /// Bytes written so far, the key line included.
    private var length = 0

    init?(path: String, key: String, storeNote: @escaping (String?, Int) -> Bool) {
        self.path = path
        self.storeNote = storeNote
        temp = CacheFileWriter.temporaryPath(for: path)
        guard let file = fopen(temp, "w") else { return nil }
        self.file = file
        write(Data((key + "\n").utf8))
    }

    public func write(_ data: Data) {
        data.withUnsafeBytes { write($0) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard let file, !bytes.isEmpty else { return }
        length += bytes.count
        if fwrite(bytes.baseAddress, 1, bytes.count, file) != bytes.count { discard() }
    }

    /// Replaces the cached output with what was written, and the warning it gave (`note`).
    public func keep(note: String? = nil) {
        guard let file else { return }
        self.file = nil
        if fclose(file) != 0 || !storeNote(note, length) || rename(temp, path) != 0 { unlink(temp) }
    }

    public func discard() {
        guard let file else { return }
        self.file = nil
        fclose(file)
        unlink(temp)
    }

    deinit { discard() }
}
