import Foundation
import GitStore
import Procedures

/// Which configuration is in force after each commit: `roles.yaml`, `folio.yaml`, `schemas/` and
/// every other file beside `cases/`, as written by the last commit that changed them and broke no
/// rule of verify. A commit that changes them and breaks one (a plain-git edit by someone who is
/// not a jefe, a merge, a change left unsigned where signatures are required) grants nothing: the
/// commits after it are judged, and the next steps offered, by the configuration before it, until
/// a jefe changes it again (attack44: a forged roster made an analyst a jefe in a clone, and folio
/// then recorded his jefe step and counted it; attack45: the same with a procedure's schema that
/// gave the analyst a jefe's step, or with `folio.yaml` turning signatures off). The root's
/// configuration is the anchor (`folio.raiz` pins the root: under another root nothing is in force).
///
/// Each answer is the commit whose configuration is in force (its source). The answers known are
/// kept by commit: each change found, a mark at one commit in 64 of a line gone through (by id),
/// and the commits asked last; any other commit's is found by going down its first parents to the
/// nearest commit known (or to the root) and back up, judging each change on the way. The lasting
/// ones are kept in `.git/folio/vigente.cache` (disposable: a file that does not check is ignored,
/// and the answers found again from history).
struct ConfigurationLedger {
    /// The answers the file held when it was read, searched in place (`StoredAnswers`).
    private var stored = StoredAnswers()
    /// The lasting answers found in this run (changes, marks, the newest commit asked): with the
    /// stored ones but `dropped`, written to the cache file.
    private var lasting: [OID: OID] = [:]
    /// Stored answers the file no longer keeps (the newest commit asked before this run's).
    private var dropped: Set<OID> = []
    /// Marks of this run (not written), one commit in 16 gone through (by the id's first byte): a
    /// case's commits asked after a whole-history walk are then a few commits from a known one.
    private var near: [OID: OID] = [:]
    /// Answers found along the way (bounded: a walk asks commit after commit).
    private var recent: [OID: OID] = [:]
    /// Whether the ledger gained answers the file does not hold (besides marks).
    private(set) var changed = false
    /// Marks found since the file was last written.
    private(set) var unsavedMarks = 0
    private var newest: OID?
    /// The changes and marks found in this run (a stored one says so itself).
    private var kept: Set<OID> = []
    /// The root pinned when the answers were found (`folio.raiz`'s bytes, "-" when none): every
    /// answer rests on it, so a file written under another pin is not read.
    private var pin = "-"

    static let recentLimit = 4096
    static let fileName = "vigente.cache"
    private static let header = "folio vigente 1"

    func source(after commit: OID) -> OID? {
        recent[commit] ?? lasting[commit] ?? stored.find(commit)?.source ?? near[commit]
    }

    /// A commit gone through: one in 64 is kept in the file (its id's first byte is under 4: the
    /// same commits in every run, so that a step, or `verify A..B` after it, is some dozens of
    /// commits from a mark, however the file was built), one in 16 in memory.
    mutating func passed(_ commit: OID, source: OID) {
        if commit.firstByte < 4 {
            keep(source, after: commit, mark: true)
        } else if commit.firstByte & 0x0F == 0 {
            near[commit] = source
        }
    }

    mutating func learn(_ source: OID, after commit: OID) {
        if recent.count >= Self.recentLimit { recent.removeAll(keepingCapacity: true) }
        recent[commit] = source
    }

    /// Keeps the answer of `commit` (a change or a mark) in the file. A new mark alone does not
    /// make the file worth writing again (a walk down old commits finds dozens); it goes with the
    /// next write.
    mutating func keep(_ source: OID, after commit: OID, mark: Bool = false) {
        kept.insert(commit)
        if store(source, after: commit) != source {
            if mark { unsavedMarks += 1 } else { changed = true }
        }
    }

    /// The newest commit asked, kept in the file as the next run's starting point (replacing the
    /// one kept before, so that the file holds one such commit, not one per run).
    /// Only a previous newest the file holds is remembered as dropped: one of this run's is simply
    /// forgotten (a cold status at 30k cases asks a new newest some 300,000 times; kept, those ids
    /// were a set of 10 MB, copied again by the second core's casebook).
    mutating func keepNewest(_ source: OID, after commit: OID) {
        if let previous = newest, previous != commit, !isKept(previous) {
            lasting[previous] = nil
            if stored.find(previous) != nil { dropped.insert(previous) }
        }
        newest = commit
        if store(source, after: commit) != source { changed = true }
    }

