import Foundation
@testable import GitStore
import Testing
import TestSupport

@Suite("GitStore against the git command line")
struct GitStoreTests {
    let box = Sandbox()
    let date = Date(timeIntervalSince1970: 1_790_000_000)

    func signature(_ name: String, _ email: String) -> Signature {
        Signature(name: name, email: email, date: date, offsetMinutes: -360)
    }

    @Test("readBlob streams a loose blob in pieces and reads a packed one whole: the bytes are git's, and a submodule or folder is no file")
    func blobStreamed() throws {
        let repo = try Repository.create(at: box.path)
        var bytes = [UInt8](repeating: 0, count: 3 << 20 + 12345)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: box.path + "/grande.bin"))
        _ = try Sandbox.gitOut(["add", "grande.bin"], in: box.path)
        _ = try Sandbox.gitOut(["-c", "user.name=A", "-c", "user.email=a@b.c", "commit", "-qm", "uno"], in: box.path)
        let head = try #require(try repo.headCommit())
        let id = try #require(try repo.fileID(at: "grande.bin", in: head))
        func read() throws -> (Data, Int) {
            var data = Data()
            var pieces = 0
            try repo.readBlob(id) { data.append(contentsOf: $0); pieces += 1 }
            return (data, pieces)
        }
        let (loose, pieces) = try read()
        #expect(loose == Data(bytes) && pieces > 1, "loose: \(pieces) pieces")
        _ = try Sandbox.gitOut(["gc", "-q"], in: box.path)
        let packed = try #require(try Repository.discover(from: box.path))
        var data = Data()
        try packed.readBlob(id) { data.append(contentsOf: $0) }
        #expect(data == Data(bytes))
        // A submodule entry has an id that is no blob of this repository: fileID does not name it, file reads nothing.
        _ = try Sandbox.gitOut(["update-index", "--add", "--cacheinfo", "160000,\(head.hex),modulo"], in: box.path)
        _ = try Sandbox.gitOut(["-c", "user.name=A", "-c", "user.email=a@b.c", "commit", "-qm", "dos"], in: box.path)
        let second = try #require(try packed.headCommit())
        #expect(try packed.entry(at: "modulo", in: second)?.mode == 0o160000)
        #expect(try packed.fileID(at: "modulo", in: second) == nil && packed.file(at: "modulo", in: second) == nil)
        #expect(try packed.fileID(at: "grande.bin", in: second) == id)
    }

    @Test("GitPath cuts at the byte '/' where Swift's characters hold the slash with a neighbour (U+0600 before it, U+0301 after it)")
    func pathsCutAtTheByte() {
        let path = "cases/2026\u{600}/PE-2026-0001/anexos/\u{301}acta.pdf"
        // The premise: Swift's own split and prefix test miss both slashes.
        #expect(path.split(separator: "/").count == 3 && !path.hasPrefix("cases/2026\u{600}/PE-2026-0001/anexos/"))
        #expect(GitPath.components(path) == ["cases", "2026\u{600}", "PE-2026-0001", "anexos", "\u{301}acta.pdf"])
        #expect(GitPath.name(path) == "\u{301}acta.pdf" && GitPath.name("sin-barra") == "sin-barra" && GitPath.name("a/b/") == "b")
        // The name is the last component as `components` cuts them, at every edge.
        for edge in ["", "/", "///", "a", "/a", "a/", "a//b", "a//b//", "/\u{301}x/y\u{600}/", "cases/2026/PE-2026-0001/expediente.md"] {
            #expect(GitPath.name(edge) == GitPath.components(edge).last ?? edge, "\(edge.debugDescription)")
        }
        #expect(GitPath.name(Substring("x/yz/w")) == "w")
        #expect(GitPath.components("/a//b/", omittingEmpty: false) == ["", "a", "", "b", ""] && GitPath.components("/a//b/") == ["a", "b"])
        #expect(GitPath.relative(path, to: "cases/2026\u{600}/PE-2026-0001") == "anexos/\u{301}acta.pdf")
        #expect(GitPath.relative(path, to: "cases/2026") == nil, "a folder is a whole component, not a prefix of one")
        #expect(GitPath.relative("cases", to: "cases") == nil && GitPath.isWithin("cases", "cases") && !GitPath.isInside("cases", "cases"))
        // Bytes, not canonical equivalence: é and e + U+0301 are two names to git.
        #expect(!GitPath.isWithin("anexos/e\u{301}/x", "anexos/\u{e9}") && "anexos/e\u{301}" == "anexos/\u{e9}")
    }

    @Test("a status limited to paths takes them literally, glob characters included, also where a combining mark joins one into a larger character")
    func literalPathspecs() throws {
        let repo = try Repository.create(at: box.path)
        let names = ["d/[\u{301}p]x", "d/\u{301}x", "d/px", "d/*\u{301}", "d/a\u{301}"]
        for name in names { try box.write("\(name)\n", to: name) }
        for name in names {
            let found = try repo.changes(side: .workTree, in: [name], untracked: true).map(\.path)
            #expect(found.map { Array($0.utf8) } == [Array(name.utf8)], "\(name.debugDescription): \(found)")
        }
    }

    @Test("a look-up by path answers what git ls-tree answers, in any order over commits and folders, whatever the slashes")
    func entryByPathAgreesWithGit() throws {
        let repo = try Repository.create(at: box.path)
        let paths = ["a.txt", "cases/2025/X-1/expediente.md", "cases/2025/X-1/anexos/año.pdf", "cases/2026/Y-2/expediente.md",
                     "cases/2026/Y-2/datos/c.csv", "schemas/p1.yaml",
                     // Characters that join the slash into one Swift Character: git's folders all the same (attack19).
                     "cases/2026\u{0600}/Z-3/expediente.md", "cases/\u{0301}/W-4/expediente.md"]
        var commits: [OID] = []
        for round in 0..<3 {
            for path in paths where round == 0 || path.utf8.starts(with: "cases/202\(5 + round % 2)".utf8) {
                try box.write("v\(round) \(path)\n", to: path)
            }
            _ = try Sandbox.gitOut(["add", "-A"], in: box.path)
            _ = try Sandbox.gitOut(["-c", "user.name=A", "-c", "user.email=a@b.c", "commit", "-qm", "r\(round)"], in: box.path)
            commits.append(try #require(try repo.headCommit()))
        }
        let asked = paths + ["cases/2025/X-1", "cases/2025", "cases", "cases/2025/X-1/nada.md", "nada/x.md", "a.txt/x",
                             "/cases//2025/X-1/expediente.md/", "cases/2026/Y-2/datos/", "//a.txt", "", "/"]
        // Commits and folders interleaved (more than the folders a repository keeps), each answer checked against git.
        for path in asked + asked.reversed() {
            for commit in commits + commits.reversed() {
                let normal = path.split(separator: "/").joined(separator: "/")
                let line = normal.isEmpty ? "" : try Sandbox.gitOut(["ls-tree", commit.hex, "--", normal], in: box.path)
                let expected = line.split(separator: "\t").first.map { fields -> String in
                    let parts = fields.split(separator: " ")
                    return "\(parts[2]) \(String(UInt32(parts[0], radix: 8)!, radix: 8))"
                }
                let found = try repo.entry(at: path, in: commit).map { "\($0.id.hex) \(String($0.mode, radix: 8))" }
                #expect(found == expected, "\(path) at \(commit.hex)")
            }
        }
    }

    @Test("a commit of the work tree is read back by git: author, committer, date, trailers, tree")
    func commitReadByGit() throws {
        let repo = try Repository.create(at: box.path)
        try box.write("hola\n", to: "cases/2026/A-1/expediente.md")
        try box.write("otro\n", to: "fuera.txt")
        let message = "Asunto\n\nTexto.\n\nExpediente: A-1\nPaso: 01\nSigned-off-by: Ana López <alopez@igss.gob.gt>\n"
        let id = try repo.commitWorkTree(paths: ["cases/2026/A-1"], parent: nil, author: signature("Ana López", "alopez@igss.gob.gt"),
                                         committer: signature("Secretaria", "sec@igss.gob.gt"), message: message)
        let log = try Sandbox.gitOut(["log", "-1", "--format=%H|%an|%ae|%cn|%ai"], in: box.path)
        #expect(log == "\(id.hex)|Ana López|alopez@igss.gob.gt|Secretaria|2026-09-21 08:13:20 -0600")
        let files = try Sandbox.gitOut(["ls-tree", "-r", "--name-only", "HEAD"], in: box.path)
        #expect(files == "cases/2026/A-1/expediente.md", "only the named path is committed")
        let parsed = try Sandbox.git(["interpret-trailers", "--parse"], in: box.path, input: message).out
        #expect(parsed == "Expediente: A-1\nPaso: 01\nSigned-off-by: Ana López <alopez@igss.gob.gt>\n")
        #expect(try Trailers.parse(message) == [Trailer("Expediente", "A-1"), Trailer("Paso", "01"),
                                                Trailer("Signed-off-by", "Ana López <alopez@igss.gob.gt>")])
        #expect(try Sandbox.git(["fsck", "--strict"], in: box.path).ok)
        #expect(try Sandbox.gitOut(["status", "--porcelain"], in: box.path) == "?? fuera.txt", "the index was written")
    }

    @Test("a commit's signature is its gpgsig header only, as git reads it: lines of that shape in the message are not a signature")
    func signatureFromHeaderOnly() throws {
        let repo = try Repository.create(at: box.path)
        try box.write("1\n", to: "a.txt")
        let first = try repo.commitWorkTree(paths: ["a.txt"], parent: nil, author: signature("A", "a@x.org"),
                                            committer: signature("A", "a@x.org"), message: "uno\n")
        let tree = try Sandbox.gitOut(["rev-parse", "\(first.hex)^{tree}"], in: box.path)
        let armor = ["-----BEGIN SSH SIGNATURE-----", "U1NIU0lH", "-----END SSH SIGNATURE-----"]
        let header = "tree \(tree)\nauthor A <a@x.org> 1790000000 -0600\ncommitter A <a@x.org> 1790000000 -0600\n"
        func write(_ raw: String) throws -> OID {
            OID(hex: try Sandbox.git(["hash-object", "-t", "commit", "-w", "--stdin"], in: box.path, input: raw).out
                .trimmingCharacters(in: .whitespacesAndNewlines))!
        }
        // "gpgsig" lines inside the message: git says unsigned, and so does GitStore.
        let inMessage = try write(header + "\nAsunto\n\ngpgsig " + armor[0] + "\n " + armor[1] + "\n " + armor[2] + "\n")
        #expect(try Sandbox.gitOut(["log", "-1", "--format=%G?", inMessage.hex], in: box.path) == "N")
        #expect(try repo.signature(of: inMessage) == nil)
        // In the header: the armor, and the commit without it (what `git verify-commit` checks).
        let body = "\nAsunto\n\nTexto.\n"
        let signed = try write(header + "gpgsig " + armor[0] + "\n " + armor[1] + "\n " + armor[2] + "\n" + body)
        let found = try #require(try repo.signature(of: signed))
        #expect(found.signature == armor.joined(separator: "\n") + "\n")
        #expect(found.signedData == Data((header + body).utf8))
        // Two gpgsig headers are not one signature.
        let twice = try write(header + "gpgsig " + armor[0] + "\n " + armor[2] + "\ngpgsig " + armor[0] + "\n " + armor[2] + "\n" + body)
        #expect(try repo.signature(of: twice) == nil)
    }

    @Test("the branch moves by compare-and-swap: a stale parent is refused, nothing is lost")
    func compareAndSwap() throws {
        let repo = try Repository.create(at: box.path)
        try box.write("1\n", to: "a.txt")
        let first = try repo.commitWorkTree(paths: ["a.txt"], parent: nil, author: signature("A", "a@x.org"),
                                            committer: signature("A", "a@x.org"), message: "uno\n")
        try box.write("2\n", to: "a.txt")
        let second = try repo.commitWorkTree(paths: ["a.txt"], parent: first, author: signature("A", "a@x.org"),
                                             committer: signature("A", "a@x.org"), message: "dos\n")
        try box.write("3\n", to: "a.txt")
        #expect {
            try repo.commitWorkTree(paths: ["a.txt"], parent: first, author: signature("A", "a@x.org"),
                                    committer: signature("A", "a@x.org"), message: "tres\n")
        } throws: { ($0 as? GitError)?.isModified == true }
        #expect(try repo.headCommit() == second)
        #expect(throws: GitError.self) {
            try repo.commitWorkTree(paths: ["a.txt"], parent: nil, author: signature("A", "a@x.org"),
                                    committer: signature("A", "a@x.org"), message: "otra raíz\n")
        }
    }

    @Test("walk yields parents first; files, trees and changes read what git wrote")
    func readsPlainGit() throws {
        try Sandbox.gitOut(["init", "-q", "-b", "main"], in: box.path)
        for i in 1...3 {
            try box.write("v\(i)\n", to: "d/f.txt")
            try Sandbox.gitOut(["add", "."], in: box.path)
            try Sandbox.gitOut(["commit", "-q", "-m", "c\(i)"], in: box.path)
        }
        let repo = try Repository.at(box.path)
        var subjects: [String] = []
        try repo.walk(from: try #require(try repo.headCommit())) { subjects.append($0.subject) }
        #expect(subjects == ["c1", "c2", "c3"])
        let head = try #require(try repo.headCommit())
        #expect(try repo.file(at: "d/f.txt", in: head) == Data("v3\n".utf8))
        #expect(try repo.file(at: "d/none.txt", in: head) == nil)
        #expect(try repo.entries(at: "d", in: head).map(\.name) == ["f.txt"])
        #expect(try repo.entries(at: "nada", in: head).isEmpty)
        try box.write("cambio\n", to: "d/f.txt")
        try box.write("nuevo\n", to: "n.txt")
        let changes = try repo.changes()
        #expect(changes.contains { $0.path == "d/f.txt" && $0.kind == .modified && !$0.staged })
        #expect(changes.contains { $0.path == "n.txt" && $0.kind == .untracked })
        #expect(try repo.headBranchName() == "refs/heads/main")
        #expect(repo.operationInProgress == nil)
    }


    @Test("a whole first-parent line is what 'git rev-list --first-parent --reverse' lists, merges and an orphan's side included; a range is too")
    func firstParentLine() throws {
        let git = { (args: [String]) in try Sandbox.gitOut(["-c", "user.name=A", "-c", "user.email=a@b.c"] + args, in: box.path) }
        _ = try git(["init", "-q", "-b", "main"])
        for i in 1...4 { _ = try git(["commit", "-q", "--allow-empty", "-m", "m\(i)"]) }
        // A side branch merged in twice (its commits are second parents: not on the line), and an
        // orphan history merged with its root as a second parent.
        _ = try git(["checkout", "-q", "-b", "lado", "HEAD~2"])
        for i in 1...3 { _ = try git(["commit", "-q", "--allow-empty", "-m", "l\(i)"]) }
        _ = try git(["checkout", "-q", "main"])
        _ = try git(["merge", "-q", "--no-ff", "-m", "fusión 1", "lado"])
        _ = try git(["commit", "-q", "--allow-empty", "-m", "m5"])
        _ = try git(["checkout", "-q", "--orphan", "huerfana"])
        _ = try git(["commit", "-q", "--allow-empty", "-m", "o1"])
        _ = try git(["checkout", "-q", "main"])
        _ = try git(["merge", "-q", "--no-ff", "--allow-unrelated-histories", "-m", "fusión 2", "huerfana"])
        // Its first parent is the side branch: the line then follows that branch.
        _ = try git(["checkout", "-q", "lado"])
        _ = try git(["merge", "-q", "--no-ff", "-m", "fusión 3", "main"])
        let repo = try Repository.at(box.path)
        for tip in ["main", "lado", "huerfana"] {
            let id = try #require(OID(hex: try git(["rev-parse", tip]).trimmingCharacters(in: .whitespacesAndNewlines)))
            let expected = try git(["rev-list", "--first-parent", "--reverse", tip]).split(separator: "\n").map(String.init)
            #expect(try repo.commitIDs(from: id, firstParent: true).map(\.hex) == expected, "\(tip)")
            #expect(try repo.firstParentLine(from: id).map(\.hex) == expected, "\(tip)")
        }
        let main = try #require(OID(hex: try git(["rev-parse", "main"]).trimmingCharacters(in: .whitespacesAndNewlines)))
        let hidden = try #require(OID(hex: try git(["rev-parse", "main~2"]).trimmingCharacters(in: .whitespacesAndNewlines)))
        let range = try git(["rev-list", "--first-parent", "--reverse", "main~2..main"]).split(separator: "\n").map(String.init)
        #expect(try repo.commitIDs(from: main, hiding: hidden, firstParent: true).map(\.hex) == range && range.count == 2)
        // A merge's other parents are searched for roots by one walk: git's answer for the same tips.
        let tips = try ["huerfana", "lado", "main~1"].map { try #require(OID(hex: try git(["rev-parse", $0]).trimmingCharacters(in: .whitespacesAndNewlines))) }
        let roots = try git(["rev-list", "--max-parents=0", "huerfana", "lado", "main~1", "^" + hidden.hex]).split(separator: "\n").map(String.init)
        #expect(try repo.roots(reachableFrom: tips, hiding: hidden).map(\.hex) == roots && roots.count == 1)
        #expect(try repo.roots(reachableFrom: tips, hiding: main).isEmpty)
        // A missing parent (an object deleted by hand) is an error, as it is to the revwalk.
        let loose = box.path + "/.git/objects/" + hidden.hex.prefix(2) + "/" + hidden.hex.dropFirst(2)
        try FileManager.default.removeItem(atPath: loose)
        #expect(throws: (any Error).self) { try repo.firstParentLine(from: main) }
    }
    @Test("a kept tree stays parsed while many more trees than the cache holds are read, and is read as git lists it; a tree not kept is read again")
    func keptTrees() throws {
        try Sandbox.gitOut(["init", "-q", "-b", "main"], in: box.path)
        for i in 0..<100 { try box.write("\(i)\n", to: "cases/\(2020 + i % 2)/C-\(i)/expediente.md") }
        try Sandbox.gitOut(["add", "."], in: box.path)
        try Sandbox.gitOut(["commit", "-q", "-m", "inicio"], in: box.path)
        let repo = try Repository.at(box.path)
        let head = try #require(try repo.headCommit())
        let years = try repo.entries(at: "cases", in: head)
        repo.keepTrees([years[0].id])
        let listed = { (year: String) in try Sandbox.gitOut(["ls-tree", "--name-only", "HEAD:cases/\(year)"], in: box.path).split(separator: "\n").map(String.init) }
        #expect(try repo.entries(ofTree: years[0].id).map(\.name) == listed("2020"))
        #expect(try repo.entries(ofTree: years[1].id).map(\.name) == listed("2021"))
        // Every case folder: three times the cache's capacity.
        for year in years {
            for folder in try repo.entries(ofTree: year.id) { _ = try repo.entries(ofTree: folder.id) }
        }
        #expect(TreeCache.capacity * 3 < 100)
        let read = repo.trees.treesRead
        #expect(try repo.entries(ofTree: years[0].id).map(\.name) == listed("2020"))
        #expect(repo.trees.treesRead == read, "the kept year folder came from the cache")
        _ = try repo.entries(ofTree: years[1].id)
        #expect(repo.trees.treesRead == read + 1, "the other was dropped and read again")
        // Keeping others lets the first go like any tree (a server keeps one HEAD's folders, not every HEAD's).
        repo.keepTrees([years[1].id])
        for year in years {
            for folder in try repo.entries(ofTree: year.id) { _ = try repo.entries(ofTree: folder.id) }
        }
        let again = repo.trees.treesRead
        _ = try repo.entries(ofTree: years[0].id)
        _ = try repo.entries(ofTree: years[1].id)
        #expect(repo.trees.treesRead == again + 1, "the year folder no longer kept was read again, the one kept was not")
    }

    @Test("the id of a text's bytes is git hash-object's, for an empty text, accents in either Unicode form and a large one")
    func blobIDOfText() throws {
        try Sandbox.gitOut(["init", "-q"], in: box.path)
        for text in ["", "María\n", "Mari\u{301}a\n", String(repeating: "| 1 | 01 | jefe | Ana |\n", count: 5_000)] {
            let git = try Sandbox.git(["hash-object", "--stdin"], in: box.path, input: text)
            #expect(OID.blob(of: text).hex == git.out.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(OID.blob(of: text) == OID.blob(of: Data(text.utf8)))
        }
    }

    @Test("firstFolder holds the year folders it scans by name: many trees read between two look-ups do not push them out, a year's new version replaces its old one, and the answers are git's")
    func firstFolderHoldsYearFolders() throws {
        try Sandbox.gitOut(["init", "-q", "-b", "main"], in: box.path)
        for i in 0..<60 { try box.write("\(i)\n", to: "cases/\(2020 + i % 3)/C-\(i)/expediente.md") }
        // A file of a later year's case name in an earlier year is no case folder.
        try box.write("no soy carpeta\n", to: "cases/2020/C-1")
        try Sandbox.gitOut(["add", "."], in: box.path)
        try Sandbox.gitOut(["commit", "-q", "-m", "inicio"], in: box.path)
        let repo = try Repository.at(box.path)
        let first = try #require(try repo.headCommit())
        func expected(_ name: String, _ commit: OID) throws -> String? {
            for year in ["2020", "2021", "2022"] {
                let listed = try Sandbox.gitOut(["ls-tree", "\(commit.hex):cases/\(year)", "--", name], in: box.path)
                if listed.hasPrefix("040000 tree ") { return year }
            }
            return nil
        }
        #expect(try repo.firstFolder(under: "cases", holding: "C-59", in: first) == "2022")
        #expect(repo.listedFolders.treesRead == 3 && repo.listedFolders.held == 3)
        // A year folder held there is not parsed a second time by a look-up through the tree cache.
        let years = try repo.entries(at: "cases", in: first)
        let before = repo.trees.treesRead
        #expect(try repo.entries(ofTree: years[0].id).count == 21 && repo.trees.treesRead == before)
        // Every case folder read (more than twice the tree cache's capacity), then more names asked:
        // the year folders come from what firstFolder holds.
        for year in try repo.entries(at: "cases", in: first) {
            for folder in try repo.entries(ofTree: year.id) where folder.kind == .tree { _ = try repo.entries(ofTree: folder.id) }
        }
        let read = (repo.listedFolders.treesRead, repo.trees.treesRead)
        for i in [1, 2, 58, 30, 7] {
            #expect(try repo.firstFolder(under: "cases", holding: "C-\(i)", in: first) == expected("C-\(i)", first))
        }
        #expect(try repo.firstFolder(under: "cases", holding: "C-1", in: first) == "2021")
        #expect(try repo.firstFolder(under: "cases", holding: "C-99", in: first) == nil)
        #expect(repo.listedFolders.treesRead == read.0, "no year folder read again")
        #expect(repo.trees.treesRead - read.1 <= 2, "the root and cases/ only")
        // A new version of 2020: held in the old one's place, read once.
        try box.write("cambio\n", to: "cases/2020/C-3/expediente.md")
        try box.write("nuevo\n", to: "cases/2020/C-60/expediente.md")
        try Sandbox.gitOut(["add", "."], in: box.path)
        try Sandbox.gitOut(["commit", "-q", "-m", "cambio"], in: box.path)
        let second = try #require(try repo.headCommit())
        #expect(try repo.firstFolder(under: "cases", holding: "C-60", in: second) == "2020")
        #expect(try repo.firstFolder(under: "cases", holding: "C-60", in: first) == nil)
        #expect(try repo.firstFolder(under: "cases", holding: "C-59", in: second) == "2022")
        #expect(repo.listedFolders.held == 3, "one version of each year folder")
    }

    @Test("trees read through the tree cache agree with git over a history of 300 folders, swaps of a file and a folder of one name, and deletions")
    func treeReadingAgreesWithGit() throws {
        try Sandbox.gitOut(["init", "-q", "-b", "main"], in: box.path)
        // More folders than the cache keeps (TreeCache.capacity), changed in a scattered order.
        for i in 0..<300 { try box.write("\(i)\n", to: "cases/\(2020 + i % 3)/C-\(i)/expediente.md") }
        try Sandbox.gitOut(["add", "."], in: box.path)
        try Sandbox.gitOut(["commit", "-q", "-m", "inicio"], in: box.path)
        var state: UInt64 = 0x7E_E5CA_C4E
        for round in 0..<40 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let i = Int((state >> 33) % 300)
            let folder = "cases/\(2020 + i % 3)/C-\(i)"
            switch round % 4 {
            case 0: try box.write("cambio \(round)\n", to: "\(folder)/expediente.md")
            case 1:
                // A file becomes a folder of the same name, and the other way round.
                try FileManager.default.removeItem(atPath: box.path + "/" + folder)
                try box.write("ahora archivo \(round)\n", to: folder)
            case 2: try box.write("anexo \(round)\n", to: "\(folder)-x/anexos/a.txt")
            default: try? FileManager.default.removeItem(atPath: box.path + "/" + folder)
            }
            try Sandbox.gitOut(["add", "-A"], in: box.path)
            try Sandbox.gitOut(["commit", "-q", "--allow-empty", "-m", "r\(round)"], in: box.path)
        }
        let repo = try Repository.at(box.path)
        var previous: OID?
        try repo.walk(from: try #require(try repo.headCommit())) { commit in
            defer { previous = commit.id }
            let changed = try repo.addedOrChangedFiles(from: previous, to: commit.id).map(\.path).sorted()
            let args = previous.map { ["diff-tree", "-r", "--no-renames", "--diff-filter=AMT", "--name-only", $0.hex, commit.id.hex] }
                ?? ["ls-tree", "-r", "--name-only", commit.id.hex]
            let git = try Sandbox.gitOut(args, in: box.path).split(separator: "\n").map(String.init).sorted()
            #expect(changed == git, "\(commit.subject)")
            for year in ["cases/2020", "cases/2021", "cases/2022"] {
                let names = try repo.entries(at: year, in: commit.id).map(\.name)
                let listed = try Sandbox.gitOut(["ls-tree", "--name-only", "\(commit.id.hex):\(year)"], in: box.path)
                #expect(names == listed.split(separator: "\n").map(String.init), "\(commit.subject) \(year)")
                if let previous {
                    let changedHere = try repo.changedEntries(at: year, from: previous, to: commit.id)
                    let gitNames = try Sandbox.gitOut(["diff-tree", "--name-only", "\(previous.hex):\(year)", "\(commit.id.hex):\(year)"],
                                                      in: box.path)
                    // (git names a file that became a folder of the same name twice; here it is one change.)
                    #expect(changedHere == Set(gitNames.split(separator: "\n").map(String.init)).sorted(), "\(commit.subject) \(year)")
                }
            }
            let probe = "cases/2021/C-1/expediente.md"
            let blob = try repo.entryID(at: probe, in: commit.id)?.hex
            let gitBlob = try Sandbox.git(["rev-parse", "--verify", "-q", "\(commit.id.hex):\(probe)"], in: box.path).out
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect((blob ?? "") == gitBlob)
        }
    }

    /// commitWorkTree stages file by file what a narrowed status finds: it must give the tree
    /// `git add -A -- <path>` gives, whatever changed in the folder, and nothing outside it.
    @Test("a commit of a folder records what 'git add -A -- folder' records: edits, new and deleted files, a file that became a folder and back, modes, links")
    func commitAgreesWithGitAdd() throws {
        let repo = try Repository.create(at: box.path)
        let twin = box.path + "/gemelo"
        let folder = "cases/2026/A-1"
        func write(_ text: String, _ path: String) throws {
            try box.write(text, to: path)
            try box.write(text, to: "gemelo/" + path)
        }
        func both(_ change: (String) throws -> Void) throws {
            try change(box.path)
            try change(twin)
        }
        try write("uno\n", "\(folder)/expediente.md")
        try write("anexo\n", "\(folder)/anexos/a.txt")
        try write("pasa a carpeta\n", "\(folder)/nota")
        try write("carpeta a archivo\n", "\(folder)/dir/b.txt")
        try write("se borra\n", "\(folder)/borrar.txt")
        try write("fuera\n", "cases/2026/B-2/expediente.md")
        var parent = try repo.commitWorkTree(paths: ["cases"], parent: nil, author: signature("A", "a@x.org"),
                                             committer: signature("A", "a@x.org"), message: "inicio\n")
        try Sandbox.gitOut(["init", "-q", "-b", "main"], in: twin)
        try Sandbox.gitOut(["add", "-A"], in: twin)
        try Sandbox.gitOut(["-c", "user.name=A", "-c", "user.email=a@x.org", "commit", "-q", "-m", "inicio"], in: twin)
        #expect(try Sandbox.gitOut(["rev-parse", "HEAD^{tree}"], in: box.path) == Sandbox.gitOut(["rev-parse", "HEAD^{tree}"], in: twin))
        let rounds: [(String) throws -> Void] = [
            { root in
                try "dos\n".write(toFile: "\(root)/\(folder)/expediente.md", atomically: true, encoding: .utf8)
                try FileManager.default.removeItem(atPath: "\(root)/\(folder)/borrar.txt")
                try FileManager.default.createDirectory(atPath: "\(root)/\(folder)/nuevo/sub", withIntermediateDirectories: true)
                try "nuevo\n".write(toFile: "\(root)/\(folder)/nuevo/sub/c.txt", atomically: true, encoding: .utf8)
                // Outside the folder: never committed by this step.
                try "cambio fuera\n".write(toFile: "\(root)/cases/2026/B-2/expediente.md", atomically: true, encoding: .utf8)
            },
            { root in
                // A file becomes a folder, a folder becomes a file, a file becomes executable, a link appears.
                try FileManager.default.removeItem(atPath: "\(root)/\(folder)/nota")
                try FileManager.default.createDirectory(atPath: "\(root)/\(folder)/nota", withIntermediateDirectories: true)
                try "dentro\n".write(toFile: "\(root)/\(folder)/nota/d.txt", atomically: true, encoding: .utf8)
                try FileManager.default.removeItem(atPath: "\(root)/\(folder)/dir")
                try "ahora archivo\n".write(toFile: "\(root)/\(folder)/dir", atomically: true, encoding: .utf8)
                chmod("\(root)/\(folder)/anexos/a.txt", 0o755)
                try FileManager.default.createSymbolicLink(atPath: "\(root)/\(folder)/enlace", withDestinationPath: "expediente.md")
            },
            { root in
                // The whole annex folder removed.
                try FileManager.default.removeItem(atPath: "\(root)/\(folder)/anexos")
            },
        ]
        for (i, round) in rounds.enumerated() {
            try both(round)
            parent = try repo.commitWorkTree(paths: [folder], parent: parent, author: signature("A", "a@x.org"),
                                             committer: signature("A", "a@x.org"), message: "ronda \(i)\n")
            try Sandbox.gitOut(["add", "-A", "--", folder], in: twin)
            try Sandbox.gitOut(["-c", "user.name=A", "-c", "user.email=a@x.org", "commit", "-q", "-m", "ronda \(i)"], in: twin)
            let ours = try Sandbox.gitOut(["ls-tree", "-r", "HEAD"], in: box.path)
            let theirs = try Sandbox.gitOut(["ls-tree", "-r", "HEAD"], in: twin)
            #expect(ours == theirs, "ronda \(i)")
            #expect(try Sandbox.gitOut(["status", "--porcelain", "--", folder], in: box.path) == "", "ronda \(i): the index holds the folder")
        }
        let left = try Sandbox.git(["status", "--porcelain"], in: box.path).out.split(separator: "\n").filter { !$0.hasSuffix("gemelo/") }
        #expect(left == [" M cases/2026/B-2/expediente.md"], "the edit outside the folder is left as it was")
        #expect(try Sandbox.git(["fsck", "--strict"], in: box.path).ok)
    }

    @Test("discover finds the repository from a subfolder and returns nil outside any")
    func discover() throws {
        _ = try Repository.create(at: box.path + "/r")
        try FileManager.default.createDirectory(atPath: box.path + "/r/a/b", withIntermediateDirectories: true)
        #expect(try Repository.discover(from: box.path + "/r/a/b")?.workdir == box.path + "/r")
        #expect(try Repository.discover(from: "/proc") == nil)
    }
}

extension Repository {
    static func at(_ path: String) throws -> Repository { try Repository(at: path) }
}
