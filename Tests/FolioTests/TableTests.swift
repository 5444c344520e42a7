import Foundation
import Testing
import Casebook
@testable import folio

/// The status table of ten thousand cases is measured hundreds of times while its wrapped
/// columns give way: its shortcuts must give what the plain forms give.
@Suite("Tables drawn for the terminal")
struct TableTests {
    /// Texts with what a committed title can hold: accents, emoji, combining marks, no-break and
    /// wide spaces, words longer than a line, runs of spaces.
    static func texts(count: Int, seed: UInt64) -> [String] {
        var generator = Seeded(seed)
        let pieces = ["a", "Expediente", "sintético", "👍🏽", "e\u{301}", "\u{A0}", "\u{3000}", " ", "  ", "Organización-Panamericana",
                      "ñ", "x", "COOP-2026-0155", "漢字", "—", "\u{200B}"]
        return (0..<count).map { _ in
            (0..<Int.random(in: 0...14, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
        }
    }

    @Test("a text's line count at any width is the number of lines wrap makes of it")
    func lineCounts() {
        for text in Self.texts(count: 3000, seed: 7) {
            let words = text.split(separator: " ", omittingEmptySubsequences: true).map(\.count)
            for width in -1...40 {
                #expect(Table.lineCount(words: words, length: text.count, width: width) == Table.wrap(text, to: width).count,
                        "\(text.debugDescription) at \(width)")
            }
        }
    }

    @Test("a cell's length and its words' lengths are its characters', ASCII or not; plain text reaches the terminal as it is")
    func lengths() {
        let ascii = ["", " ", "a", "  COOP-2026-0155  abierto ", "x y", "Expediente sintetico PI-2024-0377"]
        for text in Self.texts(count: 3000, seed: 5) + ascii {
            #expect(Table.length(text) == text.count, "\(text.debugDescription)")
            #expect(Table.wordLengths(text) == text.split(separator: " ", omittingEmptySubsequences: true).map(\.count), "\(text.debugDescription)")
        }
        #expect(SafeText.terminal("abierto  PI-2024-0377\nsiguiente") == "abierto  PI-2024-0377\nsiguiente")
        #expect(SafeText.terminal("a\u{1B}[31mrojo\u{7F}\tb") == "arojo b")
        #expect(SafeText.terminal("Organización\u{202E}txt") == "Organizacióntxt")
    }

    @Test("padding and trimming as Foundation's padding(toLength:) and a trailing \\s+ expression do")
    func paddingAndTrimming() {
        for text in Self.texts(count: 3000, seed: 11) {
            for width in [0, 1, 3, 8, 12, 20, 40] {
                #expect(Table.padded(text, to: width) == text.padding(toLength: width, withPad: " ", startingAt: 0), "\(text.debugDescription)")
            }
            let line = text + ["", " ", "  ", "\u{A0}", "\u{3000} "][text.count % 5]
            #expect(Table.trimmingTrailingSpace(line) == line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression),
                    "\(line.debugDescription)")
        }
    }

