import GitStore
import Procedures

/// What one folio commit says — its subject and its trailers — built in this one place, beside
/// `StepRecord`, which reads the same trailers back. Every commit folio makes (a step, an opening,
/// a note, a closing without a dependency, a change of roles or of the register) is planned here,
/// so the order of the trailers is the order `StepRecord` and the routing slip expect.
struct CommitPlan {
    var caseID: String?
    var procedure: Int?
    var step: String?
    var role: Role
    var decision: Bool?
    var dependency: String?
    var excuse: String?
    var justification: String?
    var assigned: (persona: String, role: Role)?
    var subject: String

    /// In the order folio has always written them: case, procedure, step, role, decision,
    /// dependency, excuse, justification, assignment.
    var trailers: [Trailer] {
        var t: [Trailer] = []
        if let caseID { t.append(Trailer(TrailerKey.caseID, caseID)) }
        if let procedure { t.append(Trailer(TrailerKey.procedure, String(procedure))) }
        if let step { t.append(Trailer(TrailerKey.step, step)) }
        t.append(Trailer(TrailerKey.role, role.rawValue))
        if let decision { t.append(Trailer(TrailerKey.decision, decision ? "si" : "no")) }
        if let dependency { t.append(Trailer(TrailerKey.dependency, dependency)) }
        if let excuse { t.append(Trailer(TrailerKey.excuse, excuse)) }
        if let justification { t.append(Trailer(TrailerKey.justification, justification)) }
        if let assigned { t += [Trailer(TrailerKey.assigned, assigned.persona), Trailer(TrailerKey.assignedRole, assigned.role.rawValue)] }
        return t
    }

    /// A step of a case: "ID paso NN [DEP]: activity", or the question and its answer for a decision.
    static func step(_ step: StepDefinition, of id: String, procedure: Int, role: Role, decision: Bool?, dependency: String?,
                     justification: String?, assigned: (persona: String, role: Role)?) -> CommitPlan {
        let head = "\(id) paso \(step.number)" + (dependency.map { " [\($0)]" } ?? "")
        let what = decision.map { "\(step.decision?.question ?? step.activity) \($0 ? "Sí" : "No")" } ?? step.activity
        return CommitPlan(caseID: id, procedure: procedure, step: step.number, role: role, decision: decision, dependency: dependency,
                          justification: justification, assigned: assigned, subject: "\(head): \(what)")
    }

    /// The opening of a case: its first step, or for a monthly procedure the month's case.
    static func opening(_ id: String, procedure: ProcedureDefinition, role: Role, month: String?) -> CommitPlan {
        if procedure.monthly {
            return CommitPlan(caseID: id, procedure: procedure.number, role: role, subject: "\(id): abre el expediente del mes \(month ?? "")")
        }
        let first = procedure.steps[0]
        return CommitPlan(caseID: id, procedure: procedure.number, step: first.number, role: role,
                          subject: "\(id) paso \(first.number): \(first.activity)")
    }

    /// A note: the case's pending edits, without advancing its procedure.
    static func note(_ id: String, procedure: Int, role: Role, text: String) -> CommitPlan {
        let firstLine = text.split(separator: "\n").first.map(String.init) ?? ""
        return CommitPlan(caseID: id, procedure: procedure, role: role, subject: "\(id): nota, \(firstLine)")
    }

    /// A jefe's closing of a round without an expected dependency (`folio excusar`).
    static func excuse(_ id: String, procedure: Int, code: String) -> CommitPlan {
        CommitPlan(caseID: id, procedure: procedure, role: .jefe, excuse: code, subject: "\(id): se cierra sin \(code)")
    }

    /// A routing slip written again from the case's history (`folio hoja-de-ruta`), by a jefe.
    static func slip(_ id: String, procedure: Int) -> CommitPlan {
        CommitPlan(caseID: id, procedure: procedure, role: .jefe, subject: "\(id): hoja de ruta")
    }

    /// A jefe's change outside the cases (roles, keys, the register, the first commit).
    static func configuration(_ subject: String) -> CommitPlan {
        CommitPlan(role: .jefe, subject: subject)
    }
}

extension Casebook {
    /// The recorder: runs `body` with a work-tree edit (temp file + rename in `.git/folio/tmp`) and
    /// undoes every file it wrote when `body` refuses or fails, so a refusal leaves the work tree
    /// as it was. `body` writes, then commits what a `CommitPlan` says (`commit(_:paths:...)`).
    func recording<T>(_ body: (WorkTreeEdit) throws -> T) throws -> T {
        let edit = WorkTreeEdit(root: root, scratch: repository.gitdir + "folio/tmp")
        do {
            return try body(edit)
        } catch {
            edit.rollback()
            throw error
        }
    }

    /// Commits the work-tree state of `paths` as `plan` says (see `commit(paths:...)`).
    func commit(_ plan: CommitPlan, paths: [String], parent: OID?, author: Persona, roster: Roster, text: String?) throws -> OID {
        try commit(paths: paths, parent: parent, author: author, role: plan.role, roster: roster, subject: plan.subject, text: text,
                   trailers: plan.trailers)
    }
}
