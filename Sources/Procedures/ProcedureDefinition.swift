import Foundation
import Yams

/// Where a step leads.
public enum Transition: Equatable, Sendable {
    /// To the step with this number.
    case step(String)
    /// FIN: the procedure ends (state `closed`).
    case finish
    /// "Sale del procedimiento": the file goes back to its sender (state `returned`).
    case leave
}

/// A decision step's question and its two branches.
public struct Decision: Equatable, Sendable {
    public var question: String
    public var yes: Branch
    public var no: Branch

    public struct Branch: Equatable, Sendable {
        /// The manual's text of the branch.
        public var text: String
        public var transition: Transition
    }

    public func branch(_ answer: Bool) -> Branch { answer ? yes : no }
}

/// One step of a procedure, as the manual describes it.
public struct StepDefinition: Equatable, Sendable {
    /// The manual's two-digit step number ("04").
    public var number: String
    /// Every role that may do the step; the first is the manual's main reading.
    public var roles: [Role]
    /// The manual's text of the activity.
    public var activity: String
    /// Set on decision steps (`--decision si|no`).
    public var decision: Decision?
    /// An "Espera ..." step: once recorded, the case waits on someone outside (state `waiting`).
    public var waits: Bool
    /// Happens once per dependency or executing unit (`--dependency CODE`).
    public var perDependency: Bool
    /// Where the step leads when it is not a decision; nil means the next step in order.
    public var next: Transition?
    /// How the manual had to be read at this step, when it had to be.
    public var interpretation: String?
    /// Who resolved that reading under Article 3, when a jefe did (the department's register).
    public var interpretationResolved: Adoption? = nil
    /// The documents folio writes into the case when the step is recorded (`genera:`), besides the
    /// archive index and the routing slip every commit writes.
    public var generates: [Generator] = []

    public var role: Role { roles[0] }
}

/// Steps repeated once a year (`ciclo:` in the schema): after `last` the case goes back to
/// `first` while the plan is in force, and follows the manual's flow (FIN) after the last round.
public struct Cycle: Equatable, Sendable {
    public var first: String
    public var last: String
    /// The norm that makes the steps yearly ("5").
    public var norm: String
    /// The keys of `expediente.md` holding the first and the last year the plan is in force
    /// (`vigencia_desde`, `vigencia_hasta`): each January's report gives account of the year
    /// before, from the first year's to the last's.
    public var firstYearField: String
    public var lastYearField: String

    public init(first: String, last: String, norm: String, firstYearField: String, lastYearField: String) {
        self.first = first
        self.last = last
        self.norm = norm
        self.firstYearField = firstYearField
        self.lastYearField = lastYearField
    }
}

/// One of the seven procedures at one version of its definition.
public struct ProcedureDefinition: Equatable, Sendable {
    public var number: Int
    /// Short code used in case ids (`PI` in `PI-2026-0003`).
    public var code: String
    public var name: String
    /// The definition's version; a case stays on the version it was opened with.
    public var version: String
    /// Monthly procedures open one expediente per month (`folio new 3 --month AAAA-MM`).
    public var monthly: Bool
    /// Front-matter keys every expediente of this procedure carries.
    public var fields: [String]
    /// The manual's "Normas Específicas" (each a deadline, a requirement or a check), followed by
    /// the department's criteria (`kind == .criterion`), adopted or not.
    public var norms: [Norm]
    public var steps: [StepDefinition]
    /// Procedure 3's monthly data and how it is checked; nil for the others.
    public var production: ProductionRules? = nil
    /// Procedure 5's monthly progress data (`avance:`); nil for the others.
    public var progress: ProgressRules? = nil
    /// A run of steps repeated once a year while the case's plan is in force (`ciclo:`; P1's
    /// yearly progress report, norm 5); nil for the others.
    public var cycle: Cycle? = nil

    /// The step with this number (accepts "4" for "04").
    public func step(_ number: String) -> StepDefinition? {
        let key = Self.normalize(step: number)
        return steps.first { $0.number == key }
    }

    /// The requirements to check before recording `step` (with `decision`, on decision steps),
    /// with their norms; criteria not adopted do not apply.
    public func requirements(for step: String, decision: Bool? = nil) -> [(norm: Norm, requirement: Requirement)] {
        norms.filter(\.isApplied).flatMap { n in
            n.requirements.filter { $0.step == step && ($0.decision == nil || $0.decision == decision) }.map { (n, $0) }
        }
    }

