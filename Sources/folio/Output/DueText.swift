import Casebook

/// `folio due` and `folio inbox` for people.
enum DueText {
    static func table(_ items: [DueItem], today: String, empty: String) -> String {
        guard !items.isEmpty else { return empty }
        var table = Table(headers: ["VENCE", "SITUACIÓN", "EXPEDIENTE", "PASO", "DEP.", "RESPONSABLES", "NORMA"])
        for i in items {
            table.rows.append([i.due ?? "—", situation(i, today: today), i.id, i.step, i.dependency ?? "",
                               i.holders.joined(separator: ", "), i.normNumber.map { "P\(i.procedure) norma \($0)" }
                               ?? i.criterion.map { "P\(i.procedure) criterio del departamento «\($0)»" } ?? ""])
        }
        let overdue = items.filter(\.overdue).count
        let pending = items.count == 1 ? "1 pendiente" : "\(items.count) pendientes"
        let late = overdue == 1 ? "1 vencido" : "\(overdue) vencidos"
        return table.render() + "\n\n\(pending), \(late) (hoy \(today))."
    }

    static func situation(_ i: DueItem, today: String) -> String {
        guard let days = i.daysLeft else { return "sin plazo" }
        if let opens = i.opens, opens > today { return "abre el \(opens)" }
        switch days {
        case ..<0: return "VENCIDO hace \(-days) d"
        case 0: return "vence hoy"
        default: return "en \(days) d"
        }
    }
}
