import Casebook
import Foundation

/// A plain-text table that fits a terminal: columns as wide as their content, the widest
/// column trimmed with "…" when the line would pass `width`.
struct Table {
    var headers: [String]
    var rows: [[String]] = []
    /// The terminal's width when the shell exports `COLUMNS`, else 100.
    var width = Table.width

    /// The width tables are drawn to: the terminal's when the shell exports `COLUMNS`, else 100.
    static var width: Int { ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init).map { max($0, 60) } ?? 100 }

    func render() -> String {
        guard !headers.isEmpty else { return "" }
        // Committed text (titles, names, subjects) reaches the terminal without escape sequences
        // and on one line per row.
        let rows = self.rows.map { $0.map { SafeText.terminal($0).replacingOccurrences(of: "\n", with: " ") } }
        var widths = headers.indices.map { i in ([headers] + rows).map { $0[i].count }.max() ?? 0 }
        let gaps = 2 * (headers.count - 1)
        while widths.reduce(0, +) + gaps > width, let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 8 {
            widths[widest] -= 1
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let text = cell.count > widths[i] ? String(cell.prefix(widths[i] - 1)) + "…" : cell
                return i == cells.count - 1 ? text : text.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(headers), line(widths.map { String(repeating: "─", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }
}