    /// The deadline that governs `step`, with its norm (or adopted criterion).
    public func deadline(for step: String) -> (norm: Norm, deadline: Deadline)? {
        norms.lazy.filter(\.isApplied).compactMap { n in n.deadlines.first { $0.steps.contains(step) }.map { (n, $0) } }.first
    }

    /// The same definition with the department's register applied: criteria adopted, and who
    /// resolved each interpretation.
    public func applying(_ register: DepartmentRegister) -> ProcedureDefinition {
        var copy = self
        for i in copy.norms.indices where copy.norms[i].kind == .criterion {
            copy.norms[i].adoption = register.criterion(procedure: number, key: copy.norms[i].number)
        }
        for i in copy.steps.indices where copy.steps[i].interpretation != nil {
            copy.steps[i].interpretationResolved = register.interpretation(procedure: number, step: copy.steps[i].number)
        }
        return copy
    }

    /// How many rounds of the cycle a case runs: one per January from the first report's
    /// (the cycle's last step's deadline at round 0) to the January after `lastYear`, the last
    /// year the plan is in force; at least one. Nil when the procedure has no cycle or the first
    /// report's January is not known yet.
    public func cycleRounds(lastYear: Int, calendar: CaseCalendar) -> Int? {
        guard let cycle, let rule = deadline(for: cycle.last)?.deadline.due else { return nil }
        var first = calendar
        first.round = 0
        guard let due = rule.resolve(first) else { return nil }
        return max(1, lastYear + 1 - due.year + 1)
    }

    /// The steps whose requirement records the cycle's plan years (P1-09); empty without a cycle.
    public var planYearSteps: Set<String> {
        guard let cycle else { return [] }
        return Set(norms.flatMap(\.requirements).filter { $0.fields.contains(cycle.lastYearField) }.map(\.step))
    }

    /// The year of the round `calendar` stands in: the year of the January its report is due
    /// (what `{anio}` stands for in a document's name); nil outside a cycle. Before the step the
    /// first report counts from has been recorded, the round it would be recorded `today` in.
    public func cycleYear(calendar: CaseCalendar, today: Day) -> Int? {
        guard let cycle, let rule = deadline(for: cycle.last)?.deadline.due else { return nil }
        if let due = rule.resolve(calendar) { return due.year }
        var assumed = calendar
        if let anchor = rule.anchorStep, assumed.stepDays[anchor] == nil { assumed.stepDays[anchor] = today }
        return rule.resolve(assumed)?.year
    }

    /// "4" -> "04"; other text is returned as it came.
    public static func normalize(step: String) -> String {
        // Already two digits (what folio writes): as it is. String(format:) cost a tenth of a
        // status replayed from the cache.
        let utf8 = step.utf8
        if utf8.count == 2, utf8.allSatisfy({ (48...57).contains($0) }) { return step }
        if let n = Int(step), n >= 0, n < 100 { return n < 10 ? "0\(n)" : "\(n)" }
        return step
    }

    /// Where `step` leads, given the answer on decision steps.
    public func transition(after step: StepDefinition, decision: Bool?) -> Transition {
        if let d = step.decision, let decision { return d.branch(decision).transition }
        if let next = step.next { return next }
        guard let i = steps.firstIndex(where: { $0.number == step.number }), i + 1 < steps.count else {
            return .finish
        }
        return .step(steps[i + 1].number)
    }

    /// The contiguous run of per-dependency steps (P2 10-12, P3 01-05, P5 01), if any.
    public var dependencyBlock: ArraySlice<StepDefinition>? {
        guard let first = steps.firstIndex(where: \.perDependency) else { return nil }
        let end = steps[first...].firstIndex(where: { !$0.perDependency }) ?? steps.endIndex
        return steps[first..<end]
    }

    /// The case-level step the per-dependency run leads to, which closes the round (P3-06,
    /// P5-02); nil where the run ends the case (P2) or there is none.
    public var roundExit: String? {
        guard let last = dependencyBlock?.last, case .step(let exit) = transition(after: last, decision: nil) else { return nil }
        return exit
    }
}
