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
                recorre toda la historia. Ejemplo (scripts/hooks/post-receive): exec folio stamp. \
                Con --faltantes, a mano en el repositorio compartido, sella con la hora de ahora los commits de la rama que \
                llegaron sin sello después del primero sellado (sin ninguno sellado, desde el que registra clave_servidor en \
                folio.yaml: faltaba la clave, se cortó la conexión antes del gancho, un push por ruta local); 'folio verify' \
                los señala con [sello].
                """)
        @OptionGroup var repository: RepositoryOptions
        @Option(help: ArgumentHelp("Clave privada del servidor (por omisión, git config folio.clave-servidor).", valueName: "archivo"))
        var key: String?
        @Flag(help: "Sella, con la hora de ahora, los commits de la rama compartida sin sello desde el primero sellado (sin ninguno, desde el que registra clave_servidor); no lee la entrada.")
        var faltantes = false

        /// The git configuration that lets FOLIO_DATE set a stamp's time (rehearsals, tests).
        static let rehearsalKey = "folio.fecha-de-ensayo"

        func run() throws {
            try Folio.perform {
                var book = try repository.openForReading()
                // Stamps are the shared repository's word that a commit reached it: a clone has none to give.
                guard book.repository.isBare else {
                    throw CasebookError.invalidValue(
                        option: "folio stamp", reason: "\(book.repository.workdir ?? book.repository.gitdir) es un clon con copia de trabajo, no el repositorio compartido: un sello "
                            + "de recepción solo lo escribe el servidor que recibió el push",
                        fix: "Ejecútelo en el repositorio compartido (el repositorio bare del servidor), o déjelo al gancho post-receive "
                            + "(scripts/hooks/post-receive); en un clon, 'folio sync' trae los sellos del servidor.")
                }
                // A stamp's time is the server's clock: FOLIO_DATE in a pusher's environment (a push
                // by a local path passes it to the hooks) or an administrator's shell must not set it
                // (attack41, attack42). Only a rehearsal repository says otherwise, in its own
                // configuration file: a pusher's HOME reaches the hook (attack43).
                if let date = ProcessInfo.processInfo.environment["FOLIO_DATE"], !date.isEmpty,
                   (try? book.repository.config(Self.rehearsalKey, localOnly: true)) != "true" {
                    book = try Casebook.openForReading(at: repository.folder, clock: Clock(now: Date()))
                    note("folio: FOLIO_DATE (\(date)) no fija la hora de un sello: se sella con la hora del servidor. Solo en un "
                         + "repositorio de ensayo, 'git config \(Self.rehearsalKey) true' la deja usar.")
                }
                let updates = faltantes ? [] : try RefUpdate.readHookInput(
                    fix: "Instale scripts/hooks/post-receive, que pasa a folio lo que git le da; para sellar a mano los commits sin sello, use 'folio stamp --faltantes'.")
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
                let result = faltantes ? try book.stampMissing(keyFile: key) : try book.stamp(updates, keyFile: key)
                for line in result.messages { note(line) }
            }
        }
    }
}
