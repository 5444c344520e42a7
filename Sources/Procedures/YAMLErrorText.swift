import Foundation
import Yams

/// Turns Yams and decoding errors into Spanish: the line, what is wrong and how to fix it. The
/// parser's own English text is kept only in `detail` (for `--json` and the curious), never in
/// the message a person reads. This is the one place that translates YAML errors.
public enum YAMLErrorText {
    /// One YAML error, said in Spanish.
    public struct Problem: Sendable, Equatable {
        /// Line and column in the file (1-based), when the parser gave them.
        public var line: Int?
        public var column: Int?
        /// What is wrong, in Spanish.
        public var reason: String
        /// What to do, in Spanish.
        public var fix: String
        /// The parser's original text.
        public var detail: String

        /// "línea 4, columna 9: reason".
        public var located: String {
            guard let line else { return reason }
            return "línea \(line)" + (column.map { ", columna \($0)" } ?? "") + ": " + reason
        }
    }

    /// libyaml's problems, in Spanish, with the fix that usually applies.
    static let catalogue: [(String, String, String)] = [
        ("mapping values are not allowed", "hay un ':' donde no se espera un valor",
         "Si el valor lleva ':' póngalo entre comillas (titulo: \"Informe: noviembre\"); si no, revise la sangría de esa línea y de la anterior."),
        ("mapping keys are not allowed", "hay una clave donde no se espera",
         "Revise la sangría: las claves de un mismo nivel empiezan en la misma columna."),
        ("did not find expected key", "la sangría no coincide con la de las claves de alrededor o falta 'clave: valor'",
         "Alinee la línea con las demás claves de su nivel, o ponga el valor entre comillas si empieza con un signo."),
        ("could not find expected ':'", "falta ':' después de una clave",
         "Escriba cada campo como 'clave: valor' (con espacio después de ':')."),
        ("found character that cannot start any token", "un valor empieza con un carácter reservado de YAML (@, `, %, | o >)",
         "Ponga ese valor entre comillas."),
        ("found a tab character", "hay una tabulación en la sangría",
         "YAML solo admite espacios para sangrar: cambie las tabulaciones por espacios."),
        ("found unexpected end of stream", "el texto termina con comillas, corchetes o llaves sin cerrar",
         "Cierre las comillas, corchetes o llaves que abrió."),
        ("did not find expected node content", "falta un valor",
         "Escriba el valor después de ':' o de '- ', o déjelo vacío con ''."),
        ("block sequence entries are not allowed", "hay un elemento de lista ('- ') donde no corresponde",
         "Ponga la lista en las líneas siguientes a 'clave:', con más sangría que la clave."),
        ("did not find expected '-' indicator", "un elemento de lista no tiene la misma sangría que los otros",
         "Alinee todos los '- ' de la lista en la misma columna."),
        ("did not find expected ',' or ']'", "falta ',' o ']' en una lista entre corchetes",
         "Separe los elementos con ',' y cierre la lista con ']'."),
        ("did not find expected ',' or '}'", "falta ',' o '}' en un mapa entre llaves",
         "Separe los campos con ',' y cierre con '}'."),
        ("found unexpected ':'", "hay un ':' inesperado",
         "Ponga entre comillas el valor que lleva ':'."),
        ("found undefined tag handle", "hay una etiqueta que empieza con '!' desconocida",
         "Ponga entre comillas el valor que empieza con '!'."),
        ("found unknown escape character", "hay una secuencia '\\' desconocida entre comillas dobles",
         "Use comillas simples o escriba '\\\\' para una barra invertida."),
        ("did not find expected comment or line break", "después de un valor entre comillas hay más texto",
         "Ponga todo el valor dentro de las comillas."),
        ("found unexpected document indicator", "hay una línea '---' o '...' dentro del texto",
         "Quite esa línea o póngala entre comillas."),
        ("control characters are not allowed", "el texto tiene caracteres de control",
         "Guarde el archivo como texto UTF-8 sin caracteres especiales invisibles."),
        ("invalid leading UTF-8 octet", "el texto no es UTF-8 válido",
         "Guarde el archivo con codificación UTF-8."),
        ("invalid trailing UTF-8 octet", "el texto no es UTF-8 válido",
         "Guarde el archivo con codificación UTF-8."),
        ("found undefined alias", "hay un alias '*' que no se definió",
         "Ponga entre comillas el valor que empieza con '*'."),
    ]

