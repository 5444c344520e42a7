import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

/// DESIGN.md section 6: each refusal names the file or rule, and leaves HEAD, the index and
/// the work tree as they were (`CaseRepo.expectRefusal` compares a snapshot of all three).
@Suite("Refusals of bad input")
struct RefusalTests {
    func p4Case(_ repo: CaseRepo, snip: Bool = true) throws -> String {
        let sets = snip ? ["snip=245789", "unidad_ejecutora=División de Infraestructura"] : []
        return try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Proyecto", sets: sets, persona: "mrodriguez")).caseID
    }

    @Test("malformed YAML front matter: the file and the line are named")
    func malformedFrontMatter() throws {
        let repo = try CaseRepo()
        let id = try p4Case(repo)
        try repo.write("---\nid: \(id)\nprocedimiento: 4\ntitulo: [sin cerrar\nabierto: 2026-11-02\n---\nTexto\n",
                       to: "cases/2026/\(id)/expediente.md")
        try repo.expectRefusal(["cases/2026/\(id)/expediente.md", "línea"]) { try repo.step(id, as: "mrodriguez") }
        try repo.write("Sin encabezado\n", to: "cases/2026/\(id)/expediente.md")
        try repo.expectRefusal(["cases/2026/\(id)/expediente.md", "---"]) { try repo.step(id, as: "mrodriguez") }
        try repo.write("---\nid: OTRO-1\nprocedimiento: 4\ntitulo: x\nabierto: 2026-11-02\n---\n", to: "cases/2026/\(id)/expediente.md")
        try repo.expectRefusal(["'id'", "OTRO-1", id]) { try repo.step(id, as: "mrodriguez") }
        try repo.write("---\nid: \(id)\nprocedimiento: 4\nabierto: 2026-11-02\n---\n", to: "cases/2026/\(id)/expediente.md")
        try repo.expectRefusal(["titulo"]) { try repo.step(id, as: "mrodriguez") }
    }

    @Test("unknown procedure, step or persona")
    func unknowns() throws {
        let repo = try CaseRepo()
        let id = try p4Case(repo)
        try repo.expectRefusal(["Procedimiento '9' desconocido"]) {
            _ = try repo.book.openCase(NewCaseRequest(procedure: "9", persona: "mrodriguez"))
        }
        try repo.expectRefusal(["El paso '77' no existe en el procedimiento 4"]) { try repo.step(id, "77", as: "mrodriguez") }
        try repo.expectRefusal(["roles.yaml", "nadie", "mrodriguez"]) { try repo.step(id, as: "nadie") }
        try repo.expectRefusal(["No existe el expediente PI-2026-0099"]) { try repo.step("PI-2026-0099", as: "mrodriguez") }
    }

