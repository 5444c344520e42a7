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
    static let header = "folio-cache 6"

    struct CaseFields: Equatable {
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

    /// The cache on disk, or nil when it is missing or cannot be read.
    static func load(_ path: String) -> HistoryCache? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.utf8.split(separator: 10, omittingEmptySubsequences: false).map { Substring($0) }[...]
        guard lines.popFirst() == Substring(header), let tipLine = lines.popFirst() else { return nil }
        let tipParts = tipLine.split(separator: " ")
        guard tipParts.count == 3, tipParts[0] == "tip", let tip = OID(hex: String(tipParts[1])), let count = Int(tipParts[2]) else { return nil }
        var cache = HistoryCache(tip: tip, commitCount: count, records: [], authorized: [:], fields: [:])
        var complete = false
        for line in lines {
            if line == "fin" { complete = true; break }
            let f = line.utf8.split(separator: 9, omittingEmptySubsequences: false).map { unescape(Substring($0)) }
            switch f.first {
            case "R":
                guard f.count == 24, let commit = OID(hex: f[1]), let at = Double(f[5]), let ao = Int(f[6]), let ct = Double(f[9]),
                      let co = Int(f[10]) else { return nil }
                cache.records.append(StepRecord(
                    commit: commit, parent: f[2].isEmpty ? nil : OID(hex: f[2]),
                    author: Signature(name: f[3], email: f[4], date: Date(timeIntervalSince1970: at), offsetMinutes: ao),
                    committer: Signature(name: f[7], email: f[8], date: Date(timeIntervalSince1970: ct), offsetMinutes: co),
                    subject: f[11], caseID: f[12], procedure: f[13].nilIfEmpty, step: f[14].nilIfEmpty, role: f[15].nilIfEmpty,
                    decision: f[16].nilIfEmpty, dependency: f[17].nilIfEmpty,
                    signedOff: f[18].isEmpty ? [] : f[18].components(separatedBy: "\u{1}"), justification: f[19].nilIfEmpty,
                    assigned: f[20].nilIfEmpty, assignedRole: f[21].nilIfEmpty, text: f[22], excuse: f[23].nilIfEmpty))
            case "A":
                guard f.count == 3, let commit = OID(hex: f[1]) else { return nil }
                cache.authorized[commit] = f[2] == "1"
            case "F":
                guard f.count == 6, let blob = OID(hex: f[1]) else { return nil }
                cache.fields[blob] = CaseFields(title: f[2], opened: f[3], month: f[4], damage: f[5])
            default:
                return nil
            }
        }
        // A file cut short (a crash while writing, a full disk) is not trusted.
        return complete ? cache : nil
    }

    /// Writes the cache atomically; a failure (read-only repository, full disk) is ignored,
    /// since the cache is only a shortcut.
    func save(_ path: String) {
        var out = [Self.header, "tip \(tip.hex) \(commitCount)"]
        out.reserveCapacity(records.count + authorized.count + fields.count + 3)
        for r in records {
            out.append(["R", r.commit.hex, r.parent?.hex ?? "", r.author.name, r.author.email, String(Int(r.author.date.timeIntervalSince1970)),
                        String(r.author.offsetMinutes), r.committer.name, r.committer.email,
                        String(Int(r.committer.date.timeIntervalSince1970)), String(r.committer.offsetMinutes), r.subject, r.caseID,
                        r.procedure ?? "", r.step ?? "", r.role ?? "", r.decision ?? "", r.dependency ?? ""]
                .map(Self.escape).joined(separator: "\t") + "\t" + Self.escape(r.signedOff.joined(separator: "\u{1}"))
                + "\t" + Self.escape(r.justification ?? "") + "\t" + Self.escape(r.assigned ?? "") + "\t" + Self.escape(r.assignedRole ?? "")
                + "\t" + Self.escape(r.text) + "\t" + Self.escape(r.excuse ?? ""))
        }
        for (commit, ok) in authorized { out.append("A\t\(commit.hex)\t\(ok ? "1" : "0")") }
        for (blob, f) in fields { out.append(["F", blob.hex, f.title, f.opened, f.month, f.damage].map(Self.escape).joined(separator: "\t")) }
        out.append("fin")
        let dir = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let temp = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temp, contents: Data((out.joined(separator: "\n") + "\n").utf8)) else { return }
        if rename(temp, path) != 0 { unlink(temp) }
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
        // The cache's format and the running folio (its file's date) are part of the key: another
        // build of folio, which may render differently, does not reuse this one's output.
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        let built = (try? FileManager.default.attributesOfItem(atPath: executable)[.modificationDate] as? Date)
            .map { String(Int($0.timeIntervalSince1970)) } ?? ""
        return ([HistoryCache.header, built, head.hex, clock.today] + words).joined(separator: "\u{1}")
    }

    /// A command's output cached for exactly this key (same HEAD, same day, same arguments), as
    /// bytes to hand to stdout unchanged.
    public func cachedOutputData(_ key: String?) -> Data? {
        guard let key, let data = FileManager.default.contents(atPath: repository.gitdir + "folio/salida.cache"),
              let newline = data.firstIndex(of: 10), data[data.startIndex..<newline].elementsEqual(key.utf8) else { return nil }
        return data[(newline + 1)...]
    }

    /// The cached output as text.
    public func cachedOutput(_ key: String?) -> String? {
        cachedOutputData(key).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Keeps a command's output for the next identical run; the last one only, written atomically.
    public func storeOutput(_ text: String, _ key: String?) {
        guard let key else { return }
        let path = repository.gitdir + "folio/salida.cache"
        try? FileManager.default.createDirectory(atPath: repository.gitdir + "folio", withIntermediateDirectories: true)
        let temp = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temp, contents: Data((key + "\n" + text).utf8)) else { return }
        if rename(temp, path) != 0 { unlink(temp) }
    }
}
