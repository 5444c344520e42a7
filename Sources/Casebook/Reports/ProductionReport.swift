import Foundation
import Procedures

/// The consolidated monthly report of procedure 3 (step 06): every dependency's production of
/// the month by program, against the previous month and the same month a year earlier.
public struct ProductionReport: Sendable {
    public struct Row: Sendable {
        public var program: String
        public var dependency: String
        public var programmed: Double
        public var executed: Double
        public var previous: Double?
        public var yearAgo: Double?
        public var findings: Int
    }

    public struct Detail: Sendable {
        public var dependency: String
        public var line: ProductionLine
        public var previous: Double?
        public var yearAgo: Double?
    }

    public var caseID: String
    /// `AAAA-MM`.
    public var month: String
    public var institution: String
    public var rows: [Row]
    public var details: [Detail]
    public var findings: [(dependency: String, finding: ProductionFinding)]
    /// Executed per program for the 13 months ending with this one, oldest first (nil: no data).
    public var series: [String: [(month: String, executed: Double?)]]

    public var programs: [String] { Array(Set(rows.map(\.program))).sorted() }

    /// Sums of a program's rows: programmed, executed, previous and year-ago (nil when no row had one).
    public func total(_ program: String) -> (programmed: Double, executed: Double, previous: Double?, yearAgo: Double?) {
        let r = rows.filter { $0.program == program }
        func sum(_ values: [Double?]) -> Double? { values.contains { $0 != nil } ? values.compactMap { $0 }.reduce(0, +) : nil }
        return (r.map(\.programmed).reduce(0, +), r.map(\.executed).reduce(0, +), sum(r.map(\.previous)), sum(r.map(\.yearAgo)))
    }

    static func percent(_ part: Double, of whole: Double) -> String {
        whole > 0 ? String(format: "%.1f %%", part / whole * 100) : "—"
    }

    static func change(_ now: Double, from before: Double?) -> String {
        guard let before, before > 0 else { return "—" }
        let c = (now - before) / before * 100
        return String(format: "%+.1f %%", c)
    }

    /// "noviembre de 2026" for "2026-11".
    public static func monthName(_ month: String) -> String {
        let names = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"]
        let parts = month.split(separator: "-")
        guard parts.count == 2, let m = Int(parts[1]), (1...12).contains(m) else { return month }
        return "\(names[m - 1]) de \(parts[0])"
    }
}

extension ProductionReport {
    /// The report as Markdown: summary by program, table by program and dependency, findings.
    public var markdown: String {
        let n = ProductionCheck.show
        var out = ["# Informe consolidado de la producción de las dependencias, \(Self.monthName(month))", "",
                   "\(institution). Expediente \(caseID). Procedimiento 3: seguimiento de la producción terminal de los programas EMA e IVS.", "",
                   "## Resumen por programa", "",
                   "| Programa | Programado | Ejecutado | % ejecutado | vs. mes anterior | vs. mismo mes del año anterior |",
                   "|---|---:|---:|---:|---:|---:|"]
        for p in programs {
            let t = total(p)
            out.append("| \(SafeText.markdownCell(p)) | \(n(t.programmed)) | \(n(t.executed)) | \(Self.percent(t.executed, of: t.programmed)) | \(Self.change(t.executed, from: t.previous)) | \(Self.change(t.executed, from: t.yearAgo)) |")
        }
        for p in programs {
            out += ["", "## \(p) por dependencia", "",
                    "| Dependencia | Programado | Ejecutado | % ejecutado | vs. mes anterior | vs. año anterior | Hallazgos |",
                    "|---|---:|---:|---:|---:|---:|---:|"]
            for r in rows where r.program == p {
                out.append("| \(SafeText.markdownCell(r.dependency)) | \(n(r.programmed)) | \(n(r.executed)) | \(Self.percent(r.executed, of: r.programmed)) | \(Self.change(r.executed, from: r.previous)) | \(Self.change(r.executed, from: r.yearAgo)) | \(r.findings) |")
            }
        }
        out += ["", "## Hallazgos de la revisión (paso 03)", ""]
        if findings.isEmpty { out.append("Sin hallazgos.") }
        for (d, f) in findings { out.append("- **\(d)**, \(f.program), \(f.product): \(ProductionReview.label(f.kind)); \(f.message).") }
        return out.joined(separator: "\n") + "\n"
    }

    /// Every line of every dependency, with its comparisons: a spreadsheet opens it.
    public var csv: String {
        var out = ["mes,dependencia,programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado,porcentaje_ejecutado,mes_anterior,anio_anterior"]
        for d in details {
            let l = d.line
            let pct = l.programmed > 0 ? String(format: "%.1f", l.executed / l.programmed * 100) : ""
            out.append([month, d.dependency, l.program, l.product, l.unit, Self.plain(l.programmed), Self.plain(l.executed),
                        Self.plain(l.reprogrammed), pct, d.previous.map(Self.plain) ?? "", d.yearAgo.map(Self.plain) ?? ""]
                .map(Self.csvField).joined(separator: ","))
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func plain(_ n: Double) -> String { n == n.rounded() ? String(Int(n)) : String(n) }

    static func csvField(_ text: String) -> String {
        let s = SafeText.csvCell(text)
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