    @Test("wrap breaks lines where a character-by-character wrap breaks them")
    func wrapsAsCharacters() {
        /// The wrap of the round before, on characters throughout.
        func reference(_ text: String, _ width: Int) -> [String] {
            guard width > 0, text.count > width else { return [text] }
            var result: [String] = [], current = ""
            for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
                var word = word
                while word.count > width {
                    if !current.isEmpty { result.append(current); current = "" }
                    result.append(String(word.prefix(width)))
                    word = String(word.dropFirst(width))
                }
                if current.isEmpty { current = word } else if current.count + 1 + word.count <= width { current += " " + word } else {
                    result.append(current)
                    current = word
                }
            }
            if !current.isEmpty { result.append(current) }
            return result.isEmpty ? [""] : result
        }
        for text in Self.texts(count: 2000, seed: 13) + ["a\r\nb c", "Organización Panamericana de la Salud", "  a  "] {
            for width in [-1, 0, 1, 2, 3, 5, 8, 12, 20, 40] {
                #expect(Table.wrap(text, to: width) == reference(text, width), "\(text.debugDescription) at \(width)")
            }
        }
        #expect(Table.length("a\r\nb") == 3 && Table.length("e\u{301}ñ") == 2)
    }

    /// `render` as it was drawn before its heights were kept up to date (every candidate width's
    /// height counted over every row), the plain form the shortcut must equal.
    static func plainRender(_ table: Table) -> String {
        guard !table.headers.isEmpty else { return "" }
        // Committed text (titles, names, subjects) reaches the terminal without escape sequences
        // and on one line per row.
        let rows = table.rows.map { $0.map { cell in
            let safe = SafeText.terminal(cell)
            return safe.utf8.contains(10) ? safe.replacingOccurrences(of: "\n", with: " ") : safe
        } }
        // Each cell's length, and each wrapped cell's words' lengths, counted once: a table of ten
        // thousand cases is measured hundreds of times while its wrapped columns give way.
        let lengths = rows.map { $0.map { Table.length($0) } }
        let wrapped = table.wrapping.sorted()
        let words = rows.map { row in wrapped.map { Table.wordLengths(row[$0]) } }
        var widths = table.headers.indices.map { i in max(table.headers[i].count, lengths.map { $0[i] }.max() ?? 0) }
        let gaps = 2 * (table.headers.count - 1)
        // Wrapped columns give way first (down to 12 characters or their heading), each time the
        // one whose narrowing adds the fewest lines; then the widest other is cut (down to 12 or its
        // heading); then the wrapped ones to their longest word (at most 12) and the columns already
        // cut down to 8 or their heading; then the wrapped ones to their heading; then any other is
        // cut (down to 8).
        let natural = widths
        func longestWord(_ c: Int) -> Int {
            rows.map { Table.wordLengths($0[c]).max() ?? 0 }.max() ?? 0
        }
        func height(_ w: [Int]) -> Int {
            var sum = 0
            for r in rows.indices {
                var tallest = 1
                for (k, c) in wrapped.enumerated() where lengths[r][c] > w[c] {
                    tallest = max(tallest, Table.lineCount(words: words[r][k], length: lengths[r][c], width: w[c]))
                }
                sum += tallest
            }
            return sum
        }
        func narrowest(_ floor: (Int) -> Int) -> Int? {
            let candidates = widths.indices.filter { table.wrapping.contains($0) && widths[$0] > floor($0) }
            return candidates.min { a, b in
                var wa = widths, wb = widths
                wa[a] -= 1
                wb[b] -= 1
                let (ha, hb) = (height(wa), height(wb))
                return ha != hb ? ha < hb : widths[a] > widths[b]
            }
        }
        func widestCut(_ floor: (Int) -> Int, alreadyCut: Bool = false) -> Int? {
            widths.indices.filter { !table.wrapping.contains($0) && widths[$0] > floor($0) && (!alreadyCut || widths[$0] < natural[$0]) }
                .max(by: { widths[$0] < widths[$1] })
        }
        while widths.reduce(0, +) + gaps > table.width {
            if let c = narrowest({ max(12, table.headers[$0].count) }) ?? widestCut({ max(12, table.headers[$0].count) })
                ?? narrowest({ max(table.headers[$0].count, min(12, longestWord($0))) })
                ?? widestCut({ max(8, table.headers[$0].count) }, alreadyCut: true)
                ?? narrowest({ max(4, table.headers[$0].count) }) ?? widestCut({ _ in 8 }) {
                widths[c] -= 1
            } else {
                break
            }
        }
        func lines(_ cells: [String]) -> [String] {
            let pieces = cells.enumerated().map { i, cell -> [String] in
                if table.wrapping.contains(i) { return Table.wrap(cell, to: widths[i]) }
                return [Table.length(cell) > widths[i] ? String(cell.prefix(widths[i] - 1)) + "…" : cell]
            }
            let height = pieces.map(\.count).max() ?? 1
            return (0..<height).map { row in
                Table.trimmingTrailingSpace(pieces.enumerated().map { i, cell in
                    let text = row < cell.count ? cell[row] : ""
                    return i == pieces.count - 1 ? text : Table.padded(text, to: widths[i])
                }.joined(separator: "  "))
            }
        }
        let indent = table.headers.count > 1 ? widths[0] + 2 : 2
        let body = rows.enumerated().flatMap { index, row -> [String] in
            guard let detail = table.details[index], !detail.isEmpty else { return lines(row) }
            return lines(row) + Table.wrap(detail, to: max(table.width - indent, 20)).map { String(repeating: " ", count: indent) + $0 }
        }
        return (lines(table.headers) + lines(widths.map { String(repeating: "─", count: $0) }) + body).joined(separator: "\n")
    }

    @Test("a table draws as the plain form draws it: the same widths chosen, the same lines, at any width, with wrapped columns anywhere")
    func rendersAsPlainForm() {
        var generator = Seeded(17)
        let texts = Self.texts(count: 400, seed: 19)
        let names = ["", "jperez", "jperez, lramirez, alopez", "mrodriguez", "Organización Panamericana de la Salud"]
        for trial in 0..<40 {
            let columns = Int.random(in: 1...7, using: &generator)
            var table = Table(headers: (0..<columns).map { ["EXPEDIENTE", "P", "ESTADO", "SIGUIENTE", "QUIÉN", "TÍTULO", "ÚLTIMO"][$0] })
            table.width = [60, 80, 100, 140][trial % 4]
            table.wrapping = Set((0..<columns).filter { _ in Bool.random(using: &generator) })
            table.rows = (0..<Int.random(in: 0...150, using: &generator)).map { r in
                (0..<columns).map { c in
                    switch Int.random(in: 0...3, using: &generator) {
                    case 0: texts.randomElement(using: &generator)!
                    case 1: names.randomElement(using: &generator)!
                    case 2: "COOP-2026-\(r)"
                    default: String(repeating: "palabra ", count: Int.random(in: 0...9, using: &generator)) + "\(c)"
                    }
                }
            }
            if trial % 5 == 0, !table.rows.isEmpty { table.details = [0: "Una nota bajo la fila " + (texts.first ?? "")] }
            #expect(table.render() == Self.plainRender(table), "trial \(trial)")
        }
        // A terminal wide enough for a column of hundreds of characters: its shorter cells padded all the way.
        var wide = Table(headers: ["EXPEDIENTE", "TÍTULO", "P"])
        wide.width = 1000
        wide.rows = [["A", String(repeating: "x", count: 400), "1"], ["B", "corto", "2"]]
        #expect(wide.render() == Self.plainRender(wide))
    }

    @Test("a table of many rows fits the width, wrapping its long cells at spaces")
    func manyRows() {
        var table = Table(headers: ["EXPEDIENTE", "P", "ESTADO", "TÍTULO"])
        table.width = 60
        table.wrapping = [2, 3]
        let texts = Self.texts(count: 500, seed: 3)
        table.rows = texts.enumerated().map { ["COOP-2026-\(String(format: "%04d", $0.offset))", "7", "abierto", $0.element] }
        let lines = table.render().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count >= 502)
        #expect(lines.allSatisfy { $0.count <= 60 || $0.contains("\u{A0}") || $0.contains("\u{3000}") || $0.contains("👍🏽") || $0.contains("漢字") })
        #expect(lines.allSatisfy { $0.last.map { !$0.isWhitespace } ?? true })
    }

    @Test("a wrapped column keeps 12 characters while another column is wider than 12 (helper118: report plazos at 100 columns wrapped names five letters to a line beside a column of short norms 17 wide)")
    func wrappedKeepsRoomBeforeOthersAreCut() {
        var table = Table(headers: ["FECHA", "EXPEDIENTE", "PASO", "DEP.", "AUTOR", "PLAZO", "SITUACIÓN", "NORMA", "JUSTIFICADO"])
        table.width = 100
        table.wrapping = [4]
        table.rows = [
            ["2026-11-02", "PROD-2026-10", "03", "HGE", "Ana López", "2026-11-05", "en plazo", "norma 2", ""],
            ["2026-11-03", "AMF-2026-10", "05", "", "María Rodríguez", "2026-11-10", "fuera de plazo", "P5 criterio del departamento", "sí"],
        ]
        let lines = table.render().split(separator: "\n").map(String.init)
        // Ana López on one line; the long norm is cut with "…", not the names wrapped.
        #expect(lines.contains { $0.contains("Ana López") })
        #expect(lines.contains { $0.contains("…") })
        #expect(lines.allSatisfy { $0.count <= 100 })
        #expect(lines.count == 5)
        // The demo's: a name whose longest word fits in 11 is not broken while a cut norm can give
        // a character, and the case ids are not cut.
        table.rows.append(["2026-11-27", "PROD-2026-11", "01", "HMZ", "Enlace Hospital de Mazatenango", "2026-11-30", "en plazo", "norma 1", ""])
        let demo = table.render().split(separator: "\n").map(String.init)
        #expect(demo.contains { $0.contains("Mazatenango") }, "\(demo.joined(separator: "\n"))")
        #expect(demo.contains { $0.contains("PROD-2026-11") } && demo.contains { $0.contains("AMF-2026-10") })
        #expect(demo.allSatisfy { $0.count <= 100 })
    }
}

