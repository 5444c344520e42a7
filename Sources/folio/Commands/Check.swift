import ArgumentParser
import Casebook
import Procedures

extension Folio {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Valida los archivos de trabajo sin registrar nada (sirve de hook pre-commit de git).",
            discussion: "Ejemplos: folio check; folio check PI-2026-0001 --json")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("ID del expediente (sin él, todos y la configuración).", valueName: "expediente")) var id: String?
        @Flag(help: "Salida JSON.") var json = false

        func run() throws {
            try Folio.perform {
                let report = try repository.open().check(caseID: id)
                if json {
                    try printJSON(report)
                } else {
                    for p in report.problems { print(SafeText.terminal("✗ \(p)")) }
                    print(report.ok ? "Expedientes revisados: \(report.cases); los archivos no tienen problemas."
                        : "Expedientes revisados: \(report.cases); \(Spanish.count(report.problems.count, "problema")).")
                    if !report.unrecorded.isEmpty {
                        let list = report.unrecorded.prefix(8).map(SafeText.visible).joined(separator: ", ") + (report.unrecorded.count > 8 ? "…" : "")
                        // A step or a note records a case's folder only (staff34: a file at the top was sent to
                        // 'folio note'; helper133: a file put directly in a year folder too).
                        let outside = report.unrecorded.filter { !CaseID.isInCaseFolder($0) }
                        let how = outside.isEmpty ? "Un paso o 'folio note ID -m TEXTO' los registra."
                            : "Lo de un expediente lo registra un paso o 'folio note ID -m TEXTO'; lo de fuera de las carpetas de expedientes ("
                                + outside.prefix(3).map(SafeText.visible).joined(separator: ", ") + (outside.count > 3 ? "…" : "")
                                + ") no: roles.yaml se cambia con 'folio roles'; folio.yaml, schemas/ y los archivos de cases/ o de una carpeta"
                                + " de año los registra un jefe con git (commit firmado); un documento de un expediente va en su carpeta"
                                + " ('folio attach ID ARCHIVO'), y un archivo que no es del repositorio se quita de ahí."
                        print("⚠ Cambios sin registrar (difieren del último commit): \(list). " + (report.ok ? how : "Corrija antes lo señalado con ✗."))
                    }
                    print("El historial (autores, roles, orden y firmas) lo revisa 'folio verify'.")
                }
                if !report.ok { throw ExitCode(1) }
            }
        }
    }
}
