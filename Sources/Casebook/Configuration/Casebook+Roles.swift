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
    func addPersonaLocked(_ persona: Persona, actor: String?) throws -> OID {
        let head = try checkWritable()
        let roster = try roster(at: head)
        let jefe = try self.persona(actor, in: roster)
        guard jefe.holds(.jefe) else { throw CasebookError.notJefe(persona: jefe.id, action: "cambiar roles.yaml") }
        guard Persona.isValidID(persona.id) else {
            throw CasebookError.invalidFile(file: Roster.fileName, reason: "el id '\(persona.id)' no es válido",
                                            fix: "Use minúsculas, dígitos, '.', '-' o '_', empezando por una letra (p. ej. alopez).")
        }
        if let problem = SafeText.problem(persona.name, identity: true) {
            throw CasebookError.invalidValue(option: "--name", reason: "el nombre \(problem)",
                                            fix: "Escriba el nombre como en el documento de identidad, sin '<', '>' ni caracteres de control.")
        }
        if persona.name.trimmingCharacters(in: .whitespaces).isEmpty {
            throw CasebookError.invalidValue(option: "--name", reason: "el nombre está vacío", fix: "Indique --name \"Nombre Apellido\".")
        }
        if let problem = SafeText.problem(persona.email, identity: true) {
            throw CasebookError.invalidValue(option: "--email", reason: "el correo \(problem)", fix: "Use un correo como alopez@igss.gob.gt.")
        }
        guard Persona.isEmail(persona.email) else {
            throw CasebookError.invalidFile(file: Roster.fileName, reason: "el correo '\(persona.email)' no es válido",
                                            fix: "Use un correo como alopez@igss.gob.gt.")
        }
        guard !persona.roles.isEmpty else {
            throw CasebookError.invalidFile(file: Roster.fileName, reason: "la persona '\(persona.id)' no tiene roles",
                                            fix: "Indique al menos un --role (\(Role.validIDs)).")
        }
        // A dependency's or executing unit's contact acts for one code only: without it they could act for any.
        if persona.isExternalContact, persona.dependency == nil {
            throw CasebookError.invalidFile(
                file: Roster.fileName, reason: "'\(persona.id)' tiene el rol dependencia o unidad-ejecutora sin el código de la que representa",
                fix: "Indique el código con --dependency (p. ej. --dependency HGE --dependency-name \"Hospital General de Enfermedades\").")
        }
        if persona.dependency != nil, !persona.isExternalContact {
            throw CasebookError.invalidFile(file: Roster.fileName, reason: "--dependency es solo para contactos externos (dependencia o unidad-ejecutora)",
                                            fix: "Quite --dependency, o agregue --role dependencia o --role unidad-ejecutora.")
        }
        if roster.find(persona.id) != nil || roster.find(persona.email) != nil {
            throw CasebookError.personaExists(roster.find(persona.id) != nil ? persona.id : persona.email)
        }
        try checkClean(outside: nil, leavingCases: true)
        let committed = String(decoding: try repository.file(at: Roster.fileName, in: head) ?? Data(), as: UTF8.self)
        let text = Roster.appending(persona, to: committed, roster: roster)
        _ = try Roster.parse(text)
        return try recording { edit in
            try edit.write(Data(text.utf8), to: Roster.fileName)
            let roles = persona.roles.map(\.rawValue).joined(separator: ", ")
            return try commit(.configuration("Roles: agrega a \(persona.name) (\(roles))"), paths: [Roster.fileName], parent: head,
                              author: jefe, roster: roster, text: nil)
        }
    }
}

