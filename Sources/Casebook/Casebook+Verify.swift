import Foundation
import GitStore
import Procedures

extension Casebook {
    /// Replays the history up to `range`'s tip (HEAD by default) and reports every commit that
    /// breaks the manual or the repository's rules, each with its commit, case, step, rule and fix.
    ///
    /// Errors: a step out of order; an author without the step's role, or not registered (per
    /// `roles.yaml` in the parent commit); malformed trailers or sign-off; a signature that is
    /// missing where required, invalid, or not made by the author's registered key; a step that
    /// changes files outside its case; `roles.yaml` or `schemas/` changed by someone who is not a
    /// jefe. Warnings: commits that change `cases/` without trailers (edits outside folio).
    ///
    /// - Parameter range: `A..B` reports only the commits of B not reachable from A (what a push
    ///   adds); `B` alone reports all of B's history. The replay always starts at the first commit.
    public func verify(range: String? = nil) throws -> VerifyReport {
        let (tip, hidden) = try resolve(range: range)
        guard let tip else { return VerifyReport(ok: true, commits: 0, cases: 0, steps: 0, violations: []) }
        if let hidden { return try verifyNew(tip: tip, since: hidden) }
        var violations: [Violation] = []
        var history = History()
        var order: [String: Int] = [:]
        try repository.walk(from: tip) { commit in
            order[commit.id.hex] = order.count
            history.add(commit: commit)
            let record = try StepRecord(commit)
            if let record { history.add(record) }
            violations += try checkCommit(commit, record: record)
        }
        var steps = 0
        var timed: [TimedStep] = []
        let paths = try casePaths(at: tip)
        for id in history.caseIDs {
            let (found, count, late) = try checkCase(id, records: history.records(of: id), reported: nil, path: paths[id], tip: tip)
            violations += found
            steps += count
            timed += late
        }
        violations.sort { (order[$0.commit] ?? 0) < (order[$1.commit] ?? 0) }
        // The archive is checked as it is now (the work tree's files), on a full verify.
        violations += try archiveFindings(at: tip)
        violations += try slipTipFindings(at: tip, history: history)
        return VerifyReport(ok: !violations.contains { $0.severity == "error" }, commits: history.commitCount,
                            cases: history.caseIDs.count, steps: steps, violations: violations, outOfWindow: timed)
    }

    /// What a push adds (`A..B`): the commits of `tip` that `since` lacks are checked one by one,
    /// and the cases they touch are replayed whole; the rest of history comes from the cache.
    private func verifyNew(tip: OID, since: OID) throws -> VerifyReport {
        var fresh: [CommitInfo] = []
        try repository.walk(from: tip, hiding: since) { fresh.append($0) }
        let reported = Set(fresh.map(\.id))
        var violations: [Violation] = []
        var touched: [String] = []
        for commit in fresh {
            let record = try StepRecord(commit)
            if let record, !touched.contains(record.caseID) { touched.append(record.caseID) }
            violations += try checkCommit(commit, record: record)
        }
        let history = try loadHistory(at: tip)
        var steps = 0
        var timed: [TimedStep] = []
        let paths = try casePaths(at: tip)
        for id in touched {
            let (found, count, late) = try checkCase(id, records: history.records(of: id), reported: reported, path: paths[id], tip: tip)
            violations += found
            steps += count
            timed += late
        }
        let order = Dictionary(uniqueKeysWithValues: fresh.enumerated().map { ($1.id.hex, $0) })
        violations.sort { (order[$0.commit] ?? 0) < (order[$1.commit] ?? 0) }
        return VerifyReport(ok: !violations.contains { $0.severity == "error" }, commits: fresh.count, cases: touched.count,
                            steps: steps, violations: violations, outOfWindow: timed)
    }

    /// The checks of one commit on its own: guarded files, signature, edits outside folio.
    private func checkCommit(_ commit: CommitInfo, record: StepRecord?) throws -> [Violation] {
        var found = try checkGuardedFiles(commit)
        found += try registerFindings(commit)
        found += try checkSignature(commit, record: record)
        if record == nil { found += try checkEditsOutsideFolio(commit) }
        found += try checkContent(commit)
        return found
    }

