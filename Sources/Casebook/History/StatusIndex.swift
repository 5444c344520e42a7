import Foundation
import GitStore
import Procedures

/// The case index of one tip: one summary per case (its status as the JSON `status --json`
/// writes), keyed by the case's last commit and its folder's tree at the tip, in
/// `.git/folio/estado.cache`. After new commits only the cases they touch are replayed; the
/// others' summaries are copied.
///
/// Disposable like the history cache: the whole file holds for one key (the running folio, the
/// time zone, HEAD's `roles.yaml` and `folio.yaml`, the reception stamps), and a summary is used
/// only when its case's last commit and folder tree are those of the history being read, and, for a
/// case with a next step (whose deadline may pass), on the day it was derived; a file
/// that cannot be read (another version, cut short, garbage) is ignored and written again.
struct StatusIndex {
    static let header = "folio-estado 5"

    struct Summary {
        var last: OID
        /// The case folder's tree id and path at the tip.
        var tree: String
        /// Commits of the case left out (they break verify's rules).
        var omitted: Int
        /// Whether the summary may be used again (not for a case the repository could not be read for).
        var reusable: Bool
        /// The day the summary holds for (`AAAA-MM-DD`): a case with a next step, whose deadline
        /// passes with the days; nil for one with none (closed, or no case), which holds on any day.
        var day: String? = nil
        /// For a case whose state reads its `expediente.md` in the work tree (the dependencies a
        /// round expects): that file's change time, size and inode when it was read; "-" otherwise.
        var workTree: String
        var json: Data
        /// The summary's bytes in the index file it was read from (its line, JSON and newline), to
        /// copy into the next index unchanged.
        var stored: UnsafeRawBufferPointer?
    }

    /// The commit the summaries were derived at.
    var tip: OID
    /// Case ids in the order they were opened.
    var order: [String] = []
    var summaries: [String: Summary] = [:]
    /// The mapped file the summaries' JSON lies in (nil for an index built in memory).
    var file: MappedFile?
    /// How many blocks the file holds (the first, whole, and one appended per update).
    var blocks = 0

    /// The case index of the form its summaries are written in: `status --json`'s (`json`), the
    /// table's (`tabla`).
    static func file(_ repository: Repository, form: String = "json") -> String {
        repository.gitdir + (form == "json" ? "folio/estado.cache" : "folio/estado-\(form).cache")
    }

    /// Whether appending the summaries of `changed` cases keeps the file small: a file mostly made
    /// of replaced summaries, or of many blocks, is written whole again.
    func appendable(changed: Int) -> Bool {
        guard let file, blocks < 64, changed * 4 <= order.count else { return false }
        let live = summaries.values.reduce(0) { $0 + ($1.stored?.count ?? 0) }
        return file.bytes.count <= 2 * live + 4096
    }

