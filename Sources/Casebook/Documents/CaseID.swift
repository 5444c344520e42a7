import Foundation
import GitStore

/// Case ids and dependency codes: the rules that keep them inside `cases/`.
public enum CaseID {
    /// Whether a path of the work tree or of a commit is inside an expediente's folder,
    /// `cases/<AAAA>/<ID>/...`, by its shape; a file in `cases/` or directly in a year folder is
    /// beside the case folders (a jefe's, like the configuration).
    public static func isInCaseFolder(_ path: String) -> Bool {
        let parts = GitPath.components(path)
        return parts.count >= 4 && parts[0] == "cases"
    }

    /// Upper-case letters, digits and inner hyphens, 3 to 40 characters: never '/', '..' or spaces.
    public static func isValid(_ id: String) -> Bool {
        guard (3...40).contains(id.count), id.first != "-", id.last != "-" else { return false }
        return id.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// A dependency or unit code: 1 to 20 letters, digits, '-' or '_', upper-cased.
    public static func dependencyCode(_ raw: String) -> String? {
        let code = raw.uppercased()
        guard (1...20).contains(code.count), code.first != "-", code.first != "_" else { return nil }
        guard code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) else {
            return nil
        }
        return code
    }

    /// The next `CODE-AAAA-NNNN` after those in `existing`.
    static func next(code: String, year: Int, existing: [String]) -> String {
        let prefix = "\(code)-\(year)-"
        let used = existing.compactMap { $0.hasPrefix(prefix) ? Int($0.dropFirst(prefix.count)) : nil }
        return prefix + String(format: "%04d", (used.max() ?? 0) + 1)
    }

    /// `AAAA-MM` -> (year, month) when valid.
    static func month(_ text: String) -> (year: Int, month: Int)? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), (2000...2999).contains(y), (1...12).contains(m) else { return nil }
        return (y, m)
    }
}
