import Foundation
import GitStore

/// One reference a push wants to move (a line of git's pre-receive input).
public struct RefUpdate: Sendable {
    public var old: OID?
    public var new: OID?
    public var ref: String

    public init(old: OID?, new: OID?, ref: String) {
        self.old = old
        self.new = new
        self.ref = ref
    }

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
public struct ReceiveReport: Encodable, Sendable {
    public var accepted: Bool
    /// Every refusal and warning, each with its rule's stable code (`VerifyRule`) and severity:
    /// what `folio receive --json` prints and what decides `accepted`.
    public var findings: [Violation]
    /// Lines for the pusher (git relays the hook's stderr): each refusal with its commit, rule and fix.
    public var lines: [String]

    enum CodingKeys: String, CodingKey {
        case accepted, findings
    }
}

extension Casebook {
    /// The notes reference of reception stamps; written only by the shared repository itself.
    public static let receptionNotesRef = "refs/notes/folio-recepcion"

    /// The pre-receive check of the shared repository: only the shared branch (`rama` in
    /// `folio.yaml` as committed on it now) may move, forward only, and every commit it gains
    /// must pass `verify`; any other reference is refused unless `refs_permitidas` names it.
    /// Reception stamps are written by the server after the push, never pushed.
    public func receive(_ updates: [RefUpdate]) throws -> ReceiveReport {
        trustsSignatureCache = false
        let current = try repository.headCommit()
        // The shared branch as it stands is the hook's starting point: every commit on it passed
        // this check when it was pushed (the configuration in force is its own).
        if let current { trustConfiguration(at: current) }
        let settings = try settings(at: current)
        let shared = "refs/heads/\(settings.branch)"
        var lines: [String] = []
        var findings: [Violation] = []
        func say(_ finding: Violation, _ text: String) {
            findings.append(finding)
            if finding.isError {
                lines.append("folio: ✗ \(text)")
                lines.append("       Para corregirlo: \(finding.fix)")
            } else {
                lines.append("folio: ⚠ \(text)")
            }
        }
        for update in updates {
            let pushed = update.new?.hex ?? update.old?.hex ?? ""
            func refuse(_ rule: VerifyRule, _ text: String, _ fix: String, commit: String? = nil) {
                let line = text.hasSuffix(".") ? "\(text.dropLast()) [\(rule.code)]." : "\(text) [\(rule.code)]"
                say(Violation(commit: commit ?? pushed, caseID: nil, step: nil, rule: rule, message: text, fix: fix), line)
            }
            if update.ref == shared {
                guard let new = update.new else {
                    refuse(.references, "no se permite borrar la rama compartida \(settings.branch).",
                           "La historia publicada no se borra; si hace falta, el administrador lo hace en el servidor.")
                    continue
                }
                // The shared repository's own pin, when set, must name its root (helper112: with an empty,
                // mistyped or other id the hook took pushes its own verify then flagged [raiz]). Without a
                // branch yet, verify below judges the whole history's root against it.
                if pinSetting == nil {
                    // Unset, any root goes on a branch's first push: said to whoever pushes (helper113).
                    say(Violation(commit: pushed, caseID: nil, step: nil, rule: .root,
                                  message: "el repositorio compartido no tiene folio.raiz: no comprueba de qué raíz nace lo que recibe.",
                                  fix: "El administrador la fija con 'git config folio.raiz ID', el id que da 'git rev-list --max-parents=0 \(settings.branch)'.",
                                  severity: .warning),
                        "el repositorio compartido no tiene folio.raiz: no comprueba de qué raíz nace lo que recibe; el administrador la fija con "
                        + "'git config folio.raiz ID', el id que da 'git rev-list --max-parents=0 \(settings.branch)' [raiz].")
                } else if update.old != nil, let problem = sharedPinProblem() {
                    refuse(.root, problem, "El administrador fija folio.raiz del repositorio compartido con el id que da "
                           + "'git rev-list --max-parents=0 \(settings.branch)' ('git config folio.raiz ID').")
                    continue
                }
                if let old = update.old, try !repository.isAncestor(old, of: new) {
                    refuse(.rewrite, "el push reescribe la historia de \(settings.branch) (\(old.short) no es antecesor de \(new.short)).",
                           "La historia publicada no se cambia: traiga los cambios con 'folio sync' y vuelva a enviar.")
                    continue
                }
                // A date ahead of the server's own clock (never FOLIO_DATE) would freeze every later folio
                // write behind it, since dates only move forward: refused, with a day for clocks and zones.
                let limit = Date().addingTimeInterval(Self.futureAllowance)
                try repository.walk(from: new, hiding: update.old) { commit in
                    let latest = max(commit.author.date, commit.committer.date)
                    guard latest > limit else { return }
                    refuse(.futureDate, "\(commit.id.short) está fechado el \(clock.iso(latest)), después de la hora del servidor: una fecha futura "
                           + "bloquearía todo registro posterior.",
                           "Corrija la fecha (el reloj de su equipo) y registre de nuevo con folio; no se publican commits del futuro.",
                           commit: commit.id.hex)
                }
                let report = try verify(range: update.old.map { "\($0.hex)..\(new.hex)" } ?? new.hex)
                if !report.ok { lines.append("folio: el push a \(settings.branch) no cumple el manual; se rechaza:") }
                for v in report.violations {
                    let place = [v.caseID, v.step.map { "paso \($0)" }].compactMap { $0 }.joined(separator: " ")
                    say(v, "\(v.commit.prefix(7)) \(place.isEmpty ? "" : place + ": ")\(v.message) [\(v.rule)]")
                }
                // A later commit that puts things right does not take a refused one out of the push.
                if !report.ok { lines.append(Self.refusedCommitsAdvice) }
                continue
            }
            // The stamps' reference, and any that would take its name as a folder (refs/notes/folio-recepcion/x)
            // or hold it as one (refs/notes/folio-recepcion would then never be written: attack39).
            let stamps = Self.receptionNotesRef
            if update.ref == stamps || update.ref.hasPrefix(stamps + "/") || stamps.hasPrefix(update.ref + "/") {
                refuse(.references, "\(update.ref) " + (update.ref == stamps ? "lo escribe solo el repositorio compartido al recibir un push (sellos de recepción)."
                                                         : "ocupa el nombre de los sellos de recepción (\(stamps)), que escribe solo el repositorio compartido."),
                       "No envíe esa referencia; 'folio sync' trae los sellos del servidor.")
                continue
            }
            if settings.allowedRefs.contains(where: { Self.matches(update.ref, pattern: $0) }) { continue }
            refuse(.references, "la referencia \(update.ref) no se acepta: el repositorio compartido guarda solo la rama \(settings.branch) "
                + "y los sellos de folio.",
                   "Publique con 'folio sync' (rama \(settings.branch)); si el departamento quiere aceptar otras referencias, "
                   + "un jefe las agrega a refs_permitidas en folio.yaml.")
        }
        return ReceiveReport(accepted: !findings.contains(where: \.isError), findings: findings, lines: lines)
    }

