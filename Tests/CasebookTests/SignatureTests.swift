@testable import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("SSH-signed steps and verify that explains")
struct SignatureTests {
    /// A repository where the jefe has a registered key and git signs with it.
    func signedRepo() throws -> (CaseRepo, jefe: (path: String, publicKey: String)) {
        let repo = try CaseRepo()
        let key = try repo.box.sshKey("jefe")
        try repo.book.setKey(key.publicKey, for: "mrodriguez", actor: "mrodriguez")
        try repo.git(["config", "user.signingKey", key.path])
        return (repo, key)
    }

    func allowedSigners(_ repo: CaseRepo) throws -> String {
        let file = repo.box.path + "/allowed_signers"
        try repo.book.allowedSigners().write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test("a persona with a key signs their steps; git verify-commit accepts them with folio's allowed-signers file")
    func signedStep() throws {
        let (repo, key) = try signedRepo()
        let roles = repo.read("roles.yaml")
        #expect(roles.contains("clave_ssh: " + key.publicKey.split(separator: " ").prefix(2).joined(separator: " ")))
        #expect(roles.contains("# Quién tiene cada rol"), "the staff's comments are kept")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "C", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"], persona: "mrodriguez")).caseID
        try repo.step(id, as: "mrodriguez")
        let allowed = try allowedSigners(repo)
        #expect(try repo.book.allowedSigners() == "mrodriguez@igss.gob.gt namespaces=\"git,folio-expediente\" \(key.publicKey.split(separator: " ").prefix(2).joined(separator: " "))\n")
        let verified = try Sandbox.git(["-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(allowed)", "verify-commit", "HEAD"], in: repo.path)
        #expect(verified.ok && verified.err.contains("Good \"git\" signature for mrodriguez@igss.gob.gt"), "\(verified.err)")
        #expect(try repo.git(["cat-file", "-p", "HEAD"]).contains("gpgsig -----BEGIN SSH SIGNATURE-----"))
        #expect(try Sandbox.git(["fsck", "--strict"], in: repo.path).ok)
        // Ana has no key: her steps stay unsigned, and verify accepts them.
        try repo.step(id, as: "mrodriguez")
        try repo.step(id, as: "jperez")
        #expect(try repo.git(["cat-file", "-p", "HEAD"]).contains("gpgsig") == false)
        let report = try repo.book.verify()
        #expect(report.ok, "\(report.violations)")
    }

    @Test("without the private key, or with another key configured, the step is refused and nothing is committed")
    func missingKey() throws {
        let (repo, _) = try signedRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "C", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"], persona: "mrodriguez")).caseID
        let other = try repo.box.sshKey("otra")
        try repo.git(["config", "user.signingKey", other.path])
        try repo.expectRefusal(["se firman con su clave SSH", "user.signingKey apunta a \(other.path)"]) { try repo.step(id, as: "mrodriguez") }
        try repo.git(["config", "--unset", "user.signingKey"])
        try repo.expectRefusal(["no se encontró su clave privada"]) { try repo.step(id, as: "mrodriguez") }
    }

    @Test("a private key file without its .pub beside it signs, as git signs with it; an encrypted one is not asked for")
    func privateKeyAlone() throws {
        let (repo, key) = try signedRepo()
        try FileManager.default.removeItem(atPath: key.path + ".pub")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "C", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"], persona: "mrodriguez")).caseID
        try repo.step(id, as: "mrodriguez")
        let allowed = try allowedSigners(repo)
        let verified = try Sandbox.git(["-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(allowed)", "verify-commit", "HEAD"], in: repo.path)
        #expect(verified.ok, "\(verified.err)")
        // A passphrase-protected key alone: refused in Spanish, never a prompt that hangs.
        let locked = repo.box.path + "/cerrada"
        #expect(try Sandbox.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "secreta", "-C", "x", "-f", locked], in: repo.box.path).ok)
        try FileManager.default.removeItem(atPath: locked + ".pub")
        try repo.git(["config", "user.signingKey", locked])
        let before = try repo.git(["rev-parse", "HEAD"])
        try repo.expectRefusal(["se firman con su clave SSH"]) { try repo.step(id, as: "mrodriguez") }
        #expect(try repo.git(["rev-parse", "HEAD"]) == before)
    }

    @Test("firma: obligatoria refuses an unsigned step before it is committed")
    func signatureRequired() throws {
        let (repo, _) = try signedRepo()
        try repo.write(repo.read("folio.yaml").replacingOccurrences(of: "firma: opcional", with: "firma: obligatoria"), to: "folio.yaml")
        // Unsigned, the jefe's change would not count (her key is registered: every commit of hers is signed).
        try repo.git(["-c", "gpg.format=ssh", "commit", "-q", "-S", "-am", "Exige firma", "--author", CaseRepo.jefe])
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "C", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"], persona: "mrodriguez")).caseID
        try repo.step(id, as: "mrodriguez")
        try repo.step(id, as: "mrodriguez")
        try repo.expectRefusal(["firma: obligatoria", "jperez no tiene clave_ssh", "folio roles key jperez"]) { try repo.step(id, as: "jperez") }
    }

    @Test("roles key: only a jefe, only a real public key, one key per person")
    func keyRules() throws {
        let (repo, key) = try signedRepo()
        try repo.expectRefusal(["Solo el jefe"]) { try repo.book.setKey(key.publicKey, for: "alopez", actor: "alopez") }
        try repo.expectRefusal(["no es una clave pública SSH"]) { try repo.book.setKey("ssh-ed25519 nada", for: "alopez", actor: "mrodriguez") }
        try repo.expectRefusal(["ya está registrada para mrodriguez"]) { try repo.book.setKey(key.publicKey, for: "alopez", actor: "mrodriguez") }
        let ana = try repo.box.sshKey("ana")
        try repo.book.setKey(ana.publicKey, for: "alopez", actor: "mrodriguez")
        #expect(try repo.book.currentRoster().find("alopez")?.sshKey == ana.publicKey.split(separator: " ").prefix(2).joined(separator: " "))
        try repo.book.setKey(nil, for: "alopez", actor: "mrodriguez")
        #expect(try repo.book.currentRoster().find("alopez")?.sshKey == nil)
        #expect(try repo.book.verify().ok)
    }

    @Test("verify: an unsigned forgery of a key holder, a signature by another key, and an unregistered signature")
    func forgedSignatures() throws {
        let (repo, _) = try signedRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "C", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"], persona: "mrodriguez")).caseID
        let trailers = "x\n\nExpediente: \(id)\nProcedimiento: 7\nPaso: 02\nRol: jefe\nSigned-off-by: \(CaseRepo.jefe)\n"
        try repo.git(["commit", "-q", "--allow-empty", "-m", trailers, "--author", CaseRepo.jefe])
        let unsigned = try repo.git(["rev-parse", "HEAD"])
        let other = try repo.box.sshKey("intruso")
        try repo.git(["-c", "gpg.format=ssh", "-c", "user.signingKey=\(other.path)", "commit", "-q", "-S", "--allow-empty", "-m",
                      trailers.replacingOccurrences(of: "Paso: 02", with: "Paso: 03"), "--author", CaseRepo.jefe])
        let wrongKey = try repo.git(["rev-parse", "HEAD"])
        let report = try repo.book.verify()
        let signatures = report.violations.filter { $0.rule == "signature" }
        #expect(signatures.map(\.commit) == [unsigned, wrongKey])
        #expect(signatures[0].message.contains("no está firmado") && signatures[0].fix.contains("mrodriguez"))
        #expect(signatures[1].message.contains("no la hizo la clave que mrodriguez tenía registrada"))
        #expect(!report.ok)
    }

    @Test("a change of dependencias_esperadas authored as the jefe but signed with another key is not the jefe's: status shows the case damaged; the jefe's own signed change stands")
    func listChangeSignedByAnother() throws {
        let (repo, _) = try signedRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        let file = "cases/2026/\(id)/expediente.md"
        let text = repo.read(file)
        let shorter = text.replacingOccurrences(of: "---\n", with: "---\ndependencias_esperadas: [HGE]\n", options: [], range: text.range(of: "---\n"))
        let before = try repo.git(["rev-parse", "HEAD"])
        let other = try repo.box.sshKey("analista")
        try repo.write(shorter, to: file)
        try repo.git(["-c", "gpg.format=ssh", "-c", "user.signingKey=\(other.path)", "commit", "-q", "-S", "-am", "lista", "--author", CaseRepo.jefe])
        let forged = try repo.git(["rev-parse", "--short=7", "HEAD"])
        let damage = try repo.book.status(of: id).damage
        #expect(damage?.reason.contains(forged) == true && damage?.reason.contains("su firma no es la de esa persona") == true, "\(String(describing: damage))")
        // Signed with the jefe's own key, the same change is the jefe's.
        try repo.git(["reset", "-q", "--hard", before])
        try repo.write(shorter, to: file)
        try repo.git(["-c", "gpg.format=ssh", "commit", "-q", "-S", "-am", "lista", "--author", CaseRepo.jefe])
        let status = try repo.book.status(of: id)
        #expect(status.damage == nil && status.expected == ["HGE"], "\(status)")
    }

    /// A long history's signatures are checked on a thread of their own beside the walk: the
    /// verdicts, and so verify's report and the status, are those of the checks made in the walk.
    @Test("signatures checked beside the walk give the same verify report and status as checked in it, forgeries included")
    func signaturesBesideTheWalk() throws {
        let (repo, _) = try signedRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "C", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"], persona: "mrodriguez")).caseID
        try repo.step(id, as: "mrodriguez")
        let trailers = "x\n\nExpediente: \(id)\nProcedimiento: 7\nPaso: 03\nRol: jefe\nSigned-off-by: \(CaseRepo.jefe)\n"
        try repo.git(["commit", "-q", "--allow-empty", "-m", trailers, "--author", CaseRepo.jefe])
        let other = try repo.box.sshKey("intruso")
        try repo.git(["-c", "gpg.format=ssh", "-c", "user.signingKey=\(other.path)", "commit", "-q", "-S", "--allow-empty", "-m",
                      trailers, "--author", CaseRepo.jefe])
        func run(threshold: Int, cache: Bool, halves: Int = .max) throws -> (VerifyReport, [CaseStatus], Bool) {
            let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
            book.usesCache = cache
            book.signatureFeedThreshold = threshold
            book.splitWalkThreshold = halves
            // The walk looks after each commit whether the thread is done, and waits for it at the first look.
            (book.restSplitEvery, book.restSplitWaits) = (1, true)
            let report = try book.verify()
            let other = try Casebook.open(at: repo.path, clock: repo.book.clock)
            other.usesCache = cache
            other.signatureFeedThreshold = threshold
            other.splitWalkThreshold = halves
            (other.restSplitEvery, other.restSplitWaits) = (1, true)
            let statuses = try other.statusOfAll()
            // A line is walked in two halves when no thread checks signatures beside it, and what is
            // left of it in two once the thread beside it has checked them all.
            #expect(book.halvesWalkedBeside + other.halvesWalkedBeside == (halves == .max ? 0 : 2))
            #expect(book.restsWalkedBeside + other.restsWalkedBeside == (halves != .max && threshold == 1 ? 2 : 0))
            return (report, statuses, book.signatureFeedsStarted + other.signatureFeedsStarted > 0)
        }
        let inTheWalk = try run(threshold: .max, cache: false)
        let beside = try run(threshold: 1, cache: false)
        #expect(!inTheWalk.2 && beside.2, "the thread ran only when asked")
        #expect(beside.0 == inTheWalk.0)
        #expect(beside.0.violations.filter { $0.rule == "signature" }.count == 2)
        #expect(beside.1.map(\.lastStep) == inTheWalk.1.map(\.lastStep))
        #expect(beside.1.first?.lastStep == "02", "the forged steps do not count")
        // A history walked in two halves: the later half's walk is handed the verdicts checked before it.
        let halves = try run(threshold: .max, cache: false, halves: 1)
        #expect(!halves.2 && halves.0 == inTheWalk.0 && halves.1 == inTheWalk.1)
        // With a signature thread, the rest of the line after its last verdict goes to the second core,
        // which takes the thread's verdicts on its own commits (the two forged ones among them).
        let rest = try run(threshold: 1, cache: false, halves: 1)
        #expect(rest.2 && rest.0 == inTheWalk.0 && rest.1 == inTheWalk.1)
        // A thread that cannot read the repository (a quarantined push) gives no verdicts: the walk checks them itself.
        let head = try #require(OID(hex: try repo.git(["rev-parse", "HEAD"])))
        let (elsewhere, here) = (repo.box.path + "/no-existe", repo.path + "/.git")
        #expect(SignatureFeed(commits: [head], open: { try? Repository(at: elsewhere) }).verdict(for: head) == nil)
        #expect(SignatureFeed(commits: [head], open: { try? Repository(at: here) }).verdict(for: head) != nil)
        // The feed holds each verdict as a number and each key once: every verdict comes back as it was given.
        let keys = KeyTable()
        let verdicts: [CommitSignature] = [.unsigned, .unsupported, .signed(keyHash: "a", good: true), .signed(keyHash: "b", good: false),
                                           .signed(keyHash: "a", good: false), .signed(keyHash: "b", good: true), .signed(keyHash: "-", good: false)]
        let codes = verdicts.map(keys.code)
        #expect(codes.map(keys.verdict) == verdicts)
        #expect(Set(codes).count == verdicts.count, "no two verdicts share a number")
        // A full verify whose signatures were checked beside the walk keeps them in the cache, as a status does.
        let file = repo.path + "/.git/folio/firmas.cache"
        try? FileManager.default.removeItem(atPath: file)
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        book.usesCache = true
        book.signatureFeedThreshold = 1
        // Written as they come (here one at a time; at scale a batch at a time), each once.
        book.signatureFlushCount = 1
        #expect(try book.verify() == inTheWalk.0)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        let signed = try repo.git(["log", "--format=%H"]).split(separator: "\n").filter { try repo.git(["cat-file", "commit", String($0)]).contains("\ngpgsig ") }
        #expect(book.signatureFeedsStarted == 1 && signed.count >= 3 && lines.count == signed.count + 1, "\(lines.count) lines for \(signed.count) signed commits")
        #expect(book.signatureCacheWrites == signed.count, "one write per verdict, as they came")
        #expect(signed.allSatisfy { commit in lines.contains { $0.hasPrefix(commit) } })
        // The rest of the line walked beside: each walk writes the verdicts it took, each once.
        try FileManager.default.removeItem(atPath: file)
        let shared = try Casebook.open(at: repo.path, clock: repo.book.clock)
        (shared.usesCache, shared.signatureFeedThreshold, shared.splitWalkThreshold, shared.restSplitEvery, shared.restSplitWaits) = (true, 1, 1, 1, true)
        #expect(try shared.verify() == inTheWalk.0 && shared.restsWalkedBeside == 1)
        let written = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(written.count == signed.count && signed.allSatisfy { commit in written.contains { $0.hasPrefix(commit) } }, "\(written.count) lines for \(signed.count)")
        // The next verify reads them: its later half is walked beside, with the cached verdicts.
        let split = try Casebook.open(at: repo.path, clock: repo.book.clock)
        (split.usesCache, split.signatureFeedThreshold, split.splitWalkThreshold) = (true, .max, 1)
        #expect(try split.verify() == inTheWalk.0)
        #expect(split.halvesWalkedBeside == 1 && split.signatureFeedsStarted == 0)
        // The cached verdicts are let go once the walk has judged every commit (at 30k cases, 9 MB held
        // to the end); the same casebook reads them again when a later walk needs them.
        #expect(split.signatureCache == nil)
        #expect(try split.verify() == inTheWalk.0 && split.signatureCache == nil)
        #expect(try split.statusOfAll() == inTheWalk.1 && split.signatureCache == nil)
    }

    @Test("verify: a step that touches another case, schemas/ changed by a non-jefe, edits outside folio (a warning), a range")
    func otherRules() throws {
        let repo = try CaseRepo()
        let a = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "A", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"], persona: "mrodriguez")).caseID
        let b = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "B", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"], persona: "mrodriguez")).caseID
        let start = try repo.git(["rev-parse", "HEAD"])
        try repo.write(repo.read("cases/2026/\(b)/expediente.md") + "Cambio.\n", to: "cases/2026/\(b)/expediente.md")
        try repo.git(["commit", "-qam", "x\n\nExpediente: \(a)\nProcedimiento: 7\nPaso: 02\nRol: jefe\nSigned-off-by: \(CaseRepo.jefe)",
                      "--author", CaseRepo.jefe])
        let scope = try repo.git(["rev-parse", "HEAD"])
        try repo.write(repo.read("schemas/procedimiento-7.yaml") + "# cambio\n", to: "schemas/procedimiento-7.yaml")
        try repo.git(["commit", "-qam", "cambia el procedimiento", "--author", "Ana López <alopez@igss.gob.gt>"])
        let schemas = try repo.git(["rev-parse", "HEAD"])
        try repo.write(repo.read("cases/2026/\(a)/expediente.md") + "A mano.\n", to: "cases/2026/\(a)/expediente.md")
        try repo.git(["commit", "-qam", "edita a mano", "--author", CaseRepo.jefe])
        let outside = try repo.git(["rev-parse", "HEAD"])
        let report = try repo.book.verify()
        let found = Dictionary(report.violations.map { ($0.commit, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(found[scope]?.rule == "scope" && found[scope]?.message.contains("cases/2026/\(b)") == true)
        #expect(found[schemas]?.rule == "schemas" && found[schemas]?.severity == "error")
        #expect(found[outside]?.rule == "outside-folio" && found[outside]?.severity == "warning")
        #expect(found[outside]?.message.contains(a) == true)
        #expect(report.violations.allSatisfy { !$0.fix.isEmpty })
        let ranged = try repo.book.verify(range: "\(schemas)..HEAD")
        #expect(ranged.commits == 1 && ranged.violations.map(\.commit) == [outside] && ranged.ok, "warnings do not fail verify")
        // The forged step also left case a's routing slip behind its history.
        #expect(Set(try repo.book.verify(range: "\(start)..\(scope)").violations.map(\.rule)) == ["scope", "routing-slip"])
    }
}
