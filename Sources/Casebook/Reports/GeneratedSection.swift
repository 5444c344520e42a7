import Foundation

/// A section folio writes inside a document a person writes too (the head's report at P3-07 and
/// P5-05): between two marks, so the person's text around it is never replaced.
public enum GeneratedSection {
    public static let start = "<!-- folio: inicio de las cifras generadas; folio reescribe lo que hay entre estas marcas, el resto del texto es del jefe y se conserva -->"
    public static let end = "<!-- folio: fin de las cifras generadas -->"

    /// `existing` with its marked section replaced by `generated` (appended when it has none);
    /// just the marked section when there is no document yet.
    public static func merge(existing: String?, generated: String) -> String {
        let section = start + "\n\n" + generated.trimmingCharacters(in: .newlines) + "\n\n" + end + "\n"
        guard let existing, !existing.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return section }
        if let a = existing.range(of: start), let b = existing.range(of: end, range: a.upperBound..<existing.endIndex) {
            var after = String(existing[b.upperBound...])
            if after.hasPrefix("\n") { after.removeFirst() }
            return String(existing[..<a.lowerBound]) + section + after
        }
        return existing.trimmingCharacters(in: .newlines) + "\n\n" + section
    }
}

extension HTMLPage {
    /// A document written in plain Markdown (the head's report: headings, paragraphs, lists,
    /// tables, bold) as a printable HTML page; anything else is shown as text, escaped.
    static func fromMarkdown(_ markdown: String, title: String) -> String {
        var body = ""
        var paragraph: [String] = []
        var list: [String] = []
        var table: [[String]] = []
        func inline(_ text: String) -> String {
            var out = ""
            let parts = escape(text).components(separatedBy: "**")
            for (i, part) in parts.enumerated() { out += (i % 2 == 1 && i < parts.count - 1) ? "<strong>\(part)</strong>" : (i % 2 == 1 ? "**" + part : part) }
            return out
        }
        func flush() {
            if !paragraph.isEmpty { body += "<p>" + paragraph.map(inline).joined(separator: " ") + "</p>\n"; paragraph = [] }
            if !list.isEmpty { body += "<ul>" + list.map { "<li>\(inline($0))</li>" }.joined() + "</ul>\n"; list = [] }
            if !table.isEmpty {
                let rows = table.filter { !$0.allSatisfy { $0.allSatisfy { "-:".contains($0) } } }
                if let header = rows.first {
                    body += "<table><thead><tr>" + header.map { "<th>\(inline($0))</th>" }.joined() + "</tr></thead><tbody>"
                    body += rows.dropFirst().map { "<tr>" + $0.map { "<td>\(inline($0))</td>" }.joined() + "</tr>" }.joined() + "</tbody></table>\n"
                }
                table = []
            }
        }
        for raw in markdown.components(separatedBy: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("<!--") { continue }
            if line.isEmpty { flush(); continue }
            if line.hasPrefix("#") {
                flush()
                let level = min(line.prefix { $0 == "#" }.count, 3)
                body += "<h\(level)>\(inline(line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)))</h\(level)>\n"
            } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                if !paragraph.isEmpty || !table.isEmpty { flush() }
                list.append(String(line.dropFirst(2)))
            } else if line.hasPrefix("|") {
                if !paragraph.isEmpty || !list.isEmpty { flush() }
                table.append(line.trimmingCharacters(in: CharacterSet(charactersIn: "|")).components(separatedBy: "|")
                    .map { $0.trimmingCharacters(in: .whitespaces) })
            } else {
                if !list.isEmpty || !table.isEmpty { flush() }
                paragraph.append(line)
            }
        }
        flush()
        return page(title: title, body: body)
    }
}
