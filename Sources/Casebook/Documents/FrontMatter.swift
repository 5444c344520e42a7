import Foundation
import Procedures
import Yams

/// Text files as staff's editors save them: UTF-8 (with or without a byte-order mark), with LF or
/// CRLF line ends. Anything else (Latin-1 from old Windows tools) is refused, never garbled.
public enum TextFile {
    /// Documents larger than this are not parsed as Markdown with front matter.
    public static let maximumDocument = 8 << 20

    public static func decode(_ data: Data, file: String) throws -> String {
        guard data.count <= maximumDocument else {
            throw CasebookError.invalidFile(file: file, reason: "pesa \(data.count / 1_048_576) MB, demasiado para un documento de texto",
                                            fix: "Los documentos grandes (PDF, hojas de cálculo) se adjuntan con --attach o 'folio attach'.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let line = data.split(separator: 10, omittingEmptySubsequences: false)
                .firstIndex { String(data: Data($0), encoding: .utf8) == nil }.map { $0 + 1 }
            throw CasebookError.invalidFile(file: file, reason: "no está en UTF-8" + (line.map { " (línea \($0))" } ?? "")
                + "; parece guardado como Latin-1 o Windows-1252", fix: "Ábralo y guárdelo con codificación UTF-8.")
        }
        return text
    }
}

/// A Markdown document with YAML front matter between `---` lines, as staff edit it.
public struct FrontMatterDocument {
    /// The keys of the front matter, as YAML reads them.
    public var fields: [String: Any]
    /// The front matter's text, without the `---` lines.
    var yaml: String
    public var body: String
    /// The file used CRLF line ends (Windows editors): they are kept when folio rewrites it.
    var crlf = false
    /// The file started with a UTF-8 byte-order mark: it is kept too.
    var bom = false

    /// Parses a file's bytes: UTF-8 only (Latin-1 is refused, never garbled), within the size
    /// limit, keeping whether it started with a byte-order mark, which decoding drops.
    public static func parse(data: Data, file: String) throws -> FrontMatterDocument {
        var document = try parse(try TextFile.decode(data, file: file), file: file)
        document.bom = data.starts(with: [0xEF, 0xBB, 0xBF])
        return document
    }

    /// Refuses `data` exactly when `parse(data:file:)` would, without building its values when
    /// one reading of the front matter's events decides (`YAMLGuard.scan`): the content check of
    /// every committed version of a case's `expediente.md`.
    public static func check(data: Data, file: String) throws {
        _ = try check(data: data, file: file, capturing: nil)
    }

    /// `check(data:file:)`, and the value of the top-level field `key` when the same reading of
    /// the events decides it (`YAMLGuard.Captured`; `.undecided` when the file had to be loaded).
    static func check(data: Data, file: String, capturing key: String?) throws -> YAMLGuard.Captured {
        let text = try TextFile.decode(data, file: file)
        if let yaml = frontMatter(of: text) {
            let scanned = YAMLGuard.scan(yaml, capturing: key)
            if scanned.verdict == .plainMapping { return scanned.captured }
        }
        _ = try parse(data: data, file: file)
        return .undecided
    }

    /// The front matter's text as `parse` cuts it (between the first line, `---`, and the next
    /// `---` line), read line by line up to there only; nil when the file has CR line ends or
    /// does not start so (`parse` then says why).
    static func frontMatter(of text: String) -> Substring? {
        let utf8 = text.utf8
        guard !utf8.contains(13) else { return nil }
        var start = text.startIndex
        if text.hasPrefix("\u{FEFF}") { start = text.index(after: start) }
        var lineStart = start
        var yamlStart: String.Index?
        while lineStart < text.endIndex {
            let lineEnd = utf8[lineStart...].firstIndex(of: 10) ?? text.endIndex
            let isFence = Self.isFence(text[lineStart..<lineEnd])
            if let yamlStart {
                if isFence { return text[yamlStart..<(lineStart == yamlStart ? lineStart : utf8.index(before: lineStart))] }
            } else {
                guard isFence else { return nil }
                yamlStart = lineEnd == text.endIndex ? lineEnd : utf8.index(after: lineEnd)
            }
            guard lineEnd < text.endIndex else { break }
            lineStart = utf8.index(after: lineEnd)
        }
        return nil
    }

    /// Whether `line` is `---` once trimmed of `.whitespaces` (as `parse` reads it): ASCII lines
    /// are read byte by byte (spaces and tabs, three dashes, spaces and tabs), without a copy; a
    /// line with other bytes is not a fence as soon as one is read, and one with a non-ASCII byte
    /// before that is trimmed by Foundation.
    static func isFence(_ line: Substring) -> Bool {
        var dashes = 0, trailing = false
        for byte in line.utf8 {
            switch byte {
            case 32, 9:
                if dashes > 0 { trailing = true }
            case UInt8(ascii: "-"):
                guard !trailing, dashes < 3 else { return false }
                dashes += 1
            case 0x80...:
                return line.trimmingCharacters(in: .whitespaces) == "---"
            default:
                return false
            }
        }
        return dashes == 3
    }