    /// Replays one case and checks its commits (only those in `reported`, when given).
    private func checkCase(_ id: String, records: [StepRecord], reported: Set<OID>?, path: String?,
                           tip: OID) throws -> ([Violation], Int, [TimedStep]) {
        var found: [Violation] = []
        guard let first = records.first else { return ([], 0, []) }
        guard let definition = try caseDefinition(id: id, first: first, violations: &found) else {
            return (found.filter { reported?.contains(OID(hex: $0.commit)!) ?? true }, 0, [])
        }
        let replay = try CaseReplay(id: id, records: records, definition: definition, authorized: isAuthorized)
        for record in records where reported?.contains(record.commit) ?? true {
            found += try checkRecord(record, definition: definition)
            found += try checkScope(record)
        }
        found += try slipFindings(id, records: records, definition: definition, reported: reported)
        for (record, error) in replay.refused where reported?.contains(record.commit) ?? true {
            found.append(Violation(commit: record.commit.hex, caseID: id, step: record.step, rule: "step-order",
                                   message: error.description,
                                   fix: "Registre los pasos en el orden del manual con 'folio step'; un paso fuera de orden no cuenta."))
        }
        let (late, timed) = try timingFindings(replay, path: path, at: tip, reported: reported)
        return (found + late, replay.steps.count, timed)
    }

    /// `A..B` -> (B, A); `B` -> (B, nil); nil -> (HEAD, nil).
    private func resolve(range: String?) throws -> (OID?, OID?) {
        guard let range else { return (try repository.headCommit(), nil) }
        let parts = range.components(separatedBy: "..")
        func commit(_ rev: String) throws -> OID {
            guard let oid = try repository.resolve(revision: rev) else {
                throw CasebookError.invalidFile(file: "RANGO", reason: "'\(rev)' no nombra ningún commit", fix: "Use A..B o un commit.")
            }
            return oid
        }
        switch parts.count {
        case 1: return (try commit(parts[0]), nil)
        case 2: return (try commit(parts[1].isEmpty ? "HEAD" : parts[1]), parts[0].isEmpty ? nil : try commit(parts[0]))
        default: throw CasebookError.invalidFile(file: "RANGO", reason: "'\(range)' no es un rango", fix: "Use A..B o un commit.")
        }
    }

    private func caseDefinition(id: String, first: StepRecord, violations: inout [Violation]) throws -> ProcedureDefinition? {
        guard let number = first.procedure.flatMap(Int.init), (1...7).contains(number) else {
            violations.append(Violation(commit: first.commit.hex, caseID: id, step: first.step, rule: "trailers",
                                        message: "El trailer Procedimiento ('\(first.procedure ?? "")') debe ser un número del 1 al 7.",
                                        fix: "Abra los expedientes con 'folio new', que escribe los trailers."))
            return nil
        }
        do {
            guard let definition = try definition(number, at: first.commit) else {
                violations.append(Violation(commit: first.commit.hex, caseID: id, step: first.step, rule: "schema",
                                            message: "No hay definición del procedimiento \(number) en schemas/ de ese commit.",
                                            fix: "Restaure schemas/procedimiento-\(number).yaml."))
                return nil
            }
            return definition
        } catch {
            violations.append(Violation(commit: first.commit.hex, caseID: id, step: first.step, rule: "schema", message: "\(error)",
                                        fix: "Corrija schemas/procedimiento-\(number).yaml."))
            return nil
        }
    }