    /// Records `source` as `commit`'s lasting answer; the one the ledger held before, if any.
    private mutating func store(_ source: OID, after commit: OID) -> OID? {
        let before = lasting[commit] ?? (dropped.contains(commit) ? nil : stored.find(commit)?.source)
        lasting[commit] = source
        dropped.remove(commit)
        return before
    }

    /// Whether `commit`'s lasting answer is a change or a mark (written `k`), not the newest asked.
    private func isKept(_ commit: OID) -> Bool {
        kept.contains(commit) || stored.find(commit)?.kept == true
    }

    // MARK: The file

    static func file(_ repository: Repository) -> String {
        FolioFolder.path(repository) + "/" + fileName
    }

    /// The answers of `path`, when it is this build's and checks; an empty ledger otherwise.
    static func load(_ path: String, pin: String?) -> ConfigurationLedger {
        var ledger = ConfigurationLedger()
        // The value as 'git config' holds it, byte for byte in hexadecimal (helper110: an empty pin,
        // or one with a blank, was read as none, or as the good one, and a cache written then was believed).
        ledger.pin = pin.map { "=" + $0.utf8.map { String(format: "%02x", $0) }.joined() } ?? "-"
        // A few lines per change of configuration and per 64 commits: a file far larger is not this cache (it is not read whole).
        var info = stat()
        guard lstat(path, &info) == 0, info.st_size < 1 << 24, let data = CacheFile.contents(path),
              let stored = StoredAnswers(data, header: ledger.headerLine) else { return ledger }
        ledger.stored = stored
        ledger.newest = stored.newest
        return ledger
    }

    /// The file's text: one line per lasting answer (`k` a change or a mark, `n` the newest asked),
    /// sorted by commit id, sealed by a checksum line. The stored lines are copied as they are,
    /// merged with this run's (a walk of old commits writes the file again and again: decoding
    /// every stored line each time was a fifth of the next day's status at 10k cases).
    func encoded() -> Data {
        var body = headerLine
        let mine = lasting.sorted { $0.key < $1.key }.map { (commit: $0.key, line: StoredAnswers.line(commit: $0.key, source: $0.value, kept: isKept($0.key))) }
        let gone = dropped.sorted().map { id in id.withHexBytes { Array($0) } }
        var (m, g) = (0, 0)
        for i in 0..<stored.count {
            // This run's lines before the stored one, then the stored one unless this run replaced or dropped it.
            while m < mine.count, stored.compare(i, with: mine[m].line[2...]) > 0 {
                body.append(10)
                body += mine[m].line
                m += 1
            }
            while g < gone.count, stored.compare(i, with: gone[g][...]) > 0 { g += 1 }
            if m < mine.count, stored.compare(i, with: mine[m].line[2...]) == 0 { continue }
            if g < gone.count, stored.compare(i, with: gone[g][...]) == 0 { continue }
            body.append(10)
            body += stored.line(i)
        }
        for rest in mine[m...] {
            body.append(10)
            body += rest.line
        }
        return Data(body + [10] + Array(StoredAnswers.checksum(body).utf8) + [10])
    }

    /// The file's first line: this build's, under this pin.
    private var headerLine: [UInt8] {
        Array((Self.header + " " + Casebook.runningBuild + " " + pin).utf8)
    }

    /// How many answers the ledger holds besides the file's (what its memory grows with).
    var answersHeld: Int { lasting.count + dropped.count + near.count + recent.count + kept.count }

    mutating func saved() {
        changed = false
        unsavedMarks = 0
    }
}

/// The answers of `vigente.cache` as read: after its header line, lines of one width
/// (`k|n <commit> <source>`) sorted by commit id, searched by halves where they lie. A step asks
/// one or two of the thousands a long history leaves (one per 64 commits): reading them all into
/// a table cost a step 16% of its time at 30k cases, and grew with the history.
struct StoredAnswers {
    private var lines: [UInt8] = []
    private(set) var count = 0
    /// The commit of the line marked `n`, if one is.
    private(set) var newest: OID?
    /// `k <40 hex> <40 hex>` and its newline.
    private static let width = 84

    init() {}

