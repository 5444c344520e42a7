import Foundation
import GitStore
import Procedures

/// The case index of one tip: one summary per case (its status as the JSON `status --json`
/// writes), keyed by the case's last commit and its folder's tree at the tip, in
/// `.git/folio/estado.cache`. After new commits only the cases they touch are replayed; the
/// others' summaries are copied.
///
/// Disposable like the history cache: the whole file holds for one key (the running folio, the
/// day, HEAD's `roles.yaml` and `folio.yaml`, the reception stamps), and a summary is used only
/// when its case's last commit and folder tree are those of the history being read; a file
/// that cannot be read (another version, cut short, garbage) is ignored and written again.
struct StatusIndex {
    static let header = "folio-estado 2"

    struct Summary {
        var last: OID
        /// The case folder's tree id and path at the tip.
        var tree: String
        /// Commits of the case left out (they break verify's rules).
        var omitted: Int
        /// Whether the summary may be used again (not for a damaged case).
        var reusable: Bool
        /// For a case whose state reads its `expediente.md` in the work tree (the dependencies a
        /// round expects): that file's change time, size and inode when it was read; "-" otherwise.
        var workTree: String
        var json: Data
    }

    /// The commit the summaries were derived at.
    var tip: OID
    /// Case ids in the order they were opened.
    var order: [String] = []
    var summaries: [String: Summary] = [:]

    static func file(_ repository: Repository) -> String { repository.gitdir + "folio/estado.cache" }

    /// The index on disk written for `key`, or nil when it is missing, for another key, or damaged.
    ///
    /// Format: a header line, the key line, `tip <commit>`, then per case a line
    /// `C <id> <last commit> <tree>:<path> <omitted> <0|1> <work tree> <bytes>` followed by that many
    /// bytes of JSON and a newline; the file ends with `fin`.
    static func load(_ path: String, key: String) -> StatusIndex? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> StatusIndex? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var at = 0
            func line() -> Substring? {
                guard at < bytes.count, let end = bytes[at...].firstIndex(of: 10) else { return nil }
                defer { at = end + 1 }
                return Substring(decoding: UnsafeBufferPointer(rebasing: bytes[at..<end]), as: UTF8.self)
            }
            guard line() == Substring(header), line() == Substring(key.replacingOccurrences(of: "\n", with: " ")),
                  let tipLine = line(), tipLine.hasPrefix("tip "), let tip = OID(hex: String(tipLine.dropFirst(4))) else { return nil }
            var index = StatusIndex(tip: tip)
            while let text = line() {
                if text == "fin" { return at == bytes.count ? index : nil }
                let f = text.split(separator: " ", omittingEmptySubsequences: false)
                guard f.count == 9, f[0] == "C", let last = OID(hex: String(f[2])), let omitted = Int(f[4]), f[5] == "0" || f[5] == "1",
                      let count = Int(f[7]), count >= 0, at + count < bytes.count, bytes[at + count] == 10,
                      index.summaries[String(f[1])] == nil else { return nil }
                let json = Data(UnsafeBufferPointer(rebasing: bytes[at..<(at + count)]))
                // Each summary carries the checksum of its line and JSON: one edited or moved is not believed.
                guard f[8] == Substring(checksum(f[0..<8].joined(separator: " "), json)) else { return nil }
                at += count + 1
                index.order.append(String(f[1]))
                index.summaries[String(f[1])] = Summary(last: last, tree: String(f[3]), omitted: omitted, reusable: f[5] == "1",
                                                        workTree: String(f[6]), json: json)
            }
            return nil
        }
    }
}

