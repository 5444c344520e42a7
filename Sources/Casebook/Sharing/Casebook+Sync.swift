import Foundation
import GitStore
import Procedures

/// What `folio sync` did.
public struct SyncResult: Sendable {
    /// Commits that came from the remote.
    public var received: Int
    /// Local commits published (replayed on top of the remote's where it had moved).
    public var published: Int
    /// Cases opened here whose id the remote had given to another case meanwhile: old -> new.
    public var renumbered: [(from: String, to: String)]
    /// What the remote's hooks printed.
    public var remoteMessages: String
    /// Where `--drop-local` kept the local work.
    public var backup: String? = nil
    /// The local commits `--drop-local` took off the branch (short id and subject), oldest first:
    /// steps and notes to record again if they still apply.
    public var dropped: [String] = []
    /// Whether what `--drop-local` took off shares no history with the remote (a branch rebuilt
    /// from another root): 'git log --not HEAD' of it would list every file.
    public var droppedUnrelated = false
    /// The remote's URL when it is a path on this machine (or `file://`) and something was
    /// published: libgit2 writes there directly, and the shared repository's hooks do not run.
    public var unguarded: String? = nil
}

extension Casebook {
    /// Fetches the shared remote, replays the local unpublished commits on top of it (re-signing
    /// them where they were signed), verifies the result and pushes it, all through libgit2.
    ///
    /// Each step changes only its own case folder, so a local commit is replayed by carrying its
    /// changed folders (and top-level files such as `roles.yaml`) onto the remote's tree; a folder
    /// the remote also changed is a conflict. Cases opened here whose `CODE-AAAA-NNNN` id the
    /// remote gave to another case meanwhile get the next free number (folder, `id:` and trailers).
    /// When the replayed history breaks the manual (both clones recorded the same step), nothing
    /// moves: the local branch stays as it was, a copy is kept in `refs/folio/respaldo/`, and the
    /// error says what happened; `dropLocal` then takes the remote's history.
    func syncLocked(remote: String, dropLocal: Bool) throws -> SyncResult {
        let local = try checkWritable(recording: false)
        try checkClean(outside: nil)
        guard let url = try repository.remoteURL(remote) else { throw CasebookError.noRemote(remote) }
        // An ssh server must be the one ~/.ssh/known_hosts knows (libgit2 alone would accept any).
        let identities = try SSHSigner.identityFiles(repository)
        let hostKeyCheck: HostKeyCheck? = KnownHosts.endpoint(url).map { endpoint in
            { _, key in KnownHosts.check(host: endpoint.host, port: endpoint.port, key: key) }
        }
        guard let branch = try repository.headBranchName() else { throw CasebookError.detachedHead }
        let short = String(branch.dropFirst("refs/heads/".count))
        // A branch that begins at another root is published by nobody (helper108: an orphan
        // branch went to the server); '--drop-local' is the way back from it.
        let localForeign = foreignRoot(of: local)
        if let localForeign, !dropLocal || localForeign.advisesSwitching { throw localForeign }
        // Only the shared branch is brought and published (helper110: 'git checkout -b otra; folio
        // sync' made refs/heads/otra on a server without hooks).
        if localForeign == nil, let shared = try? settings(at: local).branch, shared != short {
            throw CasebookError.branchNotShared(branch: short, shared: shared)
        }
        // The first sync pins the root before anything is fetched or judged, and only on the shared
        // branch (helper114: a sync refused E080 had pinned a side branch's root): where HEAD and
        // what the clone brought agree (helper110/111: pinned after the fetch, it trusted whatever
        // the remote held by then); in a repository published for the first time, HEAD's.
        try pinRootOnFirstUse(head: local, remote: remote, orHead: true)
        do {
            try repository.fetch(remote: remote, extra: ["+\(Self.receptionNotesRef):\(Self.receptionNotesRef)"], hostKeyCheck: hostKeyCheck, identityFiles: identities)
        } catch let error as GitError {
            throw CasebookError.remoteFailed(remote: remote, action: "traer", cause: error)
        }
        let remoteTip = try repository.resolve(reference: "refs/remotes/\(remote)/\(short)")
        var result = SyncResult(received: 0, published: 0, renumbered: [], remoteMessages: "")
        // Nor is a remote whose history begins elsewhere taken, not even by '--drop-local'.
        if let remoteTip, case .foreignRoot(let root, let pinned, _, _)? = foreignRoot(of: remoteTip, branch: short) {
            throw CasebookError.remoteForeignRoot(remote: remote, url: url, branch: short, root: root, pinned: pinned)
        }

        if dropLocal {
            guard let remoteTip else { throw localForeign ?? CasebookError.noRemoteBranch(remote: remote, branch: short) }
            result.backup = try backup(local)
            result.droppedUnrelated = try repository.mergeBase(local, remoteTip) == nil
            try repository.walk(from: local, hiding: remoteTip) { commit in
                if commit.parents.count < 2 { result.dropped.append("\(commit.id.short) \(commit.subject)") }
            }
            try move(from: local, to: remoteTip, branch: branch)
            return result
        }
        var newTip = local
        if let remoteTip {
            guard let base = try repository.mergeBase(local, remoteTip) else {
                throw CasebookError.unrelatedHistories(remote: remote)
            }
            try repository.walk(from: remoteTip, hiding: local) { _ in result.received += 1 }
            // What comes from the shared repository is checked as the hook would: a server that let a
            // forged commit in (an administrator, a hook bypassed) does not get it into this clone.
            if result.received > 0 {
                let report = try verify(range: "\(base.hex)..\(remoteTip.hex)")
                if !report.ok {
                    throw CasebookError.remoteInvalid(findings: report.violations.filter { $0.isError }.map { v in
                        "\(v.commit.prefix(7)) " + [v.caseID, v.step.map { "paso \($0)" }].compactMap { $0 }.joined(separator: " ")
                            + ": \(v.message) [\(v.rule)]"
                    })
                }
            }
            if base == local {
                try move(from: local, to: remoteTip, branch: branch)
                return result
            }
            var mine: [CommitInfo] = []
            try repository.walk(from: local, hiding: remoteTip) { mine.append($0) }
            // Local work is replayed onto the shared tip; a merge a plain 'git pull' made is left
            // out, so what is published is one line again.
            if base != remoteTip || mine.contains(where: { $0.parents.count > 1 }) {
                (newTip, result.renumbered) = try replay(mine, base: base, onto: remoteTip)
            }
            let report = try verify(range: "\(remoteTip.hex)..\(newTip.hex)")
            if !report.ok {
                let kept = try backup(local)
                throw CasebookError.syncConflict(findings: report.violations.filter { $0.isError }.map { v in
                    let place = [v.caseID, v.step.map { "paso \($0)" }].compactMap { $0 }.joined(separator: " ")
                    return "\(v.commit.prefix(7)) \(place.isEmpty ? "" : place + ": ")\(v.message) [\(v.rule)]"
                }, backup: kept, arrived: base != remoteTip)
            }
        }
        try repository.walk(from: newTip, hiding: remoteTip) { _ in result.published += 1 }
        if newTip != local { try move(from: local, to: newTip, branch: branch) }
        guard result.published > 0 else { return result }
        let pushed: PushResult
        do {
            pushed = try repository.push(remote: remote, refspec: "\(branch):\(branch)", hostKeyCheck: hostKeyCheck, identityFiles: identities)
        } catch let error as GitError {
            throw CasebookError.remoteFailed(remote: remote, action: "publicar", cause: error)
        }
        result.remoteMessages = pushed.messages
        if url.hasPrefix("file://") || (!url.contains("://") && KnownHosts.endpoint(url) == nil) { result.unguarded = url }
        if let reason = pushed.rejected.values.first {
            throw CasebookError.pushRejected(reason: reason, messages: pushed.messages)
        }
        return result
    }

