import Casebook
import Foundation
import Procedures

/// Portada: cases by procedure and state, what is overdue and due this week (the same items as
/// `folio due`), what waits on each person, and the week's movements.
enum HomePage {
    static func render(_ s: Snapshot, viewer: Viewer) -> String {
        let statuses = viewer.cases(s)
        let visible = Set(statuses.map(\.id))
        let pending = s.pending.filter { visible.contains($0.id) && viewer.maySee(dependency: $0.dependency) }
        var body = "<h1>Tablero del Departamento de Planificación</h1>"
        body += "<p class=\"nota\">Hoy \(HTML.escape(s.today)). \(plural(statuses.count, "expediente", "expedientes")). Todo se deriva del historial de git; nada aquí se edita.</p>"

        body += "<h2>Expedientes por procedimiento y estado</h2>"
        let states: [CaseState] = [.open, .waiting, .closed, .returned]
        var rows: [[String]] = []
        for d in s.definitions {
            let mine = statuses.filter { $0.procedure == d.number }
            guard !mine.isEmpty || viewer.restrictedCode == nil else { continue }
            var row = [HTML.link("/procedimiento/\(d.number)", "\(d.number) \(d.code)") + " " + HTML.escape(d.name)]
            for state in states {
                let n = mine.filter { $0.state == state }.count
                row.append(n == 0 ? "0" : HTML.link("/expedientes?procedimiento=\(d.number)&estado=\(state.rawValue)", String(n)))
            }
            row.append(HTML.link("/expedientes?procedimiento=\(d.number)", String(mine.count)))
            rows.append(row)
        }
        body += HTML.table(["Procedimiento", "abiertos", "en espera", "cerrados", "devueltos", "total"], rows, raw: true)

        let today = Day(iso: s.today)
        let overdue = pending.filter(\.overdue)
        let week = pending.filter { !$0.overdue && ($0.daysLeft ?? Int.max) <= 7 }
        body += "<h2>Vencidos (\(overdue.count))</h2>" + dueTable(overdue, limit: 200)
        body += "<h2>Vencen esta semana (\(week.count))</h2>" + dueTable(week, limit: 200)

        body += "<h2>Qué espera a cada persona</h2>"
        var byPerson: [String: [DueItem]] = [:]
        for item in pending { for holder in item.holders { byPerson[holder, default: []].append(item) } }
        let people = byPerson.keys.sorted().filter { key in
            guard case .persona(let p) = viewer, viewer.restrictedCode != nil else { return true }
            return key == p.id
        }
        if people.isEmpty { body += "<p>Nada pendiente.</p>" }
        for id in people {
            let items = byPerson[id] ?? []
            let name = s.roster.find(id)?.name ?? id
            let late = items.filter(\.overdue).count
            body += "<h3>\(HTML.escape(name)) (\(HTML.escape(id))): \(plural(items.count, "pendiente", "pendientes"))"
                + (late > 0 ? ", <span class=\"vencido\">\(plural(late, "vencido", "vencidos"))</span>" : "") + "</h3>"
            body += dueTable(items, limit: 30)
        }

        body += "<h2>Movimientos de la semana</h2>"
        let since = today?.adding(days: -7).description ?? ""
        let moves = NewsPage.movements(s, viewer: viewer).filter { String($0.entry.date.prefix(10)) > since }
        body += moves.isEmpty ? "<p>Sin movimientos en los últimos siete días.</p>" : NewsPage.table(Array(moves.prefix(100)))
        if moves.count > 100 { body += "<p>" + HTML.link("/novedades", "Ver los \(moves.count) movimientos") + "</p>" }
        return HTML.page(title: "Portada", viewer: viewer, head: s.head, body: body)
    }

    static func dueTable(_ items: [DueItem], limit: Int) -> String {
        guard !items.isEmpty else { return "<p>Ninguno.</p>" }
        let rows = items.prefix(limit).map { i -> [String] in
            let situation: String
            switch i.daysLeft {
            case nil: situation = "sin plazo"
            case let d? where d < 0: situation = "<span class=\"vencido\">vencido hace \(-d) d</span>"
            case 0?: situation = "vence hoy"
            case let d?: situation = "en \(d) d"
            }
            let rule = i.normNumber.map { "norma \($0)" } ?? i.criterion.map { "criterio del departamento «\($0)»" } ?? ""
            return [HTML.escape(i.due ?? "—"), situation, HTML.link("/expediente/\(i.id)", i.id) + "<br><span class=\"nota\">\(HTML.escape(i.title))</span>",
                    HTML.escape(i.step) + (i.dependency.map { " " + HTML.escape($0) } ?? ""), HTML.escape(i.activity),
                    HTML.escape(i.holders.joined(separator: ", ")), HTML.escape(rule)]
        }
        var out = HTML.table(["Vence", "Situación", "Expediente", "Paso", "Actividad", "Responsables", "Norma"], rows, raw: true)
        if items.count > limit { out += "<p class=\"nota\">y \(items.count - limit) más.</p>" }
        return out
    }

    static func plural(_ n: Int, _ one: String, _ many: String) -> String { n == 1 ? "1 \(one)" : "\(n) \(many)" }
}
