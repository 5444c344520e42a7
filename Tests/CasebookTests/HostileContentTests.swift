@testable import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

/// Content an attacker (or a careless colleague) commits with plain git, then pushes or shares.
@Suite("Hostile content")
struct HostileContentTests {
    /// The classic 815-byte "billion laughs": nine levels of nine aliases, ~387 million strings.
    static let aliasBomb = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
        """

    func twoCases(_ repo: CaseRepo) throws -> (String, String) {
        let a = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Hospital de Escuintla",
                                                      sets: ["snip=245789", "unidad_ejecutora=DIP"], persona: "mrodriguez")).caseID
        let b = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Clínica de Mazatenango",
                                                      sets: ["snip=245790", "unidad_ejecutora=DIP"], persona: "mrodriguez")).caseID
        return (a, b)
    }

    /// A git repository of its own inside a case folder: git would record a gitlink, folio records
    /// nothing and says so in Spanish, with the folder and the fix.
    @Test("a nested git repository in a case folder is refused with the folder and the fix, and nothing is committed")
    func nestedRepository() throws {
        let repo = try CaseRepo()
        let (a, _) = try twoCases(repo)
        let head = try repo.git(["rev-parse", "HEAD"])
        let folder = try repo.git(["ls-tree", "-d", "--name-only", "HEAD", "cases/2026/\(a)"]) + "/anexos/sub"
        try repo.write("dentro\n", to: folder + "/a.txt")
        #expect(try Sandbox.git(["init", "-q"], in: repo.path + "/" + folder).ok)
        do {
            try repo.step(a, as: "mrodriguez")
            Issue.record("the step was recorded")
        } catch {
            let text = GitErrorText.message(for: error)
            #expect(text.contains(".git") && text.contains("anexos/sub") && text.contains("registre de nuevo"), "\(text)")
        }
        #expect(try repo.git(["rev-parse", "HEAD"]) == head)
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/.git/index.lock"))
    }

    @Test("a plain commit whose trailer names a case no one opened makes no case: status leaves it out (cold, cached, indexed), verify flags the commit and speaks of no deleted folder")
    func phantomCase() throws {
        let repo = try CaseRepo()
        let (a, b) = try twoCases(repo)
        let file = "cases/2026/\(a)/expediente.md"
        try repo.write(try repo.read(file) + "\nNota a mano.\n", to: file)
        try repo.git(["commit", "-qam", "PI-2026-0099 nota\n\nExpediente: PI-2026-0099\nProcedimiento: 4"])
        for cached in [false, true, true] {
            let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
            book.usesCache = cached
            #expect(try book.statusOfAll().map(\.id) == [a, b])
            #expect(book.omittedCommits == 1)
            // The case index (status --json): written, then read back.
            var listed: [Data] = []
            try book.statusOfAll(encode: { try JSONEncoder().encode($0) }) { listed.append($0) }
            #expect(listed.count == 2 && book.omittedCommits == 1)
        }
        // Verify checks the phantom's commit but does not count it as a case.
        #expect(try repo.book.verify().cases == 2)
        #expect(try repo.book.verify(range: "HEAD~1..HEAD").cases == 0)
        for report in [try repo.book.verify(), try repo.book.verify(range: "HEAD~1..HEAD")] {
            #expect(!report.ok)
            #expect(report.violations.contains { $0.rule == "expediente" && $0.caseID == "PI-2026-0099" })
            #expect(!report.violations.contains { $0.message.contains("ya no está en cases/") }, "\(report.violations.map(\.message))")
        }
    }

    @Test("a case folder renamed with plain git: status and step name where it is now and how to move it back; following that works")
    func folderRenamedOutsideFolio() throws {
        let repo = try CaseRepo()
        let (a, _) = try twoCases(repo)
        let folder = "cases/2026/\(a)", wrong = "cases/2026/\(a)-mal"
        try repo.git(["mv", folder, wrong])
        try repo.git(["commit", "-qm", "Renombra a mano", "--author", CaseRepo.jefe])
        let rename = try repo.git(["rev-parse", "HEAD"])
        let damage = try #require(try repo.book.statusOfAll().first { $0.id == a }?.damage)
        #expect(damage.reason.contains("está en \(wrong)") && damage.reason.contains("git mv \(wrong) \(folder)"), "\(damage)")
        try repo.expectRefusal([a, "git mv \(wrong) \(folder)", "git commit -m"]) { try repo.step(a, as: "mrodriguez") }
        try repo.git(["mv", wrong, folder])
        try repo.git(["commit", "-qm", "Devuelve \(a) a su carpeta", "--author", CaseRepo.jefe])
        #expect(try repo.book.statusOfAll().first { $0.id == a }?.damage == nil)
        try repo.step(a, as: "mrodriguez")
        // The rename stays on record as the case folder's removal; the move back is an edit outside folio (a warning).
        let findings = try repo.book.verify().violations.filter { $0.isError }
        #expect(findings.count == 2 && findings.allSatisfy { $0.commit == rename && $0.rule == "expediente" }
                && findings.contains { $0.message.contains("quita la carpeta") } && findings.contains { $0.message.contains("no es un identificador") },
                "\(findings)")
    }

    @Test("a case folder deleted or moved with plain git: status lists the case DAÑADO with its title, where it was and the way back, nothing pending (cold, cached, indexed); status ID, log, step and note refuse with the same; a part restored is refused; the restoration is recorded by a note, and verify keeps only the deletion commit as a finding")
    func folderDeletedOutsideFolio() throws {
        let repo = try CaseRepo()
        let (a, b) = try twoCases(repo)
        let folder = "cases/2026/\(a)"
        let opening = try repo.git(["log", "-1", "--format=%h", "--", folder])
        try repo.git(["rm", "-rq", folder])
        try repo.git(["commit", "-qm", "Borrado a mano", "--author", CaseRepo.jefe])
        for cached in [false, true, true] {
            let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
            book.usesCache = cached
            let all = try book.statusOfAll()
            #expect(all.map(\.id) == [a, b])
            let gone = try #require(all.first)
            #expect(gone.title == "Hospital de Escuintla" && gone.next.isEmpty && all[1].damage == nil)
            let damage = try #require(gone.damage)
            #expect(damage.file == folder && damage.reason.contains("git checkout \(opening) -- \(folder)")
                    && damage.reason.contains("folio note \(a)"), "\(damage)")
            #expect(book.damagedCases.map(\.id) == [a])
            var listed: [Data] = []
            try book.statusOfAll(encode: { try JSONEncoder().encode($0) }) { listed.append($0) }
            #expect(listed.count == 2 && String(decoding: listed[0], as: UTF8.self).contains("se borró o se movió fuera de folio"))
            #expect(try book.pending().allSatisfy { $0.id != a })
        }
        try repo.expectRefusal(["ya no está en cases/", folder, "git checkout \(opening) -- \(folder)"]) { _ = try repo.book.status(of: a) }
        try repo.expectRefusal(["ya no está en cases/", "folio note \(a)"]) { _ = try repo.book.log(of: a) }
        try repo.expectRefusal(["ya no está en cases/", "folio note \(a)"]) { try repo.step(a, as: "mrodriguez") }
        try repo.expectRefusal(["ya no está en cases/", "folio note \(a)"]) { _ = try repo.book.recordNote(caseID: a, persona: "mrodriguez", text: "x") }
        try repo.expectRefusal(["No existe el expediente PI-2026-0099"]) { _ = try repo.book.status(of: "PI-2026-0099") }
        let report = try repo.book.verify()
        #expect(report.violations.contains { $0.caseID == a && $0.message.contains("ya no está en cases/") && $0.fix.contains("git checkout \(opening) -- \(folder)") })
        // The commit that removed it is a finding of its own, which stays once the case is back.
        let deletion = try repo.git(["rev-parse", "HEAD"])
        let removed = { (report: VerifyReport) in report.violations.filter { $0.commit == deletion && $0.rule == "expediente" && $0.message.contains("quita la carpeta") } }
        #expect(removed(report).count == 1 && removed(report)[0].isError)
        // Its number is still the case's: a new case takes the next one, and naming it says how to restore it.
        try repo.expectRefusal(["ya no está en cases/", "git checkout \(opening) -- \(folder)"]) {
            _ = try repo.book.openCase(NewCaseRequest(procedure: "4", id: a, title: "Otro", sets: ["snip=245791", "unidad_ejecutora=DIP"], persona: "mrodriguez"))
        }
        // A folder restored in part (its expediente.md only) is refused, naming what is missing: a note would record the loss.
        try FileManager.default.createDirectory(atPath: repo.path + "/" + folder, withIntermediateDirectories: true)
        try repo.write(try repo.git(["show", "\(opening):\(folder)/expediente.md"]) + "\n", to: "\(folder)/expediente.md")
        try repo.expectRefusal(["falta restaurar \(folder)/\(RoutingSlip.fileName)"]) {
            _ = try repo.book.recordNote(caseID: a, persona: "mrodriguez", text: "Se restaura")
        }
        #expect(try repo.git(["rev-parse", "HEAD"]) == deletion, "nothing committed")
        // Restored whole but changed: refused too (against a HEAD without the folder, the note could not tell a change of an archived document).
        try repo.git(["checkout", opening, "--", folder])
        try repo.write(repo.read("\(folder)/\(RoutingSlip.fileName)") + "\nOtra cosa.\n", to: "\(folder)/\(RoutingSlip.fileName)")
        try repo.expectRefusal(["no es como estaba \(folder)/\(RoutingSlip.fileName)", "en una nota aparte"]) {
            _ = try repo.book.recordNote(caseID: a, persona: "mrodriguez", text: "Se restaura")
        }
        #expect(try repo.git(["rev-parse", "HEAD"]) == deletion, "nothing committed")
        // The way back the messages give: the folder restored where it was, recorded by a note.
        try repo.git(["checkout", opening, "--", folder])
        let note = try repo.book.recordNote(caseID: a, persona: "mrodriguez", text: "Se restaura la carpeta")
        #expect(note.path == folder)
        #expect(try repo.git(["show", "--stat", "--format=%an%n%(trailers:key=Expediente,valueonly)", "HEAD"]).contains("\(folder)/expediente.md"))
        let restored = try repo.book.statusOfAll()
        #expect(restored[0].damage == nil && restored[0].state == .open && !restored[0].next.isEmpty)
        let after = try repo.book.verify()
        #expect(!after.violations.contains { $0.message.contains("ya no está en cases/") }, "\(after.violations.map(\.message))")
        #expect(removed(after).count == 1 && removed(after)[0].fix.contains("Si ya se restauró"))
        #expect(try repo.book.verify(range: "HEAD~1..HEAD").ok)
        #expect(try Sandbox.git(["fsck"], in: repo.path).ok)
        // Only its expediente.md deleted: damaged too, with the file's way back, which a note records.
        let file = "cases/2026/\(b)/expediente.md"
        let had = try repo.git(["log", "-1", "--format=%h", "--", file])
        try repo.git(["rm", "-q", file])
        try repo.git(["commit", "-qm", "Borrado a mano", "--author", CaseRepo.jefe])
        for cached in [false, true] {
            let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
            book.usesCache = cached
            let status = try #require(try book.statusOfAll().first { $0.id == b })
            let damage = try #require(status.damage)
            #expect(damage.file == file && damage.reason.contains("git checkout \(had) -- \(file)") && damage.reason.contains("folio note \(b)"), "\(damage)")
            #expect(status.next.isEmpty, "nothing pending while it is missing")
        }
        // A step says how to restore it (not that its YAML header is wrong), and commits nothing.
        let before = try repo.git(["rev-parse", "HEAD"])
        try repo.expectRefusal(["\(file) ya no está", "git checkout \(had) -- \(file)"]) { try repo.step(b, as: "mrodriguez") }
        #expect(try repo.git(["rev-parse", "HEAD"]) == before)
        try repo.git(["checkout", had, "--", file])
        _ = try repo.book.recordNote(caseID: b, persona: "mrodriguez", text: "Se restaura")
        #expect(try repo.book.statusOfAll().allSatisfy { $0.damage == nil })
    }

    @Test("a new case does not take the number of a case whose folder was deleted (the highest), and a note that deletes its own case's folder is a finding, as a plain commit that does")
    func deletedNumberKept() throws {
        let repo = try CaseRepo()
        let (_, b) = try twoCases(repo)
        try repo.git(["rm", "-rq", "cases/2026/\(b)"])
        try repo.git(["commit", "-qm", "Borrado a mano", "--author", CaseRepo.jefe])
        let next = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "C", sets: ["snip=245791", "unidad_ejecutora=DIP"], persona: "mrodriguez")).caseID
        #expect(next == "PI-2026-0003", "\(next)")
        #expect(try repo.book.statusOfAll().first { $0.id == b }?.damage != nil)
        // A commit with a note's trailers, by the case's own jefe, that deletes the case.
        try repo.git(["rm", "-rq", "cases/2026/\(next)"])
        try repo.git(["commit", "-qm", "\(next): nota, limpia\n\nExpediente: \(next)\nProcedimiento: 4\nRol: jefe\nSigned-off-by: \(CaseRepo.jefe)",
                      "--author", CaseRepo.jefe])
        let note = try repo.git(["rev-parse", "HEAD"])
        for report in [try repo.book.verify(), try repo.book.verify(range: "HEAD~1..HEAD")] {
            #expect(!report.ok && report.violations.contains { $0.commit == note && $0.rule == "expediente" && $0.message.contains("quita la carpeta") },
                    "\(report.violations.map(\.message))")
        }
    }

    @Test("status ID and log ID of a folder whose opening does not count say so (the folder is there), not that no such case exists")
    func folderWithUncountedOpening() throws {
        let repo = try CaseRepo()
        _ = try twoCases(repo)
        // An opening recorded with plain git by the analista: step 01 is the jefe's.
        let id = "PI-2026-0042", folder = "cases/2026/PI-2026-0042"
        try repo.write("---\nid: \(id)\nprocedimiento: 4\ntitulo: Abierto a mano\n---\n", to: folder + "/expediente.md")
        try repo.git(["add", folder])
        try repo.git(["commit", "-q", "-m", "\(id) paso 01\n\nExpediente: \(id)\nProcedimiento: 4\nPaso: 01\nRol: jefe\nSigned-off-by: Ana López <alopez@igss.gob.gt>",
                      "--author", "Ana López <alopez@igss.gob.gt>"])
        // Opened by the jefe at step 03 (the manual starts at 01); a folder added with no trailers.
        let late = "PI-2026-0043", plain = "PI-2026-0044"
        try repo.write("---\nid: \(late)\nprocedimiento: 4\ntitulo: Abierto en el paso 03\n---\n", to: "cases/2026/\(late)/expediente.md")
        try repo.git(["add", "cases/2026/\(late)"])
        try repo.git(["commit", "-q", "-m", "\(late) paso 03\n\nExpediente: \(late)\nProcedimiento: 4\nPaso: 03\nRol: jefe\nSigned-off-by: \(CaseRepo.jefe)",
                      "--author", CaseRepo.jefe])
        try repo.write("---\nid: \(plain)\nprocedimiento: 4\ntitulo: Sin apertura\n---\n", to: "cases/2026/\(plain)/expediente.md")
        try repo.git(["add", "cases/2026/\(plain)"])
        try repo.git(["commit", "-q", "-m", "carpeta a mano", "--author", CaseRepo.jefe])
        for cached in [false, true] {
            let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
            book.usesCache = cached
            for named in [id, late, plain] {
                for read in [{ _ = try book.status(of: named) }, { _ = try book.log(of: named) }] {
                    #expect {
                        try read()
                    } throws: { error in
                        guard case .caseNotCounted(let said, let path) = error as? CasebookError else { return false }
                        return said == named && path == "cases/2026/\(named)" && (error as! CasebookError).description.contains("folio verify")
                    }
                }
            }
            #expect(throws: CasebookError.self) { _ = try book.status(of: "PI-2026-0077") }
            #expect(Set(try book.statusOfAll().map(\.id)).isDisjoint(with: [id, late, plain]))
            #expect(try book.verify().cases == 2)
        }
    }

    @Test("The YAML guard refuses anchors and aliases by YAML's grammar, before any expansion, and accepts '&' and '*' in text")
    func guardFollowsGrammar() throws {
        let started = Date()
        #expect(YAMLGuard.problem(in: Self.aliasBomb)?.contains("ancla") == true)
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(YAMLGuard.problem(in: "a: [1]\nb: *a\n")?.contains("alias") == true)
        #expect(YAMLGuard.problem(in: "base: &b {x: 1}\notro:\n  <<: *b\n") != nil)
        #expect(YAMLGuard.problem(in: "titulo: Obras & Servicios *urgente*\nnota: '&a *b'\ncita: \"*x\"\n# &c *d\n") == nil)
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(YAMLGuard.problem(in: "x: \(deep)")?.contains("anida") == true)
        #expect(YAMLGuard.problem(in: "x: " + String(repeating: "a", count: YAMLGuard.maximumBytes)) != nil)
    }

    @Test("An alias bomb in one expediente.md: status, due and log list every case, the damaged one with file and reason; verify refuses")
    func aliasBombInFrontMatter() throws {
        let repo = try CaseRepo()
        let (a, b) = try twoCases(repo)
        let file = "cases/2026/\(b)/expediente.md"
        try repo.write("---\nid: \(b)\nprocedimiento: 4\ntitulo: x\n\(Self.aliasBomb)\n---\n", to: file)
        try repo.git(["commit", "-qam", "Edición a mano"])
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        let all = try book.statusOfAll()
        #expect(all.map(\.id) == [a, b])
        #expect(all[0].damage == nil && all[0].title == "Hospital de Escuintla")
        let damage = try #require(all[1].damage)
        #expect(damage.file == file && damage.reason.contains("ancla"))
        #expect(try book.status(of: b).damage?.file == file)
        #expect(try book.pending().contains { $0.id == a })
        #expect(try book.log(of: b).count == 1)
        let report = try book.verify()
        #expect(!report.ok)
        #expect(report.violations.contains { $0.rule == "content" && $0.message.contains(file) && $0.severity == "error" })
    }

    @Test("Front matter that stops Yams itself (a list as a key, a base-60 number past 64 bits) is refused with a reason; status lists the case as damaged")
    func yamsCrashers() throws {
        for crasher in ["[a, b]: 1", "? [a, b]\n: 1", "x: {[a]: 1}", "lista:\n  - {b: 1, c: [x, y]}: ", "x: 1:2:3:4:5:6:7:8:9:10:11:12:13:14:15",
                        "x: -99999999999:59:59:59:59:59:59"] {
            #expect(YAMLGuard.problem(in: crasher) != nil, "\(crasher.debugDescription)")
            #expect(throws: CasebookError.self) { try FrontMatterDocument.parse("---\n\(crasher)\n---\n", file: "expediente.md") }
        }
        // Base 60 that fits is read as before (YAML 1.1: 10:30 is 630), never refused.
        #expect(YAMLGuard.problem(in: "hora: 10:30\nx: 1:2:3:4:5:6:7:8:9:10") == nil)
        let repo = try CaseRepo()
        let (a, b) = try twoCases(repo)
        let file = "cases/2026/\(b)/expediente.md"
        try repo.write(repo.read(file).replacingOccurrences(of: "---\n", with: "---\n[a, b]: 1\n", options: .anchored), to: file)
        try repo.git(["commit", "-qam", "Edición a mano"])
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        let all = try book.statusOfAll()
        #expect(all.first { $0.id == a }?.damage == nil)
        #expect(all.first { $0.id == b }?.damage?.reason.contains("clave") == true)
        #expect(try book.verify().violations.contains { $0.rule == "content" && $0.message.contains(file) })
    }

    @Test("The bytes of a damaged expediente.md brought in as an annex, then moved onto expediente.md (or written to both at once): verify and the hook's range refuse")
    func annexMovedOntoExpediente() throws {
        let repo = try CaseRepo()
        let (_, b) = try twoCases(repo)
        let folder = "cases/2026/\(b)"
        let bomb = "---\nid: \(b)\nprocedimiento: 4\ntitulo: x\n\(Self.aliasBomb)\n---\n"
        try repo.write(bomb, to: "\(folder)/anexos/nota.txt")
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Anexo"])
        let annexed = try repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try repo.git(["mv", "-f", "\(folder)/anexos/nota.txt", "\(folder)/expediente.md"])
        try repo.git(["commit", "-qm", "Movido"])
        let moved = try repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let whole = try Casebook.open(at: repo.path, clock: repo.book.clock).verify()
        #expect(whole.violations.contains { $0.rule == "content" && $0.commit == moved && $0.message.contains("\(folder)/expediente.md") }, "\(whole.violations)")
        let range = try Casebook.open(at: repo.path, clock: repo.book.clock).verify(range: "\(annexed)..HEAD")
        #expect(range.violations.contains { $0.rule == "content" && $0.commit == moved })
        // Both paths in one commit.
        try repo.git(["reset", "-q", "--hard", annexed + "~1"])
        try repo.write(bomb, to: "\(folder)/anexos/nota.txt")
        try repo.write(bomb, to: "\(folder)/expediente.md")
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Ambos"])
        let both = try Casebook.open(at: repo.path, clock: repo.book.clock).verify()
        #expect(both.violations.contains { $0.rule == "content" && $0.message.contains("\(folder)/expediente.md") })
    }

    @Test("expediente.md deleted, or replaced by a folder of that name, with plain git: verify refuses; status says it in Spanish")
    func expedienteRemoved() throws {
        for replaceWithFolder in [false, true] {
            let repo = try CaseRepo()
            let (a, b) = try twoCases(repo)
            let file = "cases/2026/\(b)/expediente.md"
            try repo.git(["rm", "-q", file])
            if replaceWithFolder { try repo.write(Self.aliasBomb, to: file + "/dentro.md") }
            try repo.git(["add", "-A"])
            try repo.git(["commit", "-qm", "Quitado"])
            let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
            let report = try book.verify()
            #expect(!report.ok && report.violations.contains { $0.rule == "content" && $0.message.contains(file) && $0.severity == "error" },
                    "\(report.violations)")
            let all = try Casebook.open(at: repo.path, clock: repo.book.clock).statusOfAll()
            #expect(all.first { $0.id == a }?.damage == nil)
            if replaceWithFolder {
                let reason = all.first { $0.id == b }?.damage?.reason ?? ""
                #expect(reason.contains("no es un archivo") && !reason.contains("git_"), "\(reason)")
            }
        }
    }

    @Test("A plain-git copy of a case in another year's folder is an error of the commit that adds it (so the hook refuses that push); a clean history has no such finding")
    func caseInTwoYears() throws {
        // (A year folder ending in U+0600 joins its slash into one Swift character: the case
        // folder is still cases/<year>/<id> to git, and so to verify.)
        for year in ["2027", "2026\u{600}"] {
            let repo = try CaseRepo()
            let (a, _) = try twoCases(repo)
            try repo.git(["config", "user.email", "mrodriguez@igss.gob.gt"])
            try FileManager.default.createDirectory(atPath: repo.path + "/cases/\(year)", withIntermediateDirectories: true)
            _ = try Sandbox.run("/bin/cp", ["-r", repo.path + "/cases/2026/\(a)", repo.path + "/cases/\(year)/\(a)"], in: repo.path)
            try repo.git(["add", "-A"])
            try repo.git(["commit", "-qm", "Copia"])
            let copy = try repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
            let report = try Casebook.open(at: repo.path, clock: repo.book.clock).verify()
            let flagged = report.violations.filter { $0.rule == "expediente" && $0.severity == "error" }
            #expect(flagged.map(\.commit) == [copy], "\(year.debugDescription): \(report.violations)")
            #expect(flagged.first?.message.contains("cases/\(year)/\(a)") == true)
        }
        // The legitimate flow never puts a case in two folders: the rule has no finding on a clean history.
        let clean = try CaseRepo()
        let (b, _) = try twoCases(clean)
        try clean.step(b, as: "mrodriguez")
        #expect(!(try clean.book.verify().violations.contains { $0.rule == "expediente" }))
    }

    @Test("With core.ignorecase on, a folder beside the case's that differs only in case (committed with plain git, or only on disk) refuses the step and the note, naming it: nothing committed, nothing staged (helper122: a note committed the case's expediente.md deleted)")
    func caseTwinIgnoringCase() throws {
        let repo = try CaseRepo()
        let (a, _) = try twoCases(repo)
        let folder = "cases/2026/\(a)", twin = "cases/2026/\(a.lowercased())"
        try repo.git(["config", "user.email", "mrodriguez@igss.gob.gt"])
        _ = try Sandbox.run("/bin/cp", ["-r", repo.path + "/" + folder, repo.path + "/" + twin], in: repo.path)
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Copia"])
        try repo.git(["config", "core.ignorecase", "true"])
        let head = try repo.git(["rev-parse", "HEAD"])
        try repo.write(repo.read("\(folder)/expediente.md") + "\nNota.\n", to: "\(folder)/expediente.md")
        let fragments = [twin, "solo en mayúsculas y minúsculas", "core.ignorecase", "git rm -r"]
        try repo.expectRefusal(fragments) { try repo.step(a, as: "mrodriguez") }
        try repo.expectRefusal(fragments) { _ = try repo.book.recordNote(caseID: a, persona: "mrodriguez", text: "nota") }
        #expect(try repo.git(["rev-parse", "HEAD"]) == head)
        #expect(try repo.git(["diff", "--cached", "--name-only"]).isEmpty, "nothing staged")
        #expect(repo.read("\(folder)/expediente.md").hasSuffix("\nNota.\n"), "the edit still in the work tree")

        // Only on disk, never committed: the same.
        try repo.git(["rm", "-rq", twin])
        try repo.git(["commit", "-qm", "Sin copia"])
        let clean = try repo.git(["rev-parse", "HEAD"])
        _ = try Sandbox.run("/bin/cp", ["-r", repo.path + "/" + folder, repo.path + "/" + twin], in: repo.path)
        try repo.expectRefusal(fragments) { try repo.step(a, as: "mrodriguez") }
        #expect(try repo.git(["rev-parse", "HEAD"]) == clean)
        // Gone, the step is recorded in the case's own folder.
        try FileManager.default.removeItem(atPath: repo.path + "/" + twin)
        try repo.step(a, as: "mrodriguez")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).split(separator: "\n").allSatisfy { $0.hasPrefix(folder + "/") })
    }

    @Test("Look-alikes of a case pushed with plain git: a file at another year's path is no case and blocks nothing; a lowercase or spaced folder is refused; a case moved to another year keeps its number taken")
    func caseLookAlikes() throws {
        let repo = try CaseRepo()
        let (a, b) = try twoCases(repo)
        try repo.git(["config", "user.email", "mrodriguez@igss.gob.gt"])
        // A file where a second folder of the case would be: no case, so the case's honest steps go on.
        try repo.write(repo.read("cases/2026/\(a)/expediente.md"), to: "cases/2027/\(a)")
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Archivo con el nombre del expediente"])
        try repo.step(a, as: "mrodriguez")
        var report = try Casebook.open(at: repo.path, clock: repo.book.clock).verify()
        // (The test's plain git author is no jefe: that file beside the case folders is its only error.)
        #expect(!report.violations.contains { $0.severity == "error" && $0.rule != "guarded" }, "\(report.violations)")
        #expect(report.violations.contains { $0.rule == "guarded" && $0.message.contains("cases/2027/\(a),") }, "\(report.violations)")
        // In an earlier year, which is looked at first: still no case, the case stays where it is
        // and its steps go on (a file cases/2025/<ID> took the case's place: "dañado", steps refused).
        try repo.write("no soy el expediente\n", to: "cases/2025/\(a)")
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Archivo con el nombre del expediente, un año antes"])
        let fresh = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(try fresh.casePath(a, at: OID(hex: repo.git(["rev-parse", "HEAD"]))!) == "cases/2026/\(a)")
        let before = try fresh.status(of: a)
        #expect(before.path == "cases/2026/\(a)" && before.lastStep != nil, "\(before)")
        try repo.step(a, as: "alopez")
        #expect(try Casebook.open(at: repo.path, clock: repo.book.clock).status(of: a).lastStep != before.lastStep)
        report = try Casebook.open(at: repo.path, clock: repo.book.clock).verify()
        #expect(!report.violations.contains { $0.severity == "error" && $0.rule != "guarded" }, "\(report.violations)")
        try repo.git(["rm", "-q", "cases/2025/\(a)"])
        try repo.git(["commit", "-qm", "Quita el archivo"])
        // A lowercase twin in the same year, and one with a trailing space: refused where they are added.
        for name in [a.lowercased(), a + " "] {
            let base = try repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
            try repo.write(repo.read("cases/2026/\(a)/expediente.md"), to: "cases/2026/\(name)/expediente.md")
            try repo.git(["add", "-A"])
            try repo.git(["commit", "-qm", "Gemelo"])
            let twin = try repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
            report = try Casebook.open(at: repo.path, clock: repo.book.clock).verify()
            #expect(report.violations.contains { $0.commit == twin && $0.rule == "expediente" && $0.message.contains("no es la carpeta de un expediente") },
                    "\(name.debugDescription): \(report.violations)")
            try repo.git(["reset", "-q", "--hard", base])
        }
        // The newest case moved to another year's folder: 'new' does not hand out its number again.
        try FileManager.default.createDirectory(atPath: repo.path + "/cases/2025", withIntermediateDirectories: true)
        try repo.git(["mv", "cases/2026/\(b)", "cases/2025/\(b)"])
        try repo.git(["commit", "-qm", "Movido"])
        let next = try Casebook.open(at: repo.path, clock: repo.book.clock)
            .openCase(NewCaseRequest(procedure: "4", title: "Otro", sets: ["snip=245791", "unidad_ejecutora=DIP"], persona: "mrodriguez")).caseID
        #expect(next != a && next != b && next.hasPrefix(String(b.prefix(8))), "\(next)")
    }

    @Test("An alias bomb in roles.yaml or folio.yaml is refused by the parser, verify reports it as an error, and status still lists every case, judged by the roster in force (the bomb never comes into force)")
    func aliasBombInRoles() throws {
        let repo = try CaseRepo()
        let (a, b) = try twoCases(repo)
        #expect(throws: CasebookError.self) { try Roster.parse("personas: []\n" + Self.aliasBomb) }
        let roles = repo.read("roles.yaml")
        try repo.write(roles + "\n" + Self.aliasBomb + "\n", to: "roles.yaml")
        try repo.git(["commit", "-qam", "Roles"])
        let report = try repo.book.verify()
        #expect(!report.ok)
        #expect(report.violations.contains { $0.rule == "roles-file" && $0.message.contains("ancla") })
        try repo.write(repo.read("folio.yaml") + "\n" + Self.aliasBomb.replacingOccurrences(of: "a:", with: "x_a:") + "\n", to: "folio.yaml")
        try repo.git(["commit", "-qam", "Configuración"])
        #expect(try repo.book.verify().violations.contains { $0.rule == "content" && $0.message.contains("folio.yaml") })
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(try book.statusOfAll().map(\.id) == [a, b])
        #expect(try book.pending().contains { $0.id == a && !$0.holders.isEmpty })
        // (folio.yaml's time zone is read from HEAD's file when the casebook opens.)
        #expect(Set(book.damagedFiles.map(\.file)) == ["folio.yaml"])
        #expect(try book.uncountedConfigurationChange(at: OID(hex: repo.git(["rev-parse", "HEAD"]))!)?.files == ["folio.yaml", "roles.yaml"])
    }

    @Test("An alias bomb in a schema: verify refuses it, and it never comes into force: the cases are read with the schema before it, none is damaged, and a plain-git opening is not a case")
    func aliasBombInSchema() throws {
        let repo = try CaseRepo()
        let (a, _) = try twoCases(repo)
        let schema = "schemas/procedimiento-4.yaml"
        try repo.write(repo.read(schema) + "\n" + Self.aliasBomb.replacingOccurrences(of: "a:", with: "zz_a:") + "\n", to: schema)
        try repo.git(["commit", "-qam", "Procedimiento"])
        try repo.write("---\nid: PI-2026-0099\n---\n", to: "cases/2026/PI-2026-0099/expediente.md")
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Apertura a mano\n\nExpediente: PI-2026-0099\nProcedimiento: 4"])
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        let all = try book.statusOfAll()
        #expect(all.count == 2 && !all.contains { $0.id == "PI-2026-0099" })
        #expect(all.first { $0.id == a }?.damage == nil)
        #expect(book.damagedCases.isEmpty)
        let report = try book.verify()
        #expect(report.violations.contains { $0.rule == "content" && $0.message.contains(schema) })
        #expect(!report.ok)
    }

    @Test("A committed symlink under cases/ or in place of a guarded folder is a verify error")
    func committedSymlinks() throws {
        let repo = try CaseRepo()
        let (a, _) = try twoCases(repo)
        let outside = repo.box.path + "/fuera"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/cases/2027", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/cases/2026/\(a)/anexos", withDestinationPath: outside)
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Enlaces"])
        #expect(try repo.git(["ls-tree", "HEAD", "cases/2027"]).hasPrefix("120000"))
        let report = try repo.book.verify()
        #expect(!report.ok)
        let links = report.violations.filter { $0.rule == "symlink" }
        #expect(Set(links.map { $0.message.components(separatedBy: " ")[0] }) == ["cases/2027", "cases/2026/\(a)/anexos"])
        #expect(links.allSatisfy { $0.severity == "error" })
    }

    /// A `.gitattributes` with `ident` made every clone expand a `$Id$` into a case's front matter
    /// (a ':' YAML refuses), so that status read another list and every step of the case was
    /// refused there, while verify said nothing (attack18).
    @Test("A committed .gitattributes that makes git rewrite files on checkout (ident, filters, line ends, encodings) is a verify error naming its line; one that only unsets them is not")
    func checkoutAttributes() throws {
        let repo = try CaseRepo()
        let (a, b) = try twoCases(repo)
        let harmless = "# ident\n*.pdf binary\n*.md -text !eol -crlf\n[attr]plano -diff -merge -text\n\"con espacio.md\" -ident\n"
        try harmless.write(toFile: repo.path + "/cases/2026/\(a)/.gitattributes", atomically: true, encoding: .utf8)
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Atributos sin efecto"])
        // (A plain commit outside folio is a finding of its own, not this one; a .gitattributes at
        // the root is the jefe's, as every file outside the case folders.)
        let before = try repo.book.verify().violations.filter { $0.rule == "content" }
        #expect(before.isEmpty, "\(before.map { "\($0.rule): \($0.message)" })")

        try "expediente.md ident\n".write(toFile: repo.path + "/cases/2026/\(a)/.gitattributes", atomically: true, encoding: .utf8)
        try "*.pdf binary\n\"mi archivo.md\" filter=lfs diff=lfs\n".write(toFile: repo.path + "/cases/2026/\(b)/.gitattributes", atomically: true, encoding: .utf8)
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Atributos"])
        let report = try repo.book.verify()
        #expect(!report.ok)
        let found = report.violations.filter { $0.rule == "content" && $0.message.contains(".gitattributes") }
        #expect(Set(found.map { $0.message.components(separatedBy: " ")[0] }) == ["cases/2026/\(a)/.gitattributes", "cases/2026/\(b)/.gitattributes"])
        #expect(found.allSatisfy { $0.severity == "error" })
        #expect(found.contains { $0.message.contains("línea 1") && $0.message.contains("'ident'") })
        #expect(found.contains { $0.message.contains("línea 2") && $0.message.contains("'filter=lfs'") })
        // Each setting form, in a macro too; what unsets or leaves unspecified is kept.
        for (text, expected) in [("* text=auto", "text=auto"), ("*.md eol=crlf", "eol=crlf"), ("[attr]mio ident", "ident"), ("a\tcrlf", "crlf"),
                                 ("x working-tree-encoding=UTF-16", "working-tree-encoding=UTF-16"), ("\"a \\\" b\" ident", "ident"),
                                 ("a -text\nb text", "text"),
                                 // As git reads it (attack18b): CRLF lines, a lone CR as a blank, a character that joins
                                 // the space after it into one grapheme.
                                 ("# atributos\r\nexpediente.md ident\r\n", "ident"), ("expediente.md\rident\n", "ident"),
                                 ("expediente.md x=\u{600} ident\n", "ident"), ("*.md eol=crlf\r\n", "eol=crlf"),
                                 ("[attr]foo ident\r\n*.md foo\r\n", "ident")] {
            #expect(Casebook.checkoutAttribute(in: text)?.attribute == expected, "\(text.debugDescription)")
        }
        for text in ["a -text", "a !eol", "# a ident", "", "ident", "a binary", "a diff=x merge=y", "a textual", "\"ident text\""] {
            #expect(Casebook.checkoutAttribute(in: text) == nil, "\(text.debugDescription)")
        }
    }

    @Test("folio never writes through a committed symlink: 'new' under a linked year, an attachment into a linked anexos/")
    func neverWritesThroughLinks() throws {
        let repo = try CaseRepo()
        let (a, _) = try twoCases(repo)
        let outside = repo.box.path + "/fuera"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/cases/2026/\(a)/anexos", withDestinationPath: outside)
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Enlace anexos"])
        let document = repo.box.path + "/oficio.pdf"
        try Data("%PDF-1.4 oficio".utf8).write(to: URL(fileURLWithPath: document))
        try repo.expectRefusal(["cases/2026/\(a)/anexos", "enlace simbólico"]) {
            try repo.step(a, "02", as: "mrodriguez", attach: [document])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)

        // A whole year linked outside: the next 'folio new' refuses, naming it, and commits nothing.
        let fresh = try CaseRepo()
        try FileManager.default.createDirectory(atPath: fresh.path + "/cases", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: fresh.path + "/cases/2026", withDestinationPath: outside)
        try fresh.git(["add", "-A"])
        try fresh.git(["commit", "-qm", "Enlace año"])
        try fresh.expectRefusal(["cases/2026", "enlace simbólico"]) {
            _ = try fresh.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    @Test("Names with control characters or what git forbids are refused in Spanish; nothing is committed")
    func unsafeNames() throws {
        let repo = try CaseRepo()
        for (name, email, fragment) in [("<b>Ana</b>", "ana@igss.gob.gt", "'<' o '>'"), ("Ana\nLópez", "ana@igss.gob.gt", "caracteres de control"),
                                        ("Ana", "ana\u{1B}[31m@igss.gob.gt", "caracteres de control")] {
            try repo.expectRefusal([fragment]) {
                _ = try repo.book.addPersona(Persona(id: "ana", name: name, email: email, roles: [.analista]), actor: "mrodriguez")
            }
        }
        // (U+2028 and U+2029 are line breaks to YAML: such a title was written, then refused as unreadable.)
        for title in ["Beca\u{1B}]0;pwned\u{7}", "Beca\u{2028}2027", "Beca\u{2029}"] {
            try repo.expectRefusal(["--title", "caracteres de control", "\\u{"]) {
                _ = try repo.book.openCase(NewCaseRequest(procedure: "7", title: title, persona: "mrodriguez"))
            }
        }
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez")).caseID
        let bad = repo.box.path + "/oficio\nfalso.pdf"
        try Data("%PDF".utf8).write(to: URL(fileURLWithPath: bad))
        try repo.expectRefusal(["caracteres de control"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Oficio", archive: ArchiveRequest(files: [bad]))
        }
        // A roster edited by hand with an angle bracket is refused when read, and verify says so.
        try repo.write(repo.read("roles.yaml").replacingOccurrences(of: "nombre: Ana López", with: "nombre: \"Ana <b>\""), to: "roles.yaml")
        try repo.git(["commit", "-qam", "Roles a mano"])
        #expect(try repo.book.verify().violations.contains { $0.rule == "roles-file" && $0.message.contains("'<' o '>'") })
    }

    /// attack26b: a contact's code written by hand that folio cannot read as a code ('HRÓ', "",
    /// full-width letters) left its files in `anexos/` with no dependency, and check and verify
    /// said nothing. `roles add` refused such codes; a roster read with one is refused as well.
    @Test("a roster with a dependency that is not a code is refused when read; check names it, verify flags the commit")
    func rosterDependencyCode() throws {
        let repo = try CaseRepo()
        let clean = try repo.read("roles.yaml")
        #expect(clean.contains("dependencia: HRO"))
        for bad in ["\"HRÓ\"", "\"\"", "\" \"", "ＨＲＯ"] {
            #expect(throws: CasebookError.self) { try Roster.parse(clean.replacingOccurrences(of: "dependencia: HRO", with: "dependencia: \(bad)")) }
        }
        try repo.write(clean.replacingOccurrences(of: "dependencia: HRO", with: "dependencia: \"HRÓ\""), to: "roles.yaml")
        try repo.git(["commit", "-qam", "Roles a mano"])
        // check says so (as a problem of the configuration, or as its refusal), naming the file and the code.
        let said: String
        do { said = try repo.book.check().problems.map { "\($0)" }.joined(separator: "\n") } catch { said = "\(error)" }
        #expect(said.contains("roles.yaml") && said.contains("'HRÓ'") && said.contains("no es un código"), "\(said)")
        #expect(try repo.book.verify().violations.contains { $0.rule == "roles-file" && $0.message.contains("no es un código") })
        // A contact whose code is left empty (null) is read, and check says it can record nothing.
        try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        for empty in ["dependencia:", "dependencia: null", "dependencia: ~"] {
            try repo.write(clean.replacingOccurrences(of: "dependencia: HRO", with: empty), to: "roles.yaml")
            let problems = try repo.book.check().problems.map { "\($0)" }.joined(separator: "\n")
            #expect(problems.contains("'hro' es enlace") && problems.contains("no tiene 'dependencia:'"), "\(empty): \(problems)")
        }
        try repo.write(clean, to: "roles.yaml")
        #expect(!(try repo.book.check().problems.map { "\($0)" }.joined().contains("es enlace")))
    }

    @Test("Text into Markdown tables is escaped; text for terminals loses escape sequences; CSV formulas are neutralised")
    func escaping() throws {
        #expect(SafeText.markdownCell("a | b\n<script>x</script>") == "a \\| b &lt;script&gt;x&lt;/script&gt;")
        #expect(SafeText.terminal("Hospital\u{1B}[2J\u{1B}]0;titulo\u{7} de\tEscuintla\u{202E}") == "Hospital de Escuintla")
        for formula in ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1:A2)", "-2+3+cmd|' /C calc'!A0", "+1+1", "\tx", "\rx"] {
            #expect(SafeText.csvCell(formula) == "'" + formula)
        }
        for number in ["-2", "-12.5", "+3", "1e5", "0289347", "texto"] { #expect(SafeText.csvCell(number) == number) }
        // Paths in the commands a fix gives: one shell word each, whatever the document's name.
        #expect(SafeText.shellWord("cases/2026/PI-2026-0001/anexos/acta.pdf") == "cases/2026/PI-2026-0001/anexos/acta.pdf")
        #expect(SafeText.shellWord("anexos/revisión-año.pdf") == "anexos/revisión-año.pdf")
        #expect(SafeText.shellWord("anexos/Acta de revisión (final).pdf") == "\"anexos/Acta de revisión (final).pdf\"")
        let hostile = "a \"b\" $HOME `id` \\ c'd.pdf"
        let echoed = try Sandbox.run("/bin/sh", ["-c", "printf %s " + SafeText.shellWord(hostile)], in: "/")
        #expect(echoed.out == hostile, "\(echoed.out)")

        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez")).caseID
        let doc = repo.box.path + "/oficio.pdf"
        try Data("%PDF-1.4".utf8).write(to: URL(fileURLWithPath: doc))
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Oficio",
                                 archive: ArchiveRequest(files: [doc], title: "Oficio | <img src=x onerror=alert(1)>"))
        let index = repo.read("cases/2026/\(id)/indice.md")
        #expect(index.contains("| Oficio \\| &lt;img src=x onerror=alert(1)&gt; |"))
        #expect(try repo.book.verify().ok)
    }

    @Test("the byte scan that lets most text through the terminal's sanitiser unread finds every scalar it must remove, and no other (the box drawing and dashes of a status table included)")
    func controlByteScan() {
        var scalars = (0...0x3000).compactMap(Unicode.Scalar.init)
        scalars += [0xFEFF, 0x1F600, 0xE0000, 0xE0001, 0xE007F, 0xE0080, 0xE0100, 0xF0000].compactMap(Unicode.Scalar.init)
        for s in scalars {
            let text = "ab" + String(Character(s)) + "—│·"
            #expect(SafeText.mayHoldControl(text.utf8) == (SafeText.isControl(s) && s != "\n"), "U+\(String(s.value, radix: 16))")
        }
        #expect(!SafeText.mayHoldControl("EXPEDIENTE   P  ESTADO\n───────────  ─  ───────\nPI-2026-0001 · “Hospital” — año\n".utf8))
    }

    @Test("An executing unit's formulas in avance/*.csv reach informe/avance-*.csv as text; numbers stay numbers")
    func csvFormulaInjection() throws {
        let repo = try CaseRepo(date: "2026-11-26T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", persona: "alopez")).caseID
        let header = "snip,proyecto,unidad_medida,meta_fisica,avance_fisico,presupuesto,ejecutado,motivos\n"
        let formulas = header + "0289347,\"=HYPERLINK(\"\"http://x\"\",\"\"clic\"\")\",@SUM(A1),12000,350,2500000,2100000,\n"
            + "0301122,Expediente | <b>clínico</b>,módulo,8,0,400000,0,-2+3+cmd|' /C calc'!A0\n"
        let file = "cases/2026/\(id)/avance/DIP.csv"
        try repo.write(formulas, to: file)
        // A step refuses them (attack36: the dashboard serves the unit's file as it is).
        try repo.expectRefusal(["empieza con '='", "fórmula"]) { try repo.step(id, "01", as: "dip", dependency: "DIP") }
        // Committed with plain git by the unit (its own figures: a warning), the report quotes them.
        try repo.write(header + "0289347,Hospital,metro cuadrado,12000,350,2500000,2100000,\n", to: file)
        try repo.step(id, "01", as: "dip", dependency: "DIP")
        try repo.write(formulas, to: file)
        _ = try repo.git(["commit", "-qam", "cifras", "--author", "Pedro Xol (DIP) <pxol@igss.gob.gt>"])
        repo.at("2026-12-01T08:00:00-06:00") // the month closes once it has ended
        try repo.step(id, "02", as: "alopez", sets: ["publicacion=https://snip.segeplan.gob.gt (consulta pública)"])
        try repo.step(id, "03", as: "alopez")
        let csv = repo.read("cases/2026/\(id)/informe/avance-2026-11.csv")
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"clic\"\")\",'@SUM(A1),12000,350"))
        #expect(csv.contains(",'-2+3+cmd|' /C calc'!A0"))
        #expect(!csv.contains(",=") && !csv.contains(",@") && !csv.contains(",-2"))
        let markdown = repo.read("cases/2026/\(id)/informe/avance-2026-11.md")
        #expect(markdown.contains("Expediente \\| &lt;b&gt;clínico&lt;/b&gt;"))
    }
}
