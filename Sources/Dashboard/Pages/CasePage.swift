import Casebook
import Foundation
import GitStore
import Ink
import Procedures

/// Expediente: the front matter, every Markdown document rendered, the routing slip as a timeline
/// (who, role, when, decision, dependency, text, signature), per-dependency threads side by side,
/// the documents with folio, SHA-256, size and a download link, the next steps, the flowchart with
/// the case's place on it, and what `verify` found in the case.
enum CasePage {
    struct Document {
        var path: String
        var size: Int
        var sha256: String
        var folio: Int?
        var title: String?
    }

    static func render(_ status: CaseStatus, snapshot s: Snapshot, book: Casebook, report: VerifyReport?, viewer: Viewer) throws -> String {
        guard let head = GitStore.OID(hex: s.head) else { throw CasebookError.emptyRepository }
        let files = CaseFiles(book: book, head: head, folder: status.path)
        // A case whose folder is gone (deleted outside folio) has no files to show, not the repository's.
        let all = status.path.isEmpty ? [] : try files.list()
        let visible = all.filter { viewer.maySee(file: $0.path) }
        var body = "<h1>\(HTML.escape(status.id)) · \(HTML.escape(status.title))</h1>"
        body += "<p>" + HTML.link("/procedimiento/\(status.procedure)", "Procedimiento \(status.procedure): \(status.procedureName)")
            + " (versión \(HTML.escape(status.version))) · estado " + stateLabel(status, tag: "strong")
            + (status.lastStep.map { " · último paso \(HTML.escape($0))" } ?? "") + " · abierto el \(HTML.escape(status.opened))"
            + " · carpeta <code>\(HTML.escape(status.path))</code></p>"
        // What cannot be read, and how to repair it, as `folio status` says it.
        if let damage = status.damage {
            body += "<p class=\"vencido\"><strong>Dañado</strong>: \(HTML.escape(damage.file)): \(HTML.escape(damage.reason))</p>"
        }

        // Next steps, with holders and due dates.
        let next = status.next + (status.dependencies ?? []).flatMap(\.next)
        let shownNext = next.filter { viewer.maySee(dependency: $0.dependency) || ($0.perDependency && $0.dependency == nil) }
        body += "<h2>Siguientes pasos</h2>"
        if shownNext.isEmpty {
            body += "<p>\(status.state == .closed ? "Procedimiento terminado (FIN)." : status.state == .returned ? "Salió del procedimiento: se devolvió a quien lo envió." : "Ninguno.")</p>"
        } else {
            body += HTML.table(["Paso", "Actividad", "Rol", "Quién", "Dependencia", "Vence"], shownNext.map { n in
                [HTML.escape(n.step), HTML.escape(n.activity), HTML.escape(n.roles.joined(separator: " o ")), HTML.escape(n.holders.joined(separator: ", ")),
                 HTML.escape(n.dependency ?? (n.perDependency ? "nueva" : "")),
                 n.due.map { n.overdue ? "<span class=\"vencido\">\(HTML.escape($0)) (vencido)</span>" : HTML.escape($0) } ?? "sin plazo"]
            }, raw: true)
        }

        // The flowchart with the case's place on it.
        if let definition = s.definitions.first(where: { $0.number == status.procedure }) {
            body += "<h2>Dónde está en el procedimiento</h2>"
            body += Flowchart(definition: definition, marks: Flowchart.Marks(status: status)).svg
            body += "<p class=\"nota\">Verde: pasos hechos y el camino tomado; naranja: dónde está ahora"
                + (status.dependencies == nil ? "" : " (con las dependencias que esperan en cada paso)") + ".</p>"
        }

        // The front matter.
        if viewer.restrictedCode == nil, let expediente = all.first(where: { $0.path == "expediente.md" }) {
            body += "<h2>Encabezado del expediente</h2>"
            if let document = try? FrontMatterDocument.parse(data: try files.data(expediente), file: "\(status.path)/expediente.md") {
                body += MarkdownView.fieldsTable(document)
            } else {
                body += "<p class=\"hallazgo\">expediente.md no se puede leer (folio verify lo señala).</p>"
            }
        }

        // The routing slip.
        let definition = s.definitions.first { $0.number == status.procedure }
        body += "<h2>Hoja de ruta</h2>" + (try timeline(status, definition: definition, book: book, report: report, viewer: viewer))

        // Threads side by side.
        if let deps = status.dependencies, !deps.isEmpty {
            body += "<h2>Por dependencia</h2><div class=\"threads\">"
            for dep in deps where viewer.maySee(dependency: dep.code) {
                let steps = status.history.filter { $0.dependency == dep.code }
                body += "<div class=\"thread\"><h3>\(HTML.escape(dep.code))</h3><ul>"
                body += steps.map { "<li>\(HTML.escape($0.step ?? "")) · \(HTML.escape(String($0.date.prefix(10)))) · \(HTML.escape($0.author))\($0.decision.map { " · decisión \(HTML.escape($0))" } ?? "")</li>" }.joined()
                body += "</ul><p>" + (dep.next.isEmpty ? "terminó su parte" : "sigue: " + HTML.escape(dep.next.map { "\($0.step) (\($0.holders.joined(separator: ", ")))" }.joined(separator: "; "))) + "</p></div>"
            }
            body += "</div>"
            if viewer.restrictedCode == nil, let expected = status.expected, !expected.isEmpty {
                body += "<p>Se esperan: \(HTML.escape(expected.joined(separator: ", "))). "
                    + "Faltan: \(HTML.escape((status.missing ?? []).isEmpty ? "ninguna" : (status.missing ?? []).joined(separator: ", "))).</p>"
                for e in status.excused ?? [] {
                    body += "<p class=\"nota\">Cerrado sin \(HTML.escape(e.code)) por decisión del jefe: \(HTML.escape(e.reason))</p>"
                }
            }
        }

        // Documents.
        body += "<h2>Documentos</h2>" + (try documentsTable(visible, status: status, files: files))

        // Markdown documents, rendered.
        let markdown = visible.filter { $0.path.lowercased().hasSuffix(".md") }
        if !markdown.isEmpty {
            body += "<h2>Documentos del expediente, legibles</h2>"
            for file in markdown {
                let text = String(decoding: try files.data(file), as: UTF8.self)
                body += "<section class=\"doc\"><h3>\(HTML.escape(file.path))</h3>\(MarkdownView.render(text))</section>"
            }
        }

        // verify's findings for this case.
        body += "<h2>Verificación</h2>"
        if let report {
            let found = report.violations.filter { $0.caseID == status.id }
            body += found.isEmpty ? "<p class=\"ok\">folio verify no encuentra nada en este expediente.</p>"
                : found.map { v in "<div class=\"hallazgo\"><strong>\(v.isError ? "Infracción" : "Advertencia")</strong> [\(HTML.escape(v.rule))] commit <code>\(HTML.escape(String(v.commit.prefix(7))))</code>\(v.step.map { " paso \(HTML.escape($0))" } ?? ""): \(HTML.escape(v.message))<br><span class=\"nota\">Para corregirlo: \(HTML.escape(v.fix))</span></div>" }.joined()
        } else {
            body += "<p class=\"nota\">La verificación del historial está en curso para este commit; recargue la página en unos segundos.</p>"
        }
        return HTML.page(title: status.id, viewer: viewer, head: s.head, body: body)
    }

