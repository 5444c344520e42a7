/// The derived state of an expediente, as DESIGN.md section 3 names it.
public enum CaseState: String, Sendable, Codable {
    case open
    /// The last step was one of the manual's "Espera ..." steps.
    case waiting
    /// FIN reached.
    case closed
    /// A "Sale del procedimiento" branch: the file went back to its sender.
    case returned

    /// Spanish word for human output.
    public var label: String {
        switch self {
        case .open: "abierto"
        case .waiting: "en espera"
        case .closed: "cerrado"
        case .returned: "devuelto"
        }
    }
}

/// A step that may be recorded now.
public struct NextStep: Equatable, Sendable {
    public var step: StepDefinition
    /// For a per-dependency step: the dependency whose thread it continues; nil for a case-level
    /// step or for the first step of a dependency that has not started yet.
    public var dependency: String?
    /// True for the first step of a dependency that has not started (any code may start it).
    public var startsDependency: Bool
}

/// Where one dependency (or executing unit) stands in a per-dependency run of steps.
public struct DependencyThread: Equatable, Sendable {
    public var code: String
    public var lastStep: String
    /// The thread's next step; nil when it has left the per-dependency run.
    public var next: String?
}

/// Replays the steps of one expediente against its procedure definition.
///
/// Pure: no git, no clock. Feed it the case's steps in history order with `apply`; it throws a
/// `ProcedureError` for a step the manual does not allow at that point, and stays unchanged.
public struct CaseMachine: Sendable {
    public let definition: ProcedureDefinition
    public private(set) var lastStep: String?
    /// Dependencies in the order they started.
    public private(set) var threads: [DependencyThread] = []
    /// Dependencies the jefe closed the round without (`excuse`), in that order.
    public private(set) var excused: [String] = []

    private enum Cursor: Equatable, Sendable {
        case awaiting(String)
        case inThreads
        case finished
        case returned
    }
    private var cursor: Cursor
    private var lastCaseStepWaits = false
    /// Rounds of the yearly cycle (`definition.cycle`) completed.
    public private(set) var completedRounds = 0
    /// How many rounds the case runs, from its plan's years (`ProcedureDefinition.cycleRounds`),
    /// set by whoever replays the case before its cycle's last step; nil runs one round, as the
    /// manual's flowchart draws it.
    public var cycleRounds: Int?

    public init(definition: ProcedureDefinition) {
        self.definition = definition
        cursor = .finished
        cursor = enter(.step(definition.steps[0].number))
    }

    public var state: CaseState {
        switch cursor {
        case .finished: return .closed
        case .returned: return .returned
        case .awaiting: return lastCaseStepWaits ? .waiting : .open
        case .inThreads:
            if blockExit == .finish, !threads.isEmpty, threads.allSatisfy({ $0.next == nil }) { return .closed }
            return .open
        }
    }

    /// The steps that may be recorded now.
    public var allowedNext: [NextStep] {
        switch cursor {
        case .finished, .returned:
            return []
        case .awaiting(let number):
            return definition.step(number).map { [NextStep(step: $0, dependency: nil, startsDependency: false)] } ?? []
        case .inThreads:
            var result: [NextStep] = threads.compactMap { thread in
                thread.next.flatMap(definition.step).map { NextStep(step: $0, dependency: thread.code, startsDependency: false) }
            }
            if let first = definition.dependencyBlock?.first {
                result.append(NextStep(step: first, dependency: nil, startsDependency: true))
            }
            if case .step(let exit) = blockExit, let step = definition.step(exit), !threads.isEmpty,
               threads.allSatisfy({ $0.next == nil }) {
                result.append(NextStep(step: step, dependency: nil, startsDependency: false))
            }
            return result
        }
    }

    /// Records `number` (with its decision and dependency) if the procedure allows it now.
    public mutating func apply(step number: String, decision: Bool?, dependency: String?) throws {
        guard let step = definition.step(number) else {
            throw ProcedureError.unknownStep(procedure: definition.number, step: number,
                                             known: definition.steps.map(\.number))
        }
        if cursor == .finished || cursor == .returned {
            throw ProcedureError.caseEnded(step: step.number, state: state)
        }
        if step.decision != nil, decision == nil {
            throw ProcedureError.decisionRequired(step: step.number, question: step.decision!.question)
        }
        if step.decision == nil, decision != nil {
            throw ProcedureError.decisionNotAllowed(step: step.number)
        }
        if step.perDependency {
            try applyThreadStep(step, decision: decision, dependency: dependency)
        } else {
            try applyCaseStep(step, decision: decision, dependency: dependency)
        }
        lastStep = step.number
    }

