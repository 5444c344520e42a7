import Foundation
import Testing
import TestSupport

/// The read side: commands that only read never change the repository, and read a bare clone.
@Suite("A reader that never writes")
struct ReadSideTests {
    /// A repository with two cases in progress, one of them with a deadline, as the demo lays them.
    func casework(_ cli: CLI) throws -> (String, String) {
        try cli.setUp()
        let pi = try cli.folio("new", "4", "--title", "Ampliación Hospital de Escuintla", "--set", "snip=245789",
                               "--set", "unidad_ejecutora=DIP").out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try cli.folio("step", pi, date: "2026-11-03T10:00:00-06:00").ok)
        #expect(try cli.folio("step", pi, "03", "--as", "alopez", "-m", "Revisado en el SNIP", date: "2026-11-04T10:00:00-06:00").ok)
        let beca = try cli.folio("new", "7", "--title", "Beca de especialización", date: "2026-11-05T09:00:00-06:00")
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!pi.isEmpty && !beca.isEmpty)
        return (pi, beca)
    }

    /// The bytes of every file of the work tree, the index, HEAD, the configuration, every ref and
    /// lock file: what a reading command must leave byte-identical.
    func fingerprint(_ path: String) throws -> [String: Data] {
        var sums: [String: Data] = [:]
        let fm = FileManager.default
        let files = (fm.enumerator(atPath: path)?.allObjects as? [String] ?? []).sorted()
        for file in files {
            // folio's own disposable caches are the only thing a read may write.
            if file.hasPrefix(".git/objects") || (file.hasPrefix(".git/folio/") && file.hasSuffix(".cache")) { continue }
            var isDir: ObjCBool = false
            fm.fileExists(atPath: path + "/" + file, isDirectory: &isDir)
            guard !isDir.boolValue, let data = fm.contents(atPath: path + "/" + file) else { continue }
            if file.hasPrefix(".git/") && !(file == ".git/index" || file == ".git/HEAD" || file == ".git/packed-refs"
                                             || file.hasPrefix(".git/refs/") || file.hasSuffix(".lock") || file == ".git/config") { continue }
            sums[file] = data
        }
        return sums
    }

    /// The reading commands and their arguments.
    func reads(_ pi: String, _ beca: String) -> [[String]] {
        [["status"], ["status", "--json"], ["status", pi], ["status", beca, "--json"], ["log", pi], ["log", pi, "--json"],
         ["verify"], ["verify", "--json"], ["due"], ["due", "--json"], ["due", "--today", "2026-12-20"], ["inbox", "--as", "alopez"],
         ["report", "plazos", "--month", "2026-11"], ["procedures", "--json"], ["roles", "--json"]]
    }

    /// A round's expected dependencies are read from the work tree's expediente.md, as it is being
    /// edited: no cache (the case index, the output copy) may show the file as it was.
    @Test("a round's expected dependencies edited in the work tree show at once in status, whatever was cached before")
    func workTreeRoundIsNeverStale() throws {
        let cli = CLI()
        try cli.setUp()
        let opened = try cli.folio("new", "5", "--month", "2026-11", "--set", "dependencias_esperadas=[DIP, TIC]", "--as", "mrodriguez")
        #expect(opened.ok, "\(opened.err)")
        let id = opened.out.trimmingCharacters(in: .whitespacesAndNewlines)
        // Enough runs for the case index to be current and the output to be worth keeping.
        for words in [["status", "--json"], ["status", id, "--json"]] {
            for _ in 0..<3 { #expect(try cli.folio(words).out.contains("TIC"), "\(words)") }
        }
        // The output copy is kept, with the file it read and that file's stamp.
        let note = try String(contentsOfFile: cli.repo + "/.git/folio/salida.aviso", encoding: .utf8)
        #expect(note.contains("archivos 1\n") && note.contains("\tcases/2026/\(id)/expediente.md\n"), "\(note)")
        let file = cli.repo + "/cases/2026/\(id)/expediente.md"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try text.replacingOccurrences(of: "TIC", with: "HGE").write(toFile: file, atomically: true, encoding: .utf8)
        for words in [["status", "--json"], ["status", id, "--json"]] {
            for _ in 0..<2 {
                let out = try cli.folio(words).out
                #expect(out.contains("HGE") && !out.contains("TIC"), "\(words): \(out.prefix(400))")
            }
        }
    }

    @Test("with a stale lock of a killed folio, an index.lock and a branch lock left behind and an index behind HEAD, status, log, verify, due and inbox change nothing")
    func staleLockUntouched() throws {
        let cli = CLI()
        let (pi, beca) = try casework(cli)
        // What a folio killed half-way leaves: its lock (a dead PID), git's locks, an index behind HEAD.
        _ = try cli.git("reset", "-q", "HEAD~1", "--", "cases/2026/\(beca)")
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        try FileManager.default.createDirectory(atPath: cli.repo + "/.git/folio", withIntermediateDirectories: true)
        try "\(dead.processIdentifier) \(String(cString: host)) \(Int(Date().timeIntervalSince1970) - 60)\n"
            .write(toFile: cli.repo + "/.git/folio/escritura.lock", atomically: true, encoding: .utf8)
        try Data().write(to: URL(fileURLWithPath: cli.repo + "/.git/index.lock"))
        try Data().write(to: URL(fileURLWithPath: cli.repo + "/.git/refs/heads/main.lock"))
        try cli.box.write("Borrador sin registrar.\n", to: "expedientes/cases/2026/\(pi)/borrador.md")

        let before = try fingerprint(cli.repo)
        #expect(before[".git/index"] != nil && before[".git/folio/escritura.lock"] != nil && before[".git/index.lock"] != nil)
        for args in reads(pi, beca) {
            let run = try cli.folio(args)
            #expect(run.out.count > 2, "folio \(args.joined(separator: " ")): \(run.err)")
            #expect(!run.err.contains("bloqueo"), "folio \(args.joined(separator: " ")): \(run.err)")
        }
        let after = try fingerprint(cli.repo)
        for (file, sum) in before where after[file] != sum { Issue.record("a read changed \(file)") }
        for file in after.keys where before[file] == nil { Issue.record("a read created \(file)") }
    }

    @Test("status, log, verify, due, inbox, report plazos and procedures read a bare clone and say what they say in the clone")
    func bareClone() throws {
        let cli = CLI()
        let (pi, beca) = try casework(cli)
        let bare = cli.box.path + "/compartido.git"
        #expect(try Sandbox.git(["clone", "-q", "--bare", cli.repo, bare], in: cli.box.path).ok)
        for args in reads(pi, beca) {
            let clone = try cli.folio(args)
            let shared = try cli.folio(args, in: bare)
            #expect(shared.ok == clone.ok, "folio \(args.joined(separator: " ")) in the bare clone: \(shared.err)")
            #expect(shared.out == clone.out, "folio \(args.joined(separator: " ")): «\(shared.out)» ≠ «\(clone.out)»")
        }
        // Inside the bare repository's folder too (git's own discovery), and a write is refused there.
        #expect(try cli.folio(["status"], in: bare + "/refs").out == (try cli.folio("status")).out)
        let write = try cli.folio("note", pi, "-m", "Nota", in: bare)
        #expect(!write.ok && write.err.contains("sin árbol de trabajo (bare)"), "\(write.err)")
    }
}
