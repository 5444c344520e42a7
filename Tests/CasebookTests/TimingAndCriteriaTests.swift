import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("Steps out of time on the record; department criteria and interpretations apart from the manual")
struct TimingAndCriteriaTests {
    /// A P3 month with HGE's thread up to step 03, recorded in time.
    func month(_ repo: CaseRepo) throws -> String {
        repo.at("2026-11-26T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        try repo.writeProduction(id, "HGE")
        try repo.step(id, "01", as: "hge", dependency: "HGE")
        try repo.step(id, "02", as: "cmendez", dependency: "HGE")
        try repo.step(id, "03", as: "alopez", dependency: "HGE")
        return id
    }

    @Test("a step before its window opens (P3-01 before the 26th) is refused without a justification; nothing is committed")
    func early() throws {
        let repo = try CaseRepo(date: "2026-11-20T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        // Early and without its figures: both said, the norm (the same one) quoted once (helper123).
        #expect {
            try repo.step(id, "01", as: "hge", dependency: "HGE")
        } throws: { error in
            let text = "\(error)"
            return text.contains("6 días antes de que abra el plazo") && text.contains("no se puede registrar todavía")
                && text.components(separatedBy: "Norma 1: «").count == 2
        }
        try repo.writeProduction(id, "HGE")
        try repo.expectRefusal(["paso 01", "6 días antes de que abra el plazo (abre el 2026-11-26, norma 1)", "--justificacion", "Norma 1: «El Departamento"]) {
            try repo.step(id, "01", as: "hge", dependency: "HGE")
        }
        try repo.step(id, "01", as: "hge", dependency: "HGE", justification: "La dependencia cierra el 20 por inventario")
        let trailers = try repo.git(["log", "-1", "--format=%B"])
        let parsed = try Sandbox.git(["interpret-trailers", "--parse"], in: repo.path, input: trailers).out
        #expect(parsed.contains("Justificacion: La dependencia cierra el 20 por inventario"))
        let entry = try #require(try repo.book.status(of: id).history.last)
        #expect(entry.timing == "early" && entry.daysOutOfWindow == 6 && entry.justification == "La dependencia cierra el 20 por inventario")
    }

    @Test("a late step needs a justification; one in time refuses it; status, log and verify show it; report plazos counts it")
    func late() throws {
        let repo = try CaseRepo()
        let id = try month(repo)
        repo.at("2026-12-07T10:00:00-06:00")
        try repo.expectRefusal(["2 días después del plazo (vencía el 2026-12-05, norma 2)", "Justificacion"]) {
            try repo.step(id, "04", as: "alopez", decision: "si", dependency: "HGE")
        }
        try repo.step(id, "04", as: "alopez", decision: "si", dependency: "HGE", justification: "SICOIN fuera de servicio")
        try repo.expectRefusal(["--justificacion", "está en plazo"]) {
            try repo.step(id, "05", as: "alopez", dependency: "HGE", justification: "por si acaso")
        }
        try repo.step(id, "05", as: "alopez", dependency: "HGE")
        let history = try repo.book.status(of: id).history
        #expect(history.map { $0.timing ?? "-" } == ["on-time", "on-time", "on-time", "late", "on-time"])
        #expect(history[3].daysOutOfWindow == 2 && history[3].justification == "SICOIN fuera de servicio")
        #expect(try repo.book.log(of: id).last { $0.step == "04" }?.justification == "SICOIN fuera de servicio")

        let report = try repo.book.verify()
        #expect(report.ok, "a justified late step is no infraction")
        #expect(report.outOfWindow.map(\.step) == ["04"] && report.outOfWindow.first?.author == "Ana López")

        let compliance = try repo.book.compliance(month: "2026-12")
        #expect(compliance.late == 1 && compliance.onTime == 1 && compliance.early == 0)
        #expect(compliance.steps.first { $0.timing == "late" }?.justification == "SICOIN fuera de servicio")
        #expect(try repo.book.compliance(month: "2026-11").steps.count == 3, "01, 02 and 03 in November, in time")
    }

    @Test("a late step that also lacks a requirement is told both at once; a step without any deadline refuses --justificacion saying so")
    func bothAtOnce() throws {
        let repo = try CaseRepo()
        let id = try month(repo)
        for (s, d) in [("04", "si"), ("05", nil)] as [(String, String?)] {
            repo.at("2026-12-02T09:00:00-06:00")
            try repo.step(id, s, as: "alopez", decision: d, dependency: "HGE")
        }
        // HRO is registered and did not report: the jefe closes the month without it.
        _ = try repo.book.excuse(caseID: id, dependency: "HRO", reason: "No informó este mes", persona: "mrodriguez")
        try repo.step(id, "06", as: "alopez")
        repo.at("2026-12-14T09:00:00-06:00")
        try repo.expectRefusal(["4 días después del plazo", "--justificacion", "falta el campo 'visto_bueno_subgerente' (visto bueno del Subgerente de Planificación y Desarrollo", "--set visto_bueno_subgerente=VALOR", "Norma 4"]) {
            try repo.step(id, "07", as: "mrodriguez")
        }
        let coop = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Becas", sets: ["organismo=OISS", "fortalece_capacidades=true",
                                                                                              "organismo_especializado=true"], persona: "mrodriguez")).caseID
        try repo.expectRefusal(["no tiene plazo", "sin --justificacion"]) { try repo.step(coop, as: "mrodriguez", justification: "tarde") }
    }

    @Test("a plain-git step commit out of time without a justification is a verify error naming the commit and the rule")
    func plainGitLate() throws {
        let repo = try CaseRepo()
        let id = try month(repo)
        let message = """
            \(id) paso 04 [HGE]: ¿La información es correcta? Sí

            Expediente: \(id)
            Procedimiento: 3
            Paso: 04
            Rol: analista
            Decision: si
            Dependencia: HGE
            Signed-off-by: Ana López <alopez@igss.gob.gt>
            """
        try repo.write("forged\n", to: "cases/2026/\(id)/nota.md")
        try repo.git(["add", "-A"])
        let env = ["GIT_AUTHOR_NAME": "Ana López", "GIT_AUTHOR_EMAIL": "alopez@igss.gob.gt", "GIT_AUTHOR_DATE": "2026-12-09T10:00:00-06:00",
                   "GIT_COMMITTER_DATE": "2026-12-09T10:00:00-06:00"]
        let r = try Sandbox.git(["commit", "-q", "-F", "-"], in: repo.path, env: env, input: message)
        #expect(r.ok, Comment(rawValue: r.err))
        let report = try repo.book.verify()
        let finding = try #require(report.violations.first { $0.rule == "plazo" })
        let head = try repo.git(["rev-parse", "HEAD"])
        #expect(!report.ok && finding.commit == head && finding.message.contains("4 días después del plazo"))
        #expect(finding.severity == "error")
    }

    @Test("a criterion applies only once a jefe adopts it, to cases opened after; it is shown as the department's, never as a norm")
    func criterion() throws {
        let repo = try CaseRepo(date: "2026-10-20T08:00:00-06:00")
        let before = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-10", persona: "alopez")).caseID
        #expect(try repo.book.status(of: before).next.allSatisfy { $0.due == nil }, "the manual gives P5 no dates")
        try repo.expectRefusal(["Solo el jefe", "adoptar criterios"]) {
            try repo.book.adopt(procedure: "5", key: "ritmo-mensual", interpretation: false, actor: "alopez")
        }
        try repo.expectRefusal(["no propone el criterio 'ritmo'", "ritmo-mensual"]) {
            try repo.book.adopt(procedure: "5", key: "ritmo", interpretation: false, actor: "mrodriguez")
        }
        try repo.book.adopt(procedure: "5", key: "ritmo-mensual", interpretation: false, actor: "mrodriguez")
        #expect(try repo.git(["show", "--name-only", "--format=%an", "HEAD"]).lines.filter { !$0.isEmpty } == ["María Rodríguez", "schemas/registro.yaml"])
        try repo.expectRefusal(["ya lo adoptó mrodriguez el 2026-10-20"]) {
            try repo.book.adopt(procedure: "5", key: "ritmo-mensual", interpretation: false, actor: "mrodriguez")
        }
        #expect(try repo.book.status(of: before).next.allSatisfy { $0.due == nil }, "a case stays on the rules it was opened with")
        let after = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", persona: "alopez")).caseID
        let items = try repo.book.pending().filter { $0.id == after }
        #expect(!items.isEmpty && items.allSatisfy { $0.due != nil && $0.normNumber == nil && $0.criterion == "ritmo-mensual" })
        let register = try repo.book.registerItems()
        let rhythm = try #require(register.first { $0.kind == "criterion" && $0.key == "ritmo-mensual" })
        #expect(rhythm.by == "mrodriguez" && rhythm.on == "2026-10-20")
        #expect(try repo.book.verify().ok)
    }

    @Test("the register cannot be forged: plain-git entries by a non-jefe, or naming another jefe, are verify errors")
    func registerForged() throws {
        let repo = try CaseRepo(date: "2026-10-20T08:00:00-06:00")
        let entry = """
            criterios:
              - procedimiento: 5
                criterio: ritmo-mensual
                adoptado_por: mrodriguez
                fecha: "2026-10-20"
            interpretaciones: []

            """
        try repo.write(entry, to: "schemas/registro.yaml")
        try repo.git(["add", "schemas/registro.yaml"])
        try repo.git(["-c", "user.name=Ana López", "-c", "user.email=alopez@igss.gob.gt", "commit", "-q", "-m", "adopta"])
        let report = try repo.book.verify()
        #expect(!report.ok)
        #expect(report.violations.contains { $0.rule == "registro" && $0.message.contains("adoptado por mrodriguez") })
        // A jefe's own commit that says another adopted it is refused as well.
        try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        try repo.write(entry.replacingOccurrences(of: "mrodriguez", with: "alopez"), to: "schemas/registro.yaml")
        try repo.git(["add", "schemas/registro.yaml"])
        try repo.git(["commit", "-q", "-m", "adopta"])
        #expect(try repo.book.verify().violations.contains { $0.rule == "registro" })
    }

    @Test("an interpretation is resolved by a jefe (Article 3); the register says who and when")
    func interpretation() throws {
        let repo = try CaseRepo()
        #expect(try repo.book.registerItems().first { $0.kind == "interpretation" && $0.procedure == 6 && $0.key == "06" }?.by == nil)
        try repo.expectRefusal(["no tiene una interpretación en el paso 02"]) {
            try repo.book.adopt(procedure: "6", key: "02", interpretation: true, actor: "mrodriguez")
        }
        try repo.book.adopt(procedure: "6", key: "6", interpretation: true, actor: "mrodriguez")
        let item = try #require(try repo.book.registerItems().first { $0.kind == "interpretation" && $0.procedure == 6 && $0.key == "06" })
        #expect(item.by == "mrodriguez" && item.on == "2026-11-02" && item.text.contains("Jefe"))
        #expect(try repo.book.verify().ok)
    }

    @Test("FOLIO_DATE's instants are read by arithmetic exactly as ISO8601DateFormatter reads them; impossible ones are refused; other forms still parse")
    func instantsAsTheFormatterReadsThem() throws {
        let formatter = ISO8601DateFormatter()
        var generator = SystemRandomNumberGenerator()
        var texts = ["2026-11-26T10:00:00-06:00", "2024-02-29T23:59:59Z", "1999-12-31T00:00:00+05:45", "2100-03-01T12:30:15-12:00",
                     "1583-01-01T00:00:00Z", "1600-02-29T12:00:00+14:00", "1500-03-01T00:00:00Z", "0001-01-01T00:00:00Z"]
        for _ in 0..<2000 {
            let year = Int.random(in: 1970...2199, using: &generator), month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...Day.daysIn(year: year, month: month), using: &generator)
            let offset = Bool.random(using: &generator) ? "Z" : (Bool.random(using: &generator) ? "+" : "-")
                + Day.pad(Int.random(in: 0...14, using: &generator), 2) + ":" + ["00", "30", "45"].randomElement(using: &generator)!
            texts.append("\(Day(year, month, day))T\(Day.pad(Int.random(in: 0...23, using: &generator), 2)):"
                + "\(Day.pad(Int.random(in: 0...59, using: &generator), 2)):\(Day.pad(Int.random(in: 0...59, using: &generator), 2))\(offset)")
        }
        for text in texts {
            let expected = try #require(formatter.date(from: text), "\(text)")
            #expect(Clock.parse(text) == expected, "\(text)")
        }
        // Forms the arithmetic leaves to the formatters: a day alone (09:00 in the zone), no seconds, a day that does not exist.
        #expect(Clock.parse("2026-03-02") == Date(timeIntervalSince1970: 1_772_431_200 + 9 * 3600))
        #expect(Clock.parse("2026-03-02T09:15", timeZone: TimeZone(secondsFromGMT: -6 * 3600)!) == formatter.date(from: "2026-03-02T09:15:00-06:00"))
        #expect(Clock.parse("ayer") == nil)
        // A day, an hour or an offset that does not exist is refused (the formatter rolled 2026-11-31 into December).
        for impossible in ["2026-11-31T12:00:00-06:00", "2025-02-29T12:00:00-06:00", "2026-02-30T10:00:00-06:00", "2026-13-01T10:00:00Z",
                           "2026-11-02T24:00:00-06:00", "2026-11-02T09:60:00-06:00", "2026-11-02T09:00:60-06:00",
                           "2026-11-02T09:00:00+24:00", "2026-11-02T09:00:00+99:99", "2026-11-02T09:00:00-06:60",
                           // The same in the forms the formatters read: no seconds, no offset, fractions, ±HHMM.
                           "2026-11-31T10:00", "2026-02-30T10:00:00", "2026-11-02T24:30", "2026-11-02T24:30:00-06:00",
                           "2026-11-02T09:00:00.5+99:00", "2026-11-02T09:00:00+2400", "2026-11-02T09:00:00+00:99", "2026-11-31"] {
            #expect(Clock.parse(impossible) == nil, "\(impossible)")
        }
    }
}

