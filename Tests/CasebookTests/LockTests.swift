import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("An honest write lock")
struct LockTests {
    static var host: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(cString: buffer)
    }

    /// The PID of a process that has already ended.
    func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    func writeLock(_ repo: CaseRepo, pid: Int32, host: String = LockTests.host, age: TimeInterval) throws {
        try FileManager.default.createDirectory(atPath: repo.path + "/.git/folio", withIntermediateDirectories: true)
        try "\(pid) \(host) \(Int(Date().timeIntervalSince1970 - age))\n".write(toFile: repo.path + "/.git/folio/escritura.lock",
                                                                                 atomically: true, encoding: .utf8)
    }

    @Test("a stale lock of a dead process: status touches nothing; a write removes only what that process left, never a live index.lock or anyone's staged change")
    func staleLock() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez")).caseID
        try repo.write("Borrador de Ana.\n", to: "notas/borrador.md")
        try repo.git(["add", "notas/borrador.md"])
        try writeLock(repo, pid: try deadPID(), age: 120)
        // Someone is running git right now: it holds index.lock open.
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/bin/sh")
        git.arguments = ["-c", "exec 3>>.git/index.lock; sleep 30"]
        git.currentDirectoryURL = URL(fileURLWithPath: repo.path)
        try git.run()
        defer { if git.isRunning { git.terminate() } }
        while !FileManager.default.fileExists(atPath: repo.path + "/.git/index.lock") { usleep(10_000) }
        let indexBefore = try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/index"))

        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(try book.statusOfAll().count == 1)
        #expect(FileManager.default.fileExists(atPath: repo.path + "/.git/index.lock"), "a read never removes index.lock")
        #expect(FileManager.default.fileExists(atPath: repo.path + "/.git/folio/escritura.lock"), "a read leaves the lock to the next writer")
        #expect(try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/index")) == indexBefore)

        // A write recovers the dead process's lock but leaves the index.lock the living git holds.
        book.lockTimeout = 1
        #expect(throws: (any Error).self) { try book.recordStep(StepRequest(caseID: id, step: "02", persona: "mrodriguez")) }
        #expect(FileManager.default.fileExists(atPath: repo.path + "/.git/index.lock"))
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/.git/folio/escritura.lock"))
        #expect(try repo.git(["diff", "--cached", "--name-only"]) == "notas/borrador.md", "the staged change is still staged")
    }

    @Test("a lock of another host, or of a living process, is reported with host, PID and age; a jefe breaks it with unlock")
    func foreignLock() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez")).caseID
        try writeLock(repo, pid: 4242, host: "pc-archivo", age: 600)
        repo.book.lockTimeout = 0.5
        try repo.expectRefusal(["proceso 4242 en pc-archivo", "hace 10 min", "otro equipo", "folio unlock --as JEFE"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Nota")
        }
        try writeLock(repo, pid: getpid(), age: 30)
        try repo.expectRefusal(["proceso \(getpid()) en \(Self.host)", "sigue en marcha"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Nota")
        }
        try writeLock(repo, pid: 4242, host: "pc-archivo", age: 600)
        #expect(throws: CasebookError.self) { try repo.book.unlock(actor: "alopez") }
        #expect(FileManager.default.fileExists(atPath: repo.path + "/.git/folio/escritura.lock"))
        let said = try repo.book.unlock(actor: "mrodriguez")
        #expect(said.joined().contains("mrodriguez quitó el bloqueo de escritura (proceso 4242 en pc-archivo"), "\(said)")
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/.git/folio/escritura.lock"))
        #expect(try repo.book.unlock(actor: "mrodriguez") == ["No hay bloqueo de escritura de folio en este clon."])
    }

    /// staff26: a writer waiting for another's lock said nothing for up to a minute (taken for hung).
    @Test("a writer that waits for a living writer's lock says so once, after a second, naming the holder; a short wait says nothing")
    func waitIsTold() throws {
        final class Heard: @unchecked Sendable {
            private let lock = NSLock()
            private var lines: [String] = []
            func add(_ line: String) { lock.withLock { lines.append(line) } }
            var said: [String] { lock.withLock { lines } }
        }
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez")).caseID
        let heard = Heard()
        repo.book.lockWaitNotice = { heard.add($0) }
        try writeLock(repo, pid: getpid(), age: 5)
        repo.book.lockTimeout = 0.5
        try repo.expectRefusal(["sigue en marcha"]) { _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Nota") }
        #expect(heard.said.isEmpty, "\(heard.said)")
        repo.book.lockTimeout = 1.6
        try repo.expectRefusal(["sigue en marcha"]) { _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Nota") }
        #expect(heard.said.count == 1, "\(heard.said)")
        #expect(heard.said.first.map { $0.contains("otro folio está escribiendo en este clon (proceso \(getpid()) en \(Self.host)") && $0.contains("hasta 1 s") } == true,
                "\(heard.said)")
    }

    /// attack26: a folder in the lock's place made every writer loop at full CPU (never removed as
    /// stale, never timing out), and a link to nowhere made each wait a minute and then send the
    /// user to 'folio unlock', which said there was no lock. Now a writer refuses at once naming
    /// what is there; unlock removes a link or a FIFO (the name, never what it names) and sends a
    /// folder to be removed by hand; nothing outside is touched.
    @Test("a folder, a link or a FIFO in the lock's place: a writer refuses at once naming it; unlock removes the link, not what it names")
    func foreignThingInTheLockPlace() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez")).caseID
        let lock = repo.path + "/.git/folio/escritura.lock"
        let outside = Sandbox()
        let named = outside.path + "/bloqueo"
        try "\(try deadPID()) \(Self.host) \(Int(Date().timeIntervalSince1970) - 600)\n".write(toFile: named, atomically: true, encoding: .utf8)
        repo.book.lockTimeout = 30
        let kinds: [(String, () throws -> Void, [String])] = [
            ("carpeta", { try FileManager.default.createDirectory(atPath: lock, withIntermediateDirectories: false) }, ["una carpeta", "rm -r"]),
            ("enlace", { try FileManager.default.createSymbolicLink(atPath: lock, withDestinationPath: named) }, ["un enlace simbólico a \(named)", "folio unlock"]),
            ("colgante", { try FileManager.default.createSymbolicLink(atPath: lock, withDestinationPath: outside.path + "/nada") }, ["un enlace simbólico", "folio unlock"]),
            ("fifo", { #expect(mkfifo(lock, 0o644) == 0) }, ["un archivo especial", "folio unlock"]),
        ]
        for (kind, make, words) in kinds {
            try make()
            let started = Date()
            try repo.expectRefusal([lock] + words) { _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Nota") }
            #expect(Date().timeIntervalSince(started) < 10, "\(kind): refused at once, not after waiting")
            if kind == "carpeta" {
                #expect(throws: CasebookError.self) { try repo.book.unlock(actor: "mrodriguez") }
                try FileManager.default.removeItem(atPath: lock)
            } else {
                let said = try repo.book.unlock(actor: "mrodriguez").joined()
                #expect(said.contains("quitó") && FolioFolderKind.missing(lock), "\(kind): \(said)")
            }
            #expect(FileManager.default.fileExists(atPath: named), "\(kind): what the link names is left alone")
            #expect(!FileManager.default.fileExists(atPath: outside.path + "/nada"))
        }
        // Then writing works again.
        try repo.write("Nota.\n", to: "cases/2026/\(id)/nota.md")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Nota")
    }

    /// attack26: a writer killed while it wrote a document left its temporary file in
    /// `.git/folio/tmp` for good. The next writer removes those of processes that are gone, and
    /// only those.
    @Test("a dead writer's temporary files are swept by the next writer; a living process's are kept")
    func deadWritersScratchSwept() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez")).caseID
        let scratch = repo.path + "/.git/folio/tmp"
        let dead = "\(try deadPID())-\(UUID().uuidString)", living = "1-\(UUID().uuidString)", other = "ajeno.txt"
        for name in [dead, living, other] { try Data("medio escrito".utf8).write(to: URL(fileURLWithPath: scratch + "/" + name)) }
        try repo.write("Nota.\n", to: "cases/2026/\(id)/nota.md")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Nota")
        #expect(!FileManager.default.fileExists(atPath: scratch + "/" + dead), "the dead writer's file is swept")
        #expect(FileManager.default.fileExists(atPath: scratch + "/" + living), "a living process's file is kept (PID 1)")
        #expect(FileManager.default.fileExists(atPath: scratch + "/" + other), "a file not named by a PID is not folio's to remove")
    }

    @Test("killed after moving the branch and before writing the index: the next write fixes exactly that commit's entries, keeping a staged change")
    func indexOfDeadCommit() throws {
        let repo = try CaseRepo()
        let lockTaken = Date().timeIntervalSince1970
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez")).caseID
        // The index as the dead process left it: the case's files still at their previous version.
        try repo.git(["reset", "-q", "HEAD~1", "--", "cases/2026/\(id)"])
        try repo.write("Borrador.\n", to: "notas/borrador.md")
        try repo.git(["add", "notas/borrador.md"])
        #expect(try repo.git(["diff", "--cached", "--name-only"]).lines.count > 1)
        try writeLock(repo, pid: try deadPID(), age: Date().timeIntervalSince1970 - lockTaken + 1)
        // Any write recovers first (this one is then refused: the staged note is outside the case).
        #expect(throws: (any Error).self) { try repo.book.recordStep(StepRequest(caseID: id, step: "02", persona: "mrodriguez")) }
        #expect(try repo.git(["diff", "--cached", "--name-only"]) == "notas/borrador.md", "only the staged note differs from HEAD")
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/.git/folio/escritura.lock"))
    }
}

/// Whether nothing at all is at a path (not even a link to nowhere).
enum FolioFolderKind {
    static func missing(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) != 0 && errno == ENOENT
    }
}
