import Foundation
import Yams

/// Turns Yams and decoding errors into short Spanish text with the line when there is one.
public enum YAMLErrorText {
    public static func describe(_ error: Error) -> String {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
                return "YAML mal formado en la línea \(mark.line), columna \(mark.column): \(problem)"
            default:
                return "YAML mal formado: \(yaml)"
            }
        }
        if let decoding = error as? DecodingError {
            switch decoding {
            case .keyNotFound(let key, let ctx):
                return "falta la clave '\(path(ctx.codingPath + [key]))'"
            case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
                return "valor de tipo incorrecto en '\(path(ctx.codingPath))'"
            case .dataCorrupted(let ctx):
                if let underlying = ctx.underlyingError { return describe(underlying) }
                return ctx.codingPath.isEmpty ? "el documento está vacío o no es un mapa YAML"
                    : "valor no válido en '\(path(ctx.codingPath))'"
            @unknown default:
                return "\(decoding)"
            }
        }
        return "\(error)"
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }
}
