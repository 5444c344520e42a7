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

    /// A value given on the command line (`--set clave=valor`): booleans and numbers stay typed
    /// as YAML reads them; anything else becomes a string. Codes with a leading zero (SNIP
    /// `0289347`) stay strings, so that no digit is lost.
    static func typedScalar(_ raw: String) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        let leadingZero = trimmed.count > 1 && trimmed.hasPrefix("0") && !trimmed.hasPrefix("0.")
        if ["true", "false"].contains(trimmed) || (!leadingZero && (Int(trimmed) != nil || Double(trimmed) != nil)) {
            return trimmed
        }
        return scalar(raw)
    }
}
