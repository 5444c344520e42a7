import Foundation
import GitStore

/// The words swift-argument-parser writes in help, usage errors and `--version`, in the staff's
/// language. The help itself (abstracts, option helps, value names) is written in Spanish in each
/// command; this turns the framework's own frame (headings, the help flag, defaults, usage errors)
/// into Spanish. `HelpTests` scans every command's help and the usage errors for English left over.
enum SpanishText {
    /// Exact phrases, longest first where one contains another.
    static let phrases: [(String, String)] = [
        ("Error: ", ""),
        ("OVERVIEW:", "DESCRIPCIÓN:"),
        ("USAGE:", "USO:"),
        ("ARGUMENTS:", "ARGUMENTOS:"),
        ("OPTIONS:", "OPCIONES:"),
        ("SUBCOMMANDS:", "SUBCOMANDOS:"),
        ("Show subcommand help information.", "Muestra la ayuda de un subcomando."),
        ("Show help information.", "Muestra esta ayuda."),
        ("Show the version.", "Muestra la versión de folio."),
        ("for detailed help.", "para la ayuda de cada uno."),
        ("for more information.", "para más información."),
        ("<subcommand>", "<subcomando>"),
        ("[<options>]", "[<opciones>]"),
        ("<options>", "<opciones>"),
        (" (default)", " (por omisión)"),
        ("(default:", "(por omisión:"),
        ("; default:", "; por omisión:"),
        ("(values:", "(valores:"),
        ("Help:  ", "Ayuda:  "),
        ("Usage:", "Uso:"),
        ("See '", "Vea '"),
        ("Unknown option", "Opción desconocida"),
        ("Invalid option:", "Opción no válida:"),
        ("unexpected arguments:", "argumentos inesperados:"),
        ("Unexpected argument", "Argumento inesperado"),
        ("Missing expected argument", "Falta el argumento"),
        ("Missing required subcommand.", "Falta el subcomando: vea la lista con 'folio --help'."),
        ("Missing one of:", "Falta uno de:"),
        ("Missing value for", "Falta el valor de"),
        ("Unknown subcommand", "Subcomando desconocido"),
        ("The value", "El valor"),
        ("is invalid for", "no es válido para"),
        ("is invalid.", "no es válido."),
        (". Please provide one of the following:", ". Use uno de estos:"),
        (". Please provide one of", ". Use uno de"),
        ("Did you mean", "¿Quiso decir"),
        ("is not a parent of the current command.", "no contiene a este comando."),
        ("Command '", "El comando '"),
    ]

    /// `message` with the framework's English phrases in Spanish; a question opened with "¿" is closed.
    static func translate(_ message: String) -> String {
        var text = phrases.reduce(message) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
        // "one of 'si' and 'no'": the list's last joint in Spanish ("'si' o 'no'").
        if text.contains("Use uno de") {
            text = text.components(separatedBy: "\n").map { line in
                line.contains("Use uno de") ? line.replacingOccurrences(of: "' and '", with: "' o '") : line
            }.joined(separator: "\n")
        }
        if text.contains("¿Quiso decir") {
            text = text.components(separatedBy: "\n").map { line in
                guard let open = line.range(of: "¿Quiso decir"), !line[open.upperBound...].contains("?") else { return line }
                return line + "?"
            }.joined(separator: "\n")
        }
        return text
    }
}

/// Arguments that belong to folio itself and may come before the subcommand.
enum GlobalArguments {
    /// Takes `-C CARPETA` (or `-CCARPETA`, repeated: each inside the one before) from the front of
    /// `arguments`, before the subcommand, and returns the folder.
    static func takeLeadingDirectory(_ arguments: inout [String]) -> String? {
        var folder: String?
        while let first = arguments.first, first.hasPrefix("-C") {
            let value: String
            if first == "-C" {
                guard arguments.count > 1 else { return folder }
                value = arguments[1]
                arguments.removeFirst(2)
            } else {
                value = String(first.dropFirst(2))
                arguments.removeFirst()
            }
            if let base = folder, !GitPath.isAbsolute(value) { folder = base + "/" + value } else { folder = value }
        }
        return folder
    }
}
