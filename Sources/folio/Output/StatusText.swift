import Casebook
import Procedures

/// Human (Spanish) renderings of status and history.
enum StatusText {
    static func summary(_ all: [CaseStatus]) -> String {
        guard !all.isEmpty else { return "No hay expedientes. Abra uno con 'folio new'." }
        var table = Table(headers: ["EXPEDIENTE", "P", "ESTADO", "ÚLTIMO", "SIGUIENTE", "QUIÉN", "TÍTULO"])
        table.wrapping = [2, 4, 5, 6]
        for s in all {
            table.rows.append([s.id, String(s.procedure), s.damage == nil ? s.state.label + (s.round.map { $0 > 1 ? " (vuelta \($0))" : "" } ?? "") : "DAÑADO",
                               s.lastStep ?? "—", nextShort(s), whoShort(s), s.title])
        }
        let damaged = damageLines(all)
        // A damaged case is counted as damaged, not by the state it had to be given (abierto).
        let counts = [CaseState.open, .waiting, .closed, .returned].map { state in
            Spanish.count(all.filter { $0.state == state && $0.damage == nil }.count, singular(state), plural(state))
        } + (all.contains { $0.damage != nil } ? [Spanish.count(all.filter { $0.damage != nil }.count, "dañado", "dañados")] : [])
        return table.render() + "\n\n\(Spanish.count(all.count, "expediente")): " + counts.joined(separator: ", ") + "."
            + (damaged.isEmpty ? "" : "\n\n" + damaged)
    }

    /// "Dañado: ID: file: reason" for each damaged case; "" when none is.
    static func damageLines(_ all: [CaseStatus]) -> String {
        all.compactMap { s in
            s.damage.map { SafeText.terminal("DAÑADO \(s.id): \($0.file): \($0.reason)") }
        }.joined(separator: "\n")
    }

    static func detail(_ s: CaseStatus, clock: Clock) -> String {
        var lines = [
            "\(s.id) · \(s.title)",
            "Procedimiento \(s.procedure): \(s.procedureName) (versión \(s.version))",
            "Carpeta: \(s.path) · abierto el \(s.opened)",
            "Estado: \(s.state.label)" + (s.lastStep.map { " · último paso: \($0)" } ?? ""),
        ] + (s.round.map { round in
            ["Vuelta \(round)" + (s.roundNote.map { ": \($0)" } ?? "") + "."]
        } ?? []) + [
            nextLine(state: s.state, next: s.next + (s.dependencies ?? []).flatMap(\.next)),
        ]
        if let damage = s.damage { lines.append("DAÑADO: \(damage.file): \(damage.reason)") }
        if let deps = s.dependencies, !deps.isEmpty {
            lines.append("")
            var table = Table(headers: ["DEPENDENCIA", "ÚLTIMO", "SIGUIENTE"])
            for d in deps {
                table.rows.append([d.code, d.lastStep, d.next.isEmpty ? "terminó" : d.next.map(describe).joined(separator: "; ")])
            }
            lines.append(table.render())
        }
        if let missing = s.missing, !missing.isEmpty, s.state != .closed {
            lines.append("Faltan (esperadas en roles.yaml o en dependencias_esperadas): \(missing.joined(separator: ", "))")
        }
        for e in s.excused ?? [] { lines.append("Cerrado sin \(e.code) por decisión del jefe: \(e.reason)") }
        lines.append("")
        var table = Table(headers: ["PASO", "ROL", "AUTOR", "FECHA", "DECISIÓN", "DEP.", "PLAZO", "COMMIT"])
        table.wrapping = [2]
        for h in s.history {
            table.rows.append([h.step ?? "—", h.role ?? "", h.author, shortDate(h.date), h.decision ?? "", h.dependency ?? "",
                               timing(h), String(h.commit.prefix(7))])
        }
        lines.append(table.render())
        let justified = s.history.filter { $0.justification != nil }
        if !justified.isEmpty {
            lines.append("")
            lines += justified.map { "Paso \($0.step ?? "") fuera de plazo, justificación: \($0.justification ?? "")" }
        }
        return SafeText.terminal(lines.joined(separator: "\n"))
    }