    /// The index on disk written for `key`, or nil when it is missing, for another key, or damaged.
    /// The file is mapped: the summaries' JSON is handed out and copied where it lies.
    ///
    /// Format: a header line and the key line, then blocks: `tip <commit> <previous block's commit,
    /// or - for the first>`, per case a line `C <id> <last commit> <tree>:<path> <omitted> <0|1>
    /// <work tree> <bytes> <checksum>` (the sixth field: 0, not reusable; 1, reusable any day; a day
    /// AAAA-MM-DD, reusable that day) followed by that many bytes of JSON and a newline, and `fin
    /// <commit> <checksum of the block's summary checksums>`. The first block holds every case; each
    /// later one (appended after new commits) the summaries that changed, which replace the earlier
    /// ones. The last block's commit is the index's tip. A block dropped, moved or cut, or a summary
    /// dropped from one, breaks the chain or the block's checksum.
    static func load(_ path: String, key: String) -> StatusIndex? {
        guard let file = MappedFile(path) else { return nil }
        let bytes = file.bytes
        var at = 0
        func line() -> UnsafeBufferPointer<UInt8>? {
            guard at < bytes.count, let end = bytes[at...].firstIndex(of: 10) else { return nil }
            defer { at = end + 1 }
            return UnsafeBufferPointer(rebasing: bytes[at..<end])
        }
        guard line()?.elementsEqual(header.utf8) == true,
              line()?.elementsEqual(key.replacingOccurrences(of: "\n", with: " ").utf8) == true else { return nil }
        var index = StatusIndex(tip: OID(hex: String(repeating: "0", count: 40))!, file: file)
        // Where each of a summary line's nine fields starts and ends (read without a string or an
        // array per line: at 10k cases, the index is read whole by every status after a commit).
        var starts = [Int](repeating: 0, count: 9), ends = [Int](repeating: 0, count: 9)
        while at < bytes.count {
            let previous = index.blocks == 0 ? "-" : index.tip.hex
            guard let tipLine = line(), tipLine.starts(with: "tip ".utf8), tipLine.count == 45 + previous.utf8.count,
                  let tip = OID(hexBytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: tipLine[4..<44]))),
                  tipLine[45...].elementsEqual(previous.utf8) else { return nil }
            index.tip = tip
            index.blocks += 1
            // The ids of a later block (the first block's are told apart as they go in).
            var inBlock: Set<String> = []
            var sums: [UInt8] = []
            while true {
                let start = at
                guard let text = line() else { return nil }
                if text.starts(with: "fin ".utf8) {
                    let fold = sums.withUnsafeBytes { CacheChecksum.hex(CacheChecksum.of($0)) }
                    guard text.count == 61, text[4..<44].elementsEqual(tipLine[4..<44]), text[45...].elementsEqual(fold.utf8) else { return nil }
                    break
                }
                guard Self.fields(of: text, starts: &starts, ends: &ends), ends[0] - starts[0] == 1, text[0] == UInt8(ascii: "C")
                else { return nil }
                func field(_ n: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: text[starts[n]..<ends[n]]) }
                func string(_ n: Int) -> String { String(decoding: field(n), as: UTF8.self) }
                let id = string(1)
                let reuse = field(5)
                let day: String? = reuse.count == 10 ? String(decoding: reuse, as: UTF8.self) : nil
                guard field(2).count == 40, let last = OID(hexBytes: UnsafeRawBufferPointer(field(2))),
                      let omitted = Self.number(field(4)), let count = Self.number(field(7)),
                      reuse.elementsEqual("0".utf8) || reuse.elementsEqual("1".utf8) || day.flatMap(Day.init(iso:)) != nil,
                      at + count < bytes.count, bytes[at + count] == 10, field(8).count == 16,
                      index.blocks == 1 || inBlock.insert(id).inserted else { return nil }
                let json = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[at..<(at + count)]))
                // Each summary carries the checksum of its line and JSON: one edited or moved is not believed.
                let lineBytes = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<(start + starts[8] - 1)]))
                guard Self.hexNumber(field(8)) == CacheChecksum.of(json, seed: CacheChecksum.of(lineBytes)) else { return nil }
                sums.append(contentsOf: field(8))
                at += count + 1
                file.passed(at - start)
                let summary = Summary(
                    last: last, tree: string(3), omitted: omitted, reusable: !reuse.elementsEqual("0".utf8), day: day, workTree: string(6),
                    // The JSON stays in the mapping, which each copy of it keeps alive.
                    json: count == 0 ? Data() : Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: json.baseAddress!), count: count,
                                                     deallocator: .custom { _, _ in withExtendedLifetime(file) {} }),
                    stored: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<at])))
                if let replaced = index.summaries.updateValue(summary, forKey: id) {
                    // The first block holds each case once; a later one replaces a case's summary.
                    guard index.blocks > 1 else { return nil }
                    _ = replaced
                } else {
                    index.order.append(id)
                    // Room for the rest of the cases, as many as the first 64 say the file holds
                    // (a table grown by doubling is copied a dozen times at 10k cases; one more
                    // doubling at most when the estimate falls short), and never more than one
                    // case a kilobyte of file (64 short summaries before long ones).
                    if index.order.count == 64 {
                        let cases = 64 + min(Int(Double(bytes.count - at) / Double(at) * 64), bytes.count >> 10)
                        index.summaries.reserveCapacity(cases)
                        index.order.reserveCapacity(cases)
                    }
                }
            }
        }
        return index.blocks > 0 ? index : nil
    }

    /// The bounds of the nine fields of `line`, one space between each; false for another count
    /// of fields or an empty one.
    private static func fields(of line: UnsafeBufferPointer<UInt8>, starts: inout [Int], ends: inout [Int]) -> Bool {
        var field = 0
        starts[0] = 0
        for i in 0..<line.count where line[i] == 32 {
            guard field < 8, i > starts[field] else { return false }
            ends[field] = i
            field += 1
            starts[field] = i + 1
        }
        guard field == 8, line.count > starts[8] else { return false }
        ends[8] = line.count
        return true
    }

    /// A decimal number of at most 18 digits; nil for anything else.
    private static func number(_ digits: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= 48, digit <= 57 else { return nil }
            value = value * 10 + Int(digit - 48)
        }
        return value
    }

    /// Sixteen lowercase hexadecimal digits (as `CacheChecksum.hex` writes them); nil otherwise.
    private static func hexNumber(_ digits: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard digits.count == 16 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            switch digit {
            case 48...57: value = value << 4 | UInt64(digit - 48)
            case 97...102: value = value << 4 | UInt64(digit - 87)
            default: return nil
            }
        }
        return value
    }

    /// The tip of the index on disk for `key` (its last block's), reading only its first and last
    /// lines; nil when there is none for that key.
    static func tip(_ path: String, key: String) -> OID? {
        guard let file = MappedFile(path) else { return nil }
        let bytes = file.bytes
        let head = Array((header + "\n" + key.replacingOccurrences(of: "\n", with: " ") + "\n").utf8)
        // The last line: `fin <commit> <checksum>` (61 bytes and its newline).
        guard bytes.starts(with: head), bytes.count >= head.count + 62, bytes[bytes.count - 1] == 10,
              bytes[(bytes.count - 63)...].starts(with: "\nfin ".utf8) else { return nil }
        return OID(hex: String(decoding: UnsafeBufferPointer(rebasing: bytes[(bytes.count - 58)..<(bytes.count - 18)]), as: UTF8.self))
    }
}

