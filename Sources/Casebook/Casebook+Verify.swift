import Foundation
import GitStore
import Procedures

extension Casebook {
    /// Replays the whole history and reports every commit that breaks the manual or the
    /// repository's rules: steps out of order, authors without the step's role (per `roles.yaml`
    /// in the parent commit), malformed trailers, `roles.yaml` changed by someone who is not a jefe.
    ///
    /// One revwalk reading trailers, plus a tree lookup of `roles.yaml` per commit.
    public func verify() throws -> VerifyReport {
        guard let head = try repository.headCommit() else {
            return VerifyReport(ok: true, commits: 0, cases: 0, steps: 0, violations: [])
        }
        var violations: [Violation] = []
        var history = History()
        var order: [String: Int] = [:]
        try repository.walk(from: head) { commit in
            order[commit.id.hex] = order.count
            history.add(commit: commit)
            if let record = try StepRecord(commit) { history.add(record) }
            violations += try checkRolesFile(commit)
        }
        var steps = 0
        for id in history.caseIDs {
            let records = history.records(of: id)
            guard let definition = try caseDefinition(id: id, first: records[0], violations: &violations) else { continue }
            let replay = try CaseReplay(id: id, records: records, definition: definition, authorized: isAuthorized)
            steps += replay.steps.count
            for record in records {
                violations += try checkRecord(record, definition: definition)
            }
            for (record, error) in replay.refused {
                violations.append(Violation(commit: record.commit.hex, caseID: id, step: record.step, rule: "step-order",
                                            message: error.description))
            }
        }
        violations.sort { (order[$0.commit] ?? 0) < (order[$1.commit] ?? 0) }
        return VerifyReport(ok: violations.isEmpty, commits: history.commitCount, cases: history.caseIDs.count, steps: steps,
                            violations: violations)
    }

    private func caseDefinition(id: String, first: StepRecord, violations: inout [Violation]) throws -> ProcedureDefinition? {
        guard let number = first.procedure.flatMap(Int.init), (1...7).contains(number) else {
            violations.append(Violation(commit: first.commit.hex, caseID: id, step: first.step, rule: "trailers",
                                        message: "El trailer Procedimiento ('\(first.procedure ?? "")') debe ser un número del 1 al 7."))
            return nil
        }
        do {
            guard let definition = try definition(number, at: first.commit) else {
                violations.append(Violation(commit: first.commit.hex, caseID: id, step: first.step, rule: "schema",
                                            message: "No hay definición del procedimiento \(number) en schemas/ de ese commit."))
                return nil
            }
            return definition
        } catch {
            violations.append(Violation(commit: first.commit.hex, caseID: id, step: first.step, rule: "schema", message: "\(error)"))
            return nil
        }
    }

    /// Trailers, sign-off and authority of one expediente commit.
    private func checkRecord(_ record: StepRecord, definition: ProcedureDefinition) throws -> [Violation] {
        var found: [Violation] = []
        func flag(_ rule: String, _ message: String) {
            found.append(Violation(commit: record.commit.hex, caseID: record.caseID, step: record.step, rule: rule, message: message))
        }
        if !CaseID.isValid(record.caseID) { flag("trailers", "El trailer Expediente '\(record.caseID)' no es un identificador válido.") }
        if record.procedure != String(definition.number) {
            flag("trailers", "El trailer Procedimiento dice '\(record.procedure ?? "")' pero el expediente es del procedimiento \(definition.number).")
        }
        if let d = record.decision, record.decisionValue == nil { flag("trailers", "El trailer Decision dice '\(d)': debe ser si o no.") }
        if let d = record.dependency, CaseID.dependencyCode(d) != d { flag("trailers", "El trailer Dependencia '\(d)' no es un código válido.") }
        let authorIdentity = "\(record.author.name) <\(record.author.email)>"
        if !record.signedOff.contains(authorIdentity) {
            flag("signoff", "Falta 'Signed-off-by: \(authorIdentity)': quien realiza el paso lo firma.")
        }
        guard let roleText = record.role, let role = Role(rawValue: roleText) else {
            flag("trailers", "El trailer Rol ('\(record.role ?? "")') falta o no es un rol (\(Role.validIDs)).")
            return found
        }
        let roster: Roster
        do {
            roster = try self.roster(at: record.parent ?? record.commit)
        } catch {
            flag("roles-file", "roles.yaml del commit anterior no se puede leer: \(error)")
            return found
        }
        guard let persona = roster.find(record.author.email) else {
            flag("author", "El autor \(authorIdentity) no está registrado en roles.yaml (en el commit anterior).")
            return found
        }
        if !persona.holds(role) {
            flag("role", "\(persona.id) firmó como \(role.rawValue) pero no tenía ese rol en roles.yaml (en el commit anterior).")
        }
        if let number = record.step, let step = definition.step(number) {
            if !step.roles.contains(role) {
                let roles = step.roles.map(\.rawValue).joined(separator: " o ")
                flag("role", "El paso \(step.number) del procedimiento \(definition.number) lo realiza \(roles), no \(role.rawValue).")
            }
            if let registered = persona.dependency, let d = record.dependency, registered.uppercased() != d {
                flag("role", "\(persona.id) es el contacto de \(registered), no de \(d).")
            }
        }
        return found
    }

    /// `roles.yaml` may change only in a commit authored by a jefe of the previous version.
    private func checkRolesFile(_ commit: CommitInfo) throws -> [Violation] {
        let mine = try repository.entryID(at: Roster.fileName, in: commit.id)
        let base = commit.parents.first
        if let base, try repository.entryID(at: Roster.fileName, in: base) == mine { return [] }
        if base == nil, mine == nil { return [] }
        let author = "\(commit.author.name) <\(commit.author.email)>"
        do {
            if mine != nil { _ = try roster(at: commit.id) }
            let before = try roster(at: base ?? commit.id)
            if before.find(commit.author.email)?.holds(.jefe) == true { return [] }
            return [Violation(commit: commit.id.hex, caseID: nil, step: nil, rule: "roles-file",
                              message: "roles.yaml cambió en un commit de \(author), que no es jefe: solo un jefe puede cambiar los roles.")]
        } catch {
            return [Violation(commit: commit.id.hex, caseID: nil, step: nil, rule: "roles-file",
                              message: "roles.yaml no se puede leer en este commit: \(error)")]
        }
    }
}
