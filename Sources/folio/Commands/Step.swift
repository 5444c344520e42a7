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
                  folio step PROD-2026-11 04 --dependency HGE --decision si --as alopez --justificacion "SICOIN fuera de servicio del 1 al 6"
                """)
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: "ID del expediente.") var id: String
        @Argument(help: "Paso (dos dígitos); solo hace falta si hay más de uno posible.") var step: String?
        @Option(name: .customLong("as"), help: "Quien realiza el paso: id o correo de roles.yaml.") var persona: String?
        @Option(help: "Respuesta de un paso de decisión: si o no.") var decision: String?
        @Option(help: "Código de la dependencia o unidad ejecutora, en los pasos que se hacen por dependencia.")
        var dependency: String?
        @OptionGroup var edits: CaseEditOptions
        @Option(name: .customLong("justificacion"),
                help: "Por qué el paso se registra fuera del plazo de su norma (queda en el trailer Justificacion).")
        var justification: String?

        func run() throws {
            try Folio.perform {
                let recorded = try repository.open().recordStep(StepRequest(
                    caseID: id, step: step, persona: persona, decision: decision, dependency: dependency, sets: edits.sets,
                    attachments: edits.attachments, text: edits.message, justification: justification))
                print("\(recorded.subject)")
                print("Registrado en el commit \(recorded.commit.short).")
                print(StatusText.nextLine(state: recorded.state, next: recorded.next))
            }
        }
    }
}