    /// The YAML between the two `---` lines of `text` (line ends as LF), and what follows them,
    /// checked against what YAML must not hold here (`YAMLGuard`). Lines are found byte by byte,
    /// and only up to the closing `---`: an archive index of hundreds of documents is read at every
    /// commit that changes it, and a case's long body is not cut into lines to be skipped.
    static func sections(of text: String, file: String) throws -> (yaml: String, body: String, crlf: Bool, bom: Bool) {
        let crlf = text.utf8.contains(13) && text.contains("\r\n")
        var normalized = crlf ? text.replacingOccurrences(of: "\r\n", with: "\n") : text
        let bom = normalized.hasPrefix("\u{FEFF}")
        if bom { normalized.removeFirst() }
        let utf8 = normalized.utf8
        var lineStart = utf8.startIndex
        var yamlStart: String.Index?, yamlEnd: String.Index?
        var sections: (yaml: Substring, body: Substring)?
        while true {
            let lineEnd = utf8[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? utf8.endIndex
            let fence = isFence(normalized[lineStart..<lineEnd])
            let next = lineEnd < utf8.endIndex ? utf8.index(after: lineEnd) : nil
            if yamlStart == nil {
                guard fence, let next else {
                    // Only a first line that is a fence and ends: the YAML needs a closing line.
                    break
                }
                yamlStart = next
            } else if fence {
                let yaml = yamlEnd.map { normalized[yamlStart!..<$0] } ?? ""
                sections = (yaml, next.map { normalized[$0...] } ?? "")
                break
            } else {
                yamlEnd = lineEnd
            }
            guard let next else { break }
            lineStart = next
        }
        guard let sections else {
            throw CasebookError.invalidFile(file: file, reason: "no empieza con un encabezado YAML entre dos líneas '---'",
                                            fix: "Ponga al inicio '---', las claves (id, procedimiento, titulo, abierto) y otra línea '---'.")
        }
        let yaml = String(sections.yaml), body = String(sections.body)
        if let problem = YAMLGuard.problem(in: yaml) {
            throw CasebookError.invalidFile(file: file, reason: "encabezado YAML: \(problem)", fix: YAMLGuard.fix)
        }
        return (yaml, body, crlf, bom)
    }

    /// Yams's default resolver, which tries its seven patterns on every plain scalar (each key
    /// and most values are text, which none of them matches), with one pattern before them that
    /// answers "text" at once for a scalar none of the seven can match: one that does not start
    /// as a number, date, `~`, `<<` or `=` does, is not empty, and is not one of the words read as
    /// true, false or null (each of those patterns is anchored the same way). Every other scalar
    /// goes on to the seven, in their order: the values are those of `.default`.
    static let resolver: Resolver = {
        let text = try! Resolver.Rule(.str, "^(?![-+.0-9~<=]|(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)?$)")
        return Resolver.default.rules.reduce(Resolver.basic.appending(text)) { $0.appending($1) }
    }()

    /// Parses `text`; `file` names the document in messages.
    public static func parse(_ text: String, file: String) throws -> FrontMatterDocument {
        let (yaml, body, crlf, bom) = try sections(of: text, file: file)
        let loaded: Any?
        do {
            // Encoding given: Yams's default reads the environment on every parse.
            loaded = try Yams.load(yaml: yaml, Self.resolver, .default, .utf8)
        } catch {
            // The YAML starts on the file's second line, after '---'.
            let problem = YAMLErrorText.problem(error, lineOffset: 1)
            let fix = yaml.contains("\t") ? "El encabezado tiene tabulaciones: YAML solo admite espacios para sangrar; cámbielas por espacios."
                : problem.fix
            throw CasebookError.invalidYAML(file: file, reason: "encabezado YAML, \(problem.located)", fix: fix, parser: problem.detail)
        }
        guard let fields = (loaded ?? [String: Any]()) as? [String: Any] else {
            throw CasebookError.invalidFile(file: file, reason: "el encabezado YAML no es una lista de claves 'clave: valor'",
                                            fix: "Escriba una clave por línea, p. ej. 'titulo: Hospital de Escuintla'.")
        }
        return FrontMatterDocument(fields: fields, yaml: yaml, body: body, crlf: crlf, bom: bom)
    }

    /// The fields whose text is one line wherever folio shows it (a heading, a table cell, an
    /// inbox line): a line break there would print as a line of folio's own (attack36: a title
    /// held "\nEstado: cerrado").
    static let oneLineFields: Set<String> = ["id", "procedimiento", "titulo", "abierto", "mes", "snip", "unidad_ejecutora", "organismo"]

    /// The first field whose text holds what no front matter may (attack36): an escape sequence or
    /// other control character, an invisible bidirectional override (a stored "odalecnaC" shown
    /// as "Cancelado"), or, in a one-line field (`oneLineFields`), a line break; lists and maps
    /// are read all the way down. A multi-line text (a block `|`) may hold line breaks and tabs.
    /// nil when every value is clean.
    public var unsafeField: (key: String, value: String)? {
        func unsafe(_ value: Any, oneLine: Bool) -> String? {
            switch value {
            case let text as String:
                let bad = text.unicodeScalars.contains { s in
                    SafeText.isControl(s) && (oneLine || (s != "\n" && s != "\t" && s != "\r"))
                }
                return bad ? text : nil
            case let list as [Any]: return list.lazy.compactMap { unsafe($0, oneLine: oneLine) }.first
            case let map as [String: Any]:
                return map.sorted { $0.key < $1.key }.lazy.compactMap { unsafe($0.key, oneLine: true) ?? unsafe($0.value, oneLine: oneLine) }.first
            default: return nil
            }
        }
        for key in fields.keys.sorted() {
            if let value = unsafe(key, oneLine: true) ?? unsafe(fields[key]!, oneLine: Self.oneLineFields.contains(key)) { return (key, value) }
        }
        return nil
    }

    /// Why `unsafeField` is refused, and how to write it.
    public static func unsafeFieldText(_ field: (key: String, value: String)) -> (reason: String, fix: String) {
        ("el campo '\(SafeText.visible(field.key))' tiene caracteres de control, saltos de línea o marcas invisibles de dirección del texto "
            + "('\(SafeText.visible(String(field.value.prefix(80))))'): se mostrarían como otro texto del que está escrito",
         "Escriba el valor como texto simple en una línea, sin escapes de YAML como \\e, \\r, \\n o \\u202E.")
    }

    /// The fields as plain values for the norms' checks: dates become `AAAA-MM-DD` text, nulls
    /// are left out, lists and maps are converted all the way down.
    public var plainFields: Fields {
        fields.compactMapValues(Self.plain)
    }

    static func plain(_ value: Any) -> (any Sendable)? {
        switch value {
        case is NSNull: return nil
        case let s as String: return s
        case let b as Bool: return b
        case let i as Int: return i
        case let d as Double: return d
        case let d as Date: return Self.isoDay(d)
        case let list as [Any]: return list.compactMap(plain)
        case let map as [String: Any]: return map.compactMapValues(plain) as Fields
        default: return "\(value)"
        }
    }

    static func isoDay(_ date: Date) -> String {
        // A formatter per call cost more than a whole parse: from 1583 on (where the formatter's
        // calendar is the proleptic Gregorian one) the day is computed.
        let seconds = date.timeIntervalSince1970
        if seconds >= -12_212_553_600, seconds < 253_402_300_800 {
            return Day(daysSince1970: Int((seconds / 86_400).rounded(.down))).description
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: date)
    }

    /// The text of a field as staff would read it ("" for absent or null).
    public func string(_ key: String) -> String {
        switch fields[key] {
        case nil, is NSNull: return ""
        case let s as String: return s.trimmingCharacters(in: .whitespaces)
        case let d as Date: return Self.isoDay(d)
        case let v?: return "\(v)"
        }
    }

    /// Sets a top-level key in place, keeping every other line (comments, order) as it was.
    mutating func set(_ key: String, rawValue: String) {
        var lines = yaml.isEmpty ? [] : yaml.components(separatedBy: "\n")
        let prefix = "\(key):"
        if let i = lines.firstIndex(where: { $0.hasPrefix(prefix) }) {
            // Drop the old value's continuation lines (a block list or a folded text).
            var j = i + 1
            while j < lines.count, let c = lines[j].first, c == " " || c == "-" || c == "\t" { j += 1 }
            lines.replaceSubrange(i..<j, with: ["\(key): \(rawValue)"])
        } else {
            lines.append("\(key): \(rawValue)")
        }
        yaml = lines.joined(separator: "\n")
    }

    /// The document as text, with the line ends and byte-order mark it came with.
    var text: String {
        let lf = "---\n\(yaml)\n---\n\(body)"
        return (bom ? "\u{FEFF}" : "") + (crlf ? lf.replacingOccurrences(of: "\n", with: "\r\n") : lf)
    }
}
