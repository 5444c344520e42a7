import ArgumentParser
import Casebook

extension Folio {
    struct Criteria: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "criterios",
            abstract: "El registro del departamento (Artículo 3): criterios adoptados e interpretaciones resueltas por un jefe.",
            discussion: """
                Sin subcomando, muestra el registro como un documento. Ejemplos:
                  folio criterios
                  folio criterios adoptar 5 ritmo-mensual --as mrodriguez
                  folio criterios resolver 4 05 --as mrodriguez
                """,
            subcommands: [List.self, Adopt.self, Resolve.self], defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "ver", abstract: "Muestra el registro del departamento.")
            @OptionGroup var repository: RepositoryOptions
            @Flag(help: "Salida JSON.") var json = false

            func run() throws {
                try Folio.perform {
                    let items = try repository.openReader().registerItems()
                    if json { return try printJSON(items) }
                    print(RegisterText.markdown(items))
                }
            }
        }

        struct Adopt: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "adoptar", abstract: "Un jefe adopta un criterio que el esquema del procedimiento propone.")
            @OptionGroup var repository: RepositoryOptions
            @Argument(help: ArgumentHelp("Procedimiento: número o código.", valueName: "procedimiento")) var procedure: String
            @Argument(help: ArgumentHelp("Clave del criterio (p. ej. ritmo-mensual).", valueName: "clave")) var key: String
            @Option(name: .customLong("as"), help: ArgumentHelp("El jefe que lo adopta: id o correo de roles.yaml.", valueName: "jefe")) var persona: String?

            func run() throws {
                try Folio.perform {
                    let commit = try repository.open().adopt(procedure: procedure, key: key, interpretation: false, actor: persona)
                    print("Criterio «\(key)» adoptado en el commit \(commit.short); se aplica a los expedientes que se abran desde ahora.")
                }
            }
        }

        struct Resolve: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "resolver", abstract: "Un jefe resuelve (Artículo 3) la interpretación del manual en un paso.")
            @OptionGroup var repository: RepositoryOptions
            @Argument(help: ArgumentHelp("Procedimiento: número o código.", valueName: "procedimiento")) var procedure: String
            @Argument(help: ArgumentHelp("Paso cuya lectura se interpretó (dos dígitos).", valueName: "paso")) var step: String
            @Option(name: .customLong("as"), help: ArgumentHelp("El jefe que la resuelve: id o correo de roles.yaml.", valueName: "jefe")) var persona: String?

            func run() throws {
                try Folio.perform {
                    let commit = try repository.open().adopt(procedure: procedure, key: step, interpretation: true, actor: persona)
                    print("Interpretación del paso \(step) resuelta en el commit \(commit.short).")
                }
            }
        }
    }
}

/// The register as one document people read.
enum RegisterText {
    static func markdown(_ items: [RegisterItem]) -> String {
        var lines = ["# Registro del departamento (Artículo 3 del Acuerdo 16/2013)", "",
                     "Las situaciones de interpretación las resuelve el Jefe del Departamento de Planificación, el Subgerente de",
                     "Planificación y Desarrollo y, en última instancia, el Gerente. Los criterios del departamento rigen donde el",
                     "manual calla, una vez que un jefe los adopta; no son normas del manual.", "", "## Criterios del departamento", ""]
        let criteria = items.filter { $0.kind == "criterion" }
        if criteria.isEmpty { lines.append("Ninguno.") }
        for c in criteria {
            lines.append("- Procedimiento \(c.procedure), «\(c.key)»: " + status(c, done: "adoptado", pending: "propuesto, sin adoptar"))
            lines.append("  \(c.text)")
        }
        lines += ["", "## Interpretaciones del manual", ""]
        for i in items where i.kind == "interpretation" {
            lines.append("- Procedimiento \(i.procedure), paso \(i.key): " + status(i, done: "resuelta", pending: "pendiente de resolución del jefe"))
            lines.append("  \(i.text)")
        }
        return lines.joined(separator: "\n")
    }

    private static func status(_ item: RegisterItem, done: String, pending: String) -> String {
        guard let by = item.by else { return pending + "." }
        return "\(done) por \(by) el \(item.on ?? "?")."
    }
}
