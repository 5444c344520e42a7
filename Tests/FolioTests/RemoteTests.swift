import Foundation
import Testing
import TestSupport

/// A bare shared repository with folio's pre-receive hook, and clones of it.
struct SharedRepository {
    let box = Sandbox()
    var bare: String { box.path + "/compartido.git" }

    /// The environment in which git runs the hook: folio found by `FOLIO`.
    static let hookEnv = ["FOLIO": CLI.binary]
    /// Plain git commits dated like the folio steps around them (history does not go back in time).
    static let gitDate = ["GIT_AUTHOR_DATE": "2026-11-03T09:00:00-06:00", "GIT_COMMITTER_DATE": "2026-11-03T09:00:00-06:00"]

    init() throws {
        let first = box.path + "/inicio"
        let cli = { (args: [String], dir: String) in try Sandbox.run(CLI.binary, args, in: dir, env: ["FOLIO_DATE": "2026-11-02T09:00:00-06:00"]) }
        #expect(try cli(["init", first, "--jefe", "María Rodríguez <mrodriguez@igss.gob.gt>"], box.path).ok)
        _ = try Sandbox.gitOut(["config", "user.email", "mrodriguez@igss.gob.gt"], in: first)
        _ = try Sandbox.gitOut(["config", "user.name", "María Rodríguez"], in: first)
        for (id, name, role) in [("alopez", "Ana López", "analista"), ("jperez", "Jorge Pérez", "asistente")] {
            #expect(try cli(["roles", "add", id, "--name", name, "--email", "\(id)@igss.gob.gt", "--role", role, "--as", "mrodriguez"], first).ok)
        }
        _ = try Sandbox.gitOut(["clone", "-q", "--bare", first, bare], in: box.path)
        // A rehearsal server: the stamps take their time from the tests' FOLIO_DATE.
        _ = try Sandbox.gitOut(["config", "folio.fecha-de-ensayo", "true"], in: bare)
        // git checks every object it receives, as the README's set-up does.
        _ = try Sandbox.gitOut(["config", "receive.fsckObjects", "true"], in: bare)
        let hook = bare + "/hooks/pre-receive"
        try FileManager.default.copyItem(atPath: Sandbox.projectRoot + "/scripts/hooks/pre-receive", toPath: hook)
    }

    /// A clone whose git user is `email`.
    func clone(_ name: String, user: String, email: String) throws -> String {
        let dir = box.path + "/" + name
        _ = try Sandbox.gitOut(["clone", "-q", bare, dir], in: box.path)
        _ = try Sandbox.gitOut(["config", "user.name", user], in: dir)
        _ = try Sandbox.gitOut(["config", "user.email", email], in: dir)
        return dir
    }

    func push(_ dir: String, _ args: [String] = []) throws -> Run {
        try Sandbox.git(["push"] + args + ["origin", "HEAD:main"], in: dir, env: Self.hookEnv)
    }
}

@Suite("The shared remote guarded by the pre-receive hook")
struct RemoteTests {
    func folio(_ dir: String, _ args: String..., date: String = "2026-11-03T09:00:00-06:00") throws -> Run {
        try folio(dir, args, date: date)
    }

    /// Opens a P7 case (COOP-2026-0001 in a new repository) with every field its opening asks.
    static let newCooperation = ["new", "7", "--title", "Beca", "--set", "organismo=OISS", "--set", "fortalece_capacidades=true",
                                 "--set", "organismo_especializado=true", "--set", "involucra_personal=false"]

    func folio(_ dir: String, _ args: [String], date: String = "2026-11-03T09:00:00-06:00") throws -> Run {
        try Sandbox.run(CLI.binary, args, in: dir, env: ["FOLIO_DATE": date])
    }

