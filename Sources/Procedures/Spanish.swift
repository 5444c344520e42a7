/// Spanish grammar the messages need: "1 mes", "3 meses".
public enum Spanish {
    /// `n` with the noun in singular or plural; `plural` when the regular rule does not apply.
    public static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? singular : plural ?? pluralize(singular))
    }

    /// The first `limit` of `items`, and how many more: "a, b, c y 2 más".
    public static func list(_ items: [String], limit: Int = 5) -> String {
        items.prefix(limit).joined(separator: ", ") + (items.count > limit ? " y \(items.count - limit) más" : "")
    }

    /// Every item, the last after "y": "a", "a y b", "a, b y c".
    public static func andList(_ items: [String]) -> String {
        items.count < 2 ? items.joined() : items.dropLast().joined(separator: ", ") + " y " + items.last!
    }

    /// The regular plural: vowel + s, consonant + es (z → ces, the written accent of -ión/-én/-ón/-ás dropped).
    public static func pluralize(_ word: String) -> String {
        guard let last = word.last else { return word }
        if "aeiouáéíóú".contains(last) { return word + "s" }
        if last == "z" { return word.dropLast() + "ces" }
        if last == "s", word.count > 1, !"áéíóú".contains(word[word.index(before: word.endIndex)]) {
            // "mes" → "meses"; but "análisis", "lunes" stay (unstressed -is, -es endings)
            return word.hasSuffix("is") || word.hasSuffix("es") && word.count > 3 ? word : word + "es"
        }
        let unaccent: [Character: Character] = ["á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u"]
        var chars = Array(word)
        if chars.count >= 2, let plain = unaccent[chars[chars.count - 2]], "nsl".contains(last) {
            chars[chars.count - 2] = plain
        }
        return String(chars) + "es"
    }
}