    /// The case's state as the pages show it: "dañado" when something of it cannot be read.
    static func stateLabel(_ status: CaseStatus, tag: String = "span") -> String {
        status.damage == nil ? "<\(tag) class=\"estado-\(status.state.rawValue)\">\(HTML.escape(status.state.label))</\(tag)>"
            : "<\(tag) class=\"estado-returned\">dañado</\(tag)>"
    }

    static func timeline(_ status: CaseStatus, definition: ProcedureDefinition?, book: Casebook, report: VerifyReport?,
                         viewer: Viewer) throws -> String {
        // A case whose folder is gone has no log to read (`folio log` refuses it): its steps as status derived them.
        let log = status.path.isEmpty && status.damage != nil ? status.history : try book.log(of: status.id)
        let entries = log.filter { viewer.maySee(dependency: $0.dependency) || viewer.restrictedCode == nil }
        let badSignatures = Set(report?.violations.filter { $0.kind == .signature }.map(\.commit) ?? [])
        var out = "<ol class=\"timeline\">"
        for e in entries {
            guard let oid = GitStore.OID(hex: e.commit) else { continue }
            let commit = try book.repository.commit(oid)
            let signature: String
            if badSignatures.contains(e.commit) { signature = "<span class=\"vencido\">firma no válida</span>" }
            else if try book.repository.signature(of: oid) != nil { signature = report == nil ? "firmado" : "<span class=\"ok\">firma válida</span>" }
            else { signature = "sin firma" }
            let what = e.step.map { "Paso \($0)" } ?? (e.kind == "opening" ? "Apertura" : "Nota")
            out += "<li><div class=\"when\">\(HTML.escape(e.date)) · commit <code>\(HTML.escape(String(e.commit.prefix(7))))</code> · \(signature)</div>"
            // The manual's full activity (the subject line is cut for git log --oneline).
            let activity = e.step.flatMap { definition?.step($0)?.activity } ?? e.subject
            out += "<strong>\(HTML.escape(what))</strong>\(e.dependency.map { " [\(HTML.escape($0))]" } ?? ""): \(HTML.escape(activity))<br>"
            if let j = e.justification { out += "<span class=\"vencido\">Fuera de plazo</span>: \(HTML.escape(j))<br>" }
            out += "\(HTML.escape(e.author)) (\(HTML.escape(e.role ?? "")))"
            if e.committer != e.author { out += ", registrado por \(HTML.escape(e.committer))" }
            if let d = e.decision { out += " · decisión <strong>\(d == "si" ? "sí" : "no")</strong>" }
            let text = bodyText(commit.message)
            if !text.isEmpty { out += "<div class=\"nota\">\(HTML.escape(text).replacingOccurrences(of: "\n", with: "<br>"))</div>" }
            out += "</li>"
        }
        return out + "</ol>"
    }