    /// After a sync that went through, makes the remote's branch the upstream of HEAD's where it
    /// has none and the remote has it now, as 'git clone' does (helper113: a repository published
    /// with sync after 'git remote add' had none, and verify there did not know which commits
    /// were published, for [sello]).
    func trackShared(remote: String) {
        guard let short = headBranch,
              ((try? repository.config("branch.\(short).remote", localOnly: true)) ?? nil) == nil,
              ((try? repository.resolve(reference: "refs/remotes/\(remote)/\(short)")) ?? nil) != nil else { return }
        try? repository.setConfig("branch.\(short).remote", remote)
        try? repository.setConfig("branch.\(short).merge", "refs/heads/\(short)")
    }

    /// Keeps `commit` reachable under `refs/folio/respaldo/`; returns the reference's name.
    @discardableResult
    private func backup(_ commit: OID) throws -> String {
        // One backup per commit: a refused sync and the 'sync --drop-local' after it share it.
        if let kept = try repository.references(matching: "refs/folio/respaldo/*").first(where: { $0.target == commit }) { return kept.name }
        let name = "refs/folio/respaldo/\(clock.format(clock.now, "yyyyMMdd-HHmmss"))-\(commit.short)"
        try repository.setReference(name, to: commit, reason: "folio sync: respaldo")
        return name
    }

