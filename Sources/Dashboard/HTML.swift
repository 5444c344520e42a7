import Casebook
import Foundation

/// Escaping and the page frame shared by every page: Spanish, no scripts, readable printed.
enum HTML {
    /// Text for an element or an attribute: `&`, `<`, `>`, `"` and `'` escaped, control characters
    /// and the invisible bidirectional marks dropped (attack36: a stored "odalecnaC" showed as
    /// "Cancelado"; `SafeText.isControl`).
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            default:
                if SafeText.isControl(scalar) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A path segment or query value for a link.
    static func url(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }

    static func link(_ href: String, _ text: String) -> String {
        "<a href=\"\(escape(href))\">\(escape(text))</a>"
    }

    static func table(_ headers: [String], _ rows: [[String]], raw: Bool = false, cls: String? = nil) -> String {
        var out = "<table\(cls.map { " class=\"\($0)\"" } ?? "")><thead><tr>" + headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { out += "<tr>" + row.map { "<td>\(raw ? $0 : escape($0))</td>" }.joined() + "</tr>" }
        return out + "</tbody></table>"
    }

    /// The whole page: header with the department and the sections, the body, the time it was drawn.
    static func page(title: String, viewer: Viewer, head: String, body: String) -> String {
        let who: String
        switch viewer {
        case .local: who = "acceso local"
        case .persona(let p): who = escape("\(p.name) (\(p.id))")
        }
        return """
            <!DOCTYPE html>
            <html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · folio</title>
            <link rel="alternate" type="application/atom+xml" title="Novedades" href="/novedades.atom">
            <style>\(style)</style></head><body>
            <header><div class="brand">Departamento de Planificación · IGSS</div>
            <nav><a href="/">Portada</a><a href="/expedientes">Expedientes</a><a href="/procedimientos">Procedimientos</a><a href="/produccion">Producción y metas</a><a href="/novedades">Novedades</a></nav>
            <div class="who">\(who)</div></header>
            <main>
            \(body)
            </main>
            <footer>Derivado del repositorio de expedientes en el commit \(escape(String(head.prefix(12)))). Solo lectura.</footer>
            </body></html>

            """
    }

    static let style = """
        body{font-family:"DejaVu Sans",Arial,sans-serif;color:#1a1a1a;margin:0;font-size:14px;background:#fff}
        header{background:#0b4f8a;color:#fff;padding:10px 24px;display:flex;flex-wrap:wrap;align-items:center;gap:18px}
        header .brand{font-weight:bold}header nav a{color:#fff;margin-right:14px;text-decoration:none}header .who{margin-left:auto;font-size:12px}
        main{max-width:1200px;margin:16px auto;padding:0 20px}footer{max-width:1200px;margin:24px auto;padding:8px 20px;color:#666;font-size:11px;border-top:1px solid #ddd}
        h1{font-size:22px;border-bottom:3px solid #0b4f8a;padding-bottom:6px}h2{font-size:17px;color:#0b4f8a;margin-top:26px}h3{font-size:15px}
        table{border-collapse:collapse;width:100%;margin:8px 0 16px}th,td{border:1px solid #c8c8c8;padding:4px 8px;vertical-align:top;text-align:left}
        th{background:#e8eef5}td:first-child{white-space:nowrap}td.n{text-align:right}.vencido{color:#a40000;font-weight:bold}.nota{color:#555;font-size:12px}
        .estado-open{color:#1b6e20}.estado-waiting{color:#8a5a00}.estado-closed{color:#444}.estado-returned{color:#a40000}
        .threads{display:flex;flex-wrap:wrap;gap:12px}.thread{flex:1 1 260px;border:1px solid #c8c8c8;padding:6px 10px}
        .timeline{list-style:none;padding-left:0;border-left:3px solid #0b4f8a}.timeline li{margin:0 0 10px 0;padding-left:12px}
        .timeline .when{color:#555;font-size:12px}.doc{border:1px solid #ddd;padding:8px 14px;margin:10px 0}
        .hallazgo{border-left:4px solid #a40000;padding:4px 10px;margin:6px 0;background:#fff4f4}.ok{color:#1b6e20}
        form.filtros label{margin-right:12px}svg{max-width:100%;height:auto}
        @media print{header nav,form.filtros{display:none}header{background:none;color:#000;border-bottom:2px solid #000}main{max-width:none}table,svg,.doc{break-inside:avoid}a{color:#000;text-decoration:none}}
        """
}
