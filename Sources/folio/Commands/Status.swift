import ArgumentParser
import Casebook
import Foundation

extension Folio {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Estado de los expedientes, derivado del historial.",
            discussion: "Ejemplos: folio status; folio status PI-2026-0001 --json")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("ID del expediente (sin él, todos).", valueName: "expediente")) var id: String?
        @Flag(help: "Salida JSON.") var json = false

        func run() throws {
            try Folio.perform {
                let book = try repository.openReader()
                let key = try book.outputKey(["status", id?.uppercased() ?? "", json ? "json" : "texto", String(Table.width)])
                if let cached = book.cachedOutputData(key) { return writeCached(cached) }
                if id == nil, json {
                    // Every case's status, written as it is derived: memory holds one case, not all.
                    // The output is kept whole once it is stable: right after new commits, only the
                    // case index gets the changed cases (writing 50 MB twice would cost more than the replay).
                    let cache = try book.statusIndexIsCurrent() ? book.outputCacheWriter(key) : nil
                    try writeJSONArray(of: CaseStatus.self, to: cache) { element in
                        try book.statusOfAll(encode: jsonArrayElement, element)
                    }
                    // The warning (steps left out) is kept with the output and said again on each use.
                    let omitted = omittedLine(book)
                    if let omitted { note(omitted) }
                    cache?.keep(note: omitted)
                    return
                }
                let output: String
                if let id {
                    let status = try book.status(of: id)
                    if json {
                        output = try jsonText(status)
                    } else {
                        // Its documents too (staff21): the index as committed, or why it cannot be read.
                        let listed: String
                        do {
                            listed = StatusText.documents(try book.documents(inFolder: status.path))
                        } catch {
                            listed = "Documentos: el índice no se puede leer: \(error)"
                        }
                        output = StatusText.detail(status, clock: book.clock) + "\n\n" + SafeText.terminal(listed)
                    }
                } else {
                    // Each case's line of the table, through a case index of its own (as `--json`
                    // goes through its): after new commits only the cases they touch are derived.
                    var rows: [[Substring]] = []
                    try book.statusOfAll(form: "tabla", encode: StatusText.row) { rows.append(StatusText.cells(row: $0)) }
                    output = StatusText.summary(rows: rows)
                        + book.damagedFiles.map { SafeText.terminal("\nDAÑADO \($0.file): \($0.reason) Se muestra lo demás sin él.") }.joined()
                }
                printAndStore(output, json: json, book: book, key: key)
            }
        }
    }
}
