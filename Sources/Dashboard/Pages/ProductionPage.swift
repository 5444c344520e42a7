import Casebook
import Foundation
import GitStore
import Procedures

/// Producción y metas: the monthly cases of procedures 3 and 5 with their committed reports, and a
/// dependency's series, product by product, as the charts folio's reports already draw.
enum ProductionPage {
    static func render(_ s: Snapshot, book: Casebook, viewer: Viewer, dependency requested: String?) throws -> String {
        guard let head = GitStore.OID(hex: s.head) else { throw CasebookError.emptyRepository }
        var body = "<h1>Producción y metas físicas</h1>"
        let monthly = viewer.cases(s).filter { $0.procedure == 3 || $0.procedure == 5 }.sorted { $0.id > $1.id }
        for (number, title) in [(3, "Producción de las dependencias (procedimiento 3)"), (5, "Avance de metas físicas (procedimiento 5)")] {
            body += "<h2>\(title)</h2>"
            let cases = monthly.filter { $0.procedure == number }
            if cases.isEmpty { body += "<p>Ningún mes registrado.</p>"; continue }
            let rows = try cases.map { st -> [String] in
                let reports = viewer.restrictedCode != nil ? [] : try book.repository.entries(at: "\(st.path)/informe", in: head)
                    .filter { $0.kind == .blob && $0.name.hasSuffix(".html") }.map(\.name).sorted()
                let links = reports.map { HTML.link("/expediente/\(st.id)/archivo/informe/\(HTML.url($0))", $0) }.joined(separator: "<br>")
                let deps = st.dependencies ?? []
                let finished = deps.filter { $0.next.isEmpty }.count
                return [HTML.link("/expediente/\(st.id)", st.id), "<span class=\"estado-\(st.state.rawValue)\">\(st.state.label)</span>",
                        viewer.restrictedCode != nil ? (deps.isEmpty ? "no ha iniciado" : (finished > 0 ? "terminó su parte" : "en curso"))
                            : "\(deps.count) iniciadas, \(finished) terminaron su parte", links.isEmpty ? "—" : links]
            }
            body += HTML.table(["Mes", "Estado", "Dependencias", "Informes"], rows, raw: true)
        }

        // The month as it goes: figures still in review too (the export counts only settled ones).
        let records = try book.exportProduction(inReview: true)
        let codes = Array(Set(records.map(\.dependency))).sorted()
        let chosen = viewer.restrictedCode ?? requested?.uppercased()
        body += "<h2>Serie de una dependencia</h2>"
        if viewer.restrictedCode == nil {
            body += "<p>" + codes.map { HTML.link("/produccion?dependencia=\(HTML.url($0))", $0) }.joined(separator: " · ") + "</p>"
        }
        guard let chosen, codes.contains(chosen) else {
            body += "<p class=\"nota\">Elija una dependencia para ver su producción mes a mes.</p>"
            return HTML.page(title: "Producción y metas", viewer: viewer, head: s.head, body: body)
        }
        let mine = records.filter { $0.dependency == chosen }
        let months = Array(Set(mine.map(\.month))).sorted()
        body += "<h3>\(HTML.escape(chosen)): \(HomePage.plural(months.count, "mes", "meses"))</h3>"
        let products = Array(Set(mine.map { "\($0.program)|\($0.product)|\($0.unit)" })).sorted()
        for key in products {
            let parts = key.split(separator: "|").map(String.init)
            let series = months.map { m in (label: String(m.suffix(5)), value: mine.first { $0.month == m && "\($0.program)|\($0.product)|\($0.unit)" == key }?.executed) }
            body += HTMLPage.lineChart(title: "\(parts[0]) · \(parts[1]) (\(parts[2])), ejecutado", points: series)
        }
        if let last = months.last {
            let items = mine.filter { $0.month == last }.map { (label: $0.product, programmed: $0.programmed, executed: $0.executed) }
            body += HTMLPage.barChart(title: "\(chosen), \(last): ejecutado contra programado, por producto (cada uno en su unidad)", items: items)
        }
        return HTML.page(title: "Producción y metas", viewer: viewer, head: s.head, body: body)
    }
}