extension StatusIndex {
    /// The checksum of a summary's line (without its checksum) and its JSON.
    static func checksum(_ line: UnsafeRawBufferPointer, _ json: UnsafeRawBufferPointer) -> String {
        CacheChecksum.hex(CacheChecksum.of(json, seed: CacheChecksum.of(line)))
    }
}

/// Writes the status index as the summaries are produced: a whole new file (a temporary file
/// renamed at the end), or one block appended to the index just read with the summaries that
/// changed (`appending`), when that file is still the one on disk.
final class StatusIndexWriter {
    private let path: String
    /// Where the summaries go as they come: the new file, or the block to append.
    private let temp: String
    private var file: UnsafeMutablePointer<FILE>?
    /// For an appended block: the index file it goes after. The block is written to `temp` and
    /// copied onto that file's end by `finish`, not held in memory (at 30k cases a new day's block
    /// is 6.5 MB, and an array grown by doubling held 13 MB of it at the command's peak).
    private var appendsTo: MappedFile?
    private let tip: OID
    /// The summaries' checksums of the block, for its `fin` line.
    private var sums: [UInt8] = []

    init?(path: String, key: String, tip: OID) {
        self.path = path
        self.tip = tip
        temp = CacheFileWriter.temporaryPath(for: path)
        guard FolioFolder.prepare((path as NSString).deletingLastPathComponent), let file = fopen(temp, "w") else { return nil }
        self.file = file
        put(Data((StatusIndex.header + "\n" + key.replacingOccurrences(of: "\n", with: " ") + "\ntip \(tip.hex) -\n").utf8))
    }

    /// A block for `tip` after the index `old` (read from `path`): only the summaries added without
    /// their old bytes (replayed cases) go in it.
    init?(appendingTo path: String, after old: StatusIndex, tip: OID) {
        guard let mapped = old.file else { return nil }
        self.path = path
        self.tip = tip
        temp = CacheFileWriter.temporaryPath(for: path)
        guard let file = fopen(temp, "w+") else { return nil }
        self.file = file
        appendsTo = mapped
        put(Data("tip \(tip.hex) \(old.tip.hex)\n".utf8))
    }

