import Foundation
import Procedures

/// The monthly physical and financial progress report of procedure 5 (steps 03 and 05).
public struct ProgressReport: Sendable {
    public var caseID: String
    public var month: String
    public var institution: String
    /// Lines by executing unit, in code order.
    public var units: [(code: String, lines: [ProgressLine])]
    /// Expected units the jefe closed the month without, with the reason (`folio excusar`).
    public var excused: [(code: String, reason: String)] = []

    public var allLines: [ProgressLine] { units.flatMap(\.lines) }
    public var budget: Double { allLines.map(\.budget).reduce(0, +) }
    public var executed: Double { allLines.map(\.executed).reduce(0, +) }
    public var withoutProgress: [(String, ProgressLine)] {
        units.flatMap { u in u.lines.filter { $0.progress == 0 && $0.executed == 0 }.map { (u.code, $0) } }
    }

    static func pct(_ v: Double?) -> String { v.map { String(format: "%.1f %%", $0) } ?? "—" }

    /// Figures past what they measure, said in the report for whoever reviews it (attack36: 5000 %
    /// of the goal and 1000 % of the budget went by without a word): physical progress over the
    /// goal, executed over the month's budget (or spent with no budget).
    public var beyond: [String] {
        units.flatMap { u in
            u.lines.flatMap { l -> [String] in
                var found: [String] = []
                if l.progress > l.goal { found.append("\(u.code), \(l.snip) \(l.project): avance del mes (\(ProductionCheck.show(l.progress)) \(l.unit)) mayor que la meta física (\(ProductionCheck.show(l.goal)))") }
                if l.executed > l.budget { found.append("\(u.code), \(l.snip) \(l.project): ejecutado (Q \(ProductionCheck.show(l.executed))) mayor que el presupuesto del mes (Q \(ProductionCheck.show(l.budget)))") }
                return found
            }
        }
    }

    public var markdown: String {
        let n = ProductionCheck.show
        var out = ["# Informe mensual de avance físico y financiero de los proyectos de inversión, \(ProductionReport.monthName(month))", "",
                   "\(institution). Expediente \(caseID). Procedimiento 5.", "",
                   "Presupuesto del mes: Q \(n(budget)); ejecutado: Q \(n(executed)) (\(ProductionReport.percent(executed, of: budget))).", ""]
            + ProductionReport.excusedLines(excused, noun: "Unidades ejecutoras")
        let cell = SafeText.markdownCell
        for u in units {
            out += ["## \(cell(u.code))", "", "| SNIP | Proyecto | Meta física | Avance del mes | % físico | Presupuesto (Q) | Ejecutado (Q) | % financiero | Motivos |",
                    "|---|---|---:|---:|---:|---:|---:|---:|---|"]
            out += u.lines.map { l in
                "| \(cell(l.snip)) | \(cell(l.project)) | \(n(l.goal)) \(cell(l.unit)) | \(n(l.progress)) | \(Self.pct(l.progressPercent)) | \(n(l.budget)) | \(n(l.executed)) | \(Self.pct(l.financialPercent)) | \(cell(l.reasons)) |"
            }
            out.append("")
        }
        out += ["## Proyectos sin avance (norma 2)", ""]
        out += withoutProgress.isEmpty ? ["Ninguno."] : withoutProgress.map { "- \($0.0), \($0.1.snip) \($0.1.project): \($0.1.reasons)" }
        if !beyond.isEmpty {
            out += ["", "## Cifras por revisar", ""] + beyond.map { "- \(cell($0))" }
        }
        return out.joined(separator: "\n") + "\n"
    }

    public var csv: String {
        var out = ["mes,unidad_ejecutora,snip,proyecto,unidad_medida,meta_fisica,avance_fisico,porcentaje_fisico,presupuesto,ejecutado,porcentaje_financiero,motivos"]
        for u in units {
            for l in u.lines {
                out.append([month, u.code, l.snip, l.project, l.unit, ProductionReport.plain(l.goal), ProductionReport.plain(l.progress),
                            l.progressPercent.map { String(format: "%.1f", $0) } ?? "", ProductionReport.plain(l.budget),
                            ProductionReport.plain(l.executed), l.financialPercent.map { String(format: "%.1f", $0) } ?? "", l.reasons]
                    .map(ProductionReport.csvField).joined(separator: ","))
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    public var html: String {
        let n = ProductionCheck.show
        var body = "<h1>Avance físico y financiero de los proyectos de inversión, \(HTMLPage.escape(ProductionReport.monthName(month)))</h1>"
        body += "<p class=\"note\">\(HTMLPage.escape(institution)). Expediente \(HTMLPage.escape(caseID)). Procedimiento 5.</p>"
        body += ProductionReport.excusedHTML(excused, noun: "Unidades ejecutoras")
        body += HTMLPage.barChart(title: "Ejecución financiera del mes por proyecto (Q)",
                                  items: allLines.map { ("\($0.snip)", $0.budget, $0.executed) }, legend: ("ejecutado", "presupuesto"))
        for u in units {
            body += "<h2>\(HTMLPage.escape(u.code))</h2>"
            body += HTMLPage.table(["SNIP", "Proyecto", "Meta física", "Avance", "% físico", "Presupuesto (Q)", "Ejecutado (Q)", "% financiero", "Motivos"],
                                   u.lines.map { [$0.snip, $0.project, "\(n($0.goal)) \($0.unit)", n($0.progress), Self.pct($0.progressPercent),
                                                  n($0.budget), n($0.executed), Self.pct($0.financialPercent), $0.reasons] },
                                   numeric: [2, 3, 4, 5, 6, 7])
        }
        return HTMLPage.page(title: "Avance \(month) — \(caseID)", body: body)
    }

    public func headSummary(head: String) -> String {
        let n = ProductionCheck.show
        var out = ["# Informe de avance de los proyectos de inversión, \(ProductionReport.monthName(month))", "",
                   "Para: Subgerencia de Planificación y Desarrollo. De: \(head), Jefe del Departamento de Planificación. Expediente \(caseID).", "",
                   "- Proyectos informados: \(allLines.count), de \(Spanish.count(units.count, "unidad ejecutora", "unidades ejecutoras")).",
                   "- Ejecución financiera del mes: Q \(n(executed)) de Q \(n(budget)) (\(ProductionReport.percent(executed, of: budget))).",
                   "- Proyectos sin avance: \(withoutProgress.count)" + (withoutProgress.isEmpty ? "." : ", con sus motivos anotados (norma 2)."), "",
                   "Conocido, analizado y avalado."]
        out.insert(contentsOf: ProductionReport.excusedLines(excused, noun: "Unidades ejecutoras"), at: 3)
        out += withoutProgress.map { "- \($0.1.snip) \($0.1.project) (\($0.0)): \($0.1.reasons)" }
        return out.joined(separator: "\n") + "\n"
    }
}
