import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("folio check and the JSON Schemas of the front matter")
struct CheckTests {
    @Test("a front matter that breaks its procedure's JSON Schema is named by check and refused by step")
    func schemaViolations() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Proyecto", sets: ["snip=0289347", "unidad_ejecutora=DIP"],
                                                       persona: "mrodriguez")).caseID
        let file = "cases/2026/\(id)/expediente.md"
        #expect(repo.read(file).contains("snip: \"0289347\""), "a leading zero keeps the code a string")
        #expect(try repo.book.check().ok)
        try repo.write(repo.read(file).replacingOccurrences(of: "snip: \"0289347\"", with: "snip: 28-93")
            .replacingOccurrences(of: "abierto: 2026-11-02", with: "abierto: 2 de noviembre"), to: file)
        let report = try repo.book.check()
        #expect(!report.ok && report.cases == 1)
        #expect(report.problems.map(\.file) == [file, file])
        #expect(report.problems.contains { $0.message.contains("'abierto'") && $0.message.contains("AAAA-MM-DD") })
        #expect(report.problems.contains { $0.message.contains("'snip'") && $0.message.contains("código SNIP") })
        try repo.expectRefusal([file, "'snip'", "folio check"]) { try repo.step(id, as: "mrodriguez") }
    }

    @Test("check covers the configuration and every case, and names a malformed document")
    func configuration() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "C", persona: "mrodriguez")).caseID
        try repo.write("---\nmotivos: [\n---\n", to: "cases/2026/\(id)/nota.md")
        try repo.write("personas: [\n", to: "roles.yaml")
        let report = try repo.book.check()
        #expect(Set(report.problems.map(\.file)) == ["roles.yaml", "cases/2026/\(id)/nota.md"])
        #expect(try repo.book.check(caseID: id).problems.map(\.file) == ["cases/2026/\(id)/nota.md"])
        #expect(throws: CasebookError.self) { try repo.book.check(caseID: "PI-2099-0001") }
    }

    @Test("check names a file in produccion/ or avance/ that the shared repository would refuse, and a staff step is not stopped by it")
    func strayDataFiles() throws {
        let repo = try CaseRepo(date: "2026-11-27T08:00:00-06:00")
        let id = try repo.productionMonth()
        #expect(try repo.book.check().ok)
        let folder = "cases/2026/\(id)/produccion"
        try repo.write(repo.read("\(folder)/HGE.csv"), to: "\(folder)/hro.csv")
        try repo.write("x\n", to: "\(folder)/sub/HRO.csv")
        let report = try repo.book.check()
        #expect(Set(report.problems.map(\.file)) == ["\(folder)/hro.csv", "\(folder)/sub"], "\(report.problems)")
        #expect(report.problems.contains { $0.message.contains("renómbrelo a produccion/HRO.csv") && $0.message.contains("[datos-dependencia]") })
        // Beside the real file, or an editor's backup: take it away, never rename it over the real one (staff16r).
        try repo.write("x\n", to: "\(folder)/HGE.csv~")
        let backup = try repo.book.check().problems.first { $0.file == "\(folder)/HGE.csv~" }
        #expect(backup?.message.contains("Sáquelo de la carpeta") == true && backup?.message.contains("renómbrelo") == false, "\(String(describing: backup))")
        try repo.write("x\n", to: "\(folder)/HGE - copia.csv")
        let copy = try repo.book.check().problems.first { $0.file == "\(folder)/HGE - copia.csv" }
        #expect(copy?.message.contains("Sáquelo de la carpeta") == true && copy?.message.contains("renómbrelo") == false, "\(String(describing: copy))")
        try FileManager.default.removeItem(atPath: repo.path + "/\(folder)/HGE - copia.csv")
        // A review changed by hand, and the figures of a code no contact answers for (attack16r).
        try repo.write("# revisión\n", to: "\(folder)/HGE-revision.md")
        try repo.write(repo.read("\(folder)/HGE.csv"), to: "\(folder)/XYZ.csv")
        let more = try repo.book.check().problems
        #expect(more.contains { $0.file == "\(folder)/HGE-revision.md" && $0.message.contains("la escribe folio en el paso que la genera") })
        #expect(more.contains { $0.file == "\(folder)/XYZ.csv" && $0.message.contains("no hay en roles.yaml un enlace registrado de XYZ") })
        try FileManager.default.removeItem(atPath: repo.path + "/\(folder)/HGE-revision.md")
        try FileManager.default.removeItem(atPath: repo.path + "/\(folder)/XYZ.csv")
        // The secretaria's step for HGE neither takes them nor stops for them; nor for a mark git
        // keeps on the figures (assume-unchanged), a file her step does not commit (attack31).
        try repo.git(["update-index", "--assume-unchanged", "\(folder)/HGE.csv"])
        try repo.step(id, "02", as: "cmendez", dependency: "HGE")
        #expect(!(try repo.git(["show", "--name-only", "--format=", "HEAD"])).contains("hro.csv"))
    }

    @Test("a schema's patterns match as String.range(of:options: .regularExpression) does: nested in properties and items, unanchored, Unicode, and a pattern that is no regular expression")
    func patternsMatchAsFoundation() throws {
        let patterns = ["^[0-9]{4}-(0[1-9]|1[0-2])$", "ñ+", "^(|20[0-9]{2}|2100)$", "[", "^\\p{Lu}"]
        let texts = ["2026-11", "2026-13", "año", "anio", "", "2027", "Ñandú", "ñandú", "x[y"]
        for pattern in patterns {
            let json = try JSONSerialization.data(withJSONObject: ["type": "object", "properties": [
                "a": ["type": "string", "pattern": pattern],
                "b": ["type": "array", "items": ["type": "string", "pattern": pattern]],
            ]])
            let schema = try JSONSchema(data: json, source: "x.schema.json")
            for text in texts {
                let expected = text.range(of: pattern, options: .regularExpression) != nil
                let fields: Fields = ["a": text, "b": ["ok" as any Sendable, text as any Sendable] as [any Sendable]]
                let problems = schema.problems(fields)
                #expect(problems.contains { $0.hasPrefix("'a' (") } == !expected, "\(pattern) on \(text): \(problems)")
                #expect(problems.contains { $0.hasPrefix("'b[2]' (") } == !expected, "\(pattern) on \(text): \(problems)")
            }
        }
    }

    @Test("the validator agrees with Python's jsonschema on the project's schemas", .enabled(if: pythonJSONSchema))
    func agreesWithReference() throws {
        let documents: [(Int, String)] = [
            (4, #"{"id": "PI-2026-0001", "procedimiento": 4, "titulo": "x", "abierto": "2026-11-02", "snip": "0289347", "unidad_ejecutora": "D"}"#),
            (4, #"{"id": "PI-2026-0001", "procedimiento": 4, "titulo": "x", "abierto": "2026-11-02", "snip": "12a", "unidad_ejecutora": "D"}"#),
            (4, #"{"id": "PI-2026-0001", "procedimiento": 5, "titulo": "x", "abierto": "2026-11-02", "snip": 289347, "unidad_ejecutora": "D"}"#),
            (4, #"{"id": "PI-2026-0001", "procedimiento": 4, "titulo": "x", "abierto": "2026-11-02"}"#),
            (3, #"{"id": "PROD-2026-11", "procedimiento": 3, "titulo": "x", "abierto": "2026-11-26", "mes": "2026-13"}"#),
            (3, #"{"id": "PROD-2026-11", "procedimiento": 3, "titulo": "x", "abierto": "2026-11-26", "mes": "2026-11"}"#),
            (7, #"{"id": "COOP-2026-0001", "procedimiento": 7, "titulo": "x", "abierto": "2026-08-03", "involucra_personal": "sí"}"#),
            (7, #"{"id": "coop 1", "procedimiento": 7, "titulo": "", "abierto": "2026-08-03", "involucra_personal": true}"#),
            (2, #"{"id": "POA-2026-0001", "procedimiento": 2, "titulo": "x", "abierto": "2026-03-02", "ejercicio": 1999}"#),
        ]
        for (procedure, json) in documents {
            let file = Sandbox.schemas + "/expediente-\(procedure).schema.json"
            let schema = try JSONSchema(data: try Data(contentsOf: URL(fileURLWithPath: file)), source: file)
            let value = try #require(FrontMatterDocument.parse("---\n\(json)\n---\n", file: "x").plainFields as Fields?)
            let script = "import json,sys,jsonschema; s=json.load(open(sys.argv[1])); d=json.loads(sys.argv[2]); "
                + "print(len(list(jsonschema.Draft202012Validator(s, format_checker=jsonschema.FormatChecker()).iter_errors(d))))"
            let reference = try Sandbox.run("/usr/bin/env", ["python3", "-c", script, file, json], in: Sandbox.projectRoot)
            #expect(schema.problems(value).isEmpty == (reference.out.trimmingCharacters(in: .whitespacesAndNewlines) == "0"),
                    "\(json): folio says \(schema.problems(value)), jsonschema found \(reference.out)")
        }
    }
}

/// Whether python3 with jsonschema is here (it is on this project's machines; skip elsewhere).
let pythonJSONSchema: Bool = {
    (try? Sandbox.run("/usr/bin/env", ["python3", "-c", "import jsonschema"], in: "/"))?.ok ?? false
}()
