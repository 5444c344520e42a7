import Foundation
import Procedures

/// Small builders for self-contained HTML reports: escaped text, tables, and inline SVG charts
/// that print well (no scripts, no external files).
enum HTMLPage {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="es"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:"DejaVu Sans",Arial,sans-serif;color:#1a1a1a;max-width:1100px;margin:24px auto;padding:0 16px;font-size:14px}
        h1{font-size:22px;border-bottom:3px solid #0b4f8a;padding-bottom:6px}h2{font-size:17px;color:#0b4f8a;margin-top:28px}
        table{border-collapse:collapse;width:100%;margin:8px 0 16px}th,td{border:1px solid #c8c8c8;padding:4px 8px}
        th{background:#e8eef5;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
        tr.total td{font-weight:bold;background:#f4f4f4}.neg{color:#a40000}.pos{color:#1b6e20}
        .chart{margin:8px 0 20px}.note{color:#555;font-size:12px}
        @media print{body{margin:0;max-width:none}h2{break-after:avoid}table,svg{break-inside:avoid}}
        </style></head><body>
        \(body)
        </body></html>

        """
    }

    static func table(_ headers: [String], _ rows: [[String]], numeric: Set<Int>, totalRow: [String]? = nil) -> String {
        var out = "<table><thead><tr>" + headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        func row(_ cells: [String], _ cls: String) -> String {
            "<tr\(cls)>" + cells.enumerated().map { i, c in
                let sign = c.hasPrefix("-") && c.hasSuffix("%") ? " neg" : c.hasPrefix("+") ? " pos" : ""
                return numeric.contains(i) ? "<td class=\"n\(sign)\">\(escape(c))</td>" : "<td>\(escape(c))</td>"
            }.joined() + "</tr>"
        }
        out += rows.map { row($0, "") }.joined()
        if let totalRow { out += row(totalRow, " class=\"total\"") }
        return out + "</tbody></table>"
    }

    /// Horizontal bars: for each label, the executed value over a light bar of the programmed one.
    static func barChart(title: String, items: [(label: String, programmed: Double, executed: Double)],
                         legend: (String, String) = ("ejecutado", "programado")) -> String {
        let width = 1000.0, left = 170.0, rowHeight = 26.0
        let height = Double(items.count) * rowHeight + 50
        let maxValue = max(items.map { max($0.programmed, $0.executed) }.max() ?? 1, 1)
        let scale = (width - left - 110) / maxValue
        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">"
        svg += "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>"
        for (i, item) in items.enumerated() {
            let y = 30 + Double(i) * rowHeight
            svg += "<text x=\"\(Int(left - 8))\" y=\"\(Int(y + 15))\" font-size=\"12\" text-anchor=\"end\">\(escape(item.label))</text>"
            svg += "<rect x=\"\(Int(left))\" y=\"\(Int(y + 2))\" width=\"\(Int(item.programmed * scale))\" height=\"18\" fill=\"#d6e2ef\"/>"
            svg += "<rect x=\"\(Int(left))\" y=\"\(Int(y + 6))\" width=\"\(max(1, Int(item.executed * scale)))\" height=\"10\" fill=\"#0b4f8a\"/>"
            let pct = item.programmed > 0 ? String(format: " (%.0f %%)", item.executed / item.programmed * 100) : ""
            svg += "<text x=\"\(Int(left + max(item.programmed, item.executed) * scale + 6))\" y=\"\(Int(y + 15))\" font-size=\"11\">\(ProductionCheck.show(item.executed))\(pct)</text>"
        }
        svg += "<rect x=\"\(Int(left))\" y=\"\(Int(height - 14))\" width=\"12\" height=\"8\" fill=\"#0b4f8a\"/><text x=\"\(Int(left + 16))\" y=\"\(Int(height - 6))\" font-size=\"11\">\(escape(legend.0))</text>"
        svg += "<rect x=\"\(Int(left + 100))\" y=\"\(Int(height - 14))\" width=\"12\" height=\"8\" fill=\"#d6e2ef\"/><text x=\"\(Int(left + 116))\" y=\"\(Int(height - 6))\" font-size=\"11\">\(escape(legend.1))</text>"
        return svg + "</svg>"
    }

    /// A line of monthly values, with a point and a label at each month.
    static func lineChart(title: String, points: [(label: String, value: Double?)]) -> String {
        let width = 1000.0, height = 240.0, left = 70.0, bottom = 40.0, top = 30.0
        let values = points.compactMap(\.value)
        let maxValue = max(values.max() ?? 1, 1) * 1.1
        let step = points.count > 1 ? (width - left - 30) / Double(points.count - 1) : 0
        func y(_ v: Double) -> Double { top + (height - top - bottom) * (1 - v / maxValue) }
        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">"
        svg += "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>"
        svg += "<line x1=\"\(Int(left))\" y1=\"\(Int(height - bottom))\" x2=\"\(Int(width - 20))\" y2=\"\(Int(height - bottom))\" stroke=\"#888\"/>"
        for f in [0.0, 0.5, 1.0] {
            let v = maxValue / 1.1 * f
            svg += "<text x=\"\(Int(left - 6))\" y=\"\(Int(y(v) + 4))\" font-size=\"10\" text-anchor=\"end\">\(ProductionCheck.show(v.rounded()))</text>"
            svg += "<line x1=\"\(Int(left))\" y1=\"\(Int(y(v)))\" x2=\"\(Int(width - 20))\" y2=\"\(Int(y(v)))\" stroke=\"#eee\"/>"
        }
        var path = ""
        for (i, p) in points.enumerated() {
            let x = left + Double(i) * step
            svg += "<text x=\"\(Int(x))\" y=\"\(Int(height - bottom + 16))\" font-size=\"10\" text-anchor=\"middle\">\(escape(p.label))</text>"
            guard let v = p.value else { continue }
            path += (path.isEmpty ? "M" : "L") + "\(Int(x)),\(Int(y(v))) "
            svg += "<circle cx=\"\(Int(x))\" cy=\"\(Int(y(v)))\" r=\"3\" fill=\"#0b4f8a\"/>"
        }
        svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"#0b4f8a\" stroke-width=\"2\"/>"
        return svg + "</svg>"
    }
}

extension ProductionReport {
    /// A self-contained HTML page with the tables and charts, readable printed.
    public var html: String {
        let n = ProductionCheck.show
        var body = "<h1>Informe consolidado de la producción de las dependencias, \(HTMLPage.escape(Self.monthName(month)))</h1>"
        body += "<p class=\"note\">\(HTMLPage.escape(institution)). Expediente \(HTMLPage.escape(caseID)). Procedimiento 3: seguimiento de la producción terminal de los programas EMA e IVS.</p>"
        body += Self.excusedHTML(excused, noun: "Dependencias")
        body += "<h2>Resumen por producto</h2><p class=\"note\">Cada producto en su propia unidad de medida, sumado sobre las dependencias que lo informan; no se suman productos distintos.</p>"
        body += HTMLPage.table(["Programa", "Producto", "Unidad", "Dependencias", "Programado", "Ejecutado", "% ejecutado", "vs. mes anterior", "vs. año anterior"],
                               productTotals.map { t in
            [t.program, t.product, t.unit, String(t.dependencies), n(t.programmed), n(t.executed), Self.percent(t.executed, of: t.programmed),
             Self.change(t.executed, from: t.previous), Self.change(t.executed, from: t.yearAgo)]
        }, numeric: [3, 4, 5, 6, 7, 8])
        for p in programs {
            let e = execution(p)
            body += "<h2>\(HTMLPage.escape(p)) por dependencia</h2>"
            body += HTMLPage.barChart(title: "\(p): % ejecutado de cada dependencia (promedio de sus productos; 100 = lo programado)",
                                      items: e.map { ($0.dependency, 100, $0.meanPercent ?? 0) })
            body += HTMLPage.table(["Dependencia", "Productos", "% ejecutado (promedio)", "Producto más bajo", "Producto más alto", "Hallazgos"],
                                   e.map { [$0.dependency, String($0.products), Self.pct($0.meanPercent),
                                            $0.lowest.map { "\($0.product) (\(Self.pct($0.percent)))" } ?? "—",
                                            $0.highest.map { "\($0.product) (\(Self.pct($0.percent)))" } ?? "—", String($0.findings)] },
                                   numeric: [1, 2, 5])
            for t in productTotals where t.program == p {
                if let s = series["\(t.program)|\(t.product)|\(t.unit)"], s.compactMap(\.executed).count > 1 {
                    body += HTMLPage.lineChart(title: "\(t.product) (\(t.unit)): ejecutado total de los últimos 13 meses",
                                               points: s.map { (String($0.month.suffix(5)), $0.executed) })
                }
            }
        }
        body += "<h2>Hallazgos de la revisión (\(findings.count))</h2>"
        body += findings.isEmpty ? "<p>Sin hallazgos.</p>" : HTMLPage.table(["Dependencia", "Programa", "Producto", "Tipo", "Observación"],
            findings.map { [$0.dependency, $0.finding.program, $0.finding.product, ProductionReview.label($0.finding.kind), $0.finding.message] },
            numeric: [])
        return HTMLPage.page(title: "Producción \(month) — \(caseID)", body: body)
    }

    /// The head's report for the Gerencia and the Subgerencias (step 07), in Markdown: tables by
    /// product and by dependency that can be sent on as they are.
    public func headSummary(head: String) -> String {
        let n = ProductionCheck.show
        var out = ["# Informe de la producción de las dependencias prestadoras de servicios, \(Self.monthName(month))", "",
                   "Para: Gerencia; Subgerencia de Prestaciones en Salud; Subgerencia de Prestaciones Pecuniarias.",
                   "De: \(head), Jefe del Departamento de Planificación. Expediente \(caseID).", ""]
            + Self.excusedLines(excused, noun: "Dependencias")
        out += ["## Producción por producto", "",
                "| Programa | Producto | Ejecutado | Programado | % ejecutado | vs. mes anterior | vs. año anterior |",
                "|---|---|---:|---:|---:|---:|---:|"]
        for t in productTotals {
            out.append("| \(SafeText.markdownCell(t.program)) | \(SafeText.markdownCell(t.product)) | \(n(t.executed)) \(SafeText.markdownCell(t.unit)) | \(n(t.programmed)) | \(Self.percent(t.executed, of: t.programmed)) | \(Self.change(t.executed, from: t.previous)) | \(Self.change(t.executed, from: t.yearAgo)) |")
        }
        let outside = findings.filter { ["sub_ejecutado", "sobre_programado"].contains($0.finding.kind) }
        out += ["", "## Ejecución fuera de lo programado", ""]
        out += outside.isEmpty ? ["Ninguna dependencia fuera de los umbrales del procedimiento."]
            : outside.map { "- **\($0.dependency)**, \($0.finding.product): \(ProductionReview.label($0.finding.kind)); \($0.finding.message)." }
        let others = findings.count - outside.count
        out += ["", "## Observaciones de la revisión", "",
                findings.isEmpty ? "Sin hallazgos." : "\(Spanish.count(findings.count, "hallazgo")) en total (\(outside.count) de ejecución frente a lo programado, \(others) frente a la historia de cada dependencia); el detalle está en el informe consolidado.", "",
                "Con el visto bueno del Subgerente de Planificación y Desarrollo."]
        return out.joined(separator: "\n") + "\n"
    }
}
