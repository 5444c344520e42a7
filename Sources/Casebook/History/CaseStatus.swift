import Foundation
import Procedures

/// One step that may be recorded now, with who may record it (`--json` keys are English and stable).
public struct NextStepStatus: Codable, Equatable, Sendable {
    public var step: String
    public var role: String
    public var roles: [String]
    public var holders: [String]
    public var activity: String
    /// For per-dependency steps: the dependency it continues (nil when any new dependency may start).
    public var dependency: String?
    public var perDependency: Bool
    /// The deadline of the step (`AAAA-MM-DD`), from the norm that sets it; nil when none does.
    public var due: String?
    /// The first day the step may be recorded, when the norm sets one (P3: the 26th).
    public var opens: String?
    /// True when today is past `due`.
    public var overdue: Bool
    /// The norm's number and text (a norm of the manual), or the criterion's key and text (a
    /// department criterion: `normNumber` is then nil).
    public var normNumber: String?
    public var norm: String?
    public var criterion: String? = nil
    /// The person the case's work of this step's role is assigned to (`--assign`), if any.
    public var assigned: String? = nil
}

/// One thing pending in an open expediente (`folio due`, `folio inbox`).
public struct DueItem: Codable, Equatable, Sendable {
    public var id: String
    public var title: String
    public var procedure: Int
    public var step: String
    public var activity: String
    public var role: String
    public var roles: [String]
    public var holders: [String]
    public var dependency: String?
    public var due: String?
    public var opens: String?
    public var overdue: Bool
    /// Calendar days from today to `due` (negative when overdue).
    public var daysLeft: Int?
    public var normNumber: String?
    public var norm: String?
    /// Set when the deadline is a department criterion, not a norm of the manual.
    public var criterion: String? = nil
    /// When the case's work of this role is assigned (`--assign`): the person; `holders` is then only them.
    public var assigned: String? = nil
}

/// One recorded commit of an expediente.
public struct HistoryEntry: Codable, Equatable, Sendable {
    /// `opening`, `step`, `note`, or `excuse` (the jefe closing a round without a dependency, named in `dependency`).
    public var kind: String
    public var step: String?
    public var role: String?
    public var author: String
    public var email: String
    public var committer: String
    public var committerEmail: String
    public var date: String
    public var commit: String
    public var decision: String?
    public var dependency: String?
    public var subject: String
    /// For steps with a window: `on-time`, `late` or `early`; nil otherwise.
    public var timing: String? = nil
    /// Calendar days late or early, for steps out of their window.
    public var daysOutOfWindow: Int? = nil
    /// Why the step was recorded out of its window (the `Justificacion` trailer).
    public var justification: String? = nil
    /// The step's whole activity (the subject may be cut), the person assigned, and the text given with -m.
    public var activity: String? = nil
    public var assigned: String? = nil
    public var text: String? = nil
}

/// Where one dependency stands.
public struct DependencyStatus: Codable, Equatable, Sendable {
    public var code: String
    public var lastStep: String
    public var next: [NextStepStatus]
    /// True when its last step answered "no" (P3-04): its figures went back to its contact to be
    /// corrected (absent otherwise).
    public var returned: Bool? = nil
    /// True when it had steps left and the case's damage stops them: nothing is offered until it is
    /// mended (absent otherwise; a dependency with no step left and not stopped has finished).
    public var stopped: Bool? = nil
}

/// Why an expediente cannot be read in full: the committed file and the reason.
public struct CaseDamage: Codable, Equatable, Sendable {
    public var file: String
    public var reason: String
}

/// The derived status of one expediente (`folio status ID --json`).
public struct CaseStatus: Codable, Equatable, Sendable {
    public var id: String
    public var procedure: Int
    public var procedureName: String
    public var version: String
    public var title: String
    public var path: String
    public var opened: String
    public var state: CaseState
    public var lastStep: String?
    public var next: [NextStepStatus]
    /// Step commits only, oldest first; `folio log` lists every commit.
    public var history: [HistoryEntry]
    /// Present for the procedures with per-dependency steps (2, 3 and 5).
    public var dependencies: [DependencyStatus]?
    /// For procedures whose decision can send the case back (P4-10: SEGEPLAN's observations), the
    /// round the case is in (1 until the first return), and what sent it back.
    public var round: Int? = nil
    public var roundNote: String? = nil
    /// Set when a committed file of the case cannot be read (`damage` in JSON, absent otherwise):
    /// the case is still listed, with what could be derived.
    public var damage: CaseDamage?
    /// For the same procedures: the dependencies the round expects, those still missing (not
    /// finished, not excused), and those the jefe closed without (`folio excusar`).
    public var expected: [String]? = nil
    public var missing: [String]? = nil
    public var excused: [ExcusedDependency]? = nil
    /// The role whose contacts the round expects (`dependencia`, `unidad-ejecutora`), for the
    /// words said of them.
    public var expectedRole: String? = nil
}

/// A dependency a jefe closed a round without, and why.
public struct ExcusedDependency: Codable, Equatable, Sendable {
    public var code: String
    public var reason: String
}

/// One finding of `folio verify`.
public struct Violation: Codable, Equatable, Sendable {
    public var commit: String
    public var caseID: String?
    public var step: String?
    /// The rule broken (`VerifyRule`: its stable code, what it checks).
    public var kind: VerifyRule
    public var message: String
    /// What would make it right.
    public var fix: String
    /// Whether verify fails (`error`) or only says it (`warning`).
    public var level: Severity