    /// The answers of a cache file's bytes `data` whose first line is `header`: nil unless its
    /// seal checks and every line has the form, in strictly ascending order of commits.
    init?(_ data: Data, header: [UInt8]) {
        let bytes = [UInt8](data)
        // header "\n" lines... "\n" checksum "\n": the checksum is of everything before its newline.
        guard bytes.last == 10, let sumStart = bytes.dropLast().lastIndex(of: 10).map({ $0 + 1 }),
              bytes.count > header.count, bytes[..<header.count].elementsEqual(header), bytes[header.count] == 10,
              bytes[sumStart..<(bytes.count - 1)].elementsEqual(Self.checksum(Array(bytes[..<(sumStart - 1)])).utf8) else { return nil }
        let body = bytes[(header.count + 1)..<sumStart]
        guard body.count % Self.width == 0 else { return nil }
        lines = Array(body)
        count = body.count / Self.width
        for i in 0..<count {
            let line = i * Self.width
            guard lines[line] == UInt8(ascii: "k") || lines[line] == UInt8(ascii: "n"), lines[line + 1] == 32, lines[line + 42] == 32,
                  lines[line + 83] == 10, Self.isHex(lines[(line + 2)..<(line + 42)]), Self.isHex(lines[(line + 43)..<(line + 83)]) else { return nil }
            if i > 0 {
                let order = lines.withUnsafeBytes { memcmp($0.baseAddress! + line - Self.width + 2, $0.baseAddress! + line + 2, 40) }
                guard order < 0 else { return nil }
            }
            if lines[line] == UInt8(ascii: "n") { newest = answer(i).commit }
        }
    }

    /// Line `i`'s answer.
    func answer(_ i: Int) -> (commit: OID, source: OID, kept: Bool) {
        let line = i * Self.width
        return lines.withUnsafeBytes { bytes in
            (OID(hexBytes: UnsafeRawBufferPointer(rebasing: bytes[(line + 2)...]))!, OID(hexBytes: UnsafeRawBufferPointer(rebasing: bytes[(line + 43)...]))!,
             lines[line] == UInt8(ascii: "k"))
        }
    }

    /// Line `i` (without its newline).
    func line(_ i: Int) -> ArraySlice<UInt8> {
        lines[(i * Self.width)..<((i + 1) * Self.width - 1)]
    }

    /// A line of the file for `commit`'s answer.
    static func line(commit: OID, source: OID, kept: Bool) -> [UInt8] {
        var line = [kept ? UInt8(ascii: "k") : UInt8(ascii: "n"), 32]
        commit.withHexBytes { line += $0 }
        line.append(32)
        source.withHexBytes { line += $0 }
        return line
    }

    /// How line `i`'s commit compares with the commit whose 40 hexadecimal digits start `key`
    /// (as `memcmp`: below zero when it sorts first).
    func compare(_ i: Int, with key: ArraySlice<UInt8>) -> Int32 {
        lines.withUnsafeBytes { bytes in key.withUnsafeBytes { memcmp(bytes.baseAddress! + i * Self.width + 2, $0.baseAddress!, 40) } }
    }

    /// The stored answer of `commit`, if one is.
    func find(_ commit: OID) -> (source: OID, kept: Bool)? {
        guard count > 0 else { return nil }
        return commit.withHexBytes { key in
            lines.withUnsafeBytes { bytes in
                var (low, high) = (0, count)
                while low < high {
                    let middle = (low + high) / 2
                    let order = memcmp(bytes.baseAddress! + middle * Self.width + 2, key.baseAddress!, 40)
                    if order == 0 {
                        let found = answer(middle)
                        return (found.source, found.kept)
                    }
                    if order < 0 { low = middle + 1 } else { high = middle }
                }
                return nil
            }
        }
    }

