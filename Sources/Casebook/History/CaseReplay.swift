import Foundation
import Procedures

/// One expediente's history replayed against the procedure version it was opened with.
public struct CaseReplay: Sendable {
    public var id: String
    public var definition: ProcedureDefinition
    public var machine: CaseMachine
    /// Every commit of the case, oldest first.
    public var records: [StepRecord]
    /// The step commits the procedure accepted, in order.
    public var steps: [StepRecord] = []
    /// Step commits the procedure refused, with the reason (`folio verify` reports them).
    public var refused: [(record: StepRecord, error: ProcedureError)] = []
    /// Step commits whose author did not hold the role (`folio verify` reports them): skipped.
    public var unauthorized: [StepRecord] = []
    /// The jefe's excuses the round accepted (`CaseMachine.excuse`), in order.
    public var excuses: [StepRecord] = []

    /// - Parameters:
    ///   - authorized: whether a step commit's author held its role when it was made.
    ///   - rounds: before the last step of a yearly cycle, how many rounds the case runs (from the
    ///     plan's years as that commit recorded them, and the steps accepted so far).
    ///   - excused: whether a commit's excuse counts (a jefe made it).
    ///   - closed: for a new dependency's first step once every dependency that started has
    ///     finished (P2), whether the round had closed before it (`Casebook.roundClosed`); such a
    ///     step is refused as one after the end of the case.
    ///   - closing: for the step that closes the round (P3-06, P5-02), why it may not yet
    ///     (`Casebook.closingRefusal`: the month had not ended, an expected dependency is missing).
    ///   - known: for a dependency's first step, excuse or note (a code no thread of the case has yet), whether the
    ///     department knew that code when it was made (`Casebook.knewDependency`); a step for a code
    ///     it did not know is refused, as folio's step refuses it (FOLIO-E075).
    init(id: String, records: [StepRecord], definition: ProcedureDefinition,
         authorized: (StepRecord) throws -> Bool,
         rounds: (StepRecord, [StepRecord]) throws -> Int? = { _, _ in nil },
         excused: (StepRecord) throws -> Bool = { _ in false },
         closed: (StepRecord, CaseReplay) throws -> Bool = { _, _ in false },
         closing: (StepRecord, CaseReplay) throws -> ProcedureError? = { _, _ in nil },
         known: (String, StepRecord, CaseReplay) throws -> Bool = { _, _, _ in true }) rethrows {
        self.id = id
        self.definition = definition
        self.records = records
        machine = CaseMachine(definition: definition)
        for record in records {
            guard let step = record.step else {
                // The jefe's `Excusa: CODE` (folio excusar) takes a pending dependency out of the
                // round; one at a point the round does not allow (a dependency that had finished, a
                // round already closed) is refused, as a step out of order is.
                if let code = record.excuse.flatMap(CaseID.dependencyCode) {
                    // One made by someone who is not a jefe (plain git: folio refuses it) does not
                    // count, and verify names it (attack34).
                    guard try excused(record) else {
                        refused.append((record, .excuseNotAllowed(dependency: code, reason: "solo un jefe de departamento cierra una ronda sin una dependencia, y el autor no lo era")))
                        continue
                    }
                    // Nor one for a code the department did not know then (`folio excusar` refuses it).
                    guard try machine.threads.contains(where: { $0.code == code }) || known(code, record, self) else {
                        refused.append((record, .unknownDependency(step: "excusa", dependency: code)))
                        continue
                    }
                    do throws(ProcedureError) {
                        if let approved = approval(of: code) { throw approved }
                        try machine.excuse(dependency: code)
                        excuses.append(record)
                    } catch {
                        refused.append((record, error))
                    }
                } else if let code = record.dependency.flatMap(CaseID.dependencyCode), !machine.threads.contains(where: { $0.code == code }),
                          try !known(code, record, self) {
                    // A note for a dependency (`attach --dependency`) the department did not know
                    // then: folio refuses it (FOLIO-E075), and verify names one made with plain git (attack34).
                    refused.append((record, .unknownDependency(step: "nota", dependency: code)))
                }
                continue
            }
            guard try authorized(record) else {
                unauthorized.append(record)
                continue
            }
            if let cycle = definition.cycle, ProcedureDefinition.normalize(step: step) == cycle.last {
                machine.cycleRounds = try rounds(record, steps)
            }
            let number = ProcedureDefinition.normalize(step: step)
            if machine.state == .closed, number == definition.dependencyBlock?.first?.number, let code = record.dependency,
               !machine.threads.contains(where: { $0.code == code }), try closed(record, self) {
                refused.append((record, .caseEnded(step: number, state: .closed)))
                continue
            }
            if let code = record.dependency, definition.step(number)?.perDependency == true,
               !machine.threads.contains(where: { $0.code == code }), try !known(code, record, self) {
                refused.append((record, .unknownDependency(step: number, dependency: code)))
                continue
            }
            if record.dependency == nil, number == definition.roundExit, let refusal = try closing(record, self) {
                refused.append((record, refusal))
                continue
            }
            do {
                try machine.apply(step: number, decision: record.decisionValue,
                                  dependency: record.dependency)
                steps.append(record)
            } catch let error as ProcedureError {
                refused.append((record, error))
            } catch {
                refused.append((record, .unknownStep(procedure: definition.number, step: step, known: [])))
            }
        }
    }

    /// Why the jefe may no longer excuse `code` though its part is not done: the analyst approved
    /// its figures (its last step answered "si", P3-04), and they are counted; nil otherwise.
    func approval(of code: String) -> ProcedureError? {
        guard let last = steps.last(where: { $0.dependency == code }), last.decisionValue == true else { return nil }
        let next = machine.threads.first { $0.code == code }?.next ?? "siguiente"
        return .excuseNotAllowed(dependency: code, reason: "sus cifras ya se aprobaron (paso \(last.step ?? ""), commit \(last.commit.short)) "
                                    + "y cuentan en el informe; solo falta su paso \(next), que registra el analista: "
                                    + "'folio step \(id) \(next) --dependency \(code)'")
    }

    /// Who each role's work of this case is assigned to (`Asignado` of the accepted steps; the
    /// latest assignment of a role wins). One made at a dependency's step covers that dependency's
    /// work only (keyed `rol/CODIGO`, `assignmentKey`); one made at a step of the whole case covers
    /// every dependency's, and replaces the assignments of single dependencies made before it.
    public var assignments: [String: String] {
        var result: [String: String] = [:]
        for record in steps {
            guard let who = record.assigned, let role = record.assignedRole else { continue }
            Self.assign(role, to: who, dependency: record.dependency, in: &result)
        }
        return result
    }

    /// The key of a role's assignment: the role, or `rol/CODIGO` for one dependency's work.
    public static func assignmentKey(_ role: String, dependency: String?) -> String {
        dependency.map { "\(role)/\($0)" } ?? role
    }

    /// Records an assignment in `assignments` (see `assignments`).
    static func assign(_ role: String, to who: String, dependency: String?, in assignments: inout [String: String]) {
        if dependency == nil {
            for key in assignments.keys where key.hasPrefix(role + "/") { assignments[key] = nil }
        }
        assignments[assignmentKey(role, dependency: dependency)] = who
    }

    /// Who `role`'s work on `dependency` (or on the case) is assigned to, in `assignments`.
    static func assignee(_ role: String, dependency: String?, in assignments: [String: String]) -> String? {
        dependency.flatMap { assignments[assignmentKey(role, dependency: $0)] } ?? assignments[role]
    }

    /// The first commit of the case.
    public var opening: StepRecord { records[0] }
}
