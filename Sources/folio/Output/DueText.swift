import Casebook
import Procedures
import Foundation

/// `folio due` and `folio inbox` for people.
enum DueText {
    static func table(_ items: [DueItem], today: String, empty: String) -> String {
        guard !items.isEmpty else { return empty }
        var table = Table(headers: ["VENCE", "SITUACIÓN", "EXPEDIENTE", "PASO", "DEP.", "RESPONSABLES", "NORMA"])
        table.wrapping = [5]
        for (index, i) in items.enumerated() {
            let who = i.assigned.map { "\($0) (asignado)" } ?? i.holders.joined(separator: ", ")
            table.rows.append([i.due ?? "—", situation(i, today: today), i.id, i.step, i.dependency ?? "",
                               who, i.normNumber.map { "P\(i.procedure) norma \($0)" }
                               ?? i.criterion.map { "P\(i.procedure) criterio del departamento «\($0)»" } ?? ""])
            table.details[index] = (i.title.isEmpty ? "" : "\(SafeText.line(i.title)) — ") + i.activity
        }
        let overdue = items.filter(\.overdue).count
        let pending = Spanish.count(items.count, "pendiente")
        let late = Spanish.count(overdue, "vencido")
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

    /// Damaged cases show nothing pending until repaired: say which, on standard error.
    static func warnDamaged(_ damaged: [CaseStatus], files: [CaseDamage] = []) {
        for f in files {
            FileHandle.standardError.write(Data(SafeText.terminal("Aviso: \(f.file) no se puede leer (\(f.reason)); se muestra lo demás sin él.\n").utf8))
        }
        guard !damaged.isEmpty else { return }
        let text = "\nAviso: \(damaged.count == 1 ? "1 expediente dañado" : "\(damaged.count) expedientes dañados"); cada uno dice por qué y cómo repararlo, y lo que está dañado no cuenta hasta entonces:\n"
            + StatusText.damageLines(damaged) + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
