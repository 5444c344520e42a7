import ArgumentParser
import Casebook

extension Folio {
    struct Slip: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hoja-de-ruta",
            abstract: "Escribe la hoja de ruta (hoja-de-ruta.md) de los expedientes que no la tienen o cuya hoja no coincide con su historia.",
            discussion: """
                Un commit por expediente, del jefe. Ejemplos:
                  folio hoja-de-ruta --todas --as mrodriguez
                  folio hoja-de-ruta PI-2026-0001 --as mrodriguez
                """)
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("IDs de los expedientes.", valueName: "expediente")) var ids: [String] = []
        @Flag(help: "Todos los expedientes del repositorio.") var todas = false
        @Option(name: .customLong("as"), help: ArgumentHelp("El jefe que la escribe: id o correo de roles.yaml.", valueName: "persona")) var persona: String?

        func validate() throws {
            if ids.isEmpty == !todas {
                throw ValidationError("Indique los expedientes (folio hoja-de-ruta ID...) o --todas, no ambos.")
            }
        }

        func run() throws {
            try Folio.perform {
                let written = try repository.open().writeSlips(ids: todas ? nil : ids, persona: persona)
                for w in written { print("\(w.caseID): hoja de ruta escrita en \(w.path)/\(RoutingSlip.fileName) (commit \(w.commit.short)).") }
                print(written.isEmpty ? "Todas las hojas de ruta coinciden con la historia; no hay nada que escribir."
                    : "\(written.count) hojas de ruta escritas, un commit por expediente.")
            }
        }
    }
}