    private mutating func applyThreadStep(_ step: StepDefinition, decision: Bool?, dependency: String?) throws {
        guard let code = dependency else { throw ProcedureError.dependencyRequired(step: step.number) }
        if excused.contains(code) { throw ProcedureError.dependencyExcused(step: step.number, dependency: code) }
        guard cursor == .inThreads, let block = definition.dependencyBlock else {
            throw ProcedureError.outOfOrder(procedure: definition.number, step: step.number, dependency: code,
                                            allowed: allowedNext)
        }
        let index = threads.firstIndex { $0.code == code }
        if let index {
            // A review (P3-03) may be made again before the decision that follows it: figures
            // corrected after it are reviewed anew rather than approved unseen.
            let again = threads[index].lastStep == step.number && threads[index].next != nil && step.generates.contains(.productionReview)
            guard threads[index].next == step.number || again else {
                throw ProcedureError.outOfOrder(procedure: definition.number, step: step.number, dependency: code,
                                                allowed: allowedNext.filter { $0.dependency == code })
            }
        } else if step.number != block.first?.number {
            throw ProcedureError.outOfOrder(procedure: definition.number, step: step.number, dependency: code,
                                            allowed: allowedNext.filter(\.startsDependency))
        }
        var next: String? = nil
        if case .step(let target) = definition.transition(after: step, decision: decision),
           block.contains(where: { $0.number == target }) {
            next = target
        }
        let thread = DependencyThread(code: code, lastStep: step.number, next: next)
        if let index { threads[index] = thread } else { threads.append(thread) }
    }

    private mutating func applyCaseStep(_ step: StepDefinition, decision: Bool?, dependency: String?) throws {
        if dependency != nil { throw ProcedureError.dependencyNotAllowed(step: step.number) }
        switch cursor {
        case .awaiting(let expected) where expected == step.number:
            break
        case .inThreads where blockExit == .step(step.number):
            let pending = threads.filter { $0.next != nil }
            if threads.isEmpty || !pending.isEmpty {
                throw ProcedureError.dependenciesPending(step: step.number,
                                                         pending: pending.map { ($0.code, $0.next!) },
                                                         firstStep: definition.dependencyBlock?.first?.number ?? "")
            }
        default:
            throw ProcedureError.outOfOrder(procedure: definition.number, step: step.number, dependency: nil,
                                            allowed: allowedNext)
        }
        if let cycle = definition.cycle, step.number == cycle.last {
            completedRounds += 1
            if completedRounds < (cycleRounds ?? 1) {
                cursor = .awaiting(cycle.first)
                lastCaseStepWaits = step.waits
                return
            }
        }
        cursor = enter(definition.transition(after: step, decision: decision))
        lastCaseStepWaits = step.waits
    }

    /// Where a transition puts the case.
    private func enter(_ transition: Transition) -> Cursor {
        switch transition {
        case .finish: return .finished
        case .leave: return .returned
        case .step(let number):
            return definition.step(number)?.perDependency == true ? .inThreads : .awaiting(number)
        }
    }

    /// The jefe closes the round without `code` (`folio excusar`), while the round is open and
    /// `code` has not finished its part: a dependency that had started leaves the per-dependency
    /// run where it stood, so the round's closing step no longer waits for it; started or not,
    /// it records no further step of this round (`dependencyExcused`).
    public mutating func excuse(dependency code: String) throws(ProcedureError) {
        guard cursor == .inThreads else {
            throw ProcedureError.excuseNotAllowed(dependency: code, reason: cursor == .finished || cursor == .returned
                ? "el expediente ya terminó" : "la ronda por dependencias ya se cerró (va en el paso \(lastStep ?? "—"))")
        }
        guard !excused.contains(code) else {
            throw ProcedureError.excuseNotAllowed(dependency: code, reason: "el jefe ya cerró sin \(code)")
        }
        if let index = threads.firstIndex(where: { $0.code == code }) {
            guard threads[index].next != nil else {
                throw ProcedureError.excuseNotAllowed(dependency: code, reason: "\(code) ya terminó su parte (paso \(threads[index].lastStep))")
            }
            threads[index].next = nil
        }
        excused.append(code)
    }

    /// Where the per-dependency run leads once every dependency has left it.
    private var blockExit: Transition? {
        guard let last = definition.dependencyBlock?.last else { return nil }
        return definition.transition(after: last, decision: nil)
    }
}
