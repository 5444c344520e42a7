import Casebook
import Foundation
import Procedures

/// Novedades: the department's movements by date, filtered by person, procedure or dependency, and
/// the same as an Atom feed a mail client can subscribe to.
enum NewsPage {
    struct Movement {
        var status: CaseStatus
        var entry: HistoryEntry
    }

    struct Filter {
        var persona: String?
        var procedure: Int?
        var dependency: String?

        var query: String {
            [persona.map { "persona=\(HTML.url($0))" }, procedure.map { "procedimiento=\($0)" },
             dependency.map { "dependencia=\(HTML.url($0))" }].compactMap { $0 }.joined(separator: "&")
        }
    }

    /// Every step the viewer may see, newest first.
    static func movements(_ s: Snapshot, viewer: Viewer, filter: Filter = Filter()) -> [Movement] {
        var out: [Movement] = []
        for status in viewer.cases(s) where filter.procedure == nil || status.procedure == filter.procedure {
            for entry in status.history where viewer.maySee(dependency: entry.dependency) || viewer.restrictedCode == nil {
                if let code = filter.dependency, entry.dependency?.uppercased() != code.uppercased() { continue }
                if let who = filter.persona {
                    let persona = s.roster.find(who)
                    guard entry.email.lowercased() == (persona?.email ?? who).lowercased() else { continue }
                }
                out.append(Movement(status: status, entry: entry))
            }
        }
        return out.sorted { $0.entry.date > $1.entry.date }
    }

    static func table(_ moves: [Movement]) -> String {
        HTML.table(["Fecha", "Expediente", "Paso", "Dep.", "Quién", "Actividad"], moves.map { m in
            [HTML.escape(String(m.entry.date.prefix(16)).replacingOccurrences(of: "T", with: " ")), HTML.link("/expediente/\(m.status.id)", m.status.id),
             HTML.escape(m.entry.step ?? ""), HTML.escape(m.entry.dependency ?? ""), HTML.escape("\(m.entry.author) (\(m.entry.role ?? ""))"),
             HTML.escape(m.entry.subject)]
        }, raw: true)
    }

    static func render(_ s: Snapshot, viewer: Viewer, filter: Filter) -> String {
        let moves = movements(s, viewer: viewer, filter: filter)
        var body = "<h1>Novedades</h1>"
        body += "<form class=\"filtros\" method=\"get\" action=\"/novedades\">"
        body += "<label>Persona <input name=\"persona\" value=\"\(HTML.escape(filter.persona ?? ""))\" size=\"14\"></label>"
        body += "<label>Procedimiento <input name=\"procedimiento\" value=\"\(filter.procedure.map(String.init) ?? "")\" size=\"2\"></label>"
        body += "<label>Dependencia <input name=\"dependencia\" value=\"\(HTML.escape(filter.dependency ?? ""))\" size=\"6\"></label>"
        body += "<button type=\"submit\">Filtrar</button></form>"
        let feed = "/novedades.atom" + (filter.query.isEmpty ? "" : "?" + filter.query)
        body += "<p>\(HomePage.plural(moves.count, "movimiento", "movimientos")). Suscríbase en su cliente de correo: " + HTML.link(feed, "canal Atom") + ".</p>"
        body += table(Array(moves.prefix(500)))
        if moves.count > 500 { body += "<p class=\"nota\">Se muestran los 500 más recientes; filtre para ver otros.</p>" }
        return HTML.page(title: "Novedades", viewer: viewer, head: s.head, body: body)
    }

    /// The same movements as an Atom 1.0 feed (RFC 4287), the newest 200.
    static func atom(_ s: Snapshot, viewer: Viewer, filter: Filter, base: String) -> String {
        let moves = movements(s, viewer: viewer, filter: filter).prefix(200)
        let updated = moves.first?.entry.date ?? "\(s.today)T00:00:00Z"
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        out += "<title>Novedades del Departamento de Planificación</title>"
        out += "<id>urn:folio:novedades:\(HTML.escape(filter.query))</id><updated>\(HTML.escape(updated))</updated>"
        out += "<link rel=\"self\" href=\"\(HTML.escape(base))/novedades.atom\"/><author><name>folio</name></author>"
        for m in moves {
            out += "<entry><id>urn:folio:commit:\(HTML.escape(m.entry.commit))</id>"
            out += "<title>\(HTML.escape(m.entry.subject))</title><updated>\(HTML.escape(m.entry.date))</updated>"
            out += "<author><name>\(HTML.escape(m.entry.author))</name><email>\(HTML.escape(m.entry.email))</email></author>"
            out += "<link href=\"\(HTML.escape(base))/expediente/\(HTML.url(m.status.id))\"/>"
            out += "<summary>\(HTML.escape("\(m.status.id) · \(m.status.title) · paso \(m.entry.step ?? "") (\(m.entry.role ?? ""))\(m.entry.dependency.map { " · \($0)" } ?? "")"))</summary></entry>"
        }
        return out + "</feed>\n"
    }
}
