import Foundation
import Procedures
import Testing
import TestSupport

/// What a step generates is declared in its schema (`genera:`), checked when the schema is read.
@Suite("Generators declared per step")
struct GeneratorTests {
    static let header = "numero: 9\ncodigo: X\nnombre: X\nversion: '1'\n"

    @Test("P3 and P5 declare the reports folio wrote before: P3 03, 06, 07; P5 03, 05; no other step generates")
    func declared() {
        let p3 = definition(3), p5 = definition(5)
        #expect(p3.step("03")?.generates == [.productionReview])
        #expect(p3.step("06")?.generates == [.consolidatedReport])
        #expect(p3.step("07")?.generates == [.headReport])
        #expect(p5.step("03")?.generates == [.progressReport])
        #expect(p5.step("05")?.generates == [.headReport])
        let others = (1...7).flatMap { n in definition(n).steps.filter { !$0.generates.isEmpty }.map { "\(n)-\($0.number)" } }
        #expect(others.sorted() == ["3-03", "3-06", "3-07", "5-03", "5-05"])
        #expect(Generator.consolidatedReport.files(month: "2026-10", dependency: nil)
            == ["informe/consolidado-2026-10.md", "informe/consolidado-2026-10.csv", "informe/consolidado-2026-10.html"])
        #expect(Generator.productionReview.files(month: "2026-10", dependency: "HGE") == ["produccion/HGE-revision.md"])
    }

    @Test("an unknown generator is refused, naming the file, the step and the names folio knows")
    func unknown() {
        let yaml = Self.header + "pasos:\n  - paso: '01'\n    roles: [jefe]\n    actividad: x\n  - paso: '02'\n    roles: [jefe]\n    actividad: y\n    genera: [informe-mensual]\n"
        #expect {
            _ = try ProcedureDefinition.load(yaml: yaml, source: "schemas/procedimiento-9.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.contains("schemas/procedimiento-9.yaml") && text.contains("paso 02") && text.contains("'informe-mensual'")
                && Generator.allCases.allSatisfy { text.contains($0.rawValue) }
        }
    }

    @Test("a generator without the data it reads is refused: a report of production in a schema without 'produccion'")
    func withoutData() {
        let cases = [
            ("    genera: [informe-consolidado]\n", "produccion"),
            ("    genera: [informe-avance]\n", "avance"),
            ("    genera: [informe-jefatura]\n", "produccion"),
        ]
        for (line, fragment) in cases {
            let yaml = Self.header + "pasos:\n  - paso: '01'\n    roles: [jefe]\n    actividad: x\n" + line
            #expect {
                _ = try ProcedureDefinition.load(yaml: yaml, source: "schemas/procedimiento-9.yaml")
            } throws: { error in
                "\(error)".contains("schemas/procedimiento-9.yaml") && "\(error)".contains("paso 01") && "\(error)".contains(fragment)
            }
        }
        // The review is a dependency's: only on a per-dependency step.
        let p3 = try! String(contentsOfFile: Sandbox.schemas + "/procedimiento-3.yaml", encoding: .utf8)
        let moved = p3.replacingOccurrences(of: "    genera: [informe-consolidado]", with: "    genera: [revision-produccion]")
        #expect {
            _ = try ProcedureDefinition.load(yaml: moved, source: "schemas/procedimiento-3.yaml")
        } throws: { "\($0)".contains("paso 06") && "\($0)".contains("por_dependencia") }
    }

    @Test("a schema committed before 'genera:' existed generates what folio generated then; one that declares gets what it declares")
    func before() throws {
        for n in [3, 5] {
            let text = try String(contentsOfFile: Sandbox.schemas + "/procedimiento-\(n).yaml", encoding: .utf8)
            let old = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("    genera:") }.joined(separator: "\n")
            #expect(old != text)
            let loaded = try ProcedureDefinition.load(yaml: old, source: "schemas/procedimiento-\(n).yaml")
            #expect(loaded.steps.map(\.generates) == definition(n).steps.map(\.generates))
        }
        let p3 = try String(contentsOfFile: Sandbox.schemas + "/procedimiento-3.yaml", encoding: .utf8)
        let none = p3.replacingOccurrences(of: "    genera: [informe-consolidado]", with: "    genera: []")
        let loaded = try ProcedureDefinition.load(yaml: none, source: "schemas/procedimiento-3.yaml")
        #expect(loaded.step("06")?.generates == [] && loaded.step("07")?.generates == [.headReport])
    }
}