    /// A commit message without its subject and its trailer block: the `-m` text.
    static func bodyText(_ message: String) -> String {
        var paragraphs = message.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard !paragraphs.isEmpty else { return "" }
        paragraphs.removeFirst()
        if let last = paragraphs.last, last.split(separator: "\n").allSatisfy({ line in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 && parts[0].allSatisfy { $0.isLetter || $0 == "-" }
        }) {
            paragraphs.removeLast()
        }
        return paragraphs.joined(separator: "\n\n")
    }

    static func documentsTable(_ files: [CaseFiles.File], status: CaseStatus, files reader: CaseFiles) throws -> String {
        var indexed: [String: ArchivedDocument] = [:]
        if let index = files.first(where: { $0.path == ArchiveIndex.fileName }),
           let parsed = try? ArchiveIndex.parse(String(decoding: try reader.data(index), as: UTF8.self), file: index.path) {
            for d in parsed.documentos { indexed[d.archivo] = d }
        }
        guard !files.isEmpty else { return "<p>Ninguno visible.</p>" }
        let rows = try files.map { file -> [String] in
            let data = try reader.data(file)
            let doc = indexed[file.path]
            let href = "/expediente/\(HTML.url(status.id))/archivo/" + GitPath.components(file.path).map(HTML.url).joined(separator: "/")
            return [doc.map { String($0.folio) } ?? "—", HTML.link(href, file.path), HTML.escape(doc?.titulo ?? ""),
                    "<code>\(HTML.escape(Digest.sha256(data)))</code>", "\(data.count)"]
        }
        return HTML.table(["Folio", "Archivo", "Título", "SHA-256", "Bytes"], rows, raw: true)
    }
}

/// Markdown documents rendered by Ink, then rebuilt tag by tag from a short list of tags and
/// attributes: the writer's raw HTML is shown as text, attribute values are escaped again (Ink
/// leaves quotes in link addresses and image descriptions as they were), and links go only to web
/// addresses and the case's own files. Whoever can commit cannot change a reader's page or run
/// anything in their browser (the pages also forbid scripts by Content-Security-Policy).
enum MarkdownView {
    static func render(_ text: String) -> String {
        // A document with front matter (the index, the routing slip): its fields as a table, then
        // its text (attack36: the YAML was run through Markdown, `_` read as emphasis).
        if let document = try? FrontMatterDocument.parse(text, file: ""), !document.fields.isEmpty {
            return fieldsTable(document) + body(document.body)
        }
        return body(text)
    }

    /// A document's front matter as a table of its fields, by key.
    static func fieldsTable(_ document: FrontMatterDocument) -> String {
        let fields = document.plainFields
        return HTML.table(["Clave", "Valor"], fields.keys.sorted().map { [$0, Requirement.text(fields[$0])] })
    }

