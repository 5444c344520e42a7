@testable import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("The history cache gives the same answers as a cold replay")
struct CacheTests {
    /// JSON with sorted keys: Foundation on Linux orders unsorted keys by hash, differently per run.
    func json(_ value: [CaseStatus]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }

    /// Status of every case and verify, as a cold replay computes them (cache off).
    func cold(_ repo: CaseRepo) throws -> (Data, VerifyReport) {
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        book.usesCache = false
        return (try json(try book.statusOfAll()), try book.verify())
    }

    func warm(_ repo: CaseRepo) throws -> Data {
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        book.usesCache = true
        return try json(try book.statusOfAll())
    }

    var cacheFile: (CaseRepo) -> String { { $0.path + "/.git/folio/historial.cache" } }

    func work(_ repo: CaseRepo, cases: Int) throws -> [String] {
        var ids: [String] = []
        for i in 0..<cases {
            let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Cooperación \(i)", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"],
                                                           persona: "mrodriguez")).caseID
            try repo.step(id, as: "mrodriguez")
            ids.append(id)
        }
        return ids
    }

    @Test("after new commits the cache is extended from its tip, and agrees with a cold replay")
    func newCommits() throws {
        let repo = try CaseRepo()
        let ids = try work(repo, cases: 3)
        #expect(try warm(repo) == (try cold(repo)).0)
        let written = try String(contentsOfFile: cacheFile(repo), encoding: .utf8)
        #expect(written.contains("tip \(try repo.git(["rev-parse", "HEAD"]))"))
        try repo.step(ids[0], as: "mrodriguez")
        _ = try work(repo, cases: 1)
        // A forged step with plain git: the cache must not make it count.
        try repo.git(["commit", "-q", "--allow-empty", "-m", "x\n\nExpediente: \(ids[1])\nProcedimiento: 7\nPaso: 03\nRol: jefe\nSigned-off-by: Ana López <alopez@igss.gob.gt>",
                      "--author", "Ana López <alopez@igss.gob.gt>"])
        #expect(try warm(repo) == (try cold(repo)).0)
        #expect(try String(contentsOfFile: cacheFile(repo), encoding: .utf8).contains("tip \(try repo.git(["rev-parse", "HEAD"]))"))
        let status = try Casebook.open(at: repo.path, clock: repo.book.clock).status(of: ids[1])
        #expect(status.lastStep == "02")
    }

    @Test("a range verify's case folders, looked for by name from the newest year back, are those the listing of every year gives: a folder copied into other years, a file of the case's name, an unknown name")
    func casePathsByName() throws {
        let repo = try CaseRepo()
        let ids = try work(repo, cases: 2)
        let folder = repo.path + "/cases/2026/" + ids[0]
        for year in ["2025", "2027"] {
            try FileManager.default.createDirectory(atPath: repo.path + "/cases/\(year)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: folder, toPath: repo.path + "/cases/\(year)/" + ids[0])
        }
        try Data("no es carpeta".utf8).write(to: URL(fileURLWithPath: repo.path + "/cases/2027/" + ids[1]))
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-q", "-m", "copias a mano"])
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        let head = try #require(try book.repository.headCommit())
        let asked: Set<String> = Set(ids + ["COOP-2026-9999", "", "cases/2026"])
        let byName = try book.casePaths(of: asked, at: head)
        #expect(byName == (try book.casePaths(at: head)).filter { asked.contains($0.key) })
        #expect(byName[ids[0]] == "cases/2027/\(ids[0])" && byName[ids[1]] == "cases/2026/\(ids[1])" && byName.count == 2)
        // A step, a note or a new case asks the index first (nothing staged: its tree is HEAD's):
        // the answers the trees give, a copy in 2025 first for ids[0], the file in 2027 not before 2026.
        for id in ids + ["COOP-2026-9999"] {
            let fromTrees = try Casebook.open(at: repo.path, clock: repo.book.clock).casePath(id, at: head)
            let indexed = try Casebook.open(at: repo.path, clock: repo.book.clock)
            #expect(try indexed.caseFolderInIndex(id, head: head) == fromTrees, "\(id)")
            #expect(try indexed.casePath(id, at: head) == fromTrees)
        }
        #expect(try book.casePath(ids[0], at: head) == "cases/2025/\(ids[0])")
    }

    @Test("after a reset to an older commit the cache is rebuilt, not trusted")
    func reset() throws {
        let repo = try CaseRepo()
        let ids = try work(repo, cases: 2)
        let older = try repo.git(["rev-parse", "HEAD"])
        try repo.step(ids[0], as: "mrodriguez")
        _ = try warm(repo)
        try repo.git(["reset", "-q", "--hard", older])
        #expect(try warm(repo) == (try cold(repo)).0)
        #expect(try Casebook.open(at: repo.path, clock: repo.book.clock).status(of: ids[0]).lastStep == "02")
    }

    @Test("a corrupted or truncated cache file is ignored and rewritten", arguments: ["basura", "truncado", "vacío", "campo"])
    func corrupted(kind: String) throws {
        let repo = try CaseRepo()
        _ = try work(repo, cases: 2)
        let expected = try cold(repo).0
        _ = try warm(repo)
        let original = try String(contentsOfFile: cacheFile(repo), encoding: .utf8)
        let damaged: String
        switch kind {
        case "basura": damaged = "\u{0}\u{1}no es un cache\n"
        case "truncado": damaged = String(original.prefix(original.count / 2))
        case "vacío": damaged = ""
        default: damaged = original.replacingOccurrences(of: "Paso", with: "Paso").replacingOccurrences(of: "\tjefe\t", with: "\tjefe\textra\t")
        }
        try damaged.write(toFile: cacheFile(repo), atomically: true, encoding: .utf8)
        #expect(try warm(repo) == expected)
        #expect(try String(contentsOfFile: cacheFile(repo), encoding: .utf8).components(separatedBy: "\n").suffix(2).first?.hasPrefix("fin ") == true, "rewritten whole")
    }

    @Test("the index's memo (indice.cache) is the index file's checksum and git's tree of it; stale or damaged it spares nothing, forged it still decides nothing a commit holds, and with the caches off none is written")
    func indexMemo() throws {
        let repo = try CaseRepo()
        let memoFile = repo.path + "/.git/folio/indice.cache"
        func trailer() throws -> String {
            try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/index")).suffix(20).map { String(format: "%02x", $0) }.joined()
        }
        func headTree() throws -> String { try repo.git(["rev-parse", "HEAD^{tree}"]) }
        func memo() throws -> String { try String(contentsOfFile: memoFile, encoding: .utf8) }
        func open(_ title: String) throws -> String {
            try repo.book.openCase(NewCaseRequest(procedure: "7", title: title, sets: ["organismo=OISS", "fortalece_capacidades=true",
                                                                                      "organismo_especializado=true", "involucra_personal=false"],
                                                   persona: "mrodriguez")).caseID
        }
        let first = try open("Primera")
        // Left by the opening's commit: the index it wrote, whose tree is the commit's and git's.
        #expect(try memo() == "folio indice 1 \(try trailer()) \(try headTree())\n")
        #expect(try repo.git(["write-tree"]) == (try headTree()))

        // Stale: a change staged with git since is another index, and the step is refused for it.
        try repo.write("Borrador de Ana.\n", to: "notas/borrador.md")
        try repo.git(["add", "notas/borrador.md"])
        try repo.expectRefusal(["notas/borrador.md"]) { try repo.step(first, as: "mrodriguez") }
        try repo.git(["reset", "-q"])

        // Damaged: not used, and written again by the next step.
        for damaged in ["basura\n", "folio indice 1 \(try trailer()) xyz\n", "", "folio indice 2 \(try trailer()) \(try headTree())\n"] {
            try damaged.write(toFile: memoFile, atomically: true, encoding: .utf8)
            try repo.git(["add", "notas/borrador.md"])
            try repo.expectRefusal(["notas/borrador.md"]) { try repo.step(first, as: "mrodriguez") }
            try repo.git(["reset", "-q"])
        }
        try repo.step(first, as: "mrodriguez")
        #expect(try memo() == "folio indice 1 \(try trailer()) \(try headTree())\n")

        // Forged to name this very index (staged change and all) as HEAD's tree: the step goes
        // through, and its commit still holds only the case; the staged change stays staged.
        try repo.git(["add", "notas/borrador.md"])
        try "folio indice 1 \(try trailer()) \(try headTree())\n".write(toFile: memoFile, atomically: true, encoding: .utf8)
        let second = try open("Segunda")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).lines.allSatisfy { $0.hasPrefix("cases/2026/\(second)/") })
        #expect(try repo.git(["diff", "--cached", "--name-only"]) == "notas/borrador.md")
        #expect(try repo.git(["ls-tree", "-r", "--name-only", "HEAD"]).lines.contains("notas/borrador.md") == false)
        // The memo it leaves carries the forgery on (it was built on it); the cache deleted, the
        // staged change is refused again.
        try FileManager.default.removeItem(atPath: memoFile)
        try repo.expectRefusal(["notas/borrador.md"]) { try repo.step(second, as: "mrodriguez") }
        try repo.git(["reset", "-q"])

        // With the caches off: none read, none written.
        try FileManager.default.removeItem(atPath: memoFile)
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        book.usesCache = false
        try book.recordStep(StepRequest(caseID: second, step: "02", persona: "mrodriguez"))
        #expect(!FileManager.default.fileExists(atPath: memoFile))
    }

    @Test("a command's cached output is used only for the same HEAD, day and words")
    func outputCache() throws {
        let repo = try CaseRepo()
        let ids = try work(repo, cases: 1)
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        let key = try book.outputKey(["status", "json"])
        book.storeOutput("salida guardada\n", key)
        #expect(book.cachedOutput(key) == "salida guardada\n")
        #expect(book.cachedOutput(try book.outputKey(["status", "texto"])) == nil, "other words")
        book.clock.now = book.clock.now.addingTimeInterval(86400)
        #expect(book.cachedOutput(try book.outputKey(["status", "json"])) == nil, "another day: deadlines change")
        try repo.step(ids[0], as: "mrodriguez")
        let after = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(after.cachedOutput(try after.outputKey(["status", "json"])) == nil, "another HEAD")
        after.usesCache = false
        #expect(try after.outputKey(["status", "json"]) == nil, "no cache when it is off")
    }

    @Test("a cached output cut short or with bytes added is not used: its warning file gives its length (helper127)")
    func outputCacheLength() throws {
        let repo = try CaseRepo()
        _ = try work(repo, cases: 1)
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        let key = try book.outputKey(["status", "texto"])
        let path = book.repository.gitdir + "folio/salida.cache"
        for damage in ["cut", "added", "none"] {
            book.storeOutput("5 expedientes: 4 abiertos, 1 cerrado\n", key)
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            let size = try handle.seekToEnd()
            if damage == "cut" { try handle.truncate(atOffset: size - 10) }
            if damage == "added" { handle.write(Data("XYZ\n".utf8)) }
            try handle.close()
            #expect(book.cachedOutput(key) == (damage == "none" ? "5 expedientes: 4 abiertos, 1 cerrado\n" : nil), "\(damage)")
        }
        // Written piece by piece (`status --json`) too.
        let writer = try #require(book.outputCacheWriter(key))
        writer.write(Data("[\n".utf8))
        writer.write(Data("]\n".utf8))
        writer.keep()
        #expect(book.cachedOutput(key) == "[\n]\n")
        let more = try #require(FileHandle(forWritingAtPath: path))
        _ = try more.seekToEnd()
        more.write(Data("X".utf8))
        try more.close()
        #expect(book.cachedOutput(key) == nil)
    }

    @Test("the caches name the running program by the build id its linker wrote, as readelf reads it; a file without one by its size, inode and dates, change time included")
    func runningBuild() throws {
        let box = Sandbox()
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let readelf = try Sandbox.run("/usr/bin/env", ["readelf", "-n", exe], in: box.path)
        let id = try #require(readelf.out.split(separator: "\n").first { $0.contains("Build ID:") }?.split(separator: " ").last.map(String.init))
        #expect(Casebook.runningBuild == "build-id " + id && Casebook.runningBuild(of: exe) == Casebook.runningBuild)
        // Another build id: the same program with the id's last byte changed.
        var program = try Data(contentsOf: URL(fileURLWithPath: exe))
        let bytes = stride(from: 0, to: id.count, by: 2).map { UInt8(id.dropFirst($0).prefix(2), radix: 16)! }
        let at = try #require(program.range(of: Data(bytes)))
        program[at.upperBound - 1] ^= 0xFF
        try program.write(to: URL(fileURLWithPath: box.path + "/otro"))
        #expect(Casebook.runningBuild(of: box.path + "/otro") == "build-id " + id.dropLast(2) + String(format: "%02x", bytes.last! ^ 0xFF))
        // No ELF, or one cut short: named by the file, whose change time a hard link changes.
        try program.prefix(100).write(to: URL(fileURLWithPath: box.path + "/corto"))
        try "#!/bin/sh\n".write(toFile: box.path + "/guion", atomically: false, encoding: .utf8)
        for name in ["corto", "guion"] {
            let named = try #require(Casebook.runningBuild(of: box.path + "/" + name))
            #expect(!named.hasPrefix("build-id"), "\(name)")
            Thread.sleep(forTimeInterval: 0.01)
            #expect(link(box.path + "/" + name, box.path + "/" + name + "-enlace") == 0)
            #expect(Casebook.runningBuild(of: box.path + "/" + name) != named, "\(name): its change time changed")
        }
        #expect(Casebook.runningBuild(of: box.path + "/no-existe") == nil)
    }

    /// A step reads only its case's lines of the cache: a damaged or forged line makes it read
    /// history instead, never record the wrong step.
    @Test("a step through a damaged or forged history cache records what a cold replay allows",
          arguments: ["basura", "truncado", "otro-commit", "otro-expediente", "reinicio"])
    func stepThroughDamagedCache(kind: String) throws {
        let repo = try CaseRepo()
        let ids = try work(repo, cases: 2)
        let older = try repo.git(["rev-parse", "HEAD"])
        if kind == "reinicio" {
            // The cache is written at a HEAD that a reset then leaves behind, with a step the branch no longer has.
            try repo.step(ids[0], as: "mrodriguez")
            _ = try warm(repo)
            try repo.git(["reset", "-q", "--hard", older])
        } else {
            _ = try warm(repo)
        }
        let text = try String(contentsOfFile: cacheFile(repo), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        func fields(_ id: String) -> [String] {
            lines.last { $0.hasPrefix("R\t") && $0.components(separatedBy: "\t")[12] == id }!.components(separatedBy: "\t")
        }
        switch kind {
        case "basura": lines = ["folio-cache 6", "\u{0}basura"]
        case "truncado": lines = Array(lines.prefix(lines.count - 3))
        case "otro-commit":
            // A step 03 of the case whose commit does not exist.
            var f = fields(ids[0])
            f[1] = String(repeating: "ab", count: 20)
            f[14] = "03"
            lines.insert(f.joined(separator: "\t"), at: lines.firstIndex { $0.hasPrefix("A\t") }!)
        case "otro-expediente":
            // Another case's commit filed as a step 03 of this one.
            var f = fields(ids[1])
            f[12] = ids[0]
            f[14] = "03"
            lines.insert(f.joined(separator: "\t"), at: lines.firstIndex { $0.hasPrefix("A\t") }!)
        default:
            break
        }
        try lines.joined(separator: "\n").write(toFile: cacheFile(repo), atomically: true, encoding: .utf8)
        try expectStepAsCold(repo, ids[0])
        // The hook's range verify reads the touched case's lines too.
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(try book.verify(range: "HEAD~1..HEAD").ok)
    }

    /// The offset table: each case's lines are found by a binary search and read where they lie.
    @Test("the checksum of a file being written, read back a megabyte at a time, is the checksum of its bytes",
          arguments: [0, 1, 7, 8, 9, 1 << 20, (1 << 20) + 3, 3 * (1 << 20) - 5])
    func checksumReadBack(size: Int) throws {
        let folder = Sandbox()
        let path = folder.path + "/cache"
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let writer = try #require(CacheFileWriter(path))
        writer.put(bytes: bytes)
        let expected = bytes.withUnsafeBytes { CacheChecksum.of($0) }
        #expect(writer.checksum() == expected)
        #expect(writer.count == size)
        writer.put("fin")
        #expect(writer.finish())
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes + Array("fin\n".utf8)))
        // A byte changed anywhere changes it.
        if size > 0 {
            var changed = bytes
            changed[size / 2] ^= 1
            #expect(changed.withUnsafeBytes { CacheChecksum.of($0) } != expected)
        }
    }

    /// `cases` cases opened, one more step of the case at `stepping`, the cache written by a
    /// status, and the whole file as read.
    func wholeCache(cases: Int, stepping: Int) throws -> (CaseRepo, [String], HistoryCache) {
        let repo = try CaseRepo()
        let ids = try work(repo, cases: cases)
        try repo.step(ids[stepping], as: "mrodriguez")
        _ = try warm(repo)
        return (repo, ids, try #require(HistoryCache.load(cacheFile(repo))))
    }

    @Test("the records of a few cases read through the offset table are those of the whole file")
    func offsetTableAgreesWithTheWholeFile() throws {
        let (repo, ids, whole) = try wholeCache(cases: 5, stepping: 2)
        for chosen in [[ids[0]], [ids[2], ids[4]], ids, ["COOP-2099-0001"]] {
            let part = try #require(HistoryCache.load(cacheFile(repo), cases: Set(chosen)))
            #expect(part.tip == whole.tip)
            #expect(part.records.map(\.commit) == whole.records.filter { chosen.contains($0.caseID) }.map(\.commit), "\(chosen)")
            #expect(part.records.map(\.step) == whole.records.filter { chosen.contains($0.caseID) }.map(\.step))
            for record in part.records { #expect(part.authorized[record.commit] == whole.authorized[record.commit]) }
        }
    }

    /// Lines read here and there over a mapped cache cost what the kernel maps around each read
    /// (`MappedFile.faultAround`), not their length: the records of a new day's open cases, spread
    /// over the history cache, mapped 108 MB of its 141 MB at 30k cases. Measured on this kernel:
    /// 120 one-byte reads spread over 8 MB, counted as scattered reads, leave at most a window
    /// resident; counted by their length (as before), most of the file.
    @Test("reads spread over a mapped cache are let go as what the kernel maps around each")
    func scatteredReadsLetGo() throws {
        let folder = Sandbox()
        let path = folder.path + "/disperso"
        let size = 8 << 20
        // Written a piece at a time, as the caches are (`CacheFileWriter`, a megabyte at most): a file
        // written in one 8 MB piece sits in the page cache in 2 MB folios on this machine's ext4, and
        // a read maps a whole folio.
        let bytes = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        for start in stride(from: 0, to: size, by: 64 << 10) { try handle.write(contentsOf: bytes[start..<(start + (64 << 10))]) }
        try handle.close()
        /// The mapping's resident size in KB, from `/proc/self/smaps`.
        func resident(_ file: MappedFile) throws -> Int {
            let start = String(UInt(bitPattern: file.bytes.baseAddress), radix: 16)
            // Read to its end by `read(2)`: a file of /proc says it is empty.
            let descriptor = open("/proc/self/smaps", O_RDONLY)
            defer { close(descriptor) }
            var text: [UInt8] = []
            var piece = [UInt8](repeating: 0, count: 1 << 16)
            while case let n = read(descriptor, &piece, piece.count), n > 0 { text += piece[..<n] }
            let smaps = String(decoding: text, as: UTF8.self).components(separatedBy: "\n")
            let at = try #require(smaps.firstIndex { $0.hasPrefix(start + "-") }, "the mapping is listed")
            let rss = try #require(smaps[(at + 1)...].first { $0.hasPrefix("Rss:") })
            return try #require(Int(rss.split(separator: " ", omittingEmptySubsequences: true)[1]))
        }
        func readSpread(_ file: MappedFile, counting: (MappedFile, Int) -> Void) -> Int {
            var sum = 0
            for i in 0..<120 {
                let at = (i * 65_599) % size
                sum &+= Int(file.bytes[at])
                counting(file, at)
            }
            return sum
        }
        let window = 1 << 20
        let scattered = try #require(MappedFile(path, window: window))
        _ = readSpread(scattered) { file, at in file.readScattered(at: [at]) }
        // Let go after every 16 reads: the last 8 are still mapped.
        #expect(scattered.timesLetGo == 120 * MappedFile.faultAround / window)
        let kept = try resident(scattered)
        #expect(kept <= (window + 2 * MappedFile.faultAround) / 1024, "at most a window and what one read maps stay resident")
        let byLength = try #require(MappedFile(path, window: window))
        _ = readSpread(byLength) { file, _ in file.passed(120) }
        let keptByLength = try resident(byLength)
        #expect(keptByLength >= 4 << 10, "the kernel maps around each read: counted by length, most of the file stays")
    }

    /// A step's, a note's and a new day's reading of a few cases (`load(_:cases:)`) and each case read
    /// by the outline count the blocks of `faultAround` bytes their lines fall in: with a window of one
    /// block the pages are let go after every case, with two after every two cases of a small file
    /// (one block; counted by line, each case's lines would fill the window).
    @Test("the records of a few cases read through the table let the mapping's pages go")
    func caseReadsLetGo() throws {
        let (repo, ids, whole) = try wholeCache(cases: 5, stepping: 2)
        let file = try #require(MappedFile(cacheFile(repo), window: MappedFile.faultAround))
        let part = try #require(HistoryCache.load(file, cases: [ids[1], ids[2]]))
        let lines = part.records.count + part.authorized.count
        #expect(part.records.count == whole.records.filter { [ids[1], ids[2]].contains($0.caseID) }.count && lines > part.records.count)
        #expect(file.timesLetGo == 2, "each case read lets the pages go")
        #expect(try FileManager.default.attributesOfItem(atPath: cacheFile(repo))[.size] as? Int ?? .max < MappedFile.faultAround)
        let wider = try #require(MappedFile(cacheFile(repo), window: 2 * MappedFile.faultAround))
        _ = try #require(HistoryCache.load(wider, cases: [ids[1], ids[2]]))
        #expect(wider.timesLetGo == 1, "lines in one block count once")
        let outline = try #require(HistoryCache.Outline(cacheFile(repo), window: MappedFile.faultAround))
        let before = outline.file.timesLetGo
        for index in outline.cases.indices { _ = try #require(outline.records(of: index)) }
        #expect(outline.file.timesLetGo - before == outline.cases.count)
    }

    /// A command that derives every case reads the cache case by case (`HistoryCache.Outline`):
    /// the same cases in the same order, the same records and verdicts as the whole file; after
    /// new commits the cases they touch are read whole and judged; a case whose lines do not check
    /// (a line made another case's, every checksum recomputed) is read from history, and the
    /// status is still the cold one.
    @Test("the cache read case by case gives the whole file's records, and a case whose lines do not check is read from history")
    func readCaseByCase() throws {
        let (repo, ids, whole) = try wholeCache(cases: 4, stepping: 1)
        let outline = try #require(HistoryCache.Outline(cacheFile(repo)))
        #expect(outline.tip == whole.tip && outline.complete)
        #expect(outline.cases.map(\.id) == History(cached: whole).caseIDs)
        for index in outline.cases.indices {
            let read = try #require(outline.records(of: index))
            let id = outline.cases[index].id
            #expect(read.records.map(\.commit) == whole.records.filter { $0.caseID == id }.map(\.commit))
            #expect(read.records.map(\.step) == whole.records.filter { $0.caseID == id }.map(\.step))
            for record in read.records { #expect(read.authorized[record.commit] == whole.authorized[record.commit]) }
        }
        // New commits: a step of a known case, a new case, a forged step with plain git.
        try repo.step(ids[2], as: "mrodriguez")
        _ = try work(repo, cases: 1)
        try repo.git(["commit", "-q", "--allow-empty", "-m", "x\n\nExpediente: \(ids[3])\nProcedimiento: 7\nPaso: 03\nRol: jefe\nSigned-off-by: Ana López <alopez@igss.gob.gt>",
                      "--author", "Ana López <alopez@igss.gob.gt>"])
        #expect(try warm(repo) == (try cold(repo)).0)
        let head = try repo.git(["rev-parse", "HEAD"])
        #expect(try #require(HistoryCache.Outline(cacheFile(repo))).tip.hex == head, "the cache is written again up to HEAD")
        #expect(try Casebook.open(at: repo.path, clock: repo.book.clock).status(of: ids[3]).lastStep == "02")
        /// The status on `days` later through the cache (no case index serves a new file) is the cold one.
        func expectColdLater(_ days: Double, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let later = try Casebook.open(at: repo.path, clock: Clock(now: repo.book.clock.now.addingTimeInterval(86_400 * days)))
            later.usesCache = true
            let cold = try Casebook.open(at: repo.path, clock: later.clock)
            cold.usesCache = false
            #expect(try json(try later.statusOfAll()) == (try json(try cold.statusOfAll())), sourceLocation: sourceLocation)
        }
        let original = try String(contentsOfFile: cacheFile(repo), encoding: .utf8)
        var lines = original.components(separatedBy: "\n")
        let finIndex = try #require(lines.lastIndex { $0.hasPrefix("fin ") })
        let table = try #require(Int(lines[finIndex].split(separator: " ")[1]))
        /// The file with the body's and the table's checksums recomputed.
        func writeResealed() throws {
            let body = Array((lines[..<finIndex].joined(separator: "\n") + "\n").utf8)
            let sums = [body[..<table], body[table...]].map { part in part.withUnsafeBytes { CacheChecksum.hex(CacheChecksum.of($0)) } }
            lines[finIndex] = "fin \(table) \(sums[1]) \(sums[0])"
            try lines.joined(separator: "\n").write(toFile: cacheFile(repo), atomically: true, encoding: .utf8)
        }
        // A record of ids[0] made ids[1]'s (same length), every checksum recomputed: the chain breaks,
        // the file is not read case by case, nor whole.
        let at = try #require(lines.firstIndex { $0.hasPrefix("R\t") && $0.components(separatedBy: "\t")[12] == ids[0] })
        var fields = lines[at].components(separatedBy: "\t").dropLast()
        #expect(ids[0].utf8.count == ids[1].utf8.count)
        fields[12] = ids[1]
        lines[at] = HistoryCache.seal(fields.joined(separator: "\t"))
        try writeResealed()
        #expect(HistoryCache.Outline(cacheFile(repo)) == nil, "the chain breaks before any case is read")
        #expect(HistoryCache.load(cacheFile(repo)) == nil, "a whole reading breaks on the chain")
        try expectColdLater(1)
        // ids[0]'s verdict pointed at ids[1]'s, the table and its checksum recomputed: the file is read
        // case by case, that case's lines do not check, and it is read from history.
        lines = original.components(separatedBy: "\n")
        func entry(_ id: String) throws -> Int { try #require(lines.firstIndex { $0.hasPrefix("X\t\(id)\t") }) }
        let other = lines[try entry(ids[1])].components(separatedBy: "\t")[2].split(separator: ",")[0].split(separator: ":")[1]
        var mine = lines[try entry(ids[0])].components(separatedBy: "\t")[2].split(separator: ",").map(String.init)
        mine[0] = mine[0].split(separator: ":")[0] + ":" + other
        lines[try entry(ids[0])] = HistoryCache.seal("X\t\(ids[0])\t" + mine.joined(separator: ","))
        try writeResealed()
        let damaged = try #require(HistoryCache.Outline(cacheFile(repo)), "the checksums and the chain hold: the file is read case by case")
        let first = try #require(damaged.cases.firstIndex { $0.id == ids[0] })
        #expect(damaged.records(of: first) == nil, "the case's verdict is another commit's")
        try expectColdLater(2)
    }

    /// A cache written on a branch that was then merged (its tip reached only through the merge's
    /// second parent) holds steps the line of first parents leaves out: it does not serve.
    @Test("a cache whose tip only a merge's second parent reaches is not used")
    func mergedBranchCache() throws {
        let repo = try CaseRepo()
        let ids = try work(repo, cases: 2)
        try repo.git(["checkout", "-q", "-b", "lado"])
        try repo.step(ids[0], as: "mrodriguez")
        _ = try warm(repo)
        #expect(try #require(HistoryCache.Outline(cacheFile(repo))).tip.hex == (try repo.git(["rev-parse", "lado"])))
        try repo.git(["checkout", "-q", "main"])
        try repo.git(["merge", "-q", "--no-ff", "lado", "-m", "fusión"])
        #expect(try warm(repo) == (try cold(repo)).0)
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(try book.status(of: ids[0]).lastStep == "02", "the step on the side branch is not on the line of first parents")
    }

    /// A table that names another case's lines, drops a case or points between lines is not
    /// believed: the step reads history and records what a cold replay allows.
    @Test("a damaged or forged offset table makes a step read history", arguments: ["sin-caso", "ajena", "a-medias", "desplazada"])
    func damagedOffsetTable(kind: String) throws {
        let repo = try CaseRepo()
        let ids = try work(repo, cases: 3)
        _ = try warm(repo)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: cacheFile(repo))))
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.components(separatedBy: "\n")
        let finIndex = lines.lastIndex { $0.hasPrefix("fin ") }!
        let table = Int(lines[finIndex].split(separator: " ")[1])!
        func xIndex(_ id: String) -> Int { lines.firstIndex { $0.hasPrefix("X\t\(id)\t") }! }
        /// The file with the table resealed, as a version of folio with a bug would write it.
        func reseal() {
            let body = lines[..<finIndex].joined(separator: "\n") + "\n"
            let start = body.utf8.index(body.utf8.startIndex, offsetBy: table)
            let sum = Array(body.utf8[start...]).withUnsafeBytes { CacheChecksum.hex(CacheChecksum.of($0)) }
            lines[finIndex] = "fin \(table) \(sum)"
        }
        switch kind {
        case "sin-caso":
            lines.remove(at: xIndex(ids[0]))
            bytes = Array((lines.joined(separator: "\n")).utf8)
        case "ajena":
            let other = lines[xIndex(ids[1])].components(separatedBy: "\t")
            lines[xIndex(ids[0])] = HistoryCache.seal("X\t\(ids[0])\t\(other[2])")
            reseal()
            bytes = Array(lines.joined(separator: "\n").utf8)
        case "a-medias":
            let mine = lines[xIndex(ids[0])].components(separatedBy: "\t")
            let shifted = mine[2].split(separator: ",").map { item -> String in
                let parts = item.split(separator: ":")
                return "\(Int(parts[0])! + 1):\(parts[1])"
            }
            lines[xIndex(ids[0])] = HistoryCache.seal("X\t\(ids[0])\t" + shifted.joined(separator: ","))
            reseal()
            bytes = Array(lines.joined(separator: "\n").utf8)
        default:
            // A line added before the table: every offset now points elsewhere.
            let at = text.utf8.index(text.utf8.startIndex, offsetBy: table)
            bytes.insert(contentsOf: Array("F\tbasura\n".utf8), at: text.utf8.distance(from: text.utf8.startIndex, to: at))
        }
        try Data(bytes).write(to: URL(fileURLWithPath: cacheFile(repo)))
        #expect(HistoryCache.load(cacheFile(repo), cases: [ids[0]]) == nil, "\(kind): the table is not believed")
        try expectStepAsCold(repo, ids[0])
    }

    /// Records step 03 of `id` through whatever the cache holds: the step is the one a cold
    /// replay allows, verify finds nothing, and the status through the cache is the cold one.
    func expectStepAsCold(_ repo: CaseRepo, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try repo.step(id, as: "mrodriguez")
        let cold = try Casebook.open(at: repo.path, clock: repo.book.clock)
        cold.usesCache = false
        #expect(try cold.status(of: id).lastStep == "03", sourceLocation: sourceLocation)
        #expect(try cold.verify().ok, sourceLocation: sourceLocation)
        #expect(try warm(repo) == (try self.cold(repo)).0, sourceLocation: sourceLocation)
    }

    /// A cache line edited and sealed again (its own checksum recomputed): a verdict that lets a
    /// forged step count, a case's newest record dropped. The file's checksums catch both on a whole
    /// reading; a step, a note and `status ID` judge their case's commits again whatever the file says.
    @Test("a verdict or a record edited in the cache with its line checksum recomputed never makes a forged step count",
          arguments: ["veredicto", "sin-ultimo"])
    func resealedLines(kind: String) throws {
        let repo = try CaseRepo()
        let ids = try work(repo, cases: 2)
        // A forged step 03 of ids[1] with plain git: Ana is no jefe.
        try repo.git(["commit", "-q", "--allow-empty", "-m", "x\n\nExpediente: \(ids[1])\nProcedimiento: 7\nPaso: 03\nRol: jefe\nSigned-off-by: Ana López <alopez@igss.gob.gt>",
                      "--author", "Ana López <alopez@igss.gob.gt>"])
        let forged = try repo.git(["rev-parse", "HEAD"])
        let expected = try cold(repo).0
        _ = try warm(repo)
        var lines = try String(contentsOfFile: cacheFile(repo), encoding: .utf8).components(separatedBy: "\n")
        switch kind {
        case "veredicto":
            let at = try #require(lines.firstIndex { $0.hasPrefix("A\t\(forged)\t0\t") })
            lines[at] = HistoryCache.seal("A\t\(forged)\t1")
        default:
            // The newest record of ids[0] (its step 02), chain and all, as if it never was.
            let at = try #require(lines.lastIndex { $0.hasPrefix("R\t") && $0.components(separatedBy: "\t")[12] == ids[0] })
            lines.remove(at: at)
        }
        try lines.joined(separator: "\n").write(toFile: cacheFile(repo), atomically: true, encoding: .utf8)
        #expect(HistoryCache.load(cacheFile(repo)) == nil, "the whole file's checksum catches the line")
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(try book.status(of: ids[1]).lastStep == "02", "the forged step 03 does not count")
        #expect(try book.status(of: ids[0]).lastStep == "02")
        #expect(try warm(repo) == expected)
        // The honest step 03 of ids[1] is recorded as a cold replay allows it.
        try repo.step(ids[1], as: "mrodriguez")
        let after = try Casebook.open(at: repo.path, clock: repo.book.clock)
        after.usesCache = false
        #expect(try after.status(of: ids[1]).lastStep == "03")
    }

    /// The hook verifies what a push adds; the cache may be at, behind or ahead of the range.
    @Test("a range verify gives the same report with the cache behind, at or ahead of the range, and with none")
    func rangeVerifyAroundTheCache() throws {
        let repo = try CaseRepo()
        let ids = try work(repo, cases: 2)
        _ = try warm(repo)                                   // the cache behind the range
        try repo.step(ids[0], as: "mrodriguez")
        // A forged step with plain git in the range: every report flags it.
        try repo.git(["commit", "-q", "--allow-empty", "-m", "x\n\nExpediente: \(ids[1])\nProcedimiento: 7\nPaso: 03\nRol: jefe\nSigned-off-by: Ana López <alopez@igss.gob.gt>",
                      "--author", "Ana López <alopez@igss.gob.gt>"])
        try repo.step(ids[1], as: "mrodriguez")
        func report(_ range: String, cache: Bool) throws -> VerifyReport {
            let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
            book.usesCache = cache
            return try book.verify(range: range)
        }
        for range in ["HEAD~3..HEAD", "HEAD~2..HEAD~1", "HEAD~1..HEAD"] {
            let cold = try report(range, cache: false)
            #expect(try report(range, cache: true) == cold, "cache behind: \(range)")
            _ = try warm(repo)                               // the cache at HEAD: ahead of HEAD~2..HEAD~1
            #expect(try report(range, cache: true) == cold, "cache at or ahead: \(range)")
        }
        #expect(try report("HEAD~2..HEAD~1", cache: true).ok == false, "the forged step is in that range")
    }

    @Test("the shared repository's cache is written again when missing, more than the allowed lag behind, or off the branch's line; the range the hook checks reads it and still refuses a forged step")
    func sharedCacheUpkeep() throws {
        let repo = try CaseRepo()
        let ids = try work(repo, cases: 2)
        let tip = { try repo.git(["rev-parse", "HEAD"]) }
        let cacheTip = { HistoryCache.tip(self.cacheFile(repo))?.hex }
        let book = { try Casebook.open(at: repo.path, clock: repo.book.clock) }
        try? FileManager.default.removeItem(atPath: cacheFile(repo))
        #expect(try book().refreshSharedCache(maxLag: 1) != nil)
        #expect(try cacheTip() == tip())
        // One commit behind is within the lag: left as it is (the hook reads that commit itself).
        let written = try tip()
        try repo.step(ids[0], as: "mrodriguez")
        #expect(try book().refreshSharedCache(maxLag: 1) == nil)
        #expect(cacheTip() == written)
        // Two behind: written again, at the tip, and as a cold replay reads the history.
        try repo.step(ids[1], as: "mrodriguez")
        #expect(try book().refreshSharedCache(maxLag: 1) != nil)
        #expect(try cacheTip() == tip())
        #expect(try warm(repo) == (try cold(repo)).0)
        // A history rewritten under it (the cache's tip is no longer on the line): written again.
        try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        _ = try work(repo, cases: 1)
        #expect(try book().refreshSharedCache(maxLag: 100) != nil)
        #expect(try cacheTip() == tip())
        // The hook's range verify, with the cache in place, judges a forged step again.
        let before = try tip()
        try repo.git(["commit", "-q", "--allow-empty", "-m", "x\n\nExpediente: \(ids[1])\nProcedimiento: 7\nPaso: 03\nRol: jefe\nSigned-off-by: Ana López <alopez@igss.gob.gt>",
                      "--author", "Ana López <alopez@igss.gob.gt>"])
        let forged = try tip()
        let report = try book().verify(range: "\(before)..HEAD")
        #expect(!report.ok && report.violations.contains { $0.isError && $0.commit == forged && $0.kind == .role })
    }
}
