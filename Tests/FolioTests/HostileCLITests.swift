import Foundation
import Testing
import TestSupport

@Suite("Hostile content on the command line")
struct HostileCLITests {
    @Test("a title with terminal escapes is printed without them; roles add refuses '<b>' in Spanish; unlock says whose lock it broke")
    func commandLine() throws {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("new", "7", "--title", "Beca", "--as", "mrodriguez").ok)
        let file = cli.repo + "/cases/2026/COOP-2026-0001/expediente.md"
        let text = try String(contentsOfFile: file, encoding: .utf8)
            .replacingOccurrences(of: "titulo: Beca", with: "titulo: \"Beca\\e]0;pwned\\a\\e[2J\"")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try cli.git("commit", "-qam", "Título a mano")
        let status = try cli.folio("status")
        #expect(status.ok, "\(status.err)")
        #expect(status.out.contains("Beca") && !status.out.contains("\u{1B}") && !status.out.contains("\u{7}"))
        let detail = try cli.folio("status", "COOP-2026-0001")
        #expect(detail.ok && !detail.out.contains("\u{1B}"))

        let add = try cli.folio("roles", "add", "intruso", "--name", "<b>Intruso</b>", "--email", "intruso@igss.gob.gt",
                                "--role", "analista", "--as", "mrodriguez")
        #expect(add.status == 1 && add.err.contains("'<' o '>'") && add.err.contains("--name"), "\(add.err)")

