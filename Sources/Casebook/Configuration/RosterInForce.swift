import Foundation
import GitStore

/// Which `roles.yaml` is in force after each commit: the one written by the last commit that
/// changed it and broke no rule of verify. A commit that changes `roles.yaml` and breaks one (a
/// plain-git edit by someone who is not a jefe, a merge, a change left unsigned where signatures
/// are required) grants nothing: the commits after it are judged, and the next steps offered, by
/// the roster before it, until a jefe writes `roles.yaml` again (attack44: a forged roster made
/// an analyst a jefe in a clone, and folio then recorded his jefe step and counted it as valid).
/// The root's `roles.yaml` is the anchor (`folio.raiz` pins the root).
///
/// The answers known are kept by commit: each change of `roles.yaml` found, a mark every few
/// thousand commits of a line gone through, and the commits asked last; any other commit's is
/// found by going down its first parents to the nearest commit known (or to the root) and back up,
/// judging each change on the way. The lasting ones are kept in `.git/folio/roles.cache`
/// (disposable: a file that does not check is ignored, and the answers found again from history).
struct RosterLedger {
    /// The `roles.yaml` blob in force after a commit (nil: there is none, nobody is registered).
    struct InForce: Equatable {
        var blob: OID?
    }

    /// The changes, the marks and the newest commit asked: written to the cache file.
    private(set) var lasting: [OID: InForce] = [:]
    /// Answers found along the way (bounded: a walk asks commit after commit).
    private var recent: [OID: InForce] = [:]
    /// Whether `lasting` gained answers the file does not hold.
    private(set) var changed = false

    /// A mark is kept every `markEvery` commits of a line gone through: a commit asked for the
    /// first time is then at most that many commits from a known one.
    static let markEvery = 4096
    static let recentLimit = 4096
    static let fileName = "roles.cache"
    private static let header = "folio roles 1"

    func answer(_ commit: OID) -> InForce? {
        recent[commit] ?? lasting[commit]
    }

    mutating func learn(_ answer: InForce, of commit: OID, lasting keep: Bool = false) {
        if keep {
            if lasting.updateValue(answer, forKey: commit) != answer { changed = true }
        } else {
            if recent.count >= Self.recentLimit { recent.removeAll(keepingCapacity: true) }
            recent[commit] = answer
        }
    }

    /// The newest commit asked, kept in the file as the next run's starting point (replacing the
    /// one kept before, so that the file holds one such commit, not one per run).
    mutating func learnNewest(_ answer: InForce, of commit: OID) {
        if let previous = newest, previous != commit, !isChangeOrMark(previous) { lasting[previous] = nil }
        newest = commit
        learn(answer, of: commit, lasting: true)
    }
    private var newest: OID?
    private var kept: Set<OID> = []

    /// Keeps `commit` (a change or a mark) through `learnNewest`'s replacement.
    mutating func keep(_ answer: InForce, of commit: OID) {
        kept.insert(commit)
        learn(answer, of: commit, lasting: true)
    }

    private func isChangeOrMark(_ commit: OID) -> Bool { kept.contains(commit) }

    // MARK: The file

    static func file(_ repository: Repository) -> String {
        FolioFolder.path(repository) + "/" + fileName
    }

    /// The answers of `path`, when it is this build's and checks; an empty ledger otherwise.
    static func load(_ path: String) -> RosterLedger {
        var ledger = RosterLedger()
        guard let data = CacheFile.contents(path), let text = String(data: data, encoding: .utf8) else { return ledger }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // The last line is the checksum of everything before it; then the empty rest after the final newline.
        guard lines.count >= 3, lines.removeLast().isEmpty, let sum = lines.popLast(),
              sum == checksum(lines.joined(separator: "\n")),
              lines.first == header + " " + Casebook.runningBuild else { return ledger }
        for line in lines.dropFirst() {
            let words = line.split(separator: " ")
            guard words.count == 3, let commit = OID(hex: String(words[1])) else { return RosterLedger() }
            let blob: OID?
            if words[2] == "-" { blob = nil } else if let id = OID(hex: String(words[2])) { blob = id } else { return RosterLedger() }
            switch words[0] {
            case "k": ledger.kept.insert(commit)
            case "n": ledger.newest = commit
            default: return RosterLedger()
            }
            ledger.lasting[commit] = InForce(blob: blob)
        }
        return ledger
    }

    /// The file's text: one line per lasting answer (`k` a change or a mark, `n` the newest asked),
    /// sealed by a checksum line.
    func encoded() -> Data {
        var lines = [Self.header + " " + Casebook.runningBuild]
        for (commit, answer) in lasting.sorted(by: { $0.key.hex < $1.key.hex }) {
            lines.append("\(kept.contains(commit) ? "k" : "n") \(commit.hex) \(answer.blob?.hex ?? "-")")
        }
        let body = lines.joined(separator: "\n")
        return Data((body + "\n" + Self.checksum(body) + "\n").utf8)
    }

    private static func checksum(_ text: String) -> String {
        var bytes = Array(text.utf8)
        let sum = bytes.withUnsafeMutableBytes { CacheChecksum.of(UnsafeRawBufferPointer($0)) }
        return String(sum, radix: 16)
    }

    mutating func saved() { changed = false }
}

