@testable import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("Months and POA rounds complete before they close; the head's text is kept")
struct MonthCloseTests {
    /// November 2026 with HGE and HRO through step 05; HGA registered but silent.
    func month() throws -> (CaseRepo, String) {
        let repo = try CaseRepo(date: "2026-11-27T08:00:00-06:00")
        try repo.book.addPersona(Persona(id: "hga", name: "Sonia Chávez", email: "schavez@igss.gob.gt", roles: [.dependencia],
                                         dependency: "HGA", dependencyName: "Hospital General de Accidentes"), actor: "mrodriguez")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        for code in ["HGE", "HRO"] {
            try repo.writeProduction(id, code)
            try repo.step(id, "01", as: code.lowercased(), dependency: code)
            try repo.step(id, "02", as: "cmendez", dependency: code)
            try repo.step(id, "03", as: "alopez", dependency: code)
            // Approval (04) opens with the next month (P3 norm 2): approved early, with the reason.
            try repo.book.recordStep(StepRequest(caseID: id, step: "04", persona: "alopez", decision: "si", dependency: code,
                                                 justification: "Revisión adelantada por el cierre del año"))
            try repo.step(id, "05", as: "alopez", dependency: code)
        }
        return (repo, id)
    }

    @Test("step 06 is refused before the month ends and while a registered dependency is missing; the jefe closes without it, and the report names it")
    func closeWithoutOne() throws {
        let (repo, id) = try month()
        try repo.expectRefusal(["cierra el mes 2026-11, que aún no ha terminado", "2026-12-01"]) { try repo.step(id, "06", as: "alopez") }
        repo.at("2026-12-01T08:00:00-06:00")
        try repo.expectRefusal(["faltan dependencias esperadas", "HGA (no ha empezado)", "folio excusar \(id) HGA"]) {
            try repo.step(id, "06", as: "alopez")
        }
        // The same step 06 made with plain git, by the analyst: before the month ended, and with HGA
        // missing. Verify (and so the hook) refuses both as folio does; status leaves them out.
        let open = try repo.git(["rev-parse", "HEAD"])
        for (date, expected) in [("2026-11-30T18:00:00-06:00", "cierra el mes 2026-11, que aún no había terminado: se registra desde el 2026-12-01"),
                                 ("2026-12-01T09:00:00-06:00", "HGA (le falta el paso 01)")] {
            _ = try Sandbox.git(["commit", "-q", "--allow-empty", "--author", "Ana López <alopez@igss.gob.gt>", "-m",
                                 "\(id) paso 06\n\nExpediente: \(id)\nProcedimiento: 3\nPaso: 06\nRol: analista\n"
                                   + "Signed-off-by: Ana López <alopez@igss.gob.gt>\n"],
                                in: repo.path, env: ["GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date])
            let forged = try repo.git(["rev-parse", "HEAD"])
            let found = try repo.book.verify().violations
            #expect(found.contains { $0.commit == forged && $0.rule == "step-order" && $0.message.contains(expected) }, "\(found.map(\.message))")
            #expect(try repo.book.status(of: id).next.contains { $0.step == "06" })
            _ = try repo.git(["reset", "-q", "--hard", open])
        }
        // Only a jefe closes without a dependency, naming it and the reason.
        try repo.expectRefusal(["Solo el jefe"]) { _ = try repo.book.excuse(caseID: id, dependency: "HGA", reason: "x", persona: "alopez") }
        try repo.expectRefusal(["falta el motivo"]) { _ = try repo.book.excuse(caseID: id, dependency: "HGA", reason: " ", persona: "mrodriguez") }
        try repo.expectRefusal(["HGE no es una dependencia pendiente", "Pendientes: HGA"]) {
            _ = try repo.book.excuse(caseID: id, dependency: "HGE", reason: "x", persona: "mrodriguez")
        }
        #expect(try repo.book.status(of: id).missing == ["HGA"])
        _ = try repo.book.excuse(caseID: id, dependency: "HGA", reason: "Falla del sistema local; enviará en diciembre", persona: "mrodriguez")
        let status = try repo.book.status(of: id)
        #expect(status.missing == [] && status.excused?.first?.code == "HGA" && status.expected == ["HGE", "HRO", "HGA"])
        // Every contact finished or excused: no dependency's step 01 is pending, overdue or not (staff34).
        #expect(!status.next.contains { $0.step == "01" }, "\(status.next.map { "\($0.step) \($0.overdue)" })")
        #expect(try repo.git(["log", "-1", "--format=%(trailers:key=Excusa,valueonly,separator=)"]) == "HGA")
        let logged = try #require(try repo.book.log(of: id).last)
        #expect(logged.kind == "excuse" && logged.dependency == "HGA")
        // Excused before it started, HGA records no step of this month (attack16r: its step 01 had
        // been taken, and the month then waited for its 02).
        try repo.writeProduction(id, "HGA")
        try repo.expectRefusal(["el jefe cerró la ronda sin HGA"]) { try repo.step(id, "01", as: "hga", dependency: "HGA") }
        // A file dropped in for the excused HGA, and HRO's approved figures changed after step 04: the
        // month's step 06 commits neither, and its report counts what the dependencies' steps recorded.
        try repo.writeProduction(id, "HGA", executed: 777_777)
        let hro = "cases/2026/\(id)/produccion/HRO.csv"
        let approved = repo.read(hro)
        try repo.write(approved.replacingOccurrences(of: "1250,1200", with: "1250,36720"), to: hro)
        try repo.step(id, "06", as: "alopez")
        let committed = try repo.git(["show", "--name-only", "--format=", "HEAD"])
        #expect(!committed.contains("produccion/"), "\(committed)")
        #expect(try repo.git(["show", "HEAD:\(hro)"]) + "\n" == approved)
        #expect(!repo.read("cases/2026/\(id)/informe/consolidado-2026-11.md").contains("777,777"))
        #expect(!repo.read("cases/2026/\(id)/informe/consolidado-2026-11.md").contains("36,720"))
        let report = repo.read("cases/2026/\(id)/informe/consolidado-2026-11.md")
        #expect(report.contains("Dependencias que este informe no cuenta (el jefe cerró el mes sin ellas") && report.contains("**HGA**: Falla del sistema local; enviará en diciembre"))
        #expect(repo.read("cases/2026/\(id)/informe/consolidado-2026-11.html").contains("<strong>HGA</strong>"))
        // HGA cannot report into a closed round; the slip shows the jefe's closing.
        #expect(repo.read("cases/2026/\(id)/hoja-de-ruta.md").contains("Cierre sin HGA: el jefe lo excusa"))
        #expect(try repo.book.verify().ok)
    }

    @Test("a dependency that started and stalled is excused: step 06 closes without it, its unreviewed figures are not counted, and it records no more")
    func excuseStarted() throws {
        let (repo, id) = try month()
        try repo.writeProduction(id, "HGA", executed: 555_555)
        try repo.step(id, "01", as: "hga", dependency: "HGA")
        repo.at("2026-12-01T08:00:00-06:00")
        try repo.expectRefusal(["HGA (le falta el paso 02)"]) { try repo.step(id, "06", as: "alopez") }
        _ = try repo.book.excuse(caseID: id, dependency: "HGA", reason: "Cifras sin revisar al cierre", persona: "mrodriguez")
        let status = try repo.book.status(of: id)
        #expect(status.missing == [] && status.excused?.map(\.code) == ["HGA"])
        #expect(status.next.contains { $0.step == "06" }, "\(status.next)")
        // Before, the machine still waited for HGA's step 02 (FOLIO-P09) though the jefe had closed without it.
        try repo.step(id, "06", as: "alopez")
        let report = repo.read("cases/2026/\(id)/informe/consolidado-2026-11.md")
        #expect(!report.contains("555,555") && report.contains("**HGA**: Cifras sin revisar al cierre"), "\(report)")
        // Nor the base de monitoreo (staff16r): HGE and HRO as approved, nothing of HGA, even as in review.
        #expect(Set(try repo.book.exportProduction().map(\.dependency)) == ["HGE", "HRO"])
        #expect(!(try repo.book.exportProduction(inReview: true)).contains { $0.dependency == "HGA" })
        #expect(try repo.git(["log", "-1", "--format=%(trailers:key=Paso,valueonly,separator=)"]) == "06")
        // HGA's thread has left the round: its next step is refused, and verify stays clean.
        try repo.expectRefusal(["el jefe cerró la ronda sin HGA"]) { try repo.step(id, "02", as: "cmendez", dependency: "HGA") }
        #expect(try repo.book.verify().ok)
        // A jefe's excuse made with plain git for HGE, which had finished, and after the month closed
        // (attack16r): no excuse, a step-order finding, and the report's figures stand.
        try repo.write("nota\n", to: "cases/2026/\(id)/nota-hge.md")
        _ = try repo.git(["add", "-A"])
        _ = try repo.git(["commit", "-q", "--author", "María Rodríguez <mrodriguez@igss.gob.gt>", "-m",
                          "\(id): se cierra sin HGE\n\nExpediente: \(id)\nProcedimiento: 3\nRol: jefe\nExcusa: HGE\n"
                            + "Signed-off-by: María Rodríguez <mrodriguez@igss.gob.gt>"])
        #expect(try repo.book.status(of: id).excused?.map(\.code) == ["HGA"])
        let verified = try repo.book.verify()
        #expect(verified.violations.contains { $0.rule == "step-order" && $0.message.contains("El cierre sin HGE no corresponde") }, "\(verified.violations)")
        let again = try repo.book.regenerateReports(caseID: id, into: repo.box.path + "/otra")
        let regenerated = try String(contentsOfFile: try #require(again.first { $0.hasSuffix("consolidado-2026-11.md") }), encoding: .utf8)
        #expect(!regenerated.contains("**HGE**") && regenerated.contains("| HGE |"), "\(regenerated)")
        // An excuse made by someone who is not a jefe (plain git, forged trailer) releases nothing.
        let (other, second) = try month()
        try other.writeProduction(second, "HGA")
        try other.step(second, "01", as: "hga", dependency: "HGA")
        other.at("2026-12-01T08:00:00-06:00")
        try other.write("nota\n", to: "cases/2026/\(second)/notas.md")
        _ = try other.git(["add", "-A"])
        _ = try other.git(["-c", "user.name=Ana López", "-c", "user.email=alopez@igss.gob.gt", "commit", "-q", "-m",
                           "\(second): se cierra sin HGA\n\nExpediente: \(second)\nProcedimiento: 3\nExcusa: HGA"])
        try other.expectRefusal(["HGA (le falta el paso 02)"]) { try other.step(second, "06", as: "alopez") }
    }

    @Test("which dependencies a round expects is the jefe's to say: another's note or plain-git change of dependencias_esperadas is refused")
    func expectedListByJefe() throws {
        let (repo, id) = try month()
        let file = "cases/2026/\(id)/expediente.md"
        let text = repo.read(file)
        let shorter = text.replacingOccurrences(of: "---\n", with: "---\ndependencias_esperadas: [HGE, HRO]\n", options: [], range: text.range(of: "---\n"))
        // The analyst drops HGA, which has not reported, to close the month without an excuse (attack16v).
        try repo.write(shorter, to: file)
        // folio check, as the analyst's pre-commit hook, says so first (staff16w); for the jefe it is no problem.
        _ = try repo.git(["config", "user.email", "alopez@igss.gob.gt"])
        #expect(try repo.book.check(caseID: id).problems.contains { $0.file == file && $0.message.contains("lo dice el jefe") })
        _ = try repo.git(["config", "user.email", "mrodriguez@igss.gob.gt"])
        #expect(!(try repo.book.check(caseID: id).problems.contains { $0.file == file }))
        try repo.expectRefusal(["cambia 'dependencias_esperadas'", "lo dice el jefe", "folio excusar"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "Solo dos")
        }
        _ = try repo.git(["commit", "-qam", "solo dos", "--author", "Ana López <alopez@igss.gob.gt>"])
        let forged = try repo.git(["rev-parse", "HEAD"])
        let found = try repo.book.verify().violations
        #expect(found.contains { $0.commit == forged && $0.rule == "role" && $0.message.contains("dependencias_esperadas: de los enlaces de roles.yaml a HGE, HRO") },
                "\(found.map(\.message))")
        // The same change by the jefe's note stands.
        _ = try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        try repo.write(shorter, to: file)
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "HGA no presta el servicio este mes")
        repo.at("2026-12-01T08:00:00-06:00")
        try repo.step(id, "06", as: "alopez")
        #expect(try repo.book.verify().ok)
    }

    /// attack18: the analyst's plain-git commit that drops HGA is refused by verify and the hook,
    /// but the clone's status showed the shorter list with no warning, and folio's own closing
    /// step was judged on it.
    @Test("a plain-git change of dependencias_esperadas by someone who is not a jefe: status shows the case damaged, its round as the last record left it; the closing step and others' notes are refused until the commit leaves the branch")
    func foreignListChange() throws {
        let (repo, id) = try month()
        let file = "cases/2026/\(id)/expediente.md"
        let text = repo.read(file)
        let shorter = text.replacingOccurrences(of: "---\n", with: "---\ndependencias_esperadas: [HGE, HRO]\n", options: [], range: text.range(of: "---\n"))
        let before = try repo.git(["rev-parse", "HEAD"])
        try repo.write(shorter, to: file)
        _ = try repo.git(["commit", "-qam", "solo dos", "--author", "Ana López <alopez@igss.gob.gt>"])
        let forged = try repo.git(["rev-parse", "HEAD"])
        let short = String(forged.prefix(7))
        repo.at("2026-12-01T08:00:00-06:00")
        let status = try repo.book.status(of: id)
        #expect(Set(status.expected ?? []) == ["HGE", "HRO", "HGA"] && status.missing == ["HGA"], "\(status.expected ?? []) \(status.missing ?? [])")
        let reason = status.damage?.reason ?? ""
        #expect(status.damage?.file == file && reason.contains(short) && reason.contains("alopez") && reason.contains("git rebase -i"), "\(reason)")
        #expect(status.next.isEmpty, "nothing folio would record is offered")
        #expect(try repo.book.check(caseID: id).problems.contains { $0.file == file && $0.message.contains(short) })
        // The list of all cases, cold and through its case index, says the same.
        for _ in 0..<2 {
            let all = try #require(try Casebook.open(at: repo.path, clock: repo.book.clock).statusOfAll().first { $0.id == id })
            #expect(all.damage == status.damage && all.missing == ["HGA"])
        }
        // Verify names the commit, as before; folio records nothing on top of it (a record would
        // hide it, staff21: the jefe's excuse did) but a jefe's note that writes the list anew.
        let report = try repo.book.verify()
        #expect(report.violations.contains { $0.commit == forged && $0.rule == "role" })
        // The content check's memo forgets the blobs it read (at scale every 32,768; here each one):
        // the lists it held are read again from their blobs, and the report is the same.
        let forgetful = try Casebook.open(at: repo.path, clock: repo.book.clock)
        forgetful.contentMemo = Casebook.ContentMemo(limit: 1)
        #expect(try forgetful.verify() == report)
        try repo.expectRefusal([short, "alopez", "no es jefe", "'git rebase -i \(short)~1' y cambie 'pick' por 'drop'", "git revert \(short)"]) {
            try repo.step(id, "06", as: "alopez")
        }
        try repo.expectRefusal([short]) { _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "Cierre") }
        try repo.expectRefusal([short]) { _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Visto") }
        try repo.expectRefusal([short]) { _ = try repo.book.excuse(caseID: id, dependency: "HGA", reason: "No reportó", persona: "mrodriguez") }
        #expect(try repo.git(["rev-parse", "HEAD"]) == forged)
        // The jefe's note that writes the list anew is taken: the list is the jefe's from then on.
        try repo.write(text, to: file)
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Se esperan las tres")
        let restored = try repo.book.status(of: id)
        #expect(restored.damage == nil && restored.missing == ["HGA"] && !restored.next.isEmpty, "\(restored)")
        // Out of the branch, as the fix says (the jefe's note set aside first): the case is as it was,
        // and the month closes only once HGA is excused.
        _ = try repo.git(["reset", "-q", "--hard", forged])
        _ = try Sandbox.run("/usr/bin/env", ["GIT_SEQUENCE_EDITOR=sed -i -e 's/^pick \(short)/drop \(short)/'", "git", "rebase", "-q", "-i", "\(short)~1"],
                            in: repo.path)
        #expect(try repo.git(["rev-parse", "HEAD"]) == before)
        #expect(try repo.book.status(of: id).damage == nil)
        try repo.expectRefusal(["HGA (no ha empezado)"]) { try repo.step(id, "06", as: "alopez") }
        // The jefe's own change, even with plain git, is the jefe's to make: the round expects what it lists.
        try repo.write(shorter, to: file)
        _ = try repo.git(["commit", "-qam", "solo dos", "--author", "María Rodríguez <mrodriguez@igss.gob.gt>"])
        let jefe = try repo.book.status(of: id)
        #expect(jefe.damage == nil && Set(jefe.expected ?? []) == ["HGE", "HRO"] && jefe.missing == [], "\(jefe)")
        // Nor is HGA's start pending any longer (due and inbox listed it as overdue, staff21).
        #expect(try !repo.book.pending().contains { $0.id == id && $0.dependency == "HGA" })
        try repo.step(id, "06", as: "alopez")
    }

    /// attack35: the refusal offered a jefe's note that writes "the list that corresponds", and the
    /// same list as the analyst's was refused; and a jefe's list that left out the code the analyst
    /// had added was warned as dropping it.
    @Test("after the analyst's plain-git list change, the refusal's fix for keeping that same list works as written (revert, then the jefe's note), and a jefe's list that takes out only the analyst's addition warns of nothing")
    func foreignListConfirmed() throws {
        let (repo, id) = try month()
        let file = "cases/2026/\(id)/expediente.md"
        let text = repo.read(file)
        let listing = { (codes: String) in text.replacingOccurrences(of: "---\n", with: "---\ndependencias_esperadas: [\(codes)]\n", options: [],
                                                                     range: text.range(of: "---\n")) }
        let before = try repo.git(["rev-parse", "HEAD"])
        // The analyst adds a code no one registered: the jefe's list of the three contacts drops nothing they expected.
        try repo.write(listing("HGE, HRO, HGA, HGO"), to: file)
        _ = try repo.git(["commit", "-qam", "una más", "--author", "Ana López <alopez@igss.gob.gt>"])
        try repo.write(listing("HGE, HRO, HGA"), to: file)
        let corrected = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Las tres de siempre")
        #expect(corrected.notices.isEmpty, "\(corrected.notices)")
        #expect(try repo.book.status(of: id).damage == nil)
        _ = try repo.git(["reset", "-q", "--hard", before])
        // HGA starts; then the analyst drops it and the jefe agrees. While the case is damaged, HGA
        // is stopped, not finished (staff35: the table said "terminó"); HGE finished. The same list in
        // a note is refused, and the fix says how.
        try repo.writeProduction(id, "HGA")
        try repo.step(id, "01", as: "hga", dependency: "HGA")
        try repo.write(listing("HGE, HRO"), to: file)
        _ = try repo.git(["commit", "-qam", "solo dos", "--author", "Ana López <alopez@igss.gob.gt>"])
        let forged = try repo.git(["rev-parse", "HEAD"])
        let short = String(forged.prefix(7))
        let damaged = try repo.book.status(of: id)
        #expect(damaged.damage != nil && damaged.dependencies?.first { $0.code == "HGA" }?.stopped == true
                && damaged.dependencies?.first { $0.code == "HGE" }?.stopped == nil, "\(damaged.dependencies ?? [])")
        try repo.expectRefusal(["si ya se publicó, un jefe lo revierte ('git revert \(short)'). Después, la lista que corresponda (aunque sea la de ese commit) la escribe el jefe"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "De acuerdo")
        }
        #expect(try repo.git(["rev-parse", "HEAD"]) == forged)
        _ = try repo.git(["-c", "user.name=María Rodríguez", "-c", "user.email=mrodriguez@igss.gob.gt", "revert", "--no-edit", forged])
        try repo.write(listing("HGE, HRO"), to: file)
        let noted = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "HGA no presta el servicio este mes")
        // HGA started: it still finishes its part, so the list does not stop expecting it (no Aviso).
        #expect(noted.notices.isEmpty, "\(noted.notices)")
        let status = try repo.book.status(of: id)
        #expect(status.damage == nil && Set(status.expected ?? []) == ["HGE", "HRO"] && status.missing == [], "\(status)")
        // A dependency that started finishes its part, listed or not.
        repo.at("2026-12-01T08:00:00-06:00")
        try repo.expectRefusal(["HGA (le falta el paso 02)"]) { try repo.step(id, "06", as: "alopez") }
    }

    /// staff30: an attach committed every pending edit of the case without a word, and a
    /// dependency's step left the case's other edits without naming them; a hand edit of the routing
    /// slip was replaced silently.
    @Test("a record says what it left of the case's pending edits, what an attach took besides its documents, and that a hand edit of the routing slip was replaced")
    func pendingEditsSaid() throws {
        let (repo, id) = try month()
        let folder = "cases/2026/\(id)"
        try repo.writeProduction(id, "HGA")
        try repo.write(repo.read("\(folder)/expediente.md") + "\nNota del analista, a medio escribir.\n", to: "\(folder)/expediente.md")
        try repo.write(repo.read("\(folder)/hoja-de-ruta.md") + "\nVisto.\n", to: "\(folder)/hoja-de-ruta.md")
        // Another dependency's document, dropped in its folder.
        try repo.write("Oficio\n", to: "\(folder)/dependencias/HGE/oficio.md")
        let step = try repo.step(id, "01", as: "hga", dependency: "HGA")
        // Paths as the repository names them (to paste into git), who records each: the department's
        // note for the case's files (the contact cannot), HGE's contact or step for HGE's.
        #expect(step.notices.contains { $0.contains("Quedan sin registrar") && $0.contains("\(folder)/expediente.md")
                    && $0.contains("\(folder)/dependencias/HGE/oficio.md") && $0.contains("Lo de HGE lo registra su enlace")
                    && $0.contains("lo demás lo registra el Departamento ('folio note \(id) -m TEXTO')") }, "\(step.notices)")
        #expect(step.notices.contains { $0.contains("\(folder)/hoja-de-ruta.md lo escribe folio") && $0.contains("\"Visto.\"") }, "\(step.notices)")
        let committed = try repo.git(["show", "--name-only", "--format=", "HEAD"]).split(separator: "\n").map(String.init)
        #expect(!committed.contains("\(folder)/expediente.md") && committed.contains("\(folder)/produccion/HGA.csv"), "\(committed)")
        #expect(try repo.git(["status", "--porcelain", "--", "\(folder)/expediente.md"]).hasPrefix("M \(folder)/expediente.md"))
        // An attach by the analyst takes the pending edit with its document, and says so.
        try repo.box.write("%PDF-1.4\n% oficio\n%%EOF\n", to: "entrada/oficio.pdf")
        let attached = try repo.book.recordNote(caseID: id, persona: "alopez", text: nil,
                                                archive: ArchiveRequest(files: [repo.box.path + "/entrada/oficio.pdf"]))
        #expect(attached.notices.count == 1 && attached.notices[0].contains("También quedaron registrados") && attached.notices[0].contains("expediente.md")
                && attached.notices[0].contains("dependencias/HGE/oficio.md") && !attached.notices[0].contains("oficio.pdf"), "\(attached.notices)")
        // A document lying in anexos/ is adopted by the next attach: said, with its folio.
        try repo.write("%PDF-1.4\n% acta\n%%EOF\n", to: "\(folder)/anexos/acta.pdf")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).contains("\(folder)/expediente.md"))
        try repo.box.write("%PDF-1.4\n% otro\n%%EOF\n", to: "entrada/otro.pdf")
        let adopting = try repo.book.recordNote(caseID: id, persona: "alopez", text: nil,
                                                archive: ArchiveRequest(files: [repo.box.path + "/entrada/otro.pdf"]))
        #expect(adopting.notices == ["Se incorporaron al índice documentos que estaban en la carpeta del expediente: \(folder)/anexos/acta.pdf (folio 3)."],
                "\(adopting.notices)")
        // With nothing else pending, nothing is said; a document given by its path in the case is the attach's own.
        try repo.write("%PDF-1.4\n% tercero\n%%EOF\n", to: "\(folder)/anexos/tercero.pdf")
        #expect(try repo.book.recordNote(caseID: id, persona: "alopez", text: nil,
                                         archive: ArchiveRequest(files: [repo.path + "/\(folder)/anexos/tercero.pdf"])).notices.isEmpty)
        try repo.writeProduction(id, "HGA", executed: 1_100)
        #expect(try repo.book.recordNote(caseID: id, persona: "hga", text: "Corrige").notices.isEmpty)
        // An excuse records the slip only: the case's pending edit is named as left.
        try repo.write(repo.read("\(folder)/expediente.md") + "\nOtro borrador.\n", to: "\(folder)/expediente.md")
        let excused = try repo.book.excuse(caseID: id, dependency: "HGA", reason: "No llegó a tiempo", persona: "mrodriguez")
        #expect(excused.notices.count == 1 && excused.notices[0].contains("Quedan sin registrar") && excused.notices[0].contains("expediente.md"),
                "\(excused.notices)")
        #expect(try repo.book.verify().ok)
    }

    @Test("the analyst's change of the list stays found under a record of someone else put on top (a folio note cherry-picked from another branch), and under a key spelled with an escape")
    func foreignListChangeHidden() throws {
        let (repo, id) = try month()
        let file = "cases/2026/\(id)/expediente.md"
        let text = repo.read(file)
        let branch = try repo.git(["rev-parse", "--abbrev-ref", "HEAD"])
        let before = try repo.git(["rev-parse", "HEAD"])
        // A genuine note of the analyst's, made on a side branch.
        _ = try repo.git(["checkout", "-q", "-b", "lado"])
        try repo.write("Minuta\n", to: "cases/2026/\(id)/minuta.md")
        _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "Minuta")
        let note = try repo.git(["rev-parse", "HEAD"])
        _ = try repo.git(["checkout", "-q", branch])
        for key in ["dependencias_esperadas", "\"dependencias\\x5fesperadas\""] {
            try repo.write(text.replacingOccurrences(of: "---\n", with: "---\n\(key): [HGE, HRO]\n", options: [], range: text.range(of: "---\n")), to: file)
            _ = try repo.git(["commit", "-qam", "solo dos", "--author", "Ana López <alopez@igss.gob.gt>"])
            let forged = try repo.git(["rev-parse", "HEAD"])
            _ = try repo.git(["-c", "user.email=alopez@igss.gob.gt", "-c", "user.name=Ana López", "cherry-pick", "--allow-empty", note])
            repo.at("2026-12-01T08:00:00-06:00")
            #expect(try repo.book.verify().violations.contains { $0.commit == forged && $0.rule == "role" }, "\(key)")
            let status = try repo.book.status(of: id)
            #expect(status.damage?.reason.contains(String(forged.prefix(7))) == true && status.missing == ["HGA"], "\(key): \(status)")
            try repo.expectRefusal([String(forged.prefix(7))]) { try repo.step(id, "06", as: "alopez") }
            _ = try repo.git(["reset", "-q", "--hard", before])
        }
    }

    /// The prefilter before a front matter is parsed for the list: a file that neither names the
    /// field nor holds a backslash (an escape could spell it) is not read for it; any other is.
    @Test("a file is read for dependencias_esperadas when it names the field anywhere or holds a backslash, and only then")
    func listPrefilter() {
        let yes = ["---\ndependencias_esperadas: [HGE]\n---\n", "x dependencias_esperadas", "dependencias_esperadas", "\\", "---\n\"a\\x5f\": 1\n---\n"]
        let no = ["", "---\ntitulo: x\n---\n", "dependencias_esperada", "ependencias_esperadas: [HGE]", "dependencias esperadas"]
        for text in yes { #expect(Casebook.mayListExpected(Data(text.utf8)), "\(text.debugDescription)") }
        for text in no { #expect(!Casebook.mayListExpected(Data(text.utf8)), "\(text.debugDescription)") }
        // A slice of a larger buffer (Data's indices need not start at zero).
        let whole = Data("xxxxdependencias_esperadas".utf8)
        #expect(Casebook.mayListExpected(whole.dropFirst(4)) && !Casebook.mayListExpected(whole.dropFirst(5)))
    }

    /// A comma left out, `[HGE HRO]`, was read as a round that expects no dependency, which could
    /// close at once (attack18): folio check, a note and a step say which item is no code and how
    /// to write the list, for the jefe too; nothing is committed.
    @Test("an item of dependencias_esperadas that is no dependency code is refused by check, note and step, with the item and the fix")
    func expectedItemNotACode() throws {
        let (repo, id) = try month()
        let file = "cases/2026/\(id)/expediente.md"
        let text = repo.read(file)
        let head = try repo.git(["rev-parse", "HEAD"])
        try repo.write(text.replacingOccurrences(of: "---\n", with: "---\ndependencias_esperadas: [HGE HRO, HGA]\n", options: [],
                                                 range: text.range(of: "---\n")), to: file)
        _ = try repo.git(["config", "user.email", "mrodriguez@igss.gob.gt"])
        let problems = try repo.book.check(caseID: id).problems.filter { $0.file == file }
        #expect(problems.contains { $0.message.contains("\"HGE HRO\"") && $0.message.contains("no es el código de una dependencia")
                                    && $0.message.contains("[HGE, HRO]") }, "\(problems)")
        try repo.expectRefusal(["\"HGE HRO\"", "no es el código de una dependencia", "separados por comas", "Donde dice \"HGE HRO\", escriba HGE, HRO."]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Tres")
        }
        #expect(try repo.git(["rev-parse", "HEAD"]) == head)
        // What would also be read as a round that expects no one (attack18b): a null or empty item,
        // a text with no code in it.
        // A mapping or a truth value is no list either (attack34: {XYZ: 1} was read as no list).
        for value in ["[null]", "\n  - HGE\n  -", "\"-\"", "\"~\"", "\",\"", "[HGE, \"\"]", "\"HGÉ, HRO\"", "{XYZ: 1}", "\n  HGE: si", "true"] {
            try repo.write(text.replacingOccurrences(of: "---\n", with: "---\ndependencias_esperadas: \(value)\n", options: [],
                                                     range: text.range(of: "---\n")), to: file)
            try repo.expectRefusal(["no es el código de una dependencia"]) {
                _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Ninguna")
            }
        }
        #expect(try repo.git(["rev-parse", "HEAD"]) == head)
        // Committed with plain git, by the jefe: verify (so the hook) names the commit that wrote it,
        // and not a later one that edits the file with the list unchanged.
        let bad = text.replacingOccurrences(of: "---\n", with: "---\ndependencias_esperadas: [HGE HRO, HGA]\n", options: [], range: text.range(of: "---\n"))
        try repo.write(bad, to: file)
        _ = try repo.git(["commit", "-qam", "lista", "--author", "María Rodríguez <mrodriguez@igss.gob.gt>"])
        let written = try repo.git(["rev-parse", "HEAD"])
        try repo.write(bad + "\nOtra línea.\n", to: file)
        _ = try repo.git(["commit", "-qam", "texto", "--author", "María Rodríguez <mrodriguez@igss.gob.gt>"])
        let found = try repo.book.verify().violations.filter { $0.rule == "datos-dependencia" }
        #expect(found.map(\.commit) == [written] && found[0].severity == "error" && found[0].message.contains("\"HGE HRO\""), "\(found)")
        _ = try repo.git(["reset", "-q", "--hard", head])
        // Written with its comma, the jefe's note records it.
        try repo.write(text.replacingOccurrences(of: "---\n", with: "---\ndependencias_esperadas: [HGE, HRO, HGA]\n", options: [],
                                                 range: text.range(of: "---\n")), to: file)
        #expect(!(try repo.book.check(caseID: id).problems.contains { $0.file == file }))
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Tres")
        #expect(try repo.book.status(of: id).expected == ["HGE", "HRO", "HGA"])
    }

    @Test("figures corrected by their contact after the review are reviewed again (step 03 once more), then approved")
    func reviewAgain() throws {
        let (repo, id) = try month()
        try repo.writeProduction(id, "HGA", executed: 700)
        try repo.step(id, "01", as: "hga", dependency: "HGA")
        try repo.step(id, "02", as: "cmendez", dependency: "HGA")
        try repo.step(id, "03", as: "alopez", dependency: "HGA")
        let review = "cases/2026/\(id)/produccion/HGA-revision.md"
        let first = repo.read(review)
        // The analyst amends her step 03 to carry a review of her own, datos_revisados right
        // (attack16v): verify (and so the hook) names it; taken back, verify is clean.
        let honest = try repo.git(["rev-parse", "HEAD"])
        try repo.write(first.replacingOccurrences(of: "# Revisión", with: "Sin hallazgos: revisado a mano.\n\n# Revisión"), to: review)
        _ = try repo.git(["commit", "-q", "--amend", "-a", "--no-edit"])
        let amended = try repo.git(["rev-parse", "HEAD"])
        let found = try repo.book.verify().violations
        #expect(found.contains { $0.commit == amended && $0.rule == "datos-dependencia" && $0.message.contains("no es la que folio escribe") },
                "\(found.map(\.message))")
        _ = try repo.git(["reset", "-q", "--hard", honest])
        #expect(try repo.book.verify().ok)
        try repo.writeProduction(id, "HGA", executed: 1_190)
        _ = try repo.book.recordNote(caseID: id, persona: "hga", text: "Corrige consultas")
        repo.at("2026-12-01T08:00:00-06:00")
        // Status, due and inbox say the review comes next, not the approval (staff16w).
        let pending = try #require(try repo.book.status(of: id).dependencies?.first { $0.code == "HGA" })
        #expect(pending.next.map(\.step) == ["03"] && pending.next[0].activity.contains("de nuevo"), "\(pending.next)")
        #expect(try repo.book.pending().contains { $0.id == id && $0.dependency == "HGA" && $0.step == "03" && $0.holders.contains("alopez") })
        // Approval of figures the review never saw: refused, and the way is to review them again (staff16v: it was a dead end).
        try repo.expectRefusal(["cambiaron después de la revisión del paso 03", "folio step \(id) 03 --dependency HGA"]) {
            try repo.step(id, "04", as: "alopez", decision: "si", dependency: "HGA")
        }
        try repo.step(id, "03", as: "alopez", dependency: "HGA")
        let now = try repo.git(["rev-parse", "HEAD:cases/2026/\(id)/produccion/HGA.csv"])
        #expect(repo.read(review) != first && repo.read(review).contains("datos_revisados: \(now)"))
        try repo.step(id, "04", as: "alopez", decision: "si", dependency: "HGA")
        // Once decided, the review is not made again.
        try repo.expectRefusal(["no corresponde ahora"]) { try repo.step(id, "03", as: "alopez", dependency: "HGA") }
        try repo.step(id, "05", as: "alopez", dependency: "HGA")
        try repo.step(id, "06", as: "alopez")
        #expect(repo.read("cases/2026/\(id)/informe/consolidado-2026-11.md").contains("| HGA |"))
        #expect(try repo.book.verify().ok)
    }

    @Test("a review compares with earlier months that have a case of their own: folders planted with plain git do not count")
    func plantedMonthsNotCompared() throws {
        let (repo, id) = try month()
        // HGA's contact plants an October with plain git: a copied expediente.md and figures.
        let october = "cases/2026/PROD-2026-10"
        try repo.write(repo.read("cases/2026/\(id)/expediente.md").replacingOccurrences(of: id, with: "PROD-2026-10")
                        .replacingOccurrences(of: "2026-11", with: "2026-10"), to: "\(october)/expediente.md")
        try repo.write("programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado\nEMA,Consultas médicas,consulta,1250,5000,0\n",
                       to: "\(october)/produccion/HGA.csv")
        _ = try repo.git(["add", "-A"])
        _ = try repo.git(["commit", "-q", "-m", "meses anteriores", "--author", "Sonia Chávez <schavez@igss.gob.gt>"])
        try repo.writeProduction(id, "HGA", executed: 700)
        try repo.step(id, "01", as: "hga", dependency: "HGA")
        try repo.step(id, "02", as: "cmendez", dependency: "HGA")
        try repo.step(id, "03", as: "alopez", dependency: "HGA")
        let review = repo.read("cases/2026/\(id)/produccion/HGA-revision.md")
        #expect(review.contains("meses_comparados: 0") && !review.contains("2026-10"), "\(review)")
    }

    @Test("figures approved at 04 are not excused away: folio excusar refuses, and a plain-git excuse counts for nothing")
    func approvedNotExcused() throws {
        let (repo, id) = try month()
        try repo.writeProduction(id, "HGA", executed: 777)
        try repo.step(id, "01", as: "hga", dependency: "HGA")
        try repo.step(id, "02", as: "cmendez", dependency: "HGA")
        try repo.step(id, "03", as: "alopez", dependency: "HGA")
        try repo.book.recordStep(StepRequest(caseID: id, step: "04", persona: "alopez", decision: "si", dependency: "HGA",
                                             justification: "Revisión adelantada por el cierre del año"))
        repo.at("2026-12-01T08:00:00-06:00")
        // Step 06 waits for HGA's 05.
        try repo.expectRefusal(["HGA (le falta el paso 05)"]) { try repo.step(id, "06", as: "alopez") }
        try repo.expectRefusal(["El cierre sin HGA no corresponde", "sus cifras ya se aprobaron (paso 04", "falta su paso 05"]) {
            _ = try repo.book.excuse(caseID: id, dependency: "HGA", reason: "Cerramos ya", persona: "mrodriguez")
        }
        // The same excuse with plain git, by the jefe: a step-order finding; HGA still waits for its 05, and its figures count.
        try repo.write("nota\n", to: "cases/2026/\(id)/nota-hga.md")
        _ = try repo.git(["add", "-A"])
        _ = try repo.git(["commit", "-q", "--author", "María Rodríguez <mrodriguez@igss.gob.gt>", "-m",
                          "\(id): se cierra sin HGA\n\nExpediente: \(id)\nProcedimiento: 3\nRol: jefe\nExcusa: HGA\n"
                            + "Signed-off-by: María Rodríguez <mrodriguez@igss.gob.gt>"])
        let forged = try repo.git(["rev-parse", "HEAD"])
        #expect(try repo.book.verify().violations.contains { $0.commit == forged && $0.rule == "step-order" && $0.message.contains("ya se aprobaron") })
        #expect(try repo.book.status(of: id).excused ?? [] == [])
        _ = try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        try repo.step(id, "05", as: "alopez", dependency: "HGA")
        try repo.step(id, "06", as: "alopez")
        #expect(repo.read("cases/2026/\(id)/informe/consolidado-2026-11.md").contains("| HGA |"))
    }

    /// attack36: a contact rewrote a case's title and text with plain git, and the hook took it as
    /// a warning, while `folio note` refuses the same edit to that contact.
    @Test("a contact's plain-git commit that changes a case outside their own folder and figures is an error of verify (so the hook refuses it); one within their own is only an edit outside folio")
    func contactOutsideOwnFiles() throws {
        let (repo, id) = try month()
        let folder = "cases/2026/\(id)"
        let contact = "Luis Ajú (HGE) <laju@igss.gob.gt>"
        let base = try repo.git(["rev-parse", "HEAD"])
        try repo.write(repo.read("\(folder)/expediente.md").replacingOccurrences(of: "titulo: ", with: "titulo: CANCELADO ") + "Nota de la jefatura.\n",
                       to: "\(folder)/expediente.md")
        try repo.write("Oficio de HRO\n", to: "\(folder)/dependencias/HRO/falso.md")
        _ = try repo.git(["add", "-A"])
        _ = try repo.git(["commit", "-q", "--author", contact, "-m", "corrige"])
        let forged = try repo.git(["rev-parse", "HEAD"])
        let found = try repo.book.verify().violations.filter { $0.commit == forged }
        #expect(found.contains { $0.rule == "role" && $0.isError && $0.message.contains("enlace de HGE") && $0.message.contains("\(folder)/expediente.md")
                    && $0.message.contains("\(folder)/dependencias/HRO") && $0.caseID == id }, "\(found.map(\.message))")
        // Each finding names the case, so the case's own list (the dashboard's) shows it.
        #expect(found.allSatisfy { $0.caseID == id }, "\(found.map(\.caseID))")
        // Within their own folder: an edit outside folio (a warning), no authority finding.
        _ = try repo.git(["reset", "-q", "--hard", base])
        try repo.write("Oficio de HGE\n", to: "\(folder)/dependencias/HGE/oficio.md")
        _ = try repo.git(["add", "-A"])
        _ = try repo.git(["commit", "-q", "--author", contact, "-m", "oficio"])
        let own = try repo.git(["rev-parse", "HEAD"])
        let mine = try repo.book.verify().violations.filter { $0.commit == own }
        #expect(!mine.isEmpty && mine.allSatisfy { !$0.isError && $0.rule == "outside-folio" && $0.caseID == id }, "\(mine.map(\.message))")
        // attack37: through the contact's own step, with --set (refused) or amended with plain git (an error).
        _ = try repo.git(["reset", "-q", "--hard", base])
        try repo.writeProduction(id, "HGA")
        try repo.expectRefusal(["--set", "el enlace de HGA registra solo lo de su dependencia"]) {
            try repo.step(id, "01", as: "hga", dependency: "HGA", sets: ["titulo=CANCELADO"])
        }
        try repo.step(id, "01", as: "hga", dependency: "HGA")
        try repo.write(repo.read("\(folder)/expediente.md").replacingOccurrences(of: "titulo: ", with: "titulo: CANCELADO "), to: "\(folder)/expediente.md")
        _ = try repo.git(["commit", "-q", "-a", "--amend", "--no-edit"])
        let amended = try repo.git(["rev-parse", "HEAD"])
        #expect(try repo.book.verify().violations.contains { $0.commit == amended && $0.rule == "role" && $0.message.contains("enlace de HGA")
                    && $0.message.contains("\(folder)/expediente.md") })
        // Its step as folio records it is no finding.
        _ = try repo.git(["reset", "-q", "--hard", "HEAD@{1}"])
        #expect(try repo.book.verify().violations.filter { $0.rule == "role" }.isEmpty)
    }

    /// staff36: someone who is both an analyst and a dependency's contact had their analyst steps
    /// refused ("es el contacto registrado de HGO, no de HGA") and every note judged as the contact's.
    @Test("an analyst who is also a dependency's contact records analyst steps for other dependencies and staff notes; their own dependency's step and a note naming it are a contact's")
    func analystAndContact() throws {
        let repo = try CaseRepo(date: "2026-11-27T08:00:00-06:00")
        try repo.book.addPersona(Persona(id: "mixta", name: "Marta Ixcot", email: "mixcot@igss.gob.gt", roles: [.analista, .dependencia],
                                         dependency: "HGO"), actor: "mrodriguez")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        try repo.writeProduction(id, "HGE")
        try repo.step(id, "01", as: "hge", dependency: "HGE")
        try repo.step(id, "02", as: "cmendez", dependency: "HGE")
        try repo.step(id, "03", as: "mixta", dependency: "HGE")
        #expect(try repo.book.status(of: id).dependencies?.first { $0.code == "HGE" }?.lastStep == "03")
        // A staff note: the case's own text.
        let file = "cases/2026/\(id)/expediente.md"
        try repo.write(repo.read(file) + "\nNota de la analista.\n", to: file)
        _ = try repo.book.recordNote(caseID: id, persona: "mixta", text: "Nota")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).contains(file))
        // Her own dependency's part is a contact's: its step takes its figures.
        try repo.writeProduction(id, "HGO")
        try repo.step(id, "01", as: "mixta", dependency: "HGO")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).contains("cases/2026/\(id)/produccion/HGO.csv"))
        let report = try repo.book.verify()
        #expect(report.ok, "\(report.violations.map(\.message))")
        // From outside: a contact who is only a contact forges, with plain git, another dependency's
        // step as its contact and as an analyst; both are role findings.
        for (step, role, expected) in [("02", "dependencia", "hge es el contacto de HGE, no de HGO"), ("03", "analista", "firmó como analista")] {
            _ = try repo.git(["commit", "-q", "--allow-empty", "--author", "Luis Ajú (HGE) <laju@igss.gob.gt>", "-m",
                              "\(id) paso \(step) [HGO]: paso\n\nExpediente: \(id)\nProcedimiento: 3\nPaso: \(step)\nRol: \(role)\nDependencia: HGO\n"
                                + "Signed-off-by: Luis Ajú (HGE) <laju@igss.gob.gt>"])
            let forged = try repo.git(["rev-parse", "HEAD"])
            let found = try repo.book.verify().violations.filter { $0.commit == forged }
            #expect(found.contains { $0.rule == "role" && $0.message.contains(expected) }, "\(step): \(found.map(\.message))")
            _ = try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        }
    }

    /// staff35: a note refused over a deleted review said "no hay cambios pendientes"; the refusal
    /// of an excused dependency's figures never committed offered 'git restore', which fails.
    @Test("a staff note with only a dependency's review changed says whose it is and how to put it back; an excused dependency's figures never committed are to be taken out, not restored")
    func reviewAndLateFigures() throws {
        let (repo, id) = try month()
        let review = "cases/2026/\(id)/produccion/HGE-revision.md"
        try FileManager.default.removeItem(atPath: repo.path + "/" + review)
        try repo.expectRefusal(["es la revisión de las cifras de HGE", "y está borrada", "git restore \(review)"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "Limpieza")
        }
        _ = try repo.git(["restore", review])
        repo.at("2026-12-01T08:00:00-06:00")
        _ = try repo.book.excuse(caseID: id, dependency: "HGA", reason: "No informó", persona: "mrodriguez")
        try repo.writeProduction(id, "HGA")
        let late = "cases/2026/\(id)/produccion/HGA.csv"
        try repo.expectRefusal(["las cifras de HGA ya no se registran", "rm \(late)", "--dependency HGA"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "hga", text: "Cifras")
        }
        do {
            _ = try repo.book.recordNote(caseID: id, persona: "hga", text: "Cifras")
        } catch {
            #expect(!"\(error)".contains("git restore"), "\(error)")
        }
    }

    @Test("the month's report counts each dependency's figures as its steps left them: a later change by its contact, with plain git or a note, is not counted")
    func approvedFigures() throws {
        let (repo, id) = try month()
        let hge = "cases/2026/\(id)/produccion/HGE.csv"
        // HGE's approval stands: its contact's note changing the figures is refused, and nothing is committed.
        try repo.writeProduction(id, "HGE", executed: 99_999)
        try repo.expectRefusal(["las cifras de HGE ya no se corrigen", "HGE terminó su parte (paso 05)", "git restore \(hge)"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "hge", text: "Corrige cifras")
        }
        // With plain git (its own contact: a warning only), the change lands; the report does not count it (attack16r).
        _ = try repo.git(["add", hge])
        _ = try repo.git(["commit", "-q", "--author", "Luis Ajú (HGE) <laju@igss.gob.gt>", "-m", "cifras"])
        repo.at("2026-12-01T08:00:00-06:00")
        _ = try repo.book.excuse(caseID: id, dependency: "HGA", reason: "No informó", persona: "mrodriguez")
        try repo.step(id, "06", as: "alopez")
        let report = repo.read("cases/2026/\(id)/informe/consolidado-2026-11.md")
        #expect(!report.contains("99,999") && report.contains("| 2,400 |"), "\(report)")
        let again = try repo.book.regenerateReports(caseID: id, into: repo.box.path + "/otra")
        let regenerated = try String(contentsOfFile: try #require(again.first { $0.hasSuffix("consolidado-2026-11.md") }), encoding: .utf8)
        #expect(!regenerated.contains("99,999"))
        // Verify (and so the hook) names the commit that changed approved figures (attack16s); the
        // contact's restoration, through a note, clears it.
        let changer = try repo.git(["log", "-1", "--format=%H", "--", hge])
        let verified = try repo.book.verify()
        #expect(verified.violations.contains { $0.rule == "datos-dependencia" && $0.commit == changer && $0.message.contains("después de que quedaron fijados en el paso 04") },
                "\(verified.violations)")
        _ = try repo.git(["restore", "--source=\(changer)~1", "--", hge])
        _ = try repo.book.recordNote(caseID: id, persona: "hge", text: "Restaura las cifras aprobadas")
        #expect(try repo.book.verify().ok)
    }

    @Test("staff attach a document to a month's case; a staff note over a dependency's changed data says whose it is")
    func staffNotesInMonth() throws {
        let repo = try CaseRepo(date: "2026-11-27T08:00:00-06:00")
        let id = try repo.productionMonth()
        // Before, the attachment's folder was not yet in the note's scope: "No hay cambios pendientes" (attack16r).
        try repo.box.write("%PDF-1.4 oficio\n", to: "in/oficio.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "Oficio de la Subgerencia",
                                     archive: ArchiveRequest(files: [repo.box.path + "/in/oficio.pdf"]))
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).contains("anexos/"))
        try repo.writeProduction(id, "HGE", executed: 1)
        try repo.expectRefusal(["produccion/HGE.csv", "son los datos de HGE", "solo su enlace registrado", "git restore"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "Corrijo")
        }
    }

    @Test("figures returned at 04 'no' wait for the contact's correcting note: status says so until it arrives, then 05 records")
    func returnedAndCorrected() throws {
        let repo = try CaseRepo(date: "2026-12-01T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        try repo.writeProduction(id, "HGE", executed: 99_000)
        try repo.step(id, "01", as: "hge", dependency: "HGE", justification: "Enviado tarde")
        try repo.step(id, "02", as: "cmendez", dependency: "HGE")
        try repo.step(id, "03", as: "alopez", dependency: "HGE")
        try repo.step(id, "04", as: "alopez", decision: "no", dependency: "HGE")
        #expect(try repo.book.status(of: id).dependencies?.first?.returned == true)
        try repo.writeProduction(id, "HGE", executed: 1_190)
        _ = try repo.book.recordNote(caseID: id, persona: "hge", text: "Corrige cifras")
        #expect(try repo.book.status(of: id).dependencies?.first?.returned == nil)
        try repo.step(id, "05", as: "alopez", dependency: "HGE")
        #expect(try repo.git(["show", "HEAD:cases/2026/\(id)/produccion/HGE.csv"]).contains("1190"))
    }

    @Test("step 03's review reads the figures as committed, not an edit in the work tree")
    func reviewReadsCommitted() throws {
        let repo = try CaseRepo(date: "2026-11-27T08:00:00-06:00")
        let id = try repo.productionMonth()
        try repo.step(id, "02", as: "cmendez", dependency: "HGE")
        let committedReview = try repo.book.reviewProduction(caseID: id, dependency: "HGE")
        try repo.writeProduction(id, "HGE", executed: -5)
        try repo.step(id, "03", as: "alopez", dependency: "HGE")
        let review = repo.read("cases/2026/\(id)/produccion/HGE-revision.md")
        #expect(!review.contains("-5") && review.contains("hallazgos: \(committedReview.findings.count)"), "\(review)")
        // The contact's note changes the figures after the review: they are not approved unseen (attack16t).
        try repo.writeProduction(id, "HGE", executed: 1_150)
        _ = try repo.book.recordNote(caseID: id, persona: "hge", text: "Corrige cifras")
        try repo.expectRefusal(["las cifras de HGE cambiaron después de la revisión del paso 03", "--decision no"]) {
            try repo.step(id, "04", as: "alopez", decision: "si", dependency: "HGE", justification: "Cierre adelantado")
        }
        try repo.step(id, "04", as: "alopez", decision: "no", dependency: "HGE", justification: "Cierre adelantado")
        #expect(try repo.book.verify().ok)
    }

    @Test("the head's own text at step 07 is kept; the figures go in folio's marked section, and the report is also HTML")
    func headTextKept() throws {
        let (repo, id) = try month()
        repo.at("2026-12-01T08:00:00-06:00")
        _ = try repo.book.excuse(caseID: id, dependency: "HGA", reason: "No informó", persona: "mrodriguez")
        try repo.step(id, "06", as: "alopez")
        let file = "cases/2026/\(id)/informe/informe-jefatura-2026-11.md"
        let mine = "# Informe de la jefatura\n\nSeñor Gerente: la producción de noviembre se mantuvo; destaco el esfuerzo del HGE.\n"
        try repo.write(mine, to: file)
        // Step 07 writes the head's report, and carries no change to step 06's (attack16u).
        let sixth = "cases/2026/\(id)/informe/consolidado-2026-11.md"
        let asGenerated = repo.read(sixth)
        try repo.write(asGenerated.replacingOccurrences(of: "2,400", with: "9,999"), to: sixth)
        try repo.expectRefusal([sixth, "lo generó el paso 06"]) {
            try repo.step(id, "07", as: "mrodriguez", sets: ["visto_bueno_subgerente=Lic. Pérez, 2026-12-09"])
        }
        try repo.write(asGenerated, to: sixth)
        try repo.step(id, "07", as: "mrodriguez", sets: ["visto_bueno_subgerente=Lic. Pérez, 2026-12-09"])
        let text = repo.read(file)
        #expect(text.hasPrefix(mine), "the head's text comes first, untouched")
        #expect(text.contains(GeneratedSection.start) && text.contains("| EMA | Consultas médicas |") && text.contains("HGA"))
        let html = repo.read("cases/2026/\(id)/informe/informe-jefatura-2026-11.html")
        #expect(html.contains("Señor Gerente") && html.contains("<h1>"))
        #expect(try repo.git(["show", "HEAD:\(file)"]) + "\n" == text)
        // Drawn again from history, the report keeps the head's text too.
        let again = try repo.book.regenerateReports(caseID: id, into: repo.box.path + "/otra-vez")
        let regenerated = try String(contentsOfFile: try #require(again.first { $0.hasSuffix("informe-jefatura-2026-11.md") }), encoding: .utf8)
        #expect(regenerated.hasPrefix(mine) && regenerated.contains(GeneratedSection.start))
        #expect(try String(contentsOfFile: try #require(again.first { $0.hasSuffix("informe-jefatura-2026-11.html") }), encoding: .utf8)
            .contains("Señor Gerente"))
        // After the step that generated it, a report stays: a note that edits the consolidated report
        // is named by verify (attack16s), and putting it back clears it.
        let consolidated = "cases/2026/\(id)/informe/consolidado-2026-11.md"
        let generated = repo.read(consolidated)
        try repo.write(generated.replacingOccurrences(of: "2,400", with: "9,400"), to: consolidated)
        try repo.expectRefusal([consolidated, "lo generó el paso 06", "git restore --source="]) {
            _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "Ajusto el total")
        }
        _ = try repo.git(["commit", "-qam", "ajusta el total", "--author", "Ana López <alopez@igss.gob.gt>"])
        let edit = try repo.git(["rev-parse", "HEAD"])
        let verified = try repo.book.verify()
        #expect(verified.violations.contains { $0.rule == "informe-trasladado" && $0.commit == edit && $0.message.contains("que generó el paso 06") },
                "\(verified.violations)")
        try repo.write(generated, to: consolidated)
        _ = try repo.git(["commit", "-qam", "restaura", "--author", "Ana López <alopez@igss.gob.gt>"])
        #expect(try repo.book.verify().ok)
    }

    @Test("P2 stays open until every registered dependency's POA is archived or excused")
    func poaRound() throws {
        let repo = try CaseRepo()
        let id = try repo.poaRound()
        try repo.step(id, "10", as: "alopez", dependency: "HGE")
        try repo.write("---\norientaciones_estrategicas: true\nanteproyecto_presupuesto: true\npresta_servicios: true\ncapacidad_instalada: true\nhistorial_produccion: true\n---\n",
                       to: "cases/2026/\(id)/dependencias/HGE/revision.md")
        try repo.step(id, "11", as: "alopez", dependency: "HGE")
        try repo.box.write("%PDF-1.4\n", to: "in/poa-hge.pdf")
        let archived = try repo.book.recordStep(StepRequest(caseID: id, step: "12", persona: "alopez", dependency: "HGE",
                                                            archive: ArchiveRequest(files: [repo.box.path + "/in/poa-hge.pdf"])))
        #expect(archived.state == .open, "HRO is registered and has not sent its POA")
        #expect(try repo.book.status(of: id).state == .open)
        let excused = try repo.book.excuse(caseID: id, dependency: "HRO", reason: "Presentará su POA con la reprogramación", persona: "mrodriguez")
        #expect(excused.state == .closed)
        #expect(try repo.book.status(of: id).state == .closed)
        #expect(repo.read("cases/2026/\(id)/indice.md").contains("estado: cerrado"))
        // A dependency registered after the round closed does not reopen it (staff16p).
        try repo.book.addPersona(Persona(id: "hga", name: "Sonia Chávez", email: "schavez@igss.gob.gt", roles: [.dependencia],
                                         dependency: "HGA", dependencyName: "Hospital General de Accidentes"), actor: "mrodriguez")
        let after = try repo.book.status(of: id)
        #expect(after.state == .closed && after.missing == [] && after.expected == ["HGE", "HRO"], "\(after.state) \(String(describing: after.missing))")
        // Nor does a new dependency's first step: the round is closed (attack16r).
        try repo.expectRefusal(["cerrado", "no admite el paso 10", "un jefe la agrega a 'dependencias_esperadas'", "folio note \(id)"]) {
            try repo.step(id, "10", as: "alopez", dependency: "HGA")
        }
        #expect(try repo.book.verify().ok)
        // The same step made with plain git, trailers and all, by someone who holds the role: the
        // shared repository refuses it as folio does (it passed before), and status leaves it out.
        let closed = try repo.git(["rev-parse", "HEAD"])
        try repo.write("POA de HGA\n", to: "cases/2026/\(id)/dependencias/HGA/poa.md")
        let forged = try repo.plainCommit(CaseRepo.poaStepMessage(id, step: "10", dependency: "HGA"))
        for report in [try repo.book.verify(), try repo.book.verify(range: "\(closed)..\(forged)")] {
            #expect(report.violations.contains { $0.commit == forged && $0.kind == .stepOrder && $0.message.contains("cerrado") },
                    "\(report.violations.map(\.message))")
        }
        let left = try repo.book.status(of: id)
        #expect(left.state == .closed && !(left.dependencies ?? []).contains { $0.code == "HGA" })
        // The way the jefe takes one more POA: list it in dependencias_esperadas (a note), and the round is open for it.
        _ = try repo.git(["reset", "-q", "--hard", closed])
        let text = repo.read("cases/2026/\(id)/expediente.md")
        try repo.write(text.replacingOccurrences(of: "---\n", with: "---\ndependencias_esperadas: [HGE, HRO, HGA]\n", options: [], range: text.range(of: "---\n")),
                       to: "cases/2026/\(id)/expediente.md")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Llega el POA del HGA")
        #expect(try repo.book.status(of: id).state == .open)
        try repo.step(id, "10", as: "alopez", dependency: "HGA")
        #expect(try repo.book.verify().ok)
    }
}