        try FileManager.default.createDirectory(atPath: cli.repo + "/.git/folio", withIntermediateDirectories: true)
        try "777 servidor-viejo \(Int(Date().timeIntervalSince1970) - 3600)\n".write(toFile: cli.repo + "/.git/folio/escritura.lock",
                                                                                    atomically: true, encoding: .utf8)
        let unlock = try cli.folio("unlock", "--as", "mrodriguez")
        #expect(unlock.ok && unlock.out.contains("proceso 777 en servidor-viejo") && unlock.out.contains("hace 60 min"), "\(unlock.out)\(unlock.err)")
        #expect(!FileManager.default.fileExists(atPath: cli.repo + "/.git/folio/escritura.lock"))
    }

    /// helper114: readers honoured GIT_DIR (the hooks' quarantine) while writers discovered the
    /// folder's repository, so `GIT_DIR=../a folio status` showed a's cases and a step then wrote
    /// into the folder's. A GIT_DIR naming another repository than the folder's is refused by both.
    @Test("GIT_DIR naming another repository than the folder's is refused (FOLIO-E083) by readers and writers alike, and nothing is written; naming the folder's own, or read from outside any repository, works")
    func gitDirElsewhere() throws {
        let a = CLI(), b = CLI()
        try a.setUp()
        try b.setUp()
        #expect(try a.folio("new", "7", "--title", "Beca de A", "--as", "mrodriguez").ok)
        let run = { (args: [String], dir: String, gitDir: String) in
            try Sandbox.run(CLI.binary, args, in: dir, env: ["FOLIO_DATE": "2026-11-02T09:00:00-06:00", "GIT_DIR": gitDir])
        }
        let before = (try a.git("rev-parse", "HEAD"), try b.git("rev-parse", "HEAD"))
        try "Nota\n".write(toFile: b.repo + "/nota.txt", atomically: true, encoding: .utf8)
        for args in [["status"], ["verify"], ["new", "7", "--title", "Beca", "--as", "mrodriguez"],
                     ["roles", "add", "rgarcia", "--name", "Rodrigo García", "--email", "rgarcia@igss.gob.gt", "--role", "analista", "--as", "mrodriguez"]] {
            let refused = try run(args, b.repo, a.repo + "/.git")
            #expect(refused.status != 0 && refused.err.contains("FOLIO-E083") && refused.err.contains("GIT_DIR") && refused.err.contains("unset GIT_DIR"),
                    "\(args): \(refused.out)\(refused.err)")
        }
        #expect((try a.git("rev-parse", "HEAD"), try b.git("rev-parse", "HEAD")) == before, "nothing recorded in either")
        #expect(!FileManager.default.fileExists(atPath: b.repo + "/.git/folio/escritura.lock"))
        // The folder's own repository named (as inside a hook), relative or through a link: as without it.
        #expect(try run(["new", "7", "--title", "Beca de B", "--as", "mrodriguez"], b.repo, ".git").ok)
        try FileManager.default.createSymbolicLink(atPath: b.box.path + "/enlace", withDestinationPath: b.repo)
        let own = try run(["status"], b.repo, b.box.path + "/enlace/.git")
        #expect(own.ok && own.out.contains("Beca de B") && !own.out.contains("Beca de A"), "\(own.err)")
        // A reader pointed at a repository from a folder in no repository reads that one; a writer
        // there is refused (it records in the folder's repository, and there is none: helper115).
        let outside = try run(["status"], a.box.path, a.repo + "/.git")
        #expect(outside.ok && outside.out.contains("Beca de A"), "\(outside.err)")
        let writer = try run(["new", "7", "--title", "Fuera", "--as", "mrodriguez"], a.box.path, a.repo + "/.git")
        #expect(writer.status != 0 && writer.err.contains("FOLIO-E083") && writer.err.contains("ningún repositorio"), "\(writer.err)")
        // GIT_WORK_TREE beside it (libgit2 reads no GIT_WORK_TREE): the pair naming the folder's repository works,
        // one naming another work tree is refused; a GIT_DIR naming no repository says so (not "no repository here").
        let pair = { (args: [String], tree: String) in
            try Sandbox.run(CLI.binary, args, in: b.repo, env: ["FOLIO_DATE": "2026-11-02T09:00:00-06:00", "GIT_DIR": b.repo + "/.git", "GIT_WORK_TREE": tree])
        }
        let agreed = try pair(["status"], b.repo)
        #expect(agreed.ok && agreed.out.contains("Beca de B"), "\(agreed.err)")
        let otherTree = try pair(["status"], a.repo)
        #expect(otherTree.status != 0 && otherTree.err.contains("FOLIO-E083") && otherTree.err.contains("unset GIT_WORK_TREE"), "\(otherTree.err)")
        // GIT_WORK_TREE alone is checked too, and a separate git directory (a `.git` file) with its own work tree works (helper116).
        let alone = try Sandbox.run(CLI.binary, ["note", "COOP-2026-0001", "-m", "x", "--as", "mrodriguez"], in: b.repo,
                                    env: ["FOLIO_DATE": "2026-11-02T09:00:00-06:00", "GIT_WORK_TREE": a.repo])
        #expect(alone.status != 0 && alone.err.contains("FOLIO-E083") && alone.err.contains("GIT_WORK_TREE"), "\(alone.err)")
        _ = try Sandbox.gitOut(["clone", "-q", "--separate-git-dir=" + b.box.path + "/cgit", b.repo, b.box.path + "/c"], in: b.box.path)
        let separate = try Sandbox.run(CLI.binary, ["status"], in: b.box.path + "/c",
                                       env: ["FOLIO_DATE": "2026-11-02T09:00:00-06:00", "GIT_DIR": b.box.path + "/cgit", "GIT_WORK_TREE": "."])
        #expect(separate.ok && separate.out.contains("Beca de B"), "\(separate.err)")
        let missing = try run(["status"], b.repo, b.box.path + "/no-existe")
        #expect(missing.status != 0 && missing.err.contains("FOLIO-E084") && missing.err.contains("unset GIT_DIR"), "\(missing.err)")
        // A linked worktree: its own git directory is its repository; the main one's is another HEAD.
        _ = try b.git("worktree", "add", "-q", b.box.path + "/rama", "-b", "rama")
        let main = try run(["log", "COOP-2026-0001"], b.box.path + "/rama", b.repo + "/.git")
        #expect(main.status != 0 && main.err.contains("FOLIO-E083"), "\(main.err)")
        #expect(try run(["status"], b.box.path + "/rama", b.repo + "/.git/worktrees/rama").ok)
        #expect((try a.git("rev-parse", "HEAD")) == before.0)
    }

    @Test("a record's text may start with '-' (a list) and Windows line ends become plain ones (staff36)")
    func listTexts() throws {
        let cli = CLI()
        try cli.setUp()
        let new = try cli.folio("new", "7", "--title", "Beca", "--as", "mrodriguez", "-m", "- Solicitud recibida\r\n- Copia a archivo")
        #expect(new.ok, "\(new.err)")
        #expect(try cli.git("log", "-1", "--format=%b").hasPrefix("- Solicitud recibida\n- Copia a archivo\n"))
        let file = cli.repo + "/cases/2026/COOP-2026-0001/expediente.md"
        try (String(contentsOfFile: file, encoding: .utf8) + "\nObservación.\n").write(toFile: file, atomically: true, encoding: .utf8)
        let note = try cli.folio("note", "COOP-2026-0001", "-m", "-1 consulta corregida", "--as", "mrodriguez")
        #expect(note.ok, "\(note.err)")
        #expect(try cli.git("log", "-1", "--format=%s").hasPrefix("COOP-2026-0001: nota, -1 consulta corregida"))
        let lone = try cli.folio("note", "COOP-2026-0001", "-m", "a\rb", "--as", "mrodriguez")
        #expect(lone.status != 0 && lone.err.contains("-m"), "a lone carriage return is still refused: \(lone.err)")
    }

    @Test("the pre-receive hook refuses an alias bomb, a symlinked year and a symlinked anexos/, naming the file and the rule")
    func hookRefusesHostileContent() throws {
        let shared = try SharedRepository()
        let a = try shared.clone("a", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        let run = { (args: [String]) in try Sandbox.run(CLI.binary, args, in: a, env: ["FOLIO_DATE": "2026-11-03T09:00:00-06:00"]) }
        #expect(try run(["new", "7", "--title", "Beca", "--as", "mrodriguez"]).ok)
        #expect(try shared.push(a).ok)
        let published = try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare)
        let file = a + "/cases/2026/COOP-2026-0001/expediente.md"
        let original = try String(contentsOfFile: file, encoding: .utf8)
        let bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
            + (1..<9).map { i in
                let prev = String(UnicodeScalar(UInt8(96 + i))), name = String(UnicodeScalar(UInt8(97 + i)))
                return "\(name): &\(name) [" + Array(repeating: "*\(prev)", count: 9).joined(separator: ",") + "]\n"
            }.joined()
        try original.replacingOccurrences(of: "---\n", with: "---\n" + bomb, options: [], range: original.range(of: "---\n"))
            .write(toFile: file, atomically: true, encoding: .utf8)
        _ = try Sandbox.gitOut(["commit", "-qam", "Encabezado a mano"], in: a)
        let refused = try shared.push(a)
        #expect(!refused.ok && refused.err.contains("[content]") && refused.err.contains("expediente.md") && refused.err.contains("ancla"),
                "\(refused.err)")
        _ = try Sandbox.gitOut(["reset", "-q", "--hard", "origin/main"], in: a)

        let outside = shared.box.path + "/fuera"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: a + "/cases/2027", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: a + "/cases/2026/COOP-2026-0001/anexos", withDestinationPath: outside)
        _ = try Sandbox.gitOut(["add", "-A"], in: a)
        _ = try Sandbox.gitOut(["commit", "-qm", "Enlaces"], in: a)
        let links = try shared.push(a)
        #expect(!links.ok && links.err.contains("cases/2027 es un enlace simbólico") && links.err.contains("anexos es un enlace simbólico"),
                "\(links.err)")
        #expect(try Sandbox.gitOut(["rev-parse", "main"], in: shared.bare) == published, "nothing was published")
    }
}
