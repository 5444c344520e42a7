import ArgumentParser
import Casebook

extension Folio {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Valida los archivos de trabajo sin registrar nada (sirve de hook pre-commit de git).",
            discussion: "Ejemplos: folio check; folio check PI-2026-0001 --json")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: "ID del expediente (sin él, todos y la configuración).") var id: String?
        @Flag(help: "Salida JSON.") var json = false

        func run() throws {
            try Folio.perform {
                let report = try repository.open().check(caseID: id)
                if json {
                    try printJSON(report)
                } else {
                    for p in report.problems { print(SafeText.terminal("✗ \(p)")) }
                    print(report.ok ? "Revisados \(report.cases) expedientes: sin problemas."
                        : "Revisados \(report.cases) expedientes: \(report.problems.count) problemas.")
                }
                if !report.ok { throw ExitCode(1) }
            }
        }
    }
}
