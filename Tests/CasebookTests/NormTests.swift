import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("Norms applied when recording steps")
struct NormTests {
    @Test("P6: an incomplete request is received (01), evaluated on the record (03), and is the reason for 'no' at 04; 'sí' needs it complete")
    func p6Request() throws {
        let repo = try CaseRepo()
        let complete = CaseRepo.p6Request
        try repo.box.write(complete.replacingOccurrences(of: "despues: 1400", with: "despues: 1500"), to: "in/solicitud.md")
        try repo.box.write("%PDF-1.4\n", to: "in/transferencia-0198.pdf")
        try repo.expectRefusal(["solicitud.md: falta el documento", "Norma 1: «Para modificar"]) {
            _ = try repo.book.openCase(NewCaseRequest(procedure: "6", title: "Metas", sets: ["snip=276510"], persona: "dip"))
        }
        // Step 01 needs only the request: the unit is not turned away at the door.
        let id = try repo.book.openCase(NewCaseRequest(procedure: "6", title: "Metas", sets: ["snip=276510"],
                                                       attachments: [repo.box.path + "/in/solicitud.md"], persona: "dip")).caseID
        try repo.step(id, as: "mrodriguez")
        try repo.step(id, as: "alopez")
        let evaluation = try repo.git(["log", "-1", "--format=%B"])
        #expect(evaluation.contains("Evaluación (norma 1.1, norma 1.2): la solicitud está incompleta."))
        #expect(evaluation.contains("el saldo no cuadra") && evaluation.contains("transferencia-0198.pdf, que no está"))
        try repo.expectRefusal(["solicitud.md: 'transferencia' nombra anexos/transferencia-0198.pdf", "el saldo no cuadra", "Norma 1.1: «Solicitud",
                                "--decision no"]) {
            try repo.step(id, "04", as: "alopez", decision: "si")
        }
        try repo.step(id, "04", as: "alopez", decision: "no", text: "Solicitud incompleta: se devuelve (4.2).")
        #expect(try repo.book.status(of: id).state == .returned)

        // A complete request: the evaluation says so, and "sí" proceeds.
        try repo.box.write(complete, to: "in/solicitud.md")
        let other = try repo.book.openCase(NewCaseRequest(procedure: "6", title: "Metas 2", sets: ["snip=276511"],
                                                          attachments: [repo.box.path + "/in/solicitud.md", repo.box.path + "/in/transferencia-0198.pdf"],
                                                          persona: "dip")).caseID
        try repo.step(other, as: "mrodriguez")
        try repo.step(other, as: "alopez")
        #expect(try repo.git(["log", "-1", "--format=%B"]).contains("la solicitud está completa"))
        try repo.step(other, "04", as: "alopez", decision: "si")
        #expect(try repo.book.status(of: other).lastStep == "04")

        // A request complete but for the transfer's copy: the refusal says to attach it with the
        // step, and the step with --attach is recorded (helper123: it was refused again).
        let third = try repo.book.openCase(NewCaseRequest(procedure: "6", title: "Metas 3", sets: ["snip=276512"],
                                                          attachments: [repo.box.path + "/in/solicitud.md"], persona: "dip")).caseID
        try repo.step(third, as: "mrodriguez")
        try repo.step(third, as: "alopez")
        try repo.expectRefusal(["'transferencia' nombra anexos/transferencia-0198.pdf", "--attach transferencia-0198.pdf"]) {
            try repo.step(third, "04", as: "alopez", decision: "si")
        }
        try repo.step(third, "04", as: "alopez", decision: "si", attach: [repo.box.path + "/in/transferencia-0198.pdf"])
        #expect(try repo.book.status(of: third).lastStep == "04")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).contains("cases/2026/\(third)/anexos/transferencia-0198.pdf"))
    }