    /// Trailers, sign-off and authority of one expediente commit.
    private func checkRecord(_ record: StepRecord, definition: ProcedureDefinition) throws -> [Violation] {
        var found: [Violation] = []
        func flag(_ rule: String, _ message: String, _ fix: String) {
            found.append(Violation(commit: record.commit.hex, caseID: record.caseID, step: record.step, rule: rule, message: message, fix: fix))
        }
        let viaFolio = "Registre el paso con folio, que escribe los trailers."
        if !CaseID.isValid(record.caseID) { flag("trailers", "El trailer Expediente '\(record.caseID)' no es un identificador válido.", viaFolio) }
        if record.procedure != String(definition.number) {
            flag("trailers", "El trailer Procedimiento dice '\(record.procedure ?? "")' pero el expediente es del procedimiento \(definition.number).", viaFolio)
        }
        if let d = record.decision, record.decisionValue == nil { flag("trailers", "El trailer Decision dice '\(d)': debe ser si o no.", viaFolio) }
        if let d = record.dependency, CaseID.dependencyCode(d) != d { flag("trailers", "El trailer Dependencia '\(d)' no es un código válido.", viaFolio) }
        let authorIdentity = "\(record.author.name) <\(record.author.email)>"
        if !record.signedOff.contains(authorIdentity) {
            flag("signoff", "Falta 'Signed-off-by: \(authorIdentity)': quien realiza el paso lo firma.", viaFolio)
        }
        guard let roleText = record.role, let role = Role(rawValue: roleText) else {
            flag("trailers", "El trailer Rol ('\(record.role ?? "")') falta o no es un rol (\(Role.validIDs)).", viaFolio)
            return found
        }
        let roster: Roster
        do {
            roster = try self.roster(at: record.parent ?? record.commit)
        } catch {
            flag("roles-file", "roles.yaml del commit anterior no se puede leer: \(error)", "Un jefe corrige roles.yaml.")
            return found
        }
        guard let persona = roster.find(record.author.email) else {
            flag("author", "El autor \(authorIdentity) no está registrado en roles.yaml (en el commit anterior).",
                 "Un jefe registra a la persona con 'folio roles add' antes de que registre pasos.")
            return found
        }
        let holders = roster.holders(of: [role]).joined(separator: ", ")
        if !persona.holds(role) {
            flag("role", "\(persona.id) firmó como \(role.rawValue) pero no tenía ese rol en roles.yaml (en el commit anterior).",
                 holders.isEmpty ? "Un jefe asigna el rol con roles.yaml." : "El paso lo registra quien tiene el rol: \(holders).")
        }
        if let number = record.step, let step = definition.step(number) {
            if !step.roles.contains(role) {
                let roles = step.roles.map(\.rawValue).joined(separator: " o ")
                flag("role", "El paso \(step.number) del procedimiento \(definition.number) lo realiza \(roles), no \(role.rawValue).",
                     "Lo registra quien tiene el rol \(roles): \(roster.holders(of: step.roles).joined(separator: ", ")).")
            }
            if let registered = persona.dependency, let d = record.dependency, registered.uppercased() != d {
                flag("role", "\(persona.id) es el contacto de \(registered), no de \(d).", "El paso de \(d) lo registra su contacto.")
            }
        }
        return found
    }

    /// A step changes its own case folder only.
    private func checkScope(_ record: StepRecord) throws -> [Violation] {
        guard let parent = record.parent, let path = try casePath(record.caseID, at: record.commit) ?? casePath(record.caseID, at: parent)
        else { return [] }
        let parts = path.split(separator: "/").map(String.init) // cases, AAAA, ID
        var outside: [String] = []
        outside += try repository.changedEntries(at: "", from: parent, to: record.commit).filter { $0 != "cases" }
        outside += try repository.changedEntries(at: "cases", from: parent, to: record.commit).filter { $0 != parts[1] }.map { "cases/\($0)" }
        outside += try repository.changedEntries(at: "cases/\(parts[1])", from: parent, to: record.commit).filter { $0 != parts[2] }
            .map { "cases/\(parts[1])/\($0)" }
        guard !outside.isEmpty else { return [] }
        return [Violation(commit: record.commit.hex, caseID: record.caseID, step: record.step, rule: "scope",
                          message: "El commit del expediente cambia archivos fuera de \(path): \(outside.joined(separator: ", ")).",
                          fix: "Cada paso registra solo la carpeta de su expediente; folio lo hace así.")]
    }

