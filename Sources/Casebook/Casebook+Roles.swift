import Foundation
import GitStore
import Procedures

extension Casebook {
    /// The people and roles of `roles.yaml` as committed at HEAD.
    public func currentRoster() throws -> Roster {
        try roster(at: try head())
    }

    /// Adds a persona to `roles.yaml` in a commit authored by `actor`, who must be a jefe.
    ///
    /// The entry is appended as text so that the staff's comments and order stay as they were.
    @discardableResult
    public func addPersona(_ persona: Persona, actor: String?) throws -> OID {
        let head = try checkWritable()
        let roster = try roster(at: head)
        let jefe = try self.persona(actor, in: roster)
        guard jefe.holds(.jefe) else { throw CasebookError.notJefe(persona: jefe.id, action: "cambiar roles.yaml") }
        guard Persona.isValidID(persona.id) else {
            throw CasebookError.invalidFile(file: Roster.fileName, reason: "el id '\(persona.id)' no es válido",
                                            fix: "Use minúsculas, dígitos, '.', '-' o '_', empezando por una letra (p. ej. alopez).")
        }
        guard Persona.isEmail(persona.email) else {
            throw CasebookError.invalidFile(file: Roster.fileName, reason: "el correo '\(persona.email)' no es válido",
                                            fix: "Use un correo como alopez@igss.gob.gt.")
        }
        guard !persona.roles.isEmpty else {
            throw CasebookError.invalidFile(file: Roster.fileName, reason: "la persona '\(persona.id)' no tiene roles",
                                            fix: "Indique al menos un --role (\(Role.validIDs)).")
        }
        if roster.find(persona.id) != nil || roster.find(persona.email) != nil {
            throw CasebookError.personaExists(roster.find(persona.id) != nil ? persona.id : persona.email)
        }
        try checkClean(outside: nil)
        let committed = String(decoding: try repository.file(at: Roster.fileName, in: head) ?? Data(), as: UTF8.self)
        let text = Roster.appending(persona, to: committed, roster: roster)
        _ = try Roster.parse(text)
        let edit = WorkTreeEdit(root: root)
        do {
            try edit.write(Data(text.utf8), to: Roster.fileName)
            let roles = persona.roles.map(\.rawValue).joined(separator: ", ")
            return try commit(paths: [Roster.fileName], parent: head, author: jefe, roster: roster,
                              subject: "Roles: agrega a \(persona.name) (\(roles))", text: nil,
                              trailers: [Trailer(TrailerKey.role, Role.jefe.rawValue)])
        } catch {
            edit.rollback()
            throw error
        }
    }
}

extension Roster {
    /// `text` with `persona` appended under `personas:`; re-written whole only when the list is
    /// not the file's last key (comments are then kept only in the header).
    static func appending(_ persona: Persona, to text: String, roster: Roster) -> String {
        var lines = text.components(separatedBy: "\n")
        while lines.last?.isEmpty == true { lines.removeLast() }
        let topLevel = lines.indices.filter { i in
            guard let c = lines[i].first else { return false }
            return c != " " && c != "#" && c != "-" && c != "\t"
        }
        if let last = topLevel.last, lines[last].hasPrefix("personas:") {
            if lines[last].trimmingCharacters(in: .whitespaces) != "personas:" { lines[last] = "personas:" }
            return lines.joined(separator: "\n") + "\n" + yamlBlock(for: persona)
        }
        return header + (roster.personas + [persona]).map(yamlBlock).joined()
    }
}
