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
    /// The norm's number and text.
    public var normNumber: String?
    public var norm: String?
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
}

/// One recorded commit of an expediente.
public struct HistoryEntry: Codable, Equatable, Sendable {
    /// `opening`, `step` or `note`.
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
}

/// Where one dependency stands.
public struct DependencyStatus: Codable, Equatable, Sendable {
    public var code: String
    public var lastStep: String
    public var next: [NextStepStatus]
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
}

/// One finding of `folio verify`.
public struct Violation: Codable, Equatable, Sendable {
    public var commit: String
    public var caseID: String?
    public var step: String?
    /// A stable code: `step-order`, `role`, `author`, `trailers`, `signoff`, `roles-file`, `schema`.
    public var rule: String
    public var message: String

    enum CodingKeys: String, CodingKey {
        case commit, caseID = "case", step, rule, message
    }
}

/// What `folio verify` found.
public struct VerifyReport: Codable, Equatable, Sendable {
    public var ok: Bool
    public var commits: Int
    public var cases: Int
    public var steps: Int
    public var violations: [Violation]
}
