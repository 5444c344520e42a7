import Foundation
import Testing
import TestSupport

/// Runs the built `folio` binary (beside the test bundle) and the git command line.
struct CLI {
    let box = Sandbox()
    var repo: String { box.path + "/expedientes" }

    static let binary: String = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return exe.appendingPathComponent("folio").path
    }()

    @discardableResult
    func folio(_ args: String..., date: String = "2026-11-02T09:00:00-06:00", in dir: String? = nil) throws -> Run {
        try folio(args, date: date, in: dir)
    }

    func folio(_ args: [String], date: String = "2026-11-02T09:00:00-06:00", in dir: String? = nil) throws -> Run {
        try Sandbox.run(Self.binary, args, in: dir ?? repo, env: ["FOLIO_DATE": date])
    }

    func git(_ args: String...) throws -> String { try Sandbox.gitOut(args, in: repo) }

    func json(_ run: Run) throws -> Any { try JSONSerialization.jsonObject(with: Data(run.out.utf8)) }

    /// A set-up repository with three cases of procedure 4 (PI-2026-0001 to 0003) at step 01.
    static func withThreeCases() throws -> CLI {
        let cli = CLI()
        try cli.setUp()
        for (title, snip) in [("A", "245789"), ("B", "245790"), ("C", "245791")] {
            #expect(try cli.folio("new", "4", "--title", title, "--set", "snip=\(snip)", "--set", "unidad_ejecutora=DIP").ok)
        }
        return cli
    }

    /// A repository with a jefe and an analyst; git's user is the jefe.
    func setUp() throws {
        let r = try folio("init", repo, "--jefe", "María Rodríguez <mrodriguez@igss.gob.gt>", in: box.path)
        #expect(r.ok, "\(r.err)")
        _ = try git("config", "user.name", "María Rodríguez")
        _ = try git("config", "user.email", "mrodriguez@igss.gob.gt")
        let add = try folio("roles", "add", "alopez", "--name", "Ana López", "--email", "alopez@igss.gob.gt",
                            "--role", "analista", "--role", "asistente", "--as", "mrodriguez")
        #expect(add.ok, "\(add.err)")
    }
}

