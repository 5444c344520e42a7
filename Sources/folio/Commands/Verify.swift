import ArgumentParser
import Casebook
import Procedures

extension Folio {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Repasa todo el historial contra los procedimientos y roles; sale con error si algo no cumple.",
            discussion: """
                Cada hallazgo lleva el código estable de su regla entre corchetes ([plazo], [signature]...) y su gravedad \
                (error o advertencia); con --json, en "rule" y "severity". 'folio verify --reglas' las lista.
                Ejemplos: folio verify; folio verify --json; folio verify --reglas
                """)
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("Rango A..B: solo los commits de B que A no tiene (lo que trae un push); o un commit.", valueName: "rango")) var range: String?
        @Flag(help: "Salida JSON.") var json = false
        @Flag(help: "Lista las reglas: código, gravedad y lo que comprueba (sin verificar nada).") var reglas = false

        func run() throws {
            try Folio.perform {
                if reglas {
                    let rules = VerifyRule.allCases.map { RuleEntry(code: $0.code, severity: $0.severity.rawValue, summary: $0.summary) }
                    if json { return try printJSON(rules) }
                    let width = rules.map(\.code.count).max() ?? 0
                    for r in rules {
                        print("\(r.code.padding(toLength: width, withPad: " ", startingAt: 0))  \(r.severity == "error" ? "error      " : "advertencia")  \(r.summary)")
                    }
                    return
                }
                let report = try repository.openForReading().verify(range: range)
                if json {
                    try printJSON(report)
                } else {
                    print("Verificados: \(Spanish.count(report.commits, "commit", "commits")), \(Spanish.count(report.cases, "expediente")), \(Spanish.count(report.steps, "paso")).")
                    for v in report.violations {
                        let place = [v.caseID, v.step.map { "paso \($0)" }].compactMap { $0 }.joined(separator: " ")
                        let mark = v.isError ? "✗" : "⚠"
                        // Messages quote committed text (author names, paths): printed without escape
                        // sequences, each on its own line (attack36: a file named with line breaks
                        // printed a "0 infracciones" line of its own).
                        print(SafeText.line("\(mark) \(v.commit.prefix(7)) \(place.isEmpty ? "" : place + ": ")\(v.message) [\(v.rule)]"))
                        print(SafeText.line("    Para corregirlo: \(v.fix)"))
                    }
                    if !report.outOfWindow.isEmpty { print(ComplianceText.verifySummary(report.outOfWindow)) }
                    let errors = report.violations.filter { $0.isError }.count
                    let warnings = report.violations.count - errors
                    print(report.violations.isEmpty ? "Sin infracciones."
                        : "\(Spanish.count(errors, "infracción")), \(Spanish.count(warnings, "advertencia")).")
                }
                if !report.ok { throw ExitCode(1) }
            }
        }
    }
}

/// One line of `folio verify --reglas`.
struct RuleEntry: Encodable {
    var code: String
    var severity: String
    var summary: String
}
