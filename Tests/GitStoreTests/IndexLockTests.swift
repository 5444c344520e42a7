import Foundation
import GitStore
import Testing
import TestSupport

@Suite("A commit made while another git holds the index for a moment")
struct IndexLockTests {
    @Test("the branch moved, and the index is written once git lets go of index.lock: the commit is not reported as failed")
    func indexLockedBriefly() throws {
        let box = Sandbox()
        let path = box.path + "/r"
        #expect(try Sandbox.git(["init", "-q", "-b", "main", path], in: box.path).ok)
        try "uno\n".write(toFile: path + "/a.txt", atomically: true, encoding: .utf8)
        #expect(try Sandbox.git(["add", "a.txt"], in: path).ok)
        #expect(try Sandbox.git(["commit", "-qm", "uno"], in: path).ok)
        let repo = try #require(try Repository.discover(from: path))
        let parent = try #require(try repo.headCommit())
        try "dos\n".write(toFile: path + "/a.txt", atomically: true, encoding: .utf8)
        let who = Signature(name: "Ana", email: "ana@example.org", date: Date(), offsetMinutes: -360)
        // Another git takes index.lock after folio read the index and lets it go 0.6 s later.
        let lock = path + "/.git/index.lock"
        let holder = Thread {
            FileManager.default.createFile(atPath: lock, contents: Data())
            Thread.sleep(forTimeInterval: 0.6)
            try? FileManager.default.removeItem(atPath: lock)
        }
        holder.start()
        Thread.sleep(forTimeInterval: 0.1)
        let id = try repo.commitWorkTree(paths: ["a.txt"], parent: parent, author: who, committer: who, message: "dos\n")
        #expect(try repo.headCommit() == id)
        #expect(try Sandbox.gitOut(["status", "--porcelain"], in: path) == "", "the index holds the commit: nothing staged backwards")
    }
}
