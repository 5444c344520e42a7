import Casebook
import Procedures

/// Human (Spanish) renderings of status and history.
enum StatusText {
    static func summary(_ all: [CaseStatus]) -> String {
        guard !all.isEmpty else { return "No hay expedientes. Abra uno con 'folio new'." }
        var table = Table(headers: ["EXPEDIENTE", "P", "ESTADO", "ÚLTIMO", "SIGUIENTE", "TÍTULO"])
        for s in all {
            table.rows.append([s.id, String(s.procedure), s.state.label, s.lastStep ?? "—", nextShort(s), s.title])
        }
        let counts = [CaseState.open, .waiting, .closed, .returned].map { state in
            "\(all.filter { $0.state == state }.count) \(plural(state))"
        }
        return table.render() + "\n\n\(all.count == 1 ? "1 expediente" : "\(all.count) expedientes"): " + counts.joined(separator: ", ") + "."
    }

    static func detail(_ s: CaseStatus, clock: Clock) -> String {
        var lines = [
            "\(s.id) · \(s.title)",
            "Procedimiento \(s.procedure): \(s.procedureName) (versión \(s.version))",
            "Carpeta: \(s.path) · abierto el \(s.opened)",
            "Estado: \(s.state.label)" + (s.lastStep.map { " · último paso: \($0)" } ?? ""),
            nextLine(state: s.state, next: s.next + (s.dependencies ?? []).flatMap(\.next)),
        ]
        if let deps = s.dependencies, !deps.isEmpty {
            lines.append("")
            var table = Table(headers: ["DEPENDENCIA", "ÚLTIMO", "SIGUIENTE"])
            for d in deps {
                table.rows.append([d.code, d.lastStep, d.next.isEmpty ? "terminó" : d.next.map(describe).joined(separator: "; ")])
            }
            lines.append(table.render())
        }
        lines.append("")
        var table = Table(headers: ["PASO", "ROL", "AUTOR", "FECHA", "DECISIÓN", "DEP.", "PLAZO", "COMMIT"])
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
        return lines.joined(separator: "\n")
    }

    static func history(_ entries: [HistoryEntry]) -> String {
        var table = Table(headers: ["FECHA", "PASO", "ROL", "AUTOR", "REGISTRÓ", "PLAZO", "COMMIT", "ASUNTO"])
        for h in entries {
            let step = h.step ?? (h.kind == "opening" ? "apertura" : "nota")
            table.rows.append([shortDate(h.date), step, h.role ?? "", h.author, h.committer == h.author ? "" : h.committer,
                               timing(h), String(h.commit.prefix(7)), h.subject])
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
        if !n.holders.isEmpty { text += ": \(n.holders.joined(separator: ", "))" }
        text += ")"
        if let d = n.dependency { text += " para \(d)" } else if n.perDependency { text += " para una dependencia nueva" }
        if let due = n.due { text += n.overdue ? " VENCIDO el \(due)" : " vence el \(due)" }
        return text
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

    private static func plural(_ state: CaseState) -> String {
        switch state {
        case .open: "abiertos"
        case .waiting: "en espera"
        case .closed: "cerrados"
        case .returned: "devueltos"
        }
    }
}