    /// A shared repository where clone `a` (the jefe) opened and published COOP-2026-0001, and
    /// clone `b` of it, the jefe's too.
    func publishedCase() throws -> (shared: SharedRepository, a: String, b: String) {
        let shared = try SharedRepository()
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        #expect(try folio(a, Self.newCooperation).ok)
        #expect(try folio(a, "sync").ok)
        return (shared, a, try shared.clone("b", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt"))
    }

    @Test("folio's steps are accepted; a forged step, a role not held and a rewritten history are rejected, naming commit and rule")
    func hookRejects() throws {
        let shared = try SharedRepository()
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        #expect(try folio(a, Self.newCooperation).ok)
        let ok = try shared.push(a)
        #expect(ok.ok, "\(ok.err)")

        // Ana (analista) claims the jefe's step 02 with plain git.
        let msg = "COOP-2026-0001 paso 02\n\nExpediente: COOP-2026-0001\nProcedimiento: 7\nPaso: 02\nRol: jefe\nSigned-off-by: Ana López <alopez@igss.gob.gt>\n"
        _ = try Sandbox.gitOut(["commit", "-q", "--allow-empty", "-m", msg, "--author", "Ana López <alopez@igss.gob.gt>"], in: a, env: SharedRepository.gitDate)
        let forged = try Sandbox.gitOut(["rev-parse", "--short=7", "HEAD"], in: a)
        let rejected = try shared.push(a)
        #expect(!rejected.ok)
        #expect(rejected.err.contains("no cumple el manual") && rejected.err.contains(forged) && rejected.err.contains("[role]"))
        #expect(rejected.err.contains("Para corregirlo"))
        #expect(try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare) != (try Sandbox.gitOut(["rev-parse", "HEAD"], in: a)))

        // Rewriting published history is refused even with --force.
        _ = try Sandbox.gitOut(["reset", "-q", "--hard", "HEAD~2"], in: a)
        let rewrite = try shared.push(a, ["--force"])
        #expect(!rewrite.ok && rewrite.err.contains("reescribe la historia"))
    }

    @Test("the post-receive hook keeps the shared repository's history cache at the branch's tip; the pre-receive hook reads it and still refuses a forged step")
    func sharedHistoryCache() throws {
        let shared = try SharedRepository()
        try FileManager.default.copyItem(atPath: Sandbox.projectRoot + "/scripts/hooks/post-receive", toPath: shared.bare + "/hooks/post-receive")
        let cacheTip = {
            (try? String(contentsOfFile: shared.bare + "/folio/historial.cache", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("tip ") }?.split(separator: " ")[1].description
        }
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        #expect(try folio(a, Self.newCooperation).ok)
        #expect(cacheTip() == nil)
        let pushed = try shared.push(a)
        #expect(pushed.ok, "\(pushed.err)")
        #expect(!pushed.err.contains("no se actualizó"))
        #expect(pushed.err.contains("caché de historial del repositorio compartido escrita hasta"), "\(pushed.err)")
        let published = try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare)
        #expect(cacheTip() == published)
        // With the cache in place, a forged step is still refused, and the cache stays at what was published.
        let msg = "COOP-2026-0001 paso 02\n\nExpediente: COOP-2026-0001\nProcedimiento: 7\nPaso: 02\nRol: jefe\nSigned-off-by: Ana López <alopez@igss.gob.gt>\n"
        _ = try Sandbox.gitOut(["commit", "-q", "--allow-empty", "-m", msg, "--author", "Ana López <alopez@igss.gob.gt>"], in: a, env: SharedRepository.gitDate)
        let rejected = try shared.push(a)
        #expect(!rejected.ok && rejected.err.contains("[role]"))
        #expect(cacheTip() == published)
        // The jefe's own step 02 lands; the cache is one commit behind (within the lag the hook reads itself).
        _ = try Sandbox.gitOut(["reset", "-q", "--hard", "HEAD~1"], in: a)
        #expect(try folio(a, "step", "COOP-2026-0001", "--as", "mrodriguez").ok)
        let within = try shared.push(a)
        #expect(within.ok && !within.err.contains("caché de historial"), "\(within.err)")
        #expect(cacheTip() == published)
    }

    @Test("a hook that cannot find folio says so in Spanish and refuses the push, not bash's 'Is a directory' for the caches' folio/ folder (staff38)")
    func hookWithoutFolio() throws {
        let shared = try SharedRepository()
        try FileManager.default.copyItem(atPath: Sandbox.projectRoot + "/scripts/hooks/post-receive", toPath: shared.bare + "/hooks/post-receive")
        try FileManager.default.createDirectory(atPath: shared.bare + "/folio", withIntermediateDirectories: true)
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        #expect(try folio(a, Self.newCooperation).ok)
        // folio not on the git user's PATH (an empty entry: the current folder, the bare repository).
        let lost = try Sandbox.git(["push", "origin", "HEAD:main"], in: a, env: ["PATH": "/usr/bin:/bin:", "FOLIO": ""])
        #expect(!lost.ok && lost.err.contains("el gancho pre-receive no encuentra el programa folio") && !lost.err.contains("Is a directory"), "\(lost.err)")
        #expect(try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare) != (try Sandbox.gitOut(["rev-parse", "HEAD"], in: a)))
        // folio on the PATH, FOLIO unset (the README's installation): the folder is not taken for the program (attack39).
        let bin = shared.box.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/folio", withDestinationPath: CLI.binary)
        let landed = try Sandbox.git(["push", "origin", "HEAD:main"], in: a, env: ["PATH": "\(bin):/usr/bin:/bin:", "FOLIO": ""])
        #expect(landed.ok && landed.err.contains("caché de historial del repositorio compartido escrita"), "\(landed.err)")
        #expect(try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare) == (try Sandbox.gitOut(["rev-parse", "HEAD"], in: a)))
    }

    @Test("with keys registered, a forged commit in a key holder's name and an unsigned step under firma: obligatoria are rejected")
    func hookRejectsForgeries() throws {
        let shared = try SharedRepository()
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        let key = try shared.box.sshKey("jefe")
        #expect(try folio(a, "roles", "key", "mrodriguez", key.publicKey, "--as", "mrodriguez").ok)
        _ = try Sandbox.gitOut(["config", "user.signingKey", key.path], in: a)
        #expect(try folio(a, Self.newCooperation).ok)
        #expect(try shared.push(a).ok)

        // An unsigned commit in the jefe's name, made with plain git by someone else.
        let msg = "COOP-2026-0001 paso 02\n\nExpediente: COOP-2026-0001\nProcedimiento: 7\nPaso: 02\nRol: jefe\nSigned-off-by: María Rodríguez <mrodriguez@igss.gob.gt>\n"
        _ = try Sandbox.gitOut(["commit", "-q", "--allow-empty", "-m", msg, "--author", "María Rodríguez <mrodriguez@igss.gob.gt>"], in: a, env: SharedRepository.gitDate)
        let forged = try shared.push(a)
        #expect(!forged.ok && forged.err.contains("[signature]") && forged.err.contains("no está firmado"))
        _ = try Sandbox.gitOut(["reset", "-q", "--hard", "origin/main"], in: a)

        // The jefe requires signatures; Jorge (no key) records a step with plain git.
        let settings = try String(contentsOfFile: a + "/folio.yaml", encoding: .utf8).replacingOccurrences(of: "firma: opcional", with: "firma: obligatoria")
        try settings.write(toFile: a + "/folio.yaml", atomically: true, encoding: .utf8)
        _ = try Sandbox.gitOut(["-c", "gpg.format=ssh", "commit", "-q", "-S", "-am", "Exige firma\n\nRol: jefe\nSigned-off-by: María Rodríguez <mrodriguez@igss.gob.gt>", "--author", "María Rodríguez <mrodriguez@igss.gob.gt>"], in: a, env: SharedRepository.gitDate)
        for s in ["02", "03"] { #expect(try folio(a, "step", "COOP-2026-0001", s).ok) }
        let pushed = try shared.push(a)
        #expect(pushed.ok, "\(pushed.err)")
        let unsigned = "COOP-2026-0001 paso 04\n\nExpediente: COOP-2026-0001\nProcedimiento: 7\nPaso: 04\nRol: asistente\nSigned-off-by: Jorge Pérez <jperez@igss.gob.gt>\n"
        _ = try Sandbox.gitOut(["commit", "-q", "--allow-empty", "-m", unsigned, "--author", "Jorge Pérez <jperez@igss.gob.gt>"], in: a, env: SharedRepository.gitDate)
        let refused = try shared.push(a)
        #expect(!refused.ok && refused.err.contains("firma: obligatoria"), "\(refused.err)")
        // folio itself refuses to make that step.
        _ = try Sandbox.gitOut(["reset", "-q", "--hard", "origin/main"], in: a)
        let local = try folio(a, "step", "COOP-2026-0001", "--as", "jperez")
        #expect(local.status == 1 && local.err.contains("firma: obligatoria"))
        // git verify-commit accepts folio's signed steps with the allowed-signers file folio prints.
        let allowed = shared.box.path + "/allowed"
        try (try folio(a, "roles", "allowed-signers").out).write(toFile: allowed, atomically: true, encoding: .utf8)
        let verified = try Sandbox.git(["-c", "gpg.ssh.allowedSignersFile=\(allowed)", "-c", "gpg.format=ssh", "verify-commit", "HEAD"], in: a)
        #expect(verified.ok, "\(verified.err)")
    }

    @Test("sync: steps on different cases from two clones both land; a case number taken meanwhile is renumbered")
    func syncDifferentCases() throws {
        let shared = try SharedRepository()
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        let b = try shared.clone("b", user: "Ana López", email: "alopez@igss.gob.gt")
        #expect(try folio(a, Self.newCooperation).out == "COOP-2026-0001\n")
        // A remote that is a path on this machine: the push bypasses the server's hooks, and sync says so (staff38).
        let first = try folio(a, "sync")
        #expect(first.ok && first.err.contains("Aviso: el remoto origin es una ruta de esta máquina (\(shared.bare)") && first.err.contains("sin los ganchos"), "\(first.err)")
        let received = try folio(b, "sync")
        #expect(received.out.contains("Commits recibidos: 1;") && !received.err.contains("Aviso"), "\(received.err)")
        // Offline, each clone steps a different case and opens a new project: both take PI-2026-0001.
        #expect(try folio(a, "step", "COOP-2026-0001").ok)
        #expect(try folio(a, "new", "4", "--title", "Hospital A", "--set", "snip=1111", "--set", "unidad_ejecutora=DIP",
                          "--as", "mrodriguez").out == "PI-2026-0001\n")
        // Clone b's project comes with a document: its index names the case too.
        try Data("perfil del proyecto B".utf8).write(to: URL(fileURLWithPath: b + "/../perfil-b.pdf"))
        #expect(try folio(b, "new", "4", "--title", "Hospital B", "--set", "snip=2222", "--set", "unidad_ejecutora=DIP",
                          "--attach", "../perfil-b.pdf", "--as", "mrodriguez").out == "PI-2026-0001\n")
        // A hand-written line in the expediente, recorded with the step: renumbering keeps it. (The index is
        // written by folio from its front matter: a line added there by hand is written over by the step.)
        let handFile = b + "/cases/2026/PI-2026-0001/expediente.md"
        try (try String(contentsOfFile: handFile, encoding: .utf8) + "\nNota a mano: el plano llega en diciembre.\n")
            .write(toFile: handFile, atomically: true, encoding: .utf8)
        #expect(try folio(b, "step", "PI-2026-0001", "--as", "mrodriguez", "-m", "Instruye").ok)
        #expect(try folio(a, "sync").out.contains("publicados: 2"))
        let synced = try folio(b, "sync")
        #expect(synced.ok, "\(synced.err)")
        #expect(synced.out.contains("El expediente PI-2026-0001 se publicó como PI-2026-0002"))
        let remote = try Sandbox.gitOut(["log", "--format=%s", "main"], in: shared.bare).split(separator: "\n").map(String.init)
        #expect(remote.prefix(4).map { String($0.prefix(21)) } == ["PI-2026-0002 paso 02:", "PI-2026-0002 paso 01:", "PI-2026-0001 paso 01:",
                                                                  "COOP-2026-0001 paso 0"])
        let expediente = try String(contentsOfFile: b + "/cases/2026/PI-2026-0002/expediente.md", encoding: .utf8)
        #expect(expediente.contains("id: PI-2026-0002") && expediente.contains("Hospital B"))
        let index = try String(contentsOfFile: b + "/cases/2026/PI-2026-0002/indice.md", encoding: .utf8)
        #expect(index.contains("identificador: PI-2026-0002") && index.contains("# Índice del expediente PI-2026-0002"), "\(index)")
        #expect(!index.contains("PI-2026-0001") && index.contains("perfil-b.pdf"))
        #expect(expediente.contains("Nota a mano: el plano llega en diciembre."), "\(expediente)")
        let trailers = try Sandbox.gitOut(["log", "-1", "--format=%(trailers:key=Expediente,valueonly)", "main"], in: shared.bare)
        #expect(trailers == "PI-2026-0002")
        #expect(try folio(b, "verify").ok)
        #expect(try folio(a, "sync").out.contains("Commits recibidos: 2;"))
        #expect(try Sandbox.gitOut(["rev-parse", "HEAD"], in: a) == (try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare)))
        #expect(try Sandbox.git(["fsck", "--strict"], in: shared.bare).ok)
    }

    @Test("sync: a step recorded offline by someone a jefe renamed meanwhile lands under the name roles.yaml now gives, its sign-off and routing slip with it")
    func syncAfterRename() throws {
        let (shared, a, b) = try publishedCase()
        #expect(try folio(b, "step", "COOP-2026-0001", "-m", "Revisado").ok)
        // Meanwhile, in the other clone, the jefa corrects her own name in roles.yaml (a jefe's commit) and publishes it.
        let roles = a + "/roles.yaml"
        try (try String(contentsOfFile: roles, encoding: .utf8)).replacingOccurrences(of: "nombre: María Rodríguez", with: "nombre: María José Rodríguez")
            .write(toFile: roles, atomically: true, encoding: .utf8)
        let jefa = ["GIT_AUTHOR_NAME": "María Rodríguez", "GIT_AUTHOR_EMAIL": "mrodriguez@igss.gob.gt",
                    "GIT_COMMITTER_NAME": "María Rodríguez", "GIT_COMMITTER_EMAIL": "mrodriguez@igss.gob.gt"]
        _ = try Sandbox.gitOut(["commit", "-qam", "Corrige un nombre"], in: a, env: SharedRepository.gitDate.merging(jefa) { $1 })
        let pushed = try shared.push(a)
        #expect(pushed.ok, "\(pushed.err)")
        // helper138: the replayed step kept the old name, and sync, verify and the hook refused it ([author]).
        let synced = try folio(b, "sync")
        #expect(synced.ok, "\(synced.err)")
        let landed = try Sandbox.gitOut(["log", "-1", "--format=%an <%ae>%n%cn%n%(trailers:key=Signed-off-by,valueonly)", "main"], in: shared.bare)
        #expect(landed == "María José Rodríguez <mrodriguez@igss.gob.gt>\nMaría José Rodríguez\nMaría José Rodríguez <mrodriguez@igss.gob.gt>", "\(landed)")
        let slip = try String(contentsOfFile: b + "/cases/2026/COOP-2026-0001/hoja-de-ruta.md", encoding: .utf8)
        #expect(slip.contains("| 2 | 02 | ") && slip.contains("| María José Rodríguez |") && slip.contains("| María Rodríguez |"), "\(slip)")
        let verify = try folio(b, "verify")
        #expect(verify.ok && !verify.out.contains("[author]"), "\(verify.out)")
    }

    @Test("sync: the same step from two clones leaves one published and the other recoverable")
    func syncSameStep() throws {
        let (shared, a, b) = try publishedCase()
        #expect(try folio(a, "step", "COOP-2026-0001", "-m", "desde A").ok)
        let file = b + "/cases/2026/COOP-2026-0001/expediente.md"
        try (try String(contentsOfFile: file, encoding: .utf8) + "Nota de B.\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try folio(b, "step", "COOP-2026-0001", "-m", "desde B").ok)
        let mine = try Sandbox.gitOut(["rev-parse", "HEAD"], in: b)
        #expect(try folio(a, "sync").ok)
        let second = try folio(b, "sync")
        #expect(second.status == 1)
        #expect(second.err.contains("No se publicó nada") && second.err.contains("COOP-2026-0001") && second.err.contains("folio sync --drop-local"))
        // Nothing lost: the local step is still the branch's tip, and kept in a backup reference.
        #expect(try Sandbox.gitOut(["rev-parse", "HEAD"], in: b) == mine)
        let kept = try Sandbox.gitOut(["for-each-ref", "--format=%(objectname)", "refs/folio/respaldo/"], in: b)
        #expect(kept == mine)
        #expect(try Sandbox.gitOut(["log", "-1", "--format=%B", "main"], in: shared.bare).contains("desde A"))
        // Taking the shared version keeps the local step recoverable too: under the same backup reference (one per
        // commit), which the output names with the command that gets a file back.
        let dropped = try folio(b, "sync", "--drop-local")
        #expect(dropped.ok)
        let refs = try Sandbox.gitOut(["for-each-ref", "--format=%(refname)", "refs/folio/respaldo/"], in: b).split(separator: "\n")
        #expect(refs.count == 1 && dropped.out.contains("lo local quedó en \(refs[0])") && dropped.out.contains("git show \(refs[0]):RUTA"), "\(dropped.out)")
        let relative = String(file.dropFirst(b.count + 1))
        #expect(try Sandbox.gitOut(["show", "\(refs[0]):\(relative)"], in: b).contains("Nota de B."))
        #expect(try Sandbox.gitOut(["rev-parse", "HEAD"], in: b) == (try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare)))
        #expect(try Sandbox.gitOut(["cat-file", "-t", mine], in: b) == "commit")
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("Nota de B.") == false)
    }

    @Test("sync: a jefe's file in a year folder is replayed as a file beside the case folders; the same file changed in both clones is a conflict that names it")
    func syncFileInYearFolder() throws {
        let (shared, a, b) = try publishedCase()
        let dates = ["GIT_AUTHOR_DATE": "2026-11-03T10:00:00-06:00", "GIT_COMMITTER_DATE": "2026-11-03T10:00:00-06:00"]
        let jefe = "María Rodríguez <mrodriguez@igss.gob.gt>"
        // B's jefe writes a note for the year with plain git while A records a step and publishes it.
        try "Criterios de 2026\n".write(toFile: b + "/cases/2026/LEEME.txt", atomically: true, encoding: .utf8)
        _ = try Sandbox.gitOut(["add", "-A"], in: b)
        _ = try Sandbox.gitOut(["commit", "-q", "-m", "Criterios del año", "--author", jefe], in: b, env: dates)
        #expect(try folio(a, "step", "COOP-2026-0001").ok)
        #expect(try folio(a, "sync").ok)
        let synced = try folio(b, "sync", date: "2026-11-03T11:00:00-06:00")
        #expect(synced.ok, "\(synced.err)")
        #expect(try Sandbox.gitOut(["show", "main:cases/2026/LEEME.txt"], in: shared.bare) == "Criterios de 2026")
        let published = try Sandbox.gitOut(["log", "--format=%s", "-2", "main"], in: shared.bare)
        #expect(published.hasPrefix("Criterios del año\nCOOP-2026-0001 paso 02"), "\(published)")
        #expect(try folio(b, "verify", date: "2026-11-03T11:00:00-06:00").ok)
        // Both clones change it: B's is not published, and the conflict names the file.
        #expect(try folio(a, "sync", date: "2026-11-03T11:00:00-06:00").ok)
        try "Criterios de A\n".write(toFile: a + "/cases/2026/LEEME.txt", atomically: true, encoding: .utf8)
        _ = try Sandbox.gitOut(["commit", "-q", "-am", "Criterios de A", "--author", jefe], in: a, env: dates.mapValues { _ in "2026-11-03T12:00:00-06:00" })
        #expect(try folio(a, "sync", date: "2026-11-03T12:00:00-06:00").ok)
        try "Criterios de B\n".write(toFile: b + "/cases/2026/LEEME.txt", atomically: true, encoding: .utf8)
        _ = try Sandbox.gitOut(["commit", "-q", "-am", "Criterios de B", "--author", jefe], in: b, env: dates.mapValues { _ in "2026-11-03T12:00:00-06:00" })
        let conflict = try folio(b, "sync", date: "2026-11-03T12:30:00-06:00")
        #expect(conflict.status == 1 && conflict.err.contains("cases/2026/LEEME.txt cambió aquí"), "\(conflict.err)")
        #expect(try Sandbox.gitOut(["show", "main:cases/2026/LEEME.txt"], in: shared.bare) == "Criterios de A")
    }

    @Test("sync re-signs replayed steps: git verify-commit accepts them")
    func syncResigns() throws {
        let shared = try SharedRepository()
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        let key = try shared.box.sshKey("jefe")
        #expect(try folio(a, "roles", "key", "mrodriguez", key.publicKey, "--as", "mrodriguez").ok)
        _ = try Sandbox.gitOut(["config", "user.signingKey", key.path], in: a)
        #expect(try folio(a, Self.newCooperation).ok)
        #expect(try folio(a, "sync").ok)
        let b = try shared.clone("b", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        _ = try Sandbox.gitOut(["config", "user.signingKey", key.path], in: b)
        #expect(try folio(a, "new", "7", "--title", "Otra", "--set", "organismo=CISS", "--set", "fortalece_capacidades=true", "--set", "organismo_especializado=true", "--set", "involucra_personal=false").ok)
        #expect(try folio(b, "step", "COOP-2026-0001").ok)
        #expect(try folio(a, "sync").ok)
        let synced = try folio(b, "sync")
        #expect(synced.ok, "\(synced.err)")
        let allowed = shared.box.path + "/allowed"
        try (try folio(b, "roles", "allowed-signers").out).write(toFile: allowed, atomically: true, encoding: .utf8)
        let verified = try Sandbox.git(["-c", "gpg.ssh.allowedSignersFile=\(allowed)", "-c", "gpg.format=ssh", "verify-commit", "main"],
                                       in: shared.bare)
        #expect(verified.ok && verified.err.contains("Good"), "\(verified.err)")
        #expect(try Sandbox.gitOut(["log", "-1", "--format=%s", "main"], in: shared.bare).hasPrefix("COOP-2026-0001 paso 02"))
    }

    @Test("sync: two dependencies' steps of one month, recorded in two clones, combine; the routing slip lists both")
    func syncTwoDependencies() throws {
        let shared = try SharedRepository()
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        let date = "2026-11-27T09:00:00-06:00"
        for (id, name, code) in [("hge", "Luis Ajú", "HGE"), ("hro", "Rosa Tzul", "HRO")] {
            #expect(try folio(a, "roles", "add", id, "--name", name, "--email", "\(id)@igss.gob.gt", "--role", "dependencia",
                              "--dependency", code, "--as", "mrodriguez").ok)
        }
        #expect(try folio(a, "new", "3", "--month", "2026-11", "--as", "mrodriguez", date: date).out == "PROD-2026-11\n")
        #expect(try folio(a, "sync", date: date).ok)
        let b = try shared.clone("b", user: "Ana López", email: "alopez@igss.gob.gt")
        let csv = "programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado\nEMA,Consultas médicas,consulta,1250,1200,0\n"
        // HRO's contact records first, offline; HGE's records later and publishes first.
        for (dir, code, when) in [(a, "HGE", "2026-11-27T10:30:00-06:00"), (b, "HRO", "2026-11-27T09:30:00-06:00")] {
            try FileManager.default.createDirectory(atPath: dir + "/cases/2026/PROD-2026-11/produccion", withIntermediateDirectories: true)
            try csv.write(toFile: dir + "/cases/2026/PROD-2026-11/produccion/\(code).csv", atomically: true, encoding: .utf8)
            let step = try folio(dir, "step", "PROD-2026-11", "01", "--dependency", code, "--as", code.lowercased(), "-m", "Producción de \(code)",
                                 date: when)
            #expect(step.ok, "\(step.err)")
        }
        #expect(try folio(a, "sync", date: "2026-11-27T10:40:00-06:00").ok)
        let synced = try folio(b, "sync", date: "2026-11-27T10:50:00-06:00")
        #expect(synced.ok && synced.out.contains("publicados: 1"), "\(synced.err)")
        #expect(try folio(b, "verify", date: "2026-11-27T10:50:00-06:00").ok)
        let folder = "cases/2026/PROD-2026-11"
        let files = try Sandbox.gitOut(["ls-tree", "-r", "--name-only", "main", folder + "/produccion"], in: shared.bare)
        #expect(files.split(separator: "\n") == ["\(folder)/produccion/HGE.csv", "\(folder)/produccion/HRO.csv"])
        let slip = try Sandbox.gitOut(["show", "main:\(folder)/hoja-de-ruta.md"], in: shared.bare)
        #expect(slip.contains("| HGE | Producción de HGE |") && slip.contains("| HRO | Producción de HRO |"))
        let logged = try folio(b, "log", "PROD-2026-11", "--json", date: "2026-11-27T10:50:00-06:00").out
        let commits = try Sandbox.gitOut(["log", "--format=%H", "main", "--", folder], in: shared.bare).split(separator: "\n")
        #expect(commits.count == 3 && commits.allSatisfy { logged.contains(String($0)) })
        // The dates of offline work interleave, within bounds: a note may precede the dependencies' steps but not the
        // case's own opening; checked on a note whose declared date is moved by hand.
        try "Revisado.\n".write(toFile: b + "/\(folder)/nota.md", atomically: true, encoding: .utf8)
        #expect(try folio(b, "note", "PROD-2026-11", "-m", "Revisión", "--as", "alopez", date: "2026-11-27T11:00:00-06:00").ok)
        func dateFindings(declared: String) throws -> [String] {
            _ = try Sandbox.gitOut(["commit", "-q", "--amend", "--no-edit", "--date=\(declared)"], in: b,
                                   env: ["GIT_COMMITTER_DATE": "2026-11-27T11:00:00-06:00"])
            let report = try folio(b, "verify", "--json", date: "2026-11-27T11:00:00-06:00").out
            let found = ((try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])?["violations"] as? [[String: Any]]) ?? []
            return found.filter { $0["rule"] as? String == "fecha" }.compactMap { $0["message"] as? String }
        }
        #expect(try dateFindings(declared: "2026-11-27T09:15:00-06:00").isEmpty, "before both dependencies' steps, after the opening")
        let early = try dateFindings(declared: "2026-11-27T08:00:00-06:00")
        #expect(early.count == 1 && early[0].contains("2026-11-27T09:00:00-06:00"), "before the opening: \(early)")
    }

    @Test("through the hook: a dependency's step recorded offline before another's published one lands; one dated before the case's opening is refused")
    func dependencyDatesThroughHook() throws {
        let shared = try SharedRepository()
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        for (id, name, code) in [("hge", "Luis Ajú", "HGE"), ("hro", "Rosa Tzul", "HRO"), ("hes", "Carlos Sis", "HES")] {
            #expect(try folio(a, "roles", "add", id, "--name", name, "--email", "\(id)@igss.gob.gt", "--role", "dependencia",
                              "--dependency", code, "--as", "mrodriguez").ok)
        }
        #expect(try folio(a, "new", "3", "--month", "2026-11", "--as", "mrodriguez", date: "2026-11-27T09:00:00-06:00").ok)
        #expect(try folio(a, "sync", date: "2026-11-27T09:00:00-06:00").ok)
        let folder = "cases/2026/PROD-2026-11"
        let csv = "programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado\nEMA,Consultas médicas,consulta,1250,1200,0\n"
        func record(_ dir: String, _ code: String, at date: String) throws {
            try FileManager.default.createDirectory(atPath: dir + "/\(folder)/produccion", withIntermediateDirectories: true)
            try csv.write(toFile: dir + "/\(folder)/produccion/\(code).csv", atomically: true, encoding: .utf8)
            let step = try folio(dir, "step", "PROD-2026-11", "01", "--dependency", code, "--as", code.lowercased(), date: date)
            #expect(step.ok, "\(step.err)")
        }
        // HGE's contact records at 09:30, offline; HRO's records at 10:30 and publishes first, with plain git.
        let hge = try shared.clone("hge", user: "Luis Ajú", email: "hge@igss.gob.gt")
        let hro = try shared.clone("hro", user: "Rosa Tzul", email: "hro@igss.gob.gt")
        try record(hge, "HGE", at: "2026-11-27T09:30:00-06:00")
        try record(hro, "HRO", at: "2026-11-27T10:30:00-06:00")
        let first = try shared.push(hro)
        #expect(first.ok, "\(first.err)")
        // HGE's step, replayed on top of HRO's by sync, keeps its declared 09:30: the hook takes it on a plain push.
        let published = try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare)
        #expect(try folio(hge, "sync", date: "2026-11-27T10:40:00-06:00").ok)
        let replayed = try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare)
        _ = try Sandbox.gitOut(["update-ref", "refs/heads/main", published], in: shared.bare)
        let second = try shared.push(hge)
        #expect(second.ok, "el gancho rechazó el paso de HGE anterior al de HRO: \(second.err)")
        #expect(try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare) == replayed)
        #expect(try Sandbox.gitOut(["log", "-1", "--format=%aI", "main"], in: shared.bare) == "2026-11-27T09:30:00-06:00")
        // The round's status tells the dependencies that began from those with no step yet.
        let status = try folio(hge, "status", "PROD-2026-11", date: "2026-11-27T10:50:00-06:00").out
        #expect(status.contains("Dependencias esperadas (roles.yaml o dependencias_esperadas) sin terminar: HGE, HRO; sin ningún paso todavía: HES"),
                "\(status)")
        // A dependency's step dated before the case's opening (08:30, the opening is at 09:00) is refused, named with the
        // opening's date; the shared branch does not move.
        let late = try shared.clone("hes", user: "Carlos Sis", email: "hes@igss.gob.gt")
        try record(late, "HES", at: "2026-11-27T10:45:00-06:00")
        _ = try Sandbox.gitOut(["commit", "-q", "--amend", "--no-edit", "--date=2026-11-27T08:30:00-06:00"], in: late,
                               env: ["GIT_COMMITTER_DATE": "2026-11-27T10:45:00-06:00"])
        let forged = try Sandbox.gitOut(["rev-parse", "HEAD"], in: late)
        let refused = try shared.push(late)
        #expect(!refused.ok && refused.err.contains("[fecha]") && refused.err.contains(String(forged.prefix(7)))
                && refused.err.contains("2026-11-27T09:00:00-06:00"), "\(refused.err)")
        #expect(try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare) == replayed)
    }

    /// The jefe's clone of `shared` with HGE's contact, the secretaria and `others` registered, and
    /// November's P3 case opened with HGE's step 01 (figures `csv`) in `folder`, not yet synced.
    func productionMonth(_ shared: SharedRepository, others: [(String, String, String, String)] = []) throws -> (clone: String, folder: String, csv: String) {
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        for (id, name, role, code) in [("hge", "Luis Ajú", "dependencia", "HGE"), ("cmendez", "Carla Méndez", "secretaria", "")] + others {
            #expect(try folio(a, ["roles", "add", id, "--name", name, "--email", "\(id)@igss.gob.gt", "--role", role]
                                  + (code.isEmpty ? [] : ["--dependency", code]) + ["--as", "mrodriguez"]).ok)
        }
        #expect(try folio(a, "new", "3", "--month", "2026-11", "--as", "mrodriguez", date: "2026-11-27T09:00:00-06:00").ok)
        let folder = "cases/2026/PROD-2026-11"
        let csv = "programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado\nEMA,Consultas médicas,consulta,1250,1200,0\n"
        try FileManager.default.createDirectory(atPath: a + "/\(folder)/produccion", withIntermediateDirectories: true)
        try csv.write(toFile: a + "/\(folder)/produccion/HGE.csv", atomically: true, encoding: .utf8)
        #expect(try folio(a, "step", "PROD-2026-11", "01", "--dependency", "HGE", "--as", "hge", date: "2026-11-27T10:00:00-06:00").ok)
        return (a, folder, csv)
    }

    @Test("a dependency's data is written only by its contact: another contact's or the staff's change is refused by the hook; folio's staff steps and notes leave it out")
    func dependencyData() throws {
        let shared = try SharedRepository()
        let (a, folder, csv) = try productionMonth(shared, others: [("hro", "Rosa Tzul", "dependencia", "HRO")])
        #expect(try folio(a, "sync", date: "2026-11-27T10:00:00-06:00").ok)
        let later = ["GIT_AUTHOR_DATE": "2026-11-27T11:00:00-06:00", "GIT_COMMITTER_DATE": "2026-11-27T11:00:00-06:00"]
        /// A plain-git commit of `file` with `text`, by `who`, pushed: the push's result.
        func plainPush(_ who: String, _ name: String, _ file: String, _ text: String, at date: String? = nil) throws -> Run {
            let dir = try shared.clone("\(who)-\(UUID().uuidString.prefix(6))", user: name, email: "\(who)@igss.gob.gt")
            try FileManager.default.createDirectory(atPath: ((dir + "/\(folder)/\(file)") as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: dir + "/\(folder)/\(file)", atomically: true, encoding: .utf8)
            _ = try Sandbox.gitOut(["add", "-A"], in: dir)
            _ = try Sandbox.gitOut(["commit", "-q", "-m", "cifras", "--author", "\(name) <\(who)@igss.gob.gt>"], in: dir,
                                   env: date.map { ["GIT_AUTHOR_DATE": $0, "GIT_COMMITTER_DATE": $0] } ?? later)
            return try shared.push(dir)
        }
        let before = try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare)
        // HGE's contact plants HRO's figures; the secretaria changes HGE's: both refused, the file and the rule named.
        let planted = try plainPush("hge", "Luis Ajú", "produccion/HRO.csv", csv.replacingOccurrences(of: "1200", with: "99999"))
        #expect(!planted.ok && planted.err.contains("[datos-dependencia]") && planted.err.contains("\(folder)/produccion/HRO.csv"), "\(planted.err)")
        let changed = try plainPush("cmendez", "Carla Méndez", "produccion/HGE.csv", csv.replacingOccurrences(of: "1200", with: "1"))
        #expect(!changed.ok && changed.err.contains("[datos-dependencia]") && changed.err.contains("el enlace de HGE"), "\(changed.err)")
        // Nor a near name that a reader could take for HRO's data, by anyone (attack16q).
        for near in ["hro.csv", "HRO.CSV", "HRO .csv", "HRÓ.csv", "sub/HRO.csv"] {
            let pushed = try plainPush("hge", "Luis Ajú", "produccion/" + near, csv)
            #expect(!pushed.ok && pushed.err.contains("[datos-dependencia]"), "\(near): \(pushed.err)")
        }
        #expect(try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare) == before)
        // HGE's own contact corrects them with plain git: an edit outside folio, a warning only.
        let own = try plainPush("hge", "Luis Ajú", "produccion/HGE.csv", csv.replacingOccurrences(of: "1200", with: "1210"))
        #expect(own.ok, "\(own.err)")
        // Through folio, the secretaria's step 02 for HGE and her note leave HGE's changed figures out of their commits.
        let sec = try shared.clone("sec", user: "Carla Méndez", email: "cmendez@igss.gob.gt")
        try csv.replacingOccurrences(of: "1200", with: "5").write(toFile: sec + "/\(folder)/produccion/HGE.csv", atomically: true, encoding: .utf8)
        let step = try folio(sec, "step", "PROD-2026-11", "02", "--dependency", "HGE", "--as", "cmendez", date: "2026-11-27T12:00:00-06:00")
        #expect(step.ok, "\(step.err)")
        try "Correspondencia registrada.\n".write(toFile: sec + "/\(folder)/nota.md", atomically: true, encoding: .utf8)
        let note = try folio(sec, "note", "PROD-2026-11", "-m", "Nota", "--as", "cmendez", date: "2026-11-27T12:10:00-06:00")
        #expect(note.ok, "\(note.err)")
        let committed = try Sandbox.gitOut(["log", "--name-only", "--format=", "origin/main..HEAD"], in: sec)
        #expect(!committed.contains("HGE.csv") && committed.contains("nota.md"), "\(committed)")
        #expect(try Sandbox.gitOut(["status", "--porcelain"], in: sec).contains("produccion/HGE.csv"))
        let pushed = try shared.push(sec)
        #expect(pushed.ok, "\(pushed.err)")
        // HGE's review is written by the analyst's step 03 only: a plain-git edit of it afterwards,
        // by the analyst herself, is refused, and her note leaves an edited review out (attack16q).
        let analyst = try shared.clone("analista", user: "Ana López", email: "alopez@igss.gob.gt")
        let review = try folio(analyst, "step", "PROD-2026-11", "03", "--dependency", "HGE", "--as", "alopez", date: "2026-11-27T13:00:00-06:00")
        #expect(review.ok, "\(review.err)")
        #expect(try Sandbox.gitOut(["show", "--name-only", "--format=", "HEAD"], in: analyst).contains("produccion/HGE-revision.md"))
        #expect(try folio(analyst, "sync", date: "2026-11-27T13:00:00-06:00").ok)
        let forged = try plainPush("alopez", "Ana López", "produccion/HGE-revision.md", "# Revisión\n\nSin hallazgos.\n")
        #expect(!forged.ok && forged.err.contains("[datos-dependencia]") && forged.err.contains("HGE-revision.md"), "\(forged.err)")
        try "# Revisión\n\nSin hallazgos.\n".write(toFile: analyst + "/\(folder)/produccion/HGE-revision.md", atomically: true, encoding: .utf8)
        try "Revisado.\n".write(toFile: analyst + "/\(folder)/nota-revision.md", atomically: true, encoding: .utf8)
        #expect(try folio(analyst, "note", "PROD-2026-11", "-m", "Revisado", "--as", "alopez", date: "2026-11-27T13:10:00-06:00").ok)
        let noted = try Sandbox.gitOut(["show", "--name-only", "--format=", "HEAD"], in: analyst)
        #expect(!noted.contains("HGE-revision.md") && noted.contains("nota-revision.md"), "\(noted)")
        #expect(try shared.push(analyst).ok)
        // Once the analyst approved HGE's figures (04 "si"), its own contact's plain-git change is refused too (attack16s).
        let approve = try folio(analyst, "step", "PROD-2026-11", "04", "--dependency", "HGE", "--decision", "si", "--justificacion", "Cierre adelantado",
                                "--as", "alopez", date: "2026-11-27T14:00:00-06:00")
        #expect(approve.ok, "\(approve.err)")
        #expect(try shared.push(analyst).ok)
        let late = try plainPush("hge", "Luis Ajú", "produccion/HGE.csv", csv.replacingOccurrences(of: "1200", with: "1300"), at: "2026-11-27T15:00:00-06:00")
        #expect(!late.ok && late.err.contains("[datos-dependencia]") && late.err.contains("después de que quedaron fijados en el paso 04"), "\(late.err)")
    }

    @Test("a review recorded offline is of the figures it read: replayed onto the contact's correction, sync and the hook refuse it")
    func staleReview() throws {
        let shared = try SharedRepository()
        let (a, folder, csv) = try productionMonth(shared)
        #expect(try folio(a, "step", "PROD-2026-11", "02", "--dependency", "HGE", "--as", "cmendez", date: "2026-11-27T10:10:00-06:00").ok)
        #expect(try folio(a, "sync", date: "2026-11-27T10:10:00-06:00").ok)
        // The analyst reviews HGE's figures offline; meanwhile HGE's contact corrects them and publishes first.
        let analyst = try shared.clone("analista", user: "Ana López", email: "alopez@igss.gob.gt")
        let review = try folio(analyst, "step", "PROD-2026-11", "03", "--dependency", "HGE", "--as", "alopez", date: "2026-11-27T11:00:00-06:00")
        #expect(review.ok, "\(review.err)")
        let read = try Sandbox.gitOut(["rev-parse", "HEAD:\(folder)/produccion/HGE.csv"], in: analyst)
        #expect(try Sandbox.gitOut(["show", "HEAD:\(folder)/produccion/HGE-revision.md"], in: analyst).contains("datos_revisados: \(read)"))
        let contact = try shared.clone("hge", user: "Luis Ajú", email: "hge@igss.gob.gt")
        try csv.replacingOccurrences(of: "1200", with: "12000").write(toFile: contact + "/\(folder)/produccion/HGE.csv", atomically: true, encoding: .utf8)
        #expect(try folio(contact, "note", "PROD-2026-11", "-m", "Corrige consultas", "--as", "hge", date: "2026-11-27T11:05:00-06:00").ok)
        #expect(try folio(contact, "sync", date: "2026-11-27T11:05:00-06:00").ok)
        // folio sync replays the review onto the corrected figures: it refuses, naming the rule.
        let synced = try folio(analyst, "sync", date: "2026-11-27T11:10:00-06:00")
        #expect(!synced.ok && synced.err.contains("el paso 03 de PROD-2026-11 [HGE]") && synced.err.contains("\(folder)/produccion/HGE.csv")
                && synced.err.contains("que Luis Ajú cambió después") && synced.err.contains("su revisión es de las cifras anteriores")
                && synced.err.contains("folio sync --drop-local"), "\(synced.out)\(synced.err)")
        // Plain git does the same replay: the hook refuses it.
        _ = try Sandbox.gitOut(["pull", "-q", "--rebase", "-X", "theirs", "origin", "main"], in: analyst,
                               env: ["GIT_AUTHOR_DATE": "2026-11-27T11:10:00-06:00", "GIT_COMMITTER_DATE": "2026-11-27T11:10:00-06:00"])
        let pushed = try shared.push(analyst)
        #expect(!pushed.ok && pushed.err.contains("[datos-dependencia]") && pushed.err.contains("leyó otras cifras"), "\(pushed.err)")
        // The way out: the local step dropped and the review recorded again, of the figures there are now.
        let dropped = try folio(analyst, "sync", "--drop-local", date: "2026-11-27T11:10:00-06:00")
        #expect(dropped.ok && dropped.out.contains("Quedaron fuera de la rama") && dropped.out.contains("PROD-2026-11 paso 03 [HGE]"), "\(dropped.out)")
        #expect(try folio(analyst, "step", "PROD-2026-11", "03", "--dependency", "HGE", "--as", "alopez", date: "2026-11-27T11:15:00-06:00").ok)
        let now = try Sandbox.gitOut(["rev-parse", "HEAD:\(folder)/produccion/HGE.csv"], in: analyst)
        let again = try Sandbox.gitOut(["show", "HEAD:\(folder)/produccion/HGE-revision.md"], in: analyst)
        #expect(now != read && again.contains("datos_revisados: \(now)"))
        let approve = try folio(analyst, "step", "PROD-2026-11", "04", "--dependency", "HGE", "--decision", "si", "--justificacion", "Cierre adelantado",
                                "--as", "alopez", date: "2026-11-27T11:20:00-06:00")
        #expect(approve.ok, "\(approve.err)")
        let final = try folio(analyst, "sync", date: "2026-11-27T11:20:00-06:00")
        #expect(final.ok, "\(final.err)")
    }

    @Test("P5: the analyst's step 02 recorded offline while a unit corrected its figures is not replayed onto them")
    func staleMonthCheck() throws {
        let shared = try SharedRepository()
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        #expect(try folio(a, ["roles", "add", "dip", "--name", "Pedro Xol", "--email", "dip@igss.gob.gt", "--role", "unidad-ejecutora",
                              "--dependency", "DIP", "--as", "mrodriguez"]).ok)
        #expect(try folio(a, "new", "5", "--month", "2026-11", "--as", "mrodriguez", date: "2026-11-27T09:00:00-06:00").ok)
        let folder = "cases/2026/AMF-2026-11"
        let csv = "snip,proyecto,unidad_medida,meta_fisica,avance_fisico,presupuesto,ejecutado,motivos\n0289347,Hospital,metro cuadrado,12000,350,2500000,2100000,\n"
        try FileManager.default.createDirectory(atPath: a + "/\(folder)/avance", withIntermediateDirectories: true)
        try csv.write(toFile: a + "/\(folder)/avance/DIP.csv", atomically: true, encoding: .utf8)
        let first = try folio(a, "step", "AMF-2026-11", "01", "--dependency", "DIP", "--as", "dip", date: "2026-11-27T10:00:00-06:00")
        #expect(first.ok, "\(first.err)")
        #expect(try folio(a, "sync", date: "2026-11-27T10:00:00-06:00").ok)
        let analyst = try shared.clone("analista", user: "Ana López", email: "alopez@igss.gob.gt")
        let unit = try shared.clone("dip", user: "Pedro Xol", email: "dip@igss.gob.gt")
        try "Observación del analista.\n".write(toFile: analyst + "/\(folder)/observacion.md", atomically: true, encoding: .utf8)
        #expect(try folio(analyst, "note", "AMF-2026-11", "-m", "Observación", "--as", "alopez", date: "2026-12-01T08:50:00-06:00").ok)
        let check = try folio(analyst, "step", "AMF-2026-11", "02", "--set", "publicacion=https://snip.segeplan.gob.gt", "--as", "alopez",
                              date: "2026-12-01T09:00:00-06:00")
        #expect(check.ok, "\(check.err)")
        try csv.replacingOccurrences(of: ",350,", with: ",3500,").write(toFile: unit + "/\(folder)/avance/DIP.csv", atomically: true, encoding: .utf8)
        #expect(try folio(unit, "note", "AMF-2026-11", "-m", "Corrige el avance", "--as", "dip", date: "2026-12-01T09:05:00-06:00").ok)
        #expect(try folio(unit, "sync", date: "2026-12-01T09:05:00-06:00").ok)
        let synced = try folio(analyst, "sync", date: "2026-12-01T09:10:00-06:00")
        #expect(!synced.ok && synced.err.contains("el paso 02 de AMF-2026-11") && synced.err.contains("\(folder)/avance/DIP.csv")
                && synced.err.contains("lo que verificó fue de las cifras anteriores"), "\(synced.err)")
        // Every local commit left unpublished is named, the note that did not clash too (staff16v).
        #expect(synced.err.contains("Sin publicar quedan todos sus commits locales") && synced.err.contains("AMF-2026-11: nota, Observación"), "\(synced.err)")
        // Taken again over the corrected figures, the step goes through; --drop-local names what it took off.
        let dropped = try folio(analyst, "sync", "--drop-local", date: "2026-12-01T09:10:00-06:00")
        #expect(dropped.ok && dropped.out.contains("Quedaron fuera de la rama") && dropped.out.contains("Observación")
                && dropped.out.contains("AMF-2026-11 paso 02"), "\(dropped.out)")
        let again = try folio(analyst, "step", "AMF-2026-11", "02", "--set", "publicacion=https://snip.segeplan.gob.gt", "--as", "alopez",
                              date: "2026-12-01T09:15:00-06:00")
        #expect(again.ok, "\(again.err)")
        let published = try folio(analyst, "sync", date: "2026-12-01T09:15:00-06:00")
        #expect(published.ok, "\(published.err)")
    }

    @Test("sync: two dependencies' POAs archived in two clones combine; the index numbers both, no file overwritten")
    func syncTwoArchives() throws {
        let shared = try SharedRepository()
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        let poa = try folio(a, "new", "2", "--title", "POA 2027", "--set", "coordinacion=Presupuesto",
                            "--set", "coordinacion_anteproyecto=Acta 14-2026", "--as", "mrodriguez").out.trimmingCharacters(in: .whitespacesAndNewlines)
        for who in ["mrodriguez", "jperez", "jperez", "mrodriguez", "mrodriguez", "mrodriguez", "mrodriguez", "mrodriguez"] {
            let r = try folio(a, "step", poa, "--as", who)
            #expect(r.ok, "\(r.err)")
        }
        // No contact is registered here: the jefe lists the dependencies the round expects.
        let file = a + "/cases/2026/\(poa)/expediente.md"
        try ("---\ndependencias_esperadas: [HGE, HRO]\n" + String(try String(contentsOfFile: file, encoding: .utf8).dropFirst(4)))
            .write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try folio(a, "note", poa, "-m", "Se esperan los POA de HGE y HRO", "--as", "mrodriguez").ok)
        let review = "---\norientaciones_estrategicas: true\nanteproyecto_presupuesto: true\npresta_servicios: true\ncapacidad_instalada: true\nhistorial_produccion: true\n---\n"
        for code in ["HGE", "HRO"] {
            #expect(try folio(a, "step", poa, "10", "--dependency", code, "--as", "alopez").ok)
            try FileManager.default.createDirectory(atPath: a + "/cases/2026/\(poa)/dependencias/\(code)", withIntermediateDirectories: true)
            try review.write(toFile: a + "/cases/2026/\(poa)/dependencias/\(code)/revision.md", atomically: true, encoding: .utf8)
            let r = try folio(a, "step", poa, "11", "--dependency", code, "--as", "alopez")
            #expect(r.ok, "\(r.err)")
        }
        #expect(try folio(a, "sync").ok)
        let b = try shared.clone("b", user: "Ana López", email: "alopez@igss.gob.gt")
        for (dir, code) in [(a, "HGE"), (b, "HRO")] {
            let pdf = shared.box.path + "/poa-\(code.lowercased()).pdf"
            try "%PDF-1.4 POA de \(code)\n".write(toFile: pdf, atomically: true, encoding: .utf8)
            let r = try folio(dir, "archive", poa, "--dependency", code, pdf, "--as", "alopez")
            #expect(r.ok, "\(r.err)")
        }
        #expect(try folio(a, "sync").ok)
        let synced = try folio(b, "sync")
        #expect(synced.ok && synced.out.contains("publicados: 1"), "\(synced.err)")
        let index = try Sandbox.gitOut(["show", "main:cases/2026/\(poa)/indice.md"], in: shared.bare)
        #expect(index.contains("| 1 | dependencias/HGE/poa-hge.pdf |") && index.contains("| 2 | dependencias/HRO/poa-hro.pdf |"), "\(index)")
        #expect(try Sandbox.gitOut(["show", "main:cases/2026/\(poa)/dependencias/HGE/poa-hge.pdf"], in: shared.bare) == "%PDF-1.4 POA de HGE")
        var verified = try folio(b, "verify")
        #expect(verified.ok, "\(verified.out)")
        #expect(try folio(b, "status", poa, "--json").out.contains("\"state\" : \"closed\""))
        // Two documents attached offline to the closed case: the later one published first; both kept, in order of arrival.
        for (dir, name, when) in [(a, "acta", "2026-11-05T11:00:00-06:00"), (b, "oficio", "2026-11-05T10:00:00-06:00")] {
            let pdf = shared.box.path + "/\(name).pdf"
            try "%PDF-1.4 \(name)\n".write(toFile: pdf, atomically: true, encoding: .utf8)
            let r = try folio(dir, "attach", poa, pdf, "--as", "alopez", date: when)
            #expect(r.ok, "\(r.err)")
        }
        #expect(try folio(a, "sync", date: "2026-11-05T11:10:00-06:00").ok)
        let second = try folio(b, "sync", date: "2026-11-05T11:20:00-06:00")
        #expect(second.ok, "\(second.err)")
        let after = try Sandbox.gitOut(["show", "main:cases/2026/\(poa)/indice.md"], in: shared.bare)
        #expect(after.contains("| 3 | anexos/acta.pdf |") && after.contains("| 4 | anexos/oficio.pdf |"), "\(after)")
        verified = try folio(b, "verify", date: "2026-11-05T11:20:00-06:00")
        #expect(verified.ok, "\(verified.out)")
        // The same bytes attached in both clones under two names: the second to publish is refused as a copy, nothing lands.
        for (dir, name) in [(a, "minuta.pdf"), (b, "minuta-copia.pdf")] {
            let pdf = shared.box.path + "/\(name)"
            try "%PDF-1.4 minuta\n".write(toFile: pdf, atomically: true, encoding: .utf8)
            #expect(try folio(dir, "attach", poa, pdf, "--as", "alopez", date: "2026-11-05T12:00:00-06:00").ok)
        }
        #expect(try folio(a, "sync", date: "2026-11-05T12:10:00-06:00").ok)
        let before = try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare)
        let copied = try folio(b, "sync", date: "2026-11-05T12:20:00-06:00")
        #expect(!copied.ok && copied.err.contains("es una copia") && copied.err.contains("[archive]"), "\(copied.err)")
        #expect(try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare) == before)
    }
}