extension Casebook {
    /// The roster in force after `commit` (what rules its children, or the next step when it is
    /// HEAD): its `roles.yaml` when that file reads, judged as `RosterLedger` says. A `roles.yaml`
    /// that does not read at `commit` is an error here as before (a jefe corrects it).
    func rosterInForce(after commit: OID) throws -> Roster {
        let written = try configuration.roster(at: commit)
        let blob = try rosterBlobInForce(after: commit)
        return blob == (try configuration.entry(Roster.fileName, in: commit)) ? written : try configuration.roster(blob: blob)
    }

    /// The id of the `roles.yaml` in force after `commit` (nil: none).
    func rosterBlobInForce(after commit: OID) throws -> OID? {
        loadRosterLedger()
        if let known = rosterLedger!.answer(commit) { return known.blob }
        // Down the first parents to a commit whose answer is known, or to the root (newest first):
        // each commit's id and the roles.yaml it holds.
        var chain: [(id: OID, written: OID?)] = []
        var start: (id: OID, answer: RosterLedger.InForce)?
        var next: OID? = commit
        while let id = next {
            if let known = rosterLedger!.answer(id) {
                start = (id, known)
                break
            }
            let (parent, written) = try repository.firstParent(of: id, topEntry: Roster.fileName)
            chain.append((id, written))
            next = parent
            if chain.count % 16384 == 0 { Repository.releasePackPages() }
        }
        // Back up, oldest first.
        var inForce = start?.answer ?? RosterLedger.InForce(blob: nil)
        // What the starting commit holds (the last link of the last chain, in a walk asking commit after commit).
        var before: OID?
        if let start { before = lastLink?.id == start.id ? lastLink!.written : try repository.firstParent(of: start.id, topEntry: Roster.fileName).entry }
        var parent = start?.id
        for (offset, link) in chain.reversed().enumerated() {
            if parent == nil {
                // The root: its roster is the anchor.
                inForce = RosterLedger.InForce(blob: link.written)
                rosterLedger!.keep(inForce, of: link.id)
            } else if link.written != before {
                // (The parent's answer is known before the change is judged: its facts ask for it.)
                rosterLedger!.learn(inForce, of: parent!)
                if try rosterChangeCounts(link.id) { inForce = RosterLedger.InForce(blob: link.written) }
                rosterLedger!.keep(inForce, of: link.id)
            } else if offset % RosterLedger.markEvery == RosterLedger.markEvery - 1 {
                rosterLedger!.keep(inForce, of: link.id)
            }
            before = link.written
            parent = link.id
        }
        rosterLedger!.learn(inForce, of: commit)
        if let newest = chain.first { lastLink = newest }
        if chain.count >= 64 || rosterLedger!.changed {
            rosterLedger!.learnNewest(inForce, of: commit)
            saveRosterLedger()
        }
        return inForce.blob
    }

    /// Whether the change of `roles.yaml` in `commit` counts: it breaks no rule of verify that
    /// looks at one commit (its author a jefe of the roster in force before it, signed where
    /// required, not a merge, the file readable).
    private func rosterChangeCounts(_ commit: OID) throws -> Bool {
        let info = try repository.commit(commit)
        let facts = try facts(of: info, record: try StepRecord(info), isRoot: info.parents.isEmpty, previousInCase: nil)
        return try !commitRules(facts).contains { $0.isError }
    }

    /// The commit that last changed `roles.yaml` up to `commit`, with the roster in force, when
    /// that change does not count (the file at `commit` is not the roster in force); nil when it is.
    public func uncountedRosterChange(at commit: OID) throws -> (commit: OID, inForce: OID?)? {
        let written = try configuration.entry(Roster.fileName, in: commit)
        let inForce = try rosterBlobInForce(after: commit)
        guard written != inForce else { return nil }
        var id = commit
        while let parent = try repository.firstParent(of: id, topEntry: Roster.fileName).parent,
              try repository.firstParent(of: parent, topEntry: Roster.fileName).entry == written {
            id = parent
        }
        return (id, inForce)
    }

    /// Refuses to record anything on `head` while its `roles.yaml` is not the roster in force: a
    /// commit recorded then would be judged by a roster the file does not show (and a jefe's
    /// `folio roles` would write the change that does not count into a change that does).
    func requireRosterInForce(_ head: OID) throws {
        guard let (commit, inForce) = try uncountedRosterChange(at: head) else { return }
        throw CasebookError.rosterNotInForce(commit: commit.hex, inForce: inForce?.hex)
    }

    /// The hook's range verify starts from the shared branch as it stands (`hidden`): every commit
    /// on it passed this check when it was pushed, and the file the ledger is kept in is not trusted
    /// there (as the signature cache is not), so the roster of its tip is taken as in force.
    func trustRoster(at commit: OID) throws {
        loadRosterLedger()
        rosterLedger!.learn(RosterLedger.InForce(blob: try configuration.entry(Roster.fileName, in: commit)), of: commit)
    }

    private func loadRosterLedger() {
        guard rosterLedger == nil else { return }
        rosterLedger = usesCache && trustsSignatureCache ? RosterLedger.load(RosterLedger.file(repository)) : RosterLedger()
    }

    func saveRosterLedger() {
        guard usesCache, trustsSignatureCache, rosterLedger?.changed == true, FolioFolder.prepare(FolioFolder.path(repository)) else { return }
        if CacheFile.replace(RosterLedger.file(repository), with: rosterLedger!.encoded()) { rosterLedger!.saved() }
    }
}