    @Test("a role the persona does not hold: the step, the role and who holds it are named")
    func roleNotHeld() throws {
        let repo = try CaseRepo()
        let id = try p4Case(repo)
        try repo.expectRefusal(["paso 02", "jefe (Jefe de Departamento)", "alopez", "mrodriguez"]) { try repo.step(id, as: "alopez") }
        try repo.expectRefusal(["paso 01", "jefe"]) {
            _ = try repo.book.openCase(NewCaseRequest(procedure: "4", persona: "alopez"))
        }
        try repo.expectRefusal(["Solo el jefe"]) {
            try repo.book.addPersona(Persona(id: "x", name: "X", email: "x@igss.gob.gt", roles: [.jefe]), actor: "alopez")
        }
        // An external contact cannot open the month, only step in it.
        try repo.expectRefusal(["de apertura"]) {
            _ = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "hge"))
        }
    }

    @Test("authority comes from the committed roles.yaml, never from an uncommitted edit")
    func uncommittedRoles() throws {
        let repo = try CaseRepo()
        let id = try p4Case(repo)
        let roles = repo.read("roles.yaml").replacingOccurrences(of: "roles: [analista, asistente]", with: "roles: [analista, asistente, jefe]")
        try repo.write(roles, to: "roles.yaml")
        try repo.expectRefusal(["paso 02", "alopez no tiene ese rol"]) { try repo.step(id, as: "alopez") }
    }

    @Test("a step out of order names the step that would be allowed; decisions and dependencies are checked")
    func outOfOrder() throws {
        let repo = try CaseRepo()
        let id = try p4Case(repo)
        try repo.expectRefusal(["El paso 05", "procedimiento 4", "02 (jefe)"]) { try repo.step(id, "05", as: "mrodriguez") }
        try repo.step(id, as: "mrodriguez")
        try repo.step(id, as: "alopez")
        try repo.expectRefusal(["decisión", "--decision si"]) { try repo.step(id, as: "alopez") }
        try repo.expectRefusal(["--decision si o --decision no"]) { try repo.step(id, as: "alopez", decision: "quizá") }
        try repo.expectRefusal(["quite --dependency"]) { try repo.step(id, as: "alopez", decision: "si", dependency: "HGE") }
        let month = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "alopez")).caseID
        try repo.expectRefusal(["no es un código de dependencia válido"]) { try repo.step(month, "01", as: "hge", dependency: "../HGE") }
        try repo.expectRefusal(["--month"]) { _ = try repo.book.openCase(NewCaseRequest(procedure: "5", persona: "alopez")) }
        try repo.expectRefusal(["no es un mes válido"]) {
            _ = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-13", persona: "alopez"))
        }
        try repo.expectRefusal(["ya existe"]) { _ = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "alopez")) }
    }

    @Test("a missing required field or document quotes the norm")
    func missingRequirements() throws {
        let repo = try CaseRepo()
        let id = try p4Case(repo, snip: false)
        try repo.step(id, as: "mrodriguez")
        try repo.expectRefusal(["cases/2026/\(id)/expediente.md: falta el campo 'snip'", "paso 03", "Norma 1: «Los proyectos",
                                "--set snip=VALOR"]) { try repo.step(id, as: "alopez") }
        // Supplying it with the step itself works.
        try repo.step(id, as: "alopez", sets: ["snip=245789", "unidad_ejecutora=DIP"])
        try repo.expectRefusal(["solicitud.md: falta el documento", "paso 01", "Norma 1: «Para modificar las metas físicas"]) {
            _ = try repo.book.openCase(NewCaseRequest(procedure: "6", title: "Metas", persona: "dip"))
        }
        try repo.expectRefusal(["No se encuentra el archivo a adjuntar"]) {
            _ = try repo.book.openCase(NewCaseRequest(procedure: "7", attachments: ["/no/existe.pdf"], persona: "mrodriguez"))
        }
    }

    @Test("ids that would escape cases/ are refused", arguments: ["../../etc", "PI/../../x", "..", "pi 2026", "A"])
    func escapingIDs(id: String) throws {
        let repo = try CaseRepo(staff: false)
        try repo.expectRefusal(["no es un identificador de expediente válido"]) {
            _ = try repo.book.openCase(NewCaseRequest(procedure: "7", id: id, persona: "mrodriguez"))
        }
        try repo.expectRefusal(["no es un identificador de expediente válido"]) { try repo.step(id, as: "mrodriguez") }
    }

    @Test("a dirty file outside the case being stepped: refused outside cases/ and when staged; another case's edit in progress is left alone")
    func dirtyOutside() throws {
        let repo = try CaseRepo()
        let a = try p4Case(repo)
        let b = try p4Case(repo)
        try repo.write(repo.read("cases/2026/\(b)/expediente.md") + "Otra cosa.\n", to: "cases/2026/\(b)/expediente.md")
        try repo.git(["add", "cases/2026/\(b)/expediente.md"])
        try repo.expectRefusal(["fuera de cases/2026/\(a)", "cases/2026/\(b)/expediente.md", "folio note"]) {
            try repo.step(a, as: "mrodriguez")
        }
        try repo.git(["reset", "-q"])
        // Someone else's unstaged edit of case b: the step of case a does not take it.
        try repo.step(a, as: "mrodriguez")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]) == "cases/2026/\(a)/hoja-de-ruta.md", "only case a's routing slip")
        #expect(try repo.git(["status", "--porcelain"]) == "M cases/2026/\(b)/expediente.md")
        try repo.git(["checkout", "--", "."])
        try repo.write(repo.read("folio.yaml") + "# cambio\n", to: "folio.yaml")
        try repo.expectRefusal(["folio.yaml"]) { try repo.step(a, as: "alopez") }
        try repo.git(["add", "folio.yaml"])
        try repo.expectRefusal(["folio.yaml", "os cambios de configuración (folio.yaml) los registra un jefe"]) { try repo.step(a, as: "alopez") }
        // A stray file staged at the top is no configuration: said so, with the way to take it out.
        try repo.git(["reset", "-q", "--hard"])
        try repo.write("mías\n", to: "notas-personales.txt")
        try repo.git(["add", "notas-personales.txt"])
        try repo.expectRefusal(["Fuera de las carpetas de expedientes, notas-personales.txt no es de ningún expediente ni de la configuración", "git rm --cached"]) {
            try repo.step(a, as: "alopez")
        }
        // Added with `git add -N` it is no staged change, as git sees it (helper125: refused as one):
        // the step goes on, and leaves it as it was.
        try repo.git(["reset", "-q"])
        try repo.git(["add", "-N", "notas-personales.txt"])
        try repo.step(a, as: "alopez")
        let committed = try repo.git(["show", "--name-only", "--format=", "HEAD"]).split(separator: "\n")
        #expect(!committed.isEmpty && committed.allSatisfy { $0.hasPrefix("cases/2026/\(a)/") })
        #expect(try repo.git(["status", "--porcelain"]) == "A notas-personales.txt")
        // So is one put directly in a year folder (helper133: told to record it with 'folio note').
        try repo.git(["rm", "-q", "--cached", "notas-personales.txt"])
        try repo.write("oficio\n", to: "cases/2026/oficio-123.txt")
        try repo.git(["add", "cases/2026/oficio-123.txt"])
        do {
            try repo.step(a, as: "alopez", decision: "si")
            Issue.record("a step with a year folder's file staged was recorded")
        } catch {
            let text = "\(error)"
            #expect(text.contains("Fuera de las carpetas de expedientes, cases/2026/oficio-123.txt no es de ningún expediente")
                        && text.contains("folio attach ID ARCHIVO") && !text.contains("folio note"), "\(text)")
        }
        try repo.git(["rm", "-q", "--cached", "cases/2026/oficio-123.txt"])
        try FileManager.default.removeItem(atPath: repo.path + "/cases/2026/oficio-123.txt")
    }

    @Test("a note with an empty text is refused, naming -m and the fix; nothing is committed (helper125: the subject was \"ID: nota,\")")
    func emptyNoteText() throws {
        let repo = try CaseRepo()
        let a = try p4Case(repo)
        try repo.write(repo.read("cases/2026/\(a)/expediente.md") + "Otra cosa.\n", to: "cases/2026/\(a)/expediente.md")
        let head = try repo.git(["rev-parse", "HEAD"])
        for text in ["", " \n "] {
            try repo.expectRefusal(["-m", "el texto de la nota está vacío", "Escriba qué se cambió"]) {
                _ = try repo.book.recordNote(caseID: a, persona: "mrodriguez", text: text)
            }
        }
        #expect(try repo.git(["rev-parse", "HEAD"]) == head)
        _ = try repo.book.recordNote(caseID: a, persona: "mrodriguez", text: "Otra cosa")
        #expect(try repo.git(["log", "-1", "--format=%s"]) == "\(a): nota, Otra cosa")
    }

    @Test("a conflict left by 'git stash pop': refused with the way out, and the way out works (helper125: 'git add', as advised, led to the next refusal)")
    func conflictWayOut() throws {
        let repo = try CaseRepo()
        let a = try p4Case(repo)
        let b = try p4Case(repo)
        let file = "cases/2026/\(b)/expediente.md"
        let original = repo.read(file)
        try repo.write(original + "Mío.\n", to: file)
        try repo.git(["stash", "-q"])
        try repo.write(original + "Suyo.\n", to: file)
        _ = try repo.book.recordNote(caseID: b, persona: "mrodriguez", text: "Suyo")
        #expect(try !Sandbox.git(["stash", "pop"], in: repo.path).ok, "a conflict")
        try repo.expectRefusal(["conflictos sin resolver", file, "git restore --staged ARCHIVO", "folio note ID"]) {
            try repo.step(a, as: "mrodriguez")
        }
        // The way out it gives: the file as it should be, out of the index; then the step, and the edit is a note's.
        try repo.write(original + "Suyo.\nMío.\n", to: file)
        try repo.git(["restore", "--staged", file])
        try repo.step(a, as: "mrodriguez")
        _ = try repo.book.recordNote(caseID: b, persona: "mrodriguez", text: "Mío también")
        #expect(try repo.git(["status", "--porcelain"]) == "")
    }

    /// attack31: an analyst's unsaved edit of an expediente refused the jefe's `roles add`.
    @Test("a roles change leaves others' unstaged edits of case folders alone and commits roles.yaml only; a staged edit there, or a hand edit of roles.yaml, still refuses it")
    func rolesBesideCaseEdits() throws {
        let repo = try CaseRepo()
        let a = try p4Case(repo)
        let file = "cases/2026/\(a)/expediente.md"
        try repo.write(repo.read(file) + "Borrador del analista.\n", to: file)
        let zz = Persona(id: "zz", name: "Zoila Zea", email: "zz@igss.gob.gt", roles: [.analista])
        try repo.book.addPersona(zz, actor: "mrodriguez")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]) == "roles.yaml")
        #expect(try repo.git(["status", "--porcelain"]) == "M \(file)")
        try repo.git(["add", file])
        try repo.expectRefusal([file]) {
            try repo.book.addPersona(Persona(id: "yy", name: "Yoli Yat", email: "yy@igss.gob.gt", roles: [.analista]), actor: "mrodriguez")
        }
        try repo.git(["reset", "-q"])
        try repo.write(repo.read("roles.yaml") + "# a mano\n", to: "roles.yaml")
        try repo.expectRefusal(["roles.yaml"]) {
            try repo.book.addPersona(Persona(id: "yy", name: "Yoli Yat", email: "yy@igss.gob.gt", roles: [.analista]), actor: "mrodriguez")
        }
        #expect(repo.read("roles.yaml").hasSuffix("# a mano\n"), "the hand edit is kept")
        #expect(try repo.book.verify().ok)
    }

    @Test("a case file git does not look at (assume-unchanged, skip-worktree), a submodule in the case, roles.yaml marked: refused with the fix and nothing recorded; without the marks the edit is recorded")
    func hiddenFromGit() throws {
        let repo = try CaseRepo()
        let id = try p4Case(repo)
        // roles.yaml marked: `roles add` would commit nothing and say the person was added.
        try repo.git(["update-index", "--assume-unchanged", "roles.yaml"])
        try repo.expectRefusal(["roles.yaml", "--no-assume-unchanged"]) {
            _ = try repo.book.addPersona(Persona(id: "zz", name: "Zoila Zea", email: "zz@igss.gob.gt", roles: [.analista]), actor: "mrodriguez")
        }
        try repo.git(["update-index", "--no-assume-unchanged", "roles.yaml"])
        let file = "cases/2026/\(id)/expediente.md"
        try repo.write(repo.read(file) + "Cambio que el paso debe guardar.\n", to: file)
        // Marked, git's status does not see the edit: a commit would take the index's copy and say "Registrado".
        try repo.git(["update-index", "--assume-unchanged", file])
        #expect(try repo.git(["status", "--porcelain"]).isEmpty)
        try repo.expectRefusal(["assume-unchanged", file, "git update-index --no-assume-unchanged --no-skip-worktree -- \(file)"]) {
            try repo.step(id, as: "mrodriguez")
        }
        try repo.git(["update-index", "--no-assume-unchanged", file])
        try repo.git(["update-index", "--skip-worktree", file])
        #expect(try repo.git(["ls-files", "-v", file]) == "S \(file)")
        // A note whose only edit git does not see is told why, not "nothing to record".
        try repo.expectRefusal(["skip-worktree", file]) { _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "nota") }
        try repo.git(["update-index", "--no-skip-worktree", file])
        // A submodule entry where the case keeps files: plain `git add -A` would not keep it, verify flags it.
        let head = try repo.git(["rev-parse", "HEAD"])
        try repo.git(["update-index", "--add", "--cacheinfo", "160000,\(head),cases/2026/\(id)/sub"])
        try repo.expectRefusal(["submódulo", "cases/2026/\(id)/sub", "git rm --cached -- cases/2026/\(id)/sub"]) { try repo.step(id, as: "mrodriguez") }
        try repo.git(["rm", "-q", "--cached", "cases/2026/\(id)/sub"])
        let done = try repo.step(id, as: "mrodriguez")
        #expect(try repo.git(["show", "\(done.commit.hex):\(file)"]).contains("Cambio que el paso debe guardar."))
        #expect(try repo.git(["status", "--porcelain"]).isEmpty)
    }

    @Test("a repository in the middle of a merge")
    func mergeInProgress() throws {
        let repo = try CaseRepo()
        let id = try p4Case(repo)
        let file = "cases/2026/\(id)/expediente.md"
        try repo.git(["checkout", "-q", "-b", "otra"])
        try repo.write(repo.read(file) + "Versión A.\n", to: file)
        try repo.git(["commit", "-qam", "A"])
        try repo.git(["checkout", "-q", "main"])
        try repo.write(repo.read(file) + "Versión B.\n", to: file)
        try repo.git(["commit", "-qam", "B"])
        #expect(try Sandbox.git(["merge", "otra"], in: repo.path).status != 0)
        try repo.expectRefusal(["merge", "git merge --abort"]) { try repo.step(id, as: "mrodriguez") }
    }

    @Test("not a repository, a bare one, an empty folder")
    func repositoryStates() throws {
        let box = Sandbox()
        #expect {
            _ = try Casebook.open(at: box.path, clock: Clock(now: Date()))
        } throws: { "\($0)".contains("folio init") }
        try Sandbox.gitOut(["init", "-q", "--bare", "b.git"], in: box.path)
        #expect {
            _ = try Casebook.open(at: box.path + "/b.git", clock: Clock(now: Date()))
        } throws: { "\($0)".contains("bare") && "\($0)".contains("git clone") }
        let repo = try CaseRepo(staff: false)
        #expect(throws: CasebookError.self) {
            _ = try Casebook.create(at: repo.path, jefe: CaseRepo.jefe, schemas: Sandbox.schemas, clock: Clock(now: Date()))
        }
        #expect {
            _ = try Casebook.create(at: box.path + "/n", jefe: "Sin correo", schemas: Sandbox.schemas, clock: Clock(now: Date()))
        } throws: { "\($0)".contains("Nombre Apellido <correo>") }
        #expect(!FileManager.default.fileExists(atPath: box.path + "/n"), "a refused init leaves nothing behind")
    }

    @Test("a malformed roles.yaml committed by hand is named when folio reads it")
    func malformedRoles() throws {
        let repo = try CaseRepo()
        let id = try p4Case(repo)
        try repo.write("personas:\n  - id: x\n    nombre: [\n", to: "roles.yaml")
        try repo.git(["commit", "-qam", "roto", "--author", CaseRepo.jefe])
        try repo.expectRefusal(["roles.yaml", "línea"]) { try repo.step(id, as: "mrodriguez") }
    }
}

