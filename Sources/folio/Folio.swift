import ArgumentParser
import Casebook
import Foundation

@main
struct Folio: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio",
        abstract: "Expedientes del Departamento de Planificación (IGSS) como historial de git.",
        discussion: """
            Cada paso del manual (Acuerdo 16/2013) es un commit cuyo autor es quien tiene el rol del paso.
            Estado, historial y verificación se derivan del repositorio.
            """,
        subcommands: [Init.self, Roles.self, New.self, Step.self, Note.self, Status.self, Log.self, Verify.self,
                      Procedures.self, Due.self, Inbox.self, Check.self, Sync.self, CheckProduction.self, Export.self, Report.self,
                      ArchiveDocuments.self, Attach.self, VerifyExport.self, Criteria.self, Receive.self, Stamp.self])

    /// Parses and runs; usage errors are said in Spanish (exit 64), as every other refusal.
    static func main() {
        // Past a file-size limit (ulimit -f) a write fails with EFBIG and folio explains it and
        // rolls back, instead of being killed by SIGXFSZ half-way.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code != .success, !(error is ExitCode) else { exit(withError: error) }
            FileHandle.standardError.write(Data("folio: \(UsageText.spanish(fullMessage(for: error)))\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}

/// ArgumentParser's usage messages, in the staff's language.
enum UsageText {
    static let phrases: [(String, String)] = [
        ("Error: ", ""),
        ("Unknown option", "Opción desconocida"),
        ("Unexpected argument", "Argumento inesperado"),
        ("Missing expected argument", "Falta el argumento"),
        ("Missing value for", "Falta el valor de"),
        ("The value", "El valor"),
        ("is invalid for", "no es válido para"),
        ("Usage:", "Uso:"),
        ("See 'folio", "Vea 'folio"),
        ("for more information.", "para más información."),
        ("Unknown subcommand", "Subcomando desconocido"),
        ("Did you mean", "¿Quiso decir"),
    ]

    static func spanish(_ message: String) -> String {
        phrases.reduce(message) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }
}

/// Options every command that works in a case repository takes.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: "Carpeta del repositorio de expedientes (por omisión, la actual).")
    var directory: String?

    /// Opens the case repository, with the clock fixed by `FOLIO_DATE` when set (rehearsals, tests).
    func open() throws -> Casebook {
        try Casebook.open(at: directory ?? FileManager.default.currentDirectoryPath, clock: Folio.clock())
    }

    /// Opens for reading only: a bare repository too, or the one git's environment names in a
    /// server hook (pushed objects in quarantine).
    func openForReading() throws -> Casebook {
        try Casebook.openForReading(at: directory ?? FileManager.default.currentDirectoryPath, clock: Folio.clock())
    }
}

/// What a command that records a step writes into the case with it.
struct CaseEditOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: "Escribe CLAVE=VALOR en el encabezado de expediente.md; se repite.")
    var sets: [String] = []
    @Option(name: .customLong("attach"), help: "Adjunta un archivo (.md al expediente, otros a anexos/); se repite.")
    var attachments: [String] = []
    @Option(name: .customShort("m"), help: "Texto del commit.") var message: String?
}

extension Folio {
    /// Now, or the moment in `FOLIO_DATE` (AAAA-MM-DD or ISO 8601), in the department's time zone.
    static func clock() throws -> Clock {
        guard let text = ProcessInfo.processInfo.environment["FOLIO_DATE"], !text.isEmpty else { return Clock(now: Date()) }
        guard let date = Clock.parse(text) else {
            throw CasebookError.invalidFile(file: "FOLIO_DATE", reason: "'\(text)' no es una fecha",
                                            fix: "Use AAAA-MM-DD o AAAA-MM-DDTHH:MM:SS-06:00.")
        }
        return Clock(now: date)
    }

    /// Runs a command's work; the one place where errors become a Spanish message and an exit code.
    static func perform(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("folio: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Writes a value as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    print(try jsonText(value))
}

/// A value as pretty, key-sorted JSON (stable across runs).
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// A line for stderr, for what is said beside the machine-readable stdout.
func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// What `status`, `log`, `due` and `inbox` left out: commits that break verify's rules are not
/// counted. Human output gets the line at its end; beside JSON it goes to stderr.
func omittedLine(_ book: Casebook) -> String? {
    guard book.omittedCommits > 0 else { return nil }
    let n = book.omittedCommits
    return "⚠ \(n) \(n == 1 ? "paso no válido omitido" : "pasos no válidos omitidos") (commits que no cumplen las reglas); ejecute 'folio verify' para ver cuáles y por qué."
}