    /// The Spanish problem for `error`; `lineOffset` is added to the parser's line (the lines
    /// before the YAML text in its file, e.g. the '---' of a front matter).
    public static func problem(_ error: Error, lineOffset: Int = 0) -> Problem {
        let generalFix = "Revise esa línea: cada campo es 'clave: valor', las claves de un nivel alineadas con espacios; ponga entre comillas los valores con ':' o '#'."
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                let known = catalogue.first { problem.contains($0.0) }
                return Problem(line: mark.line + lineOffset, column: mark.column,
                               reason: known?.1 ?? "el YAML está mal formado", fix: known?.2 ?? generalFix, detail: "\(yaml)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
                let lines = duplicateLines(duplicates, in: context.text).map { "\($0 + lineOffset)" }
                let whereText = lines.isEmpty ? "" : " (líneas \(lines.joined(separator: ", ")))"
                return Problem(line: lines.isEmpty ? context.mark.line + lineOffset : nil, column: nil,
                               reason: (duplicates.count == 1 ? "la clave \(keys) está repetida" : "las claves \(keys) están repetidas") + whereText,
                               fix: "Deje una sola línea por clave (borre o junte las repetidas).", detail: "\(yaml)")
            case .reader, .dataCouldNotBeDecoded:
                return Problem(line: nil, column: nil, reason: "el texto no es UTF-8 válido",
                               fix: "Guarde el archivo con codificación UTF-8.", detail: "\(yaml)")
            default:
                return Problem(line: nil, column: nil, reason: "el YAML no se puede leer", fix: generalFix, detail: "\(yaml)")
            }
        }
        if let decoding = error as? DecodingError {
            let fix = "Corrija ese campo."
            switch decoding {
            case .keyNotFound(let key, let ctx):
                return Problem(line: nil, column: nil, reason: "falta la clave '\(path(ctx.codingPath + [key]))'",
                               fix: "Agregue la clave.", detail: "\(decoding)")
            case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
                return Problem(line: nil, column: nil, reason: "valor de tipo incorrecto en '\(path(ctx.codingPath))'",
                               fix: fix, detail: "\(decoding)")
            case .dataCorrupted(let ctx):
                if let underlying = ctx.underlyingError { return problem(underlying, lineOffset: lineOffset) }
                return Problem(line: nil, column: nil,
                               reason: ctx.codingPath.isEmpty ? "el documento está vacío o no es un mapa YAML"
                                   : "valor no válido en '\(path(ctx.codingPath))'", fix: fix, detail: "\(decoding)")
            @unknown default:
                return Problem(line: nil, column: nil, reason: "el YAML no se puede leer", fix: fix, detail: "\(decoding)")
            }
        }
        return Problem(line: nil, column: nil, reason: "el YAML no se puede leer", fix: generalFix, detail: "\(error)")
    }

    /// "línea 4, columna 9: reason (fix)": the whole problem in one phrase, for messages that add
    /// their own general fix after it.
    public static func describe(_ error: Error, lineOffset: Int = 0) -> String {
        let p = problem(error, lineOffset: lineOffset)
        return "\(p.located) (\(p.fix.hasSuffix(".") ? String(p.fix.dropLast()) : p.fix))"
    }

    /// The 1-based lines where one of `keys` opens a 'clave:' line.
    static func duplicateLines(_ keys: [String], in text: String) -> [Int] {
        text.components(separatedBy: "\n").enumerated().compactMap { index, line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let body = trimmed.hasPrefix("- ") ? String(trimmed.dropFirst(2)) : trimmed
            return keys.contains(where: { body.hasPrefix($0 + ":") || body.hasPrefix("\"\($0)\":") || body.hasPrefix("'\($0)':") })
                ? index + 1 : nil
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }
}
