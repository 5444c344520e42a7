import Casebook

/// The month's compliance with the norms' windows, and verify's count of steps out of time.
enum ComplianceText {
    static func render(_ r: ComplianceReport) -> String {
        guard !r.steps.isEmpty else { return "En \(r.month) no se registró ningún paso con plazo." }
        // Whether a step out of time carries its justification; the reasons follow the table, whole.
        // Long names wrap onto more lines: a case id is never cut.
        var table = Table(headers: ["FECHA", "EXPEDIENTE", "PASO", "DEP.", "AUTOR", "PLAZO", "SITUACIÓN", "NORMA", "JUSTIFICADO"])
        table.wrapping = [4]
        for s in r.steps {
            table.rows.append([String(s.date.prefix(10)), s.caseID, s.step, s.dependency ?? "", s.author,
                               s.timing == "early" ? "abre \(s.opens ?? "")" : (s.due ?? ""), situation(s), s.rule,
                               s.timing == "on-time" ? "" : (s.justification == nil ? "no" : "sí")])
        }
        let out = r.steps.filter { $0.timing != "on-time" }
        let reasons = out.map { s in
            "- \(s.caseID) paso \(s.step)\(s.dependency.map { " [\($0)]" } ?? ""), \(s.author), \(situation(s)): "
                + (s.justification.map { "«\(SafeText.line($0))»" } ?? "SIN JUSTIFICACIÓN (folio verify lo señala)")
        }
        let unjustified = out.filter { $0.justification == nil }.count
        return "Cumplimiento de plazos de los pasos registrados en \(r.month)\n\n" + table.render()
            + "\n\n\(count(r.steps.count, "paso", "pasos")) con plazo: \(r.onTime) en plazo, \(r.late) tarde, \(r.early) antes de abrir el plazo"
            + (unjustified > 0 ? "; \(count(unjustified, "sin justificación", "sin justificación"))." : ".")
            + (reasons.isEmpty ? "" : "\n\nFuera de plazo, con sus razones:\n" + reasons.joined(separator: "\n"))
    }

    /// verify's lines: how many steps out of time, per case and per person.
    static func verifySummary(_ steps: [TimedStep]) -> String {
        func tally(_ key: (TimedStep) -> String) -> String {
            Dictionary(grouping: steps, by: key).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.count)" }.joined(separator: ", ")
        }
        let justified = steps.filter { $0.justification != nil }.count
        return "Fuera de plazo: \(count(steps.count, "paso", "pasos")) (\(justified) con justificación). "
            + "Por expediente: \(tally(\.caseID)). Por persona: \(tally(\.author))."
    }

    static func situation(_ s: TimedStep) -> String {
        switch s.timing {
        case "late": return "\(count(s.days, "día", "días")) tarde"
        case "early": return "\(count(s.days, "día", "días")) antes"
        default: return "en plazo"
        }
    }

    static func count(_ n: Int, _ one: String, _ many: String) -> String { n == 1 ? "1 \(one)" : "\(n) \(many)" }
}
