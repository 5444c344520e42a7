import Casebook
import Foundation
import Procedures

/// Human (Spanish) renderings of status and history.
enum StatusText {
    static func summary(_ all: [CaseStatus]) -> String {
        summary(rows: all.map(cells))
    }

    /// The summary table of the cases whose lines are `rows` (`cells`, or `row` as the case index keeps them).
    static func summary<Row: RandomAccessCollection>(rows: [Row]) -> String where Row.Element: StringProtocol, Row.Index == Int {
        guard !rows.isEmpty else { return "No hay expedientes. Abra uno con 'folio new'." }
        var table = Table(headers: ["EXPEDIENTE", "P", "ESTADO", "ÚLTIMO", "SIGUIENTE", "QUIÉN", "TÍTULO"])
        table.wrapping = [2, 4, 5, 6]
        table.rows = rows.map { row in (0..<7).map { String(row[$0]) } }
        let damaged = rows.map { String($0[8]) }.filter { !$0.isEmpty }
        // A damaged case is counted as damaged, not by the state it had to be given (abierto).
        let counts = [CaseState.open, .waiting, .closed, .returned].map { state in
            Spanish.count(rows.filter { $0[7] == state.rawValue && $0[8].isEmpty }.count, singular(state), plural(state))
        } + (damaged.isEmpty ? [] : [Spanish.count(damaged.count, "dañado", "dañados")])
        return table.render() + "\n\n\(Spanish.count(rows.count, "expediente")): " + counts.joined(separator: ", ") + "."
            + (damaged.isEmpty ? "" : "\n\n" + damaged.joined(separator: "\n"))
    }

    /// A case's line of the summary table (its seven columns), then its state and its damage line
    /// ("" when it reads), for the counts and the damage lines under the table.
    static func cells(_ s: CaseStatus) -> [String] {
        [s.id, String(s.procedure), s.damage == nil ? s.state.label + (s.round.map { $0 > 1 ? " (vuelta \($0))" : "" } ?? "") : "DAÑADO",
         s.lastStep ?? "—", nextShort(s), whoShort(s), SafeText.line(s.title), s.state.rawValue, damageLines([s])]
    }

    /// `cells` as the case index keeps a case for `folio status` (`statusOfAll(form:encode:)`):
    /// separated by U+001F, which no cell holds (a control character the table never shows: it is
    /// left out, as the table leaves it out).
    @Sendable static func row(_ s: CaseStatus) -> Data {
        Data(cells(s).map { $0.replacingOccurrences(of: rowSeparator, with: "") }.joined(separator: rowSeparator).utf8)
    }

    /// A case's cells out of `row`'s bytes.
    static func cells(row: Data) -> [Substring] {
        // Split at the separator's byte, not at characters: no cell holds it.
        let text = String(decoding: row, as: UTF8.self)
        let cells = text.utf8.split(separator: 0x1F, omittingEmptySubsequences: false).map { Substring($0) }
        return cells.count == 9 ? cells : cells + Array(repeating: "", count: max(0, 9 - cells.count))
    }

    private static let rowSeparator = "\u{1F}"

    /// "Dañado: ID: file: reason" for each damaged case; "" when none is.
    static func damageLines(_ all: [CaseStatus]) -> String {
        all.compactMap { s in
            s.damage.map { SafeText.terminal("DAÑADO \(s.id): \($0.file): \($0.reason)") }
        }.joined(separator: "\n")
    }

    /// `folio status ID`'s list of the case's documents (its committed index): folio, file,
    /// date, by whom, in which step (— when not in a step), the dependency, and the folio it
    /// replaces or that replaced it; under a row its title, when it is not the file's own name.
    static func documents(_ documents: [ArchivedDocument]) -> String {
        guard !documents.isEmpty else { return "Documentos: ninguno en el índice (indice.md)." }
        let replacedBy = Dictionary(documents.compactMap { d in d.reemplaza.map { ($0, d.folio) } }, uniquingKeysWith: max)
        var table = Table(headers: ["FOLIO", "ARCHIVO", "FECHA", "POR", "PASO", "DEP.", "VERSIONES"])
        // A long path or note continues on the next line rather than being cut.
        table.wrapping = [1, 6]
        for (index, d) in documents.enumerated() {
            var versions: [String] = []
            if let old = d.reemplaza { versions.append("reemplaza al \(old)") }
            if let new = replacedBy[d.folio] { versions.append("reemplazado por el \(new)") }
            table.rows.append([String(d.folio), d.archivo, String(d.incorporado.prefix(10)), d.por, d.paso ?? "—", d.dependencia ?? "",
                               versions.joined(separator: "; ")])
            // The title folio gives by default is the file's name (before a "-v2" it added).
            let stem = ((d.archivo as NSString).lastPathComponent as NSString).deletingPathExtension
            let unversioned = stem.replacingOccurrences(of: "-v[0-9]+$", with: "", options: .regularExpression)
            if !d.titulo.isEmpty, d.titulo != stem, d.titulo != unversioned { table.details[index] = SafeText.line(d.titulo) }
        }
        return "Documentos (indice.md):\n" + table.render()
    }

