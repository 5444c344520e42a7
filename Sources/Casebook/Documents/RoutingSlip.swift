import Foundation
import GitStore
import Procedures

/// The case's routing slip (hoja de ruta): every commit of the expediente so far, as the paper
/// file's routing slip lists who did what and when.
///
/// It is derived, never trusted: a pure rendering of the case's records, which folio writes with
/// every commit of the case (so `git log -- cases/<AAAA>/<ID>` lists the whole history), `folio
/// sync` writes again when it replays a step onto a new tip, and `folio verify` compares with the
/// history.
public enum RoutingSlip {
    public static let fileName = "hoja-de-ruta.md"

    /// The slip of `records` (oldest first, the last one being the commit that carries it).
    public static func render(caseID: String, definition: ProcedureDefinition, records: [StepRecord]) -> String {
        var out = header(caseID: caseID, definition: definition)
        for (i, record) in records.enumerated() { out += row(i, record, definition: definition) }
        return out
    }

    /// What every slip of the case starts with: its title, the note and the table's head.
    static func header(caseID: String, definition: ProcedureDefinition) -> String {
        var out = "# Hoja de ruta del expediente \(caseID)\n\n"
        out += "Procedimiento \(definition.number): \(definition.name) (versión \(definition.version)). "
        out += "folio reescribe esta hoja con cada paso a partir de la historia del expediente; no la edite: "
        out += "'folio verify' la compara con la historia.\n\n"
        out += "| # | Paso | Actividad | Rol | Persona | Fecha | Decisión | Dependencia | Texto |\n"
        out += "|---:|---|---|---|---|---|---|---|---|\n"
        return out
    }

    /// The table's row of the case's record number `i` (from 0): it depends on that record alone,
    /// so the slip of each commit is the one before it and one row more (verify builds them so).
    static func row(_ i: Int, _ record: StepRecord, definition: ProcedureDefinition) -> String {
        let activity: String
        if let number = record.step {
            let step = definition.step(ProcedureDefinition.normalize(step: number))
            activity = step?.activity ?? "(paso desconocido)"
        } else {
            activity = i == 0 ? "Apertura del expediente"
                : record.excuse.map { "Cierre sin \($0): el jefe lo excusa" } ?? "Nota (cambios sin avanzar el procedimiento)"
        }
        let decision = record.decisionValue.map { $0 ? "Sí" : "No" } ?? (record.decision ?? "")
        let cells = [String(i + 1), record.step ?? "", activity, record.role ?? "", record.author.name, date(record.author),
                     decision, record.dependency ?? record.excuse ?? "", record.text]
        return "| " + cells.map(cell).joined(separator: " | ") + " |\n"
    }

