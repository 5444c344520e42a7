import CYaml
import Foundation

/// Refuses YAML that could make a reader crash or stall before anything builds values from it.
///
/// Anchors (`&a`) and aliases (`*a`, including merge keys `<<: *a`) have no use in folio's
/// files and are how an 815-byte "alias bomb" expands to gigabytes; nesting and size are capped
/// too. The check reads libyaml's events one by one (the same parser Yams uses), so it follows
/// YAML's own grammar (an `&` inside a quoted or plain text is not an anchor) and never expands
/// anything: memory stays bounded by the depth cap whatever the input.
public enum YAMLGuard {
    /// Largest YAML text accepted (front matter, roles.yaml, folio.yaml, schemas).
    public static let maximumBytes = 1 << 20
    /// Deepest nesting of lists and maps accepted.
    public static let maximumDepth = 64
    /// Most values (events) accepted in one text.
    public static let maximumNodes = 200_000

    /// Nil when `text` is safe to load; otherwise the Spanish reason, with the line.
    public static func problem(in text: String) -> String? {
        let bytes = Array(text.utf8)
        if bytes.count > maximumBytes {
            return "el YAML pesa \(bytes.count / 1024) KB, más que el límite de \(maximumBytes / 1024) KB"
        }
        if bytes.isEmpty { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return "no se pudo preparar la lectura del YAML" }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer -> String? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var depth = 0, nodes = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    // Malformed YAML: the loader reports it with its own words and line.
                    return nil
                }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_ALIAS_EVENT:
                    return "la línea \(line) usa un alias YAML ('*'), que folio no admite (una 'bomba de alias' puede agotar la memoria)"
                case YAML_SCALAR_EVENT where event.data.scalar.anchor != nil,
                     YAML_SEQUENCE_START_EVENT where event.data.sequence_start.anchor != nil,
                     YAML_MAPPING_START_EVENT where event.data.mapping_start.anchor != nil:
                    return "la línea \(line) define un ancla YAML ('&'), que folio no admite"
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    depth += 1
                    if depth > maximumDepth {
                        return "la línea \(line) anida más de \(maximumDepth) niveles de listas o mapas"
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                default:
                    break
                }
                nodes += 1
                if nodes > maximumNodes { return "tiene más de \(maximumNodes) valores" }
            }
        }
    }

    /// The fix to show with a refusal of `problem(in:)`.
    public static let fix = "Escriba cada valor completo, sin anclas '&' ni alias '*' (y sin '<<:'), con menos anidación."
}
