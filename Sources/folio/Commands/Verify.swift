import ArgumentParser
import Casebook

extension Folio {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Repasa todo el historial contra los procedimientos y roles; sale con error si algo no cumple.",
            discussion: "Ejemplo: folio verify")
        @OptionGroup var repository: RepositoryOptions
        @Flag(help: "Salida JSON.") var json = false

        func run() throws {
            try Folio.perform {
                let report = try repository.open().verify()
                if json {
                    try printJSON(report)
                } else {
                    print("Verificados \(report.commits) commits, \(report.cases) expedientes, \(report.steps) pasos.")
                    for v in report.violations {
                        let place = [v.caseID, v.step.map { "paso \($0)" }].compactMap { $0 }.joined(separator: " ")
                        print("✗ \(v.commit.prefix(7)) \(place.isEmpty ? "" : place + ": ")\(v.message) [\(v.rule)]")
                    }
                    print(report.ok ? "Sin infracciones." : "\(report.violations.count) infracciones.")
                }
                if !report.ok { throw ExitCode(1) }
            }
        }
    }
}