    private func put(_ data: Data) {
        guard let file else { return }
        if data.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) != data.count { discard() }
    }

    func add(_ id: String, _ summary: StatusIndex.Summary) {
        if let stored = summary.stored {
            // An unchanged summary: already in the file a block is appended to.
            if appendsTo != nil { return }
            // A summary read from the last index goes in as it was (its checksum was checked then):
            // the checksum ends its first line.
            guard let file, let end = stored.firstIndex(of: 10), end >= 16, fwrite(stored.baseAddress, 1, stored.count, file) == stored.count
            else { return discard() }
            sums.append(contentsOf: stored[(end - 16)..<end])
            return
        }
        // A case id never holds a space or a newline (CaseID.isValid); an index that would is not written.
        guard !id.isEmpty, !id.contains(where: { $0 == " " || $0 == "\n" }) else { return discard() }
        let line = "C \(id) \(summary.last.hex) \(summary.tree) \(summary.omitted) \(summary.reusable ? summary.day ?? "1" : "0") \(summary.workTree) \(summary.json.count)"
        let sum = Array(line.utf8).withUnsafeBytes { line in summary.json.withUnsafeBytes { StatusIndex.checksum(line, $0) } }
        sums.append(contentsOf: sum.utf8)
        put(Data((line + " " + sum + "\n").utf8))
        put(summary.json)
        put(Data([10]))
    }

    func finish() {
        let fold = sums.withUnsafeBytes { CacheChecksum.hex(CacheChecksum.of($0)) }
        put(Data("fin \(tip.hex) \(fold)\n".utf8))
        guard let file else { return }
        self.file = nil
        if let mapped = appendsTo {
            appendsTo = nil
            defer { fclose(file); unlink(temp) }
            guard fflush(file) == 0 else { return }
            // Appended only to the file that was read, whole (a writer that replaced it meanwhile wins);
            // a block cut short (a crash, a full disk) makes the next reading rebuild the index.
            let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
            guard descriptor >= 0 else { return }
            defer { close(descriptor) }
            var info = stat()
            guard flock(descriptor, LOCK_EX) == 0, fstat(descriptor, &info) == 0, UInt64(info.st_dev) == mapped.identity.device,
                  UInt64(info.st_ino) == mapped.identity.inode, Int(info.st_size) == mapped.bytes.count else { return }
            Self.copy(from: fileno(file), to: descriptor)
            return
        }
        if fclose(file) != 0 || rename(temp, path) != 0 { unlink(temp) }
    }

    /// The whole of the file open as `source`, written to `target` a megabyte at a time; stops at
    /// the first failure (what was written is a block cut short).
    private static func copy(from source: Int32, to target: Int32) {
        var piece = [UInt8](repeating: 0, count: 1 << 20)
        var offset: off_t = 0
        while true {
            let read = piece.withUnsafeMutableBytes { pread(source, $0.baseAddress, $0.count, offset) }
            if read < 0 && errno == EINTR { continue }
            guard read > 0, piece.withUnsafeBytes({ CacheFile.writeAll(target, UnsafeRawBufferPointer(rebasing: $0[..<read])) }) else { return }
            offset += off_t(read)
        }
    }

    func discard() {
        appendsTo = nil
        guard let file else { return }
        self.file = nil
        fclose(file)
        unlink(temp)
    }

    deinit { discard() }
}