    /// `roles.yaml` and `schemas/` change only in a commit authored by a jefe of the previous version.
    private func checkGuardedFiles(_ commit: CommitInfo) throws -> [Violation] {
        let changed: [String]
        if let base = commit.parents.first {
            changed = try repository.changedEntries(at: "", from: base, to: commit.id)
        } else {
            changed = try repository.entries(at: "", in: commit.id).map(\.name)
        }
        var found: [Violation] = []
        let author = "\(commit.author.name) <\(commit.author.email)>"
        for (path, what) in [(Roster.fileName, "los roles y las claves"), (SchemaLibrary.directory, "los procedimientos")]
        where changed.contains(path) {
            do {
                if path == Roster.fileName, try repository.entryID(at: path, in: commit.id) != nil { _ = try roster(at: commit.id) }
                if try roster(at: commit.parents.first ?? commit.id).find(commit.author.email)?.holds(.jefe) == true { continue }
                found.append(Violation(commit: commit.id.hex, caseID: nil, step: nil, rule: path == Roster.fileName ? "roles-file" : "schemas",
                                       message: "\(path) cambió en un commit de \(author), que no es jefe: solo un jefe puede cambiar \(what).",
                                       fix: "Que un jefe haga el cambio (folio roles add, folio roles key, o un commit suyo)."))
            } catch {
                found.append(Violation(commit: commit.id.hex, caseID: nil, step: nil, rule: "roles-file",
                                       message: "roles.yaml no se puede leer en este commit: \(error)", fix: "Un jefe corrige roles.yaml."))
            }
        }
        return found
    }

    /// Signed where the author (or, for an external actor, the recording staff member) has a key
    /// or `folio.yaml` requires it; a signature must verify with that registered key.
    private func checkSignature(_ commit: CommitInfo, record: StepRecord?) throws -> [Violation] {
        let folioCommit = record != nil || commit.message.contains("\(TrailerKey.role):")
        guard folioCommit, commit.parents.count <= 1 else { return [] }
        let base = commit.parents.first ?? commit.id
        guard let roster = try? roster(at: base), let author = roster.find(commit.author.email) else { return [] }
        let role = record?.role.flatMap(Role.init(rawValue:)) ?? .jefe
        let committer = roster.find(commit.committer.email)
        let expected = Self.signer(author: author, role: role, committer: committer)
        let required = (try? settings(at: base).signatureRequired) ?? false
        func flag(_ message: String, _ fix: String) -> [Violation] {
            [Violation(commit: commit.id.hex, caseID: record?.caseID, step: record?.step, rule: "signature", message: message, fix: fix)]
        }
        guard let signed = try repository.signature(of: commit.id) else {
            if let expected {
                return flag("El commit no está firmado, y \(expected.id) tiene clave_ssh registrada: sus pasos se firman.",
                            "Registre el paso con folio teniendo la clave privada de \(expected.id) (user.signingKey o ssh-agent).")
            }
            return required ? flag("El commit no está firmado y folio.yaml exige firma (firma: obligatoria).",
                                   "Un jefe registra la clave de \(author.id) con 'folio roles key', y el paso se registra con folio.") : []
        }
        guard let signer = expected, let key = signer.sshKey.flatMap(SSHKey.normalize) else {
            return flag("El commit está firmado, pero \(author.id) no tiene clave_ssh registrada en roles.yaml (commit anterior).",
                        "Un jefe registra la clave con 'folio roles key \(author.id) \"ssh-ed25519 ...\"'.")
        }
        if try !SSHVerifier.verify(signature: signed.signature, data: signed.signedData, principal: signer.email, key: key) {
            return flag("La firma no es válida o no la hizo la clave registrada de \(signer.id).",
                        "Vuelva a registrar el paso con la clave de \(signer.id); una firma ajena o alterada no cuenta.")
        }
        return []
    }

    /// A commit without folio's trailers that changes `cases/`: an edit made outside folio.
    private func checkEditsOutsideFolio(_ commit: CommitInfo) throws -> [Violation] {
        guard commit.parents.count == 1, let parent = commit.parents.first,
              try repository.entryID(at: "cases", in: parent) != repository.entryID(at: "cases", in: commit.id),
              !commit.message.contains("\(TrailerKey.role):") else { return [] }
        var changed: [String] = []
        for year in try repository.changedEntries(at: "cases", from: parent, to: commit.id) {
            changed += try repository.changedEntries(at: "cases/\(year)", from: parent, to: commit.id)
        }
        return [Violation(commit: commit.id.hex, caseID: nil, step: nil, rule: "outside-folio",
                          message: "El commit cambia cases/ (\(changed.joined(separator: ", "))) sin trailers de folio: una edición hecha fuera de folio.",
                          fix: "Registre los cambios de un expediente con 'folio note' o 'folio step'.", severity: "warning")]
    }
}
