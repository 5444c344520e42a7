import ArgumentParser
import Casebook

extension Folio {
    struct Note: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "note",
            abstract: "Registra los cambios pendientes de un expediente sin avanzar el procedimiento.",
            discussion: "Ejemplo: folio note PI-2026-0001 -m \"Agrega el cronograma\" --as alopez")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("ID del expediente.", valueName: "expediente")) var id: String
        @Option(name: .customShort("m"), parsing: .unconditional, help: ArgumentHelp("Qué se cambió.", valueName: "texto"), transform: Folio.recordText) var message: String
        @Option(name: .customLong("as"), help: ArgumentHelp("Quien hizo los cambios: id o correo de roles.yaml.", valueName: "persona")) var persona: String?

        func run() throws {
            try Folio.perform {
                let recorded = try repository.open().recordNote(caseID: id, persona: persona, text: message)
                print("\(recorded.subject)")
                print("Registrado en el commit \(recorded.commit.short).")
                for notice in recorded.notices { print(notice) }
            }
        }
    }
}
