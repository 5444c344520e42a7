import Foundation
import GitStore

/// One reference a push wants to move (a line of git's pre-receive input).
public struct RefUpdate: Sendable {
    public var old: OID?
    public var new: OID?
    public var ref: String

    /// Parses `OLD NEW REF` (git's pre-receive and post-receive lines; zeros mean none).
    public init?(line: String) {
        let parts = line.split(separator: " ").map(String.init)
        guard parts.count == 3 else { return nil }
        func oid(_ hex: String) -> OID?? {
            if hex.allSatisfy({ $0 == "0" }) { return .some(nil) }
            return OID(hex: hex).map { .some($0) }
        }
        guard let old = oid(parts[0]), let new = oid(parts[1]) else { return nil }
        self.old = old
        self.new = new
        ref = parts[2]
    }
}

/// What the shared repository answers to a push.
public struct ReceiveReport: Sendable {
    public var accepted: Bool
    /// Lines for the pusher (git relays the hook's stderr): each refusal with its commit, rule and fix.
    public var lines: [String]
}

extension Casebook {
    /// The notes reference of reception stamps; written only by the shared repository itself.
    public static let receptionNotesRef = "refs/notes/folio-recepcion"

    /// The pre-receive check of the shared repository: only the shared branch (`rama` in
    /// `folio.yaml` as committed on it now) may move, forward only, and every commit it gains
    /// must pass `verify`; any other reference is refused unless `refs_permitidas` names it.
    /// Reception stamps are written by the server after the push, never pushed.
    public func receive(_ updates: [RefUpdate]) throws -> ReceiveReport {
        let current = try repository.headCommit()
        let settings = try settings(at: current)
        let shared = "refs/heads/\(settings.branch)"
        var lines: [String] = []
        var accepted = true
        func refuse(_ text: String, _ fix: String) {
            accepted = false
            lines.append("folio: ✗ \(text)")
            lines.append("       Para corregirlo: \(fix)")
        }
        for update in updates {
            if update.ref == shared {
                guard let new = update.new else {
                    refuse("no se permite borrar la rama compartida \(settings.branch) [referencias].",
                           "La historia publicada no se borra; si hace falta, el administrador lo hace en el servidor.")
                    continue
                }
                if let old = update.old, try !repository.isAncestor(old, of: new) {
                    refuse("el push reescribe la historia de \(settings.branch) (\(old.short) no es antecesor de \(new.short)) [reescritura].",
                           "La historia publicada no se cambia: traiga los cambios con 'folio sync' y vuelva a enviar.")
                    continue
                }
                // A date ahead of the server's own clock (never FOLIO_DATE) would freeze every later folio
                // write behind it, since dates only move forward: refused, with a day for clocks and zones.
                let limit = Date().addingTimeInterval(Self.futureAllowance)
                try repository.walk(from: new, hiding: update.old) { commit in
                    let latest = max(commit.author.date, commit.committer.date)
                    guard latest > limit else { return }
                    refuse("\(commit.id.short) está fechado el \(clock.iso(latest)), después de la hora del servidor: una fecha futura "
                           + "bloquearía todo registro posterior [fecha-futura].",
                           "Corrija la fecha (el reloj de su equipo) y registre de nuevo con folio; no se publican commits del futuro.")
                }
                let report = try verify(range: update.old.map { "\($0.hex)..\(new.hex)" } ?? new.hex)
                if !report.ok { lines.append("folio: el push a \(settings.branch) no cumple el manual; se rechaza:") }
                for v in report.violations {
                    let place = [v.caseID, v.step.map { "paso \($0)" }].compactMap { $0 }.joined(separator: " ")
                    let text = "\(v.commit.prefix(7)) \(place.isEmpty ? "" : place + ": ")\(v.message) [\(v.rule)]"
                    if v.severity == "error" {
                        refuse(text, v.fix)
                    } else {
                        lines.append("folio: ⚠ \(text)")
                    }
                }
                continue
            }
            if update.ref == Self.receptionNotesRef {
                refuse("\(update.ref) lo escribe solo el repositorio compartido al recibir un push (sellos de recepción) [referencias].",
                       "No envíe esa referencia; 'folio sync' la trae del servidor.")
                continue
            }
            if settings.allowedRefs.contains(where: { Self.matches(update.ref, pattern: $0) }) { continue }
            refuse("la referencia \(update.ref) no se acepta: el repositorio compartido guarda solo la rama \(settings.branch) "
                + "y los sellos de folio [referencias].",
                   "Publique con 'folio sync' (rama \(settings.branch)); si el departamento quiere aceptar otras referencias, "
                   + "un jefe las agrega a refs_permitidas en folio.yaml.")
        }
        return ReceiveReport(accepted: accepted, lines: lines)
    }

    /// How far ahead of the server's clock a pushed commit's date may be (clock skew, time zones).
    static let futureAllowance: TimeInterval = 24 * 3600

    /// `refs/tags/*` matches every tag; a pattern without `*` matches itself only.
    static func matches(_ ref: String, pattern: String) -> Bool {
        guard let star = pattern.firstIndex(of: "*") else { return ref == pattern }
        return ref.hasPrefix(pattern[..<star]) && ref.hasSuffix(pattern[pattern.index(after: star)...])
    }
}
