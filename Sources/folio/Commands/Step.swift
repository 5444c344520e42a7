import ArgumentParser
import Casebook

extension Folio {
    struct Step: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "step",
            abstract: "Registra el siguiente paso de un expediente, con los cambios de su carpeta.",
            discussion: """
                Ejemplos:
                  folio step PI-2026-0001 --as alopez
                  folio step PI-2026-0001 04 --decision no --as alopez -m "Falta el SNIP"
                  folio step PROD-2026-11 01 --dependency HGE --attach HGE.csv --as hge
                  folio step PROD-2026-11 04 --dependency HGE --decision si --as alopez \\
                    --justificacion "SICOIN fuera de servicio del 1 al 6"
                  folio step PI-2026-0001 02 --assign alopez --as mrodriguez
                  folio step POA-2026-0001 11 --dependency HGE --template
                """)
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("ID del expediente.", valueName: "expediente")) var id: String
        @Argument(help: ArgumentHelp("Paso (dos dígitos); solo hace falta si hay más de uno posible.", valueName: "paso")) var step: String?
        @Option(name: .customLong("as"), help: ArgumentHelp("Quien realiza el paso: id o correo de roles.yaml.", valueName: "persona")) var persona: String?
        @Option(help: ArgumentHelp("Respuesta de un paso de decisión: si o no.", valueName: "si|no")) var decision: Answer?
        @Option(help: ArgumentHelp("Código de la dependencia o unidad ejecutora, en los pasos que se hacen por dependencia.", valueName: "código"))
        var dependency: String?
        @Option(help: ArgumentHelp("Asigna el expediente a esta persona para los pasos siguientes de su rol (p. ej. el analista en P4-02): desde entonces aparecen en su bandeja.", valueName: "persona"))
        var assign: String?
        @Flag(help: "No registra nada: escribe en la carpeta del expediente las plantillas de los documentos que pide el paso (todos sus campos, vacíos, con comentarios).")
        var template = false
        @OptionGroup var edits: CaseEditOptions
        @Option(name: .customLong("justificacion"), parsing: .unconditional,
                help: ArgumentHelp("Por qué el paso se registra fuera del plazo de su norma (queda en el trailer Justificacion).",
                                   valueName: "texto"),
                transform: Folio.recordText)
        var justification: String?

        func run() throws {
            try Folio.perform {
                if template {
                    let result = try repository.open().writeTemplates(for: StepRequest(caseID: id, step: step, dependency: dependency))
                    for file in result.written { print("Plantilla escrita en \(file): complete sus campos y registre el paso.") }
                    for file in result.existing { print("\(file) ya existe: no se sobrescribe.") }
                    return
                }
                var request = StepRequest(
                    caseID: id, step: step, persona: persona, decision: decision?.text, dependency: dependency, sets: edits.sets,
                    attachments: edits.attachments, text: edits.message, justification: justification)
                request.assign = assign
                let book = try repository.open()
                let recorded = try book.recordStep(request)
                print("\(recorded.subject)")
                print("Registrado en el commit \(recorded.commit.short).")
                for notice in recorded.notices { print(notice) }
                print(StatusText.nextLine(state: recorded.state, next: recorded.next, today: book.clock.today))
            }
        }
    }
}
