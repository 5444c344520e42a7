import ArgumentParser
import Casebook

extension Folio {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Repasa todo el historial contra los procedimientos y roles; sale con error si algo no cumple.",
            discussion: "Ejemplo: folio verify")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: "Rango A..B: solo los commits de B que A no tiene (lo que trae un push); o un commit.") var range: String?
        @Flag(help: "Salida JSON.") var json = false

        func run() throws {
            try Folio.perform {
                let report = try repository.openForReading().verify(range: range)
                if json {
                    try printJSON(report)
                } else {
                    print("Verificados \(report.commits) commits, \(report.cases) expedientes, \(report.steps) pasos.")
                    for v in report.violations {
                        let place = [v.caseID, v.step.map { "paso \($0)" }].compactMap { $0 }.joined(separator: " ")
                        let mark = v.severity == "error" ? "✗" : "⚠"
                        print("\(mark) \(v.commit.prefix(7)) \(place.isEmpty ? "" : place + ": ")\(v.message) [\(v.rule)]")
                        print("    Para corregirlo: \(v.fix)")
                    }
                    if !report.outOfWindow.isEmpty { print(ComplianceText.verifySummary(report.outOfWindow)) }
                    let errors = report.violations.filter { $0.severity == "error" }.count
                    let warnings = report.violations.count - errors
                    print(report.violations.isEmpty ? "Sin infracciones."
                        : "\(errors) infracciones, \(warnings) advertencias.")
                }
                if !report.ok { throw ExitCode(1) }
            }
        }
    }
}