/// A small deterministic generator (xorshift), so that a failure names texts that come again.
struct Seeded: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E3779B97F4A7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}


@Suite("Where a closed case stands, in words")
struct ClosedRoundTextTests {
    @Test("a closed round's possible new dependency is said as the jefe's to add, not as a step that can still be recorded (staff34: folio refuses it until the list names it)")
    func closedRound() throws {
        let json = #"{"step":"10","role":"analista","roles":["analista"],"holders":["alopez"],"activity":"Recibe el POA","perDependency":true,"overdue":false}"#
        let next = try JSONDecoder().decode(NextStepStatus.self, from: Data(json.utf8))
        let line = StatusText.nextLine(state: .closed, next: [next])
        #expect(line.hasPrefix("Terminado. Una dependencia más, solo si un jefe la agrega a 'dependencias_esperadas' con 'folio note': 10"), "\(line)")
        #expect(!line.contains("aún se puede registrar"))
        #expect(StatusText.nextLine(state: .closed, next: []) == "Procedimiento terminado (FIN).")
    }
}

@Suite("When a next step's window opens, in words")
struct OpeningTextTests {
    @Test("a step whose window opens later says when; once it has opened (that day or after) it says only when it is due (staff35: 'abre el 2026-11-01' on the 2nd)")
    func opensOnlyAhead() throws {
        let json = #"{"step":"04","role":"analista","roles":["analista"],"holders":["alopez"],"activity":"Aprueba","perDependency":false,"overdue":false,"due":"2026-11-10","opens":"2026-11-01"}"#
        let next = try JSONDecoder().decode(NextStepStatus.self, from: Data(json.utf8))
        #expect(StatusText.nextLine(state: .open, next: [next], today: "2026-10-31").contains("abre el 2026-11-01 y vence el 2026-11-10"))
        for today in ["2026-11-01", "2026-11-02"] {
            let line = StatusText.nextLine(state: .open, next: [next], today: today)
            #expect(!line.contains("abre el") && line.contains("vence el 2026-11-10"), "\(today): \(line)")
        }
    }
}
