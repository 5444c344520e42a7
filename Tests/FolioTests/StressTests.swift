import Foundation
import Testing
import TestSupport

/// Concurrency and crash safety, with the real binary and real processes.
@Suite("Reliability under concurrency and kill -9", .serialized)
struct StressTests {
    /// A repository with one persona holding jefe and asistente (every step of procedure 1).
    func repository() throws -> CLI {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("roles", "add", "direccion", "--name", "Dirección", "--email", "direccion@igss.gob.gt",
                              "--role", "jefe", "--role", "asistente", "--as", "mrodriguez").ok)
        return cli
    }

    @Test("4 processes × 25 steps on different cases at once: 100 commits, none lost, verify clean")
    func concurrentSteps() throws {
        let cli = try repository()
        var ids: [String] = []
        for i in 0..<4 {
            // A plan in force until 2026: one progress report, in January 2027 (norm 5), when the steps run.
            let r = try cli.folio("new", "1", "--title", "Plan \(i)", "--set", "cooperacion_tecnica=OISS", "--set", "vigencia_desde=2024",
                                  "--set", "vigencia_hasta=2026", "--as", "direccion")
            ids.append(r.out.trimmingCharacters(in: .whitespacesAndNewlines))
            try "---\nsubgerencias_consultadas: [Planificación, Financiera]\n---\n".write(
                toFile: cli.repo + "/cases/2026/\(ids[i])/informe-avance-2027.md", atomically: true, encoding: .utf8)
            #expect(try cli.folio("note", ids[i], "-m", "informe", "--as", "direccion").ok)
        }
        let before = Int(try cli.git("rev-list", "--count", "HEAD"))!
        // Each process: 13 steps (02 to 14) and 12 edits recorded as notes, on its own case.
        let processes = try ids.map { id -> Process in
            let script = """
                set -e
                f="\(cli.repo)/cases/2026/\(id)/expediente.md"
                for i in $(seq 1 12); do
                  echo "Nota $i del proceso." >> "$f"; "$FOLIO" note \(id) -m "nota $i" --as direccion >/dev/null
                  "$FOLIO" step \(id) --as direccion >/dev/null
                done
                "$FOLIO" step \(id) --as direccion >/dev/null
                """
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", script]
            p.currentDirectoryURL = URL(fileURLWithPath: cli.repo)
            // In January, when the progress report is presented (P1 norm 5), within 3 months of step 01 (norm 3).
            p.environment = Sandbox.environment(["FOLIO": CLI.binary, "FOLIO_DATE": "2027-01-12T09:00:00-06:00"])
            try p.run()
            return p
        }
        for p in processes { p.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        #expect(Int(try cli.git("rev-list", "--count", "HEAD"))! - before == 100)
        #expect(try cli.folio("verify").ok)
        #expect(try Sandbox.git(["fsck", "--strict"], in: cli.repo).ok)
        #expect(try cli.git("status", "--porcelain") == "", "every edit was committed")
        for id in ids {
            let status = try #require(try cli.json(try cli.folio("status", id, "--json")) as? [String: Any])
            #expect(status["state"] as? String == "closed")
            #expect(try String(contentsOfFile: cli.repo + "/cases/2026/\(id)/expediente.md", encoding: .utf8).contains("Nota 12 del proceso."))
        }
    }

    @Test("200 kill -9 at random moments of folio step: fsck clean, no half step, edits kept, no manual cleanup")
    func killed() throws {
        let cli = try repository()
        let poa = try cli.folio("new", "2", "--title", "POA", "--set", "coordinacion=Presupuesto", "--set", "coordinacion_anteproyecto=Acta 14-2026", "--as", "mrodriguez").out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for who in ["mrodriguez", "direccion", "direccion", "mrodriguez", "mrodriguez", "mrodriguez", "mrodriguez", "mrodriguez"] {
            #expect(try cli.folio("step", poa, "--as", who).ok)
        }
        // The 200 dependencies the trials record are ones the jefe lists for the round.
        let file = cli.repo + "/cases/2026/\(poa)/expediente.md"
        try ("---\ndependencias_esperadas: [\((0..<200).map { "D\($0)" }.joined(separator: ", "))]\n"
             + String(try String(contentsOfFile: file, encoding: .utf8).dropFirst(4))).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try cli.folio("note", poa, "-m", "Se esperan 200 dependencias", "--as", "mrodriguez").ok)
        var generator = SystemRandomNumberGenerator()
        var recorded = 0, interrupted = 0
        for trial in 0..<200 {
            let dependency = "D\(trial)"
            let line = "Revisión \(trial).\n"
            // The dependency's own working document: a dependency's step commits that dependency's files.
            let relative = "cases/2026/\(poa)/dependencias/\(dependency)/notas.md"
            let file = cli.repo + "/" + relative
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(line.utf8).write(to: URL(fileURLWithPath: file))
            let head = try cli.git("rev-parse", "HEAD")
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLI.binary)
            p.arguments = ["step", poa, "10", "--dependency", dependency, "--as", "alopez"]
            p.currentDirectoryURL = URL(fileURLWithPath: cli.repo)
            p.environment = Sandbox.environment(["FOLIO_DATE": "2026-11-04T09:00:00-06:00"])
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32.random(in: 0...60_000, using: &generator))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            // The next folio command that only reads works, whatever the moment of the kill, and
            // touches neither the index nor its lock.
            #expect(try cli.folio("status", poa).ok, "trial \(trial)")
            // git finds nothing wrong.
            let fsck = try Sandbox.git(["fsck", "--strict", "--no-dangling"], in: cli.repo)
            #expect(fsck.ok && fsck.err.isEmpty, "trial \(trial): \(fsck.err)")
            let now = try cli.git("rev-parse", "HEAD")
            let inCommit = try Sandbox.git(["show", "HEAD:\(relative)"], in: cli.repo).out.contains(line)
            if now != head {
                // Wholly recorded: one commit, with its trailers and the edit.
                recorded += 1
                #expect(try cli.git("rev-parse", "HEAD~1") == head)
                #expect(try cli.git("log", "-1", "--format=%(trailers:key=Dependencia,valueonly,separator=)") == dependency)
                #expect(inCommit, "trial \(trial): the step's commit lacks the edit")
                // The next write recovers the dead process's lock and index (here a step the manual refuses).
                #expect(!(try cli.folio("step", poa, "10", "--dependency", dependency, "--as", "alopez")).ok)
            } else {
                // Not recorded at all: the staff's edit is still in the work tree.
                interrupted += 1
                #expect(try String(contentsOfFile: file, encoding: .utf8).contains(line), "trial \(trial): the edit was lost")
                // The next command works without any cleanup, and records it.
                let retry = try cli.folio("step", poa, "10", "--dependency", dependency, "--as", "alopez", date: "2026-11-04T09:00:00-06:00")
                #expect(retry.ok, "trial \(trial): \(retry.err)")
            }
            #expect(try cli.git("status", "--porcelain") == "", "trial \(trial): something was left behind")
        }
        #expect(recorded + interrupted == 200)
        let verify = try cli.folio("verify")
        #expect(verify.ok, "\(verify.out)")
        #expect(!FileManager.default.fileExists(atPath: cli.repo + "/.git/folio/escritura.lock"))
        print("kill -9: \(recorded) pasos completos antes de la señal, \(interrupted) interrumpidos y registrados al reintentar")
    }

    @Test("past a file-size limit (a full disk), attach is refused with a message and leaves nothing half-written")
    func fileSizeLimit() throws {
        let cli = try repository()
        #expect(try cli.folio("new", "7", "--title", "Beca", "--set", "organismo=OISS", "--set", "fortalece_capacidades=true", "--set", "organismo_especializado=true", "--set", "involucra_personal=false", "--as", "mrodriguez").ok)
        let big = cli.box.path + "/grande.pdf"
        try Data(count: 4 << 20).write(to: URL(fileURLWithPath: big))
        let head = try cli.git("rev-parse", "HEAD")
        let limited = try Sandbox.run("/bin/bash", ["-c", "ulimit -f 1024; exec \"$FOLIO\" attach COOP-2026-0001 \(big) --as mrodriguez"],
                                      in: cli.repo, env: ["FOLIO": CLI.binary, "FOLIO_DATE": "2026-11-03T09:00:00-06:00"])
        #expect(limited.status == 1, "refused, not killed (status \(limited.status))")
        #expect(limited.err.hasPrefix("folio: "), "\(limited.err)")
        #expect(try cli.git("rev-parse", "HEAD") == head)
        #expect(try cli.git("status", "--porcelain") == "", "no half-written file in the case")
        #expect(!FileManager.default.fileExists(atPath: cli.repo + "/.git/folio/escritura.lock"))
        #expect(try cli.folio("attach", "COOP-2026-0001", big, "--as", "mrodriguez").ok, "without the limit it works")
        #expect(try Sandbox.git(["fsck", "--strict"], in: cli.repo).ok)
    }

    @Test("on a read-only file system a step is refused with a message, and reading still works")
    func readOnly() throws {
        let box = Sandbox()
        let mountPoint = box.path + "/ro"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard (try? Sandbox.run("/bin/mount", ["-t", "tmpfs", "-o", "size=32m", "none", mountPoint], in: box.path))?.ok == true else {
            return  // mounting needs root in a sandbox that allows it; elsewhere there is nothing to test
        }
        defer { _ = try? Sandbox.run("/bin/umount", [mountPoint], in: box.path) }
        let repo = mountPoint + "/expedientes"
        let env = ["FOLIO_DATE": "2026-11-02T09:00:00-06:00"]
        #expect(try Sandbox.run(CLI.binary, ["init", repo, "--jefe", "María Rodríguez <mrodriguez@igss.gob.gt>"], in: box.path, env: env).ok)
        _ = try Sandbox.gitOut(["config", "user.email", "mrodriguez@igss.gob.gt"], in: repo)
        #expect(try Sandbox.run(CLI.binary, ["new", "7", "--title", "Beca", "--set", "organismo=OISS", "--set", "fortalece_capacidades=true", "--set", "organismo_especializado=true", "--set", "involucra_personal=false"], in: repo, env: env).ok)
        #expect(try Sandbox.run("/bin/mount", ["-o", "remount,ro", mountPoint], in: box.path).ok)
        let refused = try Sandbox.run(CLI.binary, ["step", "COOP-2026-0001"], in: repo, env: env)
        #expect(refused.status == 1 && refused.err.contains("solo lectura"), "\(refused.err)")
        #expect(try Sandbox.run(CLI.binary, ["status", "COOP-2026-0001"], in: repo, env: ["FOLIO_SIN_CACHE": "1"]).ok)
        _ = try Sandbox.run("/bin/mount", ["-o", "remount,rw", mountPoint], in: box.path)
    }
}
