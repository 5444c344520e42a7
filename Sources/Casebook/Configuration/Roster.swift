import Foundation
import Procedures
import Yams

/// The people of `roles.yaml` and the roles they hold.
public struct Roster: Equatable, Sendable {
    public static let fileName = "roles.yaml"
    public var personas: [Persona]

    public init(personas: [Persona]) {
        self.personas = personas
    }

    /// Parses `roles.yaml`; the message of a refusal names the file, the entry and the fix.
    public static func parse(_ text: String, file: String = fileName) throws -> Roster {
        struct FileModel: Decodable { var personas: [Persona]? }
        let model: FileModel
        if let problem = YAMLGuard.problem(in: text) {
            throw CasebookError.invalidFile(file: file, reason: problem, fix: YAMLGuard.fix)
        }
        do {
            model = try YAMLDecoder().decode(FileModel.self, from: text)
        } catch {
            throw CasebookError.invalidYAML(file: file, reason: YAMLErrorText.describe(error),
                                            fix: "Corrija el archivo; cada persona necesita id, nombre, correo y roles (\(Role.validIDs)).",
                                            parser: YAMLErrorText.problem(error).detail)
        }
        let roster = Roster(personas: model.personas ?? [])
        var ids = Set<String>(), emails = Set<String>()
        for p in roster.personas {
            for (what, value) in [("id", p.id), ("nombre", p.name), ("correo", p.email), ("dependencia", p.dependency ?? "")] {
                if let problem = SafeText.problem(value, identity: true) {
                    throw CasebookError.invalidFile(file: file, reason: "el \(what) de '\(SafeText.visible(p.id))': \(problem)",
                                                    fix: "Escriba cada dato en una línea, sin '<', '>' ni caracteres de control.")
                }
            }
            // A contact acts for its code: a code folio cannot read (a typo by hand, 'HRÓ', "") would
            // leave its files with no dependency, and its steps with none (attack26b).
            if let code = p.dependency, CaseID.dependencyCode(code) == nil {
                throw CasebookError.invalidFile(file: file, reason: "la dependencia '\(SafeText.visible(code))' de '\(SafeText.visible(p.id))' no es un código: "
                                                    + "de 1 a 20 letras sin tilde, números, '-' o '_'",
                                                fix: "Escriba el código de la dependencia (por ejemplo HGE), y su nombre completo en nombre_dependencia.")
            }
            guard ids.insert(p.id.lowercased()).inserted else {
                throw CasebookError.invalidFile(file: file, reason: "el id '\(p.id)' está repetido", fix: "Cada persona necesita un id distinto.")
            }
            guard emails.insert(p.email.lowercased()).inserted else {
                throw CasebookError.invalidFile(file: file, reason: "el correo '\(p.email)' está repetido", fix: "Cada persona necesita un correo distinto.")
            }
        }
        return roster
    }

    /// The persona with this id or e-mail (case-insensitive).
    public func find(_ key: String) -> Persona? {
        let k = key.lowercased()
        return personas.first { $0.id.lowercased() == k || $0.email.lowercased() == k }
    }

    /// Ids of the people holding any of `roles`, each once, in the file's order.
    public func holders(of roles: [Role]) -> [String] {
        personas.filter { p in roles.contains(where: p.holds) }.map(\.id)
    }

    /// The YAML block of one persona, to append under `personas:`.
    static func yamlBlock(for p: Persona) -> String {
        var lines = ["  - id: \(YAMLText.scalar(p.id))",
                     "    nombre: \(YAMLText.scalar(p.name))",
                     "    correo: \(YAMLText.scalar(p.email))",
                     "    roles: [\(p.roles.map(\.rawValue).joined(separator: ", "))]"]
        if let d = p.dependency { lines.append("    dependencia: \(YAMLText.scalar(d))") }
        if let n = p.dependencyName { lines.append("    nombre_dependencia: \(YAMLText.scalar(n))") }
        if let k = p.sshKey { lines.append("    clave_ssh: \(YAMLText.scalar(k))") }
        return lines.joined(separator: "\n") + "\n"
    }
}
