import ArgumentParser
import Casebook
import Foundation

extension Folio {
    struct Receive: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "receive",
            abstract: "Gancho pre-receive del repositorio compartido: acepta o rechaza un push (lee 'ANTERIOR NUEVO REF' por línea).",
            discussion: """
                Solo la rama compartida (rama: en folio.yaml, main por omisión) avanza, sin reescribir ni borrar, y cada \
                commit nuevo debe pasar 'folio verify'; toda otra referencia se rechaza salvo las de refs_permitidas. \
                Cada rechazo lleva el código de su regla ([referencias], [reescritura], [fecha-futura], los de verify); \
                con --json, además, {accepted, findings} por la salida estándar.
                Ejemplo (scripts/hooks/pre-receive): exec folio receive
                """)
        @OptionGroup var repository: RepositoryOptions
        @Flag(help: "Además, los hallazgos en JSON por la salida estándar (código de regla y gravedad de cada uno).") var json = false

        func run() throws {
            try Folio.perform {
                let updates = try RefUpdate.readHookInput(fix: "Instale scripts/hooks/pre-receive, que pasa a folio lo que git le da.")
                let report = try repository.openForReading().receive(updates)
                // Each is one line: a name with line breaks prints none of its own (attack36).
                for line in report.lines { note(SafeText.line(line)) }
                if json { try printJSON(report) }
                if !report.accepted { throw ExitCode(1) }
            }
        }
    }
}

extension RefUpdate {
    /// The `ANTERIOR NUEVO REF` lines git gives a pre-receive or post-receive hook on standard
    /// input (empty lines left out); any other line is refused with `fix`.
    static func readHookInput(fix: String) throws -> [RefUpdate] {
        var updates: [RefUpdate] = []
        while let line = readLine() {
            guard !line.isEmpty else { continue }
            guard let update = RefUpdate(line: line) else {
                throw CasebookError.invalidValue(option: "entrada del gancho", reason: "'\(SafeText.line(line))' no es 'ANTERIOR NUEVO REF'", fix: fix)
            }
            updates.append(update)
        }
        return updates
    }
}
