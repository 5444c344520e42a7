import ArgumentParser
import Casebook
import Foundation
import Procedures

/// `--today` and `--as` for the commands that list pending work.
struct PendingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Cuenta los plazos como si hoy fuera AAAA-MM-DD (ensayos y pruebas).", valueName: "aaaa-mm-dd")) var today: String?
    @Flag(help: "Salida JSON.") var json = false

    /// Opens the repository with the clock at `--today` when given.
    func open(_ repository: RepositoryOptions) throws -> Casebook {
        let day = try today.map { try DayArgument(parsing: $0) }
        let book = try repository.openReader()
        if let day { book.clock.now = day.date }
        return book
    }
}

extension Folio {
    struct Due: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "due",
            abstract: "Lo pendiente con plazo: fecha, norma del manual y si está vencido; lo más urgente primero.",
            discussion: "Ejemplos: folio due; folio due --today 2026-12-06 --as alopez --json")
        @OptionGroup var repository: RepositoryOptions
        @OptionGroup var options: PendingOptions
        @Option(name: .customLong("as"), help: ArgumentHelp("Solo lo que puede hacer esta persona (id o correo).", valueName: "persona")) var persona: String?

        func run() throws {
            try Folio.perform {
                let book = try options.open(repository)
                var items = try book.pending().filter { $0.due != nil }
                if let persona {
                    let id = try book.findPersona(persona).id
                    items = items.filter { $0.holders.contains(id) }
                }
                if options.json {
                    // The damaged cases are said on stderr, as the steps left out are: the JSON stays the items.
                    DueText.warnDamaged(book.damagedCases, files: book.damagedFiles)
                    omittedLine(book).map(note)
                    return try printJSON(items)
                }
                print(DueText.table(items, today: book.clock.today, empty: "No hay plazos pendientes."))
                DueText.warnDamaged(book.damagedCases, files: book.damagedFiles)
                omittedLine(book).map { print($0) }
            }
        }
    }

    struct Inbox: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inbox", abstract: "Bandeja: lo que espera ahora a una persona, por fecha de vencimiento.",
            discussion: "Ejemplo: folio inbox --as alopez", aliases: ["bandeja"])
        @OptionGroup var repository: RepositoryOptions
        @OptionGroup var options: PendingOptions
        @Option(name: .customLong("as"), help: ArgumentHelp("La persona (id o correo); sin él, la de git user.email.", valueName: "persona")) var persona: String?

        func run() throws {
            try Folio.perform {
                let book = try options.open(repository)
                let who = try book.findPersona(persona)
                let items = try book.pending().filter { $0.holders.contains(who.id) }
                if options.json {
                    DueText.warnDamaged(book.damagedCases, files: book.damagedFiles)
                    omittedLine(book).map(note)
                    return try printJSON(items)
                }
                print("Bandeja de \(who.name) (\(who.id)), \(book.clock.today):")
                print(DueText.table(items, today: book.clock.today, empty: "Nada pendiente."))
                DueText.warnDamaged(book.damagedCases, files: book.damagedFiles)
                omittedLine(book).map { print($0) }
            }
        }
    }
}
