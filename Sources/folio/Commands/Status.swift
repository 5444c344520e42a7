import ArgumentParser
import Casebook

extension Folio {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Estado de los expedientes, derivado del historial.",
            discussion: "Ejemplos: folio status; folio status PI-2026-0001 --json")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: "ID del expediente (sin él, todos).") var id: String?
        @Flag(help: "Salida JSON.") var json = false

        func run() throws {
            try Folio.perform {
                let book = try repository.open()
                if let id {
                    let status = try book.status(of: id)
                    if json { return try printJSON(status) }
                    print(StatusText.detail(status, clock: book.clock))
                } else {
                    let all = try book.statusOfAll()
                    if json { return try printJSON(all) }
                    print(StatusText.summary(all))
                }
            }
        }
    }
}
