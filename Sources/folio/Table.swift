import Casebook
import Foundation

/// A plain-text table that fits a terminal: columns as wide as their content; when the line
/// would pass `width`, the `wrapping` columns are narrowed first and their text continues on the
/// next lines, then the widest other column is trimmed with "…".
struct Table {
    var headers: [String]
    var rows: [[String]] = []
    /// The terminal's width when the shell exports `COLUMNS`, else 100.
    var width = Table.width
    /// Columns whose long text wraps onto more lines instead of being cut.
    var wrapping: Set<Int> = []
    /// A line of text under a row (by row index), from the second column on, wrapped to the width.
    var details: [Int: String] = [:]

    /// The width tables are drawn to: the terminal's when the shell exports `COLUMNS`, else 100.
    static var width: Int { ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init).map { max($0, 60) } ?? 100 }

    func render() -> String {
        guard !headers.isEmpty else { return "" }
        // Committed text (titles, names, subjects) reaches the terminal without escape sequences
        // and on one line per row.
        let rows = self.rows.map { $0.map { cell in
            let safe = SafeText.terminal(cell)
            return safe.utf8.contains(10) ? safe.replacingOccurrences(of: "\n", with: " ") : safe
        } }
        // Each cell's length, and each wrapped cell's words' lengths, counted once: a table of ten
        // thousand cases is measured hundreds of times while its wrapped columns give way.
        let lengths = rows.map { $0.map { Self.length($0) } }
        let wrapped = wrapping.filter(headers.indices.contains).sorted()
        let words = rows.map { row in wrapped.map { Self.wordLengths(row[$0]) } }
        var widths = headers.indices.map { i in max(headers[i].count, lengths.map { $0[i] }.max() ?? 0) }
        let gaps = 2 * (headers.count - 1)
        // Wrapped columns give way first, down to 12 characters or their heading, each time the
        // one whose narrowing adds the fewest lines; then the widest other column is cut, down to
        // 12 or its heading; then the wrapped ones narrow to their longest word, and the columns
        // already cut give more, down to 8 or their heading; then the wrapped ones narrow to their
        // heading, and any other is cut down to 8. (A name wrapped five letters to a line, beside a
        // column of short norms kept wide for one long one, was the first round's `report plazos`
        // at 100 columns; "Mazatenango" broken after ten letters while a cut norm could give one,
        // the demo's.)
        let natural = widths
        var longestWord = Array(repeating: 0, count: headers.count)
        for (k, c) in wrapped.enumerated() { longestWord[c] = words.map { $0[k].max() ?? 0 }.max() ?? 0 }
        var heights = WrapHeights(wrapped: wrapped, lengths: lengths, words: words, widths: widths)
        func narrowest(_ floor: (Int) -> Int) -> Int? {
            let candidates = wrapped.indices.filter { widths[wrapped[$0]] > floor(wrapped[$0]) }
            let after = candidates.map { heights.total(narrowing: $0, to: widths[wrapped[$0]] - 1) }
            return candidates.indices.min { a, b in
                after[a] != after[b] ? after[a] < after[b] : widths[wrapped[candidates[a]]] > widths[wrapped[candidates[b]]]
            }.map { candidates[$0] }
        }
        func widestCut(_ floor: (Int) -> Int, alreadyCut: Bool = false) -> Int? {
            widths.indices.filter { !wrapping.contains($0) && widths[$0] > floor($0) && (!alreadyCut || widths[$0] < natural[$0]) }
                .max { widths[$0] < widths[$1] }
        }
        /// The column that gives a character next: a wrapped one (its place in `wrapped`) or a cut one.
        enum Narrowing { case wrap(Int), cut(Int) }
        while widths.reduce(0, +) + gaps > width {
            guard let next = narrowest({ max(12, headers[$0].count) }).map(Narrowing.wrap)
                ?? widestCut({ max(12, headers[$0].count) }).map(Narrowing.cut)
                ?? narrowest({ max(headers[$0].count, min(12, longestWord[$0])) }).map(Narrowing.wrap)
                ?? widestCut({ max(8, headers[$0].count) }, alreadyCut: true).map(Narrowing.cut)
                ?? narrowest({ max(4, headers[$0].count) }).map(Narrowing.wrap)
                ?? widestCut({ _ in 8 }).map(Narrowing.cut) else { break }
            switch next {
            case .wrap(let k):
                widths[wrapped[k]] -= 1
                heights.narrow(k, to: widths[wrapped[k]])
            case .cut(let column):
                widths[column] -= 1
            }
        }
        let last = headers.count - 1
        var out = "", started = false
        out.reserveCapacity((rows.count + 2) * (min(width, widths.reduce(gaps, +)) + 1))
        let wraps = headers.indices.map(wrapping.contains)
        /// The lines of a row whose cells are `lengths` characters long, after a newline unless it is the table's first.
        func append(_ cells: [String], _ lengths: [Int]) {
            /// One line of the row: the cell `text(i)` of each column, padded to its width.
            func line(_ text: (Int) -> String) {
                var line = ""
                line.reserveCapacity(width + 8)
                for i in cells.indices {
                    if i > 0 { line += "  " }
                    let text = text(i)
                    guard i < last else { line += text; continue }
                    let units = text.utf16.count
                    if units < widths[i], widths[i] - units < Self.spaces.count {
                        line += text
                        line += Self.spaces[widths[i] - units]
                    } else {
                        line += Self.padded(text, to: widths[i])
                    }
                }
                if started { out += "\n" }
                started = true
                out += Self.trimmingTrailingSpace(line)
            }
            // A row whose every cell fits is one line (as wrapping and cutting would leave it).
            guard !cells.indices.allSatisfy({ lengths[$0] <= widths[$0] }) else { return line { cells[$0] } }
            let pieces = cells.enumerated().map { i, cell -> [String] in
                if wraps[i] { return Self.wrap(cell, to: widths[i]) }
                return [lengths[i] > widths[i] ? String(cell.prefix(widths[i] - 1)) + "…" : cell]
            }
            for row in 0..<(pieces.map(\.count).max() ?? 1) {
                line { row < pieces[$0].count ? pieces[$0][row] : "" }
            }
        }
        let indent = headers.count > 1 ? widths[0] + 2 : 2
        append(headers, headers.map { $0.count })
        append(widths.map { String(repeating: "─", count: $0) }, widths)
        for (index, row) in rows.enumerated() {
            append(row, lengths[index])
            guard let detail = details[index], !detail.isEmpty else { continue }
            for line in Self.wrap(detail, to: max(width - indent, 20)) {
                out += "\n" + String(repeating: " ", count: indent) + line
            }
        }
        return out
    }

    /// Runs of 0 to 255 spaces to pad a cell with (a wider cell is padded by `padded`): whole
    /// strings, which a line appends without counting their characters as a slice's append does.
    private static let spaces = (0..<256).map { String(repeating: " ", count: $0) }

    /// How many lines the rows take as the wrapped columns narrow one character at a time: each
    /// row's line count in each wrapped column, kept up to date, so that trying a narrower width
    /// reads only the rows whose cell in that column is longer than it (the table of ten thousand
    /// cases tries one width per wrapped column at each of dozens of steps).
    struct WrapHeights {
        let wrapped: [Int]
        let lengths: [[Int]]
        let words: [[[Int]]]
        /// Per row, its line count in each wrapped column, and the greatest of them (at least 1).
        private var counts: [[Int]]
        private var tallest: [Int]
        /// The rows' lines at the current widths.
        private(set) var total: Int
        /// Per wrapped column, the rows by their cell's length, longest first.
        private let longest: [[Int]]

        init(wrapped: [Int], lengths: [[Int]], words: [[[Int]]], widths: [Int]) {
            self.wrapped = wrapped
            self.lengths = lengths
            self.words = words
            counts = lengths.indices.map { r in
                wrapped.indices.map { k in Table.lineCount(words: words[r][k], length: lengths[r][wrapped[k]], width: widths[wrapped[k]]) }
            }
            tallest = counts.map { max(1, $0.max() ?? 1) }
            total = tallest.reduce(0, +)
            longest = wrapped.map { c in lengths.indices.sorted { lengths[$0][c] > lengths[$1][c] } }
        }

        /// The rows' lines with wrapped column `k` at `width` (no wider than it is) and the others as they are.
        func total(narrowing k: Int, to width: Int) -> Int {
            var sum = total
            visit(k, width) { r, count in
                sum += rowHeight(r, k, count) - tallest[r]
            }
            return sum
        }

        /// Wrapped column `k` narrowed to `width`.
        mutating func narrow(_ k: Int, to width: Int) {
            var changed: [(Int, Int)] = []
            visit(k, width) { r, count in changed.append((r, count)) }
            for (r, count) in changed {
                let height = rowHeight(r, k, count)
                total += height - tallest[r]
                counts[r][k] = count
                tallest[r] = height
            }
        }

        /// Each row whose cell in wrapped column `k` is longer than `width`, with its line count there.
        private func visit(_ k: Int, _ width: Int, _ body: (Int, Int) -> Void) {
            let c = wrapped[k]
            for r in longest[k] {
                let length = lengths[r][c]
                guard length > width else { break }
                body(r, Table.lineCount(words: words[r][k], length: length, width: width))
            }
        }

        /// Row `r`'s height with `count` lines in wrapped column `k`.
        private func rowHeight(_ r: Int, _ k: Int, _ count: Int) -> Int {
            var height = max(1, count)
            for j in counts[r].indices where j != k { height = max(height, counts[r][j]) }
            return height
        }
    }

    /// The characters of `text`. Where no scalar can join the one before it into one character
    /// (every scalar below U+0300, as in Spanish text, and no carriage return), that is its scalars,
    /// counted from the UTF-8 bytes without breaking it into graphemes; else its graphemes.
    static func length(_ text: String) -> Int {
        var count = 0
        for byte in text.utf8 {
            if byte >= 0xCC || byte == 13 { return text.count }
            if byte & 0xC0 != 0x80 { count += 1 }
        }
        return count
    }

    /// The lengths of the words of `text` (split at spaces, empty ones left out).
    static func wordLengths(_ text: String) -> [Int] {
        guard isSimple(text) else { return text.split(separator: " " as Character, omittingEmptySubsequences: true).map { (word: Substring) in word.count } }
        var lengths: [Int] = []
        var current = 0
        for byte in text.utf8 {
            if byte == 32 {
                if current > 0 { lengths.append(current) }
                current = 0
            } else if byte & 0xC0 != 0x80 {
                current += 1
            }
        }
        if current > 0 { lengths.append(current) }
        return lengths
    }

    /// Whether each scalar of `text` is one character (see `length`).
    private static func isSimple(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0xCC && $0 != 13 }
    }

    /// How many lines `wrap` makes of a text `length` characters long whose words (split at
    /// spaces) are `words` characters long, at `width`, without making them.
    static func lineCount(words: [Int], length: Int, width: Int) -> Int {
        guard width > 0, length > width else { return 1 }
        var count = 0, current = 0, started = false
        for var word in words {
            while word > width {
                if started { count += 1; started = false; current = 0 }
                count += 1
                word -= width
            }
            if !started {
                current = word
                started = word > 0
            } else if current + 1 + word <= width {
                current += 1 + word
            } else {
                count += 1
                current = word
                started = word > 0
            }
        }
        if started { count += 1 }
        return max(count, 1)
    }

    /// `text` padded with spaces to `width` as Foundation's `padding(toLength:)` does (which counts
    /// UTF-16 units, and cuts a longer text), without bridging the common case.
    static func padded(_ text: String, to width: Int) -> String {
        let units = text.utf16.count
        guard units < width else { return text.padding(toLength: width, withPad: " ", startingAt: 0) }
        return text + String(repeating: " ", count: width - units)
    }

    /// `line` without the white space it ends with.
    static func trimmingTrailingSpace(_ line: String) -> String {
        // Padding is ASCII spaces: cut them by their bytes; a scalar beyond ASCII before them (which
        // may be white space, as U+00A0) is left to the scalars' properties.
        let bytes = line.utf8
        var end = bytes.endIndex
        while end > bytes.startIndex {
            let byte = bytes[bytes.index(before: end)]
            if byte >= 0x80 { break }
            guard byte == 32 || (9...13).contains(byte) else { return end == bytes.endIndex ? line : String(line[..<end]) }
            end = bytes.index(before: end)
        }
        var scalars = line[..<end].unicodeScalars
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    /// `text` in lines of at most `width` characters, broken at spaces (a word longer than a line is cut).
    static func wrap(_ text: String, to width: Int) -> [String] {
        guard width > 0, length(text) > width else { return [text] }
        var result: [String] = []
        var current = ""
        var currentLength = 0
        for piece in text.utf8.split(separator: 32, omittingEmptySubsequences: true) {
            var word = Substring(piece)
            var wordLength = length(String(word))
            while wordLength > width {
                if currentLength > 0 { result.append(current); current = ""; currentLength = 0 }
                result.append(String(word.prefix(width)))
                word = word.dropFirst(width)
                wordLength -= width
            }
            if currentLength == 0 {
                current = String(word)
                currentLength = wordLength
            } else if currentLength + 1 + wordLength <= width {
                current += " " + word
                currentLength += 1 + wordLength
            } else {
                result.append(current)
                current = String(word)
                currentLength = wordLength
            }
        }
        if currentLength > 0 { result.append(current) }
        return result.isEmpty ? [""] : result
    }
}
