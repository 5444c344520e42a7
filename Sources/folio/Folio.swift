import ArgumentParser
import Casebook
import Foundation
import GitStore
import Procedures

@main
struct Folio: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folio",
        abstract: "Expedientes del Departamento de Planificación (IGSS) como historial de git.",
        discussion: """
            Cada paso del manual (Acuerdo 16/2013) es un commit cuyo autor es quien tiene el rol del paso. \
            Estado, historial y verificación se derivan del repositorio.

            Opción global: -C <carpeta> antes o después del subcomando (folio -C DIR status).
            Autocompletado: folio --generate-completion-script bash (o zsh, fish).
            """,
        version: "folio \(version)",
        subcommands: [Init.self, Roles.self, New.self, Step.self, Note.self, Status.self, Log.self, Verify.self,
                      Procedures.self, Due.self, Inbox.self, Check.self, Sync.self, CheckProduction.self, Export.self, Report.self,
                      ArchiveDocuments.self, Attach.self, VerifyExport.self, Criteria.self, Unlock.self, Slip.self, Excuse.self,
                      Receive.self, Stamp.self, Serve.self])

    /// The version `folio --version` prints.
    static let version = "1.0.0"

    /// Parses and runs. Help, usage errors and `--version` are said in Spanish (`SpanishText`);
    /// `-C CARPETA` may come before the subcommand too, as with git.
    static func main() {
        // Past a file-size limit (ulimit -f) a write fails with EFBIG and folio explains it and
        // rolls back, instead of being killed by SIGXFSZ half-way.
        signal(SIGXFSZ, SIG_IGN)
        var arguments = Array(CommandLine.arguments.dropFirst())
        RepositoryOptions.leadingDirectory = GlobalArguments.takeLeadingDirectory(&arguments)
        // `folio help NAME...` or `folio NAME --help` of a name that is no subcommand: ArgumentParser
        // shows the nearest help and exits 0, as if the name existed; it is a usage error, as
        // `folio NAME` is.
        if let unknown = unknownCommandName(arguments) {
            FileHandle.standardError.write(Data("folio: Subcomando desconocido '\(unknown)'. Vea la lista con 'folio --help'.\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if error is ExitCode { exit(withError: error) }
            let text = SpanishText.translate(fullMessage(for: error))
            if code == .success {
                if !text.isEmpty { print(text) }
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data("folio: \(SafeText.terminal(text))\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}

/// The first word of `arguments` naming no subcommand where one is expected: after `help`, every
/// word down the tree of subcommands; otherwise the first word, when help is asked for.
func unknownCommandName(_ arguments: [String]) -> String? {
    func find(_ name: String, in command: ParsableCommand.Type) -> ParsableCommand.Type? {
        command.configuration.subcommands.first { ($0.configuration.commandName ?? "") == name || $0.configuration.aliases.contains(name) }
    }
    guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
    if first == "help" {
        var command: ParsableCommand.Type = Folio.self
        for name in arguments.dropFirst() where !name.hasPrefix("-") {
            guard let next = find(name, in: command) else { return name }
            command = next
        }
        return nil
    }
    let asksHelp = arguments.contains { $0 == "--help" || $0 == "-h" }
    return asksHelp && find(first, in: Folio.self) == nil ? first : nil
}

/// Options every command that works in a case repository takes.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("Carpeta del repositorio de expedientes (por omisión, la actual).", valueName: "carpeta"))
    var directory: String?

    /// `-C CARPETA` given before the subcommand (`folio -C DIR export ...`); a `-C` after it
    /// that is relative is taken inside this one, as git does.
    nonisolated(unsafe) static var leadingDirectory: String?

    /// The folder the command works in: `-C` after the subcommand, inside `-C` before it, or the current one.
    var folder: String {
        let base = Self.leadingDirectory ?? FileManager.default.currentDirectoryPath
        guard let directory else { return base }
        return GitPath.isAbsolute(directory) || Self.leadingDirectory == nil ? directory : base + "/" + directory
    }

    /// Opens the case repository, with the clock fixed by `FOLIO_DATE` when set (rehearsals, tests);
    /// `anyRoot`: also when HEAD's history is not the pinned root's (`folio sync`).
    func open(anyRoot: Bool = false) throws -> Casebook {
        let book = try Casebook.open(at: folder, clock: Folio.clock(), anyRoot: anyRoot)
        book.lockWaitNotice = { text in FileHandle.standardError.write(Data((SafeText.terminal("folio: \(text)") + "\n").utf8)) }
        return book
    }

    /// Opens the case repository to read what its history says (status, log, due, inbox, report
    /// plazos, procedures, roles list): never writes, and reads a bare repository too.
    func openReader() throws -> Casebook {
        try Casebook.openReader(at: folder, clock: Folio.clock())
    }

    /// Opens for reading history only: a bare or empty repository too, or the one git's environment names in a
    /// server hook (pushed objects in quarantine).
    func openForReading() throws -> Casebook {
        try Casebook.openForReading(at: folder, clock: Folio.clock())
    }
}

/// What a command that records a step writes into the case with it.
struct CaseEditOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Escribe CLAVE=VALOR en el encabezado de expediente.md; se repite.", valueName: "clave=valor"))
    var sets: [String] = []
    @Option(name: .customLong("attach"), help: ArgumentHelp("Adjunta un archivo (.md al expediente, otros a anexos/); se repite.", valueName: "archivo"))
    var attachments: [String] = []
    @Option(name: .customShort("m"), parsing: .unconditional, help: ArgumentHelp("Texto del commit.", valueName: "texto"), transform: Folio.recordText) var message: String?
}

extension Folio {
    /// A record's text as given (-m, --justificacion): its value even when it starts with '-' (a
    /// list written as "- ..."), with Windows line ends (text pasted from a mail) made plain.
    static func recordText(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// Now, or the moment in `FOLIO_DATE` (AAAA-MM-DD or ISO 8601), in the department's time zone.
    static func clock() throws -> Clock {
        guard let text = ProcessInfo.processInfo.environment["FOLIO_DATE"], !text.isEmpty else { return Clock(now: Date()) }
        guard let date = Clock.parse(text) else {
            throw CasebookError.invalidValue(option: "FOLIO_DATE", reason: "'\(text)' no es una fecha",
                                            fix: "Use AAAA-MM-DD o AAAA-MM-DDTHH:MM:SS-06:00.")
        }
        // libgit2 writes a commit's time in 32 bits without sign: 2106 would be stored as 1970.
        guard Clock.recordable.contains(date) else {
            throw CasebookError.invalidValue(option: "FOLIO_DATE", reason: "'\(text)' está fuera de los años que un commit guarda bien (1970 a 2099)",
                                            fix: "Use una fecha entre 1970-01-01 y 2099-12-31, como AAAA-MM-DDTHH:MM:SS-06:00.")
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
            // The refusal's stable code closes the message: what a script or a support request quotes.
            let code = (error as? CasebookError)?.code ?? (error as? ProcedureError)?.code
            let text = GitErrorText.message(for: error) + (code.map { " [\($0)]" } ?? "")
            FileHandle.standardError.write(Data("folio: \(SafeText.terminal(text))\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// What folio prints for people goes through here (it shadows Swift's `print` in this module):
/// committed text (a step's -m text, a justification, a title, a file's name) cannot move the
/// cursor, erase or recolour lines, retitle the window or reorder text with bidirectional marks
/// (attack36: a step's text erased rows of `folio log` and wrote others). JSON, whose strings
/// carry such characters escaped or as data, is written by `printRaw`.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(SafeText.terminal(items.map { "\($0)" }.joined(separator: separator)), terminator: terminator)
}

/// Text written to stdout as it is: JSON.
func printRaw(_ text: String) {
    Swift.print(text)
}

/// Writes a value as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    printRaw(try jsonText(value))
}

/// A value as pretty, key-sorted JSON (stable across runs).
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// One element of a JSON array as `printJSON` writes it inside the array: pretty, key-sorted,
/// indented one level (two spaces) more than on its own (`JSONWriter`: the bytes `JSONEncoder`
/// writes).
func jsonArrayElement<T: Encodable>(_ value: T) throws -> Data {
    Data(try JSONWriter.write(value, indent: 2))
}

/// Writes a JSON array on stdout (and to `cache`) one element at a time, exactly as `printJSON`
/// writes the whole array: `produce` hands each element, made by `jsonArrayElement`, in order.
func writeJSONArray<T: Encodable>(of _: T.Type, to cache: OutputCacheWriter?, _ produce: ((Data) throws -> Void) throws -> Void) throws {
    // Written in pieces of about 64 KB: one system call per piece, not per case. The piece is
    // one buffer, filled and written again (at 10k cases, 65 MB go through it).
    var pending: [UInt8] = []
    pending.reserveCapacity(1 << 17)
    func emit(_ bytes: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: bytes)
        cache?.write(bytes)
        if pending.count >= 1 << 16 {
            try FileHandle.standardOutput.write(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
        }
    }
    let (first, next) = (Array("[\n  ".utf8), Array(",\n  ".utf8))
    var count = 0
    try produce { element in
        try (count == 0 ? first : next).withUnsafeBytes { try emit($0) }
        try element.withUnsafeBytes { try emit($0) }
        count += 1
    }
    let end = count == 0 ? try jsonText([T]()) + "\n" : "\n]\n"
    try Array(end.utf8).withUnsafeBytes { try emit($0) }
    try FileHandle.standardOutput.write(contentsOf: pending)
}

/// A line for stderr, for what is said beside the machine-readable stdout.
func note(_ text: String) {
    FileHandle.standardError.write(Data((SafeText.terminal(text) + "\n").utf8))
}

/// What `status`, `log`, `due` and `inbox` left out: commits that break verify's rules are not
/// counted. Human output gets the line at its end; beside JSON it goes to stderr.
/// Prints a command's output, with the warning of steps left out (on stderr with --json, after
/// the text otherwise), and keeps both for the next identical run.
func printAndStore(_ output: String, json: Bool, book: Casebook, key: String?) {
    let omitted = omittedLine(book)
    // What people read is kept as printed (`print`), so that the cached copy is the same.
    let output = json ? output : SafeText.terminal(output)
    if let omitted, !json {
        printRaw(output + "\n" + omitted)
        book.storeOutput(output + "\n" + omitted + "\n", key)
        return
    }
    if let omitted { note(omitted) }
    printRaw(output)
    book.storeOutput(output + "\n", key, note: omitted)
}

/// A cached output as the run that made it wrote it: stdout, and its warning on stderr.
func writeCached(_ cached: CachedOutput) {
    if let text = cached.note { note(text) }
    cached.copy(to: FileHandle.standardOutput)
}

func omittedLine(_ book: Casebook) -> String? {
    var lines: [String] = []
    if book.omittedCommits > 0 {
        let n = book.omittedCommits
        lines.append("⚠ \(n) \(n == 1 ? "paso no válido omitido" : "pasos no válidos omitidos") (commits que no cumplen las reglas); ejecute 'folio verify' para ver cuáles y por qué.")
    }
    // A configuration at HEAD that is not the one in force: who may act, and how, is not what the files say.
    if let head = try? book.repository.headCommit(), let (commits, _, files) = (try? book.uncountedConfigurationChange(at: head)) ?? nil {
        let what = files.joined(separator: ", ")
        let it = files.count == 1 ? "lo" : "los"
        let named = commits.prefix(5).map(\.short).joined(separator: ", ") + (commits.count > 5 ? " y \(commits.count - 5) más" : "")
        let by = commits.count == 1 ? "el commit \(commits[0].short) \(it) cambió" : "los commits \(named) \(it) cambiaron"
        lines.append("⚠ \(what) no \(files.count == 1 ? "es el vigente" : "son los vigentes"): \(by) sin cumplir las reglas, y folio juzga con lo anterior; ejecute 'folio verify'.")
    }
    return lines.isEmpty ? nil : lines.joined(separator: "\n")
}
