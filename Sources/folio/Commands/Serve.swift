import ArgumentParser
import Casebook
import Dashboard
import Foundation

extension Folio {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Sirve el tablero de solo lectura del repositorio (un clon o el repositorio compartido).",
            discussion: """
                Por omisión escucha en 127.0.0.1: solo esta máquina lo ve. Más allá, solo detrás del proxy de la institución, que pone la identidad de quien inició sesión en una cabecera.
                Ejemplos:
                  folio serve                                     # http://127.0.0.1:8080
                  folio -C /srv/git/expedientes.git serve --port 8090
                  folio serve --host 0.0.0.0 --cabecera-usuario X-Remote-User --proxy 10.1.2.3
                """,
            aliases: ["tablero"])
        @OptionGroup var repository: RepositoryOptions
        @Option(help: ArgumentHelp("Puerto (0: uno libre, que se imprime).", valueName: "puerto")) var port: Int = 8080
        @Option(help: ArgumentHelp("Dirección en la que escucha.", valueName: "dirección")) var host: String = "127.0.0.1"
        @Option(name: .customLong("cabecera-usuario"), help: ArgumentHelp("Cabecera con el id o correo de quien consulta, puesta por el proxy.", valueName: "cabecera"))
        var userHeader: String?
        @Option(name: .customLong("proxy"), help: ArgumentHelp("Dirección del proxy de la institución; se repite. Solo sus solicitudes se atienden.", valueName: "dirección"))
        var proxies: [String] = []
        @Option(name: .customLong("url"), help: ArgumentHelp("Dirección pública del tablero (la del proxy), para los enlaces del canal Atom.", valueName: "url"))
        var publicURL: String?

        func run() throws {
            try Folio.perform {
                let fixed = try Folio.clock().now
                let frozen = ProcessInfo.processInfo.environment["FOLIO_DATE"].map { !$0.isEmpty } ?? false
                let config = DashboardConfiguration(
                    repository: repository.folder, host: host, port: port,
                    userHeader: userHeader, trustedProxies: proxies, publicURL: publicURL, now: { frozen ? fixed : Date() })
                try config.validate()
                _ = try repository.openForReading()
                let done = DispatchSemaphore(value: 0)
                let failure = FailureBox()
                Task {
                    do {
                        try await DashboardServer.run(config) { port in
                            let url = "http://\(config.host.contains(":") ? "[\(config.host)]" : config.host):\(port)/"
                            FileHandle.standardOutput.write(Data("Tablero de folio en \(url) (Ctrl-C para terminar)\n".utf8))
                        }
                    } catch {
                        failure.set(error)
                    }
                    done.signal()
                }
                done.wait()
                if let error = failure.error { throw error }
            }
        }
    }
}

/// The server task's error, handed back to the command's thread.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    var error: Error? { lock.withLock { stored } }
    func set(_ error: Error) { lock.withLock { stored = error } }
}