    /// `folio log`: one row per commit, and under it the whole activity (or the subject), the
    /// decision, the assignment and the text given with -m.
    static func history(_ entries: [HistoryEntry]) -> String {
        var table = Table(headers: ["FECHA", "PASO", "DEP.", "ROL", "AUTOR", "REGISTRÓ", "PLAZO", "COMMIT"])
        for (index, h) in entries.enumerated() {
            let step = h.step ?? (h.kind == "opening" ? "apertura" : "nota")
            table.rows.append([shortDate(h.date), step, h.dependency ?? "", h.role ?? "", h.author,
                               h.committer == h.author ? "" : h.committer, timing(h), String(h.commit.prefix(7))])
            let text = h.text.map { $0.replacingOccurrences(of: "\n", with: " ") }.flatMap { $0.isEmpty ? nil : $0 }
            var detail = h.activity ?? (h.kind == "note" && text != nil ? "Nota:" : h.subject)
            if let d = h.decision { detail += d == "si" ? " Sí." : " No." }
            if let who = h.assigned { detail += " Asigna el expediente a \(who)." }
            if let text { detail += " «\(text)»" }
            table.details[index] = detail
        }
        let justified = entries.filter { $0.justification != nil }
        return table.render() + justified.map { "\nPaso \($0.step ?? "") fuera de plazo, justificación: \($0.justification ?? "")" }.joined()
    }

    /// "", "en plazo", "3 d tarde", "2 d antes".
    static func timing(_ h: HistoryEntry) -> String {
        switch h.timing {
        case "on-time": return "en plazo"
        case "late": return "\(h.daysOutOfWindow ?? 0) d tarde"
        case "early": return "\(h.daysOutOfWindow ?? 0) d antes"
        default: return ""
        }
    }

    /// "Siguiente: 05 (analista: alopez)" or the end state.
    static func nextLine(state: CaseState, next: [NextStepStatus]) -> String {
        switch state {
        case .closed where next.isEmpty: return "Procedimiento terminado (FIN)."
        case .returned: return "Salió del procedimiento: el expediente se devolvió a quien lo envió."
        default:
            let parts = next.map(describe)
            return (state == .closed ? "Terminado; " : "") + (parts.isEmpty ? "Siguiente: —" : "Siguiente: " + parts.joined(separator: "; "))
        }
    }

    static func describe(_ n: NextStepStatus) -> String {
        var text = "\(n.step) (\(n.roles.joined(separator: " o "))"
        if let assigned = n.assigned {
            text += ": asignado a \(assigned)"
        } else if !n.holders.isEmpty {
            text += ": \(n.holders.joined(separator: ", "))"
        }
        text += ")"
        if let d = n.dependency { text += " para \(d)" } else if n.perDependency { text += " para una dependencia nueva" }
        if let due = n.due {
            if let opens = n.opens, !n.overdue { text += " abre el \(opens) y" }
            text += n.overdue ? " VENCIDO el \(due)" : " vence el \(due)"
            // Whose rule it is: a norm of the manual, or the department's criterion.
            if let number = n.normNumber { text += " (norma \(number))" } else if let c = n.criterion { text += " (criterio del departamento «\(c)»)" }
        }
        return text
    }

    /// Who acts next: the assigned person, else everyone who holds the role (once each).
    private static func whoShort(_ s: CaseStatus) -> String {
        guard s.state == .open || s.state == .waiting else { return "" }
        var seen: [String] = []
        for n in s.next + (s.dependencies ?? []).flatMap(\.next) {
            for who in n.assigned.map({ [$0] }) ?? n.holders where !seen.contains(who) { seen.append(who) }
        }
        return seen.joined(separator: ", ")
    }

    private static func nextShort(_ s: CaseStatus) -> String {
        switch s.state {
        case .closed: return "FIN"
        case .returned: return "devuelto"
        default:
            let steps = s.next.map { $0.perDependency ? "\($0.step) nueva dep." : $0.step }
                + (s.dependencies ?? []).flatMap { $0.next.map { "\($0.step) \($0.dependency ?? "")" } }
            return steps.joined(separator: ", ")
        }
    }

    /// "2026-11-26T10:00:00-06:00" -> "2026-11-26 10:00".
    private static func shortDate(_ iso: String) -> String {
        String(iso.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    private static func singular(_ state: CaseState) -> String {
        switch state {
        case .open: "abierto"
        case .waiting: "en espera"
        case .closed: "cerrado"
        case .returned: "devuelto"
        }
    }

    private static func plural(_ state: CaseState) -> String {
        switch state {
        case .open: "abiertos"
        case .waiting: "en espera"
        case .closed: "cerrados"
        case .returned: "devueltos"
        }
    }
}
