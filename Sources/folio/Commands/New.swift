import ArgumentParser
import Casebook
import Foundation

extension Folio {
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Abre un expediente y registra su paso 01 (o, en los mensuales, la apertura del mes). Imprime el ID.",
            discussion: """
                Ejemplos:
                  folio new 4 --title "Hospital de Escuintla" --set snip=123456 --as mrodriguez
                  folio new 3 --month 2026-11 --as alopez
                """)
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("Procedimiento: número del 1 al 7 o código (PEI, POA, PROD, PI, AMF, MMF, COOP).", valueName: "procedimiento")) var procedure: String
        @Option(help: ArgumentHelp("ID del expediente (por omisión, CODIGO-AAAA-NNNN).", valueName: "expediente")) var id: String?
        @Option(help: ArgumentHelp("Título del expediente.", valueName: "título")) var title: String?
        @Option(help: ArgumentHelp("Mes del expediente mensual (procedimientos 3 y 5): AAAA-MM.", valueName: "aaaa-mm")) var month: String?
        @OptionGroup var edits: CaseEditOptions
        @Option(name: .customLong("as"), help: ArgumentHelp("Quien realiza el paso: id o correo de roles.yaml.", valueName: "persona")) var persona: String?
        @Flag(help: "No abre nada: escribe en la carpeta actual las plantillas de los documentos que pide el paso 01 (p. ej. solicitud.md en el procedimiento 6), para completarlas y adjuntarlas con --attach.")
        var template = false

        func run() throws {
            try Folio.perform {
                if template {
                    let templates = try repository.open().templatesForNew(procedure: procedure)
                    guard !templates.isEmpty else {
                        throw CasebookError.invalidValue(option: "--template", reason: "el paso 01 del procedimiento \(procedure) no pide ningún documento",
                                                        fix: "Abra el expediente sin --template.")
                    }
                    for (name, text) in templates {
                        let target = FileManager.default.currentDirectoryPath + "/" + name
                        if FileManager.default.fileExists(atPath: target) {
                            print("\(name) ya existe: no se sobrescribe.")
                            continue
                        }
                        try Data(text.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
                        print("Plantilla escrita en \(name): complétela y ábrala con 'folio new \(procedure) --attach \(name) ...'.")
                    }
                    return
                }
                let recorded = try repository.open().openCase(NewCaseRequest(
                    procedure: procedure, id: id, title: title, month: month, sets: edits.sets, attachments: edits.attachments,
                    persona: persona, text: edits.message))
                note("Expediente \(recorded.caseID) abierto en \(recorded.path) (commit \(recorded.commit.short)).")
                print(recorded.caseID)
            }
        }
    }
}