@Suite("Expected dependencies listed in the case")
struct ExpectedListTests {
    @Test("dependencias_esperadas in expediente.md is the list a P5 month waits for")
    func listedInCase() throws {
        let repo = try CaseRepo(date: "2026-11-26T08:00:00-06:00")
        // The list is the jefe's to write, at the opening too (attack16w: an analyst opened a month with a short one).
        try repo.expectRefusal(["cambia 'dependencias_esperadas'", "lo dice el jefe"]) {
            _ = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", sets: ["dependencias_esperadas=[DIP]"], persona: "alopez"))
        }
        let id = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", sets: ["dependencias_esperadas=[DIP, TIC]"],
                                                       persona: "mrodriguez")).caseID
        try repo.write("snip,proyecto,unidad_medida,meta_fisica,avance_fisico,presupuesto,ejecutado,motivos\n"
                       + "0289347,Hospital,metro cuadrado,12000,350,2500000,2100000,\n", to: "cases/2026/\(id)/avance/DIP.csv")
        try repo.step(id, "01", as: "dip")
        repo.at("2026-12-01T08:00:00-06:00")
        try repo.expectRefusal(["faltan unidades ejecutoras esperadas", "TIC (no ha empezado)", "folio excusar \(id) TIC"]) { try repo.step(id, "02", as: "alopez") }
        _ = try repo.book.excuse(caseID: id, dependency: "TIC", reason: "Sin proyectos en ejecución este mes", persona: "mrodriguez")
        try repo.expectRefusal(["falta el campo 'publicacion'"]) { try repo.step(id, "02", as: "alopez") }
    }

    @Test("a jefe's note whose list leaves out an expected dependency that has not finished is taken and says so, with folio excusar; a note that keeps them says nothing (staff34)")
    func listThatDropsOne() throws {
        let repo = try CaseRepo()
        let id = try repo.poaRound()
        try repo.step(id, "10", as: "alopez", dependency: "HGE")
        let file = "cases/2026/\(id)/expediente.md"
        let text = repo.read(file)
        // No list yet: the roster's HGE and HRO are expected. A first list of HGE alone leaves HRO out.
        try repo.write("---\ndependencias_esperadas: [HGE]\n" + text.dropFirst("---\n".count), to: file)
        let noted = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Solo HGE")
        #expect(noted.notices.count == 1 && noted.notices[0].contains("ya no espera a HRO, que no había terminado su parte")
                && noted.notices[0].contains("folio excusar \(id) HRO -m MOTIVO --as JEFE") && noted.notices[0].contains("enlaces de roles.yaml"),
                "\(noted.notices)")
        // Written with all of them again: nothing to say.
        try repo.write("---\ndependencias_esperadas: [HGE, HRO]\n" + text.dropFirst("---\n".count), to: file)
        #expect(try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "HGE y HRO").notices.isEmpty)
        try repo.write(repo.read(file) + "Otra línea.\n", to: file)
        #expect(try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Texto").notices.isEmpty)
    }
}