extension Casebook {
    /// Registers (or, with nil, removes) a persona's SSH public key in `roles.yaml`, in a commit
    /// by `actor`, who must be a jefe. From then on that persona's steps are signed with it.
    func setKeyLocked(_ key: String?, for personaKey: String, actor: String?) throws -> OID {
        let head = try checkWritable()
        let roster = try roster(at: head)
        let jefe = try self.persona(actor, in: roster)
        guard jefe.holds(.jefe) else { throw CasebookError.notJefe(persona: jefe.id, action: "registrar o quitar claves SSH") }
        let target = try self.persona(personaKey, in: roster)
        let normalized = try key.map { raw -> String in
            guard let k = SSHKey.normalize(raw) else { throw CasebookError.invalidKey(raw) }
            return k
        }
        if let normalized, let other = roster.personas.first(where: { $0.id != target.id && $0.sshKey.flatMap(SSHKey.normalize) == normalized }) {
            throw CasebookError.invalidFile(file: Roster.fileName, reason: "esa clave ya está registrada para \(other.id)",
                                            fix: "Cada persona firma con su propia clave.")
        }
        try checkClean(outside: nil, leavingCases: true)
        let committed = String(decoding: try repository.file(at: Roster.fileName, in: head) ?? Data(), as: UTF8.self)
        let text = Roster.settingKey(normalized, of: target, in: committed, roster: roster)
        guard try Roster.parse(text).find(target.id)?.sshKey.flatMap(SSHKey.normalize) == normalized else {
            throw CasebookError.invalidFile(file: Roster.fileName, reason: "no se pudo escribir la clave de \(target.id)",
                                            fix: "Edite roles.yaml a mano (clave_ssh) y regístrelo con git.")
        }
        return try recording { edit in
            try edit.write(Data(text.utf8), to: Roster.fileName)
            let subject = normalized == nil ? "Roles: quita la clave SSH de \(target.name)" : "Roles: registra la clave SSH de \(target.name)"
            return try commit(.configuration(subject), paths: [Roster.fileName], parent: head, author: jefe, roster: roster, text: nil)
        }
    }

    /// An allowed-signers file (`gpg.ssh.allowedSignersFile`) from `roles.yaml` at HEAD: each
    /// persona with a key may sign commits as their e-mail.
    public func allowedSigners() throws -> String {
        try currentRoster().personas.compactMap { p in
            p.sshKey.flatMap(SSHKey.normalize).map { "\(p.email) namespaces=\"git,\(Dossier.namespace)\" \($0)" }
        }.joined(separator: "\n") + "\n"
    }
}