@Suite("folio on the command line")
struct CommandLineTests {
    @Test("every example of 'folio criterios --help' runs as written in a new repository whose jefe is mrodriguez (the help had asked to resolve P4's step 06, which has no interpretation)")
    func criteriaHelpExamples() throws {
        let cli = CLI()
        try cli.setUp()
        let help = try cli.folio("criterios", "--help")
        let examples = help.out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("folio criterios") }
        #expect(examples.count == 3, "\(help.out)")
        for example in examples {
            let run = try cli.folio(Array(example.split(separator: " ").dropFirst().map(String.init)))
            #expect(run.ok, "\(example): \(run.out)\(run.err)")
        }
        // The README's example too.
        let readme = try String(contentsOfFile: Sandbox.projectRoot + "/README.md", encoding: .utf8)
        #expect(readme.contains("`folio criterios resolver 4 05 --as JEFE`"))
    }

    @Test("folio reads the configuration files git's environment names, as git does: GIT_CONFIG_GLOBAL=/dev/null leaves the user's ~/.gitconfig out, a GIT_CONFIG_GLOBAL file is read in its place (helper117/118: libgit2 read ~/.gitconfig and its user became the committer)")
    func gitConfigEnvironment() throws {
        let cli = CLI()
        try cli.setUp()
        // The repository's own identity goes: the committer comes from the files git would read.
        _ = try cli.git("config", "--unset", "user.name")
        _ = try cli.git("config", "--unset", "user.email")
        let home = cli.box.path + "/casa"
        try FileManager.default.createDirectory(atPath: home + "/.config/git", withIntermediateDirectories: true)
        try "[user]\n\tname = Intruso\n\temail = intruso@example.org\n".write(toFile: home + "/.gitconfig", atomically: true, encoding: .utf8)
        try "[user]\n\tname = Otro Intruso\n\temail = otro@example.org\n".write(toFile: home + "/.config/git/config", atomically: true, encoding: .utf8)
        func new(_ title: String, _ snip: String, date: String, env: [String: String]) throws -> Run {
            try Sandbox.run(CLI.binary, ["new", "4", "--title", title, "--set", "snip=\(snip)", "--set", "unidad_ejecutora=DIP", "--as", "mrodriguez"],
                            in: cli.repo, env: ["FOLIO_DATE": date, "HOME": home, "XDG_CONFIG_HOME": home + "/.config"].merging(env) { $1 })
        }
        func committer() throws -> String { try cli.git("log", "-1", "--format=%cn <%ce>") }
        // git itself knows nobody in this environment (Sandbox's: GIT_CONFIG_GLOBAL=/dev/null, GIT_CONFIG_NOSYSTEM=1).
        let ident = try Sandbox.git(["var", "GIT_COMMITTER_IDENT"], in: cli.repo,
                                    env: ["HOME": home, "XDG_CONFIG_HOME": home + "/.config", "GIT_COMMITTER_NAME": "", "GIT_COMMITTER_EMAIL": ""])
        #expect(!ident.ok || !ident.out.contains("Intruso"), "\(ident.out)")
        let first = try new("A", "245789", date: "2026-11-03T09:00:00-06:00", env: [:])
        #expect(first.ok, "\(first.err)")
        #expect(try committer() == "María Rodríguez <mrodriguez@igss.gob.gt>", "git knows nobody: the author commits")
        // A file named by GIT_CONFIG_GLOBAL is read in place of ~/.gitconfig.
        let file = cli.box.path + "/config-de-ana"
        try "[user]\n\tname = Ana López\n\temail = alopez@igss.gob.gt\n".write(toFile: file, atomically: true, encoding: .utf8)
        let second = try new("B", "245790", date: "2026-11-04T09:00:00-06:00", env: ["GIT_CONFIG_GLOBAL": file])
        #expect(second.ok, "\(second.err)")
        #expect(try committer() == "Ana López <alopez@igss.gob.gt>")
        // Without GIT_CONFIG_GLOBAL the user's files are read as git reads them: the XDG file, then ~/.gitconfig, whose values win.
        var plain = Sandbox.environment(["FOLIO_DATE": "2026-11-05T09:00:00-06:00", "HOME": home, "XDG_CONFIG_HOME": home + "/.config"])
        plain["GIT_CONFIG_GLOBAL"] = nil
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["new", "4", "--title", "C", "--set", "snip=245791", "--set", "unidad_ejecutora=DIP", "--as", "mrodriguez"]
        process.currentDirectoryURL = URL(fileURLWithPath: cli.repo)
        process.environment = plain
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try committer() == "Intruso <intruso@example.org>", "git reads ~/.gitconfig after the XDG file: its user wins")
        // user.email alone (git takes it, naming the person from the system's account) names the persona.
        _ = try cli.git("config", "user.email", "mrodriguez@igss.gob.gt")
        let alone = try Sandbox.run(CLI.binary, ["new", "4", "--title", "D", "--set", "snip=245792", "--set", "unidad_ejecutora=DIP"],
                                    in: cli.repo, env: ["FOLIO_DATE": "2026-11-06T09:00:00-06:00", "HOME": home])
        #expect(alone.ok, "\(alone.err)")
        #expect(try cli.git("log", "-1", "--format=%an <%ae>|%cn <%ce>") == "María Rodríguez <mrodriguez@igss.gob.gt>|María Rodríguez <mrodriguez@igss.gob.gt>")
    }

    @Test("the status list counts a damaged case as dañado, not as abierto, and still lists the others")
    func damagedCounted() throws {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("new", "4", "--title", "A", "--set", "snip=245789", "--set", "unidad_ejecutora=DIP").ok)
        #expect(try cli.folio("new", "4", "--title", "B", "--set", "snip=245790", "--set", "unidad_ejecutora=DIP").ok)
        let file = cli.repo + "/cases/2026/PI-2026-0002/expediente.md"
        try "---\nid: PI-2026-0002\nprocedimiento: 4\ntitulo: [sin cerrar\n---\n".write(toFile: file, atomically: true, encoding: .utf8)
        _ = try cli.git("commit", "-qam", "Edición a mano")
        let status = try cli.folio("status")
        #expect(status.out.contains("2 expedientes: 1 abierto, 0 en espera, 0 cerrados, 0 devueltos, 1 dañado."), "\(status.out)")
        #expect(status.out.contains("DAÑADO PI-2026-0002"))
        let detail = try cli.folio("status", "PI-2026-0002")
        #expect(detail.out.contains("Estado: dañado (abierto según sus pasos)") && !detail.out.contains("Estado: abierto"), "\(detail.out)")
        // With --json, due and inbox say it on stderr; their stdout stays the JSON of the items.
        for args in [["due", "--json"], ["inbox", "--as", "mrodriguez", "--json"]] {
            let run = try cli.folio(args)
            #expect(run.ok && run.err.contains("1 expediente dañado") && run.err.contains("DAÑADO PI-2026-0002"), "\(args): \(run.err)")
            #expect((try? JSONSerialization.jsonObject(with: Data(run.out.utf8))) is [Any], "\(args): \(run.out)")
        }
    }

    @Test("another build of folio does not take this one's cached output or case index: the caches name the running program by its build id, so the same program copied (cp -p) or hard-linked (as perf record does, which changes the file's change time) keeps them, and a program whose build id differs writes its own")
    func cachesNameTheBuild() throws {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("new", "4", "--title", "A", "--set", "snip=245789", "--set", "unidad_ejecutora=DIP").ok)
        let readelf = try Sandbox.run("/usr/bin/env", ["readelf", "-n", CLI.binary], in: cli.box.path)
        let id = try #require(readelf.out.split(separator: "\n").first { $0.contains("Build ID:") }?.split(separator: " ").last.map(String.init))
        let copy = cli.box.path + "/folio-copia", link = cli.box.path + "/folio-enlace", other = cli.box.path + "/folio-otro"
        #expect(try Sandbox.run("/bin/cp", ["-p", CLI.binary, copy], in: cli.box.path).ok)
        #expect(try Sandbox.run("/bin/ln", [copy, link], in: cli.box.path).ok)
        // Another build: the same program with one byte of its build id changed.
        var program = try Data(contentsOf: URL(fileURLWithPath: CLI.binary))
        let bytes = stride(from: 0, to: id.count, by: 2).map { UInt8(id.dropFirst($0).prefix(2), radix: 16)! }
        let at = try #require(program.range(of: Data(bytes)))
        program[at.upperBound - 1] ^= 0xFF
        try program.write(to: URL(fileURLWithPath: other))
        #expect(chmod(other, 0o755) == 0)
        // The output's key is its first line; the case index's, the line after its header.
        func keys() -> [String] {
            [("salida.cache", 0), ("estado-tabla.cache", 1)].map { name, line in
                let lines = ((try? String(contentsOfFile: cli.repo + "/.git/folio/" + name, encoding: .utf8)) ?? "").split(separator: "\n")
                return lines.count > line ? String(lines[line]) : ""
            }
        }
        let first = try cli.folio("status")
        let mine = keys()
        #expect(first.ok && mine.allSatisfy { !$0.isEmpty }, "\(mine)")
        for program in [CLI.binary, copy, link] {
            let again = try Sandbox.run(program, ["status"], in: cli.repo, env: ["FOLIO_DATE": "2026-11-02T09:00:00-06:00"])
            #expect(again.out == first.out && keys() == mine, "\(program) is the same build: it reuses them")
        }
        let another = try Sandbox.run(other, ["status"], in: cli.repo, env: ["FOLIO_DATE": "2026-11-02T09:00:00-06:00"])
        #expect(another.out == first.out)
        let theirs = keys()
        #expect(zip(mine, theirs).allSatisfy { $0 != $1 }, "another build wrote its own: \(mine) \(theirs)")
    }

    @Test("a repository that belongs to another user of the system (git's dubious ownership) is named as such, with the fix, not as no repository; once trusted (safe.directory) folio opens it")
    func foreignOwner() throws {
        // Only root can give a folder to another user (CI runs as root).
        guard geteuid() == 0 else { return }
        let cli = CLI()
        try cli.setUp()
        #expect(try Sandbox.run("/bin/chown", ["-R", "nobody", cli.repo], in: cli.box.path).ok)
        let home = cli.box.path + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let env = ["FOLIO_DATE": "2026-11-02T09:00:00-06:00", "HOME": home]
        for (args, dir) in [(["status"], cli.repo), (["status"], cli.repo + "/cases"), (["verify"], cli.repo), (["new", "4", "--title", "A"], cli.repo)] {
            let run = try Sandbox.run(CLI.binary, args, in: dir, env: env)
            #expect(!run.ok && run.err.contains("\(cli.repo) es un repositorio de otro usuario del sistema (nobody)")
                    && run.err.contains("safe.directory \(cli.repo)") && run.err.contains("FOLIO-E069"), "\(args): \(run.err)")
        }
        let git = try Sandbox.git(["status"], in: cli.repo, env: ["HOME": home])
        #expect(!git.ok && git.err.contains("dubious ownership"), "git refuses it too: \(git.err)")
        // Elsewhere, still no repository.
        let elsewhere = try Sandbox.run(CLI.binary, ["status"], in: home, env: env)
        #expect(elsewhere.err.contains("no está dentro de un repositorio de expedientes") && elsewhere.err.contains("FOLIO-E001"))
        // The fix the message gives.
        #expect(try Sandbox.git(["config", "--global", "--add", "safe.directory", cli.repo], in: home,
                                env: ["HOME": home, "GIT_CONFIG_GLOBAL": home + "/.gitconfig"]).ok)
        // In the environment git would read that file in (Sandbox's says GIT_CONFIG_GLOBAL=/dev/null).
        let trusted = try Sandbox.run(CLI.binary, ["status"], in: cli.repo, env: env.merging(["GIT_CONFIG_GLOBAL": home + "/.gitconfig"]) { $1 })
        #expect(trusted.ok && trusted.out.contains("No hay expedientes"), "\(trusted.out)\(trusted.err)")
        let ignored = try Sandbox.run(CLI.binary, ["status"], in: cli.repo, env: env)
        #expect(!ignored.ok && ignored.err.contains("FOLIO-E069"), "GIT_CONFIG_GLOBAL=/dev/null: git reads no ~/.gitconfig, nor does folio")
    }

    @Test("the status table goes through a case index of its own: after a new commit, a case damaged by hand and on the next day it says what a cold run says")
    func tableThroughIndex() throws {
        let cli = try CLI.withThreeCases()
        func cold(_ date: String) throws -> String {
            try Sandbox.run(CLI.binary, ["status"], in: cli.repo, env: ["FOLIO_DATE": date, "FOLIO_SIN_CACHE": "1"]).out
        }
        let folder = cli.repo + "/.git/folio/"
        let first = try cli.folio("status")
        let coldFirst = try cold("2026-11-02T09:00:00-06:00")
        #expect(first.ok && first.out == coldFirst)
        #expect(FileManager.default.fileExists(atPath: folder + "estado-tabla.cache"))
        #expect(!FileManager.default.fileExists(atPath: folder + "estado.cache"), "the JSON's index is its own")
        let day = "2026-11-03T10:00:00-06:00"
        #expect(try cli.folio("step", "PI-2026-0002", date: day).ok)
        let stepped = try cli.folio("status", date: day)
        let coldStepped = try cold(day)
        #expect(stepped.out == coldStepped && stepped.out.contains("PI-2026-0002"))
        #expect(stepped.out.contains("3 expedientes: 3 abiertos"), "\(stepped.out)")
        try "---\nid: PI-2026-0003\nprocedimiento: 4\ntitulo: [sin cerrar\n---\n".write(
            toFile: cli.repo + "/cases/2026/PI-2026-0003/expediente.md", atomically: true, encoding: .utf8)
        _ = try cli.git("commit", "-qam", "Edición a mano")
        let damaged = try cli.folio("status", date: day)
        let coldDamaged = try cold(day)
        #expect(damaged.out == coldDamaged && damaged.out.contains("1 dañado") && damaged.out.contains("DAÑADO PI-2026-0003"))
        // The damaged case's line is kept: at another width (no copy of the output serves), nothing is written.
        func written() throws -> [String] {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder + "estado-tabla.cache")
            return ([.size, .systemFileNumber, .modificationDate] as [FileAttributeKey]).map { "\(attributes[$0] ?? "")" }
        }
        let before = try written()
        let narrow = try Sandbox.run(CLI.binary, ["status"], in: cli.repo, env: ["FOLIO_DATE": day, "COLUMNS": "70"])
        #expect(narrow.out.contains("DAÑADO PI-2026-0003"))
        #expect(try written() == before)
        let nextDay = "2026-11-20T10:00:00-06:00"
        #expect(try cli.folio("status", date: nextDay).out == (try cold(nextDay)))
        // The table's index is disposable: garbage in it is read as no index.
        try Data("basura\n".utf8).write(to: URL(fileURLWithPath: folder + "estado-tabla.cache"))
        #expect(try cli.folio("status", date: nextDay).out == (try cold(nextDay)))
    }

    @Test("in a hook's environment (objects in quarantine, named only by GIT_OBJECT_DIRECTORY) the status of all cases, derived on two threads, is what it is once the objects are in place")
    func statusInQuarantine() throws {
        let cli = try CLI.withThreeCases()
        let git = cli.repo + "/.git"
        let quarantine = cli.box.path + "/cuarentena"
        try FileManager.default.createDirectory(atPath: quarantine, withIntermediateDirectories: true)
        // A commit whose objects only the quarantine holds: case 2's title edited with plain git.
        let file = cli.repo + "/cases/2026/PI-2026-0002/expediente.md"
        try (try String(contentsOfFile: file, encoding: .utf8)).replacingOccurrences(of: "titulo: B", with: "titulo: B editado")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let hidden = ["GIT_OBJECT_DIRECTORY": quarantine, "GIT_ALTERNATE_OBJECT_DIRECTORIES": git + "/objects"]
        let commit = try Sandbox.run("/usr/bin/git", ["commit", "-qam", "Edición a mano"], in: cli.repo, env: hidden)
        #expect(commit.ok, "\(commit.err)")
        #expect(try Sandbox.run("/usr/bin/git", ["cat-file", "-e", "HEAD"], in: cli.repo).status != 0, "the commit is in quarantine only")
        let date = "2026-11-03T09:00:00-06:00"
        let hook = try Sandbox.run(CLI.binary, ["status", "--json"], in: cli.repo,
                                   env: hidden.merging(["GIT_DIR": git, "FOLIO_DATE": date, "FOLIO_SIN_CACHE": "1"]) { a, _ in a })
        #expect(hook.ok, "\(hook.err)")
        #expect(!hook.out.contains("\"damage\"") && hook.out.contains("B editado"), "\(hook.out)")
        // The objects in place: the same answer.
        for entry in try FileManager.default.contentsOfDirectory(atPath: quarantine) {
            _ = try Sandbox.run("/bin/cp", ["-r", quarantine + "/" + entry, git + "/objects/"], in: cli.repo)
        }
        let placed = try Sandbox.run(CLI.binary, ["status", "--json"], in: cli.repo, env: ["FOLIO_DATE": date, "FOLIO_SIN_CACHE": "1"])
        #expect(placed.ok && placed.out == hook.out)
    }

    @Test("a FIFO (or any file that is not a regular one) at a cache's path is no cache: status, due, inbox and verify answer as a cold run, they do not wait on it")
    func fifoAtCachePaths() throws {
        let cli = try CLI.withThreeCases()
        let folder = cli.repo + "/.git/folio/"
        let day = "2026-11-03T10:00:00-06:00"
        let commands = [["status"], ["status", "--json"], ["due"], ["inbox", "--as", "mrodriguez"], ["verify"]]
        for args in commands { _ = try cli.folio(args, date: day) }
        let names = ["estado.cache", "estado-tabla.cache", "estado-pendiente.cache", "historial.cache", "salida.cache", "salida.aviso",
                     "firmas.cache", "sellos.cache"]
        for name in names {
            try? FileManager.default.removeItem(atPath: folder + name)
            #expect(mkfifo(folder + name, 0o644) == 0, "\(name)")
        }
        for args in commands {
            // `timeout` ends a run that would wait on a FIFO (exit 124).
            let run = try Sandbox.run("/usr/bin/timeout", ["20", CLI.binary] + args, in: cli.repo, env: ["FOLIO_DATE": day])
            let cold = try Sandbox.run(CLI.binary, args, in: cli.repo, env: ["FOLIO_DATE": day, "FOLIO_SIN_CACHE": "1"])
            #expect(run.status == cold.status && run.out == cold.out, "\(args): \(run.status) \(run.err)")
        }
    }

    @Test("due and inbox go through a case index of their own: after a new commit, a case damaged by hand and on another day they say what a cold run says")
    func pendingThroughIndex() throws {
        let cli = try CLI.withThreeCases()
        // A plan whose next step has a deadline (three months).
        #expect(try cli.folio("new", "1", "--title", "PEI 2027-2031", "--set", "cooperacion_tecnica=OISS").ok)
        func both(_ date: String) throws -> [(Run, Run)] {
            try [["due"], ["due", "--json"], ["inbox", "--as", "mrodriguez"], ["inbox", "--as", "alopez", "--json"]].map { args in
                (try cli.folio(args, date: date),
                 try Sandbox.run(CLI.binary, args, in: cli.repo, env: ["FOLIO_DATE": date, "FOLIO_SIN_CACHE": "1"]))
            }
        }
        func expectSame(_ date: String, _ what: String) throws {
            for (warm, cold) in try both(date) {
                #expect(warm.ok && warm.out == cold.out && warm.err == cold.err, "\(what): \(warm.out)\n---\n\(cold.out)")
            }
        }
        try expectSame("2026-11-02T09:00:00-06:00", "first")
        #expect(FileManager.default.fileExists(atPath: cli.repo + "/.git/folio/estado-pendiente.cache"))
        let day = "2026-11-03T10:00:00-06:00"
        #expect(try cli.folio("step", "PI-2026-0002", date: day).ok)
        try expectSame(day, "after a step")
        #expect(try cli.folio("inbox", "--as", "alopez", date: day).out.contains("PI-2026-0002"))
        try "---\nid: PI-2026-0003\nprocedimiento: 4\ntitulo: [sin cerrar\n---\n".write(
            toFile: cli.repo + "/cases/2026/PI-2026-0003/expediente.md", atomically: true, encoding: .utf8)
        _ = try cli.git("commit", "-qam", "Edición a mano")
        try expectSame(day, "damaged")
        #expect(try cli.folio("due", date: day).err.contains("1 expediente dañado"))
        // The damaged case's summary is kept: another run at the same commit derives and writes nothing.
        let index = cli.repo + "/.git/folio/estado-pendiente.cache"
        let size = try FileManager.default.attributesOfItem(atPath: index)[.size] as? Int
        try expectSame(day, "damaged, again")
        #expect(try FileManager.default.attributesOfItem(atPath: index)[.size] as? Int == size)
        try expectSame("2027-03-01T10:00:00-06:00", "later")
        // The index is disposable: garbage in it is read as no index.
        try Data("basura\n".utf8).write(to: URL(fileURLWithPath: index))
        try expectSame("2027-03-01T10:00:00-06:00", "garbage")
        #expect(try cli.folio("due", date: "2027-03-01T10:00:00-06:00").out.contains("VENCIDO"))
    }

    @Test("init, roles, new, step, status, log and verify, as a new user runs them")
    func walkthrough() throws {
        let cli = CLI()
        try cli.setUp()
        let roles = try cli.json(try cli.folio("roles", "--json")) as? [[String: Any]]
        #expect(roles?.map { $0["id"] as? String } == ["mrodriguez", "alopez"])
        #expect(try cli.folio("roles").out.contains("alopez      Ana López"))

        // `new` prints the ID alone on stdout; without --as, git's user.email names the persona.
        let new = try cli.folio("new", "4", "--title", "Ampliación Hospital de Escuintla", "--set", "snip=245789",
                                "--set", "unidad_ejecutora=División de Infraestructura")
        #expect(new.ok, "\(new.err)")
        #expect(new.out == "PI-2026-0001\n")
        let step = try cli.folio("step", "PI-2026-0001", date: "2026-11-03T10:00:00-06:00")
        #expect(step.ok)
        #expect(step.out.contains("PI-2026-0001 paso 02") && step.out.contains("Siguiente: 03 (analista: alopez)"))
        #expect(try cli.folio("step", "PI-2026-0001", "03", "--as", "alopez@igss.gob.gt", date: "2026-11-03T11:00:00-06:00").ok)

        let status = try #require(try cli.json(try cli.folio("status", "PI-2026-0001", "--json")) as? [String: Any])
        #expect(status["state"] as? String == "open")
        #expect(status["lastStep"] as? String == "03")
        #expect((status["next"] as? [[String: Any]])?.first?["step"] as? String == "04")
        let history = try #require(status["history"] as? [[String: Any]])
        #expect(history.map { $0["step"] as? String } == ["01", "02", "03"])
        #expect(history[1]["date"] as? String == "2026-11-03T10:00:00-06:00")
        #expect(history[2]["author"] as? String == "Ana López")

        let all = try #require(try cli.json(try cli.folio("status", "--json")) as? [[String: Any]])
        #expect(all.map { $0["id"] as? String } == ["PI-2026-0001"])
        let human = try cli.folio("status").out
        #expect(human.contains("PI-2026-0001") && human.contains("abierto") && human.contains("1 expediente:"))

        let log = try #require(try cli.json(try cli.folio("log", "PI-2026-0001", "--json")) as? [[String: Any]])
        #expect(log.count == 3)
        #expect(log.allSatisfy { ($0["commit"] as? String)?.count == 40 })
        #expect(log.map { $0["kind"] as? String } == ["step", "step", "step"])
        #expect(log[2]["role"] as? String == "analista" && log[2]["email"] as? String == "alopez@igss.gob.gt")
        #expect(log[2]["committer"] as? String == "María Rodríguez")
        #expect((log[2]["subject"] as? String)?.hasPrefix("PI-2026-0001 paso 03") == true)
        #expect(try cli.folio("log", "PI-2026-0001").out.contains("Ana López"))

        let verify = try cli.folio("verify")
        #expect(verify.ok && verify.out.contains("Sin infracciones"))
        #expect(try Sandbox.git(["fsck", "--strict"], in: cli.repo).ok)
    }

    @Test("verify exits 1 on a forged step committed with plain git, and names it")
    func verifyFails() throws {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("new", "7", "--title", "Beca OISS").ok)
        let message = "COOP-2026-0001 paso 02\n\nExpediente: COOP-2026-0001\nProcedimiento: 7\nPaso: 02\nRol: analista\nSigned-off-by: Ana López <alopez@igss.gob.gt>\n"
        _ = try Sandbox.gitOut(["commit", "-q", "--allow-empty", "-m", message, "--author", "Ana López <alopez@igss.gob.gt>"], in: cli.repo)
        let sha = try cli.git("rev-parse", "--short=7", "HEAD")
        let r = try cli.folio("verify")
        #expect(r.status == 1)
        #expect(r.out.contains(sha) && r.out.contains("COOP-2026-0001 paso 02") && r.out.contains("[role]"))
        let report = try #require(try cli.json(try cli.folio("verify", "--json")) as? [String: Any])
        #expect(report["ok"] as? Bool == false)
        #expect((report["violations"] as? [[String: Any]])?.first?["rule"] as? String == "role")
    }

    /// staff21: `status ID` said where a case stood but not what it holds; the documents were
    /// only in `indice.md`. Now it lists them from the committed index, with the attach's log line
    /// naming the stored copy.
    @Test("status ID lists the case's documents from its committed index: folio, file, who, step or note, what replaces what; attach's log names the stored -v2")
    func statusListsDocuments() throws {
        let cli = try CLI.withThreeCases()
        #expect(try cli.folio("status", "PI-2026-0001").out.contains("Documentos: ninguno en el índice"))
        for (folder, text) in [("a", "%PDF-1.4 plano\n"), ("b", "%PDF-1.4 plano corregido\n")] {
            try FileManager.default.createDirectory(atPath: cli.box.path + "/" + folder, withIntermediateDirectories: true)
            try text.write(toFile: cli.box.path + "/\(folder)/plano.pdf", atomically: true, encoding: .utf8)
        }
        #expect(try cli.folio("attach", "PI-2026-0001", cli.box.path + "/a/plano.pdf", "--title", "Plano de ubicación", "--as", "mrodriguez").ok)
        let replaced = try cli.folio("attach", "PI-2026-0001", cli.box.path + "/b/plano.pdf", "--replaces", "1", "--as", "mrodriguez")
        #expect(replaced.ok && replaced.out.contains("Incorpora el folio 2 (nueva versión del folio 1): plano-v2.pdf"), "\(replaced.out)")
        #expect(try cli.git("log", "-1", "--format=%s").contains("folio 2 (nueva versión del folio 1): plano-v2.pdf"))
        let shown = try cli.folio("status", "PI-2026-0001").out
        let lines = shown.components(separatedBy: "\n")
        let first = try #require(lines.first { $0.hasPrefix("1 ") }), second = try #require(lines.first { $0.hasPrefix("2 ") })
        #expect(first.contains("anexos/plano.pdf") && first.contains("mrodriguez") && first.contains("—") && first.contains("reemplazado por el 2"), "\(shown)")
        #expect(second.contains("anexos/plano-v2.pdf") && second.contains("reemplaza al 1"), "\(shown)")
        #expect(shown.contains("Plano de ubicación"), "a title other than the file's name is shown under its row")
        // The JSON is unchanged (its fields are the contract).
        let json = try #require(try cli.json(try cli.folio("status", "PI-2026-0001", "--json")) as? [String: Any])
        #expect(json["documents"] == nil)
    }

    @Test("a path that starts with a slash is absolute, also when a combining mark follows the slash (attack20: attach took it as relative)")
    func absoluteWithMark() throws {
        let cli = try CLI.withThreeCases()
        let source = cli.box.path + "/src"
        try FileManager.default.createDirectory(atPath: source + "/\u{301}abs", withIntermediateDirectories: true)
        try "%PDF-1.4\n".write(toFile: source + "/\u{301}abs/doc.pdf", atomically: true, encoding: .utf8)
        let head = try cli.git("rev-parse", "HEAD")
        let run = try cli.folio(["-C", cli.repo, "attach", "PI-2026-0001", "/\u{301}abs/doc.pdf", "--as", "mrodriguez"], in: source)
        #expect(!run.ok && run.err.contains("No se encuentra el archivo a adjuntar '/\u{301}abs/doc.pdf'"), "\(run.err)")
        #expect(try cli.git("rev-parse", "HEAD") == head)
    }

    @Test("a refusal: exit 1, a Spanish message on stderr, nothing committed")
    func refusal() throws {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("new", "4", "--title", "P").ok)
        let head = try cli.git("rev-parse", "HEAD")
        let r = try cli.folio("step", "PI-2026-0001", "--as", "alopez")
        #expect(r.status == 1)
        #expect(r.out.isEmpty)
        #expect(r.err.hasPrefix("folio: Según el manual, el paso 02 lo realiza el rol jefe"))
        #expect(try cli.git("rev-parse", "HEAD") == head)
        _ = try cli.git("config", "user.email", "nadie@igss.gob.gt")
        let nobody = try cli.folio("step", "PI-2026-0001")
        #expect(nobody.status == 1 && nobody.err.contains("--as PERSONA"))
        let usage = try cli.folio("step", "PI-2026-0001", "--bogus")
        #expect(usage.status == 64 && usage.err.contains("Opción desconocida") && !usage.err.contains("Unknown"))
        let unknownHelp = try cli.folio("help", "nada")
        #expect(unknownHelp.status == 64 && unknownHelp.out.isEmpty && unknownHelp.err.contains("Subcomando desconocido 'nada'"), "\(unknownHelp.err)")
        #expect(try cli.folio("help", "status").ok && (try cli.folio("help", "bandeja").out.contains("inbox")))
        #expect(try cli.folio("help", "roles", "add").out.contains("--email"))
        for words in [["help", "roles", "x"], ["help", "roles", "add", "x"], ["x", "--help"]] {
            let r = try cli.folio(words)
            #expect(r.status == 64 && r.out.isEmpty && r.err.contains("Subcomando desconocido 'x'"), "\(words): \(r.err)")
        }
        #expect(try cli.folio("roles", "--help").ok && (try cli.folio("step", "-h").ok))
        let answer = try cli.folio("step", "PI-2026-0001", "--decision", "quizas")
        #expect(answer.status == 64 && answer.err.contains("Use uno de 'si' o 'no'") && !answer.err.contains(" and "), "\(answer.err)")
        let outside = try cli.folio("status", in: cli.box.path)
        #expect(outside.status == 1 && outside.err.contains("folio init"))
        // A FOLIO_DATE that does not exist is refused, not rolled into the next month; nothing is committed.
        #expect(try cli.git("status", "--porcelain").isEmpty)
        _ = try cli.git("config", "user.email", "mrodriguez@igss.gob.gt")
        let impossible = try cli.folio("note", "PI-2026-0001", "-m", "Nota", date: "2026-11-31T12:00:00-06:00")
        #expect(impossible.status != 0 && impossible.err.contains("FOLIO_DATE") && impossible.err.contains("no es una fecha"), "\(impossible.err)")
        // Past 2099 libgit2 would store the commit's time wrapped to 1970.
        for far in ["2106-02-07T06:28:16Z", "2200-01-01", "1969-12-31T23:59:59Z"] {
            let refused = try cli.folio("note", "PI-2026-0001", "-m", "Nota", date: far)
            #expect(refused.status != 0 && refused.err.contains("1970 a 2099"), "\(far): \(refused.err)")
        }
        #expect(try cli.git("rev-parse", "HEAD") == head)
    }

    @Test("procedures --json: the contract's fields for every step")
    func proceduresJSON() throws {
        let cli = CLI()
        try cli.setUp()
        let all = try #require(try cli.json(try cli.folio("procedures", "--json")) as? [[String: Any]])
        #expect(all.map { $0["number"] as? Int } == [1, 2, 3, 4, 5, 6, 7])
        let p4 = try #require(try cli.json(try cli.folio("procedures", "4", "--json")) as? [[String: Any]])
        let steps = try #require(p4.first?["steps"] as? [[String: Any]])
        let s04 = try #require(steps.first { $0["step"] as? String == "04" })
        #expect(s04["role"] as? String == "analista" && s04["roles"] as? [String] == ["analista"])
        #expect(s04["decision"] as? Bool == true && s04["perDependency"] as? Bool == false)
        #expect((s04["activity"] as? String)?.isEmpty == false)
        let branches = try #require(s04["branches"] as? [String: [String: String]])
        #expect(branches["no"]?["next"] == "SALE" && branches["si"]?["next"] == "05")
        let p3 = try #require(try cli.json(try cli.folio("procedures", "PROD", "--json")) as? [[String: Any]])
        let s03 = try #require((p3.first?["steps"] as? [[String: Any]])?.first { $0["step"] as? String == "03" })
        #expect(s03["roles"] as? [String] == ["asistente", "analista"] && s03["perDependency"] as? Bool == true)
        let human = try cli.folio("procedures", "4").out
        #expect(human.contains("Procedimiento 4 (PI)") && human.contains("sale del procedimiento"))
        // Outside a case repository, folio's own definitions are shown.
        #expect(try cli.folio("procedures", "1", in: cli.box.path).out.contains("Procedimiento 1 (PEI)"))
    }

    @Test("procedures --json: each step's declared generators with their files")
    func proceduresGenerates() throws {
        let cli = CLI()
        try cli.setUp()
        let p3 = try #require(try cli.json(try cli.folio("procedures", "3", "--json")) as? [[String: Any]])
        let steps = try #require(p3.first?["steps"] as? [[String: Any]])
        func generates(_ step: String) -> [[String: Any]]? { steps.first { $0["step"] as? String == step }?["generates"] as? [[String: Any]] }
        #expect(generates("06")?.first?["name"] as? String == "informe-consolidado")
        #expect(generates("06")?.first?["files"] as? [String]
            == ["informe/consolidado-AAAA-MM.md", "informe/consolidado-AAAA-MM.csv", "informe/consolidado-AAAA-MM.html"])
        #expect(generates("03")?.first?["files"] as? [String] == ["produccion/CODIGO-revision.md"])
        #expect(generates("01")?.isEmpty == true, "a step that generates nothing has an empty list")
    }

    @Test("due --today --json and inbox --as: what is pending, with the contract's fields")
    func dueAndInbox() throws {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("new", "1", "--title", "PEI 2027-2031", "--set", "cooperacion_tecnica=OISS", date: "2026-11-30T09:00:00-06:00").ok)
        let json = try #require(try cli.json(try cli.folio("due", "--today", "2027-03-01", "--json")) as? [[String: Any]])
        let item = try #require(json.first)
        #expect(item["id"] as? String == "PEI-2026-0001" && item["step"] as? String == "02" && item["role"] as? String == "jefe")
        #expect(item["holders"] as? [String] == ["mrodriguez"])
        #expect(item["dependency"] is NSNull, "absent values are null, not left out")
        #expect(item["due"] as? String == "2027-02-28" && item["overdue"] as? Bool == true)
        #expect((item["norm"] as? String)?.hasPrefix("3. El Departamento de Planificación, tendrá un plazo no mayor de tres meses") == true)
        let early = try cli.folio("due", "--today", "2027-02-20")
        #expect(early.out.contains("en 8 d") && early.out.contains("P1 norma 3"))
        let late = try cli.folio("due", "--today", "2027-03-01")
        #expect(late.out.contains("VENCIDO hace 1 d"))
        #expect(try cli.folio("due", "--as", "alopez").out.contains("No hay plazos pendientes"))
        let inbox = try cli.folio("inbox", "--as", "mrodriguez", "--today", "2027-01-15")
        #expect(inbox.out.contains("Bandeja de María Rodríguez") && inbox.out.contains("PEI-2026-0001"))
        let bad = try cli.folio("due", "--today", "2027-02-30")
        #expect(bad.status == 1 && bad.err.contains("--today"))
        // Days outside the years folio counts are refused, as in FOLIO_DATE (0001-01-01 was shown as "hoy 0000-12-30").
        for day in ["0001-01-01", "1582-10-10", "1969-12-31", "2100-01-01"] {
            let far = try cli.folio("inbox", "--as", "mrodriguez", "--today", day)
            #expect(far.status == 1 && far.err.contains("--today") && far.err.contains("1970 a 2099") && far.out.isEmpty, "\(day): \(far.err)")
        }
        #expect(try cli.folio("due", "--today", "2099-12-31").ok)
        #expect(try cli.folio("status", "PEI-2026-0001").out.contains("vence el 2027-02-28"))
    }

    @Test("folio check as a git pre-commit hook refuses a broken expediente committed with plain git")
    func preCommitHook() throws {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("new", "3", "--month", "2026-11", "--as", "mrodriguez").ok)
        let hook = cli.repo + "/.git/hooks/pre-commit"
        try FileManager.default.copyItem(atPath: Sandbox.projectRoot + "/scripts/hooks/pre-commit", toPath: hook)
        let path = URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")
        #expect(try cli.folio("check").out.contains("los archivos no tienen problemas"))
        let file = cli.repo + "/cases/2026/PROD-2026-11/expediente.md"
        let text = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "mes: 2026-11", with: "mes: noviembre")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try cli.git("add", "-A")
        let commit = try Sandbox.git(["commit", "-m", "edita a mano"], in: cli.repo, env: ["PATH": path])
        #expect(commit.status != 0)
        #expect((commit.out + commit.err).contains("cases/2026/PROD-2026-11/expediente.md: 'mes' ('noviembre') no tiene la forma esperada"))
        let json = try #require(try cli.json(try cli.folio("check", "--json")) as? [String: Any])
        #expect(json["ok"] as? Bool == false && (json["problems"] as? [[String: Any]])?.count == 1)
    }

    @Test("check-production with too few earlier months says so, as the step-03 document does, instead of calling the values usual")
    func checkProductionShortHistory() throws {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("roles", "add", "hge", "--name", "Luis Ajú", "--email", "laju@igss.gob.gt", "--role", "dependencia",
                              "--dependency", "HGE", "--as", "mrodriguez").ok)
        #expect(try cli.folio("new", "3", "--month", "2026-11", "--as", "mrodriguez").ok)
        // A code the department does not know is no review of anything.
        let unknown = try cli.folio("check-production", "PROD-2026-11", "--dependency", "HGX")
        #expect(!unknown.ok && unknown.err.contains("'HGX' no es ninguna dependencia") && unknown.err.contains("HGE") && unknown.err.contains("[FOLIO-E075]"),
                "\(unknown.err)")
        try FileManager.default.createDirectory(atPath: cli.repo + "/cases/2026/PROD-2026-11/produccion", withIntermediateDirectories: true)
        try "programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado\nEMA,Consultas médicas,consulta,1250,1200,0\n"
            .write(toFile: cli.repo + "/cases/2026/PROD-2026-11/produccion/HGE.csv", atomically: true, encoding: .utf8)
        let review = try cli.folio("check-production", "PROD-2026-11", "--dependency", "HGE")
        #expect(review.ok, "\(review.err)")
        #expect(review.out.contains("Historial insuficiente: 0 meses anteriores, y se necesitan 4"), "\(review.out)")
        #expect(review.out.contains("Sin hallazgos en lo que se pudo revisar.") && !review.out.contains("dentro de lo habitual"), "\(review.out)")
    }

    /// Peak resident memory (KB) of one run of folio, measured by a fresh python3 parent.
    func peakMemory(_ cli: CLI, _ args: [String]) throws -> Int {
        let script = "import resource,subprocess,sys; r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL); "
            + "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        let out = try Sandbox.run("/usr/bin/env", ["python3", "-c", script, CLI.binary] + args, in: cli.repo,
                                  env: ["FOLIO_DATE": "2026-11-03T09:00:00-06:00"]).out
        let parts = out.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
        #expect(parts.first == 0, "folio \(args) failed")
        return parts.last ?? -1
    }

    @Test("a 50 MB document is archived streaming: memory stays far below its size", .enabled(if: python3))
    func largeDocument() throws {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("new", "7", "--title", "Beca", "--set", "organismo=OISS", "--set", "fortalece_capacidades=true", "--set", "organismo_especializado=true", "--set", "involucra_personal=false").ok)
        let big = cli.box.path + "/grande.pdf"
        FileManager.default.createFile(atPath: big, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: big))
        var chunk = Data(count: 1 << 20)
        for i in 0..<50 {
            chunk[0] = UInt8(i)
            chunk[chunk.count - 1] = UInt8(255 - i)
            try handle.write(contentsOf: chunk)
        }
        try handle.close()
        let baseline = try peakMemory(cli, ["status"])
        let archiving = try peakMemory(cli, ["attach", "COOP-2026-0001", big, "--as", "mrodriguez"])
        #expect(archiving - baseline < 20 * 1024, "archiving 50 MB took \(archiving) KB against \(baseline) KB for status")
        let verifying = try peakMemory(cli, ["verify"])
        #expect(verifying - baseline < 20 * 1024, "verifying took \(verifying) KB against \(baseline) KB")
        let index = try String(contentsOfFile: cli.repo + "/cases/2026/COOP-2026-0001/indice.md", encoding: .utf8)
        #expect(index.contains("bytes: 52428800"))
    }
}

