import ArgumentParser
import Casebook

extension Folio {
    struct Step: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Registra el siguiente paso de un expediente, con los cambios de su carpeta.",
            discussion: """
                Ejemplos:
                  folio step PI-2026-0001 --as alopez
                  folio step PI-2026-0001 04 --decision no --as alopez -m "Falta el registro en el SNIP"
                  folio step PROD-2026-11 01 --dependency HGE --as contacto-hge
                """)
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("ID del expediente.", valueName: "expediente")) var id: String
        @Argument(help: ArgumentHelp("Paso (dos dígitos); solo hace falta si hay más de uno posible.", valueName: "paso")) var step: String?
        @Option(name: .customLong("as"), help: ArgumentHelp("Quien realiza el paso: id o correo de roles.yaml.", valueName: "persona")) var persona: String?
        @Option(help: ArgumentHelp("Respuesta de un paso de decisión: si o no.", valueName: "si|no")) var decision: String?
        @Option(help: ArgumentHelp("Código de la dependencia o unidad ejecutora, en los pasos que se hacen por dependencia.", valueName: "código"))
        var dependency: String?
        @OptionGroup var edits: CaseEditOptions

        func run() throws {
            try Folio.perform {
                let recorded = try repository.open().recordStep(StepRequest(
                    caseID: id, step: step, persona: persona, decision: decision, dependency: dependency, sets: edits.sets,
                    attachments: edits.attachments, text: edits.message))
                print("\(recorded.subject)")
                print("Registrado en el commit \(recorded.commit.short).")
                print(StatusText.nextLine(state: recorded.state, next: recorded.next))
            }
        }
    }
}
