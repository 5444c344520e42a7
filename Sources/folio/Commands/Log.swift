import ArgumentParser
import Casebook

extension Folio {
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Historial de un expediente: cada commit, quién, con qué rol y cuándo.",
            discussion: "Ejemplo: folio log PI-2026-0001")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: "ID del expediente.") var id: String
        @Flag(help: "Salida JSON.") var json = false

        func run() throws {
            try Folio.perform {
                let entries = try repository.open().log(of: id)
                if json { return try printJSON(entries) }
                print(StatusText.history(entries))
            }
        }
    }
}
