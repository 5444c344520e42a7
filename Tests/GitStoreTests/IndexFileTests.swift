import CLibGit2
import Foundation
@testable import GitStore
import Testing
import TestSupport

/// The index file read and written by folio itself for a commit of a few folders (`IndexFile`,
/// `Repository.narrowedIndex`), checked against git: what git's status, `write-tree`, `diff
/// --cached` against an older commit and `fsck` say of the file it leaves, and that every index
/// it does not read (another version, extensions, flags, conflicts) is left to libgit2.
@Suite("The index written by folio, against git")
struct IndexFileTests {
    let box = Sandbox()
    let who = Signature(name: "Ana", email: "ana@example.org", date: Date(), offsetMinutes: -360)
    let caseFolder = "casos/2026/PE-2026-0001"

    @discardableResult
    func git(_ arguments: [String], env: [String: String] = [:]) throws -> String {
        try Sandbox.gitOut(["-c", "user.name=A", "-c", "user.email=a@b.c"] + arguments, in: box.path, env: env)
    }

    /// Names whose place in the index is not their place in a plain sort of folders ("a-b/" and
    /// "a.b" between "a" and "a/"), a file named like the case folder with a suffix, names outside
    /// ASCII, a link, an executable, and a case with a subfolder: committed by git, so that the
    /// index carries git's whole cache tree.
    func makeRepository() throws -> Repository {
        let repo = try Repository.create(at: box.path)
        for (path, text) in [("a-b/x", "1"), ("a.b", "2"), ("a/x", "3"), ("a/y/z", "4"), ("a0", "5"), ("roles.yaml", "r"),
                             ("\(caseFolder)/expediente.md", "7"), ("\(caseFolder)/anexos/acta final.pdf", "8"),
                             ("\(caseFolder)/dependencias/OBRAS/informe.md", "9"), ("\(caseFolder)-x/otro.md", "10"),
                             ("casos/2026/PE-2026-0002/expediente.md", "11"), ("ñ/é\u{301}.md", "12"), ("ejecutable.sh", "13")] {
            try box.write(text + "\n", to: path)
        }
        _ = try Sandbox.run("/bin/chmod", ["+x", box.path + "/ejecutable.sh"], in: box.path)
        _ = try Sandbox.run("/bin/ln", ["-s", "a/x", box.path + "/enlace"], in: box.path)
        try git(["add", "-A"])
        try git(["commit", "-qm", "uno"])
        return repo
    }

    /// The edits of a step: a file changed, one added in a new subfolder, a subfolder emptied.
    func editCase() throws {
        try box.write("cambiado\n", to: "\(caseFolder)/expediente.md")
        try box.write("nuevo\n", to: "\(caseFolder)/dependencias/SALUD/oficio.md")
        try FileManager.default.removeItem(atPath: box.path + "/\(caseFolder)/dependencias/OBRAS")
    }