extension Casebook {
    /// Every case's status as `encode` renders it, handed to `body` one case at a time in the order
    /// they were opened: what `status --json` writes (`form` "json"), or each case's line of
    /// `folio status`'s table ("tabla"). Each form keeps a case index of its own. A damaged case's
    /// damage is in its encoding (`damagedCases` is left empty).
    ///
    /// With the cache on, the case index of an earlier HEAD (an ancestor of this one, same day,
    /// roster, settings and stamps) gives each case's summary; only the cases that the commits
    /// since name, whose folder changed (an edit outside folio), that the repository could not be
    /// read for, or whose work-tree file read for the round changed are replayed, from their own
    /// records (a case damaged by what is committed stays damaged until a commit changes it). Otherwise
    /// every case is replayed and the index written again.
    public func statusOfAll(form: String = "json", encode: @escaping @Sendable (CaseStatus) throws -> Data,
                            _ body: (Data) throws -> Void) throws {
        omittedCommits = 0
        workTreeFiles = [:]
        damagedCases = []
        guard let head = try repository.headCommit() else { return }
        let key = try statusIndexKey(head: head)
        let path = StatusIndex.file(repository, form: form)
        let folders = try caseFolders(at: head)
        var order: [String] = []
        var replayed: Set<String> = []
        let old = key.flatMap { StatusIndex.load(path, key: $0) }
        var history: History?
        var extended: StatusIndex?
        // The new commits' cases, read as the index's tip is found on HEAD's line.
        var added: [String] = []
        var seen: Set<String> = []
        if let old, try walkLine(after: old.tip, to: head, { commit in
            guard let record = try StepRecord(commit) else { return }
            replayed.insert(record.caseID)
            if old.summaries[record.caseID] == nil, seen.insert(record.caseID).inserted { added.append(record.caseID) }
        }) {
            extended = old
            order = old.order + added
            for (id, summary) in old.summaries {
                let folder = folders[id]
                if !summary.reusable || (summary.day != nil && summary.day != clock.today) || !Self.folderKey(summary.tree, is: folder)
                    || summary.workTree != workTreeStamp(summary.workTree, folder) {
                    replayed.insert(id)
                }
            }
            // The cases of a few new commits are judged again, as a step judges its case (their
            // few commits cost less than checksumming the whole file); more (a new day's open
            // cases) take the verdicts the file holds, once its whole checksum holds.
            let part = try loadHistory(of: replayed, at: head, keepingWhole: true, takingVerdicts: replayed.count > 8)
            try judgeCommits(in: part, cases: replayed)
            history = part
        }
        let roster = readableRoster(at: head)
        // The index on disk already says all of it when nothing moved since it was written.
        let unchanged = old?.tip == head && replayed.isEmpty
        // After a few new commits a block with the changed summaries is appended; otherwise the index is written whole.
        let writer: StatusIndexWriter? = if unchanged {
            nil
        } else if let extended, extended.appendable(changed: replayed.count) {
            StatusIndexWriter(appendingTo: path, after: extended, tip: head)
        } else {
            key.flatMap { StatusIndexWriter(path: path, key: $0, tip: head) }
        }
        /// A case replayed, by whichever casebook derives it (`forEachCase` hands every other case
        /// to a second one): its status and summary, with the steps its replay left out and, for a
        /// round, the stamp of the work tree's `expediente.md` it read; nil for a case without records.
        let summarize: @Sendable (Casebook, String, History) throws -> Replayed? = { book, id, history in
            guard let last = history.records(of: id).last?.commit else { return nil }
            let folder = folders[id]
            let before = book.omittedCommits
            // nil: no case (its opening commit does not count); its summary is kept empty, with its omitted steps.
            let status = book.caseStatus(id, history: history, roster: roster, head: head, path: folder?.path ?? "")
            let json = try status.map(encode) ?? Data()
            // A round's state reads the work tree's expediente.md: the summary holds while that file does.
            let stamp = status?.expected == nil ? "-" : book.workTreeStamp(nil, folder)
            // A next step's deadline passes with the days (`overdue`): such a summary holds for today only.
            let waits = status.map { !$0.next.isEmpty || ($0.dependencies ?? []).contains { !$0.next.isEmpty } } ?? false
            // A case damaged by what is committed (a schema, its front matter) stays so until a commit
            // changes it: its summary is kept. One the repository could not be read for is derived again.
            return Replayed(id: id, summary: StatusIndex.Summary(
                last: last, tree: book.folderKey(folder), omitted: book.omittedCommits - before,
                reusable: !book.unreadCases.contains(id), day: waits ? book.clock.today : nil, workTree: stamp, json: json))
        }
        /// A case replayed, written to the index and to `body`, in order.
        func keep(_ replayed: Replayed?) throws {
            guard let replayed else { return }
            writer?.add(replayed.id, replayed.summary)
            if !replayed.summary.json.isEmpty { try body(replayed.summary.json) }
        }
        if let history {
            var replays = 0
            for id in order {
                if !replayed.contains(id), let known = old?.summaries[id] {
                    omittedCommits += known.omitted
                    // A round's summary holds while its work-tree file does: the output depends on that file.
                    if known.workTree != "-", let folder = folders[id] { workTreeFiles[folder.path + "/expediente.md"] = known.workTree }
                    writer?.add(id, known)
                    // An empty summary: a case whose opening does not count (its omitted steps are still told).
                    if !known.json.isEmpty { try body(known.json) }
                    // The summaries are copied in the file's order: a window of it stays resident.
                    old?.file?.passed(known.stored?.count ?? 0)
                    continue
                }
                try keep(try summarize(self, id, history))
                // Each replay reads its case's commits again: their look-ups touch libgit2's pack index
                // all over (40 MB at 30k cases); its pages are let go as the replays go.
                replays += 1
                if replays % 32 == 0 { Repository.releaseMappedPages() }
            }
            saveHistoryCache()
        } else {
            // No index to extend: every case is derived, one at a time.
            try forEachCase(at: head, derive: summarize, keep)
        }
        // The summaries copied above lie in the old index's mapping: it lives until the new one is written.
        withExtendedLifetime(old) { writer?.finish() }
    }

