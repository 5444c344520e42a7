import Foundation
import Procedures

/// One project's month in an executing unit's report (procedure 5).
public struct ProgressLine: Equatable, Sendable, Codable {
    public var snip: String
    public var project: String
    public var unit: String
    /// The physical goal, in `unit`.
    public var goal: Double
    /// Physical progress this month, in `unit`.
    public var progress: Double
    /// Budget for the month and executed, in quetzales.
    public var budget: Double
    public var executed: Double
    public var reasons: String
    public var line: Int

    /// Physical progress as a percentage of the goal (nil when the goal is 0).
    public var progressPercent: Double? { goal > 0 ? progress / goal * 100 : nil }
    public var financialPercent: Double? { budget > 0 ? executed / budget * 100 : nil }

    /// The project as a number: `0289347` and `289347` are one project (attack37).
    public var snipKey: String { Self.key(snip) }
    static func key(_ snip: String) -> String { String(snip.drop { $0 == "0" }) }
}

/// An executing unit's monthly report: `avance/<CODIGO>.csv` in the month's P5 expediente.
public enum ProgressTable {
    public static let columns = ["snip", "proyecto", "unidad_medida", "meta_fisica", "avance_fisico", "presupuesto", "ejecutado", "motivos"]

    public static func path(for unit: String) -> String { "avance/\(unit).csv" }

    /// Parses and validates: SNIP codes of digits, non-negative quantities and quetzales, and
    /// (norm 2 of procedure 5) the reasons wherever there was neither physical nor financial progress.
    /// `entry`: the file as a unit is about to record it (check, step, note), where a text cell a
    /// spreadsheet would run as a formula is refused too; what is committed is read as it is (the
    /// reports folio writes quote such cells).
    public static func parse(_ text: String, file: String, noProgressNorm: String?, entry: Bool = false) throws -> [ProgressLine] {
        var result: [ProgressLine] = []
        for row in try ProductionTable.rows(text, file: file, columns: columns) {
            func fail(_ column: Int, _ problem: String, _ fix: String) -> CasebookError {
                .invalidFile(file: file, reason: "línea \(row.line), columna \(column + 1) (\(columns[column])): \(problem)", fix: fix)
            }
            let f = row.fields
            // ASCII digits only (attack37: Arabic-Indic and full-width digits passed as another code).
            guard (4...10).contains(f[0].count), f[0].allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw fail(0, "'\(f[0])' no es un código SNIP", "Escriba el código del proyecto en el SNIP, solo dígitos.")
            }
            guard !f[1].isEmpty else { throw fail(1, "falta el nombre del proyecto", "Escriba el nombre del proyecto.") }
            // Text a spreadsheet would run as a formula when the unit's file is opened (attack36: the
            // dashboard serves it as it is; the reports folio writes quote such cells).
            // Nor text that would print as other text in the reports and the dashboard (attack37).
            for column in [1, 2, 7] where entry {
                if SafeText.hasControl(f[column]) {
                    throw fail(column, "tiene caracteres de control o marcas invisibles ('\(SafeText.visible(f[column]))')", "Escriba el texto sin ellos.")
                }
                if let first = f[column].first, "=+-@".contains(first) {
                    throw fail(column, "empieza con '\(first)', y una hoja de cálculo lo tomaría como una fórmula", "Escriba el texto sin ese signo al principio.")
                }
            }
            guard !f[2].isEmpty else { throw fail(2, "falta la unidad de medida de la meta física", "Escriba la unidad (p. ej. metro cuadrado).") }
            var numbers: [Double] = []
            for column in 3...6 {
                guard let value = ProductionTable.quantity(f[column]) else {
                    throw fail(column, ProductionTable.notQuantity(f[column]), ProductionTable.quantityHint(f[column]))
                }
                guard value >= 0 else { throw fail(column, "no puede ser negativo (\(f[column]))", "Las cantidades y los quetzales van de 0 en adelante.") }
                numbers.append(value)
            }
            if numbers[1] == 0, numbers[3] == 0, f[7].isEmpty {
                throw fail(7, "el proyecto \(f[0]) no tiene avance físico ni financiero y no anota los motivos",
                           "Escriba los motivos de la no ejecución" + (noProgressNorm.map { " (norma \($0) del procedimiento 5)" } ?? "") + ".")
            }
            // One line per project: a second would add its budget twice (attack36).
            if let first = result.first(where: { $0.snipKey == ProgressLine.key(f[0]) }) {
                throw fail(0, "el proyecto \(f[0]) ya está en la línea \(first.line)", "Deje una línea por proyecto, con las cifras del mes sumadas.")
            }
            result.append(ProgressLine(snip: f[0], project: f[1], unit: f[2], goal: numbers[0], progress: numbers[1], budget: numbers[2],
                                       executed: numbers[3], reasons: f[7], line: row.line))
        }
        guard !result.isEmpty else { throw ProductionTable.noLines(file: file, what: "proyecto") }
        return result
    }

    /// The projects (SNIP codes) more than one unit reports in a month, with the units, in code
    /// order: a project has one executing unit, and the month's totals would count it twice.
    public static func shared(_ units: [(code: String, lines: [ProgressLine])]) -> [(snip: String, units: [String])] {
        var by: [String: [String]] = [:]
        var written: [String: String] = [:]
        for unit in units {
            for line in unit.lines {
                by[line.snipKey, default: []].append(unit.code)
                written[line.snipKey] = written[line.snipKey] ?? line.snip
            }
        }
        return by.filter { $0.value.count > 1 }.map { (written[$0.key] ?? $0.key, $0.value.sorted()) }.sorted { $0.snip < $1.snip }
    }
}