/// Whether python3 is here, to measure a child process's peak memory.
let python3: Bool = (try? Sandbox.run("/usr/bin/env", ["python3", "-c", "pass"], in: "/"))?.ok ?? false

@Suite("folio hoja-de-ruta and folio excusar on the command line")
struct SlipAndExcuseCommandLineTests {
    @Test("hoja-de-ruta writes nothing when every slip agrees, and rewrites an edited one; excusar refuses a non-jefe")
    func commands() throws {
        let cli = CLI()
        try cli.setUp()
        let id = try cli.folio("new", "7", "--title", "Beca", "--set", "organismo=OISS", "--set", "fortalece_capacidades=true",
                               "--set", "organismo_especializado=true", "--as", "mrodriguez").out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try cli.folio("hoja-de-ruta", "--todas", "--as", "mrodriguez").out.contains("no hay nada que escribir"))
        let usage = try cli.folio("hoja-de-ruta", "--as", "mrodriguez")
        #expect(!usage.ok && usage.err.contains("--todas"))
        let slip = cli.repo + "/cases/2026/\(id)/hoja-de-ruta.md"
        try (try String(contentsOfFile: slip, encoding: .utf8) + "| 2 | 02 | inventado |\n").write(toFile: slip, atomically: true, encoding: .utf8)
        // A registered person's plain-git edit, dated like the steps (history does not go back in time).
        _ = try Sandbox.gitOut(["commit", "-qam", "edita la hoja", "--author", "María Rodríguez <mrodriguez@igss.gob.gt>"], in: cli.repo,
                               env: ["GIT_AUTHOR_DATE": "2026-11-02T09:00:00-06:00", "GIT_COMMITTER_DATE": "2026-11-02T09:00:00-06:00"])
        let verify = try cli.folio("verify")
        #expect(verify.status == 1 && verify.out.contains("folio hoja-de-ruta \(id) --as JEFE"), "\(verify.out)")
        let fix = try cli.folio("hoja-de-ruta", id, "--as", "mrodriguez")
        #expect(fix.ok && fix.out.contains("1 hojas de ruta escritas"), "\(fix.err)")
        #expect(try cli.folio("verify").ok)
        #expect(try cli.git("log", "--format=%H", "--", "cases/2026/\(id)").split(separator: "\n").count == 3)
        let refused = try cli.folio("excusar", id, "HGE", "-m", "motivo", "--as", "alopez")
        #expect(refused.status == 1 && refused.err.contains("Solo el jefe"))
    }

    @Test("folio excusar says the round no longer waits, and that the case stays open until its own steps (staff16w: 'se cierra sin' read as the month closing)")
    func excuseSaysWhatIsLeft() throws {
        let cli = CLI()
        try cli.setUp()
        let id = try cli.folio("new", "5", "--month", "2026-11", "--set", "dependencias_esperadas=[DIP, TIC]", "--as", "mrodriguez")
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let excused = try cli.folio("excusar", id, "TIC", "-m", "Sin proyectos en ejecución", "--as", "mrodriguez")
        #expect(excused.ok && excused.out.contains("La ronda ya no espera a TIC; el expediente sigue abierto"), "\(excused.out)\(excused.err)")
    }

    @Test("with GIT_INDEX_FILE naming another index, every writer refuses (FOLIO-E073) and leaves HEAD, both indexes and the files as they were; readers answer; the repository's own index so named, or the variable unset, records the change")
    func foreignIndexFile() throws {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("new", "4", "--title", "A", "--set", "snip=245789", "--set", "unidad_ejecutora=DIP").ok)
        let id = "PI-2026-0001", file = "cases/2026/PI-2026-0001/expediente.md"
        // A change staged in another index, as a script working with GIT_INDEX_FILE leaves it.
        let other = cli.box.path + "/otro-indice"
        try FileManager.default.copyItem(atPath: cli.repo + "/.git/index", toPath: other)
        let text = try String(contentsOfFile: cli.repo + "/" + file, encoding: .utf8)
        try (text + "Cambio preparado en otro índice.\n").write(toFile: cli.repo + "/" + file, atomically: true, encoding: .utf8)
        #expect(try Sandbox.git(["add", file], in: cli.repo, env: ["GIT_INDEX_FILE": other]).ok)
        try cli.box.write("%PDF-1.4\n", to: "entrada/plano.pdf")
        func state() throws -> [String] {
            let locks = (FileManager.default.enumerator(atPath: cli.repo + "/.git")?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".lock") }
            return [try cli.git("rev-parse", "HEAD"), try cli.git("ls-files", "-s"), try cli.git("status", "--porcelain"),
                    try Sandbox.gitOut(["ls-files", "-s"], in: cli.repo, env: ["GIT_INDEX_FILE": other]), locks.joined(separator: ",")]
        }
        let before = try state()
        let env = ["FOLIO_DATE": "2026-11-03T09:00:00-06:00", "GIT_INDEX_FILE": other]
        for args in [["note", id, "-m", "Nota"], ["step", id, "02", "--as", "mrodriguez"], ["attach", id, cli.box.path + "/entrada/plano.pdf"],
                     ["roles", "add", "jperez", "--name", "Jorge Pérez", "--email", "jperez@igss.gob.gt", "--role", "asistente", "--as", "mrodriguez"],
                     ["new", "4", "--title", "B", "--set", "snip=245790", "--set", "unidad_ejecutora=DIP"]] {
            let run = try Sandbox.run(CLI.binary, args, in: cli.repo, env: env)
            #expect(!run.ok && run.err.contains("GIT_INDEX_FILE=\(other)") && run.err.contains("'unset GIT_INDEX_FILE'")
                    && run.err.contains("No se registra nada") && run.err.contains("[FOLIO-E073]"), "\(args): \(run.err)")
        }
        #expect(try state() == before)
        for args in [["status"], ["log", id], ["verify"]] {
            let run = try Sandbox.run(CLI.binary, args, in: cli.repo, env: env)
            #expect(run.ok && !run.err.contains("GIT_INDEX_FILE"), "\(args): \(run.err)")
        }
        // The repository's own index by another name is no other index: relative (git reads it from the top) or absolute.
        for (n, own) in [".git/index", cli.repo + "/.git/index"].enumerated() {
            try (text + "Nota \(n).\n").write(toFile: cli.repo + "/" + file, atomically: true, encoding: .utf8)
            let run = try Sandbox.run(CLI.binary, ["note", id, "-m", "Nota \(n)"], in: cli.repo + "/cases",
                                      env: ["FOLIO_DATE": "2026-11-0\(4 + n)T09:00:00-06:00", "GIT_INDEX_FILE": own])
            #expect(run.ok, "\(own): \(run.err)")
        }
        #expect(try cli.git("status", "--porcelain").isEmpty)
    }
}