extension Roster {
    /// `text` with `persona`'s `clave_ssh` set to `key` (removed for nil), editing only that
    /// persona's entry; the whole file is re-written only when the entry cannot be found as text.
    static func settingKey(_ key: String?, of persona: Persona, in text: String, roster: Roster) -> String {
        var lines = text.components(separatedBy: "\n")
        let idPattern = "^\\s*-\\s*id:\\s*[\"']?\(NSRegularExpression.escapedPattern(for: persona.id))[\"']?\\s*$"
        if let start = lines.firstIndex(where: { $0.range(of: idPattern, options: .regularExpression) != nil }) {
            let indent = String(lines[start].prefix { $0 == " " }) + "  "
            var end = start + 1
            while end < lines.count, lines[end].hasPrefix(indent) || lines[end].trimmingCharacters(in: .whitespaces).isEmpty
                && end + 1 < lines.count && lines[end + 1].hasPrefix(indent) { end += 1 }
            let existing = (start + 1..<end).first { lines[$0].trimmingCharacters(in: .whitespaces).hasPrefix("clave_ssh:") }
            let line = key.map { "\(indent)clave_ssh: \(YAMLText.scalar($0))" }
            switch (existing, line) {
            case let (i?, l?): lines[i] = l
            case let (i?, nil): lines.remove(at: i)
            case let (nil, l?): lines.insert(l, at: end)
            case (nil, nil): break
            }
            return lines.joined(separator: "\n")
        }
        var personas = roster.personas
        if let i = personas.firstIndex(where: { $0.id == persona.id }) { personas[i].sshKey = key }
        return header + personas.map(yamlBlock).joined()
    }

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

extension Casebook {
    /// Removes a persona from `roles.yaml` (with nil `roles`) or gives them exactly `roles`, in a
    /// commit by `actor`, who must be a jefe; the last jefe is neither removed nor demoted. From
    /// the next commit on, a removed persona cannot act; the steps they recorded stay valid (their
    /// authority is read from `roles.yaml` as it was then).
    func changePersonaLocked(_ personaKey: String, roles: [Role]?, dependency: String?, actor: String?) throws -> OID {
        let head = try checkWritable()
        let roster = try roster(at: head)
        let jefe = try self.persona(actor, in: roster)
        guard jefe.holds(.jefe) else { throw CasebookError.notJefe(persona: jefe.id, action: "cambiar roles.yaml") }
        let target = try self.persona(personaKey, in: roster)
        var changed: Persona? = nil
        if let roles {
            guard !roles.isEmpty else {
                throw CasebookError.invalidFile(file: Roster.fileName, reason: "la persona '\(target.id)' quedaría sin roles",
                                                fix: "Indique al menos un --role (\(Role.validIDs)), o quítela con 'folio roles remove \(target.id)'.")
            }
            var p = target
            p.roles = roles
            if let dependency { p.dependency = dependency }
            if !p.roles.contains(where: \.isExternal) { p.dependency = nil; p.dependencyName = nil }
            // A contact acts for one code only (as 'roles add' requires).
            if p.isExternalContact, p.dependency == nil {
                throw CasebookError.invalidFile(
                    file: Roster.fileName, reason: "'\(p.id)' tendría el rol dependencia o unidad-ejecutora sin el código de la que representa",
                    fix: "Indique el código con --dependency (p. ej. --dependency HGE).")
            }
            guard p != target else {
                throw CasebookError.invalidFile(file: Roster.fileName, reason: "\(target.id) ya tiene esos roles",
                                                fix: "No hay nada que cambiar.")
            }
            changed = p
        }
        if target.holds(.jefe), !(changed?.holds(.jefe) ?? false),
           !roster.personas.contains(where: { $0.id != target.id && $0.holds(.jefe) }) {
            throw CasebookError.invalidFile(file: Roster.fileName, reason: "\(target.id) es el único jefe de departamento",
                                            fix: "Agregue antes a otro jefe ('folio roles add ... --role jefe'): sin jefe nadie podría cambiar roles.yaml.")
        }
        try checkClean(outside: nil, leavingCases: true)
        let committed = String(decoding: try repository.file(at: Roster.fileName, in: head) ?? Data(), as: UTF8.self)
        let text = Roster.replacingEntry(of: target, with: changed, in: committed, roster: roster)
        guard try Roster.parse(text).find(target.id) == changed else {
            throw CasebookError.invalidFile(file: Roster.fileName, reason: "no se pudo cambiar la entrada de \(target.id)",
                                            fix: "Edite roles.yaml a mano y regístrelo con git (un jefe como autor).")
        }
        return try recording { edit in
            try edit.write(Data(text.utf8), to: Roster.fileName)
            let subject = changed.map { "Roles: \(target.name) pasa a tener \($0.roles.map(\.rawValue).joined(separator: ", "))" }
                ?? "Roles: quita a \(target.name) (\(target.roles.map(\.rawValue).joined(separator: ", ")))"
            return try commit(.configuration(subject), paths: [Roster.fileName], parent: head, author: jefe, roster: roster, text: nil)
        }
    }
}

extension Roster {
    /// `text` with `persona`'s entry replaced by `replacement` (removed for nil), editing only that
    /// entry; the whole file is re-written only when the entry cannot be found as text.
    static func replacingEntry(of persona: Persona, with replacement: Persona?, in text: String, roster: Roster) -> String {
        var lines = text.components(separatedBy: "\n")
        let idPattern = "^\\s*-\\s*id:\\s*[\"']?\(NSRegularExpression.escapedPattern(for: persona.id))[\"']?\\s*$"
        if let start = lines.firstIndex(where: { $0.range(of: idPattern, options: .regularExpression) != nil }) {
            let dash = String(lines[start].prefix { $0 == " " })
            let indent = dash + "  "
            var end = start + 1
            while end < lines.count, lines[end].hasPrefix(indent) || lines[end].trimmingCharacters(in: .whitespaces).isEmpty
                && end + 1 < lines.count && lines[end + 1].hasPrefix(indent) { end += 1 }
            let block = replacement.map { yamlBlock(for: $0).components(separatedBy: "\n").filter { !$0.isEmpty }
                .map { dash + $0.dropFirst(2) } } ?? []
            lines.replaceSubrange(start..<end, with: block)
            return lines.joined(separator: "\n")
        }
        var personas = roster.personas
        if let i = personas.firstIndex(where: { $0.id == persona.id }) {
            if let replacement { personas[i] = replacement } else { personas.remove(at: i) }
        }
        return header + personas.map(yamlBlock).joined()
    }
}