    /// Checks `target` out and moves the branch there (compare-and-swap on `current`).
    private func move(from current: OID, to target: OID, branch: String) throws {
        do {
            try repository.checkout(target)
        } catch let error as GitError {
            throw CasebookError.checkoutBlocked(cause: error)
        }
        do {
            try repository.moveBranch(branch, to: target, from: current, reason: "folio sync")
        } catch let error as GitError where error.isModified {
            throw CasebookError.concurrentUpdate
        }
    }

    /// Replays `commits` (oldest first, forked from `base`) on top of `tip`.
    ///
    /// Inside a case folder the grain is the file: two dependencies' steps of one month, recorded
    /// in two clones, change different files (`produccion/HGE.csv`, `produccion/HRO.csv`) and
    /// combine; the same file changed on both sides is a conflict. The routing slip is never
    /// carried: it is rendered again from the case's history on the new tip.
    private func replay(_ commits: [CommitInfo], base: OID, onto tip: OID) throws -> (OID, [(from: String, to: String)]) {
        let renames = try renumbering(commits, base: base, tip: tip)
        let local = commits.filter { $0.parents.count < 2 }.map { "\($0.id.short) \($0.subject)" }
        let tipHistory = try loadHistory(at: tip)
        var slipRecords: [String: [StepRecord]] = [:]
        var current = tip
        for commit in commits {
            if commit.parents.count > 1 { continue }
            guard let parent = commit.parents.first else {
                throw CasebookError.syncConflict(findings: ["el commit \(commit.id.short) no tiene padre (otra raíz): folio sync no lo publica"],
                                                 backup: try backup(commit.id))
            }
            // Where this commit forked from the shared line: before a 'git pull' merge, the old base;
            // after it, the shared tip (its folders already include the remote's changes).
            let fork = try repository.mergeBase(parent, tip) ?? base
            var updates: [TreeUpdate] = []
            func conflict(_ unit: String) throws -> Never {
                throw CasebookError.syncConflict(
                    findings: ["\(unit) cambió aquí (commit \(commit.id.short): \(commit.subject)) y también en el repositorio compartido"],
                    backup: try backup(commits.last!.id), local: local)
            }
            for changed in try changedUnits(of: commit) {
                let unit = changed.path
                let mine = try repository.entry(at: unit, in: commit.id)
                let renamed = renames.first { unit == "cases/\($0.year)/\($0.from)" }
                if renamed == nil, changed.isCaseFolder {
                    for file in try changedFiles(at: unit, from: parent, to: commit.id) where !file.hasSuffix("/" + RoutingSlip.fileName) {
                        let mineFile = try repository.entry(at: file, in: commit.id)
                        let theirs = try repository.entry(at: file, in: tip)
                        if try repository.entry(at: file, in: fork)?.id != theirs?.id, mineFile?.id != theirs?.id {
                            // Two dependencies archived in two clones: the index takes both, in order.
                            if file.hasSuffix("/" + ArchiveIndex.fileName), let mineFile,
                               let merged = try mergedIndex(file, parent: parent, mine: mineFile.id, current: current) {
                                updates.append(.upsert(path: file, id: merged, mode: mineFile.mode))
                                continue
                            }
                            try conflict(file)
                        }
                        updates.append(mineFile.map { .upsert(path: file, id: $0.id, mode: $0.mode) } ?? .remove(path: file))
                    }
                    continue
                }
                if renamed == nil, try repository.entry(at: unit, in: fork)?.id != repository.entry(at: unit, in: tip)?.id,
                   try mine?.id != repository.entry(at: unit, in: tip)?.id {
                    try conflict(unit)
                }
                guard let mine else {
                    updates.append(.remove(path: renamed.map { "cases/\($0.year)/\($0.to)" } ?? unit))
                    continue
                }
                if let renamed {
                    let subtree = try renumberedFolder(mine.id, from: renamed.from, to: renamed.to)
                    updates.append(.upsert(path: "cases/\(renamed.year)/\(renamed.to)", id: subtree, mode: mine.mode))
                } else {
                    updates.append(.upsert(path: unit, id: mine.id, mode: mine.mode))
                }
            }
            var tree = updates.isEmpty ? try repository.treeID(of: current) : try repository.updatedTree(try repository.treeID(of: current), updates)
            var message = commit.message
            for r in renames { message = message.replacingOccurrences(of: r.from, with: r.to) }
            var replayed = commit
            // A name a jefe corrected in roles.yaml meanwhile: the step signs with the name it has
            // where it now lands, as folio signs (verify's [author]; helper138: the replayed step
            // was refused and had to be recorded again). Same e-mail, same key, same person.
            if StepRecord.mentionsCase(message), let persona = try? roster(at: current).find(commit.author.email), !persona.name.utf8.elementsEqual(commit.author.name.utf8) {
                message = message.replacingOccurrences(of: "Signed-off-by: \(commit.author.name) <\(commit.author.email)>",
                                                       with: "Signed-off-by: \(persona.name) <\(commit.author.email)>")
                replayed.author.name = persona.name
                if replayed.committer.email == commit.author.email { replayed.committer.name = persona.name }
            }
            replayed.message = message
            // The slip of the step's case, rendered from the history it now follows.
            if let record = try StepRecord(replayed) {
                let renamed = renames.first { $0.to == record.caseID }
                let path = try casePath(renamed?.from ?? record.caseID, at: commit.id) ?? ""
                if !path.isEmpty, renamed == nil, let changed = try figuresChanged(under: record, path: path, parent: parent, fork: fork, tip: tip) {
                    let by = try repository.commit(changed.commit)
                    throw CasebookError.syncConflict(
                        findings: ["el paso \(record.step ?? "") de \(record.caseID)\(record.dependency.map { " [\($0)]" } ?? "") (commit \(commit.id.short)) "
                                   + "se registró sobre las cifras de \(changed.file), que \(by.author.name) cambió después en el repositorio compartido "
                                   + "(commit \(changed.commit.short): \(by.subject)): \(Self.judged(record)) de las cifras anteriores, "
                                   + "no de las de ahora. Tome lo publicado ('folio sync --drop-local') y registre de nuevo ese paso sobre las cifras de ahora "
                                   + "(en P3, la revisión 03 antes de aprobar)"],
                        backup: try backup(commits.last!.id), local: local)
                }
                let finalPath = renamed.map { "cases/\($0.year)/\($0.to)" } ?? path
                if !path.isEmpty, try repository.entry(at: "\(path)/\(RoutingSlip.fileName)", in: commit.id) != nil {
                    var records = slipRecords[record.caseID] ?? tipHistory.records(of: record.caseID)
                    records.append(record)
                    slipRecords[record.caseID] = records
                    if let number = records[0].procedure.flatMap(Int.init), let definition = try definition(number, at: records[0].commit) {
                        let slip = RoutingSlip.render(caseID: record.caseID, definition: definition, records: records)
                        tree = try repository.updatedTree(tree, [.upsert(path: "\(finalPath)/\(RoutingSlip.fileName)",
                                                                         id: try repository.writeBlob(Data(slip.utf8)), mode: 0o100644)])
                    }
                }
            }
            let sign = try repository.signature(of: commit.id) == nil ? nil : try resigning(commit)
            // The declared (author) date stays; the committer date is when it joins the line, never
            // before the commit it now follows.
            let parentDate = try repository.commit(current).committer.date
            var committer = replayed.committer
            committer.date = max(clock.now, parentDate, commit.committer.date)
            committer.offsetMinutes = clock.offsetMinutes(at: committer.date)
            current = try repository.createCommit(tree: tree, parent: current, author: replayed.author, committer: committer,
                                                  message: message, sign: sign)
        }
        return (current, renames.map { ($0.from, $0.to) })
    }