    /// What is wrong with the shared repository's `folio.raiz`, when something is: not a whole
    /// commit id, or the id of no commit here without parents. (O(1): the branch itself is not walked.)
    private func sharedPinProblem() -> String? {
        guard let raw = pinSetting else { return nil }
        let pinned = raw.trimmingCharacters(in: .whitespaces)
        guard Self.isCommitID(pinned), let id = OID(hex: pinned.lowercased()) else {
            return "folio.raiz del repositorio compartido ('\(SafeText.visible(raw))') no es el id completo de un commit (40 dígitos "
                + "hexadecimales): ninguna raíz coincide con él y no se acepta nada."
        }
        guard let commit = try? repository.commit(id), commit.parents.isEmpty else {
            return "folio.raiz del repositorio compartido (\(pinned)) no es la raíz de su historia: no se acepta nada hasta que se corrija."
        }
        return nil
    }

    /// How far the shared repository's history cache may lag its branch before the post-receive
    /// hook writes it again: the pre-receive hook reads every commit since the cache's tip
    /// (about 0.1 ms each), besides the pushed cases' own lines.
    public static let sharedCacheLag = 512

    /// After a push landed (post-receive, `folio stamp`): the shared repository's history cache
    /// (`folio/historial.cache`) brought up to the shared branch's tip when it is missing, off the
    /// branch's line, or more than `maxLag` commits behind, by deriving every case as `status`
    /// does (case by case, memory bounded by one case; at first a whole walk of history, then
    /// through the cache itself). The pre-receive hook (`receive`) reads a pushed case's earlier
    /// commits through that cache's offset table, each record read again from its commit and
    /// judged again, so a push costs what its cases cost, not what the history costs. The tip the
    /// cache was written at; nil when it was left as it was.
    @discardableResult
    public func refreshSharedCache(maxLag: Int = Casebook.sharedCacheLag) throws -> OID? {
        guard usesCache, let head = try repository.headCommit() else { return nil }
        let branch = try settings(at: head).branch
        // Only the shared branch's line (HEAD of the bare repository names it).
        guard try repository.resolve(reference: "refs/heads/\(branch)") == head else { return nil }
        if let tip = HistoryCache.tip(HistoryCache.file(repository)) {
            struct Enough: Error {}
            var behind = 0
            let onLine: Bool
            do {
                onLine = try walkLine(after: tip, to: head) { _ in
                    behind += 1
                    if behind > maxLag { throw Enough() }
                }
            } catch is Enough {
                onLine = true
            }
            if onLine, behind <= maxLag { return nil }
        }
        try statusOfAll { _ in }
        return HistoryCache.tip(HistoryCache.file(repository)) == head ? head : nil
    }

    /// What the pusher does with commits the hook refused: they are not published, so they leave
    /// the push (a commit after them that repairs the damage still carries them).
    static let refusedCommitsAdvice = "folio: los commits rechazados no se publicaron y siguen en su envío aunque un commit posterior "
        + "lo repare: " + dropUnpublished(backup: "refs/folio/respaldo/") + "."

    /// How to take unpublished commits off the branch (the hook's refusal, sync's, a rename not yet
    /// published), keeping them under `backup`.
    static func dropUnpublished(backup: String) -> String {
        "quítelos de su rama ('git rebase -i origin/main' y borre sus líneas, o 'folio sync --drop-local', que los guarda en \(backup)) "
            + "y registre el trabajo de nuevo con folio"
    }

    /// How far ahead of the server's clock a pushed commit's date may be (clock skew, time zones).
    static let futureAllowance: TimeInterval = 24 * 3600

    /// `refs/tags/*` matches every tag; a pattern without `*` matches itself only.
    static func matches(_ ref: String, pattern: String) -> Bool {
        guard let star = pattern.firstIndex(of: "*") else { return ref == pattern }
        return ref.hasPrefix(pattern[..<star]) && ref.hasSuffix(pattern[pattern.index(after: star)...])
    }
}
