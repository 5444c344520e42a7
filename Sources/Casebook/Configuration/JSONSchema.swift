import Foundation
import Procedures

/// A JSON Schema (draft 2020-12) for front matter, limited to the keywords folio's schemas use:
/// `type`, `required`, `properties`, `additionalProperties` (boolean), `const`, `enum`, `pattern`,
/// `minLength`, `maxLength`, `minimum`, `maximum`, `format: date`, `items`, `minItems`.
/// No JSON Schema library is among the packages this project may use; this subset is enough for
/// the files in `schemas/`, and editors read the same files with full validators.
public struct JSONSchema: @unchecked Sendable {
    let node: [String: Any]
    /// The file, for messages.
    public let source: String

    public init(data: Data, source: String) throws {
        guard data.count <= YAMLGuard.maximumBytes else {
            throw CasebookError.invalidFile(file: source, reason: "pesa \(data.count / 1024) KB, más que el límite de \(YAMLGuard.maximumBytes / 1024) KB",
                                            fix: "Un esquema de encabezado ocupa pocos KB: restaure la versión anterior.")
        }
        guard let node = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CasebookError.invalidFile(file: source, reason: "no es un JSON Schema legible (un objeto JSON)", fix: "Corrija el archivo.")
        }
        self.node = node
        self.source = source
    }

    /// What the schema says a top-level field holds (its `description`), for messages.
    public func fieldDescription(_ key: String) -> String? {
        ((node["properties"] as? [String: Any])?[key] as? [String: Any])?["description"] as? String
    }

    /// The problems of `value` against the schema, as Spanish sentences naming the key.
    public func problems(_ value: any Sendable) -> [String] {
        Self.check(value, node, path: "")
    }

    private static func check(_ value: any Sendable, _ schema: [String: Any], path: String) -> [String] {
        let name = path.isEmpty ? "el encabezado" : "'\(path)'"
        let hint = (schema["description"] as? String).map { " (\($0))" } ?? ""
        var found: [String] = []
        if let types = schema["type"].map({ ($0 as? [String]) ?? [$0 as? String ?? ""] }), !types.contains(where: { matches(value, $0) }) {
            return ["\(name) debe ser \(types.map(typeName).joined(separator: " o "))\(hint)"]
        }
        if let constant = schema["const"], !equal(value, constant) {
            found.append("\(name) debe ser \(constant)\(hint)")
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { equal(value, $0) }) {
            found.append("\(name) debe ser uno de: \(options.map { "\($0)" }.joined(separator: ", "))\(hint)")
        }
        if let text = value as? String {
            if let pattern = schema["pattern"] as? String, text.range(of: pattern, options: .regularExpression) == nil {
                found.append("\(name) ('\(text)') no tiene la forma esperada\(hint)")
            }
            if let min = schema["minLength"] as? Int, text.trimmingCharacters(in: .whitespaces).count < min {
                found.append(min == 1 ? "\(name) no puede estar vacío\(hint)" : "\(name) debe tener al menos \(min) caracteres\(hint)")
            }
            if let max = schema["maxLength"] as? Int, text.count > max { found.append("\(name) pasa de \(max) caracteres\(hint)") }
            if schema["format"] as? String == "date", Day(iso: text) == nil {
                found.append("\(name) ('\(text)') debe ser una fecha AAAA-MM-DD\(hint)")
            }
        }
        if let number = Requirement.number(value), !(value is String) {
            if let min = (schema["minimum"] as? NSNumber)?.doubleValue, number < min { found.append("\(name) no puede ser menor que \(min)\(hint)") }
            if let max = (schema["maximum"] as? NSNumber)?.doubleValue, number > max { found.append("\(name) no puede ser mayor que \(max)\(hint)") }
        }
        if let object = value as? Fields {
            for key in (schema["required"] as? [String]) ?? [] where object[key] == nil {
                found.append("falta el campo '\(key)'\((((schema["properties"] as? [String: Any])?[key] as? [String: Any])?["description"] as? String).map { " (\($0))" } ?? "")")
            }
            let properties = (schema["properties"] as? [String: Any]) ?? [:]
            for key in object.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                if let sub = properties[key] as? [String: Any] {
                    found += check(object[key]!, sub, path: child)
                } else if schema["additionalProperties"] as? Bool == false {
                    found.append("el campo '\(child)' no está previsto en el esquema")
                }
            }
        }
        if let list = value as? [any Sendable] {
            if let min = schema["minItems"] as? Int, list.count < min { found.append("\(name) debe tener al menos \(min) elementos\(hint)") }
            if let items = schema["items"] as? [String: Any] {
                for (i, item) in list.enumerated() { found += check(item, items, path: "\(path)[\(i + 1)]") }
            }
        }
        return found
    }

    private static func matches(_ value: any Sendable, _ type: String) -> Bool {
        switch type {
        case "string": return value is String
        case "integer": return value is Int
        case "number": return value is Int || value is Double
        case "boolean": return value is Bool
        case "array": return value is [any Sendable]
        case "object": return value is Fields
        case "null": return false
        default: return true
        }
    }

    private static func typeName(_ type: String) -> String {
        ["string": "texto", "integer": "un número entero", "number": "un número", "boolean": "true o false",
         "array": "una lista", "object": "un mapa de claves", "null": "vacío"][type] ?? type
    }

    private static func equal(_ value: any Sendable, _ other: Any) -> Bool {
        if let a = value as? Bool, let b = other as? Bool { return a == b }
        if let a = Requirement.number(value), !(value is String), let b = (other as? NSNumber)?.doubleValue { return a == b }
        if let a = value as? String, let b = other as? String { return a == b }
        return false
    }
}