    /// Markdown text as HTML: the writer's markup shown as text; the character references folio
    /// writes into Markdown table cells (`SafeText.markdownCell`: `&lt;`, `&#124;`...) kept as
    /// such, not escaped a second time (attack36: readers saw `&lt;script&gt;`).
    static func body(_ text: String) -> String {
        // Control characters and invisible marks shown as nothing (attack37), line breaks and tabs kept.
        var text = text
        if SafeText.hasControl(text) {
            text.unicodeScalars.removeAll { SafeText.isControl($0) && $0 != "\n" && $0 != "\t" }
        }
        var neutral = ""
        neutral.reserveCapacity(text.utf8.count)
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            neutral += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            neutral += safeReferences.contains { after.hasPrefix($0) } ? "&" : "&amp;"
            rest = after
        }
        neutral += rest
        neutral = neutral.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        return sanitize(MarkdownParser().html(from: neutral))
    }

    /// Character references that stand for one character and can open no markup.
    static let safeReferences = ["lt;", "gt;", "amp;", "quot;", "#39;", "#124;", "#92;"]

    static let allowed: Set<String> = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "img", "em", "strong", "code",
                                       "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "del", "s"]

    /// Every tag of `html` kept only if it is in `allowed`, with only `href` (links) or `src` and
    /// `alt` (images), their values escaped; text between tags is kept as it is (already escaped).
    static func sanitize(_ html: String) -> String {
        var out = ""
        var rest = Substring(html)
        var inCode = 0
        while let lt = rest.firstIndex(of: "<") {
            out += inCode > 0 ? unescapeTwice(rest[..<lt]) : String(rest[..<lt])
            guard let gt = rest[lt...].firstIndex(of: ">") else {
                out += HTML.escape(String(rest[lt...]))
                return out
            }
            let tag = rest[rest.index(after: lt)..<gt]
            if let (name, closing, clean) = rebuild(tag) {
                out += clean
                if name == "code" || name == "pre" { inCode += closing ? -1 : 1; inCode = max(0, inCode) }
            }
            rest = rest[rest.index(after: gt)...]
        }
        return out + (inCode > 0 ? unescapeTwice(rest) : String(rest))
    }

    /// Ink escapes code once more: `&amp;lt;` back to `&lt;` inside code.
    static func unescapeTwice(_ s: Substring) -> String {
        s.replacingOccurrences(of: "&amp;lt;", with: "&lt;").replacingOccurrences(of: "&amp;gt;", with: "&gt;")
            .replacingOccurrences(of: "&amp;quot;", with: "&quot;").replacingOccurrences(of: "&amp;amp;", with: "&amp;")
    }

    private static func rebuild(_ tag: Substring) -> (String, Bool, String)? {
        var t = tag.trimmingCharacters(in: .whitespaces)[...]
        let closing = t.hasPrefix("/")
        if closing { t = t.dropFirst() }
        let name = String(t.prefix { $0.isLetter || $0.isNumber }).lowercased()
        guard allowed.contains(name) else { return nil }
        if closing { return (name, true, "</\(name)>") }
        var attributes: [(String, String)] = []
        var s = t.dropFirst(name.count)
        while !s.isEmpty {
            s = s.drop { $0 == " " || $0 == "\n" || $0 == "/" || $0 == "\t" }
            let key = String(s.prefix { $0.isLetter || $0 == "-" }).lowercased()
            guard !key.isEmpty else { s = s.dropFirst(); continue }
            s = s.dropFirst(key.count)
            var value = ""
            if s.first == "=" {
                s = s.dropFirst()
                if let quote = s.first, quote == "\"" || quote == "'" {
                    s = s.dropFirst()
                    let end = s.firstIndex(of: quote) ?? s.endIndex
                    value = String(s[..<end])
                    s = end < s.endIndex ? s[s.index(after: end)...] : s[end...]
                } else {
                    value = String(s.prefix { $0 != " " })
                    s = s.dropFirst(value.count)
                }
            }
            attributes.append((key, value))
        }
        var kept: [(String, String)] = []
        switch name {
        case "a": kept = attributes.filter { $0.0 == "href" }.prefix(1).map { ("href", safeURL($0.1)) }
        case "img": kept = attributes.filter { $0.0 == "src" }.prefix(1).map { ("src", safeURL($0.1)) }
            + attributes.filter { $0.0 == "alt" }.prefix(1).map { ("alt", $0.1) }
        default: break
        }
        let attrs = kept.map { " \($0.0)=\"\(attributeValue($0.1))\"" }.joined()
        return (name, false, "<\(name)\(attrs)\(name == "img" || name == "br" || name == "hr" ? "/" : "")>")
    }

    /// A value put back between double quotes: quotes and angle brackets escaped, entities kept.
    static func attributeValue(_ value: String) -> String {
        value.replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// http(s), mailto or a relative address; anything else (javascript:, data:, //host) becomes `#`.
    static func safeURL(_ value: String) -> String {
        let lower = value.lowercased().trimmingCharacters(in: .whitespaces)
        let ok = lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("mailto:")
            || (!lower.contains(":") && !lower.hasPrefix("//") && !lower.contains("&#"))
        return ok ? value : "#"
    }
}
