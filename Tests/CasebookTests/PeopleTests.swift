import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

/// `folio roles remove`, `folio roles set` and `--assign`.
@Suite("People and assignments")
struct PeopleTests {
    @Test("a removed person cannot act; their earlier steps stay valid; only a jefe removes, never the last one")
    func remove() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Hospital", sets: ["snip=245789", "unidad_ejecutora=DIP"],
                                                       persona: "mrodriguez")).caseID
        try repo.step(id, "02", as: "mrodriguez")
        try repo.step(id, "03", as: "alopez")
        try repo.expectRefusal(["Solo el jefe", "alopez"]) { try repo.book.removePersona("jperez", actor: "alopez") }
        try repo.expectRefusal(["único jefe"]) { try repo.book.removePersona("mrodriguez", actor: "mrodriguez") }
        try repo.expectRefusal(["único jefe"]) { try repo.book.setRoles([.analista], of: "mrodriguez", actor: "mrodriguez") }
        try repo.book.removePersona("alopez", actor: "mrodriguez")
        #expect(try repo.git(["log", "-1", "--format=%an|%s"]) == "María Rodríguez|Roles: quita a Ana López (analista, asistente)")
        #expect(try repo.book.currentRoster().find("alopez") == nil)
        try repo.expectRefusal(["roles.yaml", "alopez"]) { try repo.step(id, "04", as: "alopez", decision: "si") }
        // The comments of roles.yaml are kept; the history still verifies (03 was alopez's when she made it).
        #expect(repo.read("roles.yaml").hasPrefix("# Quién tiene cada rol"))
        #expect(try repo.book.verify().ok)
    }

    @Test("roles set gives exactly the roles named, signed like any guarded change, and the next step follows it")
    func setRoles() throws {
        let repo = try CaseRepo()
        try repo.book.setRoles([.analista], of: "jperez", actor: "mrodriguez")
        #expect(try repo.book.currentRoster().find("jperez")?.roles == [.analista])
        #expect(try repo.git(["log", "-1", "--format=%(trailers:key=Rol,valueonly)"]) == "jefe")
        try repo.expectRefusal(["ya tiene esos roles"]) { try repo.book.setRoles([.analista], of: "jperez", actor: "mrodriguez") }
        try repo.expectRefusal(["Solo el jefe"]) { try repo.book.setRoles([.jefe], of: "jperez", actor: "jperez") }
        // A second jefe: then the first may step down.
        try repo.book.setRoles([.jefe, .analista], of: "alopez", actor: "mrodriguez")
        try repo.book.setRoles([.analista], of: "mrodriguez", actor: "alopez")
        #expect(try repo.book.currentRoster().find("mrodriguez")?.roles == [.analista])
        // Every change was a jefe's: the history verifies.
        #expect(try repo.book.verify().ok)
    }

    @Test("--assign at P4-02: the case is in the assigned analyst's inbox, not the other's; the other may still act, and it shows")
    func assign() throws {
        let repo = try CaseRepo()
        try repo.book.setRoles([.analista, .asistente], of: "jperez", actor: "mrodriguez")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Hospital", sets: ["snip=245789", "unidad_ejecutora=DIP"],
                                                       persona: "mrodriguez")).caseID
        func inbox(_ who: String) throws -> [String] {
            try repo.book.pending().filter { $0.holders.contains(who) }.map { "\($0.id) \($0.step)" }
        }
        #expect(try inbox("jperez").isEmpty && inbox("alopez").isEmpty)
        try repo.expectRefusal(["--assign cmendez", "03 (analista)"]) {
            var r = StepRequest(caseID: id, step: "02", persona: "mrodriguez")
            r.assign = "cmendez"
            _ = try repo.book.recordStep(r)
        }
        var request = StepRequest(caseID: id, step: "02", persona: "mrodriguez")
        request.assign = "alopez"
        let recorded = try repo.book.recordStep(request)
        #expect(recorded.next.first?.assigned == "alopez")
        #expect(try repo.git(["log", "-1", "--format=%(trailers:key=Asignado,valueonly)"]) == "alopez")
        #expect(try inbox("alopez") == ["\(id) 03"])
        #expect(try inbox("jperez").isEmpty)
        #expect(try repo.book.status(of: id).next.first?.holders.sorted() == ["alopez", "jperez"])
        // The assignment follows the case through the analyst's steps.
        try repo.step(id, "03", as: "alopez")
        #expect(try inbox("alopez") == ["\(id) 04"] && inbox("jperez").isEmpty)
        // The other analyst may still act; the step says whose case it was.
        let other = try repo.step(id, "04", as: "jperez", decision: "si")
        #expect(other.notices.first?.contains("asignado a alopez") == true)
        // Removed from the role, the assignment lapses: every analyst sees the work again.
        try repo.book.setRoles([.asistente], of: "alopez", actor: "mrodriguez")
        let next = try repo.book.status(of: id).next
        #expect(next.allSatisfy { $0.assigned == nil })
    }

    @Test("--assign at a dependency's step covers that dependency's work only; a later one for another dependency does not move it")
    func assignPerDependency() throws {
        let repo = try CaseRepo(date: "2026-11-27T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        for code in ["HGE", "HRO"] {
            try repo.writeProduction(id, code)
            try repo.step(id, "01", as: code.lowercased(), dependency: code)
        }
        for (code, who) in [("HGE", "alopez"), ("HRO", "jperez")] {
            var request = StepRequest(caseID: id, step: "02", persona: "cmendez", dependency: code)
            request.assign = who
            _ = try repo.book.recordStep(request)
        }
        let next = try repo.book.status(of: id).dependencies?.flatMap(\.next) ?? []
        #expect(next.first { $0.dependency == "HGE" }?.assigned == "alopez", "\(next.map { ($0.dependency, $0.assigned) })")
        #expect(next.first { $0.dependency == "HRO" }?.assigned == "jperez")
        // Each analyst's inbox holds their own dependency's step.
        let pending = try repo.book.pending()
        #expect(pending.filter { $0.assigned == "alopez" }.map(\.dependency) == ["HGE"], "\(pending)")
        #expect(pending.filter { $0.assigned == "jperez" }.map(\.dependency) == ["HRO"])
        // The other analyst may still act on it; the step says whose work it was.
        let other = try repo.step(id, "03", as: "jperez", dependency: "HGE")
        #expect(other.notices.contains { $0.contains("asignado a alopez") }, "\(other.notices)")
    }
}
