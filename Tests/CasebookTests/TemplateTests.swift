import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

/// Templates of the documents a step needs: written by `--template` or by the refusal, filled in, accepted.
@Suite("Document templates")
struct TemplateTests {
    @Test("P2-11: the template the refusal writes, filled in, is accepted")
    func refusalTemplate() throws {
        let repo = try CaseRepo()
        let poa = try repo.poaRound()
        try repo.step(poa, "10", as: "alopez", dependency: "HGE")
        let review = "cases/2026/\(poa)/dependencias/HGE/revision.md"
        #expect(throws: (any Error).self) { try repo.step(poa, "11", as: "alopez", dependency: "HGE") }
        let template = repo.read(review)
        #expect(template.contains("# Plantilla de dependencias/HGE/revision.md para el paso 11 del procedimiento 2"))
        #expect(template.contains("(solo cuando presta_servicios es true)"))
        // Each norm's heading quotes its text once, without its number again, cut at a word (helper121:
        // "# Norma 3.1: 3.1 Observar que la planificación … orient").
        let headings = template.split(separator: "\n").filter { $0.hasPrefix("# Norma ") }
        #expect(headings == ["# Norma 3.1: Observar que la planificación operativa anual, estén en relación con las orientaciones…",
                             "# Norma 3.2: Coordinar con los Analistas del Departamento de Presupuesto, para verificar que el…",
                             "# Norma 3.3: Revisar que la producción terminal de las unidades prestadoras de servicios, esté en… (solo cuando presta_servicios es true)"])
        // Unfilled, the template is refused with every field at once.
        #expect {
            try repo.step(poa, "11", as: "alopez", dependency: "HGE")
        } throws: { error in
            ["orientaciones_estrategicas", "anteproyecto_presupuesto"].allSatisfy { "\(error)".contains("'\($0)' debe ser true") }
                && "\(error)".contains("falta el campo 'presta_servicios'")
        }
        try repo.write(template.replacingOccurrences(of: ": false", with: ": true")
            .replacingOccurrences(of: "presta_servicios:   #", with: "presta_servicios: true   #"), to: review)
        try repo.step(poa, "11", as: "alopez", dependency: "HGE")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).lines == [review, "cases/2026/\(poa)/hoja-de-ruta.md"])
    }

    @Test("a template is never written through a symbolic link: --template on a linked dependency folder refuses, nothing outside")
    func templateThroughLink() throws {
        let repo = try CaseRepo()
        let poa = try repo.poaRound()
        try repo.step(poa, "10", as: "alopez", dependency: "HGE")
        let outside = repo.box.path + "/fuera"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: repo.path + "/cases/2026/\(poa)/dependencias", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/cases/2026/\(poa)/dependencias/HGE", withDestinationPath: outside)
        #expect {
            _ = try repo.book.writeTemplates(for: StepRequest(caseID: poa, step: "11", persona: "alopez", dependency: "HGE"))
        } throws: { "\($0)".contains("enlace simbólico") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty, "nothing written outside the repository")
    }

    @Test("P6-01: the request's template, filled in, opens the case; 'transferencia' names the file given to --attach")
    func requestTemplate() throws {
        let repo = try CaseRepo()
        let templates = try repo.book.templatesForNew(procedure: "6")
        #expect(templates.map(\.name) == ["solicitud.md"])
        let text = try #require(templates.first?.text)
        // Step 01 needs the request to exist; step 04 'sí' needs it complete.
        try repo.write(text, to: "entrega/solicitud.md")
        try repo.write("PDF", to: "entrega/oficio.pdf")
        let opened = try repo.book.openCase(NewCaseRequest(procedure: "6", title: "Metas",
                                                           attachments: [repo.path + "/entrega/solicitud.md", repo.path + "/entrega/oficio.pdf"],
                                                           persona: "dip"))
        let id = opened.caseID
        try repo.step(id, "02", as: "mrodriguez")
        try repo.step(id, "03", as: "alopez")
        // Unfilled: every missing field is named at once.
        try repo.expectRefusal(["falta el campo 'motivos'", "falta el campo 'transferencia'", "le falta 'meta'", "le falta 'despues'"]) {
            try repo.step(id, "04", as: "alopez", decision: "si")
        }
        let filled = text
            .replacingOccurrences(of: "motivos:\n", with: "motivos: Cambio de prioridades del hospital\n")
            .replacingOccurrences(of: "  - meta:\n", with: "  - meta: Consultas\n")
            .replacingOccurrences(of: "    unidad_medida:\n", with: "    unidad_medida: consulta\n")
            .replacingOccurrences(of: "    antes:   #", with: "    antes: 100   #")
            .replacingOccurrences(of: "    movimiento:   #", with: "    movimiento: 20   #")
            .replacingOccurrences(of: "    despues:   #", with: "    despues: 120   #")
            .replacingOccurrences(of: "transferencia:   #", with: "transferencia: oficio.pdf   #")
        try repo.write(filled, to: opened.path + "/solicitud.md")
        try repo.step(id, "04", as: "alopez", decision: "si")
        #expect(FileManager.default.fileExists(atPath: repo.path + "/\(opened.path)/anexos/oficio.pdf"))
        #expect(try repo.book.check().ok)
    }

    @Test("--template writes the step's documents and records nothing; P1-12's progress report")
    func explicitTemplate() throws {
        let repo = try CaseRepo()
        let pei = try repo.book.openCase(NewCaseRequest(procedure: "1", title: "PEI", persona: "mrodriguez")).caseID
        let head = try repo.git(["rev-parse", "HEAD"])
        let result = try repo.book.writeTemplates(for: StepRequest(caseID: pei, step: "12"))
        // One report a year (norm 5): the report of the round is named by its January, the first
        // after today's date (2026-11-02) while step 10 has not been recorded.
        let file = "cases/2026/\(pei)/informe-avance-2027.md"
        #expect(result.written == [file])
        #expect(repo.read(file).contains("subgerencias_consultadas:"))
        #expect(try repo.git(["rev-parse", "HEAD"]) == head)
        // Written once: a second call does not overwrite what the person filled in.
        try repo.write("---\nsubgerencias_consultadas: [SPD]\n---\n", to: file)
        #expect(try repo.book.writeTemplates(for: StepRequest(caseID: pei, step: "12")).existing == [file])
        #expect(repo.read(file).contains("SPD"))
        #expect(throws: (any Error).self) { try repo.book.writeTemplates(for: StepRequest(caseID: pei, step: "02")) }
    }

    @Test("P3-01 and P5-01: --template writes the dependency's CSV (header, last month's lines with the figures empty, else the catalogue); so does the refusal")
    func tableTemplates() throws {
        let repo = try CaseRepo(date: "2026-10-27T08:00:00-06:00")
        let header = ProductionTable.columns.joined(separator: ",")
        // No earlier month: one line per product of the catalogue, the figures empty.
        let october = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-10", persona: "cmendez")).caseID
        let file = "cases/2026/\(october)/produccion/HGE.csv"
        #expect(try repo.book.writeTemplates(for: StepRequest(caseID: october, step: "01", dependency: "HGE")).written == [file])
        let products = repo.read("schemas/productos.csv").split(separator: "\n").dropFirst().map { "\($0),,," }
        let template = repo.read(file).split(separator: "\n").map(String.init)
        #expect(template.first == header && template.count == products.count + 1 && Set(template.dropFirst()) == Set(products), "\(template)")
        #expect(try repo.git(["status", "--porcelain"]).contains("produccion/"), "written, not committed")
        // Unfilled, it is refused at the step, naming the line and the column; filled in, it is recorded.
        try repo.expectRefusal([file, "línea 2, columna 4 (meta_programada)"]) { try repo.step(october, "01", as: "hge", dependency: "HGE") }
        try repo.write(header + "\nEMA,Consultas médicas,consulta,1000,980,0\nEMA,Egresos hospitalarios,egreso,300,290,5\n", to: file)
        try repo.step(october, "01", as: "hge", dependency: "HGE")
        // HRO saves as a spreadsheet in Spanish does: ';', a byte-order mark, CRLF.
        try repo.write("\u{FEFF}" + header.replacingOccurrences(of: ",", with: ";") + "\r\nEMA;Consultas médicas;consulta;1.000;980;0\r\n",
                       to: "cases/2026/\(october)/produccion/HRO.csv")
        try repo.step(october, "01", as: "hro", dependency: "HRO")
        // P5: the header, then last month's projects with their goal (a name with a comma quoted).
        let progressHeader = ProgressTable.columns.joined(separator: ",")
        let p5october = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-10", persona: "alopez")).caseID
        let first = try repo.book.writeTemplates(for: StepRequest(caseID: p5october, step: "01", dependency: "DIP")).written
        #expect(first.count == 1 && repo.read(first[0]) == progressHeader + "\n")
        let chimaltenango = progressHeader + "\n0289347,\"Hospital de Chimaltenango, fase 2\",metro cuadrado,12000,350.5,2500000,2100000,\n"
        try repo.write(chimaltenango, to: first[0])
        try repo.step(p5october, "01", as: "dip", dependency: "DIP")
        // A name a spreadsheet would run as a formula (refused at a step since attack36), from an
        // older history: committed with plain git by the unit.
        try repo.write(chimaltenango + "0289348,=1+2,obra,10,1,100,50,\n", to: first[0])
        _ = try repo.git(["commit", "-qam", "cifras", "--author", "Pedro Xol (DIP) <pxol@igss.gob.gt>"])
        // The next month, the refusal of a step without its file writes October's lines, figures empty.
        repo.at("2026-11-27T08:00:00-06:00")
        let november = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        #expect(throws: (any Error).self) { try repo.step(november, "01", as: "hge", dependency: "HGE") }
        #expect(repo.read("cases/2026/\(november)/produccion/HGE.csv")
                == header + "\nEMA,Consultas médicas,consulta,,,\nEMA,Egresos hospitalarios,egreso,,,\n")
        // HRO's template is written as HRO saved October's; another dependency without a past month gets the
        // catalogue; without --dependency, a clear refusal.
        #expect(try repo.book.writeTemplates(for: StepRequest(caseID: november, step: "01", dependency: "HRO")).written.count == 1)
        #expect(FileManager.default.contents(atPath: repo.path + "/cases/2026/\(november)/produccion/HRO.csv")
                == Data(("\u{FEFF}" + header.replacingOccurrences(of: ",", with: ";") + "\r\nEMA;Consultas médicas;consulta;;;\r\n").utf8))
        try repo.book.addPersona(Persona(id: "hes", name: "Carlos Sis (HES)", email: "csis@igss.gob.gt", roles: [.dependencia],
                                         dependency: "HES"), actor: "mrodriguez")
        #expect(try repo.book.writeTemplates(for: StepRequest(caseID: november, step: "01", dependency: "HES")).written.count == 1)
        #expect(repo.read("cases/2026/\(november)/produccion/HES.csv").split(separator: "\n").count == products.count + 1)
        try repo.expectRefusal(["--dependency"]) { _ = try repo.book.writeTemplates(for: StepRequest(caseID: november, step: "01")) }
        let p5november = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", persona: "alopez")).caseID
        let next = try repo.book.writeTemplates(for: StepRequest(caseID: p5november, step: "01", dependency: "DIP")).written
        // A name a spreadsheet would run as a formula is carried as text.
        #expect(next.count == 1 && repo.read(next[0]) == progressHeader + "\n0289347,\"Hospital de Chimaltenango, fase 2\",metro cuadrado,12000,,,,\n"
                + "0289348,'=1+2,obra,10,,,,\n",
                "\(next.map(repo.read))")
    }
}
