import Foundation
import Yams

/// Writing YAML text by hand where a re-serialisation would lose the staff's comments and order.
enum YAMLText {
    /// A string as a YAML scalar: plain when YAML reads it back as the same string, quoted otherwise.
    static func scalar(_ value: String) -> String {
        if !value.isEmpty, value.rangeOfCharacter(from: CharacterSet(charactersIn: ":#'\"\n\\{}[],&*!|>%@`")) == nil,
           value.first != "-", value.first != "?", value.trimmingCharacters(in: .whitespaces) == value,
           let back = try? Yams.load(yaml: value) as? String, back == value {
            return value
        }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
        return "\"\(escaped)\""
    }

    /// A value given on the command line (`--set clave=valor`): booleans, numbers and dates stay
    /// typed as YAML reads them; anything else becomes a string.
    static func typedScalar(_ raw: String) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if ["true", "false"].contains(trimmed) || Int(trimmed) != nil || Double(trimmed) != nil {
            return trimmed
        }
        return scalar(raw)
    }
}
