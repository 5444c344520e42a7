/// How the monthly production data of procedure 3 is checked (`produccion:` in its schema).
public struct ProductionRules: Equatable, Sendable {
    /// The catalogue of programs, products and units, a CSV file in `schemas/`.
    public var catalog: String
    /// Earlier months compared with the current one.
    public var months: Int
    /// Below this many months of history no value is judged atypical.
    public var minimumMonths: Int
    /// Values outside median ± k × MAD (scaled to a standard deviation) are atypical.
    public var k: Double
    /// The narrowest band admitted, relative to the median: with few months or a steady series
    /// the MAD is tiny, and ordinary variation (a short month, a holiday) must not be flagged.
    public var tolerance: Double
    /// Executed above this multiple of the programmed goal is flagged.
    public var overProgrammed: Double
    /// Executed below this fraction of the programmed goal is under-execution, a finding.
    public var underExecuted: Double

    public init(catalog: String, months: Int, minimumMonths: Int, k: Double, tolerance: Double, overProgrammed: Double,
                underExecuted: Double = 0.8) {
        self.underExecuted = underExecuted
        self.catalog = catalog
        self.months = months
        self.minimumMonths = minimumMonths
        self.k = k
        self.tolerance = tolerance
        self.overProgrammed = overProgrammed
    }
}

/// How procedure 5's monthly progress data is checked (`avance:` in its schema).
public struct ProgressRules: Equatable, Sendable {
    /// The norm that requires the reasons when a project has neither physical nor financial progress.
    public var noProgressNorm: String?

    public init(noProgressNorm: String?) {
        self.noProgressNorm = noProgressNorm
    }
}

/// One line of a dependency's monthly production: a product of a program.
public struct ProductionLine: Equatable, Sendable, Codable {
    public var program: String
    public var product: String
    public var unit: String
    public var programmed: Double
    public var executed: Double
    public var reprogrammed: Double
    /// The line in its CSV file (1 is the header).
    public var line: Int

    public init(program: String, product: String, unit: String, programmed: Double, executed: Double, reprogrammed: Double, line: Int) {
        self.program = program
        self.product = product
        self.unit = unit
        self.programmed = programmed
        self.executed = executed
        self.reprogrammed = reprogrammed
        self.line = line
    }

    public var key: String { "\(program)|\(product)" }
}

/// A month's executed value, the history behind a finding.
public struct MonthValue: Equatable, Sendable, Codable {
    public var month: String
    public var executed: Double
}

/// Something in a month's figures that deserves a look at step 04.
public struct ProductionFinding: Equatable, Sendable, Codable {
    /// `atipico`, `cero`, `desaparecido`, `nuevo`, `sobre_programado`.
    public var kind: String
    public var program: String
    public var product: String
    /// The month's executed value (nil for a product that disappeared).
    public var value: Double?
    /// What it was compared with: the median, the programmed goal, the last value.
    public var reference: Double?
    /// A Spanish sentence for the analyst.
    public var message: String
    /// The history behind it, oldest first.
    public var history: [MonthValue]
}

/// Compares a month's lines with the same dependency's earlier months. Pure.
public enum ProductionCheck {
    /// - Parameter history: earlier months, most recent first; only the first `rules.months` count.
    public static func findings(current: [ProductionLine], history: [(month: String, lines: [ProductionLine])],
                                rules: ProductionRules) -> [ProductionFinding] {
        let window = Array(history.prefix(rules.months))
        var found: [ProductionFinding] = []
        func series(_ key: String) -> [MonthValue] {
            window.reversed().compactMap { m in m.lines.first { $0.key == key }.map { MonthValue(month: m.month, executed: $0.executed) } }
        }
        for line in current {
            let past = series(line.key)
            let values = past.map(\.executed)
            if line.programmed > 0, line.executed > rules.overProgrammed * line.programmed {
                found.append(ProductionFinding(
                    kind: "sobre_programado", program: line.program, product: line.product, value: line.executed, reference: line.programmed,
                    message: "ejecutado \(show(line.executed)) supera \(show(rules.overProgrammed)) veces lo programado (\(show(line.programmed)))",
                    history: past))
            }
            if line.programmed > 0, line.executed < rules.underExecuted * line.programmed {
                found.append(ProductionFinding(
                    kind: "sub_ejecutado", program: line.program, product: line.product, value: line.executed, reference: line.programmed,
                    message: "ejecutado \(show(line.executed)) \(line.unit), \(show(line.executed / line.programmed * 100)) % de lo programado (\(show(line.programmed))): menos del \(show(rules.underExecuted * 100)) %",
                    history: past))
            }
            if values.isEmpty {
                if !window.isEmpty {
                    found.append(ProductionFinding(kind: "nuevo", program: line.program, product: line.product, value: line.executed,
                                                   reference: nil, message: window.count == 1 ? "producto que no aparece en el mes anterior" : "producto que no aparece en los \(window.count) meses anteriores",
                                                   history: []))
                }
                continue
            }
            let med = median(values)
            if line.executed == 0, (values.last ?? 0) > 0 || med > 0 {
                found.append(ProductionFinding(kind: "cero", program: line.program, product: line.product, value: 0, reference: med,
                                               message: "ejecutado 0, cuando la mediana de los meses anteriores es \(show(med))", history: past))
                continue
            }
            guard values.count >= rules.minimumMonths else { continue }
            let spread = scaledMAD(values, median: med)
            let allowed = max(rules.k * spread, rules.tolerance * med)
            if abs(line.executed - med) > allowed {
                let direction = line.executed > med ? "por encima" : "por debajo"
                found.append(ProductionFinding(
                    kind: "atipico", program: line.program, product: line.product, value: line.executed, reference: med,
                    message: "ejecutado \(show(line.executed)) \(direction) del rango habitual \(show(max(0, med - allowed)))–\(show(med + allowed)) (mediana \(show(med)))",
                    history: past))
            }
        }
        // A product reported in the last month (and in most of the window) that is missing now.
        let currentKeys = Set(current.map(\.key))
        if let last = window.first {
            for line in last.lines where !currentKeys.contains(line.key) {
                let past = series(line.key)
                guard past.count * 2 >= window.count else { continue }
                found.append(ProductionFinding(kind: "desaparecido", program: line.program, product: line.product, value: nil,
                                               reference: line.executed,
                                               message: "no se informa este mes; en \(last.month) fue \(show(line.executed))", history: past))
            }
        }
        return found
    }

    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 0 ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[mid]
    }

    /// The median absolute deviation scaled by 1.4826, a robust standard deviation.
    public static func scaledMAD(_ values: [Double], median med: Double) -> Double {
        1.4826 * median(values.map { abs($0 - med) })
    }

    /// A number as staff write it: no decimals when whole, thousands with commas.
    public static func show(_ n: Double) -> String {
        // Beyond what an integer holds, say it as a power of ten rather than stop.
        guard n.isFinite, abs(n) < 1e15 else { return String(format: "%.3g", n) }
        let rounded = (n * 100).rounded() / 100
        let whole = rounded == rounded.rounded()
        let integer = Int(rounded.rounded(.towardZero))
        var digits = String(abs(integer))
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits = String(digits.dropLast(3))
        }
        let sign = n < 0 ? "-" : ""
        if whole { return sign + digits + grouped }
        let fraction = String(format: "%.2f", abs(rounded)).split(separator: ".").last ?? "00"
        return sign + digits + grouped + "." + fraction
    }
}
