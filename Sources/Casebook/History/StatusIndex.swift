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
    static let header = "folio-estado 1"

    struct Summary {
        var last: OID
        var tree: String
        /// Commits of the case left out (they break verify's rules).
        var omitted: Int
        var json: Data
    }

    var summaries: [String: Summary] = [:]

    static func file(_ repository: Repository) -> String { repository.gitdir + "folio/estado.cache" }

    /// The index on disk written for `key`, or nil when it is missing, for another key, or damaged.
    ///
    /// Format: a header line, the key line, then per case a line
    /// `C <id> <last commit> <tree> <omitted> <bytes>` followed by that many bytes of JSON and a
    /// newline; the file ends with `fin`.
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
            guard line() == Substring(header), line() == Substring(key.replacingOccurrences(of: "\n", with: " ")) else { return nil }
            var index = StatusIndex()
            while let text = line() {
                if text == "fin" { return at == bytes.count ? index : nil }
                let f = text.split(separator: " ", omittingEmptySubsequences: false)
                guard f.count == 6, f[0] == "C", let last = OID(hex: String(f[2])), let omitted = Int(f[4]), let count = Int(f[5]),
                      count >= 0, at + count < bytes.count, bytes[at + count] == 10 else { return nil }
                let json = Data(UnsafeBufferPointer(rebasing: bytes[at..<(at + count)]))
                at += count + 1
                index.summaries[String(f[1])] = Summary(last: last, tree: String(f[3]), omitted: omitted, json: json)
            }
            return nil
        }
    }
}

/// Writes a new status index as the summaries are produced (a temporary file renamed at the end).
final class StatusIndexWriter {
    private let path: String
    private let temp: String
    private var file: UnsafeMutablePointer<FILE>?

    init?(path: String, key: String) {
        self.path = path
        temp = path + ".\(getpid()).tmp"
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard let file = fopen(temp, "w") else { return nil }
        self.file = file
        put(Data((StatusIndex.header + "\n" + key.replacingOccurrences(of: "\n", with: " ") + "\n").utf8))
    }

    private func put(_ data: Data) {
        guard let file else { return }
        if data.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) != data.count { discard() }
    }

    func add(_ id: String, _ summary: StatusIndex.Summary) {
        // A case id never holds a space or a newline (CaseID.isValid); one that does is not indexed.
        guard !id.contains(where: { $0 == " " || $0 == "\n" }) else { return }
        put(Data("C \(id) \(summary.last.hex) \(summary.tree) \(summary.omitted) \(summary.json.count)\n".utf8))
        put(summary.json + Data([10]))
    }

    func finish() {
        guard let file else { return }
        put(Data("fin\n".utf8))
        guard self.file != nil else { return }
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
    /// they were opened (what `status --json` writes). With the cache on, a case whose last commit
    /// and folder are those of the last run is not replayed: its summary from the case index is
    /// used (same day, same roster, same stamps); the cases new commits touch are replayed.
    public func statusOfAll(encode: (CaseStatus) throws -> Data, _ body: (Data) throws -> Void) throws {
        omittedCommits = 0
        damagedCases = []
        guard let head = try repository.headCommit() else { return }
        let history = try loadHistory(at: head)
        let roster = readableRoster(at: head)
        let folders = try caseFolders(at: head)
        let key = try statusIndexKey(head: head)
        let path = StatusIndex.file(repository)
        let old = key.flatMap { StatusIndex.load(path, key: $0) }
        let writer = key.flatMap { StatusIndexWriter(path: path, key: $0) }
        for id in history.caseIDs {
            guard let last = history.records(of: id).last?.commit else { continue }
            let folder = folders[id]
            let tree = folder.map { "\($0.tree.hex):\($0.path)" } ?? "-"
            if let known = old?.summaries[id], known.last == last, known.tree == tree {
                omittedCommits += known.omitted
                writer?.add(id, known)
                try body(known.json)
                continue
            }
            let before = omittedCommits
            let status = caseStatus(id, history: history, roster: roster, head: head, path: folder?.path ?? "")
            let json = try encode(status)
            if status.damage != nil { damagedCases.append(status) }
            // A case whose state reads the work tree (the expected dependencies of a round) or that
            // is damaged is derived again each time.
            if status.damage == nil, status.expected == nil {
                writer?.add(id, StatusIndex.Summary(last: last, tree: tree, omitted: omittedCommits - before, json: json))
            }
            try body(json)
        }
        writer?.finish()
        saveHistoryCache()
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
