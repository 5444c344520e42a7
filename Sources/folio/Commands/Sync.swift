import ArgumentParser
import Casebook

extension Folio {
    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Trae el repositorio compartido, pone encima los pasos locales, verifica y publica.",
            discussion: "Ejemplos: folio sync; folio sync --drop-local (toma la versión compartida; lo local queda respaldado)")
        @OptionGroup var repository: RepositoryOptions
        @Option(help: ArgumentHelp("El remoto.", valueName: "remoto")) var remote = "origin"
        @Flag(help: "Descarta los commits locales no publicados (quedan en refs/folio/respaldo/) y toma los del remoto.")
        var dropLocal = false

        func run() throws {
            try Folio.perform {
                let result = try repository.open(anyRoot: true).sync(remote: remote, dropLocal: dropLocal)
                for r in result.renumbered {
                    print("El expediente \(r.from) se publicó como \(r.to): el número \(r.from) ya lo tenía otro expediente.")
                }
                if !result.remoteMessages.isEmpty { print(result.remoteMessages, terminator: "") }
                if dropLocal {
                    let kept = result.backup ?? "refs/folio/respaldo/"
                    print("Se tomó la versión del repositorio compartido; lo local quedó en \(kept). Un archivo de ahí se recupera con "
                        + "'git show \(kept):RUTA > ARCHIVO' (por ejemplo un documento, para incorporarlo de nuevo con 'folio attach'), "
                        + (result.droppedUnrelated ? "y en qué difiere con 'git diff --stat HEAD \(kept)' (nace de otra raíz)."
                                                   : "y lo que cambió con 'git log -p \(kept) --not HEAD'."))
                    if !result.dropped.isEmpty {
                        print("Quedaron fuera de la rama (regístrelos de nuevo con folio si aún corresponden):")
                        for line in result.dropped { print("  \(line)") }
                    }
                } else {
                    print("Commits recibidos: \(result.received); publicados: \(result.published).")
                }
                if let path = result.unguarded {
                    note("Aviso: el remoto \(remote) es una ruta de esta máquina (\(SafeText.line(path))): lo publicado se escribió ahí directamente, "
                         + "sin los ganchos del repositorio compartido (ni su verificación ni el sello de recepción). Para publicar a través de "
                         + "ellos, el remoto es la dirección ssh del servidor ('git remote set-url \(remote) ssh://servidor/ruta').")
                }
            }
        }
    }
}
