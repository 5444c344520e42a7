import Foundation
import Procedures
import Yams

/// A Markdown document with YAML front matter between `---` lines, as staff edit it.
public struct FrontMatterDocument {
    /// The keys of the front matter, as YAML reads them.
    public var fields: [String: Any]
    /// The front matter's text, without the `---` lines.
    var yaml: String
    var body: String

    /// Parses `text`; `file` names the document in messages.
    public static func parse(_ text: String, file: String) throws -> FrontMatterDocument {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = String(first.dropFirst()) }
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---",
              let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else {
            throw CasebookError.invalidFile(file: file, reason: "no empieza con un encabezado YAML entre dos líneas '---'",
                                            fix: "Ponga al inicio '---', las claves (id, procedimiento, titulo, abierto) y otra línea '---'.")
        }
        let yaml = lines[1..<end].joined(separator: "\n")
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: yaml)
        } catch {
            let detail = YAMLErrorText.describe(error)
            throw CasebookError.invalidFile(file: file, reason: "encabezado YAML: \(detail) (la línea 1 es la siguiente a '---')",
                                            fix: "Corrija el encabezado; si un valor tiene ':' o '#', póngalo entre comillas.")
        }
        guard let fields = (loaded ?? [String: Any]()) as? [String: Any] else {
            throw CasebookError.invalidFile(file: file, reason: "el encabezado YAML no es una lista de claves 'clave: valor'",
                                            fix: "Escriba una clave por línea, p. ej. 'titulo: Hospital de Escuintla'.")
        }
        return FrontMatterDocument(fields: fields, yaml: yaml, body: lines[(end + 1)...].joined(separator: "\n"))
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

    /// The document as text.
    var text: String { "---\n\(yaml)\n---\n\(body)" }
}
