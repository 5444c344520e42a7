import Casebook
import Procedures

/// Expedientes: every case the viewer may see, filtered by procedure and state.
enum CaseListPage {
    static func render(_ s: Snapshot, viewer: Viewer, procedure: Int?, state: String?) -> String {
        let list = viewer.cases(s).filter { (procedure == nil || $0.procedure == procedure)
            && (state == nil || $0.state.rawValue == state) }
        var body = "<h1>Expedientes</h1>"
        body += "<form class=\"filtros\" method=\"get\" action=\"/expedientes\"><label>Procedimiento <select name=\"procedimiento\"><option value=\"\">todos</option>"
        for d in s.definitions {
            body += "<option value=\"\(d.number)\"\(procedure == d.number ? " selected" : "")>\(d.number) \(HTML.escape(d.code))</option>"
        }
        body += "</select></label><label>Estado <select name=\"estado\"><option value=\"\">todos</option>"
        for st in [CaseState.open, .waiting, .closed, .returned] {
            body += "<option value=\"\(st.rawValue)\"\(state == st.rawValue ? " selected" : "")>\(st.label)</option>"
        }
        body += "</select></label><button type=\"submit\">Filtrar</button></form>"
        body += "<p>\(HomePage.plural(list.count, "expediente", "expedientes")).</p>"
        body += HTML.table(["Expediente", "P", "Estado", "Último", "Siguiente", "Título"], list.prefix(2000).map { st in
            let next = (st.next.map(\.step) + (st.dependencies ?? []).flatMap { d in d.next.map { "\($0.step) \(d.code)" } }).joined(separator: ", ")
            return [HTML.link("/expediente/\(st.id)", st.id), String(st.procedure), CasePage.stateLabel(st),
                    HTML.escape(st.lastStep ?? "—"), HTML.escape(next), HTML.escape(st.title)]
        }, raw: true)
        if list.count > 2000 { body += "<p class=\"nota\">Se muestran 2000; filtre por procedimiento o estado.</p>" }
        return HTML.page(title: "Expedientes", viewer: viewer, head: s.head, body: body)
    }
}