    /// A table cell: one line, pipes escaped, HTML neutral, no control character or invisible mark
    /// (`SafeText.isControl`, but a tab) left as it is.
    static func cell(_ text: String) -> String {
        // Most cells (names, dates, steps) have nothing to escape or trim: the bytes say so at once.
        let utf8 = text.utf8
        if let first = utf8.first, let last = utf8.last, first > 32, last > 32, first < 0x80, last < 0x80,
           !utf8.contains(where: { $0 < 32 || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<")
               || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "|") }), !SafeText.mayHoldControl(utf8) {
            return text
        }
        // Text below U+0300 (Spanish, Latin-1: no combining mark, which Foundation's search would
        // treat with the character before it) in one pass over its scalars, as `cellThroughFoundation`
        // says it: a step's or note's text of several lines went through eight replacements, each a
        // copy through NSString (a tenth of a full verify's time at 10k cases).
        let cell = text.unicodeScalars.allSatisfy({ $0.value < 0x300 }) ? latinCell(text) : cellThroughFoundation(text)
        return visibleControls(cell)
    }

    /// `cell` with each control character or invisible mark left (a tab is kept) written `\u{1B}`:
    /// folio refuses such text (FOLIO-E064), but a step committed by hand could carry an escape
    /// sequence that redraws the table in a terminal (helper137), or a mark that reverses it. The
    /// cell's own backslashes are doubled, so the form cannot be typed.
    static func visibleControls(_ cell: String) -> String {
        // (A line break left: one a combining mark follows is one character with it, which the
        // replacements do not find.)
        guard SafeText.mayHoldControl(cell.utf8) || cell.utf8.contains(10), cell.unicodeScalars.contains(where: { SafeText.isControl($0) && $0 != "\t" }) else { return cell }
        var out = String.UnicodeScalarView()
        for scalar in cell.unicodeScalars {
            if SafeText.isControl(scalar), scalar != "\t" {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// `cell` by Foundation's replacements: line breaks made one, the ends trimmed, then `\`, `&`,
    /// `<`, `>`, `|` escaped and each line break written `<br>`.
    static func cellThroughFoundation(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\n", with: "<br>").replacingOccurrences(of: "\r", with: "<br>")
    }

    /// `cellThroughFoundation` of a text whose scalars are all below U+0300, in one pass.
    static func latinCell(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        let spaces = CharacterSet.whitespacesAndNewlines
        var start = 0, end = scalars.count
        while start < end, spaces.contains(scalars[start]) { start += 1 }
        while end > start, spaces.contains(scalars[end - 1]) { end -= 1 }
        var out = String.UnicodeScalarView()
        var i = start
        while i < end {
            let scalar = scalars[i]
            switch scalar {
            case "\r":
                if i + 1 < end, scalars[i + 1] == "\n" { i += 1 }
                out.append(contentsOf: "<br>".unicodeScalars)
            case "\n": out.append(contentsOf: "<br>".unicodeScalars)
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "|": out.append(contentsOf: "\\|".unicodeScalars)
            default: out.append(scalar)
            }
            i += 1
        }
        return String(out)
    }

    /// `AAAA-MM-DD HH:MM` in the signature's own offset (what git shows for it).
    static func date(_ signature: Signature) -> String {
        var seconds = time_t(signature.date.timeIntervalSince1970.rounded(.down)) + time_t(signature.offsetMinutes * 60)
        var t = tm()
        gmtime_r(&seconds, &t)
        return Day(Int(t.tm_year) + 1900, Int(t.tm_mon) + 1, Int(t.tm_mday)).description + " "
            + Day.pad(Int(t.tm_hour), 2) + ":" + Day.pad(Int(t.tm_min), 2)
    }

    /// The record a commit about to be made will read back as (its id is not known yet).
    static func pending(caseID: String, procedure: Int, author: Signature, trailers: [Trailer], text: String?) -> StepRecord {
        func value(_ key: String) -> String? { trailers.last { $0.key == key }?.value }
        let body = text.map { StepRecord.body(of: "s\n\n" + CommitMessage.normalize($0) + "\n\nX: y\n") } ?? ""
        return StepRecord(commit: OID(hex: String(repeating: "0", count: 40))!, parent: nil, author: author, committer: author,
                          subject: "", caseID: caseID, procedure: String(procedure), step: value(TrailerKey.step),
                          role: value(TrailerKey.role), decision: value(TrailerKey.decision), dependency: value(TrailerKey.dependency),
                          signedOff: [], text: body, excuse: value(TrailerKey.excuse))
    }
}

extension Casebook {
    /// Writes the case's slip for the commit about to be made: its history so far plus that commit.
    func writeSlip(id: String, path: String, definition: ProcedureDefinition, earlier: [StepRecord], author: Persona,
                   trailers: [Trailer], text: String?, edit: WorkTreeEdit) throws {
        let record = RoutingSlip.pending(caseID: id, procedure: definition.number, author: signature(of: author), trailers: trailers,
                                         text: text)
        let slip = RoutingSlip.render(caseID: id, definition: definition, records: earlier + [record])
        try edit.write(Data(slip.utf8), to: "\(path)/\(RoutingSlip.fileName)")
    }
}
