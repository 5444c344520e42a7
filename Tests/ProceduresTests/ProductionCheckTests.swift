import Procedures
import Testing

@Suite("The consistency check of monthly production against history")
struct ProductionCheckTests {
    let rules = definition(3).production!

    func line(_ product: String, _ executed: Double, programmed: Double = 1000) -> ProductionLine {
        ProductionLine(program: "EMA", product: product, unit: "u", programmed: programmed, executed: executed, reprogrammed: 0, line: 2)
    }

    /// Twelve months of ordinary variation: seasonal ±12 % and noise ±5 %, most recent first.
    func history(_ products: [String] = ["Consultas médicas", "Egresos hospitalarios"], base: Double = 1000) -> [(month: String, lines: [ProductionLine])] {
        let season = [1.0, 0.88, 0.99, 1.02, 1.0, 1.03, 1.02, 1.01, 1.03, 0.95, 1.02, 0.97]
        let noise = [1.03, 0.96, 1.05, 0.97, 1.01, 0.95, 1.04, 0.99, 1.02, 0.98, 1.05, 0.96]
        return (0..<12).map { i in
            (String(format: "2026-%02d", 12 - i), products.map { line($0, (base * season[i] * noise[i]).rounded()) })
        }
    }

    @Test("the schema's parameters are read")
    func parameters() {
        #expect(rules.months == 12 && rules.minimumMonths == 4 && rules.k == 3.5 && rules.overProgrammed == 1.5)
        #expect(rules.underExecuted == 0.8, "sub_ejecucion: 0.80")
        #expect(rules.catalog == "productos.csv")
    }

    @Test("ordinary variation stays quiet, month after month", arguments: [0.84, 0.9, 1.0, 1.1, 1.16])
    func quiet(factor: Double) {
        let found = ProductionCheck.findings(current: [line("Consultas médicas", 1000 * factor), line("Egresos hospitalarios", 990)],
                                             history: history(), rules: rules)
        #expect(found.isEmpty, "\(found.map(\.message))")
    }

    @Test("planted anomalies are flagged with the history that supports them",
          arguments: [("atipico", 450.0), ("atipico", 1900.0), ("cero", 0.0)])
    func outliers(kind: String, value: Double) throws {
        let found = ProductionCheck.findings(current: [line("Consultas médicas", value), line("Egresos hospitalarios", 1000)],
                                             history: history(), rules: rules)
        let f = try #require(found.first { $0.product == "Consultas médicas" && $0.kind == kind })
        #expect(f.history.count == 12 && f.history.first?.month == "2026-01" && f.history.last?.month == "2026-12")
        #expect(f.reference != nil && f.message.contains("mediana"))
    }

    @Test("a product that disappears, one that appears, and executed far above programmed")
    func productsAndGoals() {
        let found = ProductionCheck.findings(current: [line("Consultas médicas", 990), line("Estudios de imagen", 300),
                                                       line("Intervenciones quirúrgicas", 1600, programmed: 1000)],
                                             history: history(["Consultas médicas", "Egresos hospitalarios", "Intervenciones quirúrgicas"]),
                                             rules: rules)
        #expect(Set(found.map { "\($0.kind):\($0.product)" }) == ["desaparecido:Egresos hospitalarios", "nuevo:Estudios de imagen",
                                                                   "sobre_programado:Intervenciones quirúrgicas",
                                                                   "atipico:Intervenciones quirúrgicas",
                                                                   "sub_ejecutado:Estudios de imagen"])
    }

    @Test("with little history nothing is judged atypical, but a zero and under-execution still are; with none, nothing is new")
    func shortHistory() {
        let short = Array(history().prefix(3))
        #expect(ProductionCheck.findings(current: [line("Consultas médicas", 400), line("Egresos hospitalarios", 1000)], history: short,
                                         rules: rules).map(\.kind) == ["sub_ejecutado"], "40 % of the goal, though not judged atypical")
        #expect(ProductionCheck.findings(current: [line("Consultas médicas", 1000), line("Egresos hospitalarios", 1000)], history: short,
                                         rules: rules).isEmpty)
        #expect(ProductionCheck.findings(current: [line("Consultas médicas", 0), line("Egresos hospitalarios", 1000)], history: short,
                                         rules: rules).map(\.kind) == ["sub_ejecutado", "cero"])
        #expect(ProductionCheck.findings(current: [line("Consultas médicas", 1000)], history: [], rules: rules).isEmpty)
    }

    @Test("robust statistics")
    func statistics() {
        #expect(ProductionCheck.median([3, 1, 2]) == 2 && ProductionCheck.median([4, 1, 2, 3]) == 2.5)
        #expect(abs(ProductionCheck.scaledMAD([1, 2, 3, 4, 100], median: 3) - 1.4826) < 1e-9)
        #expect(ProductionCheck.show(1234567) == "1,234,567" && ProductionCheck.show(772.5) == "772.50")
    }
}
