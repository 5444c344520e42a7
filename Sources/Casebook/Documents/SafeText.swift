import Foundation

/// Text from people and files on its way to places where some characters do harm: identities
/// (git refuses `<` and `>`), Markdown tables, terminals (escape sequences) and spreadsheets
/// (cells starting with `=` run as formulas).
public enum SafeText {
    /// Control characters (C0, DEL, C1), the line and paragraph separators (U+2028, U+2029: line
    /// breaks to YAML, so a title holding one was written and then refused as unreadable) and the
    /// invisible bidirectional overrides that make text read differently from what it is.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        // The Arabic letter mark (bidirectional too), the zero-width space, the word joiner and the
        // invisible operators, and the tag characters: invisible text (attack37).
        case 0x061C, 0x200B, 0x2060...0x2064, 0xE0000...0xE007F: return true
        default: return false
        }
    }

    public static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: isControl)
    }

    /// Whether YAML `bytes` may load into a text holding a control character, a bidirectional
    /// mark or a line break where one line is expected (`FrontMatterDocument.unsafeField`): what
    /// `mayHoldControl` finds (raw controls, DEL, C1, the marks), and what YAML turns into them: a
    /// `\` escape in quotes, a block scalar (`|`, `>`).
    /// A byte scan, so that only such files are parsed again.
    public static func mayHideControl(_ bytes: Data) -> Bool {
        bytes.contains { $0 == 0x5C || $0 == 0x7C || $0 == 0x3E } || mayHoldControl(bytes)
    }

    /// Whether UTF-8 `bytes` may hold a scalar `isControl` takes (but a line break): a control
    /// byte, DEL, a C1 control (C2 80...9F), or one of the invisible marks: their UTF-8 bytes.
    static func mayHoldControl<Bytes: Sequence>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        var p1: UInt8 = 0, p2: UInt8 = 0
        for byte in bytes {
            if byte < 0x20 ? byte != 10 : byte == 0x7F { return true }
            if byte >= 0x80 {
                // (A `where` binds to one pattern of a case only: plain conditions here.)
                if p1 == 0xC2, byte <= 0x9F { return true }
                if p2 == 0xE2, p1 == 0x80, byte == 0x8B || byte == 0x8E || byte == 0x8F || (0xA8...0xAE).contains(byte) { return true }
                if p2 == 0xE2, p1 == 0x81, (0xA0...0xA4).contains(byte) || (0xA6...0xA9).contains(byte) { return true }
                if p1 == 0xD8, byte == 0x9C { return true }
                if p2 == 0xF3, p1 == 0xA0, byte == 0x80 || byte == 0x81 { return true }
            }
            p2 = p1
            p1 = byte
        }
        return false
    }

    /// The control characters of `text` as visible escapes (`\n`, `\u{1B}`), for messages.
    public static func visible(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars {
            switch s {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(s): out += "\\u{\(String(s.value, radix: 16, uppercase: true))}"
            default: out.unicodeScalars.append(s)
            }
        }
        return out
    }

    /// Why a record's text (-m, a justification, an excuse's reason) cannot be recorded: it holds a
    /// control character other than a line break or tab, or an invisible mark, which would print as
    /// other text in the log, the routing slip and the dashboard (attack37); nil when it can.
    public static func textProblem(_ text: String) -> String? {
        guard text.unicodeScalars.contains(where: { isControl($0) && $0 != "\n" && $0 != "\t" }) else { return nil }
        return "'\(visible(String(text.prefix(120))))' tiene caracteres de control o marcas invisibles (escapes de terminal, retornos de carro, "
            + "marcas de dirección del texto), que se mostrarían como otro texto"
    }

    /// Why `text` cannot be an identity, a title or a file name; nil when it can.
    /// `identity`: also refuses what git forbids in `Nombre <correo>` (`<`, `>`).
    public static func problem(_ text: String, identity: Bool = false) -> String? {
        if hasControl(text) { return "'\(visible(text))' tiene caracteres de control (saltos de línea, tabulaciones o escapes)" }
        if identity, text.contains(where: { $0 == "<" || $0 == ">" }) {
            return "'\(text)' tiene '<' o '>', que git no admite en el nombre ni en el correo de una firma"
        }
        return nil
    }

    /// Text for a terminal: escape sequences and other control characters removed (a tab
    /// becomes a space), so committed text cannot move the cursor, recolour or retitle it.
    public static func terminal(_ text: String) -> String {
        // Most text (a whole status table: 1 MB at 10k cases) holds nothing to remove: a byte scan.
        guard mayHoldControl(text.utf8) else { return text }
        guard text.unicodeScalars.contains(where: { isControl($0) && $0 != "\n" }) else { return text }
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let s = scalars.next() {
            if s == "\u{1B}" {
                // ESC [ ... final byte (CSI), ESC ] ... BEL or ESC \ (OSC), or ESC and one character.
                guard let next = scalars.next() else { break }
                if next == "[" {
                    while let c = scalars.next(), !(0x40...0x7E).contains(c.value) {}
                } else if next == "]" || next == "P" || next == "_" || next == "^" {
                    var previous: Unicode.Scalar = " "
                    while let c = scalars.next(), !(c == "\u{7}" || (previous == "\u{1B}" && c == "\\")) { previous = c }
                }
                continue
            }
            if s == "\n" { out.append(s); continue }
            if s == "\t" { out.append(" "); continue }
            if isControl(s) { continue }
            out.append(s)
        }
        return String(out)
    }

    /// Text of one line for a terminal (`terminal`), its line breaks as spaces: a title, a
    /// justification or a file's name printed among folio's own lines cannot add lines of its own.
    public static func line(_ text: String) -> String {
        let clean = terminal(text)
        return clean.contains("\n") ? clean.replacingOccurrences(of: "\n", with: " ") : clean
    }

    /// A path as one word of a command to copy into a shell: as it is when it has nothing a shell
    /// reads, else between double quotes (a document's name may have spaces or parentheses).
    public static func shellWord(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { s in
            s.value > 127 ? !isControl(s) && !s.properties.isWhitespace : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-+@:,=%".unicodeScalars.contains(s)
        }
        guard !plain || text.isEmpty else { return text }
        var out = "\""
        for c in text {
            if "\"\\$`".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }

    /// One cell of a Markdown table: on one line, `|` escaped, HTML shown as text.
    public static func markdownCell(_ text: String) -> String {
        var out = ""
        for c in terminal(text.replacingOccurrences(of: "\r\n", with: " ")) {
            switch c {
            case "\n", "\r": out += " "
            case "|": out += "\\|"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A text cell of a CSV a spreadsheet will open: a leading `=`, `+`, `-`, `@`, tab or
    /// carriage return would run as a formula, so such a cell is prefixed with `'` (shown as
    /// text). Numbers (`-12.5`) are left as they are.
    /// A CSV field: `csvCell`, quoted when it holds the separator, a quote or a line break.
    public static func csvField(_ text: String, separator: Character = ",") -> String {
        let cell = csvCell(text)
        return cell.contains(separator) || cell.contains("\"") || cell.contains(where: \.isNewline)
            ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
    }

    public static func csvCell(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        if Double(text) != nil, !text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) { return text }
        return "'" + text
    }
}