extension StatusIndex {
    /// FNV-1a (64 bits, hex) of a summary's line, a newline and its JSON.
    static func checksum(_ line: String, _ json: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        for byte in line.utf8 { mix(byte) }
        mix(10)
        json.withUnsafeBytes { for byte in $0 { mix(byte) } }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Writes a new status index as the summaries are produced (a temporary file renamed at the end).
final class StatusIndexWriter {
    private let path: String
    private let temp: String
    private var file: UnsafeMutablePointer<FILE>?

    init?(path: String, key: String, tip: OID) {
        self.path = path
        temp = path + ".\(getpid()).tmp"
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard let file = fopen(temp, "w") else { return nil }
        self.file = file
        put(Data((StatusIndex.header + "\n" + key.replacingOccurrences(of: "\n", with: " ") + "\ntip \(tip.hex)\n").utf8))
    }

    private func put(_ data: Data) {
        guard let file else { return }
        if data.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) != data.count { discard() }
    }

    func add(_ id: String, _ summary: StatusIndex.Summary) {
        // A case id never holds a space or a newline (CaseID.isValid); an index that would is not written.
        guard !id.isEmpty, !id.contains(where: { $0 == " " || $0 == "\n" }) else { return discard() }
        let line = "C \(id) \(summary.last.hex) \(summary.tree) \(summary.omitted) \(summary.reusable ? 1 : 0) \(summary.workTree) \(summary.json.count)"
        put(Data((line + " " + StatusIndex.checksum(line, summary.json) + "\n").utf8))
        put(summary.json)
        put(Data([10]))
    }

    func finish() {
        put(Data("fin\n".utf8))
        guard let file else { return }
        self.file = nil
        if fclose(file) != 0 || rename(temp, path) != 0 { unlink(temp) }
    }

    func discard() {
        guard let file else { return }
        self.file = nil
        fclose(file)
        unlink(temp)
    }

    deinit { discard() }
}

extension Casebook {
    /// Every case's status as `encode` renders it, handed to `body` one case at a time in the order
    /// they were opened (what `status --json` writes).
    ///
    /// With the cache on, the case index of an earlier HEAD (an ancestor of this one, same day,
    /// roster, settings and stamps) gives each case's summary; only the cases that the commits
    /// since name, whose folder changed (an edit outside folio), that were damaged, or whose
    /// work-tree file read for the round changed are replayed, from their own records. Otherwise
    /// every case is replayed and the index written again.
    public func statusOfAll(encode: (CaseStatus) throws -> Data, _ body: (Data) throws -> Void) throws {
        omittedCommits = 0
        damagedCases = []
        guard let head = try repository.headCommit() else { return }
        let key = try statusIndexKey(head: head)
        let path = StatusIndex.file(repository)
        let folders = try caseFolders(at: head)
        var order: [String] = []
        var replayed: Set<String> = []
        let old = key.flatMap { StatusIndex.load(path, key: $0) }
        let history: History
        if let old, old.tip == head || (try? repository.isAncestor(old.tip, of: head)) == true {
            order = old.order
            var known = Set(order)
            if old.tip != head {
                try repository.walk(from: head, hiding: old.tip, firstParent: true) { commit in
                    guard let record = try StepRecord(commit) else { return }
                    replayed.insert(record.caseID)
                    if known.insert(record.caseID).inserted { order.append(record.caseID) }
                }
            }
            for id in old.order {
                guard let summary = old.summaries[id] else { continue }
                if !summary.reusable || summary.tree != folderKey(folders[id]) || summary.workTree != workTreeStamp(summary.workTree, folders[id]) {
                    replayed.insert(id)
                }
            }
            history = try loadHistory(of: replayed, at: head)
        } else {
            history = try loadHistory(at: head)
            order = history.caseIDs
            replayed = Set(order)
        }
        try judgeCommits(in: history, cases: replayed)
        let roster = readableRoster(at: head)
        // The index on disk already says all of it when nothing moved since it was written.
        let unchanged = old?.tip == head && replayed.isEmpty
        let writer = unchanged ? nil : key.flatMap { StatusIndexWriter(path: path, key: $0, tip: head) }
        for id in order {
            if !replayed.contains(id), let known = old?.summaries[id] {
                omittedCommits += known.omitted
                writer?.add(id, known)
                try body(known.json)
                continue
            }
            guard let last = history.records(of: id).last?.commit else { continue }
            let folder = folders[id]
            let before = omittedCommits
            let status = caseStatus(id, history: history, roster: roster, head: head, path: folder?.path ?? "")
            let json = try encode(status)
            if status.damage != nil { damagedCases.append(status) }
            // A round's state reads the work tree's expediente.md: the summary holds while that file does.
            let stamp = status.expected == nil ? "-" : workTreeStamp(nil, folder)
            writer?.add(id, StatusIndex.Summary(last: last, tree: folderKey(folder), omitted: omittedCommits - before,
                                                reusable: status.damage == nil, workTree: stamp, json: json))
            try body(json)
        }
        writer?.finish()
        saveHistoryCache()
    }

    private func folderKey(_ folder: (path: String, tree: OID)?) -> String {
        folder.map { "\($0.tree.hex):\($0.path)" } ?? "-"
    }

    /// The change time, size and inode of a case's `expediente.md` in the work tree ("-" when the
    /// summary did not read it, `previous` being "-").
    private func workTreeStamp(_ previous: String?, _ folder: (path: String, tree: OID)?) -> String {
        if previous == "-" { return "-" }
        var info = stat()
        guard let folder, stat("\(root)/\(folder.path)/expediente.md", &info) == 0 else { return "ninguno" }
        return "\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec).\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec).\(info.st_size).\(info.st_ino)"
    }
    /// What every summary of the case index depends on besides its case: nil when the cache is off.
    func statusIndexKey(head: OID) throws -> String? {
        guard usesCache else { return nil }
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        let built = (try? FileManager.default.attributesOfItem(atPath: executable)[.modificationDate] as? Date)
            .map { String(Int($0.timeIntervalSince1970)) } ?? ""
        let roles = try repository.entryID(at: Roster.fileName, in: head)?.hex ?? "-"
        let settings = try repository.entryID(at: Settings.fileName, in: head)?.hex ?? "-"
        let stamps = try repository.resolve(reference: Self.receptionNotesRef)?.hex ?? "-"
        return [HistoryCache.header, built, executable, clock.today, clock.timeZone.identifier, roles, settings, stamps]
            .joined(separator: " ")
    }

    /// `cases/<AAAA>/<ID>` of every case committed at `commit`, with its folder's tree id.
    func caseFolders(at commit: OID) throws -> [String: (path: String, tree: OID)] {
        var folders: [String: (path: String, tree: OID)] = [:]
        for year in try repository.entries(at: "cases", in: commit) where year.kind == .tree {
            for folder in try repository.entries(at: "cases/\(year.name)", in: commit) where folder.kind == .tree {
                folders[folder.name] = ("cases/\(year.name)/\(folder.name)", folder.id)
            }
        }
        return folders
    }
}
