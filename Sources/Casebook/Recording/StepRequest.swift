import GitStore
import Procedures

/// What `folio new` asks for.
public struct NewCaseRequest: Sendable {
    public var procedure: String
    public var id: String?
    public var title: String?
    public var month: String?
    /// `--set CLAVE=VALOR`, as given.
    public var sets: [String] = []
    public var attachments: [String] = []
    public var persona: String?
    public var text: String?

    public init(procedure: String, id: String? = nil, title: String? = nil, month: String? = nil, sets: [String] = [],
                attachments: [String] = [], persona: String? = nil, text: String? = nil) {
        self.procedure = procedure
        self.id = id
        self.title = title
        self.month = month
        self.sets = sets
        self.attachments = attachments
        self.persona = persona
        self.text = text
    }
}

/// What `folio step` asks for.
public struct StepRequest: Sendable {
    public var caseID: String
    /// nil: the one step the procedure allows now.
    public var step: String?
    public var persona: String?
    /// `si`, `sí` or `no`, as given.
    public var decision: String?
    public var dependency: String?
    public var sets: [String] = []
    public var attachments: [String] = []
    public var text: String?
    /// Documents to archive with the step (`folio archive`), indexed with folio numbers.
    public var archive: ArchiveRequest?
    /// Why the step is recorded outside its norm's window (`--justificacion`); refused when missing
    /// for a step out of its window.
    public var justification: String?
    /// `--assign`: the person the next steps' work of their role is assigned to.
    public var assign: String? = nil
    /// `--template`: write the templates of the documents the step needs, and record nothing.
    public var template: Bool = false

    public init(caseID: String, step: String? = nil, persona: String? = nil, decision: String? = nil,
                dependency: String? = nil, sets: [String] = [], attachments: [String] = [], text: String? = nil,
                archive: ArchiveRequest? = nil, justification: String? = nil) {
        self.archive = archive
        self.justification = justification
        self.caseID = caseID
        self.step = step
        self.persona = persona
        self.decision = decision
        self.dependency = dependency
        self.sets = sets
        self.attachments = attachments
        self.text = text
    }
}

/// A commit folio recorded.
public struct RecordedCommit: Sendable {
    public var commit: OID
    public var caseID: String
    public var path: String
    public var step: String?
    public var subject: String
    /// The case's state and next steps after this commit.
    public var state: CaseState
    public var next: [NextStepStatus]
    /// What the person who recorded it should know (e.g. the case was assigned to someone else).
    public var notices: [String] = []
}