    /// What git says of the index a commit left: nothing staged or unstaged, its entries HEAD's,
    /// `write-tree` (which takes every folder the cache tree calls valid as it is) HEAD's tree,
    /// the staged difference from the commit before the one the commit made, and no error in fsck.
    func expectIndexIsHead(_ label: String, untracked: String = "") throws {
        let status = try git(["status", "--porcelain"])
        #expect(status == untracked, "\(label): git status: \(status)")
        #expect(try git(["ls-files", "-s"]) == (try git(["ls-tree", "-r", "HEAD", "--format=%(objectmode) %(objectname) 0\t%(path)"])),
                "\(label): the index's entries are HEAD's")
        #expect(try git(["write-tree"]) == (try git(["rev-parse", "HEAD^{tree}"])), "\(label): git's cache tree")
        #expect(try git(["diff", "--cached", "--name-only", "HEAD~1"]) == (try git(["diff", "--name-only", "HEAD~1", "HEAD"])),
                "\(label): the index against the commit before")
        let fsck = try Sandbox.git(["fsck", "--no-dangling"], in: box.path)
        #expect(fsck.ok && fsck.err.isEmpty, "\(label): git fsck: \(fsck.err)")
    }

    @Test("a commit of one case folder writes the index itself: only that folder's entries change, git finds the index to be HEAD's and its cache tree right")
    func caseCommit() throws {
        let repo = try makeRepository()
        let before = try git(["ls-files", "--debug"])
        try editCase()
        let parent = try #require(try repo.headCommit())
        let id = try repo.commitWorkTree(paths: [caseFolder + "/"], parent: parent, author: who, committer: who, message: "paso\n")
        #expect(try repo.headCommit() == id)
        #expect(repo.indexFileWrites == 1, "written by folio, not by libgit2")
        try expectIndexIsHead("case commit")
        // Every other entry as it was, stat data included.
        let keptBefore = try entries(before).filter { !$0.key.hasPrefix(caseFolder + "/") }
        let keptAfter = try entries(try git(["ls-files", "--debug"])).filter { !$0.key.hasPrefix(caseFolder + "/") }
        #expect(keptBefore == keptAfter)
        #expect(try git(["ls-files", caseFolder]).split(separator: "\n").map(String.init)
                == ["\(caseFolder)/anexos/acta final.pdf", "\(caseFolder)/dependencias/SALUD/oficio.md", "\(caseFolder)/expediente.md"])
        // A second commit from the index folio wrote, with its cache tree partly invalid.
        try box.write("otra vez\n", to: "\(caseFolder)/expediente.md")
        try repo.commitWorkTree(paths: [caseFolder], parent: id, author: who, committer: who, message: "otro\n")
        #expect(repo.indexFileWrites == 2)
        try expectIndexIsHead("second commit")
        // git commits on top of it, and folio after git.
        try box.write("de git\n", to: "a/y/z")
        try git(["commit", "-qam", "git"])
        try expectIndexIsHead("git after folio")
        try box.write("y de nuevo\n", to: "\(caseFolder)/anexos/acta final.pdf")
        try repo.commitWorkTree(paths: [caseFolder], parent: try #require(try repo.headCommit()), author: who, committer: who, message: "tres\n")
        #expect(repo.indexFileWrites == 3)
        try expectIndexIsHead("folio after git")
    }

    /// `git ls-files --debug`'s blocks by path.
    func entries(_ debug: String) throws -> [String: String] {
        var result: [String: String] = [:], current: String?
        for line in debug.split(separator: "\n") {
            if line.hasPrefix(" ") { result[current!, default: ""] += line + "\n" } else { current = String(line); result[current!] = "" }
        }
        return result
    }

    @Test("a new case folder, a file beside it whose name starts like it, and a commit of two folders: each entry where git puts it")
    func newFolders() throws {
        let repo = try makeRepository()
        try box.write("nuevo\n", to: "casos/2026/PE-2026-0003/expediente.md")
        try box.write("aparte\n", to: "casos/2026/PE-2026-0003.md")
        try box.write("otro\n", to: "casos/2026/PE-2026-0002/expediente.md")
        try box.write("a\n", to: "casos/2027/PE-2027-0001/expediente.md")
        let parent = try #require(try repo.headCommit())
        try repo.commitWorkTree(paths: ["casos/2026/PE-2026-0003", "casos/2026/PE-2026-0002", "casos/2027/PE-2027-0001"],
                                parent: parent, author: who, committer: who, message: "nuevos\n")
        #expect(repo.indexFileWrites == 1)
        try expectIndexIsHead("new folders", untracked: "?? casos/2026/PE-2026-0003.md")
        // A commit of a file's path (the file beside the folder).
        try repo.commitWorkTree(paths: ["casos/2026/PE-2026-0003.md"], parent: try #require(try repo.headCommit()),
                                author: who, committer: who, message: "archivo\n")
        #expect(repo.indexFileWrites == 2)
        try expectIndexIsHead("a file's path")
    }

    @Test("a file changed in the instant the index was written, to the same size, is found changed (racy git), as git finds it")
    func racyEntry() throws {
        let repo = try makeRepository()
        try git(["config", "core.trustctime", "false"])
        let file = box.path + "/\(caseFolder)/expediente.md"
        let recorded = try #require(try git(["ls-files", "--debug", "\(caseFolder)/expediente.md"])
            .split(separator: "\n").first { $0.contains("mtime:") })
        let mtime = recorded.split(separator: " ").last!.split(separator: ":")
        // Same size, the same mtime as the index entry holds, and the index file written in that second.
        try "X\n".write(toFile: file, atomically: false, encoding: .utf8)
        let stamp = "@\(mtime[0]).\(String(repeating: "0", count: 9 - mtime[1].count))\(mtime[1])"
        _ = try Sandbox.run("/usr/bin/touch", ["-m", "-d", stamp, file], in: box.path)
        _ = try Sandbox.run("/usr/bin/touch", ["-m", "-d", stamp, box.path + "/.git/index"], in: box.path)
        let status = try git(["status", "--porcelain"])
        #expect(status == "M \(caseFolder)/expediente.md", "git's own view: \(status)")
        let changes = try repo.changes(side: .workTree, in: [caseFolder], untracked: true)
        #expect(repo.narrow != nil, "read through the narrowed index")
        #expect(changes.map(\.path) == ["\(caseFolder)/expediente.md"])
    }

    @Test("an edit made elsewhere in the instant the index was written (same size, same time) is still seen by git after folio writes the index (helper124: the entry copied as it was hid it)")
    func racyEntryElsewhere() throws {
        let repo = try makeRepository()
        try git(["config", "core.trustctime", "false"])
        let other = "casos/2026/PE-2026-0002/expediente.md"
        let recorded = try #require(try git(["ls-files", "--debug", other]).split(separator: "\n").first { $0.contains("mtime:") })
        let mtime = recorded.split(separator: " ").last!.split(separator: ":")
        try "Y\n".write(toFile: box.path + "/" + other, atomically: false, encoding: .utf8)
        let stamp = "@\(mtime[0]).\(String(repeating: "0", count: 9 - mtime[1].count))\(mtime[1])"
        _ = try Sandbox.run("/usr/bin/touch", ["-m", "-d", stamp, box.path + "/" + other, box.path + "/.git/index"], in: box.path)
        #expect(try git(["--no-optional-locks", "status", "--porcelain"]) == "M \(other)", "git sees it before")
        try box.write("cambiado\n", to: "\(caseFolder)/expediente.md")
        try repo.commitWorkTree(paths: [caseFolder], parent: try #require(try repo.headCommit()), author: who, committer: who, message: "paso\n")
        #expect(repo.indexFileWrites == 1)
        #expect(try git(["status", "--porcelain"]) == "M \(other)", "and after")
        #expect(try git(["ls-files", "--debug", other]).contains("size: 0"), "its size left unknown, as git leaves it")
    }

    @Test("an index.lock that stays: the commit is made once, and what is thrown says so and is no lock error (helper124: retried, one note made nine commits)")
    func lockThatStays() throws {
        let repo = try makeRepository()
        try box.write("cambiado\n", to: "\(caseFolder)/expediente.md")
        let parent = try #require(try repo.headCommit())
        // Taken after the index was read (the step's checks), never let go.
        _ = try repo.changes(side: .workTree, in: [caseFolder], untracked: true)
        let lock = box.path + "/.git/index.lock"
        _ = try Sandbox.run("/bin/ln", ["-s", "/no/existe", lock], in: box.path)
        #expect(throws: GitError.self) {
            do {
                try repo.commitWorkTree(paths: [caseFolder], parent: parent, author: who, committer: who, message: "paso\n")
            } catch let error as GitError {
                #expect(!error.isLocked && error.message.contains("quedó registrado") && error.message.contains("git reset -q -- \"\(caseFolder)\""),
                        "\(error.message)")
                throw error
            }
        }
        #expect(try git(["rev-list", "--count", "\(parent.hex)..HEAD"]) == "1")
        try FileManager.default.removeItem(atPath: lock)
        try git(["reset", "-q", "--", caseFolder])
        #expect(try git(["status", "--porcelain"]).isEmpty, "the way back it gives")
    }

    @Test("an index whose entries are out of git's order (checksum recomputed by hand) is refused before anything is committed (helper124: a tree with a name twice)")
    func unorderedIndex() throws {
        let repo = try makeRepository()
        let path = box.path + "/.git/index"
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let stamp = try #require(IndexFile.Stamp(path: path))
        let file = try #require(IndexFile(bytes: good, stamp: stamp))
        let first = try #require(file.exactly("\(caseFolder)/anexos/acta final.pdf").first)
        let a = Int(file.offsets[first]), b = Int(file.offsets[first + 1]), c = Int(file.offsets[first + 2])
        var swapped = Array(good[..<a]) + Array(good[b ..< c]) + Array(good[a ..< b]) + Array(good[c ..< (good.count - 20)])
        swapped += IndexFile.sha1(swapped)
        try Data(swapped).write(to: URL(fileURLWithPath: path))
        try box.write("cambiado\n", to: "\(caseFolder)/expediente.md")
        let parent = try #require(try repo.headCommit())
        #expect(throws: GitError.self) {
            try repo.commitWorkTree(paths: [caseFolder], parent: parent, author: who, committer: who, message: "paso\n")
        }
        #expect(try repo.headCommit() == parent, "nothing committed")
    }

    @Test("an index folio does not read (version 4, an untracked cache, a skip-worktree or intent-to-add entry, a conflict) is read and written by libgit2, and the commit is the same")
    func unreadIndexes() throws {
        let setups: [(String, (IndexFileTests) throws -> Void)] = [
            ("version 4", { try $0.git(["update-index", "--index-version", "4"]) }),
            ("untracked cache", { try $0.git(["-c", "core.untrackedCache=true", "update-index", "--untracked-cache"]); try $0.git(["-c", "core.untrackedCache=true", "status"]) }),
            ("skip-worktree in the case", { try $0.git(["update-index", "--skip-worktree", "\($0.caseFolder)/anexos/acta final.pdf"]) }),
            ("intent-to-add in the case", { try $0.box.write("n\n", to: "\($0.caseFolder)/nuevo.md"); try $0.git(["add", "-N", "\($0.caseFolder)/nuevo.md"]) }),
            ("a conflict elsewhere", { test in
                let blob = try Sandbox.gitOut(["hash-object", "-w", "roles.yaml"], in: test.box.path)
                let staged = try Sandbox.git(["update-index", "--index-info"], in: test.box.path,
                                             input: "0 \(String(repeating: "0", count: 40))\troles.yaml\n100644 \(blob) 1\troles.yaml\n100644 \(blob) 2\troles.yaml\n")
                #expect(staged.ok, "\(staged.err)")
                #expect(try test.git(["ls-files", "-u"]).contains("roles.yaml"))
            }),
        ]
        for (label, setup) in setups {
            let repo = try makeRepository()
            try setup(self)
            try box.write("cambiado \(label)\n", to: "\(caseFolder)/expediente.md")
            let parent = try #require(try repo.headCommit())
            do {
                try repo.commitWorkTree(paths: [caseFolder], parent: parent, author: who, committer: who, message: "paso\n")
            } catch {
                Issue.record("\(label): \(error)")
            }
            #expect(repo.indexFileWrites == 0, "\(label): left to libgit2")
            #expect(try git(["diff", "--cached", "--name-only", "--", caseFolder]).isEmpty || label.hasPrefix("intent"), "\(label)")
            #expect(try git(["show", "HEAD:\(caseFolder)/expediente.md"]) == "cambiado \(label)")
            try FileManager.default.removeItem(atPath: box.path + "/.git")
            for name in try FileManager.default.contentsOfDirectory(atPath: box.path) { try FileManager.default.removeItem(atPath: box.path + "/" + name) }
        }
    }

    @Test("the index rewritten by git between folio's reading it and writing it (a file staged elsewhere) keeps git's change beside folio's entries, and no memo is given of it")
    func rewrittenMeanwhile() throws {
        let repo = try makeRepository()
        try box.write("cambiado\n", to: "\(caseFolder)/expediente.md")
        // What a commit does between reading and writing: the case's file added to the narrowed index.
        let index = try #require(repo.narrowedIndex(covering: [caseFolder]))
        #expect(git_index_add_bypath(index, "\(caseFolder)/expediente.md") == 0)
        try box.write("preparado\n", to: "a/x")
        try git(["add", "a/x"])
        let written = try repo.writeNarrowedIndex(paths: [caseFolder])
        #expect(written == nil, "the file written is not the one read: no memo of it")
        #expect(repo.indexFileWrites == 1, "spliced into the file git wrote")
        let staged = try git(["diff", "--cached", "--name-only"])
        #expect(staged == "a/x\n\(caseFolder)/expediente.md", "git's staged change and folio's entry: \(staged)")
        #expect(try git(["status", "--porcelain", "--untracked-files=no"]) == "M  a/x\nM  \(caseFolder)/expediente.md")
        let fsck = try Sandbox.git(["fsck", "--no-dangling"], in: box.path)
        #expect(fsck.ok && fsck.err.isEmpty, "\(fsck.err)")

        // A commit whose index was written by git meanwhile gives no memo either; one from the file it read does.
        let parent = try #require(try repo.headCommit())
        try git(["reset", "-q"])
        let clean = try #require(try repo.stagedPaths(knowing: nil).memo)
        try box.write("otra\n", to: "\(caseFolder)/expediente.md")
        let made = try repo.commitWorkTree(paths: [caseFolder], parent: parent, author: who, committer: who, message: "paso\n", cleanIndex: clean)
        let left = try repo.indexChecksum()
        #expect(made.index != nil && made.index?.checksum == left, "the memo of the index it left")
        try expectIndexIsHead("after the memo", untracked: "M a/x")
    }

    @Test("git's cache tree: the folders on the way to a changed path are made invalid, and only those")
    func cacheTreeInvalidated() throws {
        let id = [UInt8](repeating: 0xAB, count: 20)
        func node(_ name: String, _ covered: Int, _ subfolders: Int) -> [UInt8] {
            Array(name.utf8) + [0] + Array("\(covered) \(subfolders)\n".utf8) + (covered >= 0 ? id : [])
        }
        // "" { a { b, c { e } }, d }, with "d" invalid already.
        let data = node("", 6, 2) + node("a", 4, 2) + node("b", 1, 0) + node("c", 3, 1) + node("e", 2, 0) + node("d", -1, 0)
        let changed = IndexFile.folders(of: [Array("a/c/e/x.md".utf8)])
        #expect(changed == [[], Array("a".utf8), Array("a/c".utf8), Array("a/c/e".utf8)])
        let out = try #require(IndexFile.invalidating(data[...], along: changed))
        #expect(out == node("", -1, 2) + node("a", -1, 2) + node("b", 1, 0) + node("c", -1, 1) + node("e", -1, 0) + node("d", -1, 0))
        // A name that is a folder's elsewhere ("b" under "a" only) is not taken for it.
        #expect(try #require(IndexFile.invalidating(data[...], along: IndexFile.folders(of: [Array("b/x".utf8)])))
                == node("", -1, 2) + node("a", 4, 2) + node("b", 1, 0) + node("c", 3, 1) + node("e", 2, 0) + node("d", -1, 0))
        // Data that cannot be read so (a subfolder missing, a count that is not a number) is dropped.
        #expect(IndexFile.invalidating((node("", 6, 2) + node("a", 4, 0))[...], along: changed) == nil)
        #expect(IndexFile.invalidating((Array("\0x 0\n".utf8))[...], along: changed) == nil)
    }

    @Test("a damaged index file (its checksum, its order, a conflict, more entries than it holds) is not read by folio")
    func damaged() throws {
        _ = try makeRepository()
        let path = box.path + "/.git/index"
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let stamp = try #require(IndexFile.Stamp(path: path))
        let file = try #require(IndexFile(bytes: good, stamp: stamp))
        #expect(file.count == Int(try git(["ls-files"]).split(separator: "\n").count))
        #expect(file.cachedRootTree?.hex == (try git(["rev-parse", "HEAD^{tree}"])).trimmingCharacters(in: .newlines))
        #expect(file.entries(within: caseFolder).map(file.path) == (try git(["ls-files", caseFolder])).split(separator: "\n").map(String.init))
        var flipped = good
        flipped[40] ^= 1
        #expect(IndexFile(bytes: flipped, stamp: stamp) == nil, "a checksum that does not match")
        // Two entries swapped keep a valid checksum but not git's order.
        let first = Int(file.offsets[0]), second = Int(file.offsets[1]), third = Int(file.offsets[2])
        var swapped = Array(good[..<first]) + Array(good[second ..< third]) + Array(good[first ..< second]) + Array(good[third ..< (good.count - 20)])
        swapped += Array(IndexFile.sha1(swapped))
        #expect(IndexFile(bytes: swapped, stamp: stamp)?.unordered == file.path(0), "entries out of order: named, not used")
        var conflicted = Array(good[..<(good.count - 20)])
        conflicted[first + 60] |= 0x10
        conflicted += Array(IndexFile.sha1(conflicted))
        #expect(IndexFile(bytes: conflicted, stamp: stamp) == nil, "an entry at stage 1")
        var long = Array(good[..<(good.count - 20)])
        long[11] &+= 200
        long += Array(IndexFile.sha1(long))
        #expect(IndexFile(bytes: long, stamp: stamp) == nil, "more entries than the file holds")
    }
}