/// attack36: committed text printed as it was: a step's -m text erased and wrote rows of
/// `folio log`, a title written with YAML escapes showed a forged line in `inbox` and `status ID`.
@Suite("Committed text on the terminal")
struct HostileTerminalTextTests {
    static let controls: [Character] = ["\u{1B}", "\r", "\u{7}", "\u{202E}", "\u{9B}"]

    func clean(_ text: String) -> Bool { !text.contains { Self.controls.contains($0) } }

    /// A set-up repository with one case of procedure 4, PI-2026-0001.
    func oneCase() throws -> CLI {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("new", "4", "--title", "A", "--set", "snip=245789", "--set", "unidad_ejecutora=DIP").ok)
        return cli
    }

    @Test("a step's text with escape sequences, carriage returns and bidirectional marks prints without them in log, status and verify; verify refuses it, so status and log leave it out")
    func stepText() throws {
        let cli = try oneCase()
        let evil = "Revisado.\r\u{1B}[2K\u{1B}[1A\nAPROBADO por la jefatura\u{1B}[8m\u{202E}\u{7}"
        // folio refuses such a text (attack37: it reached the routing slip and the dashboard)...
        let refused = try cli.folio("step", "PI-2026-0001", "--as", "mrodriguez", "-m", evil)
        #expect(!refused.ok && refused.err.contains("caracteres de control"), "\(refused.err)")
        // ...and prints one that plain git put in a step's message without its escapes.
        #expect(try cli.folio("step", "PI-2026-0001", "--as", "mrodriguez", "-m", "Revisado.").ok)
        let message = try cli.git("log", "-1", "--format=%B").replacingOccurrences(of: "Revisado.", with: evil)
        try message.write(toFile: cli.box.path + "/mensaje", atomically: true, encoding: .utf8)
        _ = try cli.git("commit", "-q", "--amend", "--cleanup=verbatim", "-F", cli.box.path + "/mensaje")
        for args in [["log", "PI-2026-0001"], ["status", "PI-2026-0001"], ["status"], ["verify"], ["log", "PI-2026-0001"]] {
            let run = try cli.folio(args)
            #expect(clean(run.out) && clean(run.err), "\(args): \(run.out.debugDescription)")
            #expect(!run.out.split(separator: "\n").contains { $0.hasPrefix("APROBADO") }, "\(args): the text adds no line of its own")
        }
        // Written by hand, such a text is an error (helper137: it redrew the routing slip's rows in
        // a terminal): the hook refuses it, and the step counts for nothing.
        let verify = try cli.folio("verify")
        #expect(!verify.ok && verify.out.contains("[trailers]") && verify.out.contains("caracteres de control"), "\(verify.out)")
        let json = try cli.folio("log", "PI-2026-0001", "--json")
        let texts = (try cli.json(json) as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
        #expect(!texts.contains(evil), "the step is left out: \(texts)")
    }

    @Test("a file committed with plain git whose name holds line breaks and escapes prints as one line in verify and check (it wrote a '0 infracciones' line of its own)")
    func newlineInName() throws {
        let cli = try oneCase()
        let name = "cases/2026/PI-2026-0001/anexos/x.pdf está bien.\nSin infracciones.\n\u{1B}[32macta"
        try FileManager.default.createDirectory(atPath: cli.repo + "/cases/2026/PI-2026-0001/anexos", withIntermediateDirectories: true)
        try "%PDF-1.4\n".write(toFile: cli.repo + "/" + name, atomically: true, encoding: .utf8)
        let check = try cli.folio("check")
        #expect(clean(check.out) && !check.out.split(separator: "\n").contains("Sin infracciones."), "\(check.out)")
        // A note does not adopt it into the index (attack37), as attach refuses such a name.
        let note = try cli.folio("note", "PI-2026-0001", "-m", "Anexo", "--as", "mrodriguez")
        #expect(!note.ok && note.err.contains("su nombre no se puede archivar") && clean(note.err), "\(note.err)")
        _ = try cli.git("add", "-A")
        _ = try cli.git("commit", "-qm", "anexo")
        let verify = try cli.folio("verify")
        #expect(verify.out.contains("x.pdf") && clean(verify.out), "\(verify.out)")
        // An error (attack37: a warning only, and the push was taken): the name prints as another.
        #expect(!verify.ok && verify.out.contains("tiene en su nombre caracteres de control") && verify.out.contains("[content]"), "\(verify.out)")
        #expect(!verify.out.split(separator: "\n").contains { $0.hasPrefix("Sin infracciones.") }, "\(verify.out)")
    }

    @Test("a title written with YAML escapes (escape, line break, bidirectional override) is refused by check and note, named by verify, and printed on one line without them")
    func escapedTitle() throws {
        let cli = try oneCase()
        let file = cli.repo + "/cases/2026/PI-2026-0001/expediente.md"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let forged = text.replacingOccurrences(of: "titulo: A", with: #"titulo: "Hospital\e[2K\r\nEstado: cerrado\n\u202eodalecnaC""#)
        #expect(forged != text)
        try forged.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try cli.folio("check", "PI-2026-0001")
        #expect(!check.ok && check.out.contains("el campo 'titulo' tiene caracteres de control") && clean(check.out), "\(check.out)")
        let note = try cli.folio("note", "PI-2026-0001", "-m", "Título", "--as", "mrodriguez")
        #expect(!note.ok && note.err.contains("el campo 'titulo'"), "\(note.err)")
        // Committed with plain git: verify names it (an error: the hook refuses it), and what prints stays one line.
        _ = try cli.git("commit", "-qam", "titulo")
        let verify = try cli.folio("verify")
        #expect(!verify.ok && verify.out.contains("el campo 'titulo' tiene caracteres de control") && verify.out.contains("[content]"), "\(verify.out)")
        for args in [["status", "PI-2026-0001"], ["inbox", "--as", "mrodriguez"], ["status"], ["due"]] {
            let run = try cli.folio(args)
            #expect(clean(run.out) && !run.out.split(separator: "\n").contains { $0.hasPrefix("Estado: cerrado") }, "\(args): \(run.out)")
        }
    }
}
