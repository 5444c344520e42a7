import Foundation
import Procedures
import Testing
import TestSupport

@Suite("The table of norms and the README agree with the schemas")
struct NormTableTests {
    var all: [ProcedureDefinition] { (1...7).map(definition) }

    @Test("a norm quoted after its label does not repeat its number; a longer number or a criterion is left whole")
    func statement() {
        func norm(_ number: String, _ text: String, _ kind: Norm.Kind = .manual) -> Norm {
            Norm(number: number, text: text, deadlines: [], kind: kind)
        }
        #expect(norm("3.1", "3.1 Observar que la planificación").statement == "Observar que la planificación")
        #expect(norm("3", "3. El Departamento de Planificación").statement == "El Departamento de Planificación")
        #expect(norm("3.1", "3.10 Otra cláusula").statement == "3.10 Otra cláusula")
        #expect(norm("3", "3.").statement == "3.")
        #expect(norm("1", "Sin número delante").statement == "Sin número delante")
        #expect(norm("1", "1 año de plazo", .criterion).statement == "1 año de plazo")
    }

    @Test("docs/normas.md is exactly what 'folio procedures --normas' renders from schemas/ (regenerate it when a schema changes)")
    func tableIsCurrent() throws {
        let committed = try String(contentsOfFile: Sandbox.projectRoot + "/docs/normas.md", encoding: .utf8)
        #expect(committed == NormTable.markdown(all))
    }

    @Test("every norm of the manual is in the table, clause by clause, as applied or not applied with a reason")
    func everyNorm() {
        // The manual's numbering: P1 norms 3-6; P2 1, 2, 3.1-3.3; P3 1-4; P4 1-4; P5 1-3; P6 1, 1.1, 1.2, 2; P7 1, 2.1, 2.2.
        let expected: [Int: [String]] = [1: ["3", "4", "5", "6"], 2: ["1", "2", "3.1", "3.2", "3.3"], 3: ["1", "2", "3", "4"],
                                         4: ["1", "2", "3", "4"], 5: ["1", "2", "3"], 6: ["1", "1.1", "1.2", "2"], 7: ["1", "2.1", "2.2"]]
        for (n, numbers) in expected {
            let norms = definition(n).norms.filter { $0.kind == .manual }
            #expect(norms.map(\.number) == numbers, "P\(n)")
            for norm in norms { #expect(!NormTable.application(norm).isEmpty, "P\(n) norm \(norm.number) says how it is applied") }
        }
        #expect(NormTable.markdown(all).contains("| 5 | ritmo-mensual |"), "the criterion is listed apart from the norms")
    }

    @Test("the README names every requirement of the schemas: step, fields and documents")
    func readmeMatchesSchemas() throws {
        let readme = try String(contentsOfFile: Sandbox.projectRoot + "/README.md", encoding: .utf8)
        for d in all {
            for norm in d.norms where norm.isApplied || norm.kind == .criterion {
                for r in norm.requirements {
                    #expect(readme.contains("P\(d.number)-\(r.step)"), "README names P\(d.number)-\(r.step) (\(norm.label))")
                    let names = r.fields + r.trueFields + r.documents.flatMap { doc in
                        [doc.path.replacingOccurrences(of: "{dependencia}", with: "<CODE>").replacingOccurrences(of: "{anio}", with: "<AAAA>")] + doc.fields + doc.trueFields
                    }
                    for name in names {
                        #expect(readme.contains("`\(name)`") || readme.contains(name), "README names \(name) of P\(d.number)-\(r.step)")
                    }
                }
            }
        }
        #expect(!readme.contains("avance-<CODE>.md"), "P5's monthly file is avance/<CODE>.csv")
    }

    @Test("schema comments cite files that are in the repository")
    func selfContained() throws {
        for n in 1...7 {
            let text = try String(contentsOfFile: Sandbox.schemas + "/procedimiento-\(n).yaml", encoding: .utf8)
            #expect(!text.contains("DESIGN.md"), "procedimiento-\(n).yaml cites a document outside the repository")
        }
    }
}
