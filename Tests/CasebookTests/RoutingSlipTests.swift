@testable import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("The routing slip: every commit of a case shows in its folder's history")
struct RoutingSlipTests {
    /// `git log -- <case folder>` (plain git) lists exactly the commits `folio log` lists.
    func expectFolderHistory(_ repo: CaseRepo, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = try repo.book.status(of: id).path
        let git = try repo.git(["log", "--format=%H", "--", path]).lines
        let folio = try repo.book.log(of: id).map(\.commit)
        #expect(git == folio.reversed(), "\(id): git log of \(path)", sourceLocation: sourceLocation)
        #expect(folio.count > 1, sourceLocation: sourceLocation)
        let slip = repo.read(path + "/" + RoutingSlip.fileName)
        #expect(slip.components(separatedBy: "\n| ").count - 2 == folio.count, "one row per commit", sourceLocation: sourceLocation)
    }

    /// A case of each of the seven procedures, with steps without edits, notes and an archive.
    func sevenCases() throws -> (CaseRepo, [String]) {
        let repo = try CaseRepo(date: "2026-11-26T08:00:00-06:00")
        var ids: [String] = []
        // 1: steps that change no document.
        let pei = try repo.book.openCase(NewCaseRequest(procedure: "1", title: "PEI", sets: ["cooperacion_tecnica=OISS"],
                                                        persona: "mrodriguez")).caseID
        try repo.step(pei, as: "mrodriguez", text: "Con la OISS | y el BID\nsegunda línea")
        try repo.step(pei, as: "mrodriguez")
        ids.append(pei)
        // 2: up to the archive of one dependency's POA.
        let poa = try repo.poaRound()
        try repo.step(poa, "10", as: "alopez", dependency: "HGE")
        try repo.write("---\norientaciones_estrategicas: true\nanteproyecto_presupuesto: true\npresta_servicios: true\ncapacidad_instalada: true\nhistorial_produccion: true\n---\n",
                       to: "cases/2026/\(poa)/dependencias/HGE/revision.md")
        try repo.step(poa, "11", as: "alopez", dependency: "HGE")
        try repo.box.write("%PDF-1.4\n% POA\n", to: "in/poa-hge.pdf")
        try repo.book.recordStep(StepRequest(caseID: poa, step: "12", persona: "alopez", dependency: "HGE",
                                             archive: ArchiveRequest(files: [repo.box.path + "/in/poa-hge.pdf"])))
        ids.append(poa)
        // 3: a month, one dependency.
        let prod = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        try repo.writeProduction(prod, "HGE")
        try repo.step(prod, "01", as: "hge", dependency: "HGE")
        try repo.step(prod, "02", as: "cmendez", dependency: "HGE")
        ids.append(prod)
        // 4: steps and a note without edits... a note needs an edit.
        let pi = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Hospital", sets: ["snip=1111", "unidad_ejecutora=DIP"],
                                                       persona: "mrodriguez")).caseID
        try repo.step(pi, as: "mrodriguez")
        try repo.write("# Cronograma\n", to: "cases/2026/\(pi)/cronograma.md")
        _ = try repo.book.recordNote(caseID: pi, persona: "alopez", text: "Agrega el cronograma")
        ids.append(pi)
        // 5: a unit's progress.
        let avance = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", persona: "alopez")).caseID
        try repo.write("snip,proyecto,unidad_medida,meta_fisica,avance_fisico,presupuesto,ejecutado,motivos\n"
                       + "0289347,Hospital,metro cuadrado,12000,350,2500000,2100000,\n", to: "cases/2026/\(avance)/avance/DIP.csv")
        try repo.step(avance, "01", as: "dip", dependency: "DIP")
        ids.append(avance)
        // 6: the request, then the jefe's step with no edit.
        try repo.box.write("""
            ---
            motivos: Daños
            modificaciones:
              - {meta: Emergencias, unidad_medida: metro cuadrado, antes: 600, movimiento: 800, despues: 1400}
            transferencia: anexos/transferencia.pdf
            ---
            """, to: "in/solicitud.md")
        try repo.box.write("%PDF-1.4\n", to: "in/transferencia.pdf")
        let mmf = try repo.book.openCase(NewCaseRequest(procedure: "6", title: "Metas", sets: ["snip=276510"],
                                                        attachments: [repo.box.path + "/in/solicitud.md", repo.box.path + "/in/transferencia.pdf"],
                                                        persona: "dip")).caseID
        try repo.step(mmf, as: "mrodriguez")
        ids.append(mmf)
        // 7: only steps without edits.
        let coop = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Becas", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true"], persona: "mrodriguez")).caseID
        try repo.step(coop, as: "mrodriguez")
        try repo.step(coop, as: "mrodriguez")
        ids.append(coop)
        return (repo, ids)
    }

    @Test("git log of each case folder equals folio log, for cases of all seven procedures; verify checks the slips")
    func folderHistoryEqualsLog() throws {
        let (repo, ids) = try sevenCases()
        for id in ids { try expectFolderHistory(repo, id) }
        let report = try repo.book.verify()
        #expect(report.ok && report.violations.isEmpty, "\(report.violations.map(\.message))")
        // The slip names each step with its activity, person, decision and text, cells escaped.
        let slip = repo.read("cases/2026/\(ids[0])/\(RoutingSlip.fileName)")
        #expect(slip.contains("| 2 | 02 | "))
        #expect(slip.contains("| jefe | María Rodríguez | 2026-11-26 08:00 |  |  | Con la OISS \\| y el BID<br>segunda línea |"))
        let mmfSlip = repo.read("cases/2026/\(ids[5])/\(RoutingSlip.fileName)")
        #expect(mmfSlip.contains("| 1 | 01 | ") && mmfSlip.contains("| unidad-ejecutora | Pedro Xol (DIP) |"))
    }

    @Test("a hand edit of the slip is a finding whose fix works; histories without slips get one commit per case")
    func handEditAndMigration() throws {
        let (repo, ids) = try sevenCases()
        let file = "cases/2026/\(ids[6])/\(RoutingSlip.fileName)"
        try repo.write(repo.read(file).replacingOccurrences(of: "María Rodríguez", with: "Otra Persona"), to: file)
        try repo.git(["commit", "-qam", "corrige la hoja", "--author", CaseRepo.jefe])
        var report = try repo.book.verify()
        let finding = report.violations.first { $0.rule == "routing-slip" }
        #expect(!report.ok && finding?.caseID == ids[6] && finding?.fix.contains("folio hoja-de-ruta \(ids[6])") == true)
        // Only a jefe writes slips.
        try repo.expectRefusal(["Solo el jefe"]) { _ = try repo.book.writeSlips(ids: [ids[6]], persona: "alopez") }
        let written = try repo.book.writeSlips(ids: [ids[6]], persona: "mrodriguez")
        #expect(written.map(\.caseID) == [ids[6]])
        report = try repo.book.verify()
        #expect(report.ok && !report.violations.contains { $0.rule == "routing-slip" })
        #expect(try repo.book.writeSlips(ids: nil, persona: "mrodriguez").isEmpty, "nothing left to write")

        // A repository kept with an older folio: no slips at all.
        for id in ids { try repo.git(["rm", "-q", try repo.book.status(of: id).path + "/" + RoutingSlip.fileName]) }
        try repo.git(["commit", "-qm", "sin hojas de ruta"])
        report = try repo.book.verify()
        #expect(report.violations.filter { $0.rule == "routing-slip" }.count == ids.count)
        // These cases had their slips: deleting them is an error (the hook refuses it), not an older repository.
        #expect(report.violations.filter { $0.rule == "routing-slip" }.allSatisfy { $0.severity == "error" && $0.message.contains("se borró") })
        let before = try repo.git(["rev-list", "--count", "HEAD"])
        let all = try repo.book.writeSlips(ids: nil, persona: "mrodriguez")
        #expect(Set(all.map(\.caseID)) == Set(ids))
        #expect(Int(try repo.git(["rev-list", "--count", "HEAD"]))! == Int(before)! + ids.count, "one commit per case")
        for w in all {
            #expect(try repo.git(["show", "--name-only", "--format=", w.commit.hex]) == w.path + "/" + RoutingSlip.fileName)
        }
        #expect(try repo.book.verify().violations.allSatisfy { $0.rule != "routing-slip" })
    }

    @Test("a slip whose bytes differ from its history's rendering is a finding even when it reads as the same text (another Unicode form, a line end)")
    func slipComparedByBytes() throws {
        let (repo, ids) = try sevenCases()
        let file = "cases/2026/\(ids[6])/\(RoutingSlip.fileName)"
        // "í" written as "i" and a combining accent: equal as Swift strings, other bytes to git.
        // Then a line end more.
        let edits: [(String) -> String] = [{ $0.replacingOccurrences(of: "María", with: "Mari\u{301}a") }, { $0 + "\n" }]
        for edit in edits {
            let rendered = repo.read(file), edited = edit(rendered)
            #expect(!Array(edited.utf8).elementsEqual(rendered.utf8))
            try repo.write(edited, to: file)
            try repo.git(["commit", "-qam", "retoca la hoja", "--author", CaseRepo.jefe])
            let commit = try repo.git(["rev-parse", "HEAD"])
            let report = try repo.book.verify(range: "HEAD~1..HEAD")
            #expect(report.violations.contains { $0.rule == "routing-slip" && $0.caseID == ids[6] }, "\(report.violations.map(\.message))")
            #expect(try repo.book.verify().violations.contains { $0.rule == "routing-slip" && $0.commit == commit })
            // The fix the finding gives writes it again (it is not taken for the rendering).
            #expect(try repo.book.writeSlips(ids: [ids[6]], persona: "mrodriguez").map(\.caseID) == [ids[6]])
            #expect(try !repo.book.verify(range: "HEAD~1..HEAD").violations.contains { $0.rule == "routing-slip" })
        }
    }

    @Test("a step written by hand with an escape sequence in its text, or under another name than roles.yaml gives its e-mail, is an error; its slip row shows the escape as text")
    func handWrittenStepText() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Becas", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true"], persona: "mrodriguez")).caseID
        let trailers = "Expediente: \(id)\nProcedimiento: 7\nPaso: 02\nRol: jefe\n"
        // helper137: "\e[2K\e[1G" then a forged row redrew the table in a terminal.
        try repo.git(["commit", "-q", "--allow-empty", "-m", "Paso 02\n\nSin observaciones\u{1B}[2K\u{1B}[1G| 2 | 02 | x |\n\n\(trailers)Signed-off-by: \(CaseRepo.jefe)",
                      "--author", CaseRepo.jefe])
        var report = try repo.book.verify(range: "HEAD~1..HEAD")
        #expect(report.violations.contains { $0.rule == "trailers" && $0.isError && $0.message.contains("caracteres de control") }, "\(report.violations.map(\.message))")
        let head = try #require(try repo.book.repository.headCommit())
        let record = try #require(try StepRecord(try repo.book.repository.commit(head)))
        let row = RoutingSlip.row(1, record, definition: try #require(try repo.book.definition(7, at: record.commit)))
        #expect(row.contains("Sin observaciones\\u{1B}[2K\\u{1B}[1G\\| 2 \\| 02") && !row.unicodeScalars.contains("\u{1B}"))
        try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        // An analyst's step under the jefa's name, with the analyst's own e-mail (and sign-off to match).
        let posing = "María Rodríguez <alopez@igss.gob.gt>"
        try repo.git(["commit", "-q", "--allow-empty", "-m", "Revisado\n\n\(trailers.replacingOccurrences(of: "Rol: jefe", with: "Rol: analista"))Signed-off-by: \(posing)",
                      "--author", posing])
        report = try repo.book.verify(range: "HEAD~1..HEAD")
        #expect(report.violations.contains { $0.rule == "author" && $0.isError && $0.message.contains("'María Rodríguez' con el correo de alopez") && $0.message.contains("'Ana López'") },
                "\(report.violations.map(\.message))")
        // The same name in another Unicode form ("ó" as "o" and a combining accent): other bytes (helper139).
        try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        let decomposed = "Ana Lo\u{301}pez <alopez@igss.gob.gt>"
        try repo.git(["commit", "-q", "--allow-empty", "-m", "Revisado\n\n\(trailers.replacingOccurrences(of: "Rol: jefe", with: "Rol: analista"))Signed-off-by: \(decomposed)",
                      "--author", decomposed])
        report = try repo.book.verify(range: "HEAD~1..HEAD")
        #expect(report.violations.contains { $0.rule == "author" && $0.isError }, "\(report.violations.map(\.message))")
        // The same step under the name roles.yaml gives that e-mail is judged on its role alone.
        try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        try repo.git(["commit", "-q", "--allow-empty", "-m", "Revisado\n\n\(trailers.replacingOccurrences(of: "Rol: jefe", with: "Rol: analista"))Signed-off-by: Ana López <alopez@igss.gob.gt>",
                      "--author", "Ana López <alopez@igss.gob.gt>"])
        #expect(try !repo.book.verify(range: "HEAD~1..HEAD").violations.contains { $0.rule == "author" })
    }

    @Test("a commit with trailers that changes nothing leaves the slip behind its history: a finding, in a push too")
    func forgedStep() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Becas", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true"], persona: "mrodriguez")).caseID
        try repo.git(["commit", "-q", "--allow-empty", "-m", "x\n\nExpediente: \(id)\nProcedimiento: 7\nPaso: 02\nRol: jefe\nSigned-off-by: \(CaseRepo.jefe)",
                      "--author", CaseRepo.jefe])
        let forged = try repo.git(["rev-parse", "HEAD"])
        // What a push adds is checked too: the step is not on its slip.
        let report = try repo.book.verify(range: "HEAD~1..HEAD")
        #expect(report.violations.contains { $0.rule == "routing-slip" && $0.commit == forged })
        let full = try repo.book.verify()
        #expect(full.violations.contains { $0.rule == "routing-slip" && $0.commit == forged })
    }
}
