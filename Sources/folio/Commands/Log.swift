import ArgumentParser
import Casebook
import Foundation

extension Folio {
    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log",
            abstract: "Historial de un expediente: cada commit, quién, con qué rol y cuándo.",
            discussion: "Ejemplo: folio log PI-2026-0001")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("ID del expediente.", valueName: "expediente")) var id: String
        @Flag(help: "Salida JSON.") var json = false

        func run() throws {
            try Folio.perform {
                let book = try repository.openReader()
                let key = try book.outputKey(["log", id.uppercased(), json ? "json" : "texto", String(Table.width)])
                if let cached = book.cachedOutputData(key) { return writeCached(cached) }
                let entries = try book.log(of: id)
                let output = json ? try jsonText(entries) : StatusText.history(entries)
                printAndStore(output, json: json, book: book, key: key)
            }
        }
    }
}
