import ArgumentParser
import Casebook
import Foundation

extension Folio {
    struct Stamp: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stamp",
            abstract: "Gancho post-receive del repositorio compartido: sella cada commit recibido con la hora de recepción.",
            discussion: """
                Escribe en refs/notes/folio-recepcion, firmada con la clave del servidor (git config folio.clave-servidor),
                la hora en que llegó cada commit nuevo de la rama compartida. Un jefe registra la parte pública como
                clave_servidor en folio.yaml. Ejemplo (scripts/hooks/post-receive): exec folio stamp
                """)
        @OptionGroup var repository: RepositoryOptions
        @Option(help: "Clave privada del servidor (por omisión, git config folio.clave-servidor).") var key: String?

        func run() throws {
            try Folio.perform {
                var updates: [RefUpdate] = []
                while let line = readLine() { if let update = RefUpdate(line: line) { updates.append(update) } }
                let result = try repository.openForReading().stamp(updates, keyFile: key)
                for line in result.messages { note(line) }
            }
        }
    }
}
