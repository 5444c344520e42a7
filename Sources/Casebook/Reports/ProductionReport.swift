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
    /// Expected dependencies the jefe closed the month without, with the reason (`folio excusar`).
    public var excused: [(code: String, reason: String)] = []

    /// The paragraph that names who is missing from the month and why.
    static func excusedLines(_ excused: [(code: String, reason: String)], noun: String) -> [String] {
        guard !excused.isEmpty else { return [] }
        return ["## \(noun) que este informe no cuenta (el jefe cerró el mes sin ellas; lo que hayan enviado no se revisó)", ""]
            + excused.map { "- **\($0.code)**: \($0.reason.replacingOccurrences(of: "\n", with: " "))" } + [""]
    }

    static func excusedHTML(_ excused: [(code: String, reason: String)], noun: String) -> String {
        guard !excused.isEmpty else { return "" }
        return "<h2>\(HTMLPage.escape(noun)) que este informe no cuenta (el jefe cerró el mes sin ellas; lo que hayan enviado no se revisó)</h2><ul>"
            + excused.map { "<li><strong>\(HTMLPage.escape($0.code))</strong>: \(HTMLPage.escape($0.reason))</li>" }.joined() + "</ul>"
    }

    public var programs: [String] { Array(Set(rows.map(\.program))).sorted() }

    /// One product in its own unit, summed over the dependencies that report it: the only totals
    /// that add like with like.
    public struct ProductTotal: Sendable {
        public var program: String
        public var product: String
        public var unit: String
        public var programmed: Double
        public var executed: Double
        public var previous: Double?
        public var yearAgo: Double?
        public var dependencies: Int
    }

    public var productTotals: [ProductTotal] {
        var order: [String] = []
        var groups: [String: [Detail]] = [:]
        for d in details {
            let key = "\(d.line.program)|\(d.line.product)|\(d.line.unit)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(d)
        }
        func sum(_ values: [Double?]) -> Double? { values.contains { $0 != nil } ? values.compactMap { $0 }.reduce(0, +) : nil }
        return order.map { key in
            let g = groups[key]!
            let l = g[0].line
            return ProductTotal(program: l.program, product: l.product, unit: l.unit, programmed: g.map(\.line.programmed).reduce(0, +),
                                executed: g.map(\.line.executed).reduce(0, +), previous: sum(g.map(\.previous)), yearAgo: sum(g.map(\.yearAgo)),
                                dependencies: Set(g.map(\.dependency)).count)
        }.sorted { ($0.program, $0.product) < ($1.program, $1.product) }
    }

    /// A dependency's execution in one program: each of its products as % of its own goal, never
    /// a sum of different units.
    public struct DependencyExecution: Sendable {
        public var dependency: String
        public var program: String
        public var products: Int
        /// The mean of its products' % executed (products with a goal).
        public var meanPercent: Double?
        public var lowest: (product: String, percent: Double)?
        public var highest: (product: String, percent: Double)?
        public var findings: Int
    }

    public func execution(_ program: String) -> [DependencyExecution] {
        let codes = Array(Set(details.filter { $0.line.program == program }.map(\.dependency))).sorted()
        return codes.map { code in
            let lines = details.filter { $0.dependency == code && $0.line.program == program }.map(\.line)
            let percents = lines.filter { $0.programmed > 0 }.map { ($0.product, $0.executed / $0.programmed * 100) }
            return DependencyExecution(
                dependency: code, program: program, products: lines.count,
                meanPercent: percents.isEmpty ? nil : percents.map(\.1).reduce(0, +) / Double(percents.count),
                lowest: percents.min { $0.1 < $1.1 }, highest: percents.max { $0.1 < $1.1 },
                findings: findings.filter { $0.dependency == code && $0.finding.program == program }.count)
        }
    }

    static func pct(_ value: Double?) -> String { value.map { String(format: "%.1f %%", $0) } ?? "—" }

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
                   "\(institution). Expediente \(caseID). Procedimiento 3: seguimiento de la producción terminal de los programas EMA e IVS.", ""]
            + Self.excusedLines(excused, noun: "Dependencias") + [
                   "## Resumen por producto", "",
                   "Cada producto en su propia unidad de medida, sumado sobre las dependencias que lo informan; no se suman productos distintos.", "",
                   "| Programa | Producto | Unidad | Dependencias | Programado | Ejecutado | % ejecutado | vs. mes anterior | vs. mismo mes del año anterior |",
                   "|---|---|---|---:|---:|---:|---:|---:|---:|"]
        for t in productTotals {
            out.append("| \(SafeText.markdownCell(t.program)) | \(SafeText.markdownCell(t.product)) | \(SafeText.markdownCell(t.unit)) | \(t.dependencies) | \(n(t.programmed)) | \(n(t.executed)) | \(Self.percent(t.executed, of: t.programmed)) | \(Self.change(t.executed, from: t.previous)) | \(Self.change(t.executed, from: t.yearAgo)) |")
        }
        for p in programs {
            out += ["", "## \(p) por dependencia", "",
                    "El % ejecutado de una dependencia es el promedio de sus productos, cada uno frente a su propia meta.", "",
                    "| Dependencia | Productos | % ejecutado (promedio) | Producto más bajo | Producto más alto | Hallazgos |",
                    "|---|---:|---:|---|---|---:|"]
            for e in execution(p) {
                out.append("| \(SafeText.markdownCell(e.dependency)) | \(e.products) | \(Self.pct(e.meanPercent)) | \(e.lowest.map { "\(SafeText.markdownCell($0.product)) (\(Self.pct($0.percent)))" } ?? "—") | \(e.highest.map { "\(SafeText.markdownCell($0.product)) (\(Self.pct($0.percent)))" } ?? "—") | \(e.findings) |")
            }
        }
        out += ["", "## Hallazgos de la revisión (\(findings.count))", ""]
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

    static func csvField(_ text: String) -> String { SafeText.csvField(text) }
}
