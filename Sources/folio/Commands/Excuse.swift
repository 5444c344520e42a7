import ArgumentParser
import Casebook

extension Folio {
    struct Excuse: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "excusar",
            abstract: "El jefe cierra la ronda de un expediente (P2, P3, P5) sin una dependencia esperada, diciendo por qué; el informe lo dice.",
            discussion: """
                Ejemplo:
                  folio excusar PROD-2026-11 HGA -m "No envió su producción" --as mrodriguez
                """)
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("ID del expediente.", valueName: "expediente")) var id: String
        @Argument(help: ArgumentHelp("Código de la dependencia o unidad ejecutora.", valueName: "código")) var dependency: String
        @Option(name: .customShort("m"), parsing: .unconditional, help: ArgumentHelp("El motivo.", valueName: "texto"), transform: Folio.recordText) var message: String
        @Option(name: .customLong("as"), help: ArgumentHelp("El jefe: id o correo de roles.yaml.", valueName: "persona")) var persona: String?

        func run() throws {
            try Folio.perform {
                let recorded = try repository.open().excuse(caseID: id, dependency: dependency, reason: message, persona: persona)
                print(recorded.subject)
                // The round no longer waits for it; the case itself ends with its own steps (staff16w).
                let code = dependency.uppercased()
                let closing = recorded.next.filter { $0.dependency == nil && !$0.perDependency }.map(\.step)
                if recorded.state == .closed {
                    print("La ronda ya no espera a \(code), y el expediente quedó cerrado.")
                } else if !closing.isEmpty {
                    print("La ronda ya no espera a \(code); el expediente sigue abierto hasta su paso \(closing.joined(separator: " o ")).")
                } else {
                    print("La ronda ya no espera a \(code); el expediente sigue abierto mientras falten otras.")
                }
                print("Registrado en el commit \(recorded.commit.short).")
                for notice in recorded.notices { print(notice) }
            }
        }
    }
}
