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
        let ref = "refs/heads/\(settings.branch)"
        let tip = try repository.resolve(reference: ref)
        var commits: [OID] = []
        // Only what the shared branch holds now (a line given by hand that names another commit is not stamped).
        for update in updates where update.ref == ref {
            guard let new = update.new, let tip, onLine(new, of: tip) else { continue }
            commits += try unstampedBefore(update.old)
            commits += try repository.commitIDs(from: new, hiding: update.old, firstParent: true)
        }
        // Nothing received (a run by hand with no input, a push of another reference): nothing to say (staff41).
        guard !commits.isEmpty else { return StampResult(stamped: 0, messages: []) }
        return try writeStamps(commits, keyFile: keyFile, settings: settings, afterPush: true)
    }

    /// The commits of an earlier push that landed unstamped (a connection cut before post-receive,
    /// the key missing then), oldest first: from `old` (the branch's tip before this push) back to the
    /// newest stamped commit or the first whose folio.yaml registers clave_servidor, so that the next
    /// push stamps them and a pusher who cuts the connection leaves unstamped commits only until
    /// someone pushes again (attack40, attack41). None when neither is found within `limit`.
    private func unstampedBefore(_ old: OID?, limit: Int = 10_000) throws -> [OID] {
        var found: [OID] = []
        var at = old
        while let commit = at, found.count < limit {
            if try repository.note(on: commit, ref: Self.receptionNotesRef) != nil { return found.reversed() }
            // Before folio.yaml registered the server's key, commits were not stamped.
            if !registersServerKey(commit) { return found.reversed() }
            found.append(commit)
            at = try repository.commit(commit).parents.first
        }
        return []
    }

    /// `folio stamp --faltantes`: stamps, with the time of this run, every commit of the shared
    /// branch's line of first parents that came after its oldest stamped commit and has no stamp
    /// (pushes the post-receive hook could not stamp: no key, a key that did not sign, a connection
    /// cut before the hook ran, a push by a local path). The commits before the oldest stamp are the
    /// history from before the hook was installed: refused when no commit is stamped at all.
    public func stampMissing(keyFile: String?) throws -> StampResult {
        guard let head = try repository.headCommit() else { return StampResult(stamped: 0, messages: []) }
        let settings = try settings(at: head)
        let ref = "refs/heads/\(settings.branch)"
        guard let tip = try repository.resolve(reference: ref) else { return StampResult(stamped: 0, messages: []) }
        // The notes read once: believed (`receptionStamps`) or not (`badStamps`), each is a stamp there.
        let believed = try receptionStamps()
        let bad = badStamps
        stampsCache = nil
        let stamped = { (id: OID) in believed[id] != nil || bad.contains(id) }
        // Oldest first: every unstamped commit from the first stamped one (with none, from the
        // first whose folio.yaml registers clave_servidor).
        let line = try repository.commitIDs(from: tip, firstParent: true)
        guard let start = try stampStart(in: line, stamped: stamped) else {
            throw CasebookError.invalidValue(option: "--faltantes", reason: "ningún commit de \(ref) tiene sello de recepción ni registra clave_servidor en folio.yaml: se sellaría toda la historia con la hora de hoy",
                                             fix: "Un jefe registra la parte pública de la clave del servidor como clave_servidor en folio.yaml y la publica; los sellos empiezan con ese push, y '--faltantes' completa los que falten desde él.")
        }
        let missing = line[start...].filter { !stamped($0) }
        // Stamps that are there but not believed (another key, a time before the commit's) are not
        // replaced by hand-run stamping: said, with how to stamp them again.
        let unbelieved = line[start...].filter(bad.contains)
        let redo = unbelieved.isEmpty ? [] : [
            "folio: \(unbelieved.count) commit\(unbelieved.count == 1 ? " tiene un sello que no se tiene" : "s tienen un sello que no se tiene") en cuenta "
                + "(no lo firmó la clave_servidor de folio.yaml, o dice una hora más de un día anterior a la del commit; 'folio verify' los "
                + "señala con [sello]) y --faltantes no los cambia. Para sellarlos de nuevo con la hora de ahora, quite esas notas y "
                + "vuelva a ejecutar 'folio stamp --faltantes': git notes --ref=folio-recepcion remove "
                + unbelieved.prefix(20).map(\.hex).joined(separator: " ") + (unbelieved.count > 20 ? " ..." : ""),
        ]
        guard !missing.isEmpty else {
            return StampResult(stamped: 0, messages: ["folio: no falta ningún sello: cada commit de \(ref) desde el primero sellado tiene el suyo."] + redo)
        }
        var result = try writeStamps(missing, keyFile: keyFile, settings: settings, afterPush: false)
        result.messages += redo
        return result
    }

    /// Writes the stamps of `commits` (oldest first; those already stamped are left as they are)
    /// with the server's key, or says why none could be written: after a push (`afterPush`), that
    /// the push landed and only its stamps are missing.
    private func writeStamps(_ commits: [OID], keyFile: String?, settings: Settings, afterPush: Bool) throws -> StampResult {
        let failed = afterPush ? "folio: el push se aceptó, pero no se sellaron los commits recibidos: " : "folio: no se sellaron los commits sin sello: "
        let later = afterPush ? " Después, 'folio stamp --faltantes' en el repositorio compartido sella los commits que quedaron sin sello." : ""
        let registered = settings.serverKey.flatMap(SSHKey.fingerprint)
        guard let path = try keyFile ?? repository.config("folio.clave-servidor") else {
            return StampResult(stamped: 0, messages: [
                failed + "el repositorio compartido no tiene clave para sellar. El administrador la indica con "
                    + "'git config folio.clave-servidor /ruta/clave' en el repositorio compartido y un jefe registra su parte "
                    + "pública como clave_servidor en folio.yaml." + later,
            ])
        }
        // ssh-keygen signs with no private key that other users can read.
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            return StampResult(stamped: 0, messages: [
                failed + "la clave \(path) tiene permisos \(String(info.st_mode & 0o777, radix: 8)) (otros usuarios pueden leerla), y ssh-keygen "
                    + "no firma con ella. El administrador la deja solo para el usuario de git: 'chmod 600 \(path)'." + later,
            ])
        }
        guard let signer = SSHSigner.fileSigner(path) else {
            return StampResult(stamped: 0, messages: [
                failed + "\(path) no es una clave SSH legible (ni su .pub). El administrador del servidor restaura la clave "
                    + "desde su copia de respaldo" + (registered.map { " (la registrada: \($0))" } ?? "")
                    + "; si se perdió, genera otra ('ssh-keygen -t ed25519 -N \"\" -f \(path)') y un jefe registra su parte "
                    + "pública como clave_servidor en folio.yaml." + later,
            ])
        }
        guard signer.publicKey == settings.serverKey else {
            return StampResult(stamped: 0, messages: [
                failed + "la clave \(path) (\(SSHKey.fingerprint(signer.publicKey) ?? "?")) no es la clave_servidor que folio.yaml registra"
                    + (registered.map { " (\($0))" } ?? " (folio.yaml no registra ninguna)") + ". El administrador comprueba que "
                    + "'git config folio.clave-servidor' del repositorio compartido indica la clave del servidor"
                    + (registered.map { ", la de huella \($0)" } ?? "") + "; si la clave del servidor cambió, un jefe registra como "
                    + "clave_servidor la línea de \(path).pub: \(signer.publicKey)." + later,
            ])
        }
        var stamped = 0
        let now = clock.now
        let author = Signature(name: "folio (repositorio compartido)", email: "folio@repositorio-compartido", date: now,
                               offsetMinutes: clock.offsetMinutes(at: now))
        let done = { stamped > 0 ? ["folio: \(stamped) \(stamped == 1 ? "commit sellado" : "commits sellados") con la hora de recepción \(self.clock.iso(now))."] : [] }
        for commit in commits where try repository.note(on: commit, ref: Self.receptionNotesRef) == nil {
            let payload = ReceptionStamp.payload(commit: commit, received: now, iso: clock.iso(now))
            let signature: String
            do {
                signature = try signer.sign(Data(payload.utf8), namespace: ReceptionStamp.namespace)
            } catch CasebookError.signatureFailed(let reason) {
                return StampResult(stamped: stamped, messages: done() + [
                    failed + "ssh-keygen no pudo firmar con la clave \(path) (\(SafeText.line(reason))). El administrador comprueba que es "
                        + "la clave privada del servidor, sin frase de paso, con su .pub al lado si lo tiene." + later,
                ])
            }
            if try repository.addNote(payload + signature, on: commit, ref: Self.receptionNotesRef, author: author) { stamped += 1 }
        }
        return StampResult(stamped: stamped, messages: done())
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
            // A reception long before the time the commit declares is no reception: a server clock
            // set back (attack41). Not used, and said. The hook accepts dates up to a day ahead of
            // the server's clock (`futureAllowance`), so a reception up to a day early is one.
            if verified != nil, let declared = try? repository.commit(commit).author.date,
               parsed.stamp.received < declared.addingTimeInterval(-Self.futureAllowance) {
                verified = nil
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
    /// The commits of `line` (a whole history, oldest first) without a reception stamp between the
    /// first and the last stamped ones: they reached the shared branch without the post-receive hook
    /// stamping them (a connection cut after the push, the server's key missing, a push by a local
    /// path), so their deadlines count from the date they declare. After the last stamped one, those
    /// already published (`publishedEnd`: a branch of the shared repository, or the clone's
    /// remote-tracking branch holds them): a push cut before post-receive, or a fetch without the
    /// notes. The commits before the first stamp (before the hook was installed) and the clone's
    /// commits not yet published are not said.
    func stampHoles(in line: [OID]) throws -> [(position: Int, Violation)] {
        let stamps = try receptionStamps()
        let stamped = { (id: OID) in stamps[id] != nil || self.badStamps.contains(id) }
        guard let start = try stampStart(in: line, stamped: stamped) else { return [] }
        let last = line.lastIndex(where: stamped)
        var found: [(position: Int, Violation)] = []
        for position in start..<max(start, last ?? start) where !stamped(line[position]) {
            let record = try StepRecord(try repository.commit(line[position]))
            found.append((position, Violation(
                commit: line[position].hex, caseID: record?.caseID, step: record?.step, rule: .stamp,
                message: "Este commit no tiene sello de recepción (\(Self.receptionNotesRef)), y commits posteriores de la "
                    + "rama sí: llegó al repositorio compartido sin que el gancho post-receive lo sellara (la clave del servidor faltaba, "
                    + "se cortó la conexión antes del gancho o se publicó por una ruta local). Sus plazos cuentan desde la fecha que declara.",
                fix: "El administrador lo sella con 'folio stamp --faltantes' en el repositorio compartido; después, 'folio sync' trae el sello.",
                severity: .warning)))
        }
        // After the newest stamped commit, those already published: the shared repository's own
        // branch, or in a clone what its branch's upstream holds. A push cut before the
        // post-receive hook leaves them so until the next push; a fetch without the notes too.
        let from = last.map { $0 + 1 } ?? start
        guard let published = try publishedEnd(of: line), published >= from else { return found }
        let server = repository.isBare
        let cause = server
            ? "el gancho post-receive no lo selló (se cortó la conexión antes del gancho, la clave del servidor faltaba o no sirve, o se publicó por una ruta local con 'folio sync', que no corre los ganchos)"
            : "el gancho post-receive no lo selló (se cortó la conexión antes del gancho, faltaba la clave del servidor, o se publicó por una ruta local con 'folio sync', que no corre los ganchos), o este clon trajo los commits sin los sellos"
        let fix = server
            ? "Como el usuario de git, en este repositorio: 'folio stamp --faltantes' (o lo sella el siguiente push, si la clave del servidor sirve)."
            : "Traiga los sellos con 'folio sync'; si el aviso sigue, el administrador lo sella con 'folio stamp --faltantes' en el repositorio compartido (o lo sella el siguiente push)."
        guard last != nil else {
            // Not one stamp, though folio.yaml registers the server's key: said once, not per commit.
            let count = published - from + 1
            found.append((published, Violation(
                commit: line[published].hex, caseID: nil, step: nil, rule: .stamp,
                message: "Ningún commit publicado tiene sello de recepción (\(Self.receptionNotesRef)), y folio.yaml registra clave_servidor "
                    + "desde el commit \(line[start].short): \(count) commit\(count == 1 ? "" : "s") publicado\(count == 1 ? "" : "s") sin sello hasta este. "
                    + (server ? "El gancho post-receive no ha sellado ninguno (la clave del servidor falta o no sirve)." : "Este clon no trajo los sellos, o el repositorio compartido no sella.")
                    + " Sus plazos cuentan desde la fecha que declaran.",
                fix: fix, severity: .warning)))
            return found
        }
        for position in from...published {
            let record = try StepRecord(try repository.commit(line[position]))
            found.append((position, Violation(
                commit: line[position].hex, caseID: record?.caseID, step: record?.step, rule: .stamp,
                message: "Este commit ya está publicado (\(server ? "en una rama del repositorio compartido" : "en la rama remota que sigue la rama de este clon")) "
                    + "y no tiene sello de recepción (\(Self.receptionNotesRef)), y commits anteriores sí: \(cause). "
                    + "Sus plazos cuentan desde la fecha que declara.",
                fix: fix, severity: .warning)))
        }
        return found
    }

    /// Where stamps begin in `line`: the first commit whose `folio.yaml` registers `clave_servidor`
    /// (the post-receive hook stamps every push from then on) or its first stamped commit, whichever
    /// comes first; nil when neither is found (a repository that does not stamp). The registration
    /// is looked for by halves (registered once, it stays).
    func stampStart(in line: [OID], stamped: (OID) -> Bool) throws -> Int? {
        let first = line.firstIndex(where: stamped)
        guard let tip = line.indices.last, registersServerKey(line[tip]) else { return first }
        var (low, high) = (0, tip)
        while low < high {
            let middle = (low + high) / 2
            if registersServerKey(line[middle]) { high = middle } else { low = middle + 1 }
        }
        return min(first ?? low, low)
    }

    /// Whether `folio.yaml` at `commit` registers the server's key (`clave_servidor`).
    func registersServerKey(_ commit: OID) -> Bool {
        ((try? settings(at: commit))?.serverKey ?? nil) != nil
    }

    /// The last position of `line` that is published on the shared branch (folio.yaml's `rama`, the
    /// one stamps are written for): in a bare repository (the shared one), the newest commit of the
    /// line that branch points at (during a push, before it moves); in a clone, the newest one its
    /// branch's upstream points at when that upstream is the shared branch of a remote (`git
    /// status`'s, e.g. `refs/remotes/origin/main`: not another remote's, not another branch).
    /// Nil when none is on the line.
    private func publishedEnd(of line: [OID]) throws -> Int? {
        guard let tip = line.last else { return nil }
        let branch = try settings(at: tip).branch
        let published: OID?
        if repository.isBare {
            published = try repository.resolve(reference: "refs/heads/\(branch)")
        } else if let upstream = try repository.upstream() {
            let rest = upstream.name.dropFirst("refs/remotes/".count).split(separator: "/", maxSplits: 1)
            published = upstream.name.hasPrefix("refs/remotes/") && rest.count == 2 && rest[1] == branch ? upstream.target : nil
        } else {
            published = nil
        }
        return published.flatMap { line.lastIndex(of: $0) }
    }

    func ruleReception(_ facts: CommitFacts) throws -> [Violation] {
        let stamps = try receptionStamps()
        let id = facts.commit.id
        if badStamps.contains(id) {
            return [facts.violation(.stamp, "La nota de recepción de este commit (\(Self.receptionNotesRef)) no se tiene en cuenta: no está firmada "
                + "por la clave_servidor de folio.yaml, o dice que el repositorio compartido lo recibió más de un día antes de la fecha que el commit declara.", "Traiga los sellos del servidor con 'folio sync'; "
                + "si persiste, el administrador revisa la clave del servidor, el reloj del servidor y que FOLIO_DATE no llegue al entorno de los ganchos.", severity: .warning)]
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
