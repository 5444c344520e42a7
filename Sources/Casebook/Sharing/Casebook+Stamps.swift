import Foundation
import GitStore

/// A reception stamp: when the shared repository received a commit, signed with its key.
///
/// The note on each commit in `refs/notes/folio-recepcion` is the signed text
/// (`folio-recepcion 1`, `commit <id>`, `recibido <epoch> <ISO 8601>`) followed by an SSH signature
/// in the `folio-recepcion` namespace by the key registered as `clave_servidor` in `folio.yaml`.
public struct ReceptionStamp: Sendable, Equatable {
    public static let namespace = "folio-recepcion"
    public var commit: OID
    public var received: Date

    /// The signed text of a stamp.
    static func payload(commit: OID, received: Date, iso: String) -> String {
        "folio-recepcion 1\ncommit \(commit.hex)\nrecibido \(Int(received.timeIntervalSince1970)) \(iso)\n"
    }

    /// Splits a note into its signed text and signature, and reads the text; nil when malformed.
    static func parse(_ note: String) -> (stamp: ReceptionStamp, payload: String, signature: String)? {
        guard let range = note.range(of: "-----BEGIN SSH SIGNATURE-----") else { return nil }
        let payload = String(note[..<range.lowerBound])
        let lines = payload.split(separator: "\n")
        guard lines.count == 3, lines[0] == "folio-recepcion 1", lines[1].hasPrefix("commit "),
              let commit = OID(hex: String(lines[1].dropFirst(7))), lines[2].hasPrefix("recibido ") else { return nil }
        let parts = lines[2].split(separator: " ")
        guard parts.count >= 2, let epoch = Double(parts[1]) else { return nil }
        return (ReceptionStamp(commit: commit, received: Date(timeIntervalSince1970: epoch)), payload,
                String(note[range.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// What `folio stamp` did.
public struct StampResult: Sendable {
    public var stamped: Int
    public var messages: [String]
}

extension Casebook {
    /// The post-receive side of the shared repository: writes the reception stamp of every commit
    /// the shared branch gained in `updates` (through libgit2, signed with the server's key).
    ///
    /// Run after the push was accepted (post-receive): in pre-receive the objects are still in
    /// quarantine, git forbids ref updates there, and a push refused later would leave stamps of
    /// commits that never landed. The key is the private key at `keyFile` (or `git config
    /// folio.clave-servidor`), whose public half a jefe registered as `clave_servidor` in `folio.yaml`.
    public func stamp(_ updates: [RefUpdate], keyFile: String?) throws -> StampResult {
        guard let head = try repository.headCommit() else { return StampResult(stamped: 0, messages: []) }
        let settings = try settings(at: head)
        // The push has landed by now: each failure says so, and that only the stamps are missing.
        let failed = "folio: el push se aceptó, pero no se sellaron los commits recibidos: "
        let later = " Después, 'folio stamp --faltantes' en el repositorio compartido sella los commits que quedaron sin sello."
        guard let path = try keyFile ?? repository.config("folio.clave-servidor") else {
            return StampResult(stamped: 0, messages: [
                failed + "el repositorio compartido no tiene clave para sellar. El administrador la indica con "
                    + "'git config folio.clave-servidor /ruta/clave' en el repositorio compartido y un jefe registra su parte "
                    + "pública como clave_servidor en folio.yaml." + later,
            ])
        }
        guard let signer = SSHSigner.fileSigner(path) else {
            return StampResult(stamped: 0, messages: [
                failed + "\(path) no es una clave SSH legible (ni su .pub). El administrador del servidor restaura la clave "
                    + "desde su copia de respaldo" + (settings.serverKey.flatMap(SSHKey.fingerprint).map { " (la registrada: \($0))" } ?? "")
                    + "; si se perdió, genera otra ('ssh-keygen -t ed25519 -N \"\" -f \(path)') y un jefe registra su parte "
                    + "pública como clave_servidor en folio.yaml." + later,
            ])
        }
        guard signer.publicKey == settings.serverKey else {
            let registered = settings.serverKey.flatMap(SSHKey.fingerprint).map { " (folio.yaml registra \($0))" } ?? " (folio.yaml no registra ninguna)"
            return StampResult(stamped: 0, messages: [
                failed + "la clave \(path) (\(SSHKey.fingerprint(signer.publicKey) ?? "?")) no es la clave_servidor que folio.yaml registra"
                    + registered + ". Un jefe registra como clave_servidor la línea de \(path).pub: \(signer.publicKey)" + later,
            ])
        }
        var stamped = 0
        let now = clock.now
        let author = Signature(name: "folio (repositorio compartido)", email: "folio@repositorio-compartido", date: now,
                               offsetMinutes: clock.offsetMinutes(at: now))
        for update in updates where update.ref == "refs/heads/\(settings.branch)" {
            guard let new = update.new else { continue }
            for commit in try repository.commitIDs(from: new, hiding: update.old, firstParent: true) where try repository.note(on: commit, ref: Self.receptionNotesRef) == nil {
                let payload = ReceptionStamp.payload(commit: commit, received: now, iso: clock.iso(now))
                let signature = try signer.sign(Data(payload.utf8), namespace: ReceptionStamp.namespace)
                if try repository.addNote(payload + signature, on: commit, ref: Self.receptionNotesRef, author: author) { stamped += 1 }
            }
        }
        return StampResult(stamped: stamped, messages: stamped > 0 ? ["folio: \(stamped) \(stamped == 1 ? "commit sellado" : "commits sellados") con la hora de recepción \(clock.iso(now))."] : [])
    }

    /// The update that stamps the shared branch's commits after its newest stamped one (on the line
    /// of first parents): the commits of pushes the post-receive hook could not stamp (no key, a
    /// key that did not read). nil when the tip is stamped; refused when no commit of the branch
    /// is, since that would stamp the whole history as received today.
    public func missingStamps() throws -> RefUpdate? {
        guard let head = try repository.headCommit() else { return nil }
        let ref = "refs/heads/\(try settings(at: head).branch)"
        guard let tip = try repository.resolve(reference: ref) else { return nil }
        var newest: OID?
        var at: OID? = tip
        while let commit = at {
            if try repository.note(on: commit, ref: Self.receptionNotesRef) != nil {
                newest = commit
                break
            }
            at = try repository.commit(commit).parents.first
        }
        guard let newest else {
            throw CasebookError.invalidValue(option: "--faltantes", reason: "ningún commit de \(ref) tiene sello de recepción: se sellaría toda la historia con la hora de hoy",
                                             fix: "Los sellos empiezan con el primer push después de instalar el gancho post-receive; '--faltantes' solo completa los que faltan después del último sellado.")
        }
        return newest == tip ? nil : RefUpdate(old: newest, new: tip, ref: ref)
    }

    /// The reception stamps of this clone whose signature verifies with a `clave_servidor` of
    /// `folio.yaml` (at HEAD, or at the stamped commit), by commit; bad stamps in `badStamps`.
    func receptionStamps() throws -> [OID: Date] {
        if let known = stampsCache { return known }
        var result: [OID: Date] = [:]
        var bad: Set<OID> = []
        let notes = try repository.notes(ref: Self.receptionNotesRef)
        let headKey = try repository.headCommit().flatMap { try? settings(at: $0).serverKey }
        // Stamps already checked (by the SHA-256 of the note and the key that verified it) are not checked again.
        let cachePath = repository.gitdir + "folio/sellos.cache"
        var checked: [String: Double] = [:]
        if usesCache, let data = CacheFile.contents(cachePath) {
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let epoch = Double(parts[1]) { checked[String(parts[0])] = epoch }
            }
        }
        var learnt = false
        for (commit, note) in notes {
            guard let parsed = ReceptionStamp.parse(note), parsed.stamp.commit == commit else { bad.insert(commit); continue }
            let keys = Set([headKey, try? settings(at: commit).serverKey].compactMap { $0 ?? nil })
            let digests = keys.map { Digest.sha256(Data((note + "\u{0}" + $0).utf8)) }
            if let hit = digests.first(where: { checked[$0] != nil }) {
                result[commit] = Date(timeIntervalSince1970: checked[hit]!)
                continue
            }
            var verified: String?
            for (key, digest) in zip(keys, digests) where try SSHVerifier.verify(
                signature: parsed.signature, data: Data(parsed.payload.utf8), principal: "folio-recepcion", key: key,
                namespace: ReceptionStamp.namespace) {
                verified = digest
                break
            }
            if let verified {
                result[commit] = parsed.stamp.received
                checked[verified] = parsed.stamp.received.timeIntervalSince1970
                learnt = true
            } else {
                bad.insert(commit)
            }
        }
        if learnt, usesCache, FolioFolder.prepare(FolioFolder.path(repository)) {
            let text = checked.map { "\($0.key) \(Int($0.value))" }.joined(separator: "\n") + "\n"
            _ = CacheFile.replace(cachePath, with: Data(text.utf8))
        }
        stampsCache = result
        badStamps = bad
        return result
    }

    /// When a step counts as done for deadlines and reports: its reception time where the shared
    /// repository stamped it, its declared (author) date otherwise.
    func effectiveDate(_ record: StepRecord) -> Date {
        ((try? receptionStamps()) ?? [:])[record.commit] ?? record.author.date
    }

    /// Stamps say when a step reached the shared repository: declared much earlier is late (a warning).
    func ruleReception(_ facts: CommitFacts) throws -> [Violation] {
        let stamps = try receptionStamps()
        let id = facts.commit.id
        if badStamps.contains(id) {
            return [facts.violation(.stamp, "La nota de recepción de este commit (\(Self.receptionNotesRef)) no está firmada por la "
                + "clave_servidor de folio.yaml: no se tiene en cuenta.", "Traiga los sellos del servidor con 'folio sync'; "
                + "si persiste, el administrador revisa la clave del servidor.", severity: .warning)]
        }
        guard facts.record != nil, let received = stamps[id] else { return [] }
        let declared = facts.commit.author.date
        let late = received.timeIntervalSince(declared)
        guard late > Double(facts.settings.receptionToleranceHours) * 3600 else { return [] }
        let hours = Int(late / 3600)
        let amount = hours >= 48 ? "\(hours / 24) días y \(hours % 24) horas" : "\(hours) horas"
        return [facts.violation(.late, "El paso declara \(clock.iso(declared)) pero el repositorio compartido lo recibió el "
            + "\(clock.iso(received)): \(amount) después (tolerancia: \(facts.settings.receptionToleranceHours) h en folio.yaml).",
                                "Publique los pasos el día que los registra ('folio sync'); los plazos cuentan desde la recepción.",
                                severity: .warning)]
    }
}