    /// staff36: the unit that opened a P6 request was told its own transfer was "del Departamento",
    /// and given the command just refused.
    @Test("P6: the unit's new version of a document it brought to anexos/ is refused with the way that works (the department records it), which works")
    func p6UnitNewVersion() throws {
        let repo = try CaseRepo()
        let id = try repo.openP6Request().caseID
        let index = try ArchiveIndex.parse(repo.read("cases/2026/\(id)/indice.md"), file: "indice.md")
        let folio = try #require(index.documentos.first { $0.archivo.hasSuffix("transferencia-0198.pdf") }?.folio)
        try repo.box.write("%PDF-1.4\n% firmada\n", to: "in/transferencia-firmada.pdf")
        let given = ArchiveRequest(files: [repo.box.path + "/in/transferencia-firmada.pdf"], replaces: folio)
        try repo.expectRefusal(["de la carpeta anexos/ del expediente", "La versión nueva la incorpora el Departamento",
                                "'folio attach \(id) ARCHIVO --replaces \(folio)'"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "dip", text: nil, archive: given)
        }
        _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: nil, archive: given)
        #expect(try repo.book.verify().ok)
    }

    @Test("P5: a unit's month without progress must state the reasons (norm 2), named by line and column")
    func p5Reasons() throws {
        let repo = try CaseRepo(date: "2026-11-26T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", persona: "alopez")).caseID
        try repo.expectRefusal(["avance/DIP.csv: falta el documento"], writing: ["cases/2026/\(id)/avance/DIP.csv"]) {
            try repo.step(id, "01", as: "dip", dependency: "DIP")
        }
        let file = "cases/2026/\(id)/avance/DIP.csv"
        let header = "snip,proyecto,unidad_medida,meta_fisica,avance_fisico,presupuesto,ejecutado,motivos\n"
        try repo.write(header + "0289347,Hospital de Chimaltenango,metro cuadrado,12000,350,2500000,2100000,\n"
                       + "0301122,Expediente clínico electrónico,módulo,8,0,400000,0,\n", to: file)
        try repo.expectRefusal([file, "línea 3, columna 8 (motivos)", "norma 2 del procedimiento 5"]) {
            try repo.step(id, "01", as: "dip", dependency: "DIP")
        }
        try repo.write(header + "0289347,Hospital de Chimaltenango,metro cuadrado,12000,350,2500000,2100000,\n"
                       + "0301122,Expediente clínico electrónico,módulo,8,0,400000,0,Recurso de revisión en la adjudicación\n", to: file)
        try repo.step(id, "01", as: "dip", dependency: "DIP")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).lines == [file, "cases/2026/\(id)/hoja-de-ruta.md"],
                "the step commits the unit's file and the routing slip")
        // Steps 03 and 05 commit the progress report and the head's report, once the month has ended.
        repo.at("2026-12-01T08:00:00-06:00")
        try repo.expectRefusal(["falta el campo 'publicacion'", "Norma 3"]) { try repo.step(id, "02", as: "alopez") }
        try repo.step(id, "02", as: "alopez", sets: ["publicacion=https://snip.segeplan.gob.gt (consulta pública)"])
        try repo.step(id, "03", as: "alopez")
        let report = repo.read("cases/2026/\(id)/informe/avance-2026-11.md")
        #expect(report.contains("Presupuesto del mes: Q 2,900,000; ejecutado: Q 2,100,000 (72.4 %)"))
        #expect(report.contains("| 0289347 | Hospital de Chimaltenango | 12,000 metro cuadrado | 350 | 2.9 % |"))
        #expect(report.contains("- DIP, 0301122 Expediente clínico electrónico: Recurso de revisión en la adjudicación"))
        #expect(repo.read("cases/2026/\(id)/informe/avance-2026-11.csv").lines.count == 4)
        try repo.step(id, "04", as: "alopez")
        try repo.step(id, "05", as: "mrodriguez")
        #expect(repo.read("cases/2026/\(id)/informe/informe-jefatura-2026-11.md").contains("Proyectos sin avance: 1"))
    }

    /// attack36: a project reported by two units was listed twice and its budget added twice; 5000 %
    /// of the goal went by without a word.
    @Test("P5: a project reported twice in a unit's file, or by a second unit, is refused at its step and by check, the month's report is not drawn while two units report it, and figures past the goal or the budget are listed for review")
    func p5SharedProject() throws {
        let repo = try CaseRepo(date: "2026-11-26T08:00:00-06:00")
        try repo.book.addPersona(Persona(id: "dmt", name: "Marta Cux (DMT)", email: "mcux@igss.gob.gt", roles: [.unidadEjecutora], dependency: "DMT"),
                                 actor: "mrodriguez")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", persona: "alopez")).caseID
        let header = "snip,proyecto,unidad_medida,meta_fisica,avance_fisico,presupuesto,ejecutado,motivos\n"
        let dip = "cases/2026/\(id)/avance/DIP.csv", dmt = "cases/2026/\(id)/avance/DMT.csv"
        let line = "0289347,Hospital de Chimaltenango,metro cuadrado,12000,350,1000000,900000,\n"
        // A text cell a spreadsheet would run as a formula (the dashboard serves the unit's file as it is).
        try repo.write(header + "0289347,=1+1,metro cuadrado,12000,350,1000000,900000,\n", to: dip)
        try repo.expectRefusal([dip, "columna 2 (proyecto): empieza con '='", "fórmula"]) { try repo.step(id, "01", as: "dip", dependency: "DIP") }
        try repo.write(header + "0289347,Hospital \u{1B}[2K\u{202E}odalecnaC,metro cuadrado,12000,350,1000000,900000,\n", to: dip)
        try repo.expectRefusal([dip, "columna 2 (proyecto): tiene caracteres de control"]) { try repo.step(id, "01", as: "dip", dependency: "DIP") }
        try repo.write(header + "0289347,Hospital,metro cuadrado,12000,0,1000000,0,@SUM(1+1)\n", to: dip)
        try repo.expectRefusal([dip, "columna 8 (motivos): empieza con '@'"]) { try repo.step(id, "01", as: "dip", dependency: "DIP") }
        try repo.write(header + line + line, to: dip)
        try repo.expectRefusal([dip, "el proyecto 0289347 ya está en la línea 2"]) { try repo.step(id, "01", as: "dip", dependency: "DIP") }
        try repo.write(header + line, to: dip)
        try repo.step(id, "01", as: "dip", dependency: "DIP")
        // Written without its leading zero, or in other digits: the same project, or no code.
        try repo.write(header + "٠٢٨٩٣٤٧,Hospital de Chimaltenango,km,100,5000,1000000,9999999,\n", to: dmt)
        try repo.expectRefusal([dmt, "no es un código SNIP"]) { try repo.step(id, "01", as: "dmt", dependency: "DMT") }
        try repo.write(header + "289347,Hospital de Chimaltenango,km,100,5000,1000000,9999999,\n", to: dmt)
        try repo.expectRefusal([dmt, "el proyecto 0289347 también lo informa DIP"]) { try repo.step(id, "01", as: "dmt", dependency: "DMT") }
        #expect(try repo.book.check(caseID: id).problems.contains { $0.file == dmt && $0.message.contains("también lo informa DIP") })
        // DMT reports its own project (past its goal and budget); then adds DIP's with plain git (a
        // warning only): the month's report is not drawn, it would count the project twice.
        let own = header + "0301122,Centro de Atención Permanente,km,100,5000,1000000,9999999,\n"
        try repo.write(own, to: dmt)
        try repo.step(id, "01", as: "dmt", dependency: "DMT")
        try repo.write(own + line, to: dmt)
        _ = try repo.git(["add", dmt])
        _ = try repo.git(["commit", "-q", "--author", "Marta Cux (DMT) <mcux@igss.gob.gt>", "-m", "cifras"])
        let added = try repo.git(["rev-parse", "HEAD"])
        repo.at("2026-12-01T08:00:00-06:00")
        // The step that closes the round (02), whose commit the report reads the figures at, refuses.
        let publication = ["publicacion=https://snip.segeplan.gob.gt (consulta pública)"]
        try repo.expectRefusal(["el proyecto 0289347 lo informan DIP y DMT", "contaría dos veces"]) {
            try repo.step(id, "02", as: "alopez", sets: publication)
        }
        // Taken back, the report lists what is past the goal and the budget.
        _ = try repo.git(["-c", "user.name=Marta Cux (DMT)", "-c", "user.email=mcux@igss.gob.gt", "revert", "--no-edit", added])
        #expect(repo.read(dmt) == own)
        try repo.step(id, "02", as: "alopez", sets: publication)
        try repo.step(id, "03", as: "alopez")
        let report = repo.read("cases/2026/\(id)/informe/avance-2026-11.md")
        #expect(report.contains("## Cifras por revisar") && report.contains("DMT, 0301122 Centro de Atención Permanente: avance del mes (5,000 km) mayor que la meta física (100)")
                && report.contains("ejecutado (Q 9,999,999) mayor que el presupuesto del mes (Q 1,000,000)") && !report.contains("DIP, 0289347"), "\(report)")
    }

    @Test("P7: staff involved needs the endorsement before step 04; --set with the step supplies it")
    func p7Endorsement() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Becas", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=true"],
                                                       persona: "mrodriguez")).caseID
        try repo.step(id, as: "mrodriguez")
        try repo.step(id, as: "mrodriguez")
        try repo.expectRefusal(["falta el campo 'aval'", "órgano ejecutivo"]) { try repo.step(id, as: "jperez") }
        try repo.step(id, as: "jperez", sets: ["aval=Acuerdo de Junta Directiva 1588"])
        let other = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Sin personal", sets: ["organismo=BID", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"],
                                                          persona: "mrodriguez")).caseID
        for who in ["mrodriguez", "mrodriguez", "jperez"] { try repo.step(other, as: who) }
        #expect(try repo.book.status(of: other).lastStep == "04")
    }

    @Test("P1-02 needs the technical cooperation (norm 4); P2-11 needs the dependency's review with checks 3.1-3.3 (norm 3)")
    func p1AndP2() throws {
        let repo = try CaseRepo()
        let pei = try repo.book.openCase(NewCaseRequest(procedure: "1", title: "PEI", persona: "mrodriguez")).caseID
        try repo.expectRefusal(["falta el campo 'cooperacion_tecnica'", "Norma 4"]) { try repo.step(pei, as: "mrodriguez") }
        try repo.step(pei, as: "mrodriguez", sets: ["cooperacion_tecnica=OISS"])

        let poa = try repo.poaRound()
        try repo.step(poa, "10", as: "alopez", dependency: "HGE")
        let review = "cases/2026/\(poa)/dependencias/HGE/revision.md"
        // The refusal commits nothing and leaves the document's template in the case, to be filled in.
        let head = try repo.git(["rev-parse", "HEAD"])
        #expect {
            try repo.step(poa, "11", as: "alopez", dependency: "HGE")
        } throws: { error in
            let text = "\(error)"
            // The document three norms need is said missing once; each later norm says what it asks of
            // it, 3.3 only for a unit that gives services.
            return text.components(separatedBy: "falta el documento").count == 2 && text.contains("las normas 3.1, 3.2 y 3.3 exigen lo que falta")
                && text.contains("dependencias/HGE/revision.md: falta el documento; esta norma pide en él: orientaciones_estrategicas: true.")
                && !text.contains("Póngalo en") && text.contains("Norma 3.1: «Observar") && !text.contains("«3.1")
                && text.contains("revision.md: el mismo documento; esta norma pide en él: anteproyecto_presupuesto: true.")
                && text.contains("esta norma pide en él: presta_servicios; si presta_servicios es true, capacidad_instalada: true, historial_produccion: true.")
                && text.contains("Plantilla escrita en \(review)")
        }
        #expect(try repo.git(["rev-parse", "HEAD"]) == head)
        #expect(try repo.git(["status", "--porcelain", "--untracked-files=all"]) == "?? \(review)")
        #expect(repo.read(review).contains("capacidad_instalada: false   # cámbielo a true"))
        #expect(repo.read(review).contains("presta_servicios:   # true o false; lo que sigue se exige solo si es true"))
        try repo.write("---\norientaciones_estrategicas: true\nanteproyecto_presupuesto: true\npresta_servicios: true\ncapacidad_instalada: false\nhistorial_produccion: true\n---\n", to: review)
        try repo.expectRefusal(["'capacidad_instalada' debe ser true"]) { try repo.step(poa, "11", as: "alopez", dependency: "HGE") }
        try repo.write("---\norientaciones_estrategicas: true\nanteproyecto_presupuesto: true\npresta_servicios: true\ncapacidad_instalada: true\nhistorial_produccion: true\n---\n", to: review)
        try repo.step(poa, "11", as: "alopez", dependency: "HGE")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).lines == [review, "cases/2026/\(poa)/hoja-de-ruta.md"])
    }

    @Test("status and due: each next step carries its due date and norm; overdue counts against the clock")
    func dueDates() throws {
        let repo = try CaseRepo(date: "2026-12-28T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-12", persona: "cmendez")).caseID
        try repo.writeProduction(id, "HGE")
        try repo.step(id, "01", as: "hge", dependency: "HGE")
        let status = try repo.book.status(of: id)
        let hge = try #require(status.dependencies?.first?.next.first)
        #expect(hge.step == "02" && hge.due == "2027-01-05" && hge.normNumber == "2" && hge.overdue == false)
        #expect(hge.norm?.hasPrefix("2. Los Asistentes Administrativos y Analistas, deberán aprobar") == true)
        #expect(status.next.first?.opens == "2026-12-26" && status.next.first?.due == "2026-12-31")

        repo.at("2027-01-06T08:00:00-06:00")
        let items = try repo.book.pending()
        // HRO (a registered contact) has not registered; HGE's 02 is overdue since the 5th.
        let overdue = try #require(items.first)
        #expect(overdue.id == id && overdue.step == "01" && overdue.dependency == "HRO" && overdue.holders == ["hro"])
        #expect(overdue.overdue && overdue.daysLeft == -6 && overdue.due == "2026-12-31")
        let second = try #require(items.dropFirst().first)
        #expect(second.step == "02" && second.dependency == "HGE" && second.overdue && second.holders == ["cmendez"])
    }
}
