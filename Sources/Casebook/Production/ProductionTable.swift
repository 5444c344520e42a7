import Foundation
import Procedures
import SwiftCSV

/// The catalogue of programs, products and their units (`schemas/productos.csv`).
public struct ProductCatalog: Sendable {
    /// `programa|producto` -> unit of measure.
    var units: [String: String]

    static let columns = ["programa", "producto", "unidad_medida"]

    public static func parse(_ text: String, file: String) throws -> ProductCatalog {
        let rows = try ProductionTable.rows(text, file: file, columns: columns)
        return ProductCatalog(units: Dictionary(rows.map { ("\($0.fields[0])|\($0.fields[1])", $0.fields[2]) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Every product with its program and unit, sorted by program and product.
    var products: [(program: String, product: String, unit: String)] {
        units.map { key, unit in
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "", unit)
        }.sorted { ($0.program, $0.product) < ($1.program, $1.product) }
    }

    var programs: [String] { Array(Set(units.keys.map { String($0.split(separator: "|")[0]) })).sorted() }
}

/// A dependency's production of one month: `produccion/<CODIGO>.csv` in the month's expediente.
public enum ProductionTable {
    /// The columns, in order, as the header must name them.
    public static let columns = ["programa", "producto", "unidad_medida", "meta_programada", "ejecutado", "reprogramado"]

    /// The path of a dependency's file inside the case folder.
    public static func path(for dependency: String) -> String { "produccion/\(dependency).csv" }

    /// Parses and validates a file: header, known programs and products with their units,
    /// non-negative numbers, no repeated product, no total lines. A refusal names the file, the
    /// line and the column.
    public static func parse(_ text: String, file: String, catalog: ProductCatalog) throws -> [ProductionLine] {
        var lines: [ProductionLine] = []
        var seen: [String: Int] = [:]
        for row in try rows(text, file: file, columns: columns) {
            func fail(_ column: Int, _ problem: String, _ fix: String) -> CasebookError {
                .invalidFile(file: file, reason: "línea \(row.line), columna \(column + 1) (\(columns[column])): \(problem)", fix: fix)
            }
            let (program, product, unit) = (row.fields[0], row.fields[1], row.fields[2])
            if program.lowercased().hasPrefix("total") || product.lowercased().hasPrefix("total") {
                throw CasebookError.invalidFile(file: file, reason: "línea \(row.line) del CSV: es una línea de totales ('\(program.lowercased().hasPrefix("total") ? program : product)')",
                                                fix: "Quite la línea de totales: folio suma los totales; el CSV lleva solo una línea por producto.")
            }
            guard catalog.programs.contains(program) else {
                throw fail(0, "programa '\(program)' desconocido", "Use \(catalog.programs.joined(separator: " o ")).")
            }
            guard let expected = catalog.units["\(program)|\(product)"] else {
                let known = catalog.units.keys.filter { $0.hasPrefix(program + "|") }.map { String($0.split(separator: "|")[1]) }.sorted()
                throw fail(1, "producto '\(product)' no está en el catálogo de \(program)",
                           "Use uno de: \(known.joined(separator: "; ")) (schemas/productos.csv).")
            }
            guard unit == expected else {
                throw fail(2, "la unidad de medida de '\(product)' es '\(expected)', no '\(unit)'", "Escriba '\(expected)'.")
            }
            if let first = seen[row.fields[0] + "|" + product] {
                throw fail(1, "'\(product)' ya aparece en la línea \(first)", "Deje una sola línea por producto.")
            }
            seen[program + "|" + product] = row.line
            var numbers: [Double] = []
            for column in 3...5 {
                let raw = row.fields[column].trimmingCharacters(in: .whitespaces)
                if raw.isEmpty, column == 5 { numbers.append(0); continue }
                guard let value = Self.quantity(raw) else { throw fail(column, Self.notQuantity(raw), Self.quantityHint(raw)) }
                guard value >= 0 else { throw fail(column, "no puede ser negativo (\(raw))", "Las metas y la ejecución son cantidades de 0 en adelante.") }
                numbers.append(value)
            }
            lines.append(ProductionLine(program: program, product: product, unit: unit, programmed: numbers[0], executed: numbers[1],
                                        reprogrammed: numbers[2], line: row.line))
        }
        guard !lines.isEmpty else { throw Self.noLines(file: file, what: "producto") }
        return lines
    }

    /// A data file with its header and no line: the month's data is missing, not zero.
    static func noLines(file: String, what: String) -> CasebookError {
        .invalidFile(file: file, reason: "el CSV no tiene ninguna línea de datos después del encabezado",
                     fix: "Escriba una línea por \(what) con sus cifras del mes (0 donde no hubo); una plantilla con las líneas del mes anterior la escribe 'folio step ID 01 --dependency CODIGO --template'.")
    }

    /// Why a figure is not a quantity.
    static func notQuantity(_ raw: String) -> String {
        raw.isEmpty ? "la cifra está vacía" : "'\(raw)' no es un número"
    }

    static func quantityHint(_ raw: String) -> String {
        raw.isEmpty ? "Escriba la cifra del mes (0 si no hubo)." : quantityHint
    }

    /// The figures of a ',' file that look like a thousands point ("2.100"): read, as the
    /// separator says, as decimals (2.1). Each with its line and column, for a notice.
    static func thousandsLookalikes(_ text: String, file: String, columns: [String], figures: ClosedRange<Int>) -> [(line: Int, column: Int, raw: String)] {
        guard let rows = try? rows(text, file: file, columns: columns) else { return [] }
        return rows.flatMap { row in
            figures.compactMap { column -> (Int, Int, String)? in
                let raw = row.fields[column].trimmingCharacters(in: .whitespaces)
                let parts = raw.split(separator: ".", omittingEmptySubsequences: false)
                guard parts.count == 2, (1...3).contains(parts[0].count), parts[1].count == 3,
                      parts.allSatisfy({ $0.allSatisfy(\.isDigitASCII) }) else { return nil }
                return (row.line, column, raw)
            }
        }
    }

    /// The separator a header line uses: ';' (what a spreadsheet in Spanish saves) or ','.
    static func separator(ofHeader line: Substring) -> Character {
        line.filter { $0 == ";" }.count > line.filter { $0 == "," }.count ? ";" : ","
    }

    /// The data rows of a CSV whose header must be `columns`, with their line numbers. Read as
    /// staff produce it: UTF-8 with or without byte-order mark, CRLF or LF, separated by ',' or
    /// ';' (then a decimal comma, 12,5, is read as 12.5), trailing blank lines (or lines of
    /// separators only) ignored. Every refusal speaks of the CSV: file, line, column, separator.
    static func rows(_ text: String, file: String, columns: [String]) throws -> [(line: Int, fields: [String])] {
        var clean = text.replacingOccurrences(of: "\r\n", with: "\n")
        if clean.hasPrefix("\u{FEFF}") { clean.removeFirst() }
        var lines = clean.split(separator: "\n", omittingEmptySubsequences: false)
        while let last = lines.last, last.allSatisfy({ " \t,;".contains($0) }) { lines.removeLast() }
        guard let headerLine = lines.first else {
            throw CasebookError.invalidFile(file: file, reason: "el archivo CSV está vacío",
                                            fix: "La primera línea es el encabezado: \(columns.joined(separator: ",")); después, una línea por dato.")
        }
        let separator = separator(ofHeader: headerLine)
        let said = separator == ";" ? "separado por ';'" : "separado por ','"
        clean = lines.joined(separator: "\n") + "\n"
        // An odd number of quotes means one never closes (the parser would read on to the end).
        if clean.filter({ $0 == "\"" }).count % 2 == 1 {
            let line = lines.firstIndex { $0.filter { $0 == "\"" }.count % 2 == 1 }
            throw CasebookError.invalidFile(file: file, reason: "CSV con comillas sin cerrar" + (line.map { " en la línea \($0 + 1)" } ?? ""),
                                            fix: "Cierre las comillas del campo o quítelas.")
        }
        let csv: CSV<Enumerated>
        do {
            csv = try CSV<Enumerated>(string: clean, delimiter: separator == ";" ? .semicolon : .comma, loadColumns: false)
        } catch {
            throw CasebookError.invalidFile(file: file, reason: "el CSV no se puede leer (\(said))",
                                            fix: "Guárdelo desde la hoja de cálculo como CSV UTF-8.")
        }
        let header = csv.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard header == columns else {
            let at = zip(header, columns).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(header.count, columns.count)
            throw CasebookError.invalidFile(file: file, reason: "línea 1, columna \(at + 1) del CSV (\(said)): el encabezado debe ser \(columns.joined(separator: String(separator)))",
                                            fix: "Corrija la primera línea del archivo CSV.")
        }
        var result: [(Int, [String])] = []
        var index = 1
        try csv.enumerateAsArray(startAt: 1, rowLimit: nil) { fields in
            index += 1
            result.append((index, fields))
        }
        for (line, fields) in result where fields.count != columns.count {
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw CasebookError.invalidFile(file: file, reason: "línea \(line) del CSV: está vacía", fix: "Borre la línea vacía.")
            }
            throw CasebookError.invalidFile(file: file, reason: "línea \(line) del CSV (\(said)): tiene \(Spanish.count(fields.count, "campo")) y debe tener \(columns.count)"
                + (fields.count < columns.count ? " (falta la columna \(fields.count + 1), \(columns[fields.count]))" : ""),
                                            fix: "Separe los campos con '\(separator)' como el encabezado; ponga entre comillas un texto que lleve '\(separator)'.")
        }
        return result.map { row in
            (line: row.0, fields: row.1.map { field in
                let value = field.trimmingCharacters(in: .whitespaces)
                return separator == ";" ? Self.spanishNumber(value) : value
            })
        }
    }

    /// A field of a ';' file as a spreadsheet in Spanish writes numbers: "1.500" (a thousands
    /// point, the only reading a ';' file allows for three digits after a point) is 1500, "12,5"
    /// is 12.5 and "1.234,5" is 1234.5; any other text is kept as it is.
    static func spanishNumber(_ value: String) -> String {
        let body = value.hasPrefix("-") ? value.dropFirst() : value[...]
        let parts = body.split(separator: ",", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.count == 1 || (!parts[1].isEmpty && parts[1].allSatisfy(\.isDigitASCII)) else {
            return value
        }
        let groups = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        let thousands = groups.count > 1 && (1...3).contains(groups[0].count) && groups.dropFirst().allSatisfy { $0.count == 3 }
            && groups.allSatisfy { $0.allSatisfy(\.isDigitASCII) }
        guard thousands || (groups.count == 1 && parts.count == 2 && groups[0].allSatisfy(\.isDigitASCII)) else { return value }
        return (value.hasPrefix("-") ? "-" : "") + groups.joined() + (parts.count == 2 ? "." + parts[1] : "")
    }

    /// A quantity as the monthly files carry it: digits with an optional decimal point ("1250",
    /// "12.5"), at most a trillion; hexadecimal, exponents, signs and infinities are not quantities.
    static func quantity(_ raw: String) -> Double? {
        let body = raw.hasPrefix("-") ? raw.dropFirst() : raw[...]
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isDigitASCII) }),
              let value = Double(raw), value.isFinite, abs(value) < 1e12 else { return nil }
        return value
    }

    static let quantityHint = "Escriba solo dígitos: 1250, o 12.5 con punto decimal (en un CSV separado por ';', 12,5 y 1.250 para miles)."

    /// "12,5", "-3,25": a number written with a decimal comma.
    static func isDecimalComma(_ value: String) -> Bool {
        let parts = value.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy(\.isNumber) else { return false }
        let whole = parts[0].hasPrefix("-") ? parts[0].dropFirst() : parts[0]
        return !whole.isEmpty && whole.allSatisfy(\.isNumber)
    }
}

extension Character {
    /// 0-9 only: a quantity has no other digits (Arabic-Indic, full-width).
    var isDigitASCII: Bool { ("0"..."9").contains(self) }
}