    private static func isHex(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static func checksum(_ bytes: [UInt8]) -> String {
        CacheChecksum.hex(bytes.withUnsafeBytes { CacheChecksum.of($0) })
    }
}

extension Casebook {
    /// The commit whose configuration (`roles.yaml`, `folio.yaml`, `schemas/`...) is in force
    /// after `commit`: what rules its children, or the next step when it is HEAD.
    func configurationSource(after commit: OID) throws -> OID {
        // As a walk found it, unless a change is being judged (its rules read the changed files).
        if judgingConfiguration.isEmpty, let walked = walkedSources[commit] {
            sourcesFromTheWalk += 1
            return walked
        }
        loadConfigurationLedger()
        if let known = configurationLedger!.source(after: commit) { return known }
        // A rule judging `commit`'s own change reads its own files (what it wrote, being judged).
        if judgingConfiguration.contains(commit) { return commit }
        // Down the first parents to a commit whose answer is known, or to the root (newest first):
        // each commit's id and whether its configuration differs from its parent's.
        var chain: [(id: OID, changed: Bool)] = []
        var start: (id: OID, source: OID)?
        var next: OID? = commit
        var below: [UInt8] = []
        // The first commit the call before went through: a walk asks after each commit's parent
        // in turn, so that commit is where this call's way down stops (read once, not twice).
        let linkBefore = lastLink
        while let id = next {
            if let known = configurationLedger!.source(after: id) {
                start = (id, known)
                let entries = linkBefore?.id == id ? linkBefore!.entries : try repository.firstParent(of: id, topEntriesBut: "cases").entries
                if !chain.isEmpty { chain[chain.count - 1].changed = entries != below }
                break
            }
            let (parent, entries) = try repository.firstParent(of: id, topEntriesBut: "cases")
            if !chain.isEmpty { chain[chain.count - 1].changed = entries != below }
            if chain.isEmpty { lastLink = (id, entries) }
            // A root changes everything: its configuration is the anchor.
            chain.append((id, true))
            below = entries
            next = parent
            if chain.count % 16384 == 0 { Repository.releaseMappedPages() }
        }
        // Back up, oldest first.
        var source = start?.source
        var parent = start?.id
        for link in chain.reversed() {
            if parent == nil {
                // A root other than the one pinned is another history: its configuration is nobody's
                // (helper107: an orphan branch whose roles.yaml made an analyst jefe let him record).
                if let pinned = pinnedRoot(missedBy: link.id) {
                    throw CasebookError.foreignRoot(root: link.id.hex, pinned: pinned, branch: nil, advice: .unknown)
                }
                source = link.id
                configurationLedger!.keep(link.id, after: link.id)
            } else if link.changed {
                // (The parent's answer is known before the change is judged: its facts ask for it.)
                configurationLedger!.learn(source!, after: parent!)
                if try configurationChangeCounts(link.id), try uncountedFilesKept(by: link.id, parent: parent!, source: source!).isEmpty {
                    source = link.id
                }
                configurationLedger!.keep(source!, after: link.id)
            } else {
                configurationLedger!.passed(link.id, source: source!)
            }
            parent = link.id
        }
        configurationLedger!.learn(source!, after: commit)
        // Written for a change found, and after a long way down: for the newest commit (the next
        // run starts from it) or once 256 marks wait (a walk of old commits, as the next day's
        // status replaying hundreds of cases, wrote the whole file again after each).
        let longWay = try chain.count >= 64 && (configurationLedger!.unsavedMarks >= 256 || commit == repository.headCommit())
        // (Without the cache the ledger is never written, and stays "changed" from its first answer.)
        if keepsConfigurationLedger, configurationLedger!.changed || longWay {
            configurationLedger!.keepNewest(source!, after: commit)
            saveConfigurationLedger()
        }
        return source!
    }

    /// Whether the change of configuration in `commit` counts: it breaks no rule of verify that
    /// looks at one commit (its author a jefe of the roster in force before it, signed where
    /// required, not a merge, its files readable).
    private func configurationChangeCounts(_ commit: OID) throws -> Bool {
        try configurationChangeErrors(commit).isEmpty
    }

    /// The errors of `commitRules` for `commit`, judged with the configuration in force before it
    /// (its own files read as its own: `judgingConfiguration`).
    private func configurationChangeErrors(_ commit: OID) throws -> [Violation] {
        let info = try repository.commit(commit)
        judgingConfiguration.insert(commit)
        defer { judgingConfiguration.remove(commit) }
        let facts = try facts(of: info, record: try StepRecord(info), isRoot: info.parents.isEmpty, previousInCase: nil)
        return try commitRules(facts).filter(\.isError)
    }

    /// The top-level entries of `commit` beside `cases/`, by name (a folder's with a final `/`):
    /// two are the same file when their ids and modes are (a roles.yaml made executable is another
    /// file, as verify's rules see it).
    func configurationFiles(at commit: OID) throws -> [String: TreeEntry] {
        Dictionary(try repository.entries(at: "", in: commit).filter { $0.name != "cases" }.map { ($0.kind == .tree ? $0.name + "/" : $0.name, $0) },
                   uniquingKeysWith: { a, _ in a })
    }