@Suite("verify")
struct VerifyTests {
    @Test("a plain-git commit claiming a step its author's role does not allow fails verify, naming commit and rule")
    func forgedStep() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "P", sets: ["snip=1", "unidad_ejecutora=U"],
                                                       persona: "mrodriguez")).caseID
        #expect(try repo.book.verify().ok)
        // Ana (analista) claims step 02, which is the jefe's, as jefe.
        let message = "\(id) paso 02\n\nExpediente: \(id)\nProcedimiento: 4\nPaso: 02\nRol: jefe\nSigned-off-by: Ana López <alopez@igss.gob.gt>\n"
        try repo.git(["commit", "-q", "--allow-empty", "-m", message, "--author", "Ana López <alopez@igss.gob.gt>"])
        let forged = try repo.git(["rev-parse", "HEAD"])
        let report = try repo.book.verify()
        #expect(!report.ok)
        let v = try #require(report.violations.first)
        #expect(v.commit == forged && v.caseID == id && v.step == "02" && v.rule == "role")
        #expect(v.message.contains("alopez") && v.message.contains("jefe"))
        // The forged step is not counted in the case's status either.
        #expect(try repo.book.status(of: id).lastStep == "01")
    }

    @Test("out of order, bad trailers, missing sign-off and roles.yaml changed by a non-jefe are each reported")
    func everyRule() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "C", persona: "mrodriguez")).caseID
        let jefe = CaseRepo.jefe
        func commit(_ trailers: String, author: String = CaseRepo.jefe) throws -> String {
            try repo.git(["commit", "-q", "--allow-empty", "-m", "x\n\n" + trailers, "--author", author])
            return try repo.git(["rev-parse", "HEAD"])
        }
        let skip = try commit("Expediente: \(id)\nProcedimiento: 7\nPaso: 03\nRol: jefe\nSigned-off-by: \(jefe)")
        let noSign = try commit("Expediente: \(id)\nProcedimiento: 7\nPaso: 02\nRol: jefe")
        let badRole = try commit("Expediente: \(id)\nProcedimiento: 7\nRol: gerente\nSigned-off-by: \(jefe)")
        let stranger = try commit("Expediente: \(id)\nProcedimiento: 7\nRol: jefe\nSigned-off-by: Otro <otro@x.org>", author: "Otro <otro@x.org>")
        try repo.write(repo.read("roles.yaml").replacingOccurrences(of: "roles: [asistente]", with: "roles: [asistente, jefe]"), to: "roles.yaml")
        try repo.git(["commit", "-qam", "me hago jefe", "--author", "Jorge Pérez <jperez@igss.gob.gt>"])
        let rolesChange = try repo.git(["rev-parse", "HEAD"])
        let report = try repo.book.verify()
        let found = Set(report.violations.map { "\($0.commit)|\($0.rule)" })
        #expect(found.contains("\(skip)|step-order"))
        #expect(found.contains("\(noSign)|signoff"))
        #expect(found.contains("\(badRole)|trailers"))
        #expect(found.contains("\(stranger)|author"))
        #expect(found.contains("\(rolesChange)|roles-file"))
        #expect(report.commits == Int(try repo.git(["rev-list", "--count", "HEAD"])))
    }

    @Test("a dependency code the department does not know (a typo, a unit never registered) is refused with the codes it knows, at a step, an archive, an attachment, a template and the production review; one the jefe lists in dependencias_esperadas is taken")
    func unknownDependency() throws {
        let repo = try CaseRepo()
        let id = try repo.poaRound()
        let known = ["HGE, HRO, DIP", "dependencias_esperadas", "Revise el código de --dependency", "folio roles add ID --name \"NOMBRE\" --email CORREO --role dependencia --dependency"]
        try repo.expectRefusal(["'XYZ' no es ninguna dependencia que el departamento conozca"] + known) {
            try repo.step(id, "10", as: "alopez", dependency: "XYZ")
        }
        try repo.expectRefusal(["'HGEE' no es ninguna dependencia"]) { try repo.step(id, "10", as: "alopez", dependency: "hgee") }
        try repo.step(id, "10", as: "alopez", dependency: "HGE")
        try repo.box.write("%PDF-1.4\n", to: "entrada/poa.pdf")
        let pdf = repo.box.path + "/entrada/poa.pdf"
        try repo.expectRefusal(["'XYZ' no es ninguna dependencia"] + known) {
            _ = try repo.book.recordStep(StepRequest(caseID: id, step: "12", persona: "alopez", dependency: "XYZ", archive: ArchiveRequest(files: [pdf])))
        }
        try repo.expectRefusal(["'XYZ' no es ninguna dependencia"] + known) {
            _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: nil, archive: ArchiveRequest(files: [pdf]), dependency: "XYZ")
        }
        try repo.expectRefusal(["'XYZ' no es ninguna dependencia"]) {
            _ = try repo.book.writeTemplates(for: StepRequest(caseID: id, step: "11", dependency: "XYZ"))
        }
        #expect { _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: nil, archive: ArchiveRequest(files: [pdf]), dependency: "XYZ") }
            throws: { ($0 as? CasebookError)?.code == "FOLIO-E075" }
        // The jefe lists a dependency with no contact yet: the round expects it, and its POA is taken.
        let file = "cases/2026/\(id)/expediente.md"
        try repo.write("---\ndependencias_esperadas: [HGE, HRO, HGA]\n" + repo.read(file).dropFirst("---\n".count), to: file)
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Se espera también el POA de HGA")
        #expect(try repo.step(id, "10", as: "alopez", dependency: "HGA").step == "10")
        // The production review, a reader, refuses it too.
        repo.at("2026-11-27T09:00:00-06:00")
        let month = try repo.productionMonth()
        #expect { _ = try repo.book.reviewProduction(caseID: month, dependency: "HGX") } throws: {
            ($0 as? CasebookError)?.code == "FOLIO-E075" && "\($0)".contains("HGE, HRO, DIP")
        }
        #expect(try repo.book.reviewProduction(caseID: month, dependency: "HGE").dependency == "HGE")
    }

    @Test("a dependency is known by what is committed: a code added to dependencias_esperadas in the work tree only does not let a step for it through folio, and the same step made with plain git is refused by verify, left out of status, and named as FOLIO-P13 (attack33)")
    func unknownDependencyListedInWorkTreeOnly() throws {
        let repo = try CaseRepo()
        let id = try repo.poaRound()
        let file = "cases/2026/\(id)/expediente.md"
        let committed = repo.read(file)
        let listed = "---\ndependencias_esperadas: [HGE, HRO, XYZ]\n" + committed.dropFirst("---\n".count)
        // The analyst adds XYZ without committing it: the step for XYZ is refused (it was taken before).
        try repo.write(listed, to: file)
        try repo.expectRefusal(["'XYZ' no es ninguna dependencia que el departamento conozca", "HGE, HRO"]) {
            try repo.step(id, "10", as: "alopez", dependency: "XYZ")
        }
        // A jefe's uncommitted list is no more: the message says so, and the note to type (staff34).
        try repo.expectRefusal(["'XYZ' no es ninguna dependencia", "la lista en su copia de trabajo, pero ese cambio no está registrado",
                                "folio note \(id) -m \"Se espera también XYZ\" --as JEFE", "folio sync"]) {
            _ = try repo.book.writeTemplates(for: StepRequest(caseID: id, step: "10", dependency: "XYZ"))
        }
        try repo.write(committed, to: file)
        #expect(try repo.git(["status", "--porcelain"]).isEmpty)
        // The same step made with plain git, trailers and all, by the analyst who holds the role.
        let before = try repo.git(["rev-parse", "HEAD"])
        try repo.write("POA de XYZ\n", to: "cases/2026/\(id)/dependencias/XYZ/poa.md")
        let forged = try repo.plainCommit(CaseRepo.poaStepMessage(id, step: "10", dependency: "XYZ"))
        for report in [try repo.book.verify(), try repo.book.verify(range: "\(before)..\(forged)")] {
            #expect(report.violations.contains { $0.commit == forged && $0.kind == .stepOrder && $0.message.contains("XYZ no era ninguna dependencia")
                        && $0.fix.contains("folio roles add") }, "\(report.violations.map(\.message))")
        }
        #expect(try !repo.book.status(of: id).dependencies!.contains { $0.code == "XYZ" })
        #expect(ProcedureError.unknownDependency(step: "10", dependency: "XYZ").code == "FOLIO-P13")
        // Listed by the jefe in a committed note, the same code is known, by folio and by verify.
        _ = try repo.git(["reset", "-q", "--hard", before])
        try repo.write(listed, to: file)
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Se espera también el POA de XYZ")
        #expect(try repo.step(id, "10", as: "alopez", dependency: "XYZ").step == "10")
        #expect(try repo.book.verify().ok)
        #expect(try repo.book.status(of: id).dependencies!.contains { $0.code == "XYZ" })
    }

    @Test("documents for a code the department does not know are refused when their folder dependencias/<CODE>/ would be added (a note, an attachment by its path: FOLIO-E075), and verify warns of one added with plain git (attack34)")
    func unknownDependencyFolder() throws {
        let repo = try CaseRepo()
        let id = try repo.poaRound()
        let folder = "cases/2026/\(id)/dependencias"
        try repo.write("%PDF-1.4\n", to: "\(folder)/XYZ/poa-2027.pdf")
        // folio check says so first.
        let checked = try repo.book.check(caseID: id)
        #expect(checked.problems.contains { $0.file == "\(folder)/XYZ" && $0.message.contains("FOLIO-E075") }, "\(checked.problems)")
        try repo.expectRefusal(["\(folder)/XYZ es la carpeta de 'XYZ'", "no es ninguna dependencia que el departamento conozca", "HGE, HRO",
                                "Mueva esos documentos", "folio note \(id) -m \"Se espera también XYZ\" --as JEFE", "reemplaza a los enlaces de roles.yaml"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "POA de XYZ")
        }
        try repo.expectRefusal(["\(folder)/XYZ es la carpeta de 'XYZ'"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: nil,
                                         archive: ArchiveRequest(files: [repo.path + "/\(folder)/XYZ/poa-2027.pdf"]))
        }
        #expect { _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "POA de XYZ") } throws: { ($0 as? CasebookError)?.code == "FOLIO-E075" }
        #expect(try repo.git(["status", "--porcelain"]) == "?? \(folder)/")
        // A registered dependency's folder is taken, by its path too.
        try FileManager.default.moveItem(atPath: repo.path + "/\(folder)/XYZ", toPath: repo.path + "/\(folder)/HGE")
        _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: nil, archive: ArchiveRequest(files: [repo.path + "/\(folder)/HGE/poa-2027.pdf"]))
        #expect(try repo.book.verify().ok)
        // With plain git: verify warns of the commit that adds the folder.
        try repo.write("%PDF-1.4\n", to: "\(folder)/XYZ/poa-2027.pdf")
        let planted = try repo.plainCommit("POA de XYZ")
        let report = try repo.book.verify()
        #expect(report.violations.contains { $0.commit == planted && $0.rule == "datos-dependencia" && $0.severity == "warning"
                    && $0.message.contains("\(folder)/XYZ/, la carpeta de 'XYZ'") }, "\(report.violations.map { "\($0.rule) \($0.message)" })")
    }

    @Test("a list of expected dependencies someone other than a jefe changed lets no step for the code it added count, even once the jefe puts the list back; an excuse for an unknown code, or by someone who is not a jefe, does not count either, and verify names each (attack34)")
    func listChangedByAnalyst() throws {
        let repo = try CaseRepo()
        let id = try repo.poaRound()
        let file = "cases/2026/\(id)/expediente.md"
        let original = repo.read(file)
        // The analyst lists XYZ with plain git (the rule rol's finding), then records XYZ's POA.
        try repo.write("---\ndependencias_esperadas: [HGE, HRO, XYZ]\n" + original.dropFirst("---\n".count), to: file)
        let bad = try repo.plainCommit("Agrega XYZ")
        try repo.write("POA de XYZ\n", to: "cases/2026/\(id)/dependencias/XYZ/poa.md")
        let step = try repo.plainCommit(CaseRepo.poaStepMessage(id, step: "10", dependency: "XYZ"))
        // The jefe writes the list anew, as status tells him to.
        try repo.write("---\ndependencias_esperadas: [HGE, HRO]\n" + original.dropFirst("---\n".count), to: file)
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "La lista la dice el jefe")
        let report = try repo.book.verify()
        #expect(report.violations.contains { $0.commit == bad && $0.rule == "role" }, "\(report.violations.map { "\($0.rule) \($0.message)" })")
        #expect(report.violations.contains { $0.commit == step && $0.kind == .stepOrder && $0.message.contains("XYZ no era ninguna dependencia") },
                "\(report.violations.map { "\($0.rule) \($0.message)" })")
        #expect(try repo.book.verify(range: "\(bad)..HEAD").violations.contains { $0.commit == step && $0.kind == .stepOrder })
        #expect(try !repo.book.status(of: id).dependencies!.contains { $0.code == "XYZ" })

        // The jefe's excuse of a code no one knows, made with plain git (folio excusar refuses it).
        _ = try repo.git(["reset", "-q", "--hard", bad + "~1"])
        let excuse = "\(id): cierre sin XYZ\n\nExpediente: \(id)\nProcedimiento: 2\nRol: jefe\nExcusa: XYZ\n"
            + "Signed-off-by: María Rodríguez <mrodriguez@igss.gob.gt>\n"
        let unknown = try repo.plainCommit(excuse, author: "María Rodríguez <mrodriguez@igss.gob.gt>")
        // And an analyst's excuse of HRO, a dependency the round expects.
        let forged = try repo.plainCommit(excuse.replacingOccurrences(of: "XYZ", with: "HRO").replacingOccurrences(of: "Rol: jefe", with: "Rol: analista"))
        let excuses = try repo.book.verify()
        #expect(excuses.violations.contains { $0.commit == unknown && $0.kind == .stepOrder && $0.message.contains("El cierre sin XYZ (excusa) no cuenta") },
                "\(excuses.violations.map { "\($0.rule) \($0.message)" })")
        #expect(excuses.violations.contains { $0.commit == unknown && $0.fix.contains("folio excusar \(id) XYZ") })
        #expect(excuses.violations.contains { $0.commit == forged && $0.kind == .stepOrder && $0.message.contains("solo un jefe de departamento")
                    && $0.fix.contains("folio excusar \(id) HRO -m MOTIVO --as JEFE") },
                "\(excuses.violations.map { "\($0.rule) \($0.message)" })")
        let status = try repo.book.status(of: id)
        #expect((status.excused ?? []).isEmpty, "\(String(describing: status.excused))")
        // A note for XYZ (as attach --dependency writes it) made with plain git: named too.
        let note = try repo.plainCommit("\(id): nota\n\nExpediente: \(id)\nProcedimiento: 2\nRol: analista\nDependencia: XYZ\n"
                                        + "Signed-off-by: Ana López <alopez@igss.gob.gt>\n")
        #expect(try repo.book.verify().violations.contains { $0.commit == note && $0.kind == .stepOrder && $0.message.contains("La nota para XYZ no cuenta") })
    }

    @Test("a jefe lists a new dependency and brings its first document in one note, or attaches it with --dependency while the list is edited: both taken, and its steps follow; a typo's folder is named by check with the code meant (staff34)")
    func jefeListsAndFilesAtOnce() throws {
        let repo = try CaseRepo()
        let id = try repo.poaRound()
        let file = "cases/2026/\(id)/expediente.md"
        let original = repo.read(file)
        try repo.write("---\ndependencias_esperadas: [HGE, HRO, HSX]\n" + original.dropFirst("---\n".count), to: file)
        try repo.write("%PDF-1.4\n", to: "cases/2026/\(id)/dependencias/HSX/oficio.pdf")
        // Not an analyst's note: the list is the jefe's.
        #expect { _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "HSX") } throws: { _ in true }
        #expect(try repo.book.check(caseID: id).problems.filter { $0.message.contains("FOLIO-E075") }.isEmpty)
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Se espera también el POA del HSX")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).contains("dependencias/HSX/oficio.pdf"))
        #expect(try repo.step(id, "10", as: "alopez", dependency: "HSX").step == "10")
        #expect(try repo.book.verify().ok)
        // attach --dependency by the jefe, the list edited in the same command's commit.
        let text = repo.read(file)
        try repo.write(text.replacingOccurrences(of: "[HGE, HRO, HSX]", with: "[HGE, HRO, HSX, HTQ]"), to: file)
        try repo.box.write("%PDF-1.4\n", to: "entrada/poa-htq.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil,
                                     archive: ArchiveRequest(files: [repo.box.path + "/entrada/poa-htq.pdf"]), dependency: "HTQ")
        #expect(try repo.step(id, "10", as: "alopez", dependency: "HTQ").step == "10")
        #expect(try repo.book.verify().ok)
        // A typo's folder: check names it and the code most likely meant.
        try repo.write("%PDF-1.4\n", to: "cases/2026/\(id)/dependencias/HEG/oficio.pdf")
        let checked = try repo.book.check(caseID: id)
        #expect(checked.problems.contains { $0.file == "cases/2026/\(id)/dependencias/HEG" && $0.message.contains("¿Quiso decir HGE?") }, "\(checked.problems)")
        try repo.expectRefusal(["¿Quiso decir HGE?", "Mueva esos documentos"]) { _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "oficio") }
    }

    @Test("a case folder moved to another year with plain git is a finding of its own, not two changes of dependencias_esperadas besides (attack34)")
    func movedCaseKeepsItsList() throws {
        let repo = try CaseRepo(date: "2026-11-26T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", sets: ["dependencias_esperadas=[DIP, TIC]"],
                                                       persona: "mrodriguez")).caseID
        try FileManager.default.createDirectory(atPath: repo.path + "/cases/2027", withIntermediateDirectories: true)
        try repo.git(["mv", "cases/2026/\(id)", "cases/2027/\(id)"])
        let moved = try repo.plainCommit("Movido")
        let found = try repo.book.verify().violations.filter { $0.commit == moved }
        #expect(!found.isEmpty && !found.contains { $0.message.contains("dependencias_esperadas") }, "\(found.map { "\($0.rule) \($0.message)" })")
    }
}
