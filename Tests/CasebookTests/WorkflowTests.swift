import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("Recording steps in a real repository")
struct WorkflowTests {
    @Test("init: first commit by the jefe, roles.yaml, folio.yaml and the seven schemas; git fsck clean")
    func initRepository() throws {
        let repo = try CaseRepo(staff: false)
        #expect(try repo.git(["log", "--format=%an <%ae>"]) == CaseRepo.jefe)
        let files = try repo.git(["ls-tree", "-r", "--name-only", "HEAD"]).lines
        #expect(files.contains("roles.yaml") && files.contains("folio.yaml") && files.contains("cases/README.md"))
        #expect((1...7).allSatisfy { files.contains("schemas/procedimiento-\($0).yaml") })
        #expect(try repo.book.currentRoster().personas.map(\.id) == ["mrodriguez"])
        #expect(try repo.git(["log", "-1", "--format=%B"]).contains("Rol: jefe"))
        #expect(try Sandbox.git(["fsck", "--strict"], in: repo.path).ok)
        #expect(try repo.book.verify().ok)
    }

    @Test("P4 with the SEGEPLAN loop: every step authored by its role holder, trailers parsed by git, verify clean")
    func p4WithLoop() throws {
        let repo = try CaseRepo()
        let opened = try repo.book.openCase(NewCaseRequest(
            procedure: "4", title: "Ampliación del Hospital de Escuintla",
            sets: ["snip=245789", "unidad_ejecutora=División de Infraestructura"], persona: "mrodriguez"))
        #expect(opened.caseID == "PI-2026-0001")
        #expect(opened.path == "cases/2026/PI-2026-0001")
        let id = opened.caseID
        let plan: [(String, String, String?)] = [
            ("02", "mrodriguez", nil), ("03", "alopez", nil), ("04", "alopez", "si"), ("05", "alopez", nil),
            ("06", "mrodriguez", nil), ("07", "mrodriguez", nil), ("08", "mrodriguez", nil), ("09", "mrodriguez", nil),
            ("10", "mrodriguez", "sí"), ("02", "mrodriguez", nil), ("03", "alopez", nil), ("04", "alopez", "si"),
            ("05", "alopez", nil), ("06", "mrodriguez", nil), ("07", "mrodriguez", nil), ("08", "mrodriguez", nil),
            ("09", "mrodriguez", nil), ("10", "mrodriguez", "no"), ("11", "mrodriguez", nil), ("12", "alopez", nil),
            ("13", "mrodriguez", nil), ("14", "mrodriguez", nil),
        ]
        for (i, (step, who, decision)) in plan.enumerated() {
            repo.at(String(format: "2026-11-%02dT10:00:00-06:00", 3 + i))
            // PASO is only needed when more than one step is possible: here it never is.
            let recorded = try repo.step(id, i % 2 == 0 ? step : nil, as: who, decision: decision)
            #expect(recorded.step == step)
            if step == "08" { #expect(try repo.book.status(of: id).state == .waiting) }
        }
        let status = try repo.book.status(of: id)
        #expect(status.state == .closed)
        #expect(status.history.count == 23)
        #expect(status.history.filter { $0.step == "10" }.map(\.decision) == ["si", "no"])

        // git log shows, for every step, a person holding the step's role.
        let roster = try repo.book.currentRoster()
        let p4 = try #require(try repo.book.proceduresInForce().first { $0.number == 4 })
        let stepLines = try repo.git(["log", "--format=%ae|%(trailers:key=Paso,valueonly,separator=)|%(trailers:key=Rol,valueonly,separator=)",
                                      ]).lines.filter { $0.split(separator: "|", omittingEmptySubsequences: false)[1] != "" }
        #expect(stepLines.count == 23)
        for line in stepLines {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let step = try #require(p4.step(f[1]))
            let persona = try #require(roster.find(f[0]))
            #expect(step.roles.contains(where: persona.holds), "\(line)")
            #expect(f[2] == step.roles.first(where: persona.holds)?.rawValue)
        }
        // git interpret-trailers reads every trailer of the decision step.
        let sha = try #require(try repo.git(["log", "--reverse", "--format=%H", "--grep=paso 10"]).lines.first)
        let parsed = try repo.git(["interpret-trailers", "--parse"], input: try repo.git(["log", "-1", "--format=%B", sha]))
        #expect(parsed.lines == ["Expediente: PI-2026-0001", "Procedimiento: 4", "Paso: 10", "Rol: jefe", "Decision: si",
                                 "Signed-off-by: María Rodríguez <mrodriguez@igss.gob.gt>"])
        #expect(try Sandbox.git(["fsck", "--strict"], in: repo.path).ok)
        let report = try repo.book.verify()
        #expect(report.ok, "\(report.violations)")
        #expect(report.steps == 23)
    }

    @Test("P4 returned at step 04: state returned, no next step, later steps refused")
    func p4Returned() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "PI", title: "Clínica de Mazatenango", sets: [
            "snip=300111", "unidad_ejecutora=Dirección de Proyectos"], persona: "mrodriguez")).caseID
        try repo.step(id, as: "mrodriguez")
        try repo.step(id, as: "alopez")
        try repo.step(id, "04", as: "alopez", decision: "no", text: "Falta el estudio de preinversión.")
        let status = try repo.book.status(of: id)
        #expect(status.state == .returned)
        #expect(status.next.isEmpty)
        try repo.expectRefusal(["devuelto"]) { try repo.step(id, "05", as: "alopez") }
        #expect(try repo.git(["log", "-1", "--format=%B"]).contains("Falta el estudio de preinversión."))
    }

    @Test("P3 monthly: opening commit without Paso, steps per dependency authored by their contact, committed by the operator")
    func p3PerDependency() throws {
        let repo = try CaseRepo(date: "2026-11-26T08:00:00-06:00")
        try repo.git(["config", "user.name", "Carla Méndez"])
        try repo.git(["config", "user.email", "cmendez@igss.gob.gt"])
        let opened = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez"))
        #expect(opened.caseID == "PROD-2026-11" && opened.step == nil)
        let opening = try repo.git(["log", "-1", "--format=%B"])
        #expect(!opening.contains("Paso:") && opening.contains("Expediente: PROD-2026-11") && opening.contains("Rol: secretaria"))
        #expect(repo.read("cases/2026/PROD-2026-11/expediente.md").contains("mes: 2026-11"))

        try repo.expectRefusal(["produccion/HGE.csv: falta el documento"], writing: ["cases/2026/PROD-2026-11/produccion/HGE.csv"]) {
            try repo.step("PROD-2026-11", "01", as: "hge", dependency: "HGE")
        }
        try repo.writeProduction("PROD-2026-11", "HGE")
        try repo.writeProduction("PROD-2026-11", "HRO")
        try repo.step("PROD-2026-11", "01", as: "hge", dependency: "HGE")
        #expect(try repo.git(["log", "-1", "--format=%an|%cn|%(trailers:key=Dependencia,valueonly,separator=)"]) ==
            "Luis Ajú (HGE)|Carla Méndez|HGE")
        try repo.expectRefusal(["hro es el contacto registrado de HRO, no de IGS"]) {
            try repo.step("PROD-2026-11", "01", as: "hro", dependency: "IGS")
        }
        let second = try repo.step("PROD-2026-11", "01", as: "hro", dependency: "hro")
        // Every registered contact has reported: no "01 for a new dependency" is offered any more (staff16p).
        #expect(!second.next.contains { $0.step == "01" }, "\(second.next.map(\.step))")
        try repo.expectRefusal(["una vez por dependencia", "Esperan el paso 02: HGE, HRO", "folio step PROD-2026-11 02 --dependency HGE"]) {
            try repo.step("PROD-2026-11", "02", as: "cmendez")
        }
        try repo.step("PROD-2026-11", as: "cmendez", dependency: "HGE")
        try repo.expectRefusal(["más de un paso", "--dependency"]) { try repo.step("PROD-2026-11", as: "alopez") }
        repo.at("2026-12-01T09:00:00-06:00") // approval (04) opens after the cut-off (P3 norm 2)
        for (s, d) in [("03", nil), ("04", "si"), ("05", nil)] as [(String, String?)] {
            try repo.step("PROD-2026-11", s, as: "alopez", decision: d, dependency: "HGE")
        }
        try repo.expectRefusal(["06", "HRO (le falta el paso 02)", "folio excusar PROD-2026-11 HRO"]) { try repo.step("PROD-2026-11", "06", as: "alopez") }
        var status = try repo.book.status(of: "PROD-2026-11")
        #expect(status.dependencies?.map(\.code) == ["HGE", "HRO"])
        #expect(status.dependencies?.map(\.lastStep) == ["05", "01"])
        #expect(status.dependencies?[1].next.map(\.step) == ["02"])
        #expect(status.dependencies?[1].next.first?.holders == ["cmendez"])
        // "asistente o analista": each holder once, though alopez holds both roles.
        #expect(status.dependencies?[0].next.isEmpty == true)

        try repo.step("PROD-2026-11", "02", as: "cmendez", dependency: "HRO")
        #expect(try repo.book.status(of: "PROD-2026-11").dependencies?[1].next.first?.holders == ["alopez", "jperez"])
        try repo.step("PROD-2026-11", "03", as: "jperez", dependency: "HRO")
        let refused = try repo.step("PROD-2026-11", "04", as: "jperez", decision: "no", dependency: "HRO")
        #expect(refused.notices.contains { $0.contains("Las cifras de HRO vuelven a su enlace") && $0.contains("produccion/HRO.csv")
            && $0.contains("folio note PROD-2026-11") && $0.contains("--as hro") }, "\(refused.notices)")
        #expect(try repo.book.status(of: "PROD-2026-11").dependencies?.first { $0.code == "HRO" }?.returned == true)
        // The contact's inbox holds the correction, not the analyst's 05 (staff16t); a step tried instead points to the note.
        let pending = try repo.book.pending().filter { $0.id == "PROD-2026-11" && $0.dependency == "HRO" }
        #expect(pending.map(\.step) == ["nota"] && pending.first?.holders == ["hro"] && pending.first?.activity.contains("folio note") == true,
                "\(pending)")
        try repo.expectRefusal(["Sus cifras volvieron a usted en el paso 04", "folio note PROD-2026-11"]) {
            try repo.step("PROD-2026-11", "01", as: "hro", dependency: "HRO")
        }
        // Step 05 waits for the correction (staff16s: it had recorded, and the returned figures were locked in), or says why not.
        try repo.expectRefusal(["las cifras de HRO no cambiaron desde el 'no' del paso 04", "folio note PROD-2026-11", "-m \"TEXTO\""]) {
            try repo.step("PROD-2026-11", "05", as: "jperez", dependency: "HRO")
        }
        try repo.step("PROD-2026-11", "05", as: "jperez", dependency: "HRO", text: "El enlace de HRO confirmó por teléfono que son correctas.")
        repo.at("2026-12-01T10:00:00-06:00")
        try repo.step("PROD-2026-11", as: "alopez")
        try repo.step("PROD-2026-11", as: "mrodriguez", sets: ["visto_bueno_subgerente=Lic. Pérez, oficio SPD-88"])
        status = try repo.book.status(of: "PROD-2026-11")
        #expect(status.state == .closed)
        #expect(try repo.book.verify().ok)
    }

    @Test("notes commit pending edits with Expediente and Rol but no Paso, and do not advance")
    func note() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca OISS", persona: "mrodriguez")).caseID
        try repo.expectRefusal(["No hay cambios pendientes"]) { _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "x") }
        try repo.write("# Oferta\n\nCurso de la OISS.\n", to: "cases/2026/\(id)/oferta.md")
        let note = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Agrega la oferta")
        #expect(note.step == nil)
        let trailers = try repo.git(["interpret-trailers", "--parse"], input: try repo.git(["log", "-1", "--format=%B"]))
        #expect(trailers.lines == ["Expediente: \(id)", "Procedimiento: 7", "Rol: jefe", "Signed-off-by: María Rodríguez <mrodriguez@igss.gob.gt>"])
        #expect(try repo.book.status(of: id).lastStep == "01")
        #expect(try repo.book.log(of: id).map(\.kind) == ["step", "note"])
        #expect(try repo.git(["ls-tree", "--name-only", "HEAD", "cases/2026/\(id)/"]).contains("oferta.md"))
    }

    @Test("--attach puts Markdown at the case's top and other files under anexos/; --set edits the front matter in place")
    func attachAndSet() throws {
        let repo = try CaseRepo()
        try repo.box.write("""
            ---
            motivos: Cambio de especificaciones
            modificaciones:
              - {meta: Remozamiento, unidad_medida: metro cuadrado, antes: 100, movimiento: -20, despues: 80}
            transferencia: anexos/transferencia.pdf
            ---
            Solicitud.

            """, to: "in/solicitud.md")
        try repo.box.write("%PDF-1.4 transferencia\n", to: "in/transferencia.pdf")
        let id = try repo.book.openCase(NewCaseRequest(
            procedure: "6", title: "Metas del Hospital de Quetzaltenango", sets: ["snip=111222"],
            attachments: [repo.box.path + "/in/solicitud.md", repo.box.path + "/in/transferencia.pdf"], persona: "dip")).caseID
        let files = try repo.git(["ls-tree", "-r", "--name-only", "HEAD", "cases/2026/\(id)/"]).lines
        #expect(files == ["cases/2026/\(id)/anexos/transferencia.pdf", "cases/2026/\(id)/expediente.md", "cases/2026/\(id)/hoja-de-ruta.md",
                          "cases/2026/\(id)/indice.md", "cases/2026/\(id)/solicitud.md"])
        // The attached transfer is in the archive index, with its folio and SHA-256.
        #expect(repo.read("cases/2026/\(id)/indice.md").contains("| 1 | anexos/transferencia.pdf |"))
        // Step 01 of P6 is the executing unit's: author the contact, committer the operator.
        #expect(try repo.git(["log", "-1", "--format=%an|%cn"]) == "Pedro Xol (DIP)|María Rodríguez")
        try repo.step(id, as: "mrodriguez", sets: ["unidad_ejecutora=Hospital Regional de Occidente"])
        let text = repo.read("cases/2026/\(id)/expediente.md")
        #expect(text.contains("unidad_ejecutora: Hospital Regional de Occidente\n"))
        #expect(text.contains("snip: 111222\n"))
        #expect(text.contains("# Metas del Hospital de Quetzaltenango"))
    }

    @Test("a case stays on the procedure version it was opened with")
    func schemaVersion() throws {
        let repo = try CaseRepo()
        let old = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Anterior", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"],
                                                        persona: "mrodriguez")).caseID
        // The jefe amends procedure 7: step 02 becomes the assistant's.
        var text = repo.read("schemas/procedimiento-7.yaml")
        text = text.replacingOccurrences(of: "version: \"2013.1\"", with: "version: \"2026.1\"")
        text = text.replacingOccurrences(of: "  - paso: \"02\"\n    roles: [jefe]", with: "  - paso: \"02\"\n    roles: [asistente]")
        try repo.write(text, to: "schemas/procedimiento-7.yaml")
        try repo.git(["commit", "-qam", "Enmienda el procedimiento 7", "--author", CaseRepo.jefe])
        let new = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Nueva", sets: ["organismo=CISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"],
                                                        persona: "mrodriguez")).caseID
        #expect(try repo.book.status(of: old).version == "2013.1")
        #expect(try repo.book.status(of: new).version == "2026.1")
        try repo.step(old, as: "mrodriguez")
        try repo.expectRefusal(["asistente"]) { try repo.step(new, as: "mrodriguez") }
        try repo.step(new, as: "jperez")
        #expect(try repo.book.verify().ok)
    }

    @Test("status JSON carries the contract's fields")
    func statusJSON() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "1", title: "PEI 2027-2031", persona: "mrodriguez")).caseID
        let data = try JSONEncoder().encode(try repo.book.status(of: id))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["id"] as? String == "PEI-2026-0001")
        #expect(json["procedure"] as? Int == 1)
        #expect(json["state"] as? String == "open")
        #expect(json["lastStep"] as? String == "01")
        let next = try #require(json["next"] as? [[String: Any]])
        #expect(next.first?["step"] as? String == "02")
        #expect(next.first?["role"] as? String == "jefe")
        #expect(next.first?["holders"] as? [String] == ["mrodriguez"])
        let history = try #require(json["history"] as? [[String: Any]])
        let h = try #require(history.first)
        #expect(h["step"] as? String == "01" && h["role"] as? String == "jefe" && h["author"] as? String == "María Rodríguez")
        #expect(h["email"] as? String == "mrodriguez@igss.gob.gt")
        #expect(h["date"] as? String == "2026-11-02T09:00:00-06:00")
        #expect((h["commit"] as? String)?.count == 40)
        #expect(h["decision"] is NSNull && h["dependency"] is NSNull, "absent values are null, as in DESIGN.md")
        #expect(next.first?["dependency"] is NSNull)
    }
}
