import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

let catalogText = (try? String(contentsOfFile: Sandbox.schemas + "/productos.csv", encoding: .utf8)) ?? ""

@Suite("Production data: CSV files, export and reports")
struct ProductionTests {
    let catalog = try! ProductCatalog.parse(catalogText, file: "schemas/productos.csv")
    let header = "programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado\n"

    @Test("a malformed CSV is refused with the file, the line and the column", arguments: [
        ("EMA,Consultas médicas,consulta,100,90,0\nEMA,Rayos X,estudio,10,10,0\n", "línea 3, columna 2 (producto)"),
        ("EMA,Consultas médicas,consulta,100,-5,0\n", "línea 2, columna 5 (ejecutado): no puede ser negativo"),
        ("EMA,Consultas médicas,consulta,cien,90,0\n", "línea 2, columna 4 (meta_programada): 'cien' no es un número"),
        ("EMA,Consultas médicas,paciente,100,90,0\n", "línea 2, columna 3 (unidad_medida)"),
        ("EMB,Consultas médicas,consulta,100,90,0\n", "línea 2, columna 1 (programa)"),
        ("EMA,Consultas médicas,consulta,100,90,0\nEMA,Egresos hospitalarios,egreso,50\n", "línea 3 del CSV (separado por ','): tiene 4 campos y debe tener 6 (falta la columna 5, ejecutado)"),
        ("EMA,Consultas médicas,consulta,100,90,0\nEMA,Consultas médicas,consulta,1,1,0\n", "línea 3, columna 2 (producto): 'Consultas médicas' ya aparece en la línea 2"),
        ("EMA,Total EMA,consulta,100,90,0\n", "Quite la línea de totales"),
        ("TOTAL,,,100,90,0\n", "línea 2 del CSV: es una línea de totales ('TOTAL')"),
        ("EMA,Consultas médicas,consulta,100,90,0\n\nEMA,Egresos hospitalarios,egreso,50,40,0\n", "línea 3 del CSV: está vacía"),
        ("EMA,\"Consultas médicas,consulta,100,90,0\n", "comillas sin cerrar en la línea 2"),
    ])
    func malformed(body: String, fragment: String) {
        #expect {
            _ = try ProductionTable.parse(header + body, file: "cases/2026/PROD-2026-11/produccion/HGE.csv", catalog: catalog)
        } throws: { error in
            "\(error)".contains("cases/2026/PROD-2026-11/produccion/HGE.csv") && "\(error)".contains(fragment)
        }
    }

    @Test("a header that is not the expected one is refused at line 1, naming the column")
    func wrongHeader() {
        #expect {
            _ = try ProductionTable.parse("programa,producto,unidad,meta_programada,ejecutado,reprogramado\n", file: "x.csv", catalog: catalog)
        } throws: { "\($0)".contains("línea 1, columna 3") }
        let ok = try? ProductionTable.parse("\u{FEFF}" + header.replacingOccurrences(of: "\n", with: "\r\n")
            + "EMA,Consultas médicas,consulta,100,90,\r\n", file: "x.csv", catalog: catalog)
        #expect(ok?.first?.reprogrammed == 0 && ok?.first?.executed == 90, "BOM, CRLF and an empty reprogramming are accepted")
    }

    @Test("CSV as staff produce it: trailing blank lines, ';' with decimal commas, BOM; the separator is named")
    func staffCSV() throws {
        let row = "EMA,Consultas médicas,consulta,100,90,0\n"
        let trailing = try ProductionTable.parse(header + row + "\n\n,,,,,\n\n", file: "x.csv", catalog: catalog)
        #expect(trailing.count == 1)
        let semicolon = "\u{FEFF}" + header.replacingOccurrences(of: ",", with: ";") + "EMA;Consultas médicas;consulta;100;90,5;0\r\n;;;;;\r\n"
        let read = try ProductionTable.parse(semicolon, file: "x.csv", catalog: catalog)
        #expect(read.first?.executed == 90.5)
        #expect {
            _ = try ProductionTable.parse(header.replacingOccurrences(of: ",", with: ";") + "EMA;Consultas médicas;consulta;100\n",
                                          file: "x.csv", catalog: catalog)
        } throws: { "\($0)".contains("separado por ';'") && "\($0)".contains("tiene 4 campos") }
        #expect {
            _ = try ProductionTable.parse(header + "EMA,Consultas médicas,consulta,100,1\n", file: "x.csv", catalog: catalog)
        } throws: { "\($0)".contains("tiene 5 campos") && !"\($0)".contains("1 campos") }
    }

    @Test("numbers as a Spanish spreadsheet writes them: in a ';' file 1.500 is fifteen hundred and 1.234,5 has a decimal comma; hex, exponents, signs and absurd sizes are refused")
    func spanishNumbers() throws {
        let semicolon = header.replacingOccurrences(of: ",", with: ";")
        let read = try ProductionTable.parse(semicolon + "EMA;Consultas médicas;consulta;1.234;1.500;0\nEMA;Egresos hospitalarios;egreso;1.234,5;12,5;12.5\n",
                                             file: "x.csv", catalog: catalog)
        #expect(read.map(\.programmed) == [1234, 1234.5] && read.map(\.executed) == [1500, 12.5] && read[1].reprogrammed == 12.5)
        for bad in ["0x10", "1e3", "+5", ".5", "5.", "99999999999999999999999", "1,5", "١٢"] {
            #expect(throws: (any Error).self, "\(bad)") {
                _ = try ProductionTable.parse(header + "EMA,Consultas médicas,consulta,\(bad),1,0\n", file: "x.csv", catalog: catalog)
            }
        }
        #expect(ProductionCheck.show(1e23) == "1e+23", "a huge figure is said, never a crash")
    }

    @Test("a CSV refused at a step speaks of the CSV, not of a YAML header; --attach HGE.csv at P3-01 goes to produccion/")
    func attachedCSV() throws {
        let repo = try CaseRepo(date: "2026-11-27T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        try repo.write(header + "TOTAL,,,100,90,0\n", to: "entregas/HGE.csv")
        try repo.expectRefusal(["cases/2026/\(id)/produccion/HGE.csv", "Quite la línea de totales", "Corrija el archivo CSV"]) {
            try repo.step(id, "01", as: "hge", dependency: "HGE", attach: [repo.path + "/entregas/HGE.csv"])
        }
        do {
            try repo.step(id, "01", as: "hge", dependency: "HGE", attach: [repo.path + "/entregas/HGE.csv"])
        } catch {
            #expect(!"\(error)".contains("YAML"))
        }
        try repo.write(header.replacingOccurrences(of: ",", with: ";") + "EMA;Consultas médicas;consulta;1250;1200;0\n\n", to: "entregas/HGE.csv")
        let recorded = try repo.step(id, "01", as: "hge", dependency: "HGE", attach: [repo.path + "/entregas/HGE.csv"])
        #expect(recorded.notices.contains { $0.contains("produccion/HGE.csv: leído separado por ';'") })
        #expect(repo.read("cases/2026/\(id)/produccion/HGE.csv").contains("1200"))
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/cases/2026/\(id)/anexos/HGE.csv"))
        #expect(try repo.git(["ls-files", "cases/2026/\(id)/produccion"]).contains("HGE.csv"))
    }

    @Test("--attach of a unit's CSV at P5-01 goes to avance/, whatever its name, read with ';' and decimal commas")
    func attachedProgress() throws {
        let repo = try CaseRepo(date: "2026-11-26T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", persona: "alopez")).caseID
        try repo.write("snip;proyecto;unidad_medida;meta_fisica;avance_fisico;presupuesto;ejecutado;motivos\r\n"
                       + "0289347;Hospital de Chimaltenango;metro cuadrado;12000;350,5;2500000;2100000;\r\n\r\n", to: "entregas/avance noviembre.csv")
        try repo.step(id, "01", as: "dip", dependency: "DIP", attach: [repo.path + "/entregas/avance noviembre.csv"])
        #expect(repo.read("cases/2026/\(id)/avance/DIP.csv").contains("350,5"))
        #expect(try repo.git(["ls-files", "cases/2026/\(id)"]).contains("avance/DIP.csv"))
        #expect(try repo.book.check().ok)
    }

    @Test("a header without lines is refused, an empty figure said as such; '2.100' in a ',' file is recorded as 2.1 and said")
    func emptyAndAmbiguous() throws {
        let repo = try CaseRepo(date: "2026-11-27T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        let file = "cases/2026/\(id)/produccion/HGE.csv"
        try repo.write(header, to: file)
        try repo.expectRefusal([file, "no tiene ninguna línea de datos", "--template"]) { try repo.step(id, "01", as: "hge", dependency: "HGE") }
        try repo.write(header + "EMA,Consultas médicas,consulta,,90,0\n", to: file)
        try repo.expectRefusal(["línea 2, columna 4 (meta_programada): la cifra está vacía", "0 si no hubo"]) {
            try repo.step(id, "01", as: "hge", dependency: "HGE")
        }
        try repo.write(header + "EMA,Consultas médicas,consulta,2.100,2.080,0\nEMA,Egresos hospitalarios,egreso,300,290.5,0\n", to: file)
        let recorded = try repo.step(id, "01", as: "hge", dependency: "HGE")
        #expect(recorded.notices.contains { $0.contains("línea 2, columna 4 (meta_programada): '2.100' se leyó como 2.1") && $0.contains("si quiso decir 2100") },
                "\(recorded.notices)")
        #expect(recorded.notices.contains { $0.contains("columna 5 (ejecutado): '2.080' se leyó como 2.08") })
        #expect(!recorded.notices.contains { $0.contains("290.5") })
        // P5: a unit's file with its header only is refused too.
        let p5 = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", persona: "alopez")).caseID
        try repo.write(ProgressTable.columns.joined(separator: ",") + "\n", to: "cases/2026/\(p5)/avance/DIP.csv")
        try repo.expectRefusal(["avance/DIP.csv", "no tiene ninguna línea de datos"]) { try repo.step(p5, "01", as: "dip", dependency: "DIP") }
    }

    @Test("a malformed CSV stops the step: nothing committed, the file named")
    func refusedStep() throws {
        let repo = try CaseRepo(date: "2026-11-27T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        try repo.write(header + "EMA,Consultas médicas,consulta,100,9o,0\n", to: "cases/2026/\(id)/produccion/HGE.csv")
        try repo.expectRefusal(["cases/2026/\(id)/produccion/HGE.csv", "línea 2, columna 5"]) {
            try repo.step(id, "01", as: "hge", dependency: "HGE")
        }
        #expect(try !repo.book.check().ok)
    }

    /// Months of production for two dependencies, each through its step 05 (approved at 04).
    func months(_ repo: CaseRepo, _ list: [(String, [String: String])]) throws {
        for (month, files) in list {
            repo.at("\(month)-27T08:00:00-06:00")
            let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: month, persona: "cmendez")).caseID
            for (dependency, body) in files.sorted(by: { $0.key < $1.key }) {
                try repo.write(header + body, to: "cases/\(month.prefix(4))/\(id)/produccion/\(dependency).csv")
                try repo.step(id, "01", as: dependency.lowercased(), dependency: dependency)
                try repo.step(id, "02", as: "cmendez", dependency: dependency)
                try repo.step(id, "03", as: "alopez", dependency: dependency)
                try repo.step(id, "04", as: "alopez", decision: "si", dependency: dependency, justification: "Revisión adelantada")
                try repo.step(id, "05", as: "alopez", dependency: dependency)
            }
        }
    }

    func body(_ consultas: Int, _ egresos: Int) -> String {
        "EMA,Consultas médicas,consulta,1000,\(consultas),0\nEMA,Egresos hospitalarios,egreso,300,\(egresos),5\n"
    }

    @Test("export equals what was committed month by month")
    func export() throws {
        let repo = try CaseRepo(date: "2026-08-01T09:00:00-06:00")
        try months(repo, [("2026-08", ["HGE": body(980, 290), "HRO": body(700, 200)]), ("2026-09", ["HGE": body(1010, 301)]),
                          ("2026-10", ["HGE": body(995, 288), "HRO": body(720, 210)])])
        let records = try repo.book.exportProduction()
        #expect(records.count == 10)
        for month in ["2026-08", "2026-09", "2026-10"] {
            for dependency in ["HGE", "HRO"] {
                let committed = try Sandbox.git(["show", "HEAD:cases/2026/PROD-\(month)/produccion/\(dependency).csv"], in: repo.path)
                let mine = records.filter { $0.month == month && $0.dependency == dependency }
                guard committed.ok else { #expect(mine.isEmpty); continue }
                let lines = try ProductionTable.parse(committed.out, file: "x", catalog: catalog)
                #expect(mine.map(\.product) == lines.map(\.product).sorted())
                for l in lines {
                    let r = try #require(mine.first { $0.product == l.product })
                    #expect(r.executed == l.executed && r.programmed == l.programmed && r.reprogrammed == l.reprogrammed && r.unit == l.unit)
                }
            }
        }
        #expect(try repo.book.exportProduction(from: "2026-09", to: "2026-09").count == 2)
    }

    @Test("step 06 commits the consolidated report; its totals equal the sums of the CSVs; folio report regenerates it")
    func report() throws {
        let repo = try CaseRepo(date: "2026-09-01T09:00:00-06:00")
        try months(repo, [("2026-09", ["HGE": body(1000, 300), "HRO": body(700, 200)])])
        // September's settled figures stand for October's comparisons: a later plain-git change by
        // HRO's own contact (refused by the hook, not here) is not read (attack16t).
        let september = "cases/2026/PROD-2026-09/produccion/HRO.csv"
        try repo.write(header + body(1, 1), to: september)
        _ = try repo.git(["commit", "-qam", "cifras", "--author", "Rosa Tzul (HRO) <rtzul@igss.gob.gt>"])
        let id = "PROD-2026-10"
        repo.at("2026-10-27T08:00:00-06:00")
        _ = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-10", persona: "cmendez"))
        let inputs = ["HGE": body(1100, 0), "HRO": body(650, 210)]
        for (dependency, text) in inputs.sorted(by: { $0.key < $1.key }) {
            try repo.write(header + text, to: "cases/2026/\(id)/produccion/\(dependency).csv")
            try repo.step(id, "01", as: dependency.lowercased(), dependency: dependency)
            try repo.step(id, "02", as: "cmendez", dependency: dependency)
            try repo.step(id, "03", as: "alopez", dependency: dependency)
        }
        repo.at("2026-11-02T08:00:00-06:00") // approval (04) opens after the cut-off (P3 norm 2)
        for dependency in inputs.keys.sorted() {
            try repo.step(id, "04", as: "alopez", decision: "si", dependency: dependency)
            try repo.step(id, "05", as: "alopez", dependency: dependency)
        }
        let review = repo.read("cases/2026/\(id)/produccion/HGE-revision.md")
        #expect(review.contains("hallazgos: 2") && review.contains("cero repentino") && review.contains("bajo lo programado"),
                "the review is committed with step 03: a sudden zero, and under 80 % of the goal")
        #expect(review.contains("Historial insuficiente: 1 mes anterior, y se necesitan 4"), "too little history says so")
        try repo.step(id, "06", as: "alopez")
        let committed = try repo.git(["show", "--name-only", "--format=", "HEAD"]).lines
        #expect(committed == ["cases/2026/\(id)/hoja-de-ruta.md", "cases/2026/\(id)/informe/consolidado-2026-10.csv", "cases/2026/\(id)/informe/consolidado-2026-10.html",
                              "cases/2026/\(id)/informe/consolidado-2026-10.md"])
        // The report's lines and totals are the CSVs' sums.
        let csv = repo.read("cases/2026/\(id)/informe/consolidado-2026-10.csv").lines.dropFirst().filter { !$0.isEmpty }
        let executed = csv.map { Double($0.split(separator: ",")[6])! }.reduce(0, +)
        let programmed = csv.map { Double($0.split(separator: ",")[5])! }.reduce(0, +)
        #expect(executed == 1100 + 0 + 650 + 210 && programmed == 2 * 1300)
        let markdown = repo.read("cases/2026/\(id)/informe/consolidado-2026-10.md")
        // Totals only within one product and unit: consultations are never added to discharges.
        #expect(markdown.contains("| EMA | Consultas médicas | consulta | 2 | 2,000 | 1,750 | 87.5 % | +2.9 % | — |"),
                "programmed, executed, % and change against 2026-09 (1,700)")
        #expect(markdown.contains("| EMA | Egresos hospitalarios | egreso | 2 | 600 | 210 | 35.0 % | -58.0 % | — |"))
        #expect(!markdown.contains("2,600") && !markdown.contains("1,960"), "no sum of different units")
        // A dependency is the mean of its products' % executed; its findings agree with the list.
        #expect(markdown.contains("| HGE | 2 | 55.0 % | Egresos hospitalarios (0.0 %) | Consultas médicas (110.0 %) | 2 |"))
        #expect(markdown.contains("| HRO | 2 | 67.5 % | Consultas médicas (65.0 %) | Egresos hospitalarios (70.0 %) | 2 |"))
        #expect(markdown.contains("## Hallazgos de la revisión (4)") && markdown.components(separatedBy: "\n- **").count - 1 == 4)
        let html = repo.read("cases/2026/\(id)/informe/consolidado-2026-10.html")
        #expect(html.contains("<svg") && html.contains("<table>") && !html.contains("<script") && !html.contains("src="), "self-contained")
        #expect(html.components(separatedBy: "<svg").count == 4, "a bar chart for EMA and a 13-month line for each product")
        try repo.expectRefusal(["visto_bueno_subgerente", "Norma 4"]) { try repo.step(id, "07", as: "mrodriguez") }
        try repo.step(id, "07", as: "mrodriguez", sets: ["visto_bueno_subgerente=Lic. Pérez, 2026-11-09"])
        let headReport = repo.read("cases/2026/\(id)/informe/informe-jefatura-2026-10.md")
        #expect(headReport.contains("| EMA | Consultas médicas | 1,750 consulta | 2,000 | 87.5 % | +2.9 % | — |"))
        #expect(headReport.contains("**HRO**, Consultas médicas: bajo lo programado") && headReport.contains("4 hallazgos en total (3 de ejecución"))
        #expect(repo.read("cases/2026/\(id)/informe/informe-jefatura-2026-10.html").contains("<td>Consultas médicas</td>"))
        let out = repo.box.path + "/regenerado"
        let files = try repo.book.regenerateReports(caseID: id, into: out)
        #expect(files.count == 5, "the consolidated report (md, csv, html) and the head's (md, html)")
        #expect(try String(contentsOfFile: out + "/consolidado-2026-10.csv", encoding: .utf8)
            == repo.read("cases/2026/\(id)/informe/consolidado-2026-10.csv"), "regenerated from history, the same report")
    }

    @Test("what a step writes is what its committed schema declares: a jefe's amendment moves the head's report to step 06")
    func declaredGenerators() throws {
        let repo = try CaseRepo(date: "2026-10-27T08:00:00-06:00")
        var text = repo.read("schemas/procedimiento-3.yaml")
        text = text.replacingOccurrences(of: "version: \"2013.1\"", with: "version: \"2026.1\"")
        text = text.replacingOccurrences(of: "    genera: [informe-consolidado]", with: "    genera: [informe-consolidado, informe-jefatura]")
        text = text.replacingOccurrences(of: "    genera: [revision-produccion]", with: "    genera: []")
        try repo.write(text, to: "schemas/procedimiento-3.yaml")
        try repo.git(["commit", "-qam", "Enmienda el procedimiento 3", "--author", CaseRepo.jefe])
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-10", persona: "cmendez")).caseID
        for dependency in ["HGE", "HRO"] {
            try repo.write(header + body(1100, 280), to: "cases/2026/\(id)/produccion/\(dependency).csv")
            try repo.step(id, "01", as: dependency.lowercased(), dependency: dependency)
            try repo.step(id, "02", as: "cmendez", dependency: dependency)
            try repo.step(id, "03", as: "alopez", dependency: dependency)
            #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).lines == ["cases/2026/\(id)/hoja-de-ruta.md"],
                    "step 03 declares nothing now: no review")
        }
        repo.at("2026-11-02T08:00:00-06:00")
        for dependency in ["HGE", "HRO"] {
            try repo.step(id, "04", as: "alopez", decision: "si", dependency: dependency)
            try repo.step(id, "05", as: "alopez", dependency: dependency)
        }
        try repo.step(id, "06", as: "alopez")
        let committed = try repo.git(["show", "--name-only", "--format=", "HEAD"]).lines
        #expect(committed == ["cases/2026/\(id)/hoja-de-ruta.md"] + ["csv", "html", "md"].map { "cases/2026/\(id)/informe/consolidado-2026-10.\($0)" }
                + ["html", "md"].map { "cases/2026/\(id)/informe/informe-jefatura-2026-10.\($0)" })
        #expect(repo.read("cases/2026/\(id)/informe/informe-jefatura-2026-10.md").contains(GeneratedSection.start))
        #expect(try repo.book.verify().ok)
    }
}
