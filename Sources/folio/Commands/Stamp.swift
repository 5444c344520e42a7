import ArgumentParser
import Casebook
import Foundation

extension Folio {
    struct Stamp: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stamp",
            abstract: "Gancho post-receive del repositorio compartido: sella cada commit recibido con la hora de recepción.",
            discussion: """
                Escribe en refs/notes/folio-recepcion, firmada con la clave del servidor (git config folio.clave-servidor), \
                la hora en que llegó cada commit nuevo de la rama compartida. Un jefe registra la parte pública como \
                clave_servidor en folio.yaml. Después pone al día la caché de historial que lee el gancho pre-receive \
                (folio/historial.cache), para que verificar un push cueste lo que cuestan sus expedientes; la primera vez \
                recorre toda la historia. Ejemplo (scripts/hooks/post-receive): exec folio stamp
                """)
        @OptionGroup var repository: RepositoryOptions
        @Option(help: ArgumentHelp("Clave privada del servidor (por omisión, git config folio.clave-servidor).", valueName: "archivo"))
        var key: String?

        func run() throws {
            try Folio.perform {
                var updates: [RefUpdate] = []
                while let line = readLine() { if let update = RefUpdate(line: line) { updates.append(update) } }
                let book = try repository.openForReading()
                // The history cache the pre-receive hook reads is brought up to date even when no
                // commit could be stamped (no key yet), and its failure refuses nothing: the push landed.
                defer {
                    do {
                        if let written = try book.refreshSharedCache() {
                            note("folio: caché de historial del repositorio compartido escrita hasta \(written.short): "
                                 + "el gancho pre-receive la lee para verificar cada push.")
                        }
                    } catch {
                        note("folio: no se actualizó la caché de historial del repositorio compartido (\(GitErrorText.message(for: error))); "
                             + "el próximo push se verifica leyendo toda la historia. Ejecute 'folio stamp < /dev/null' en el repositorio.")
                    }
                }
                let result = try book.stamp(updates, keyFile: key)
                for line in result.messages { note(line) }
            }
        }
    }
}
