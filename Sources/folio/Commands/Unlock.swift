import ArgumentParser
import Casebook
import Foundation

extension Folio {
    struct Unlock: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unlock",
            abstract: "Quita el bloqueo de escritura de folio en este clon (solo un jefe), diciendo de quién era.",
            discussion: """
                folio retira solo los bloqueos de procesos que terminaron en este equipo. Un bloqueo de otro equipo \
                (un clon en una carpeta compartida) o de un proceso que sigue vivo solo lo quita un jefe, a sabiendas.
                Ejemplo: folio unlock --as mrodriguez
                """)
        @OptionGroup var repository: RepositoryOptions
        @Option(name: .customLong("as"), help: ArgumentHelp("El jefe que quita el bloqueo (id o correo); sin él, la persona de git user.email.", valueName: "persona"))
        var persona: String?

        func run() throws {
            try Folio.perform {
                for line in try repository.open().unlock(actor: persona) { print(SafeText.terminal(line)) }
            }
        }
    }
}
