import ArgumentParser
import Casebook

extension Folio {
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Abre un expediente y registra su paso 01 (o, en los mensuales, la apertura del mes). Imprime el ID.",
            discussion: """
                Ejemplos:
                  folio new 4 --title "Ampliación Hospital de Escuintla" --set snip=123456 --as mrodriguez
                  folio new 3 --month 2026-11 --as alopez
                """)
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("Procedimiento: número del 1 al 7 o código (PEI, POA, PROD, PI, AMF, MMF, COOP).", valueName: "procedimiento")) var procedure: String
        @Option(help: ArgumentHelp("ID del expediente (por omisión, CODIGO-AAAA-NNNN).", valueName: "expediente")) var id: String?
        @Option(help: ArgumentHelp("Título del expediente.", valueName: "título")) var title: String?
        @Option(help: ArgumentHelp("Mes del expediente mensual (procedimientos 3 y 5): AAAA-MM.", valueName: "aaaa-mm")) var month: String?
        @OptionGroup var edits: CaseEditOptions
        @Option(name: .customLong("as"), help: ArgumentHelp("Quien realiza el paso: id o correo de roles.yaml.", valueName: "persona")) var persona: String?

        func run() throws {
            try Folio.perform {
                let recorded = try repository.open().openCase(NewCaseRequest(
                    procedure: procedure, id: id, title: title, month: month, sets: edits.sets, attachments: edits.attachments,
                    persona: persona, text: edits.message))
                note("Expediente \(recorded.caseID) abierto en \(recorded.path) (commit \(recorded.commit.short)).")
                print(recorded.caseID)
            }
        }
    }
}