    static func detail(_ s: CaseStatus, clock: Clock) -> String {
        var lines = [
            "\(s.id) · \(SafeText.line(s.title))",
            "Procedimiento \(s.procedure): \(s.procedureName) (versión \(s.version))",
            "Carpeta: \(s.path) · abierto el \(s.opened)",
            // A damaged case says so first, as the list does (staff21: 'abierto' above 'DAÑADO').
            "Estado: " + (s.damage == nil ? s.state.label : "dañado (\(s.state.label) según sus pasos)")
                + (s.lastStep.map { " · último paso: \($0)" } ?? ""),
        ] + (s.round.map { round in
            ["Vuelta \(round)" + (s.roundNote.map { ": \($0)" } ?? "") + "."]
        } ?? []) + [
            nextLine(state: s.state, next: s.next + (s.dependencies ?? []).flatMap(\.next), today: clock.today),
        ]
        if let damage = s.damage { lines.append("DAÑADO: \(damage.file): \(damage.reason)") }
        if let deps = s.dependencies, !deps.isEmpty {
            lines.append("")
            var table = Table(headers: [s.expectedRole == Role.unidadEjecutora.rawValue ? "UNIDAD" : "DEPENDENCIA", "ÚLTIMO", "SIGUIENTE"])
            let excused = Set((s.excused ?? []).map(\.code))
            for d in deps {
                let end = excused.contains(d.code) ? "cerrado sin ella (el jefe la excusó)"
                    : d.stopped == true ? "detenido mientras el expediente esté dañado (arriba)" : "terminó"
                let back = d.returned == true ? "espera la corrección de su enlace ('folio note'); luego " : ""
                table.rows.append([d.code, d.lastStep, d.next.isEmpty ? end : back + d.next.map { describe($0, today: clock.today) }.joined(separator: "; ")])
            }
            lines.append(table.render())
        }
        if let missing = s.missing, !missing.isEmpty, s.state != .closed {
            // Those that began (in the table above) and those with no step yet, said apart.
            let begun = Set((s.dependencies ?? []).map(\.code))
            let started = missing.filter(begun.contains), absent = missing.filter { !begun.contains($0) }
            var parts: [String] = []
            if !started.isEmpty { parts.append("sin terminar: \(started.joined(separator: ", "))") }
            if !absent.isEmpty { parts.append("sin ningún paso todavía: \(absent.joined(separator: ", "))") }
            let noun = s.expectedRole == Role.unidadEjecutora.rawValue ? "Unidades ejecutoras esperadas" : "Dependencias esperadas"
            lines.append("\(noun) (roles.yaml o dependencias_esperadas) " + parts.joined(separator: "; "))
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
            lines += justified.map { "Paso \($0.step ?? "") fuera de plazo, justificación: \(SafeText.line($0.justification ?? ""))" }
        }
        return SafeText.terminal(lines.joined(separator: "\n"))
    }

    /// `folio log`: one row per commit, and under it the whole activity (or the subject), the
    /// decision, the assignment and the text given with -m.
    static func history(_ entries: [HistoryEntry]) -> String {
        var table = Table(headers: ["FECHA", "PASO", "DEP.", "ROL", "AUTOR", "REGISTRÓ", "PLAZO", "COMMIT"])
        for (index, h) in entries.enumerated() {
            let step = h.step ?? (h.kind == "opening" ? "apertura" : h.kind == "excuse" ? "excusa" : "nota")
            table.rows.append([shortDate(h.date), step, h.dependency ?? "", h.role ?? "", h.author,
                               h.committer == h.author ? "" : h.committer, timing(h), String(h.commit.prefix(7))])
            let text = h.text.map(SafeText.line).flatMap { $0.isEmpty ? nil : $0 }
            var detail = h.activity ?? (h.kind == "excuse" ? "El jefe cierra la ronda sin \(h.dependency ?? ""):"
                                        : h.kind == "note" && text != nil ? "Nota:" : h.subject)
            if let d = h.decision { detail += d == "si" ? " Sí." : " No." }
            if let who = h.assigned { detail += " Asigna el expediente a \(who)." }
            if let text { detail += " «\(text)»" }
            table.details[index] = detail
        }
        let justified = entries.filter { $0.justification != nil }
        return table.render() + justified.map { "\nPaso \($0.step ?? "") fuera de plazo, justificación: \(SafeText.line($0.justification ?? ""))" }.joined()
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
    /// A step's window that opened by `today` is not said to open (staff35: "abre el 2026-11-01" on the 2nd).
    static func nextLine(state: CaseState, next: [NextStepStatus], today: String? = nil) -> String {
        switch state {
        case .closed where next.isEmpty: return "Procedimiento terminado (FIN)."
        case .returned: return "Salió del procedimiento: el expediente se devolvió a quien lo envió."
        default:
            let parts = next.map { describe($0, today: today) }
            // A closed round takes one more dependency only once a jefe lists it (folio refuses it
            // before: staff34): said as that possibility, not as what comes next.
            if state == .closed {
                return "Terminado. Una dependencia más, solo si un jefe la agrega a 'dependencias_esperadas' con 'folio note': "
                    + parts.joined(separator: "; ")
            }
            return parts.isEmpty ? "Siguiente: —" : "Siguiente: " + parts.joined(separator: "; ")
        }
    }

    static func describe(_ n: NextStepStatus, today: String? = nil) -> String {
        var text = "\(n.step) (\(n.roles.joined(separator: " o "))"
        if let assigned = n.assigned {
            text += ": asignado a \(assigned)"
        } else if !n.holders.isEmpty {
            text += ": \(n.holders.joined(separator: ", "))"
        }
        text += ")"
        if let d = n.dependency {
            text += " para \(d)"
        } else if n.perDependency {
            text += n.roles.contains(Role.unidadEjecutora.rawValue) ? " para una unidad ejecutora que aún no empieza" : " para una dependencia que aún no empieza"
        }
        if let due = n.due {
            if let opens = n.opens, !n.overdue, today.map({ opens > $0 }) ?? true { text += " abre el \(opens) y" }
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
