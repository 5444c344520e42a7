import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

/// The case index (`estado.cache`, one status summary per case keyed by the case's last commit and
/// folder) is disposable and never trusted over history: `status --json` through it always equals
/// a cold replay.
@Suite("The case index gives the same status as a cold replay")
struct StatusIndexTests {
    func element(_ status: CaseStatus) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(status)
    }

    /// Every case's JSON in order, and the commits left out, as `status --json` gets them.
    func streamed(_ repo: CaseRepo, cache: Bool) throws -> ([Data], Int) {
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        book.usesCache = cache
        var all: [Data] = []
        try book.statusOfAll(encode: element) { all.append($0) }
        return (all, book.omittedCommits)
    }

    /// The same through the case index as from a cold replay (cache off), run twice (the second
    /// run reads the index the first wrote).
    func expectSame(_ repo: CaseRepo, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let cold = try streamed(repo, cache: false)
        let first = try streamed(repo, cache: true)
        let second = try streamed(repo, cache: true)
        #expect(first.0 == cold.0, sourceLocation: sourceLocation)
        #expect(second.0 == cold.0, sourceLocation: sourceLocation)
        #expect(first.1 == cold.1 && second.1 == cold.1, sourceLocation: sourceLocation)
        // The objects' status gives the same cases, in the same order.
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(try book.statusOfAll().map(element) == cold.0, sourceLocation: sourceLocation)
    }

    var indexFile: (CaseRepo) -> String { { $0.path + "/.git/folio/estado.cache" } }

    func open(_ repo: CaseRepo, _ n: Int) throws -> [String] {
        try (0..<n).map { i in
            let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Cooperación \(i)", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"],
                                                           persona: "mrodriguez")).caseID
            try repo.step(id, as: "mrodriguez")
            return id
        }
    }

    @Test("after new commits only the touched cases change, and the index agrees with a cold replay")
    func newCommits() throws {
        let repo = try CaseRepo()
        let ids = try open(repo, 3)
        try expectSame(repo)
        #expect(FileManager.default.fileExists(atPath: indexFile(repo)))
        try repo.step(ids[0], as: "mrodriguez")
        try expectSame(repo)
        // A plain-git commit by a registered author that edits two cases' files: both summaries are derived again.
        for id in ids.prefix(2) {
            let path = try repo.git(["ls-tree", "-d", "--name-only", "HEAD", "cases/2026/\(id)"])
            try repo.write("Editado fuera de folio.\n", to: path + "/nota.md")
        }
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-q", "-m", "edición"])
        try expectSame(repo)
        // A forged step of another case, with plain git: it counts nowhere, index or not.
        try repo.git(["commit", "-q", "--allow-empty", "-m", "x\n\nExpediente: \(ids[2])\nProcedimiento: 7\nPaso: 03\nRol: jefe\nSigned-off-by: Ana López <alopez@igss.gob.gt>",
                      "--author", "Ana López <alopez@igss.gob.gt>"])
        try expectSame(repo)
        #expect(try streamed(repo, cache: true).1 == 1)
    }

    /// attack24: a symbolic link in the index's place (or the output cache's) is neither read nor
    /// written through: the block of a new commit's case went onto the file it named, outside
    /// `.git/folio`. The index is written anew in its place; the linked file is left as it was.
    @Test("a link in a cache's place is not written through, and the answer is the cold one")
    func linkInTheIndexPlace() throws {
        let repo = try CaseRepo()
        // Enough cases that one changed one is appended as a block (a quarter at most).
        let ids = try open(repo, 6)
        try expectSame(repo)
        let outside = Sandbox()
        // The case index, the output's cache and the history cache (a step extends it, status reads it).
        var linked: [String: Data] = [:]
        for name in ["estado.cache", "salida.cache", "historial.cache"] {
            let path = repo.path + "/.git/folio/" + name
            guard FileManager.default.fileExists(atPath: path) else { continue }
            try FileManager.default.moveItem(atPath: path, toPath: outside.path + "/" + name)
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: outside.path + "/" + name)
            linked[name] = try Data(contentsOf: URL(fileURLWithPath: outside.path + "/" + name))
        }
        #expect(linked["estado.cache"] != nil && linked["historial.cache"] != nil)
        try repo.step(ids[1], as: "mrodriguez")
        try expectSame(repo)
        for (name, before) in linked {
            #expect(try Data(contentsOf: URL(fileURLWithPath: outside.path + "/" + name)) == before, "\(name): the linked file is not written to")
        }
        let kind = try FileManager.default.attributesOfItem(atPath: indexFile(repo))[.type] as? FileAttributeType
        #expect(kind == .typeRegular, "the link is replaced by the index")
        let history = try FileManager.default.attributesOfItem(atPath: repo.path + "/.git/folio/historial.cache")[.type] as? FileAttributeType
        #expect(history == .typeRegular, "the link is replaced by the history cache")
        #expect(try FileManager.default.contentsOfDirectory(atPath: repo.path + "/.git/folio").filter { $0.hasPrefix(".dat") } == [])
    }

    /// Every file under `folder` with its bytes: what must stay as it was.
    func contents(of folder: String) -> [String: Data] {
        let names = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String]) ?? []
        return Dictionary(uniqueKeysWithValues: names.map { ($0, FileManager.default.contents(atPath: folder + "/" + $0) ?? Data()) })
    }

    /// attack25: `.git/folio` itself a link to a folder outside (or a file). The caches were read
    /// and written through it (created in an empty folder it named), and a step would take its
    /// lock and write its files there. Now no cache is read or written (the cold answers), and a
    /// step is refused naming the folder and the fix, with nothing changed; once the link is gone
    /// folio makes the folder again and works as before.
    @Test("a link or a file in .git/folio's place: no cache read or written through it, a step refused")
    func linkInTheFolderPlace() throws {
        let repo = try CaseRepo()
        let ids = try open(repo, 3)
        try expectSame(repo)
        let folder = repo.path + "/.git/folio"
        // An output kept for this HEAD and these words: read through a link, it would be the answer.
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        let key = try book.outputKey(["status"])
        book.storeOutput("forjado\n", key)
        #expect(book.cachedOutput(key) == "forjado\n")
        let outside = Sandbox()
        let warm = outside.path + "/folio", empty = outside.path + "/vacia"
        try FileManager.default.moveItem(atPath: folder, toPath: warm)
        // A lock of a dead process where the link points: unlock must not take it.
        try "999999 \(ProcessInfo.processInfo.hostName) 0\n".write(toFile: warm + "/escritura.lock", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        for target in [warm, empty] {
            try? FileManager.default.removeItem(atPath: folder)
            try FileManager.default.createSymbolicLink(atPath: folder, withDestinationPath: target)
            let before = contents(of: target)
            let linked = try Casebook.open(at: repo.path, clock: repo.book.clock)
            linked.usesCache = true
            #expect(!linked.usesCache, "no cache through a link, whatever is set")
            #expect(try linked.outputKey(["status"]) == nil && linked.cachedOutput(key) == nil)
            try expectSame(repo)
            try repo.expectRefusal([folder, "enlace simbólico", target, "rm \(SafeText.shellWord(folder))"]) {
                _ = try repo.step(ids[0], as: "mrodriguez")
            }
            // Nor does unlock remove a lock through it.
            try repo.expectRefusal([folder, "enlace simbólico"]) { _ = try repo.book.unlock(actor: "mrodriguez") }
            #expect(contents(of: target) == before, "\(target): nothing written through the link")
        }
        #expect(contents(of: empty).isEmpty)
        // A file in its place: the same.
        try FileManager.default.removeItem(atPath: folder)
        try Data("no soy una carpeta\n".utf8).write(to: URL(fileURLWithPath: folder))
        try expectSame(repo)
        try repo.expectRefusal([folder, "un archivo"]) { _ = try repo.step(ids[0], as: "mrodriguez") }
        #expect(try String(contentsOfFile: folder, encoding: .utf8) == "no soy una carpeta\n")
        // Removed, as the message says: the folder is made again, the step goes, the caches come back.
        try FileManager.default.removeItem(atPath: folder)
        try repo.step(ids[0], as: "mrodriguez")
        try expectSame(repo)
        let kind = try FileManager.default.attributesOfItem(atPath: folder)[.type] as? FileAttributeType
        #expect(kind == .typeDirectory && FileManager.default.fileExists(atPath: indexFile(repo)))
    }

    /// The blocks of the index file: the first holds every case, each later one the cases a
    /// status after new commits replayed.
    func blocks(_ repo: CaseRepo) throws -> Int {
        try String(contentsOfFile: indexFile(repo), encoding: .utf8).components(separatedBy: "\n").filter { $0.hasPrefix("tip ") }.count
    }

    @Test("after a few new commits a block of the changed cases is appended; a damaged or cut block makes the index whole again",
          arguments: ["cortado", "anterior", "sin-primero", "invertidos", "sin-resumen", "ninguno"])
    func appendedBlocks(damage: String) throws {
        let repo = try CaseRepo()
        let ids = try open(repo, 8)
        try expectSame(repo)
        #expect(try blocks(repo) == 1)
        try repo.step(ids[0], as: "mrodriguez")
        try expectSame(repo)
        #expect(try blocks(repo) == 2, "one block for one changed case")
        let path = try repo.git(["ls-tree", "-d", "--name-only", "HEAD", "cases/2026/\(ids[1])"])
        try repo.write("Editado fuera de folio.\n", to: path + "/nota.md")
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-q", "-m", "edición"])
        try repo.step(ids[2], as: "mrodriguez")
        try expectSame(repo)
        #expect(try blocks(repo) == 3)
        // A block is written beside the index first and copied onto its end: nothing is left beside it.
        let folder = (indexFile(repo) as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".tmp") } == [])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: indexFile(repo)))
        switch damage {
        case "cortado":
            // A block cut short (a crash while appending).
            bytes = bytes.prefix(bytes.count - 60)
        case "anterior":
            // The first summary of a case that a later block replaced: damage there is damage still.
            let line = try #require(bytes.firstRange(of: Data("C \(ids[0]) ".utf8)))
            let at = try #require(bytes[line.upperBound...].firstIndex(of: 10)) + 3
            bytes[at] = bytes[at] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        case "sin-primero", "invertidos":
            // Whole blocks dropped or moved: each names the one before it.
            var text = String(decoding: bytes, as: UTF8.self)
            let blocks = text.components(separatedBy: "\ntip ").dropFirst().map { "\ntip " + $0 }
            let head = String(text[..<text.range(of: "\ntip ")!.lowerBound])
            text = head + (damage == "sin-primero" ? blocks.dropFirst().joined() : ([blocks[0], blocks[2], blocks[1]]).joined())
            bytes = Data(text.utf8)
        case "sin-resumen":
            // One whole summary (its line and its JSON) taken out of the first block.
            let line = try #require(bytes.firstRange(of: Data("C \(ids[5]) ".utf8)))
            let end = try #require(bytes[line.lowerBound...].firstIndex(of: 10))
            let fields = String(decoding: bytes[line.lowerBound..<end], as: UTF8.self).split(separator: " ")
            let json = try #require(Int(fields[7]))
            bytes.removeSubrange(line.lowerBound..<(end + 1 + json + 1))
        default:
            break
        }
        try bytes.write(to: URL(fileURLWithPath: indexFile(repo)))
        try expectSame(repo)
        #expect(try blocks(repo) == (damage == "ninguno" ? 3 : 1))
    }

    /// The index is not keyed by the day: a summary of a case with a next step holds for the day it
    /// was derived (its deadline may pass), a closed case's for any day.
    @Test("a new day derives again only the cases with a next step; the closed ones keep their summaries")
    func newDay() throws {
        let repo = try CaseRepo()
        let ids = try open(repo, 7)
        for id in ids.prefix(6) {
            for persona in ["mrodriguez", "alopez", "alopez", "mrodriguez"] { try repo.step(id, as: persona) }
        }
        // A month's production round: its dependencies' first step has a deadline.
        let month = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(try ids.prefix(6).allSatisfy { try book.status(of: $0).state == .closed })
        #expect(try book.status(of: month).dependencies == [] && book.status(of: month).next.contains { $0.due != nil && !$0.overdue })
        try expectSame(repo)
        let before = try blocks(repo)
        // Months later: the round's deadline has passed.
        repo.at("2027-03-01T09:00:00-06:00")
        let (cold, _) = try streamed(repo, cache: false)
        let (warm, _) = try streamed(repo, cache: true)
        #expect(warm == cold)
        let round = try #require(warm.last.map { String(decoding: $0, as: UTF8.self) })
        #expect(round.contains(month) && round.contains(#""overdue" : true"#))
        // One block more, with the two open cases alone: the closed ones were not derived again.
        let lines = try String(contentsOfFile: indexFile(repo), encoding: .utf8).components(separatedBy: "\n")
        #expect(try blocks(repo) == before + 1)
        let lastBlock = lines[(lines.lastIndex { $0.hasPrefix("tip ") } ?? 0)...].filter { $0.hasPrefix("C ") }
        #expect(lastBlock.map { String($0.split(separator: " ")[1]) } == [ids[6], month])
        #expect(lastBlock.allSatisfy { $0.split(separator: " ")[5] == "2027-03-01" })
        try expectSame(repo)
    }

    @Test("a new day, a changed roster or a reset derive the summaries again")
    func keyAndReset() throws {
        let repo = try CaseRepo()
        let ids = try open(repo, 2)
        let older = try repo.git(["rev-parse", "HEAD"])
        try repo.step(ids[0], as: "mrodriguez")
        try expectSame(repo)
        try repo.git(["reset", "-q", "--hard", older])
        try expectSame(repo)
        repo.at("2026-12-20T09:00:00-06:00")
        try expectSame(repo)
        try repo.book.addPersona(Persona(id: "nuevo", name: "Nuevo Jefe", email: "nuevo@igss.gob.gt", roles: [.jefe], dependency: nil),
                                 actor: "mrodriguez")
        try expectSame(repo)
    }

    @Test("a damaged index is ignored and written again", arguments: ["basura", "truncado", "vacío", "otro-commit", "otro-expediente", "longitud"])
    func corrupted(kind: String) throws {
        let repo = try CaseRepo()
        let ids = try open(repo, 2)
        _ = try streamed(repo, cache: true)
        let original = try Data(contentsOf: URL(fileURLWithPath: indexFile(repo)))
        let text = String(decoding: original, as: UTF8.self)
        let first = try repo.git(["rev-list", "--max-parents=0", "HEAD"])
        let damaged: String
        switch kind {
        case "basura": damaged = "\u{0}\u{1}no es un índice\n"
        case "truncado": damaged = String(text.prefix(text.count / 2))
        case "vacío": damaged = ""
        case "otro-commit":
            // A summary for a commit that is not its case's last (here, the repository's first commit).
            let last = try repo.git(["log", "-1", "--format=%H", "--grep", "Expediente: \(ids[0])"])
            damaged = text.replacingOccurrences(of: last, with: first)
        case "otro-expediente":
            // The summaries filed under each other's case.
            damaged = text.replacingOccurrences(of: "C \(ids[0]) ", with: "C TEMP ").replacingOccurrences(of: "C \(ids[1]) ", with: "C \(ids[0]) ")
                .replacingOccurrences(of: "C TEMP ", with: "C \(ids[1]) ")
        default:
            damaged = text.replacingOccurrences(of: #"( \d+)\n\{"#, with: "$1 9\n{", options: .regularExpression)
        }
        try damaged.write(toFile: indexFile(repo), atomically: true, encoding: .utf8)
        try expectSame(repo)
        let last = try String(contentsOfFile: indexFile(repo), encoding: .utf8).split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("fin \(try repo.git(["rev-parse", "HEAD"])) "), "rewritten whole")
        #expect(try blocks(repo) == 1)
    }

    @Test("a round's expected dependencies edited in the work tree, not committed, are read again as a cold replay reads them")
    func workTreeOfARound() throws {
        let repo = try CaseRepo(date: "2026-11-26T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "5", month: "2026-11", sets: ["dependencias_esperadas=[DIP, TIC]"],
                                                       persona: "mrodriguez")).caseID
        try expectSame(repo)
        let file = "cases/2026/\(id)/expediente.md"
        try repo.write(repo.read(file).replacingOccurrences(of: "TIC", with: "HGE"), to: file)
        try expectSame(repo)
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        var expected: [String]? = nil
        try book.statusOfAll { if $0.id == id { expected = $0.expected } }
        #expect(expected?.contains("HGE") == true)
    }

    @Test("on a bare clone the index is written in its git folder and agrees with a cold replay")
    func bareClone() throws {
        let repo = try CaseRepo()
        let ids = try open(repo, 2)
        try expectSame(repo)
        let copy = repo.box.path + "/copia.git"
        #expect(try Sandbox.git(["clone", "-q", "--bare", repo.path, copy], in: repo.box.path).ok)
        func bare(_ cache: Bool) throws -> [Data] {
            let book = try Casebook.openForReading(at: copy, clock: repo.book.clock)
            book.usesCache = cache
            var all: [Data] = []
            try book.statusOfAll(encode: element) { all.append($0) }
            return all
        }
        let cold = try bare(false)
        #expect(cold == (try streamed(repo, cache: false)).0)
        #expect(try bare(true) == cold)
        #expect(FileManager.default.fileExists(atPath: copy + "/folio/estado.cache"))
        #expect(try bare(true) == cold)
        // The work repository moves on; the bare clone's index still answers for its own HEAD.
        try repo.step(ids[1], as: "mrodriguez")
        #expect(try bare(true) == cold)
    }
}
