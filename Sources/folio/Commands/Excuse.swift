import ArgumentParser
import Casebook

extension Folio {
    struct Excuse: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "excusar",
            abstract: "El jefe cierra la ronda de un expediente (P2, P3, P5) sin una dependencia esperada, diciendo por qué; el informe lo dice.",
            discussion: "Ejemplo: folio excusar PROD-2026-11 HGA -m \"No envió su producción: falla del sistema local\" --as mrodriguez")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: "ID del expediente.") var id: String
        @Argument(help: "Código de la dependencia o unidad ejecutora.") var dependency: String
        @Option(name: .customShort("m"), help: "El motivo.") var message: String
        @Option(name: .customLong("as"), help: "El jefe: id o correo de roles.yaml.") var persona: String?

        func run() throws {
            try Folio.perform {
                let recorded = try repository.open().excuse(caseID: id, dependency: dependency, reason: message, persona: persona)
                print(recorded.subject)
                print("Registrado en el commit \(recorded.commit.short).")
            }
        }
    }
}