    /// The rule's stable code, as printed (`[plazo]`) and in `verify --json`.
    public var rule: String { kind.code }
    /// `error` or `warning`, as in `verify --json`.
    public var severity: String { level.rawValue }
    public var isError: Bool { level == .error }

    /// A finding of `rule`, with the rule's severity unless `severity` says otherwise.
    public init(commit: String, caseID: String?, step: String?, rule: VerifyRule, message: String, fix: String, severity: Severity? = nil) {
        self.commit = commit
        self.caseID = caseID
        self.step = step
        kind = rule
        self.message = message
        self.fix = fix
        level = severity ?? rule.severity
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        commit = try c.decode(String.self, forKey: .commit)
        caseID = try c.decodeIfPresent(String.self, forKey: .caseID)
        step = try c.decodeIfPresent(String.self, forKey: .step)
        kind = try c.decode(VerifyRule.self, forKey: .rule)
        message = try c.decode(String.self, forKey: .message)
        fix = try c.decode(String.self, forKey: .fix)
        level = try c.decode(Severity.self, forKey: .severity)
    }

    enum CodingKeys: String, CodingKey {
        case commit, caseID = "case", step, rule, message, fix, severity
    }
}

/// What `folio verify` found.
public struct VerifyReport: Codable, Equatable, Sendable {
    public var ok: Bool
    public var commits: Int
    public var cases: Int
    public var steps: Int
    public var violations: [Violation]
    /// Steps recorded outside their window (each with its justification, or a violation without).
    public var outOfWindow: [TimedStep] = []
}

// The JSON contract shows absent values as `null` (DESIGN.md section 3); synthesized encoding
// would leave those keys out, so these types encode every key.

extension NextStepStatus {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(role, forKey: .role)
        try c.encode(roles, forKey: .roles)
        try c.encode(holders, forKey: .holders)
        try c.encode(activity, forKey: .activity)
        try c.encode(dependency, forKey: .dependency)
        try c.encode(perDependency, forKey: .perDependency)
        try c.encode(due, forKey: .due)
        try c.encode(opens, forKey: .opens)
        try c.encode(overdue, forKey: .overdue)
        try c.encode(normNumber, forKey: .normNumber)
        try c.encode(norm, forKey: .norm)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(assigned, forKey: .assigned)
    }
}

extension HistoryEntry {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(step, forKey: .step)
        try c.encode(role, forKey: .role)
        try c.encode(author, forKey: .author)
        try c.encode(email, forKey: .email)
        try c.encode(committer, forKey: .committer)
        try c.encode(committerEmail, forKey: .committerEmail)
        try c.encode(date, forKey: .date)
        try c.encode(commit, forKey: .commit)
        try c.encode(decision, forKey: .decision)
        try c.encode(dependency, forKey: .dependency)
        try c.encode(subject, forKey: .subject)
        try c.encode(timing, forKey: .timing)
        try c.encode(daysOutOfWindow, forKey: .daysOutOfWindow)
        try c.encode(justification, forKey: .justification)
        try c.encodeIfPresent(activity, forKey: .activity)
        try c.encodeIfPresent(assigned, forKey: .assigned)
        try c.encodeIfPresent(text, forKey: .text)
    }
}

extension CaseStatus {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(procedure, forKey: .procedure)
        try c.encode(procedureName, forKey: .procedureName)
        try c.encode(version, forKey: .version)
        try c.encode(title, forKey: .title)
        try c.encode(path, forKey: .path)
        try c.encode(opened, forKey: .opened)
        try c.encode(state, forKey: .state)
        try c.encode(lastStep, forKey: .lastStep)
        try c.encode(next, forKey: .next)
        try c.encode(history, forKey: .history)
        try c.encodeIfPresent(dependencies, forKey: .dependencies)
        try c.encodeIfPresent(round, forKey: .round)
        try c.encodeIfPresent(roundNote, forKey: .roundNote)
        try c.encodeIfPresent(expected, forKey: .expected)
        try c.encodeIfPresent(missing, forKey: .missing)
        try c.encodeIfPresent(excused, forKey: .excused)
        try c.encodeIfPresent(expectedRole, forKey: .expectedRole)
        try c.encodeIfPresent(damage, forKey: .damage)
    }
}

extension DueItem {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(procedure, forKey: .procedure)
        try c.encode(step, forKey: .step)
        try c.encode(activity, forKey: .activity)
        try c.encode(role, forKey: .role)
        try c.encode(roles, forKey: .roles)
        try c.encode(holders, forKey: .holders)
        try c.encode(dependency, forKey: .dependency)
        try c.encode(due, forKey: .due)
        try c.encode(opens, forKey: .opens)
        try c.encode(overdue, forKey: .overdue)
        try c.encode(daysLeft, forKey: .daysLeft)
        try c.encode(normNumber, forKey: .normNumber)
        try c.encode(norm, forKey: .norm)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(assigned, forKey: .assigned)
    }
}

extension Violation {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(commit, forKey: .commit)
        try c.encode(caseID, forKey: .caseID)
        try c.encode(step, forKey: .step)
        try c.encode(rule, forKey: .rule)
        try c.encode(message, forKey: .message)
        try c.encode(fix, forKey: .fix)
        try c.encode(severity, forKey: .severity)
    }
}
