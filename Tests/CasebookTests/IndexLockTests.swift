import Casebook
import Foundation
import Testing
import TestSupport

@Suite("git's index lock")
struct IndexLockTests {
    @Test("while git holds index.lock (a file, or a link to nowhere) a step is refused before anything is committed, and recorded once it is gone")
    func indexLock() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Hospital", persona: "mrodriguez")).caseID
        let lock = repo.path + "/.git/index.lock"
        FileManager.default.createFile(atPath: lock, contents: Data())
        try repo.expectRefusal(["index.lock", "Espere"]) { try repo.step(id, "02", as: "mrodriguez") }
        try FileManager.default.removeItem(atPath: lock)
        // A link to nowhere in its place holds it as well (helper124: it passed, and one note made nine commits).
        let head = try repo.git(["rev-parse", "HEAD"])
        try FileManager.default.createSymbolicLink(atPath: lock, withDestinationPath: "/no/existe")
        try repo.expectRefusal(["index.lock", "Espere"]) { try repo.step(id, "02", as: "mrodriguez") }
        #expect(try repo.git(["rev-parse", "HEAD"]) == head, "nothing committed")
        try FileManager.default.removeItem(atPath: lock)
        let recorded = try repo.step(id, "02", as: "mrodriguez")
        #expect(recorded.step == "02")
        #expect(try repo.git(["log", "--format=%(trailers:key=Paso,valueonly)"]).components(separatedBy: "\n").filter { $0 == "02" }.count == 1)
    }
}

/// git can write its index in formats libgit2 1.5 does not read (a mandatory extension it does
/// not know): a writer says so in Spanish, with git's own way back, and records nothing.
@Suite("An index in a format folio's libgit2 cannot read")
struct UnreadableIndexTests {
    /// A P4 case at step 01 with an edit of its expediente.md waiting for a note.
    func edited() throws -> (CaseRepo, String) {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Hospital", persona: "mrodriguez")).caseID
        let file = "cases/2026/\(id)/expediente.md"
        try repo.write(repo.read(file) + "\nNota del analista.\n", to: file)
        return (repo, id)
    }

    func note(_ repo: CaseRepo, _ id: String) throws {
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Nota")
    }

    @Test("a split index (git update-index --split-index) is refused with FOLIO-E074 and its fix, not libgit2's words; after 'git update-index --no-split-index' the note is recorded")
    func splitIndex() throws {
        let (repo, id) = try edited()
        try repo.git(["update-index", "--split-index"])
        try repo.expectRefusal(["está dividido", "split index", "no sabe leer", "git update-index --no-split-index", "no se registra nada"]) {
            try note(repo, id)
        }
        #expect { try note(repo, id) } throws: { ($0 as? CasebookError)?.code == "FOLIO-E074" && !"\($0)".contains("unsupported") }
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/.git/folio/escritura.lock"))
        let before = try repo.git(["rev-parse", "HEAD"])
        try repo.git(["update-index", "--no-split-index"])
        try note(repo, id)
        #expect(try repo.git(["rev-list", "--count", "\(before)..HEAD"]) == "1")
        #expect(try repo.git(["status", "--porcelain"]).isEmpty)
    }

    @Test("a sparse index (sparse-checkout --sparse-index, or index.sparse) is refused with FOLIO-E074 and the way back to the whole work tree, which lets the note be recorded (as does reapply --no-sparse-index over a cone of every folder)")
    func sparseIndex() throws {
        let (repo, id) = try edited()
        // The cone holds every folder of the repository: only the index's format changes.
        try repo.git(["sparse-checkout", "set", "--sparse-index", "cases", "schemas"])
        let words = ["es disperso", "sparse index", "no sabe leer", "git sparse-checkout disable", "copia de trabajo completa"]
        try repo.expectRefusal(words) { try note(repo, id) }
        // Not the way that keeps a partial copy (attack33: it left every writer refused).
        #expect { try note(repo, id) } throws: { !"\($0)".contains("reapply") }
        #expect { try note(repo, id) } throws: { ($0 as? CasebookError)?.code == "FOLIO-E074" }
        try repo.git(["sparse-checkout", "reapply", "--no-sparse-index"])
        try note(repo, id)
        // Sparse again; the other way back. ('git config index.sparse false' would not do: the
        // flag wrote index.sparse=true in .git/config.worktree, which wins over .git/config.)
        try repo.git(["sparse-checkout", "set", "--sparse-index", "cases", "schemas"])
        let file = "cases/2026/\(id)/expediente.md"
        try repo.write(repo.read(file) + "Otra nota.\n", to: file)
        try repo.expectRefusal(words) { try note(repo, id) }
        try repo.git(["sparse-checkout", "disable"])
        let before = try repo.git(["rev-parse", "HEAD"])
        try note(repo, id)
        #expect(try repo.git(["rev-list", "--count", "\(before)..HEAD"]) == "1")
        #expect(try repo.git(["status", "--porcelain"]).isEmpty)
    }
}
