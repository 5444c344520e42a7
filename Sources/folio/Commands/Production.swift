import ArgumentParser
import Casebook
import Procedures

extension Folio {
    struct CheckProduction: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-production",
            abstract: "Compara la producción del mes de una dependencia con su historial (paso 03 del procedimiento 3).",
            discussion: "Ejemplo: folio check-production PROD-2026-11 --dependency HGE")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("ID del expediente mensual.", valueName: "expediente")) var id: String
        @Option(help: ArgumentHelp("Código de la dependencia.", valueName: "código")) var dependency: String
        @Flag(help: "Salida JSON.") var json = false

        func run() throws {
            try Folio.perform {
                let review = try repository.open().reviewProduction(caseID: id, dependency: dependency)
                if json { return try printJSON(review) }
                print("Producción de \(review.dependency), \(review.month), comparada con \(Spanish.count(review.monthsCompared.count, "mes", "meses")) anteriores.")
                if let short = review.shortHistory { print(short) }
                if review.findings.isEmpty { print(review.noFindings) }
                for f in review.findings {
                    print("• \(ProductionReview.label(f.kind)): \(f.program), \(f.product): \(f.message).")
                    if !f.history.isEmpty {
                        print("    historial: " + f.history.map { "\($0.month) \(ProductionCheck.show($0.executed))" }.joined(separator: " · "))
                    }
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Exporta un expediente como ZIP verificable, o la serie de producción de todos los meses (base de monitoreo).",
            discussion: """
                Ejemplos:
                  folio export POA-2026-0001 --out POA-2026-0001.zip
                  folio export production --from 2025-11 --to 2026-10 --csv > produccion.csv
                """)
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("Un ID de expediente, o 'production'.", valueName: "expediente|production")) var what: String
        @Option(help: ArgumentHelp("El ZIP a escribir (para un expediente).", valueName: "salida")) var out: String?
        @Option(name: .customLong("as"), help: ArgumentHelp("Quien exporta y firma (id o correo); sin él, la persona de git user.email.", valueName: "persona"))
        var persona: String?
        @Option(help: ArgumentHelp("Desde el mes AAAA-MM.", valueName: "aaaa-mm")) var from: String?
        @Option(help: ArgumentHelp("Hasta el mes AAAA-MM.", valueName: "aaaa-mm")) var to: String?
        @Flag(help: "CSV (por omisión).") var csv = false
        @Flag(help: "JSON.") var json = false

        func run() throws {
            try Folio.perform {
                guard what == "production" || what == "produccion" else {
                    guard let out else {
                        throw CasebookError.invalidValue(option: "folio export", reason: "falta --out", fix: "Use: folio export \(what) --out \(what).zip")
                    }
                    let report = try repository.open().exportDossier(caseID: what, to: out, persona: persona)
                    if let signer = report.signer {
                        print("\(out): \(Spanish.count(report.files, "archivo")), firmado por \(signer). Verifíquelo con 'folio verify-export \(out) -C REPOSITORIO'.")
                    } else {
                        print("\(out): \(Spanish.count(report.files, "archivo")), SIN FIRMA: quien exporta no tiene clave_ssh en roles.yaml; el sello y el "
                              + "manifiesto solo detectan cambios accidentales, no una alteración hecha a propósito.")
                    }
                    return
                }
                for month in [from, to].compactMap({ $0 }) where Day(iso: month + "-01") == nil { throw CasebookError.invalidMonth(month) }
                let records = try repository.open().exportProduction(from: from, to: to)
                if json { return try printJSON(records) }
                print(ProductionRecord.csvHeader)
                for r in records { print(r.csvLine) }
            }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Vuelve a generar los informes de un expediente mensual, o da el cumplimiento de plazos del mes.",
            discussion: """
                Ejemplos:
                  folio report PROD-2026-10 --out informes/
                  folio report plazos --month 2026-12        # pasos del mes: en plazo, tarde, antes de tiempo, con sus razones
                """)
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("ID del expediente, o 'plazos'.", valueName: "expediente|plazos")) var id: String
        @Option(help: ArgumentHelp("Carpeta donde escribirlos (por omisión, informe-ID).", valueName: "salida")) var out: String?
        @Option(help: ArgumentHelp("Con 'plazos': el mes AAAA-MM (por omisión, el actual).", valueName: "aaaa-mm")) var month: String?
        @Flag(help: "Con 'plazos': salida JSON.") var json = false

        func run() throws {
            try Folio.perform {
                if id.lowercased() == "plazos" {
                    let report = try repository.openReader().compliance(month: month)
                    return json ? try printJSON(report) : print(ComplianceText.render(report))
                }
                let files = try repository.open().regenerateReports(caseID: id, into: out ?? "informe-\(id.uppercased())")
                for f in files { print(f) }
            }
        }
    }
}