    /// The archive index at `current` with the documents a replayed commit added (those its
    /// parent's index lacks), numbered after the last folio there; nil when they cannot combine
    /// (the same file archived on both sides, an index that cannot be read).
    private func mergedIndex(_ file: String, parent: OID, mine: OID, current: OID) throws -> OID? {
        func index(_ data: Data?) -> ArchiveIndex? {
            data.flatMap { try? ArchiveIndex.parse(String(decoding: $0, as: UTF8.self), file: file) }
        }
        guard let ours = index(try repository.blob(mine)), var merged = index(try repository.file(at: file, in: current)) else { return nil }
        let before = Set((index(try repository.file(at: file, in: parent))?.documentos ?? []).map(\.archivo))
        var renumbered: [Int: Int] = [:]
        for var document in ours.documentos where !before.contains(document.archivo) {
            guard !merged.documentos.contains(where: { $0.archivo == document.archivo }) else { return nil }
            let folio = (merged.documentos.map(\.folio).max() ?? 0) + 1
            renumbered[document.folio] = folio
            document.folio = folio
            // The folio it replaces, found by its file in the merged index.
            if let old = document.reemplaza {
                let path = ours.documentos.first { $0.folio == old }?.archivo
                document.reemplaza = renumbered[old] ?? merged.documentos.last { $0.archivo == path }?.folio
            }
            merged.documentos.append(document)
        }
        for code in ours.interesados where !merged.interesados.contains(code) { merged.interesados.append(code) }
        merged.estado = ours.estado
        return try repository.writeBlob(Data(merged.text.utf8))
    }

