import ArgumentParser
import Casebook
import Procedures

extension Folio {
    struct Roles: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "roles",
            abstract: "Quién tiene cada rol (roles.yaml registrado).",
            subcommands: [List.self, Add.self, SetRoles.self, Remove.self, Key.self, AllowedSigners.self], defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Lista las personas y sus roles.")
            @OptionGroup var repository: RepositoryOptions
            @Flag(help: "Salida JSON.") var json = false

            func run() throws {
                try Folio.perform {
                    let book = try repository.openReader()
                    let roster = try book.currentRoster()
                    // The roster in force: when roles.yaml at HEAD is not it (a change that does not count), say so, as status does.
                    if json {
                        omittedLine(book).map(note)
                        return try printJSON(roster.personas)
                    }
                    var table = Table(headers: ["ID", "NOMBRE", "CORREO", "ROLES"])
                    for p in roster.personas {
                        let roles = p.roles.map(\.rawValue).joined(separator: ", ") + (p.dependency.map { " (\($0)" + (p.dependencyName.map { ", \($0)" } ?? "") + ")" } ?? "")
                        table.rows.append([p.id, p.name, p.email, roles])
                    }
                    print(table.render())
                    omittedLine(book).map { print($0) }
                }
            }
        }

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add", abstract: "Agrega una persona a roles.yaml (solo un jefe).",
                discussion: """
                    Ejemplos:
                      folio roles add alopez --name "Ana López" --email alopez@igss.gob.gt \\
                        --role analista --role asistente --as mrodriguez
                      folio roles add hge --name "Luis Ajú" --email laju@igss.gob.gt --role dependencia \\
                        --dependency HGE --dependency-name "Hospital General de Enfermedades" --as mrodriguez
                    """)
            @OptionGroup var repository: RepositoryOptions
            @Argument(help: ArgumentHelp("Id de la persona (minúsculas, p. ej. alopez).", valueName: "identificador")) var id: String
            @Option(help: ArgumentHelp("Nombre y apellido.", valueName: "nombre")) var name: String
            @Option(help: ArgumentHelp("Correo electrónico.", valueName: "correo")) var email: String
            @Option(help: ArgumentHelp("Rol (jefe, asistente, analista, secretaria, dependencia, unidad-ejecutora); se repite.", valueName: "rol"))
            var role: [String] = []
            @Option(help: ArgumentHelp("Para contactos externos (obligatorio): código de la dependencia o unidad que representa.", valueName: "código")) var dependency: String?
            @Option(help: ArgumentHelp("Nombre completo de esa dependencia o unidad (p. ej. \"Hospital General de Enfermedades\").", valueName: "nombre")) var dependencyName: String?
            @Option(name: .customLong("as"), help: ArgumentHelp("El jefe que registra el cambio.", valueName: "persona")) var persona: String?

            func run() throws {
                try Folio.perform {
                    let roles = try Roles.parse(role)
                    let code = try Roles.code(dependency)
                    let book = try repository.open()
                    let commit = try book.addPersona(Persona(id: id, name: name, email: email, roles: roles, dependency: code,
                                                                     dependencyName: dependencyName),
                                                     actor: persona)
                    print("\(id) agregado a roles.yaml (commit \(commit.short)).")
                }
            }
        }

        /// `--role` values as roles, refusing an unknown one.
        static func parse(_ texts: [String]) throws -> [Role] {
            try texts.map { text -> Role in
                guard let r = Role(rawValue: text.lowercased()) else {
                    throw CasebookError.invalidValue(option: "--role", reason: "'\(text)' no es un rol", fix: "Use uno de: \(Role.validIDs).")
                }
                return r
            }
        }

        /// A `--dependency` code, refusing an invalid one.
        static func code(_ raw: String?) throws -> String? {
            try raw.map { raw -> String in
                guard let c = CaseID.dependencyCode(raw) else { throw CasebookError.invalidDependency(raw) }
                return c
            }
        }

        struct SetRoles: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set", abstract: "Cambia los roles de una persona: quedan exactamente los indicados (solo un jefe).",
                discussion: "Ejemplo: folio roles set alopez --role analista --as mrodriguez")
            @OptionGroup var repository: RepositoryOptions
            @Argument(help: ArgumentHelp("La persona (id o correo).", valueName: "persona")) var persona: String
            @Option(help: ArgumentHelp("Rol (\(Role.validIDs)); se repite.", valueName: "rol")) var role: [String] = []
            @Option(help: ArgumentHelp("Para contactos externos: código de la dependencia o unidad.", valueName: "código"))
            var dependency: String?
            @Option(name: .customLong("as"), help: ArgumentHelp("El jefe que registra el cambio.", valueName: "jefe")) var actor: String?

            func run() throws {
                try Folio.perform {
                    let roles = try Roles.parse(role)
                    guard !roles.isEmpty else {
                        throw CasebookError.invalidValue(option: "folio roles set", reason: "falta --role",
                                                        fix: "Indique cada rol que la persona tendrá: folio roles set \(persona) --role analista --as JEFE")
                    }
                    let commit = try repository.open().setRoles(roles, dependency: try Roles.code(dependency), of: persona, actor: actor)
                    print("Roles de \(persona): \(roles.map(\.rawValue).joined(separator: ", ")) (commit \(commit.short)).")
                }
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "remove",
                abstract: "Quita a una persona de roles.yaml: desde ese commit no puede registrar pasos (solo un jefe).",
                discussion: """
                    Los pasos que ya registró siguen siendo válidos (se juzgan con roles.yaml de su momento).
                    Ejemplo: folio roles remove jperez --as mrodriguez
                    """)
            @OptionGroup var repository: RepositoryOptions
            @Argument(help: ArgumentHelp("La persona (id o correo).", valueName: "persona")) var persona: String
            @Option(name: .customLong("as"), help: ArgumentHelp("El jefe que registra el cambio.", valueName: "jefe")) var actor: String?

            func run() throws {
                try Folio.perform {
                    let commit = try repository.open().removePersona(persona, actor: actor)
                    print("\(persona) quitado de roles.yaml (commit \(commit.short)).")
                }
            }
        }

        struct Key: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "key", abstract: "Registra (o quita) la clave SSH pública con que una persona firma sus pasos (solo un jefe).",
                discussion: """
                    Ejemplos:
                      folio roles key alopez "ssh-ed25519 AAAA... alopez" --as mrodriguez
                      folio roles key alopez --remove --as mrodriguez
                    """)
            @OptionGroup var repository: RepositoryOptions
            @Argument(help: ArgumentHelp("La persona (id o correo).", valueName: "persona")) var persona: String
            @Argument(help: ArgumentHelp("La clave pública, la línea completa de su archivo .pub.", valueName: "clave")) var key: String?
            @Flag(help: "Quita la clave registrada.") var remove = false
            @Option(name: .customLong("as"), help: ArgumentHelp("El jefe que registra el cambio.", valueName: "persona")) var actor: String?

            func run() throws {
                try Folio.perform {
                    guard remove == (key == nil) else {
                        throw CasebookError.invalidValue(option: "folio roles key", reason: "indique la clave o --remove (no ambos)",
                                                        fix: "Ejemplo: folio roles key alopez \"ssh-ed25519 AAAA...\" --as mrodriguez")
                    }
                    let commit = try repository.open().setKey(key, for: persona, actor: actor)
                    print(remove ? "Clave de \(persona) quitada (commit \(commit.short))." : "Clave de \(persona) registrada (commit \(commit.short)).")
                }
            }
        }

        struct AllowedSigners: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "allowed-signers",
                abstract: "Imprime un archivo allowed_signers de git con las claves de roles.yaml.",
                discussion: """
                    Ejemplo:
                      folio roles allowed-signers > .git/allowed_signers
                      git config gpg.ssh.allowedSignersFile .git/allowed_signers
                    """)
            @OptionGroup var repository: RepositoryOptions

            func run() throws {
                try Folio.perform { print(try repository.openReader().allowedSigners(), terminator: "") }
            }
        }
    }
}
