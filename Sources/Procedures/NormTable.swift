/// The manual's norms, clause by clause, with how folio applies each: rendered from the schemas so
/// that the table in `docs/normas.md` cannot drift from what folio does.
public enum NormTable {
    /// A Markdown document: one table per procedure (norms of the manual), then the department's
    /// criteria, each marked as such.
    public static func markdown(_ definitions: [ProcedureDefinition]) -> String {
        var out = [
            "# Las normas del manual y cómo las aplica folio",
            "",
            "Generado por `folio procedures --normas` desde `schemas/`; no se edita a mano (una prueba lo compara).",
            "Cada norma (o inciso) del Acuerdo 16/2013 es un **plazo** (folio lo muestra en `status`, `due` e `inbox`, y un",
            "paso fuera de plazo solo se registra con `--justificacion`), un **requisito** (folio rechaza el paso mientras",
            "falte), una **evaluación** (el paso registra lo que falta), un **control** (el procedimiento mismo lo registra),",
            "o **no se aplica**, con la razón. Los criterios del departamento van aparte: no son normas del manual.",
        ]
        for d in definitions {
            out += ["", "## Procedimiento \(d.number): \(d.name)", "", "| Norma | Texto del manual | Cómo la aplica folio |", "|---|---|---|"]
            for n in d.norms where n.kind == .manual {
                var how = application(n)
                if let c = d.cycle, c.norm == n.number { how.append(cycle(c)) }
                out.append("| \(n.number) | \(cell(n.text)) | \(cell(how.joined(separator: " "))) |")
            }
            let generating = d.steps.filter { !$0.generates.isEmpty }
            if !generating.isEmpty {
                out += ["", "Lo que folio escribe en el expediente al registrar cada paso (`genera:` en el esquema; AAAA-MM es el mes",
                        "del expediente, CODIGO la dependencia):", ""]
                for step in generating {
                    for g in step.generates {
                        let files = g.files(month: "AAAA-MM", dependency: "CODIGO").map { "`\($0)`" }.joined(separator: ", ")
                        out.append("- Paso \(step.number) (`\(g.rawValue)`): \(g.summary): \(files).")
                    }
                }
            }
        }
        let criteria = definitions.flatMap { d in d.norms.filter { $0.kind == .criterion }.map { (d, $0) } }
        out += ["", "## Criterios del departamento", ""]
        if criteria.isEmpty {
            out.append("Ninguno propuesto en los esquemas.")
        } else {
            out += ["Donde el manual calla, el departamento puede adoptar un criterio propio. Se aplica solo cuando un jefe lo",
                    "adopta (`folio criterios adoptar PROC CLAVE`), y se muestra como «criterio del departamento», nunca como norma.",
                    "", "| Procedimiento | Criterio | Texto | Cómo lo aplica folio, una vez adoptado |", "|---|---|---|---|"]
            for (d, n) in criteria {
                out.append("| \(d.number) | \(n.number) | \(cell(n.text)) | \(cell(application(n).joined(separator: " "))) |")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// How folio applies one norm, in sentences.
    public static func application(_ n: Norm) -> [String] {
        if let reason = n.notApplied { return ["No se aplica: \(reason)"] }
        var parts: [String] = []
        for d in n.deadlines {
            var text = "Plazo: \(steps(d.steps)) vence\(d.steps.count > 1 ? "n" : "") \(describe(d.due))"
            if let opens = d.opens { text += "; se abre \(describe(opens))" }
            parts.append(text + ".")
        }
        for r in n.requirements {
            var when = "al registrar el paso \(r.step)"
            if let decision = r.decision { when += " con decisión \(decision ? "sí" : "no")" }
            if let c = r.when { when += ", si \(c.field) es \(c.value)" }
            var what: [String] = []
            if !r.fields.isEmpty { what.append("expediente.md con \(list(r.fields))") }
            if !r.trueFields.isEmpty { what.append("expediente.md con \(list(r.trueFields)) en true") }
            for doc in r.documents { what.append(describe(doc)) }
            parts.append((r.evaluatesOnly ? "Evaluación \(when): registra si falta " : "Requisito \(when): ")
                         + (what.isEmpty ? "nada" : what.joined(separator: "; ")) + ".")
        }
        if let check = n.check { parts.append("Control en \(steps(check.steps)): \(check.description)") }
        return parts
    }

    /// The yearly cycle in a sentence.
    static func cycle(_ c: Cycle) -> String {
        "Ciclo anual: tras el paso \(c.last) el expediente vuelve al paso \(c.first) para el informe del año siguiente,"
            + " desde el enero posterior al año '\(c.firstYearField)' hasta el enero posterior al año '\(c.lastYearField)' de expediente.md"
            + " (cada informe da cuenta del año anterior, y el último del último año de vigencia del plan);"
            + " entonces sigue a FIN. Los documentos con {anio} en su nombre son los de cada informe (el año de su enero)."
    }

    private static func describe(_ doc: DocumentRule) -> String {
        var text = doc.path
        var inside: [String] = []
        if !doc.fields.isEmpty { inside.append("con \(list(doc.fields))") }
        if let c = doc.when { inside.append("si \(c.field) es \(c.value)") }
        if !doc.trueFields.isEmpty { inside.append("\(list(doc.trueFields)) en true") }
        if let a = doc.attachmentField { inside.append("'\(a)' nombra una copia adjunta que existe") }
        if let l = doc.list {
            var rule = "cada entrada de '\(l.field)' con \(list(l.fields))"
            if let b = l.balance { rule += ", \(b.before) + \(b.movement) = \(b.after)" }
            if let p = l.noProgress { rule += ", motivos ('\(p.requires)') cuando \(list(p.zero)) son 0" }
            inside.append(rule)
        }
        if !inside.isEmpty { text += " (" + inside.joined(separator: "; ") + ")" }
        return text
    }

    private static func describe(_ rule: DateRule) -> String {
        func day(_ d: Int?) -> String { d.map { "el día \($0)" } ?? "el último día" }
        switch rule {
        case .afterStep(let step, let months, let days):
            var span: [String] = []
            if months > 0 { span.append(months == 1 ? "1 mes" : "\(months) meses") }
            if days > 0 { span.append(days == 1 ? "1 día" : "\(days) días") }
            return (span.isEmpty ? "el mismo día" : span.joined(separator: " y ")) + " después del paso \(step)"
        case .dayOfCaseMonth(let d, let after):
            return day(d) + (after == 0 ? " del mes del expediente" : after == 1 ? " del mes siguiente" : " de \(after) meses después")
        case .dateInOpeningYear(let month, let d):
            return "\(day(d)) de \(monthName(month)) del año de apertura"
        case .nextDateAfterStep(let step, let month, let d):
            return "\(day(d)) del primer \(monthName(month)) desde el paso \(step)"
        case .yearlyAfterStep(let step, let month, let d):
            return "\(day(d)) de \(monthName(month)) de cada año, desde el primer \(monthName(month)) que no ha terminado al registrarse el paso \(step)"
                + " y posterior al primer año de vigencia del plan"
        }
    }

    private static func monthName(_ m: Int) -> String {
        ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre",
         "diciembre"][max(0, min(11, m - 1))]
    }

    private static func steps(_ list: [String]) -> String {
        list.count == 1 ? "el paso \(list[0])" : "los pasos " + list.joined(separator: ", ")
    }

    private static func list(_ items: [String]) -> String { items.map { "'\($0)'" }.joined(separator: ", ") }

    /// A Markdown table cell: no line breaks, `|` escaped.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
    }
}