    /// The top-level files `commit` leaves as its parent had them where they are not the ones in
    /// force (`source`'s): a change of other files made on top of a change that did not count. Such
    /// a commit does not count either (its configuration would bring the uncounted files in with
    /// it, staff46: a jefe's signed folio.yaml on top of an analyst's schema); a jefe first puts
    /// them back.
    func uncountedFilesKept(by commit: OID, parent: OID, source: OID) throws -> [String] {
        guard parent != source else { return [] }
        let (mine, before, inForce) = (try configurationFiles(at: commit), try configurationFiles(at: parent), try configurationFiles(at: source))
        return Set(mine.keys).union(before.keys).union(inForce.keys).filter { mine[$0] == before[$0] && before[$0] != inForce[$0] }.sorted()
    }

    /// The changes of configuration up to `commit` that do not count (oldest first; the first
    /// since the one in force, and those after it), with the commit whose configuration is in force
    /// and the top-level files where they differ; nil when the files at `commit` are the ones in force.
    public func uncountedConfigurationChange(at commit: OID) throws -> (commits: [OID], source: OID, files: [String])? {
        let source = try configurationSource(after: commit)
        var (parent, entries) = try repository.firstParent(of: commit, topEntriesBut: "cases")
        guard source != commit, try repository.firstParent(of: source, topEntriesBut: "cases").entries != entries else { return nil }
        // Every commit after the source that changed the configuration broke a rule (else it would be the source).
        var changes: [OID] = []
        var id = commit
        while id != source, let below = parent {
            let read = try repository.firstParent(of: below, topEntriesBut: "cases")
            if read.entries != entries { changes.append(id) }
            (id, parent, entries) = (below, read.parent, read.entries)
        }
        let (written, inForce) = (try configurationFiles(at: commit), try configurationFiles(at: source))
        return (changes.reversed(), source, Set(written.keys).union(inForce.keys).filter { written[$0] != inForce[$0] }.sorted())
    }

    /// Refuses to record anything on `head` while its configuration is not the one in force: a
    /// commit recorded then would be judged by files the work tree does not show (and a jefe's
    /// `folio roles` would write the change that does not count into a change that does).
    func requireConfigurationInForce(_ head: OID) throws {
        guard let (commits, source, files) = try uncountedConfigurationChange(at: head) else { return }
        // Why the first one does not count, in verify's words (staff46: a jefe who forgot -S read a
        // paragraph of possible reasons and not "not signed").
        var reasons: [String] = []
        if let first = commits.first {
            reasons = try configurationChangeErrors(first).map { "\($0.message) [\($0.rule)]" }
            if reasons.isEmpty, let parent = try repository.firstParent(of: first, topEntriesBut: "cases").parent {
                let kept = try uncountedFilesKept(by: first, parent: parent, source: source)
                if !kept.isEmpty { reasons = ["deja \(Spanish.list(kept)) como no vigentes"] }
            }
        }
        let inForce = try configurationFiles(at: source)
        throw CasebookError.configurationNotInForce(commits: commits.map(\.hex), source: source.hex, files: files,
                                                    absent: files.filter { inForce[$0] == nil }, reasons: reasons)
    }

    /// The hook's range verify starts from the shared branch as it stands (`hidden`): every commit
    /// on it passed this check when it was pushed, and the file the ledger is kept in is not trusted
    /// there (as the signature cache is not), so the configuration of its tip is taken as in force.
    func trustConfiguration(at commit: OID) {
        loadConfigurationLedger()
        configurationLedger!.learn(commit, after: commit)
    }

    /// Whether the ledger is read from and written to `vigente.cache` (not without the cache, nor
    /// where the signature cache is not trusted: the hook).
    private var keepsConfigurationLedger: Bool { usesCache && trustsSignatureCache }

    private func loadConfigurationLedger() {
        guard configurationLedger == nil else { return }
        configurationLedger = keepsConfigurationLedger ? ConfigurationLedger.load(ConfigurationLedger.file(repository), pin: pinSetting) : ConfigurationLedger()
    }

    func saveConfigurationLedger() {
        guard keepsConfigurationLedger, configurationLedger.map({ $0.changed || $0.unsavedMarks > 0 }) == true, FolioFolder.prepare(FolioFolder.path(repository)) else { return }
        if CacheFile.replace(ConfigurationLedger.file(repository), with: configurationLedger!.encoded()) { configurationLedger!.saved() }
    }
}