    /// A local step replayed onto shared commits that changed the figures it judged: its
    /// dependency's data file, or for a step of the whole month (P5-02 verifies every unit's) any
    /// dependency's. A step 03, 04 or P5-02 recorded offline while a contact corrected by note
    /// reviewed, approved or verified other figures than those it would follow. Figures the step's
    /// own commit writes (a contact's step 01) are the file-level conflict's. The file and the
    /// first shared commit that changed it; nil when none did.
    private func figuresChanged(under record: StepRecord, path: String, parent: OID, fork: OID, tip: OID) throws -> (file: String, commit: OID)? {
        guard record.step != nil, fork != tip else { return nil }
        var files: [String]
        if let code = record.dependency {
            files = Self.dataFiles(of: code, in: path)
        } else {
            files = try Self.dependencyDataFolders.flatMap { try changedFiles(at: "\(path)/\($0)", from: fork, to: tip) }
                .filter { Self.isDependencyData(($0 as NSString).lastPathComponent) }
        }
        for file in files.sorted() {
            let before = try repository.entryID(at: file, in: fork)
            guard before != (try repository.entryID(at: file, in: tip)),
                  try repository.entryID(at: file, in: parent) == (try repository.entryID(at: file, in: record.commit)),
                  let first = try firstChange(of: file, after: fork, tip: tip) else { continue }
            return (file, first)
        }
        return nil
    }

    /// What a step did with the figures, in the words of sync's refusal.
    private static func judged(_ record: StepRecord) -> String {
        if record.decisionValue != nil { return "su decisión (\(record.decisionValue == true ? "sí" : "no")) fue" }
        if record.step.map(ProcedureDefinition.normalize(step:)) == "03", record.dependency != nil { return "su revisión es" }
        return "lo que verificó fue"
    }

    /// Every file under `folder` that differs between two commits (added, removed or changed).
    private func changedFiles(at folder: String, from old: OID, to new: OID) throws -> [String] {
        var files: [String] = []
        for name in try repository.changedEntries(at: folder, from: old, to: new) {
            let path = "\(folder)/\(name)"
            let kinds = [try repository.entry(at: path, in: old), try repository.entry(at: path, in: new)]
            if kinds.contains(where: { $0?.mode == 0o040000 }) {
                // A file on one side and a folder on the other: the folder's files, and the file itself.
                if kinds.contains(where: { $0 != nil && $0?.mode != 0o040000 }) { files.append(path) }
                files += try changedFiles(at: path, from: old, to: new)
            } else {
                files.append(path)
            }
        }
        return files
    }