    /// A case `statusOfAll(encode:)` replayed, and its summary for the case index.
    struct Replayed: Sendable {
        var id: String
        var summary: StatusIndex.Summary
    }

    /// Whether the case index on disk is for HEAD and this key (a `status --json` would replay no
    /// case): only then is its output worth keeping whole in the output cache too. After new
    /// commits the index gets a block of the changed cases and the output is not copied.
    public func statusIndexIsCurrent() throws -> Bool {
        guard let head = try repository.headCommit(), let key = try statusIndexKey(head: head) else { return false }
        return StatusIndex.tip(StatusIndex.file(repository), key: key) == head
    }

    private func folderKey(_ folder: CaseFolder?) -> String {
        folder.map { "\($0.tree.hex):\($0.path)" } ?? "-"
    }

    /// Whether `key` is `folderKey(folder)`, compared where it lies (a status after a commit
    /// compares every case's).
    static func folderKey(_ key: String, is folder: CaseFolder?) -> Bool {
        guard let folder else { return key == "-" }
        var key = key
        return key.withUTF8 { key in
            let (year, name) = (folder.year.utf8, folder.name.utf8)
            guard key.count == 48 + year.count + name.count, key[40] == UInt8(ascii: ":"),
                  OID(hexBytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: key[0..<40]))) == folder.tree else { return false }
            // The path after the colon: cases/<year>/<name>.
            let slash = 47 + year.count
            return key[41..<47].elementsEqual("cases/".utf8) && key[47..<slash].elementsEqual(year) && key[slash] == UInt8(ascii: "/")
                && key[(slash + 1)...].elementsEqual(name)
        }
    }

    /// The change time, size and inode of a case's `expediente.md` in the work tree ("-" when the
    /// summary did not read it, `previous` being "-").
    private func workTreeStamp(_ previous: String?, _ folder: CaseFolder?) -> String {
        if previous == "-" { return "-" }
        guard let folder else { return "ninguno" }
        return fileStamp(folder.path + "/expediente.md")
    }
    /// What every summary of the case index depends on besides its case: nil when the cache is off.
    func statusIndexKey(head: OID) throws -> String? {
        guard usesCache else { return nil }
        let roles = try repository.entryID(at: Roster.fileName, in: head)?.hex ?? "-"
        let settings = try repository.entryID(at: Settings.fileName, in: head)?.hex ?? "-"
        let stamps = try repository.resolve(reference: Self.receptionNotesRef)?.hex ?? "-"
        // Not the day: each summary of a case with a next step says which day it holds for.
        return [HistoryCache.header, Self.runningBuild, clock.timeZone.identifier, roles, settings, stamps]
            .joined(separator: " ")
    }

    /// The folder of every case committed at `commit`, by case id.
    func caseFolders(at commit: OID) throws -> [String: CaseFolder] {
        var folders: [String: CaseFolder] = [:]
        let years = try repository.entries(at: "cases", in: commit).filter { $0.kind == .tree }.map { year in
            (year.name, try repository.entries(ofTree: year.id))
        }
        folders.reserveCapacity(years.reduce(0) { $0 + $1.1.count })
        for (year, entries) in years {
            for folder in entries where folder.kind == .tree {
                folders[folder.name] = CaseFolder(year: year, name: folder.name, tree: folder.id)
            }
        }
        return folders
    }
}

/// A case's folder at a commit: `cases/<AAAA>/<ID>` and its tree id.
struct CaseFolder: Sendable {
    var year: String
    var name: String
    var tree: OID
    var path: String { "cases/\(year)/\(name)" }
}

// A summary crosses threads only as a second casebook derived it (`statusOfAll(form:encode:)`),
// with no `stored` bytes: those point into the index mapping of the thread that read it.
extension StatusIndex.Summary: @unchecked Sendable {}
