import Foundation
import GitStore

/// The trailer keys of step commits (DESIGN.md section 2).
public enum TrailerKey {
    public static let caseID = "Expediente"
    public static let procedure = "Procedimiento"
    public static let step = "Paso"
    public static let role = "Rol"
    public static let decision = "Decision"
    public static let dependency = "Dependencia"
    /// A jefe's closing without an expected dependency (`folio excusar`): its code.
    public static let excuse = "Excusa"
    /// Why a step was recorded outside its norm's window (`--justificacion`).
    public static let justification = "Justificacion"
    /// The person a step assigns the case's next work of a role to (`--assign`), and that role.
    public static let assigned = "Asignado"
    public static let assignedRole = "Asignado-Rol"
    public static let signedOff = "Signed-off-by"
}

/// One commit of an expediente, read back from its trailers.
public struct StepRecord: Sendable {
    public var commit: OID
    public var parent: OID?
    public var author: Signature
    public var committer: Signature
    public var subject: String
    public var caseID: String
    /// Raw trailer values, as written (verify checks them; replay uses the parsed ones).
    public var procedure: String?
    public var step: String?
    public var role: String?
    public var decision: String?
    public var dependency: String?
    public var signedOff: [String]
    /// The commit's own text (the `-m` of the step): the message between the subject and the trailers.
    public var text: String = ""
    /// The dependency the jefe excused with this commit (`Excusa` trailer); the reason is `text`.
    public var excuse: String?
    /// Why the step was recorded outside its norm's window, when it was.
    public var justification: String? = nil
    /// `Asignado` / `Asignado-Rol`: from this step on, that role's steps of the case are this person's.
    public var assigned: String? = nil
    public var assignedRole: String? = nil

    /// nil for commits that carry no `Expediente` trailer.
    init?(_ commit: CommitInfo) throws {
        // Most commits of a case repository are steps; the check spares the parser the rest.
        guard Self.mentionsCase(commit.message) else { return nil }
        let trailers = try Trailers.parse(commit.message)
        // Each key lowered once (not once per key asked: a dozen keys, most absent, per commit).
        let lowered = trailers.map { $0.key.lowercased() }
        func value(_ key: String) -> String? {
            // folio writes the keys as they are spelled here; other spellings are matched too.
            if let exact = trailers.last(where: { $0.key == key }) { return exact.value }
            let wanted = key.lowercased()
            return lowered.lastIndex(of: wanted).map { trailers[$0].value }
        }
        guard let caseID = value(TrailerKey.caseID) else { return nil }
        self.commit = commit.id
        parent = commit.parents.first
        author = commit.author
        committer = commit.committer
        subject = commit.subject
        self.caseID = caseID
        procedure = value(TrailerKey.procedure)
        step = value(TrailerKey.step)
        role = value(TrailerKey.role)
        decision = value(TrailerKey.decision)
        dependency = value(TrailerKey.dependency)
        justification = value(TrailerKey.justification)
        signedOff = trailers.indices.filter { trailers[$0].key == TrailerKey.signedOff || lowered[$0] == "signed-off-by" }.map { trailers[$0].value }
        assigned = value(TrailerKey.assigned)
        assignedRole = value(TrailerKey.assignedRole)
        text = Self.body(of: commit.message)
        excuse = value(TrailerKey.excuse)
    }

    /// Whether `message` holds `Expediente:` anywhere, searched in its UTF-8 bytes (`ByteSearch`).
    static func mentionsCase(_ message: String) -> Bool {
        let found = message.utf8.withContiguousStorageIfAvailable { ByteSearch.contains(caseKey, in: UnsafeRawBufferPointer($0)) }
        return found ?? (message.utf8.firstRange(of: caseKey) != nil)
    }

    private static let caseKey = Array("\(TrailerKey.caseID):".utf8)

    /// The text between a message's subject and its trailer block, as `CommitMessage` wrote it.
    static func body(of message: String) -> String {
        // Most messages are a subject and trailers only: one blank line, no text between.
        let plain = message.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            var blank = 0, i = 1
            while i < bytes.count {
                if bytes[i - 1] == 13 || bytes[i] == 13 { return false }
                if bytes[i] == 10 && bytes[i - 1] == 10 { blank += 1; i += 2 } else { i += 1 }
            }
            return blank <= 1
        }
        if plain == true { return "" }
        return paragraphBody(of: message)
    }

    /// `body(of:)` without the shortcut for messages of a subject and trailers only.
    static func paragraphBody(of message: String) -> String {
        let trimmed = message.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .newlines)
        guard let first = trimmed.range(of: "\n\n"), let last = trimmed.range(of: "\n\n", options: .backwards),
              first.upperBound <= last.lowerBound else { return "" }
        return String(trimmed[first.upperBound..<last.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A record as the history cache stores it.
    init(commit: OID, parent: OID?, author: Signature, committer: Signature, subject: String, caseID: String, procedure: String?,
         step: String?, role: String?, decision: String?, dependency: String?, signedOff: [String], justification: String? = nil,
         assigned: String? = nil, assignedRole: String? = nil, text: String = "", excuse: String? = nil) {
        self.assigned = assigned
        self.assignedRole = assignedRole
        self.commit = commit
        self.parent = parent
        self.author = author
        self.committer = committer
        self.subject = subject
        self.caseID = caseID
        self.procedure = procedure
        self.step = step
        self.role = role
        self.decision = decision
        self.dependency = dependency
        self.signedOff = signedOff
        self.text = text
        self.excuse = excuse
        self.justification = justification
    }

    /// `si` -> true, `no` -> false, nil when absent or not one of them.
    public var decisionValue: Bool? {
        switch decision?.lowercased() {
        case "si", "sí": true
        case "no": false
        default: nil
        }
    }
}

/// Builds the message of a folio commit: a human subject, an optional text, the trailers.
enum CommitMessage {
    static func compose(subject: String, text: String?, trailers: [Trailer]) -> String {
        var oneLine = subject.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        if oneLine.count > 90 { oneLine = String(oneLine.prefix(89)) + "…" }
        var message = oneLine + "\n\n"
        if let text, !normalize(text).isEmpty {
            message += normalize(text) + "\n\n"
        }
        // Trailer values stay on one line: libgit2 and git disagree on folded values.
        message += trailers.map { "\($0.key): \($0.value.replacingOccurrences(of: "\n", with: " "))" }
            .joined(separator: "\n") + "\n"
        return message
    }

    /// The text as the message carries it.
    static func normalize(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\r\n", with: "\n")
    }
}