    /// Cases opened in `commits` whose id `tip` already gives to another case, with their new ids.
    private func renumbering(_ commits: [CommitInfo], base: OID, tip: OID) throws -> [(year: String, from: String, to: String)] {
        var renames: [(year: String, from: String, to: String)] = []
        var taken: [String: Set<String>] = [:]
        for commit in commits {
            guard let record = try StepRecord(commit), !renames.contains(where: { $0.from == record.caseID }),
                  let path = try casePath(record.caseID, at: commit.id), try repository.entryID(at: path, in: base) == nil,
                  try repository.entryID(at: path, in: tip) != nil else { continue }
            let year = GitPath.components(path)[1]
            let parts = record.caseID.split(separator: "-")
            guard parts.count == 3, parts[1] == year, parts[2].count == 4, Int(parts[2]) != nil else {
                throw CasebookError.syncConflict(
                    findings: ["el expediente \(record.caseID) se abrió aquí y también en el repositorio compartido; un expediente mensual o con --id no se renumera"],
                    backup: try backup(commits.last!.id))
            }
            if taken[year] == nil {
                var ids = Set(try repository.entries(at: "cases/\(year)", in: tip).map(\.name))
                for c in commits { ids.formUnion(try repository.entries(at: "cases/\(year)", in: c.id).map(\.name)) }
                taken[year] = ids
            }
            let next = CaseID.next(code: String(parts[0]), year: Int(year)!, existing: Array(taken[year]!))
            taken[year]!.insert(next)
            renames.append((year, record.caseID, next))
        }
        return renames
    }

    /// A case folder with `expediente.md`'s `id:` rewritten to the new id.
    private func renumberedFolder(_ folder: OID, from old: String, to new: String) throws -> OID {
        guard let file = try repository.entry(at: "expediente.md", inTree: folder) else { return folder }
        let text = String(decoding: try repository.blob(file.id), as: UTF8.self)
        let lines = text.components(separatedBy: "\n").map { line in
            line.trimmingCharacters(in: .whitespaces) == "id: \(old)" ? "id: \(new)" : line.replacingOccurrences(of: old, with: new)
        }
        let blob = try repository.writeBlob(Data(lines.joined(separator: "\n").utf8))
        var changes = [TreeUpdate.upsert(path: "expediente.md", id: blob, mode: file.mode)]
        // The case's index names it too, in its `identificador:` line and its heading: those two lines
        // take the new id, and the rest of the file (hand-written notes included) stays as it was.
        if let index = try repository.entry(at: ArchiveIndex.fileName, inTree: folder) {
            let text = String(decoding: try repository.blob(index.id), as: UTF8.self)
            let renamed = text.components(separatedBy: "\n").map { line in
                line.trimmingCharacters(in: .whitespaces) == "identificador: \(old)" ? line.replacingOccurrences(of: old, with: new)
                    : line == "# Índice del expediente \(old)" ? "# Índice del expediente \(new)" : line
            }.joined(separator: "\n")
            if renamed != text {
                changes.append(.upsert(path: ArchiveIndex.fileName, id: try repository.writeBlob(Data(renamed.utf8)), mode: index.mode))
            }
        }
        return try repository.updatedTree(folder, changes)
    }

    /// Signs a replayed commit again with the key that signed the original: its author's, or for
    /// an external actor's step, the recording staff member's.
    private func resigning(_ commit: CommitInfo) throws -> (Data) throws -> String {
        let roster = try roster(at: try head())
        guard let author = roster.find(commit.author.email) else {
            throw CasebookError.unknownPersona(commit.author.email, known: roster.personas.map(\.id))
        }
        let role = (try StepRecord(commit))?.role.flatMap(Role.init(rawValue:)) ?? .jefe
        guard let signer = Self.signer(author: author, role: role, committer: roster.find(commit.committer.email)),
              let key = signer.sshKey, let found = try SSHSigner.find(registered: key, repository: repository) else {
            throw CasebookError.signingKeyMissing(persona: author.id, configured: try SSHSigner.configured(repository))
        }
        return { try found.sign($0) }
    }
}
