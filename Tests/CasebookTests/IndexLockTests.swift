import Casebook
import Foundation
import Testing
import TestSupport

@Suite("git's index lock")
struct IndexLockTests {
    @Test("while git holds index.lock a step is refused before anything is committed, and recorded once it is gone")
    func indexLock() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Hospital", persona: "mrodriguez")).caseID
        let lock = repo.path + "/.git/index.lock"
        FileManager.default.createFile(atPath: lock, contents: Data())
        try repo.expectRefusal(["index.lock", "Espere"]) { try repo.step(id, "02", as: "mrodriguez") }
        try FileManager.default.removeItem(atPath: lock)
        let recorded = try repo.step(id, "02", as: "mrodriguez")
        #expect(recorded.step == "02")
        #expect(try repo.git(["log", "--format=%(trailers:key=Paso,valueonly)"]).components(separatedBy: "\n").filter { $0 == "02" }.count == 1)
    }
}
