import Casebook
import Foundation
import Procedures
import Testing
import TestSupport

/// P1 norm 5: "el informe de avance ... durante el mes de enero de cada año".
@Suite("P1's progress report, every January while the plan is in force")
struct YearlyReportTests {
    /// A plan approved for 2026-2027, its follow-up assigned in April 2026: reports in January 2027 and 2028.
    func approvedPlan() throws -> (CaseRepo, String) {
        let repo = try CaseRepo(date: "2026-02-02T09:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "1", title: "PEI 2026-2027", sets: ["cooperacion_tecnica=OISS"],
                                                       persona: "mrodriguez")).caseID
        let walk: [(String, String, String)] = [("02", "mrodriguez", "02-03"), ("03", "mrodriguez", "02-04"), ("04", "jperez", "03-02"),
                                                ("05", "jperez", "03-03"), ("06", "mrodriguez", "03-10"), ("07", "mrodriguez", "03-20"),
                                                ("08", "mrodriguez", "03-23")]
        for (step, who, day) in walk {
            repo.at("2026-\(day)T09:00:00-06:00")
            try repo.step(id, step, as: who)
        }
        repo.at("2026-04-10T09:00:00-06:00")
        try repo.expectRefusal(["falta el campo 'vigencia_desde'", "falta el campo 'vigencia_hasta'", "Norma 5"]) {
            try repo.step(id, "09", as: "mrodriguez")
        }
        try repo.expectRefusal(["'vigencia_desde' (2028) es posterior a 'vigencia_hasta' (2026)", "--set vigencia_desde=2026"]) {
            try repo.step(id, "09", as: "mrodriguez", sets: ["vigencia_desde=2028", "vigencia_hasta=2026"])
        }
        try repo.expectRefusal(["'vigencia_hasta' debe ser un año de 2000 a 2100 (hoy dice '2999')"]) {
            try repo.step(id, "09", as: "mrodriguez", sets: ["vigencia_desde=2026", "vigencia_hasta=2999"])
        }
        try repo.step(id, "09", as: "mrodriguez", sets: ["vigencia_desde=2026", "vigencia_hasta=2027"])
        repo.at("2026-04-15T09:00:00-06:00")
        try repo.step(id, "10", as: "mrodriguez")
        return (repo, id)
    }

    @Test("two rounds: back to 11 after the first report, FIN after the last; each report its own file, each January its window")
    func twoRounds() throws {
        let (repo, id) = try approvedPlan()
        let path = try repo.book.status(of: id).path
        var status = try repo.book.status(of: id)
        #expect(status.next.map(\.step) == ["11"] && status.next.first?.due == "2027-01-31")

        repo.at("2026-06-01T09:00:00-06:00")
        try repo.step(id, "11", as: "jperez", text: "Seguimiento del primer semestre")
        // Presenting the report before January is out of time, and the report of this round is informe-avance-2027.md.
        repo.at("2026-12-20T09:00:00-06:00")
        // The refusal leaves the template of this round's report (its year found inside a refusal of several reasons too).
        try repo.expectRefusal(["antes de que abra el plazo (abre el 2027-01-01, norma 5)", "informe-avance-2027.md: falta el documento"],
                               writing: ["\(path)/informe-avance-2027.md"]) {
            try repo.step(id, "12", as: "jperez")
        }
        repo.at("2027-01-11T09:00:00-06:00")
        try repo.write("---\nsubgerencias_consultadas: [SPS, Financiera]\n---\n\nAvance de 2026.\n", to: "\(path)/informe-avance-2027.md")
        try repo.step(id, "12", as: "jperez")
        repo.at("2027-01-15T09:00:00-06:00")
        try repo.step(id, "13", as: "mrodriguez")
        repo.at("2027-01-20T09:00:00-06:00")
        let sent = try repo.step(id, "14", as: "mrodriguez")
        // The plan is still in force: the case waits for next January's report.
        #expect(sent.state == .open)
        #expect(sent.next.map(\.step) == ["11"] && sent.next.first?.due == "2028-01-31", "the step's own answer counts the new round")
        status = try repo.book.status(of: id)
        #expect(status.state == .open && status.lastStep == "14")
        #expect(status.next.map(\.step) == ["11"] && status.next.first?.due == "2028-01-31")

        repo.at("2027-06-01T09:00:00-06:00")
        try repo.step(id, "11", as: "jperez")
        repo.at("2028-01-09T09:00:00-06:00")
        // Last year's report does not answer for this year's: the refusal leaves this year's template.
        #expect { try repo.step(id, "12", as: "jperez") } throws: { "\($0)".contains("informe-avance-2028.md: falta el documento") }
        #expect(repo.read("\(path)/informe-avance-2028.md").contains("subgerencias_consultadas:"))
        try repo.write("---\nsubgerencias_consultadas: [SPS]\n---\n\nAvance de 2027.\n", to: "\(path)/informe-avance-2028.md")
        try repo.step(id, "12", as: "jperez")
        // Endorsed after January 31st: late, accepted only with a justification.
        repo.at("2028-02-03T09:00:00-06:00")
        try repo.expectRefusal(["3 días después del plazo (vencía el 2028-01-31, norma 5)", "--justificacion"]) {
            try repo.step(id, "13", as: "mrodriguez")
        }
        try repo.step(id, "13", as: "mrodriguez", justification: "El Jefe estuvo de vacaciones hasta el 2 de febrero")
        repo.at("2028-02-04T09:00:00-06:00")
        let last = try repo.step(id, "14", as: "mrodriguez", justification: "Sigue al aval tardío")
        #expect(last.state == .closed, "the report after the last year in force (2027) ends the case")
        try repo.expectRefusal(["paso 11"]) { try repo.step(id, "11", as: "jperez") }

        // The record: both rounds in git, each report kept as written, the late steps with their reasons.
        let steps = try repo.git(["log", "--reverse", "--format=%(trailers:key=Paso,valueonly,separator=)", "--", path])
            .lines.filter { !$0.isEmpty }
        #expect(steps.suffix(9) == ["10", "11", "12", "13", "14", "11", "12", "13", "14"])
        #expect(try repo.git(["show", "HEAD:\(path)/informe-avance-2027.md"]).contains("Avance de 2026."))
        #expect(try repo.git(["log", "--format=%(trailers:key=Justificacion,valueonly)", "-2"]).contains("vacaciones"))
        let report = try repo.book.verify()
        #expect(report.violations.filter { $0.severity == "error" }.isEmpty, "\(report.violations)")
        // A cold replay (no cache) reaches the same state.
        let book = try Casebook.openForReading(at: repo.path, clock: repo.book.clock)
        book.usesCache = false
        let cold = try book.status(of: id)
        // A report sent is kept as sent: a note that changes it is refused; a plain-git change or
        // deletion is an error of verify, whole or of the pushed range (what the hook runs).
        let sentFile = "\(path)/informe-avance-2027.md"
        let original = repo.read(sentFile)
        try repo.write(original + "\nAñadido después.\n", to: sentFile)
        try repo.expectRefusal(["informe-avance-2027.md: se trasladó con el paso 14", "un informe trasladado no se modifica", "git restore --source="]) {
            _ = try repo.book.recordNote(caseID: id, persona: "jperez", text: "corrige el informe")
        }
        _ = try repo.git(["-c", "user.name=Jorge Pérez", "-c", "user.email=jperez@igss.gob.gt", "commit", "-qam", "corrige"])
        for range in [nil, "HEAD~1..HEAD"] {
            let found = try repo.book.verify(range: range).violations.filter { $0.rule == "informe-trasladado" }
            #expect(found.count == 1 && found[0].severity == "error" && found[0].message.contains("cambió después"), "\(range ?? "todo")")
        }
        _ = try repo.git(["-c", "user.name=Jorge Pérez", "-c", "user.email=jperez@igss.gob.gt", "rm", "-q", sentFile])
        _ = try repo.git(["-c", "user.name=Jorge Pérez", "-c", "user.email=jperez@igss.gob.gt", "commit", "-qm", "borra"])
        #expect(try repo.book.verify().violations.contains { $0.rule == "informe-trasladado" && $0.message.contains("ya no está") })
        _ = try repo.git(["reset", "-q", "--hard", "HEAD~2"])
        #expect(try repo.book.verify().violations.filter { $0.rule == "informe-trasladado" }.isEmpty)
        // A forged step 14 after FIN (plain git, the jefe's own name): verify names it, status and log leave it out and say so.
        let message = "\(id) paso 14\n\nExpediente: \(id)\nProcedimiento: 1\nPaso: 14\nRol: jefe\nSigned-off-by: María Rodríguez <mrodriguez@igss.gob.gt>\n"
        _ = try repo.git(["-c", "user.name=María Rodríguez", "-c", "user.email=mrodriguez@igss.gob.gt", "commit", "-q", "--allow-empty", "-F", "-"],
                         input: message)
        #expect(try !repo.book.verify().ok)
        let logged = try repo.book.log(of: id)
        #expect(repo.book.omittedCommits == 1 && logged.filter { $0.step == "14" }.count == 2, "the forged step is left out of the log, and counted")
        #expect(try repo.book.status(of: id).state == .closed && repo.book.omittedCommits == 1)
        _ = try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        let warm = try repo.book.status(of: id)
        #expect(cold.state == .closed && cold.history.count == warm.history.count && cold.history.count >= 14)
    }

    @Test("the plan's years are the jefe's: an assistant's edit does not count; a step 14 that changes them does")
    func extendedPlan() throws {
        let (repo, id) = try approvedPlan()
        let path = try repo.book.status(of: id).path
        repo.at("2027-01-11T09:00:00-06:00")
        try repo.step(id, "11", as: "jperez")
        try repo.write("---\nsubgerencias_consultadas: [SPS]\n---\n", to: "\(path)/informe-avance-2027.md")
        try repo.step(id, "12", as: "jperez")
        // The assistant cuts the plan short in a note: the jefe's step 14 that follows does not end the case.
        let expediente = "\(path)/expediente.md"
        try repo.write(repo.read(expediente).replacingOccurrences(of: "vigencia_hasta: 2027", with: "vigencia_hasta: 2026"), to: expediente)
        _ = try repo.book.recordNote(caseID: id, persona: "jperez", text: "años")
        try repo.step(id, "13", as: "mrodriguez")
        #expect(try repo.step(id, "14", as: "mrodriguez").state == .open, "the years recorded at step 09 still count")
        #expect(try repo.book.status(of: id).state == .open)
        // Deleting the report is refused at the steps that endorse and send it.
        repo.at("2028-01-10T09:00:00-06:00")
        try repo.step(id, "11", as: "jperez")
        try repo.write("---\nsubgerencias_consultadas: [SPS]\n---\n", to: "\(path)/informe-avance-2028.md")
        try repo.step(id, "12", as: "jperez")
        try FileManager.default.removeItem(atPath: repo.path + "/\(path)/informe-avance-2028.md")
        #expect { try repo.step(id, "13", as: "mrodriguez") } throws: { "\($0)".contains("informe-avance-2028.md: falta el documento") }
        _ = try repo.git(["checkout", "--", "\(path)/informe-avance-2028.md"])
        try repo.step(id, "13", as: "mrodriguez")
        // The jefe extends the plan to 2028 with step 14: a third report, in January 2029.
        try repo.step(id, "14", as: "mrodriguez", sets: ["vigencia_hasta=2028"])
        var status = try repo.book.status(of: id)
        #expect(status.state == .open && status.next.first?.due == "2029-01-31")
        repo.at("2029-01-10T09:00:00-06:00")
        try repo.step(id, "11", as: "jperez")
        try repo.write("---\nsubgerencias_consultadas: [SPS]\n---\n", to: "\(path)/informe-avance-2029.md")
        try repo.step(id, "12", as: "jperez")
        try repo.step(id, "13", as: "mrodriguez")
        try repo.step(id, "14", as: "mrodriguez", sets: ["vigencia_hasta=2028"])
        status = try repo.book.status(of: id)
        #expect(status.state == .closed, "the January after 2028 was the last report")
        // A plain-git edit of the years afterwards reopens nothing.
        let file = "\(path)/expediente.md"
        try repo.write(repo.read(file).replacingOccurrences(of: "vigencia_hasta: 2028", with: "vigencia_hasta: 2030"), to: file)
        _ = try repo.git(["-c", "user.name=María Rodríguez", "-c", "user.email=mrodriguez@igss.gob.gt", "commit", "-qam", "años"])
        #expect(try repo.book.status(of: id).state == .closed)
    }
}
