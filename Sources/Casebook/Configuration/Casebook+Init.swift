import Foundation
import GitStore
import Procedures

extension Casebook {
    /// Creates a case repository in `directory` (new or empty) with its first commit, authored by
    /// the head of department, who holds the role `jefe`.
    ///
    /// - Parameter schemas: the folder whose `procedimiento-N.yaml` files are copied to `schemas/`.
    public static func create(at directory: String, jefe identity: String, schemas: String, clock: Clock) throws -> Casebook {
        let jefe = try Persona.fromIdentity(identity, roles: [.jefe])
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let existed = fm.fileExists(atPath: directory, isDirectory: &isDir)
        if existed, try !isDir.boolValue || !fm.contentsOfDirectory(atPath: directory).isEmpty {
            throw CasebookError.directoryNotEmpty(directory)
        }
        let definitions = try SchemaLibrary.load(directory: schemas)
        guard definitions.count == 7 else {
            throw CasebookError.invalidFile(file: schemas, reason: "faltan definiciones de procedimientos (hay \(definitions.count) de 7)",
                                            fix: "Indique la carpeta schemas/ de folio con FOLIO_SCHEMAS.")
        }
        do {
            let repo = try Repository.create(at: directory)
            guard let root = repo.workdir else { throw CasebookError.bareRepository(directory) }
            let book = Casebook(repository: repo, root: root, clock: clock)
            let edit = WorkTreeEdit(root: root, scratch: repo.gitdir + "folio/tmp")
            try edit.write(Data(Settings.standard.yaml.utf8), to: Settings.fileName)
            try edit.write(Data((Roster.header + Roster.yamlBlock(for: jefe)).utf8), to: Roster.fileName)
            for name in try fm.contentsOfDirectory(atPath: schemas).sorted() where !name.hasPrefix(".") {
                try edit.copy(from: schemas + "/" + name, to: "\(SchemaLibrary.directory)/\(name)")
            }
            try edit.write(Data(Casebook.casesReadme.utf8), to: "cases/README.md")
            let roster = Roster(personas: [jefe])
            let first = try book.commit(.configuration("Abre el repositorio de expedientes del \(Settings.standard.department)"),
                                        paths: [Settings.fileName, Roster.fileName, SchemaLibrary.directory, "cases"], parent: nil,
                                        author: jefe, roster: roster, text: "Jefe de Departamento: \(jefe.identity).")
            // The root is the trust anchor: this clone's verify refuses a history with another one.
            try repo.setConfig(Casebook.rootKey, first.hex)
            return book
        } catch {
            if existed {
                for item in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] { try? fm.removeItem(atPath: directory + "/" + item) }
            } else {
                try? fm.removeItem(atPath: directory)
            }
            throw error
        }
    }

    static let casesReadme = """
        # Expedientes

        Cada expediente es una carpeta `cases/<AAAA>/<ID>/` (AAAA: el año en que se abrió) con
        `expediente.md` (encabezado YAML y texto), otros documentos `.md` y `anexos/` para
        archivos adjuntos. Edítelos con cualquier editor y registre cada paso con `folio step`.

        """
}

extension Roster {
    static let header = """
        # Quién tiene cada rol del manual (Acuerdo 16/2013). Solo un jefe puede cambiar este archivo:
        # 'folio verify' lo comprueba en el historial. La autoridad de cada paso se lee de la versión
        # registrada (commit), nunca de cambios sin registrar.
        # Roles: jefe, asistente, analista, secretaria, dependencia, unidad-ejecutora.
        # 'dependencia' (opcional): el código de la dependencia o unidad que representa un contacto externo.
        personas:

        """
}

extension Persona {
    /// Reads `Nombre Apellido <correo>`; the id is the e-mail's local part.
    static func fromIdentity(_ text: String, roles: [Role]) throws -> Persona {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") else {
            throw CasebookError.invalidValue(option: "--jefe", reason: "'\(text)' no tiene la forma \"Nombre Apellido <correo>\"",
                                            fix: "Escriba, por ejemplo, --jefe \"María Rodríguez <mrodriguez@igss.gob.gt>\".")
        }
        let name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        let email = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        if let problem = SafeText.problem(name, identity: true) ?? SafeText.problem(email, identity: true) {
            throw CasebookError.invalidValue(option: "--jefe", reason: problem, fix: "Escriba el nombre y el correo sin '<', '>' ni caracteres de control.")
        }
        guard !name.isEmpty, isEmail(email) else {
            throw CasebookError.invalidValue(option: "--jefe", reason: "'\(text)' necesita un nombre y un correo válido",
                                            fix: "Escriba, por ejemplo, --jefe \"María Rodríguez <mrodriguez@igss.gob.gt>\".")
        }
        let local = email.split(separator: "@")[0].lowercased().filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }
        return Persona(id: local.isEmpty ? "jefe" : String(local), name: name, email: email, roles: roles)
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(" ") && !text.contains("<")
            && !text.contains(">")
    }

    static func isValidID(_ id: String) -> Bool {
        (1...40).contains(id.count) && id.first!.isLetter
            && id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
    }
}
