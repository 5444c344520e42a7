import Casebook
import Procedures

/// Procedimiento: each procedure's flowchart drawn from `schemas/`, its steps word for word, and
/// its norms with how folio applies them.
enum ProcedurePage {
    static func list(_ s: Snapshot, viewer: Viewer) -> String {
        var body = "<h1>Procedimientos del manual (Acuerdo 16/2013)</h1><ul>"
        for d in s.definitions {
            body += "<li>" + HTML.link("/procedimiento/\(d.number)", "\(d.number). \(d.name)") + " (\(HTML.escape(d.code)), versión \(HTML.escape(d.version)))</li>"
        }
        return HTML.page(title: "Procedimientos", viewer: viewer, head: s.head, body: body + "</ul>")
    }

    static func render(_ d: ProcedureDefinition, snapshot s: Snapshot, viewer: Viewer) -> String {
        var body = "<h1>Procedimiento \(d.number): \(HTML.escape(d.name))</h1>"
        body += "<p class=\"nota\">Versión \(HTML.escape(d.version)) de schemas/procedimiento-\(d.number).yaml en el commit \(HTML.escape(String(s.head.prefix(12)))).\(d.monthly ? " Un expediente por mes." : "")</p>"
        body += "<h2>Diagrama</h2>" + Flowchart(definition: d).svg
        body += "<h2>Pasos</h2>" + HTML.table(["Paso", "Responsable", "Actividad", "Lectura del manual"], d.steps.map { step in
            var activity = step.activity
            if let decision = step.decision {
                activity = "\(decision.question) Sí: \(decision.yes.text) No: \(decision.no.text)"
            }
            return [step.number, step.roles.map(\.title).joined(separator: " o "), activity, step.interpretation ?? ""]
        })
        body += "<h2>Normas</h2>" + HTML.table(["Norma", "Texto", "Cómo la aplica folio"], d.norms.map { n in
            [n.kind == .manual ? n.number : "criterio «\(n.number)»\(n.adoption == nil ? " (propuesto)" : " (adoptado por \(n.adoption!.by) el \(n.adoption!.on))")",
             n.text, NormTable.application(n).joined(separator: " ")]
        })
        return HTML.page(title: "Procedimiento \(d.number)", viewer: viewer, head: s.head, body: body)
    }
}
