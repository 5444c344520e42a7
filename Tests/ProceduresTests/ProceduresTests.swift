import Foundation
import Procedures
import Testing
import TestSupport

/// The seven definitions of the project's `schemas/`, loaded once.
let definitions: [Int: ProcedureDefinition] = {
    var result: [Int: ProcedureDefinition] = [:]
    for n in 1...7 {
        let file = Sandbox.schemas + "/procedimiento-\(n).yaml"
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        if let d = try? ProcedureDefinition.load(yaml: text, source: file) { result[n] = d }
    }
    return result
}()

func definition(_ n: Int) -> ProcedureDefinition { definitions[n]! }

/// DESIGN.md section 4, "who does each step": procedure -> step -> roles.
let expectedRoles: [Int: [String: [Role]]] = {
    func range(_ from: Int, _ to: Int, _ roles: [Role]) -> [String: [Role]] {
        Dictionary(uniqueKeysWithValues: (from...to).map { (String(format: "%02d", $0), roles) })
    }
    let either: [Role] = [.asistente, .analista]
    return [
        1: range(1, 3, [.jefe]).merging(range(4, 5, [.asistente])) { $1 }.merging(range(6, 10, [.jefe])) { $1 }
            .merging(range(11, 12, [.asistente])) { $1 }.merging(range(13, 14, [.jefe])) { $1 },
        2: range(1, 2, [.jefe]).merging(range(3, 4, [.asistente])) { $1 }.merging(range(5, 9, [.jefe])) { $1 }
            .merging(range(10, 12, either)) { $1 },
        3: range(1, 1, [.dependencia]).merging(range(2, 2, [.secretaria])) { $1 }.merging(range(3, 6, either)) { $1 }
            .merging(range(7, 7, [.jefe])) { $1 },
        4: range(1, 2, [.jefe]).merging(range(3, 5, [.analista])) { $1 }.merging(range(6, 11, [.jefe])) { $1 }
            .merging(range(12, 12, [.analista])) { $1 }.merging(range(13, 14, [.jefe])) { $1 },
        5: range(1, 1, [.unidadEjecutora]).merging(range(2, 4, [.analista])) { $1 }.merging(range(5, 6, [.jefe])) { $1 },
        6: range(1, 1, [.unidadEjecutora]).merging(range(2, 2, [.jefe])) { $1 }.merging(range(3, 5, [.analista])) { $1 }
            .merging(range(6, 8, [.jefe])) { $1 }.merging(range(9, 9, [.unidadEjecutora])) { $1 },
        7: range(1, 3, [.jefe]).merging(range(4, 5, [.asistente])) { $1 }.merging(range(6, 6, [.jefe])) { $1 },
    ]
}()

@Suite("Definitions in schemas/")
struct DefinitionTests {
    @Test("all seven load, with the manual's step counts", arguments: [(1, 14), (2, 12), (3, 7), (4, 14), (5, 6), (6, 9), (7, 6)])
    func stepCounts(procedure: Int, steps: Int) {
        #expect(definition(procedure).number == procedure)
        #expect(definition(procedure).steps.count == steps)
        #expect(definition(procedure).steps.map(\.number) == (1...steps).map { String(format: "%02d", $0) })
        #expect(!definition(procedure).version.isEmpty)
    }

    @Test("each step's roles follow DESIGN.md section 4", arguments: 1...7)
    func roles(procedure: Int) {
        for step in definition(procedure).steps {
            #expect(step.roles == expectedRoles[procedure]?[step.number], "P\(procedure)-\(step.number)")
        }
    }

    @Test("decisions, waits and per-dependency runs are where the manual puts them")
    func shape() {
        let decisions = (1...7).flatMap { p in definition(p).steps.filter { $0.decision != nil }.map { "\(p)-\($0.number)" } }
        #expect(decisions == ["3-04", "4-04", "4-10", "6-04"])
        let waits = (1...7).flatMap { p in definition(p).steps.filter(\.waits).map { "\(p)-\($0.number)" } }
        #expect(waits == ["1-08", "4-08"])
        #expect(definition(2).dependencyBlock?.map(\.number) == ["10", "11", "12"])
        #expect(definition(3).dependencyBlock?.map(\.number) == ["01", "02", "03", "04", "05"])
        #expect(definition(5).dependencyBlock?.map(\.number) == ["01"])
        #expect([1, 4, 6, 7].allSatisfy { definition($0).dependencyBlock == nil })
        #expect(definition(3).monthly && definition(5).monthly)
        #expect(definition(4).step("10")?.decision?.yes.transition == .step("02"))
        #expect(definition(4).step("04")?.decision?.no.transition == .leave)
        #expect(definition(6).step("04")?.decision?.no.transition == .leave)
        #expect(definition(3).step("04")?.decision?.no.transition == .step("05"))
    }

    @Test("the misaligned RESPONSABLE column is explained where it was read differently")
    func interpretations() {
        for (p, s) in [(4, "02"), (4, "05"), (4, "10"), (6, "06"), (7, "02")] {
            #expect(definition(p).step(s)?.interpretation?.isEmpty == false, "P\(p)-\(s)")
        }
    }

    @Test("a broken definition is refused with the file and the reason")
    func invalid() {
        let cases: [(String, String)] = [
            ("numero: [", "línea 2, columna 1: falta un valor"),
            ("numero: 9\ncodigo: X\nnombre: X\nversion: '1'\npasos:\n  - paso: '01'\n    roles: [gerente]\n    actividad: x\n", "gerente"),
            ("numero: 9\ncodigo: X\nnombre: X\nversion: '1'\npasos:\n  - paso: '01'\n    roles: [jefe]\n    actividad: x\n    siguiente: '07'\n",
             "no existe"),
            ("numero: 9\ncodigo: X\nnombre: X\nversion: '1'\npasos: []\n", "vacío"),
            ("codigo: X\n", "numero"),
        ]
        for (yaml, fragment) in cases {
            #expect {
                _ = try ProcedureDefinition.load(yaml: yaml, source: "schemas/prueba.yaml")
            } throws: { error in
                "\(error)".contains("schemas/prueba.yaml") && "\(error)".contains(fragment)
            }
        }
    }
}
