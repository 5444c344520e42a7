import Foundation
import Testing
import TestSupport

/// A shared repository where every person has a registered key and `firma: obligatoria`, with a
/// P7 case at step 03; attackers work in their own clones with plain git and push to it.
struct Fortress {
    let shared: SharedRepository
    let admin: String
    var keys: [String: (path: String, publicKey: String)] = [:]
    static let when = "2026-11-03T09:00:00-06:00"
    static let later = ["GIT_AUTHOR_DATE": "2026-11-04T09:00:00-06:00", "GIT_COMMITTER_DATE": "2026-11-04T09:00:00-06:00"]
    static let names = ["mrodriguez": "María Rodríguez", "alopez": "Ana López", "jperez": "Jorge Pérez"]

    init() throws {
        shared = try SharedRepository()
        admin = try shared.clone("admin", user: "María Rodríguez", email: "mrodriguez@igss.gob.gt")
        for id in ["mrodriguez", "alopez", "jperez"] { keys[id] = try shared.box.sshKey(id) }
        try expectOK(folio(admin, "roles", "key", "mrodriguez", keys["mrodriguez"]!.publicKey, "--as", "mrodriguez"))
        _ = try Sandbox.gitOut(["config", "user.signingKey", keys["mrodriguez"]!.path], in: admin)
        _ = try Sandbox.gitOut(["config", "gpg.format", "ssh"], in: admin)
        for id in ["alopez", "jperez"] { try expectOK(folio(admin, "roles", "key", id, keys[id]!.publicKey, "--as", "mrodriguez")) }
        // The server stamps what it receives with its own key, registered by the jefe in folio.yaml.
        let server = try shared.box.sshKey("servidor")
        _ = try Sandbox.gitOut(["config", "folio.clave-servidor", server.path], in: shared.bare)
        try FileManager.default.copyItem(atPath: Sandbox.projectRoot + "/scripts/hooks/post-receive", toPath: shared.bare + "/hooks/post-receive")
        let settings = try String(contentsOfFile: admin + "/folio.yaml", encoding: .utf8)
            .replacingOccurrences(of: "firma: opcional", with: "firma: obligatoria") + "clave_servidor: \"\(server.publicKey)\"\n"
        try settings.write(toFile: admin + "/folio.yaml", atomically: true, encoding: .utf8)
        _ = try Sandbox.gitOut(["commit", "-q", "-S", "-am", "Exige firma y registra la clave del servidor", "--author", "María Rodríguez <mrodriguez@igss.gob.gt>"],
                               in: admin, env: ["GIT_AUTHOR_DATE": Self.when, "GIT_COMMITTER_DATE": Self.when])
        try expectOK(folio(admin, "new", "7", "--title", "Beca", "--set", "organismo=OISS", "--set", "fortalece_capacidades=true", "--set", "organismo_especializado=true", "--set", "involucra_personal=false"))
        for s in ["02", "03"] { try expectOK(folio(admin, "step", "COOP-2026-0001", s)) }
        // Published through the hooks, as over ssh: every commit from the key's registration on is stamped.
        try expectOK(push(admin, date: Self.when))
        _ = try Sandbox.gitOut(["fetch", "-q", "origin", "+refs/notes/folio-recepcion:refs/notes/folio-recepcion"], in: admin)
        _ = try Sandbox.gitOut(["branch", "-q", "--set-upstream-to=origin/main"], in: admin)
        try expectOK(folio(admin, "verify"))
    }

    func folio(_ dir: String, _ args: String..., date: String = Fortress.when) throws -> Run {
        try folio(dir, args, date: date)
    }

    func folio(_ dir: String, _ args: [String], date: String = Fortress.when) throws -> Run {
        try Sandbox.run(CLI.binary, args, in: dir, env: ["FOLIO_DATE": date])
    }

    /// A plain `git push` to the shared repository, whose hooks run with the clock at `date`.
    func push(_ dir: String, date: String) throws -> Run {
        try Sandbox.git(["push", "origin", "HEAD:main"], in: dir, env: SharedRepository.hookEnv.merging(["FOLIO_DATE": date]) { $1 })
    }

    func expectOK(_ run: Run, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(run.ok, "\(run.out)\(run.err)", sourceLocation: sourceLocation)
    }

    /// A fresh clone as `id`, signing with `key` (their own by default).
    func clone(as id: String, key: String? = nil) throws -> String {
        let dir = try shared.clone("\(id)-\(UUID().uuidString.prefix(6))", user: Self.names[id]!, email: "\(id)@igss.gob.gt")
        _ = try Sandbox.gitOut(["config", "user.signingKey", key ?? keys[id]!.path], in: dir)
        _ = try Sandbox.gitOut(["config", "gpg.format", "ssh"], in: dir)
        return dir
    }

    /// A plain-git commit of everything staged (or empty); returns its id.
    @discardableResult
    func commit(_ dir: String, _ message: String, author: String, sign: Bool = true, env: [String: String] = Fortress.later,
                extra: [String] = []) throws -> String {
        _ = try Sandbox.gitOut(["add", "-A"], in: dir)
        let name = Self.names[author] ?? author
        _ = try Sandbox.gitOut(["commit", "-q", "--allow-empty"] + (sign ? ["-S"] : []) + extra + ["-m", message, "--author", "\(name) <\(author)@igss.gob.gt>"],
                               in: dir, env: env)
        return try Sandbox.gitOut(["rev-parse", "HEAD"], in: dir)
    }

    func edit(_ dir: String, _ file: String, _ change: (String) -> String) throws {
        let path = dir + "/" + file
        try change(try String(contentsOfFile: path, encoding: .utf8)).write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// `verify` in the attacker's clone and the hook on a real push both refuse, naming `commit` and
    /// each of `rules`; the shared branch does not move.
    func expectRefused(_ dir: String, commit: String, rules: [String], refspec: String = "HEAD:main", pushArgs: [String] = [],
                       verifies: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let short = String(commit.prefix(7))
        if verifies {
            let verify = try folio(dir, "verify", "--json")
            #expect(verify.status == 1, "verify aceptó \(short)", sourceLocation: sourceLocation)
            let found = try JSONSerialization.jsonObject(with: Data(verify.out.utf8)) as? [String: Any]
            let violations = (found?["violations"] as? [[String: Any]]) ?? []
            for rule in rules {
                #expect(violations.contains { $0["commit"] as? String == commit && $0["rule"] as? String == rule && $0["severity"] as? String == "error" },
                        "verify no señala \(short) [\(rule)]: \(verify.out)", sourceLocation: sourceLocation)
            }
        }
        let before = try Sandbox.gitOut(["for-each-ref", "--format=%(refname) %(objectname)"], in: shared.bare)
        let push = try Sandbox.git(["push"] + pushArgs + ["origin", refspec], in: dir, env: SharedRepository.hookEnv)
        #expect(!push.ok, "el push de \(short) se aceptó", sourceLocation: sourceLocation)
        #expect(push.err.contains(short) || !verifies, "el gancho no nombra \(short): \(push.err)", sourceLocation: sourceLocation)
        for rule in rules {
            #expect(push.err.contains("[\(rule)]"), "el gancho no nombra [\(rule)]: \(push.err)", sourceLocation: sourceLocation)
        }
        let after = try Sandbox.gitOut(["for-each-ref", "--format=%(refname) %(objectname)"], in: shared.bare)
        #expect(before == after, "algo cambió en el repositorio compartido", sourceLocation: sourceLocation)
    }

    static let note = "Expediente: COOP-2026-0001\nProcedimiento: 7\nRol: analista\nSigned-off-by: Ana López <alopez@igss.gob.gt>"
    static let step04 = "COOP-2026-0001 paso 04\n\nExpediente: COOP-2026-0001\nProcedimiento: 7\nPaso: 04\nRol: asistente\nSigned-off-by: Jorge Pérez <jperez@igss.gob.gt>"
}

@Suite("Attacks by someone who can push: refused by verify and by the hook, nothing lands")
struct AttackTests {
    @Test("roles.yaml forged: jefe's e-mail without signature, by the analyst herself, a key swapped, jefe demoted while granting jefe")
    func rosterForgeries() throws {
        let f = try Fortress()
        // Ana adds jefe to her roles in a plain commit with the jefe's e-mail, unsigned, no Rol trailer.
        var ana = try f.clone(as: "alopez")
        try f.edit(ana, "roles.yaml") { $0.replacingOccurrences(of: "roles: [analista]", with: "roles: [analista, jefe]") }
        var forged = try f.commit(ana, "ajuste", author: "mrodriguez", sign: false)
        try f.expectRefused(ana, commit: forged, rules: ["signature"])
        // The same, signed by Ana as herself: not a jefe in the parent's roster.
        ana = try f.clone(as: "alopez")
        try f.edit(ana, "roles.yaml") { $0.replacingOccurrences(of: "roles: [analista]", with: "roles: [analista, jefe]") }
        forged = try f.commit(ana, "me hago jefe", author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["roles-file"])
        // The jefe's key replaced by Ana's, in the jefe's name, signed with Ana's key.
        ana = try f.clone(as: "alopez")
        try f.edit(ana, "roles.yaml") { $0.replacingOccurrences(of: f.keys["mrodriguez"]!.publicKey.split(separator: " ")[1],
                                                                with: f.keys["alopez"]!.publicKey.split(separator: " ")[1]) }
        forged = try f.commit(ana, "Roles: registra la clave SSH de María Rodríguez\n\nRol: jefe", author: "mrodriguez")
        try f.expectRefused(ana, commit: forged, rules: ["signature"])
        // One commit demotes the jefe and makes Ana jefe: judged by the roster before it.
        ana = try f.clone(as: "alopez")
        try f.edit(ana, "roles.yaml") { text in
            text.replacingOccurrences(of: "roles: [jefe]", with: "roles: [analista]")
                .replacingOccurrences(of: "roles: [analista]\n    clave_ssh: \"\(f.keys["alopez"]!.publicKey.split(separator: " ").prefix(2).joined(separator: " "))",
                                      with: "roles: [jefe]\n    clave_ssh: \"\(f.keys["alopez"]!.publicKey.split(separator: " ").prefix(2).joined(separator: " "))")
        }
        forged = try f.commit(ana, "Cambio de jefatura", author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["roles-file"])
    }

    @Test("guarded files: folio.yaml turned off, schemas deleted, roles.yaml renamed, a stray file added in cases/ or a year folder, by a non-jefe")
    func guardedFiles() throws {
        let f = try Fortress()
        var ana = try f.clone(as: "alopez")
        try f.edit(ana, "folio.yaml") { $0.replacingOccurrences(of: "firma: obligatoria", with: "firma: opcional") }
        var forged = try f.commit(ana, "sin firma", author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["guarded"])
        // folio.yaml in the jefe's name, unsigned.
        ana = try f.clone(as: "alopez")
        try f.edit(ana, "folio.yaml") { $0.replacingOccurrences(of: "firma: obligatoria", with: "firma: opcional") }
        forged = try f.commit(ana, "sin firma", author: "mrodriguez", sign: false)
        try f.expectRefused(ana, commit: forged, rules: ["signature"])
        ana = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["rm", "-q", "schemas/procedimiento-7.yaml"], in: ana)
        forged = try f.commit(ana, "quita P7", author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["schemas"])
        ana = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["mv", "roles.yaml", "roles-viejo.yaml"], in: ana)
        forged = try f.commit(ana, "renombra", author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["guarded"])
        ana = try f.clone(as: "alopez")
        try "x".write(toFile: ana + "/cases/LEEME.txt", atomically: true, encoding: .utf8)
        forged = try f.commit(ana, "archivo suelto", author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["guarded"])
        // In a year folder, beside the case folders, it is no case of its own (helper131).
        ana = try f.clone(as: "alopez")
        try "x".write(toFile: ana + "/cases/2026/LEEME.txt", atomically: true, encoding: .utf8)
        forged = try f.commit(ana, "archivo suelto en el año", author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["guarded"])
    }

    @Test("a jefe's file in place of a case folder or of its year folder removes the case: refused by verify and by the hook as a removal (helper132)")
    func caseFolderTurnedIntoAFile() throws {
        let f = try Fortress()
        for replaced in ["cases/2026/COOP-2026-0001", "cases/2026"] {
            let jefe = try f.clone(as: "mrodriguez")
            _ = try Sandbox.gitOut(["rm", "-r", "-q", replaced], in: jefe)
            // (git removes a folder left empty: the year folder, when the case was its only one.)
            try FileManager.default.createDirectory(atPath: jefe + "/" + (replaced as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try "ya no\n".write(toFile: jefe + "/" + replaced, atomically: true, encoding: .utf8)
            let commit = try f.commit(jefe, "reemplaza \(replaced)", author: "mrodriguez")
            try f.expectRefused(jefe, commit: commit, rules: ["expediente"])
        }
    }

    /// Trees git itself never writes (a name twice, entries out of order) are refused by git on the
    /// shared repository before the hook runs (`receive.fsckObjects`, set up as the README says):
    /// verify compares a folder's versions by name, and a crafted `cases/` listing `2026` twice
    /// (first a copy without a case, then the real one) passed it (helper134).
    @Test("a crafted tree that lists a year folder twice is refused by the shared repository (git's fsck), whoever pushes it")
    func duplicateEntriesRefused() throws {
        let f = try Fortress()
        let jefe = try f.clone(as: "mrodriguez")
        let real = try Sandbox.gitOut(["rev-parse", "HEAD:cases/2026"], in: jefe)
        let empty = try Sandbox.git(["mktree"], in: jefe, input: "").out.trimmingCharacters(in: .whitespacesAndNewlines)
        // Written byte by byte: "<mode> <name>\0<20-byte id>" per entry.
        func rawTree(_ entries: [(String, String)]) throws -> String {
            var bytes = Data()
            for (name, id) in entries {
                bytes.append(contentsOf: Array("40000 \(name)".utf8) + [0])
                let hex = Array(id.utf8)
                for k in stride(from: 0, to: 40, by: 2) { bytes.append(UInt8(String(decoding: hex[k..<k + 2], as: UTF8.self), radix: 16)!) }
            }
            let file = f.shared.box.path + "/arbol-\(UUID().uuidString).bin"
            try bytes.write(to: URL(fileURLWithPath: file))
            return try Sandbox.gitOut(["hash-object", "-t", "tree", "--literally", "-w", file], in: jefe)
        }
        let cases = try rawTree([("2026", empty), ("2026", real)])
        var top = try Sandbox.gitOut(["ls-tree", "HEAD"], in: jefe).split(separator: "\n").filter { !$0.hasSuffix("\tcases") }.joined(separator: "\n")
        top += "\n040000 tree \(cases)\tcases\n"
        let root = try Sandbox.git(["mktree"], in: jefe, input: top).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let commit = try Sandbox.gitOut(["commit-tree", root, "-p", "HEAD", "-S", "-m", "años"], in: jefe, env: Fortress.later)
        _ = try Sandbox.gitOut(["reset", "-q", "--soft", commit], in: jefe)
        let before = try Sandbox.gitOut(["rev-parse", "main"], in: f.shared.bare)
        let push = try Sandbox.git(["push", "origin", "HEAD:main"], in: jefe, env: SharedRepository.hookEnv)
        #expect(!push.ok && push.err.contains("duplicateEntries"), "\(push.err)")
        #expect(try Sandbox.gitOut(["rev-parse", "main"], in: f.shared.bare) == before)
    }

    /// A root tree that lists roles.yaml twice: `folio roles` reads the first copy, another program
    /// may read the second. verify (an auditor's, on a clone) named a name twice only when both
    /// copies differed from the parent's entry: two identical copies, or the parent's roster first
    /// and another one second, passed it with nothing to say.
    @Test("a jefe's signed commit whose root lists roles.yaml twice (the same roster twice; the parent's first, another after it): folio verify refuses it [content], and so does the shared repository")
    func rosterListedTwiceRefused() throws {
        let f = try Fortress()
        let jefe = try f.clone(as: "mrodriguez")
        let roster = try Sandbox.gitOut(["rev-parse", "HEAD:roles.yaml"], in: jefe)
        let promoted = try Sandbox.git(["hash-object", "-w", "--stdin"], in: jefe, input: try Sandbox.gitOut(["show", "HEAD:roles.yaml"], in: jefe)
            .replacingOccurrences(of: "roles: [analista]", with: "roles: [analista, jefe]") + "\n").out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(promoted != roster)
        // The root as it is, written byte by byte ("<mode> <name>\0<20-byte id>" per entry) with a
        // second roles.yaml right after the first.
        func root(second: String) throws -> String {
            var bytes = Data()
            func add(_ mode: String, _ name: String, _ id: String) {
                bytes.append(contentsOf: Array("\(mode) \(name)".utf8) + [0])
                let hex = Array(id.utf8)
                for k in stride(from: 0, to: 40, by: 2) { bytes.append(UInt8(String(decoding: hex[k..<k + 2], as: UTF8.self), radix: 16)!) }
            }
            for line in try Sandbox.gitOut(["ls-tree", "HEAD"], in: jefe).split(separator: "\n") {
                let fields = line.split(separator: "\t", maxSplits: 1), meta = fields[0].split(separator: " ")
                let mode = meta[0] == "040000" ? "40000" : String(meta[0]), name = String(fields[1])
                add(mode, name, String(meta[2]))
                if name == "roles.yaml" { add("100644", name, second) }
            }
            let file = f.shared.box.path + "/raiz-\(UUID().uuidString).bin"
            try bytes.write(to: URL(fileURLWithPath: file))
            return try Sandbox.gitOut(["hash-object", "-t", "tree", "--literally", "-w", file], in: jefe)
        }
        // The jefe's own commit, signed with her key: her change of roles.yaml is hers to make.
        let jefa = Fortress.later.merging(["GIT_AUTHOR_NAME": "María Rodríguez", "GIT_AUTHOR_EMAIL": "mrodriguez@igss.gob.gt",
                                           "GIT_COMMITTER_NAME": "María Rodríguez", "GIT_COMMITTER_EMAIL": "mrodriguez@igss.gob.gt"]) { $1 }
        for (label, second) in [("el mismo roles.yaml dos veces", roster), ("otro roles.yaml después del vigente", promoted)] {
            let commit = try Sandbox.gitOut(["commit-tree", try root(second: second), "-p", "HEAD", "-S", "-m", label], in: jefe, env: jefa)
            _ = try Sandbox.gitOut(["reset", "-q", "--soft", commit], in: jefe)
            let verify = try f.folio(jefe, "verify", "--json")
            #expect(verify.status == 1, "\(label): \(verify.out)")
            let found = (try JSONSerialization.jsonObject(with: Data(verify.out.utf8)) as? [String: Any])?["violations"] as? [[String: Any]] ?? []
            // The finding, and no other error: the commit is the jefe's, signed.
            #expect(found.filter { $0["severity"] as? String == "error" }.map { "\($0["commit"]!) \($0["rule"]!)" } == ["\(commit) content"]
                    && found.contains { ($0["message"] as? String)?.contains("roles.yaml aparece dos veces") == true }, "\(label): \(verify.out)")
            let before = try Sandbox.gitOut(["rev-parse", "main"], in: f.shared.bare)
            let push = try Sandbox.git(["push", "origin", "HEAD:main"], in: jefe, env: SharedRepository.hookEnv)
            #expect(!push.ok && push.err.contains("duplicateEntries"), "\(label): \(push.err)")
            #expect(try Sandbox.gitOut(["rev-parse", "main"], in: f.shared.bare) == before)
            _ = try Sandbox.gitOut(["reset", "-q", "--soft", "HEAD~1"], in: jefe)
        }
        try f.expectOK(f.folio(jefe, "verify"))
    }

    @Test("merges: a forged step as a merge, an orphan root with its own roster, an octopus, a revoked person's old branch")
    func merges() throws {
        let f = try Fortress()
        // An unsigned step in the jefe's name as a two-parent merge.
        var ana = try f.clone(as: "alopez")
        let base = try Sandbox.gitOut(["rev-parse", "HEAD~1"], in: ana)
        _ = try Sandbox.gitOut(["checkout", "-q", "-b", "lado", base], in: ana)
        try f.commit(ana, "lado\n\n" + Fortress.note, author: "alopez")
        _ = try Sandbox.gitOut(["checkout", "-q", "main"], in: ana)
        _ = try Sandbox.gitOut(["merge", "-q", "--no-ff", "--no-commit", "lado"], in: ana, env: Fortress.later)
        var merge = try f.commit(ana, "COOP-2026-0001 paso 04\n\nExpediente: COOP-2026-0001\nProcedimiento: 7\nPaso: 04\nRol: jefe\nSigned-off-by: María Rodríguez <mrodriguez@igss.gob.gt>",
                                 author: "mrodriguez", sign: false)
        #expect(try Sandbox.gitOut(["rev-list", "--parents", "-1", "HEAD"], in: ana).split(separator: " ").count == 3)
        try f.expectRefused(ana, commit: merge, rules: ["lineal", "signature"])

        // An orphan root where Ana is jefe, merged with --allow-unrelated-histories.
        ana = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["checkout", "-q", "--orphan", "huerfana"], in: ana)
        try f.edit(ana, "roles.yaml") { $0.replacingOccurrences(of: "roles: [analista]", with: "roles: [jefe]") }
        try f.edit(ana, "folio.yaml") { $0.replacingOccurrences(of: "firma: obligatoria", with: "firma: opcional") }
        try f.commit(ana, "Raíz propia", author: "alopez")
        _ = try Sandbox.gitOut(["checkout", "-q", "main"], in: ana)
        _ = try Sandbox.gitOut(["merge", "-q", "--allow-unrelated-histories", "-X", "theirs", "--no-edit", "huerfana"], in: ana, env: Fortress.later)
        merge = try Sandbox.gitOut(["rev-parse", "HEAD"], in: ana)
        try f.expectRefused(ana, commit: merge, rules: ["lineal"])
        let said = try f.folio(ana, "verify").out
        #expect(said.contains("otra raíz"), "\(said)")

        // An octopus merge of three lines.
        ana = try f.clone(as: "alopez")
        for name in ["x", "y"] {
            _ = try Sandbox.gitOut(["checkout", "-q", "-b", name, "main"], in: ana)
            try f.commit(ana, "\(name)\n\n" + Fortress.note, author: "alopez")
        }
        _ = try Sandbox.gitOut(["checkout", "-q", "main"], in: ana)
        _ = try Sandbox.gitOut(["merge", "-q", "--no-ff", "--no-edit", "x", "y"], in: ana, env: Fortress.later)
        merge = try Sandbox.gitOut(["rev-parse", "HEAD"], in: ana)
        #expect(try Sandbox.gitOut(["rev-list", "--parents", "-1", "HEAD"], in: ana).split(separator: " ").count == 4)
        try f.expectRefused(ana, commit: merge, rules: ["lineal"])
    }

    @Test("a person removed keeps acting: a branch from before the revocation, merged or rebased; a key valid only before it was replaced")
    func revocation() throws {
        let f = try Fortress()
        let jorge = try f.clone(as: "jperez")
        let stolen = try f.clone(as: "alopez")
        // The jefe removes Jorge and replaces Ana's key (it was stolen).
        let fresh = try f.shared.box.sshKey("alopez-nueva")
        try f.expectOK(f.folio(f.admin, "roles", "remove", "jperez", "--as", "mrodriguez", date: "2026-11-03T10:00:00-06:00"))
        try f.expectOK(f.folio(f.admin, "roles", "key", "alopez", fresh.publicKey, "--as", "mrodriguez", date: "2026-11-03T10:05:00-06:00"))
        try f.expectOK(f.folio(f.admin, "sync", date: "2026-11-03T10:10:00-06:00"))
        // Jorge records step 04 on his old clone (valid there), then merges the shared branch.
        let step = try f.commit(jorge, Fortress.step04, author: "jperez", env: ["GIT_AUTHOR_DATE": "2026-11-03T09:30:00-06:00",
                                                                                 "GIT_COMMITTER_DATE": "2026-11-03T09:30:00-06:00"])
        _ = try Sandbox.gitOut(["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"], in: jorge, env: Fortress.later)
        let merge = try Sandbox.gitOut(["rev-parse", "HEAD"], in: jorge)
        #expect(merge != step)
        try f.expectRefused(jorge, commit: merge, rules: ["lineal"])
        // Rebased onto the shared tip it is judged by the roster after his removal.
        _ = try Sandbox.gitOut(["-c", "commit.gpgSign=true", "rebase", "-q", "origin/main"], in: jorge, env: Fortress.later)
        let rebased = try Sandbox.gitOut(["rev-parse", "HEAD"], in: jorge)
        try f.expectRefused(jorge, commit: rebased, rules: ["author", "signature"])
        // Whoever holds Ana's old key signs a note in her name after the key was replaced.
        _ = try Sandbox.gitOut(["pull", "-q", "--ff-only", "origin", "main"], in: stolen)
        let old = try f.commit(stolen, "nota\n\n" + Fortress.note, author: "alopez")
        try f.expectRefused(stolen, commit: old, rules: ["signature"])
    }

    @Test("a phantom case, a step outside its case, a date before the parent's, an edit of cases/ by a stranger")
    func casesAndDates() throws {
        let f = try Fortress()
        // Trailers naming a case that does not exist, changing roles.yaml.
        var ana = try f.clone(as: "alopez")
        try f.edit(ana, "roles.yaml") { $0.replacingOccurrences(of: "roles: [analista]", with: "roles: [analista, jefe]") }
        var forged = try f.commit(ana, "fantasma\n\n" + Fortress.note.replacingOccurrences(of: "COOP-2026-0001", with: "COOP-2026-0999"),
                                  author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["expediente"])
        // Trailers of a real case, changing roles.yaml too.
        ana = try f.clone(as: "alopez")
        try f.edit(ana, "roles.yaml") { $0.replacingOccurrences(of: "roles: [analista]", with: "roles: [analista, jefe]") }
        forged = try f.commit(ana, "nota\n\n" + Fortress.note, author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["scope"])
        // Jorge's step 04, dated the day before the last commit (author and committer).
        let jorge = try f.clone(as: "jperez")
        let early = ["GIT_AUTHOR_DATE": "2026-11-01T09:00:00-06:00", "GIT_COMMITTER_DATE": "2026-11-01T09:00:00-06:00"]
        forged = try f.commit(jorge, Fortress.step04, author: "jperez", env: early)
        try f.expectRefused(jorge, commit: forged, rules: ["fecha"])
        // Only the declared date moved back, before the case's previous step.
        _ = try Sandbox.gitOut(["reset", "-q", "--hard", "origin/main"], in: jorge)
        forged = try f.commit(jorge, Fortress.step04, author: "jperez", env: ["GIT_AUTHOR_DATE": "2026-11-01T09:00:00-06:00",
                                                                              "GIT_COMMITTER_DATE": "2026-11-04T09:00:00-06:00"])
        try f.expectRefused(jorge, commit: forged, rules: ["fecha"])
        // folio itself refuses a date before its parent's.
        let refused = try f.folio(f.admin, "step", "COOP-2026-0001", "--as", "jperez", date: "2026-11-01T09:00:00-06:00")
        #expect(refused.status == 1 && refused.err.contains("anterior a la del último commit"), "\(refused.err)")
        // A stranger edits a case with plain git.
        let stranger = try f.shared.clone("extrano", user: "Extraño", email: "extrano@example.org")
        try "hola\n".write(toFile: stranger + "/cases/2026/COOP-2026-0001/nota.md", atomically: true, encoding: .utf8)
        _ = try Sandbox.gitOut(["add", "-A"], in: stranger)
        _ = try Sandbox.gitOut(["commit", "-q", "-m", "edito", "--author", "Extraño <extrano@example.org>"], in: stranger, env: Fortress.later)
        forged = try Sandbox.gitOut(["rev-parse", "HEAD"], in: stranger)
        try f.expectRefused(stranger, commit: forged, rules: ["outside-folio"])
        // A valid step dated years ahead would freeze every later folio write (dates only move
        // forward): the hook refuses a date past the server's own clock, whatever FOLIO_DATE says.
        let ahead = try f.clone(as: "jperez")
        let future = ["GIT_AUTHOR_DATE": "2030-01-01T09:00:00-06:00", "GIT_COMMITTER_DATE": "2030-01-01T09:00:00-06:00"]
        forged = try f.commit(ahead, Fortress.step04, author: "jperez", env: future)
        try f.expectRefused(ahead, commit: forged, rules: ["fecha-futura"], verifies: false)
        // A registered analyst hand-edits a case's routing slip, or deletes the whole case, with plain git.
        let slip = try f.clone(as: "alopez")
        try f.edit(slip, "cases/2026/COOP-2026-0001/hoja-de-ruta.md") { $0.replacingOccurrences(of: "María Rodríguez", with: "Ana López") }
        forged = try f.commit(slip, "corrige la hoja", author: "alopez")
        try f.expectRefused(slip, commit: forged, rules: ["routing-slip"])
        let gone = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["rm", "-rq", "cases/2026/COOP-2026-0001"], in: gone)
        forged = try f.commit(gone, "borra el expediente", author: "alopez")
        try f.expectRefused(gone, commit: forged, rules: ["expediente"])
    }

    @Test("other references: tags, other branches, other notes, the stamps' notes; deleting or rewinding the shared branch")
    func otherRefs() throws {
        let f = try Fortress()
        let ana = try f.clone(as: "alopez")
        let forged = try f.commit(ana, "COOP-2026-0001 paso 04\n\nExpediente: COOP-2026-0001\nProcedimiento: 7\nPaso: 04\nRol: jefe",
                                  author: "mrodriguez", sign: false)
        for ref in ["refs/tags/v1", "refs/heads/otra", "refs/notes/commits", "refs/notes/folio-recepcion"] {
            // Forced: the stamps' notes exist on the server (a plain push would stop at git's non-fast-forward).
            try f.expectRefused(ana, commit: forged, rules: ["referencias"], refspec: "+HEAD:\(ref)", verifies: false)
        }
        // git itself refuses to delete a bare repository's current branch; with that off, the hook still does.
        _ = try Sandbox.gitOut(["config", "receive.denyDeleteCurrent", "false"], in: f.shared.bare)
        try f.expectRefused(ana, commit: forged, rules: ["referencias"], refspec: ":main", verifies: false)
        try f.expectRefused(ana, commit: forged, rules: ["reescritura"], refspec: "HEAD~3:main", pushArgs: ["--force"], verifies: false)
        // The refusal of the branch names the commit too.
        try f.expectRefused(ana, commit: forged, rules: ["signature", "role"])
        // Tags become acceptable once a jefe lists them in folio.yaml (a signed commit of hers).
        try f.edit(f.admin, "folio.yaml") { $0 + "refs_permitidas: [\"refs/tags/*\", \"refs/notes/*\"]\n" }
        _ = try Sandbox.gitOut(["commit", "-q", "-S", "-am", "Acepta etiquetas", "--author", "María Rodríguez <mrodriguez@igss.gob.gt>"],
                               in: f.admin, env: Fortress.later)
        try f.expectOK(f.push(f.admin, date: "2026-11-04T10:00:00-06:00"))
        let tagged = try Sandbox.git(["push", "origin", "HEAD:refs/tags/cierre-2026"], in: f.admin, env: SharedRepository.hookEnv)
        #expect(tagged.ok, "\(tagged.err)")
        let branch = try Sandbox.git(["push", "origin", "HEAD:refs/heads/otra"], in: f.admin, env: SharedRepository.hookEnv)
        #expect(!branch.ok && branch.err.contains("[referencias]"), "\(branch.err)")
        // Notes allowed: still not a reference that takes the stamps' name as its folder, which would keep
        // the server from ever writing refs/notes/folio-recepcion (attack39); nor the stamps themselves.
        for ref in ["refs/notes/folio-recepcion/x"] {
            let squat = try Sandbox.git(["push", "origin", "HEAD:\(ref)"], in: f.admin, env: SharedRepository.hookEnv)
            #expect(!squat.ok && squat.err.contains("[referencias]") && squat.err.contains("sellos"), "\(ref): \(squat.err)")
        }
        #expect(try Sandbox.git(["push", "origin", "HEAD:refs/notes/commits"], in: f.admin, env: SharedRepository.hookEnv).ok)
    }

    @Test("the root is pinned: init and the first sync record it, and verify refuses a history with another root")
    func pinnedRoot() throws {
        let f = try Fortress()
        let root = try Sandbox.gitOut(["rev-list", "--max-parents=0", "HEAD"], in: f.admin)
        #expect(try Sandbox.gitOut(["config", "folio.raiz"], in: f.shared.box.path + "/inicio") == root)
        let ana = try f.clone(as: "alopez")
        #expect(try Sandbox.git(["config", "folio.raiz"], in: ana).out.isEmpty)
        try f.expectOK(f.folio(ana, "sync"))
        #expect(try Sandbox.gitOut(["config", "folio.raiz"], in: ana) == root)
        _ = try Sandbox.gitOut(["config", "folio.raiz", String(repeating: "a", count: 40)], in: ana)
        let verify = try f.folio(ana, "verify")
        #expect(verify.status == 1 && verify.out.contains("[raiz]") && verify.out.contains(String(root.prefix(7))), "\(verify.out)")
    }

    @Test("an orphan branch (another root, its own roles.yaml) grants nothing: status, roles, a step and a roster change refuse (E078), verify names [raiz], sync --drop-local and 'git switch' are the ways back (helper107)")
    func orphanRootGrantsNothing() throws {
        let f = try Fortress()
        // As an analyst who makes herself jefe, and as the jefe himself: another root is nobody's history.
        for (who, target) in [("alopez", "mrodriguez"), ("mrodriguez", "alopez")] {
            let dir = try f.clone(as: who)
            try f.expectOK(f.folio(dir, "sync"))
            let root = try Sandbox.gitOut(["config", "folio.raiz"], in: dir)
            let shared = try Sandbox.gitOut(["rev-parse", "HEAD"], in: dir)
            _ = try Sandbox.gitOut(["checkout", "-q", "--orphan", "propia"], in: dir)
            try f.edit(dir, "roles.yaml") { $0.replacingOccurrences(of: "roles: [analista]", with: "roles: [jefe]") }
            let orphan = try f.commit(dir, "Raíz propia", author: who)
            let second = try f.commit(dir, "nota\n\n" + Fortress.note, author: "alopez")
            #expect(try Sandbox.gitOut(["rev-list", "--max-parents=0", "HEAD"], in: dir) == orphan)
            func expectE078(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws {
                let run = try f.folio(dir, args)
                // The remote has no branch 'propia': the way back is 'git switch', not '--drop-local' (helper111: the advice looped).
                #expect(run.status != 0 && run.err.contains("FOLIO-E078") && run.err.contains(orphan) && run.err.contains(root)
                        && run.err.contains("'propia'") && run.err.contains("git switch main") && !run.err.contains("--drop-local"),
                        "\(who): folio \(args.joined(separator: " ")): \(run.out)\(run.err)", sourceLocation: sourceLocation)
                #expect(try Sandbox.gitOut(["rev-parse", "HEAD"], in: dir) == second, "\(who): folio \(args.joined(separator: " ")) registró algo",
                        sourceLocation: sourceLocation)
            }
            try expectE078("roles")
            try expectE078("roles", "--json")
            try expectE078("procedures", "4")
            try expectE078("status")
            try expectE078("status", "--json")
            try expectE078("log", "COOP-2026-0001")
            try expectE078("due")
            try expectE078("roles", "set", target, "--role", "analista", "--as", who)
            try expectE078("step", "COOP-2026-0001", "04", "--as", who)
            try f.edit(dir, "cases/2026/COOP-2026-0001/expediente.md") { $0 + "\nRevisado.\n" }
            try expectE078("note", "COOP-2026-0001", "-m", "Revisado", "--as", who)
            _ = try Sandbox.gitOut(["checkout", "-q", "--", "."], in: dir)
            // Nor is it published (helper108: 'folio sync' pushed the orphan branch to the server), even with --drop-local.
            try expectE078("sync")
            try expectE078("sync", "--drop-local")
            #expect(try Sandbox.git(["rev-parse", "--verify", "-q", "refs/heads/propia"], in: f.shared.bare).status != 0, "\(who): la rama huérfana se publicó")
            // verify names the root, and a range inside that history is not clean either.
            let verify = try f.folio(dir, "verify")
            #expect(verify.status == 1 && verify.out.contains("[raiz]") && verify.out.contains(String(orphan.prefix(7))), "\(verify.out)")
            let range = try f.folio(dir, "verify", "\(orphan)..HEAD")
            #expect(range.status == 1 && range.out.contains("\(second.prefix(7)) COOP-2026-0001: El commit está en una historia que nace del commit \(orphan.prefix(7))")
                    && range.out.contains("[raiz]") && !range.out.contains("[roles-file]"), "\(range.out)")
            // Back to the shared branch, everything works again; made the branch itself, sync --drop-local brings it back.
            _ = try Sandbox.gitOut(["checkout", "-q", "main"], in: dir)
            try f.expectOK(f.folio(dir, "status"))
            _ = try Sandbox.gitOut(["reset", "-q", "--hard", second], in: dir)
            #expect(try f.folio(dir, "status").err.contains("FOLIO-E078"))
            let plain = try f.folio(dir, "sync")
            #expect(plain.status != 0 && plain.err.contains("FOLIO-E078") && plain.err.contains("'main'") && plain.err.contains("origin/main sí nace de esa raíz")
                    && plain.err.contains("folio sync --drop-local") && !plain.err.contains("git switch"), "\(plain.err)")
            #expect(try Sandbox.gitOut(["rev-parse", "main"], in: f.shared.bare) == shared)
            // An orphan without roles.yaml at all: still the way back.
            _ = try Sandbox.gitOut(["rm", "-q", "roles.yaml"], in: dir)
            let bare = try f.commit(dir, "sin roles", author: who)
            #expect(try f.folio(dir, "status").err.contains("FOLIO-E078"))
            let back = try f.folio(dir, "sync", "--drop-local")
            try f.expectOK(back)
            // (What differs is asked with 'git diff': 'git log --not HEAD' of another root lists every file, helper111.)
            #expect(back.out.contains("git diff --stat HEAD refs/folio/respaldo/") && !back.out.contains("git log -p"), "\(back.out)")
            #expect(try Sandbox.gitOut(["rev-parse", "HEAD"], in: dir) == shared)
            #expect(try Sandbox.gitOut(["for-each-ref", "--format=%(objectname)", "refs/folio/respaldo/"], in: dir).contains(bare))
            let roles = try f.folio(dir, "roles")
            #expect(roles.ok && roles.out.split(separator: "\n").contains { $0.hasPrefix("alopez") && !$0.contains("jefe") }, "\(roles.out)")
        }
    }

    @Test("folio.raiz guards sync too: a remote that begins at another root is not taken, not even by --drop-local; a pin that names no commit trusts no root")
    func pinnedRootGuardsSync() throws {
        let f = try Fortress()
        let dir = try f.clone(as: "alopez")
        try f.expectOK(f.folio(dir, "sync"))
        let root = try Sandbox.gitOut(["config", "folio.raiz"], in: dir)
        let head = try Sandbox.gitOut(["rev-parse", "HEAD"], in: dir)
        // helper108: an empty folio.raiz trusted any root; helper110: a 7-digit prefix is matched by an orphan root made in
        // seconds. A value that is not the whole id of a commit trusts no root, and says how to set it.
        for bad in ["", "xyz", " ", String(root.prefix(9)), String(root.prefix(39))] {
            _ = try Sandbox.gitOut(["config", "folio.raiz", bad], in: dir)
            for args in [["status"], ["roles"], ["note", "COOP-2026-0001", "-m", "x", "--as", "alopez"]] {
                let run = try f.folio(dir, args)
                #expect(run.status != 0 && run.err.contains("FOLIO-E078") && run.err.contains("no es el id completo de un commit")
                        && run.err.contains("git config --unset folio.raiz"), "'\(bad)': folio \(args.joined(separator: " ")): \(run.err)")
            }
            let verify = try f.folio(dir, "verify")
            #expect(verify.status == 1 && verify.out.contains("[raiz]") && verify.out.contains("no es el id completo de un commit"), "\(verify.out)")
        }
        #expect(try Sandbox.gitOut(["rev-parse", "HEAD"], in: dir) == head)
        // The whole id in capitals, or with blanks around it, is the root.
        for good in [root.uppercased(), " \(root) "] {
            _ = try Sandbox.gitOut(["config", "folio.raiz", good], in: dir)
            try f.expectOK(f.folio(dir, "status"))
        }
        // A mistyped id: it is folio.raiz that disagrees with this branch and origin/main, and the message says so and how to mend it.
        let typo = String(root.dropLast()) + (root.last == "0" ? "1" : "0")
        _ = try Sandbox.gitOut(["config", "folio.raiz", typo], in: dir)
        let mistyped = try f.folio(dir, "status")
        #expect(mistyped.status != 0 && mistyped.err.contains("FOLIO-E078") && mistyped.err.contains("lo que no coincide es folio.raiz")
                && mistyped.err.contains(typo) && mistyped.err.contains(root) && !mistyped.err.contains("--drop-local"), "\(mistyped.err)")
        _ = try Sandbox.gitOut(["config", "--unset", "folio.raiz"], in: dir)
        try f.expectOK(f.folio(dir, "sync"))
        #expect(try Sandbox.gitOut(["config", "folio.raiz"], in: dir) == root)

        // The remote now points at another case repository (another 'folio init'): nothing is taken from it.
        let other = f.shared.box.path + "/otro"
        try f.expectOK(f.folio(f.shared.box.path, "init", other, "--jefe", "Ana López <alopez@igss.gob.gt>"))
        _ = try Sandbox.gitOut(["remote", "set-url", "origin", other], in: dir)
        for args in [["sync"], ["sync", "--drop-local"]] {
            let run = try f.folio(dir, args)
            #expect(run.status != 0 && run.err.contains("FOLIO-E079") && run.err.contains(root) && run.err.contains(other) && run.err.contains("git remote -v"),
                    "folio \(args.joined(separator: " ")): \(run.out)\(run.err)")
            #expect(try Sandbox.gitOut(["rev-parse", "HEAD"], in: dir) == head)
            #expect(try Sandbox.gitOut(["config", "folio.raiz"], in: dir) == root)
        }
        #expect(try Sandbox.gitOut(["for-each-ref", "refs/folio/respaldo/"], in: dir).isEmpty)
        try f.expectOK(f.folio(dir, "status"))
    }

    @Test("a clone pins its root on first use where HEAD and what it brought agree, and refuses to choose where they do not (E081); sync publishes no orphan or side branch and adopts no swapped remote (helper110-112)")
    func firstUsePinsWhatWasCloned() throws {
        let f = try Fortress()
        let shared = try Sandbox.gitOut(["rev-parse", "main"], in: f.shared.bare)
        let root = try Sandbox.gitOut(["rev-list", "--max-parents=0", "main"], in: f.shared.bare)
        func branches() throws -> String { try Sandbox.gitOut(["for-each-ref", "--format=%(refname)", "refs/heads/"], in: f.shared.bare) }
        func unpinned(_ dir: String) throws -> Bool { try Sandbox.git(["config", "folio.raiz"], in: dir).status != 0 }
        // An orphan branch with a forged roster in a clone no folio command has touched: HEAD and origin/main begin at
        // different roots, so nothing is pinned, shown, recorded or published until the clone is back on the shared branch.
        let a = try f.clone(as: "alopez")
        #expect(try unpinned(a))
        _ = try Sandbox.gitOut(["checkout", "-q", "--orphan", "borrador"], in: a)
        try f.edit(a, "roles.yaml") { $0.replacingOccurrences(of: "roles: [analista]", with: "roles: [jefe]") }
        let orphan = try f.commit(a, "Empezar limpio", author: "alopez")
        for args in [["roles"], ["status"], ["roles", "set", "mrodriguez", "--role", "analista", "--as", "alopez"], ["sync"], ["sync", "--drop-local"]] {
            let run = try f.folio(a, args)
            #expect(run.status != 0 && run.err.contains("FOLIO-E081") && run.err.contains("HEAD (rama 'borrador') nace de \(orphan)")
                    && run.err.contains("origin/main nace de \(root)") && run.err.contains("git switch main"), "folio \(args.joined(separator: " ")): \(run.out)\(run.err)")
        }
        #expect(try branches() == "refs/heads/main", "la rama huérfana se publicó")
        #expect(try unpinned(a) && (try Sandbox.gitOut(["rev-parse", "HEAD"], in: a)) == orphan)
        _ = try Sandbox.gitOut(["checkout", "-q", "main"], in: a)
        try f.expectOK(f.folio(a, "status"))
        #expect(try Sandbox.gitOut(["config", "folio.raiz"], in: a) == root)
        // Back on it, the orphan grants nothing (pinned now).
        _ = try Sandbox.gitOut(["checkout", "-q", "borrador"], in: a)
        #expect(try f.folio(a, "roles").err.contains("FOLIO-E078"))

        // A forged origin/main before the first command: the roots disagree and nothing is pinned. A second remote fetched
        // before the first sync with '--remote': HEAD and origin agree, that root is pinned, and the other history is not
        // taken, not even by '--drop-local' (helper112: the pin came from the second remote).
        let evil = f.shared.box.path + "/ajeno"
        try f.expectOK(f.folio(f.shared.box.path, "init", evil, "--jefe", "Ana López <alopez@igss.gob.gt>"))
        let evilRoot = try Sandbox.gitOut(["rev-parse", "HEAD"], in: evil)
        let b = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["fetch", "-q", evil, "main:refs/tmp/ajeno"], in: b)
        _ = try Sandbox.gitOut(["update-ref", "refs/remotes/origin/main", evilRoot], in: b)
        let forged = try f.folio(b, "status")
        #expect(forged.status != 0 && forged.err.contains("FOLIO-E081") && forged.err.contains("origin/main nace de \(evilRoot)"), "\(forged.err)")
        #expect(try unpinned(b))
        let c = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["remote", "add", "ev", evil], in: c)
        _ = try Sandbox.gitOut(["fetch", "-q", "ev"], in: c)
        for args in [["sync", "--remote", "ev"], ["sync", "--drop-local", "--remote", "ev"]] {
            let run = try f.folio(c, args)
            #expect(run.status != 0 && run.err.contains("FOLIO-E079") && run.err.contains(evilRoot), "\(run.out)\(run.err)")
            #expect(try Sandbox.gitOut(["config", "folio.raiz"], in: c) == root && (try Sandbox.gitOut(["rev-parse", "HEAD"], in: c)) == shared)
        }

        // Where there is no remote-tracking branch, HEAD's root is taken on trust; a cache written then is not believed
        // under a pin set after (helper110: an empty pin was keyed as none).
        let d = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["remote", "remove", "origin"], in: d)
        _ = try Sandbox.gitOut(["checkout", "-q", "--orphan", "borrador"], in: d)
        try f.edit(d, "roles.yaml") { $0.replacingOccurrences(of: "roles: [analista]", with: "roles: [jefe]") }
        try f.commit(d, "Empezar limpio", author: "alopez")
        try f.expectOK(f.folio(d, "roles"))
        _ = try Sandbox.gitOut(["config", "folio.raiz", ""], in: d)
        #expect(try f.folio(d, "roles").err.contains("FOLIO-E078"), "la caché escrita sin raíz fijada se creyó")
        #expect(try f.folio(d, "roles", "set", "mrodriguez", "--role", "analista", "--as", "alopez").err.contains("FOLIO-E078"))

        // A side branch of the true history: folio sync publishes only the shared branch.
        let e = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["checkout", "-q", "-b", "lado"], in: e)
        try f.edit(e, "cases/2026/COOP-2026-0001/expediente.md") { $0 + "\nRevisado.\n" }
        try f.expectOK(f.folio(e, "note", "COOP-2026-0001", "-m", "Revisado", "--as", "alopez"))
        for args in [["sync"], ["sync", "--drop-local"]] {
            let run = try f.folio(e, args)
            #expect(run.status != 0 && run.err.contains("FOLIO-E080") && run.err.contains("git switch main"), "\(run.out)\(run.err)")
        }
        #expect(try branches() == "refs/heads/main" && (try Sandbox.gitOut(["rev-parse", "main"], in: f.shared.bare)) == shared)
        // Nor does a refused sync pin a side branch's root (helper114: with the remote-tracking branches deleted, E080 pinned an orphan's).
        let h = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["checkout", "-q", "--orphan", "suelta"], in: h)
        try f.commit(h, "Empezar limpio", author: "alopez")
        _ = try Sandbox.gitOut(["update-ref", "-d", "refs/remotes/origin/main"], in: h)
        _ = try Sandbox.git(["update-ref", "--no-deref", "-d", "refs/remotes/origin/HEAD"], in: h)
        #expect(try f.folio(h, "sync").err.contains("FOLIO-E080"))
        #expect(try unpinned(h))

        // A clone with its own work, whose remote was pointed at another history after it was cloned: nothing is taken.
        let g = try f.clone(as: "alopez")
        try f.edit(g, "cases/2026/COOP-2026-0001/expediente.md") { $0 + "\nRevisado.\n" }
        try f.expectOK(f.folio(g, "note", "COOP-2026-0001", "-m", "Revisado", "--as", "alopez"))
        let mine = try Sandbox.gitOut(["rev-parse", "HEAD"], in: g)
        _ = try Sandbox.gitOut(["remote", "set-url", "origin", evil], in: g)
        for args in [["sync"], ["sync", "--drop-local"]] {
            let run = try f.folio(g, args)
            #expect(run.status != 0 && run.err.contains("FOLIO-E079") && run.err.contains(root), "\(run.out)\(run.err)")
            #expect(try Sandbox.gitOut(["rev-parse", "HEAD"], in: g) == mine)
            #expect(try Sandbox.gitOut(["config", "folio.raiz"], in: g) == root)
        }
    }

    @Test("the pin's edges (helper113): only the clone's own config counts; verify pins as the first command; a remote-tracking branch that names no commit is skipped; a branch the shared repository lacks beside one it has (E082); sync makes the remote's branch the upstream")
    func pinEdges() throws {
        let f = try Fortress()
        let root = try Sandbox.gitOut(["rev-list", "--max-parents=0", "main"], in: f.shared.bare)
        // A folio.raiz in the user's global config is not this clone's pin.
        let global = f.shared.box.path + "/gitconfig"
        try "[folio]\n\traiz = \(String(repeating: "a", count: 40))\n".write(toFile: global, atomically: true, encoding: .utf8)
        let a = try f.clone(as: "alopez")
        let withGlobal = try Sandbox.run(CLI.binary, ["status"], in: a, env: ["FOLIO_DATE": Fortress.when, "GIT_CONFIG_GLOBAL": global])
        #expect(withGlobal.ok, "\(withGlobal.err)")
        #expect(try Sandbox.gitOut(["config", "--local", "folio.raiz"], in: a) == root)
        // verify as the first command pins too.
        let b = try f.clone(as: "alopez")
        try f.expectOK(f.folio(b, "verify"))
        #expect(try Sandbox.gitOut(["config", "folio.raiz"], in: b) == root)
        // origin/main set to a blob: skipped, no raw git error.
        let c = try f.clone(as: "alopez")
        let blob = try Sandbox.gitOut(["rev-parse", "HEAD:roles.yaml"], in: c)
        _ = try Sandbox.gitOut(["update-ref", "--no-deref", "refs/remotes/origin/main", blob], in: c)
        let status = try f.folio(c, "status")
        #expect(status.ok && !status.err.contains("Error de git"), "\(status.err)")
        // A shared repository made with 'git init --bare' (HEAD 'master') that was published 'main': a clone of it is told to switch.
        let bare = f.shared.box.path + "/vacio.git"
        _ = try Sandbox.gitOut(["init", "-q", "--bare", "-b", "master", bare], in: f.shared.box.path)
        let jefe = try f.clone(as: "mrodriguez")
        _ = try Sandbox.gitOut(["remote", "add", "nuevo", bare], in: jefe)
        _ = try Sandbox.gitOut(["config", "--unset", "branch.main.remote"], in: jefe)
        _ = try Sandbox.gitOut(["config", "--unset", "branch.main.merge"], in: jefe)
        _ = try Sandbox.gitOut(["remote", "remove", "origin"], in: jefe)
        _ = try Sandbox.gitOut(["remote", "rename", "nuevo", "origin"], in: jefe)
        try f.expectOK(f.folio(jefe, "sync"))
        #expect(try Sandbox.gitOut(["config", "branch.main.remote"], in: jefe) == "origin"
                && (try Sandbox.gitOut(["config", "branch.main.merge"], in: jefe)) == "refs/heads/main")
        let late = f.shared.box.path + "/tarde"
        _ = try Sandbox.git(["clone", "-q", bare, late], in: f.shared.box.path)
        let unborn = try f.folio(late, "status")
        #expect(unborn.status != 0 && unborn.err.contains("FOLIO-E082") && unborn.err.contains("git switch main"), "\(unborn.err)")
        _ = try Sandbox.gitOut(["switch", "-q", "main"], in: late)
        try f.expectOK(f.folio(late, "status"))
    }

    @Test("the shared repository's own folio.raiz must name its root: empty, a prefix, another commit refuse every push to the branch [raiz] (helper112)")
    func sharedPinNamesItsRoot() throws {
        let f = try Fortress()
        let dir = try f.clone(as: "alopez")
        let root = try Sandbox.gitOut(["rev-list", "--max-parents=0", "main"], in: f.shared.bare)
        let tip = try Sandbox.gitOut(["rev-parse", "main"], in: f.shared.bare)
        try f.edit(dir, "cases/2026/COOP-2026-0001/expediente.md") { $0 + "\nRevisado.\n" }
        try f.expectOK(f.folio(dir, "note", "COOP-2026-0001", "-m", "Revisado", "--as", "alopez"))
        for bad in ["", "basura", String(root.prefix(12)), tip] {
            _ = try Sandbox.gitOut(["config", "folio.raiz", bad], in: f.shared.bare)
            let push = try f.push(dir, date: Fortress.when)
            #expect(!push.ok && push.err.contains("folio.raiz del repositorio compartido") && push.err.contains("[raiz]")
                    && push.err.contains("git rev-list --max-parents=0 main"), "'\(bad)': \(push.err)")
            #expect(try Sandbox.gitOut(["rev-parse", "main"], in: f.shared.bare) == tip)
        }
        // Unset, the push goes through, and whoever pushed reads that the shared repository checks no root (helper113).
        _ = try Sandbox.gitOut(["config", "--unset", "folio.raiz"], in: f.shared.bare)
        let unset = try f.push(dir, date: Fortress.when)
        #expect(unset.ok && unset.err.contains("no tiene folio.raiz"), "\(unset.err)")
        try f.edit(dir, "cases/2026/COOP-2026-0001/expediente.md") { $0 + "\nRevisado otra vez.\n" }
        try f.expectOK(f.folio(dir, "note", "COOP-2026-0001", "-m", "Revisado otra vez", "--as", "alopez"))
        _ = try Sandbox.gitOut(["config", "folio.raiz", root], in: f.shared.bare)
        let push = try f.push(dir, date: Fortress.when)
        #expect(push.ok && !push.err.contains("folio.raiz"), "\(push.err)")
    }

    @Test("archived documents and the routing slip, commit by commit: removed, replaced with their hash, the index dropped, by an analyst or a jefe, with or without trailers")
    func archiveBetweenCommits() throws {
        let f = try Fortress()
        let folder = "cases/2026/COOP-2026-0001"
        // Two documents archived with folio, and a new version of the first: what folio does passes.
        let archivist = try f.clone(as: "alopez")
        for (name, text) in [("oficio.pdf", "oficio original\n"), ("convenio.pdf", "convenio firmado\n"), ("oficio-corregido.pdf", "oficio corregido\n")] {
            try text.write(toFile: f.shared.box.path + "/" + name, atomically: true, encoding: .utf8)
        }
        for args in [["oficio.pdf"], ["convenio.pdf"], ["oficio-corregido.pdf", "--replaces", "1"]] {
            try f.expectOK(f.folio(archivist, ["attach", "COOP-2026-0001", f.shared.box.path + "/" + args[0]] + args.dropFirst() + ["--as", "alopez"]))
        }
        try f.expectOK(f.folio(archivist, "sync"))
        let assistant = try f.clone(as: "jperez")
        try f.expectOK(f.folio(assistant, "step", "COOP-2026-0001", "04", "--as", "jperez"))
        try f.expectOK(f.folio(assistant, "sync"))
        try f.expectOK(f.folio(assistant, "verify"))
        let index = "\(folder)/indice.md"
        // The analyst removes an archived document and its entry: the tip's index agrees with the tip.
        var ana = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["rm", "-q", "\(folder)/anexos/convenio.pdf"], in: ana)
        try f.edit(ana, index) { text in
            var lines = text.components(separatedBy: "\n")
            let start = lines.firstIndex { $0 == "- folio: 2" }!
            let end = lines[(start + 1)...].firstIndex { !$0.hasPrefix("  ") }!
            lines.removeSubrange(start..<end)
            return lines.joined(separator: "\n")
        }
        var forged = try f.commit(ana, "quita un documento", author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["archive"])
        // The analyst replaces an archived document and writes its new SHA-256 into the index.
        ana = try f.clone(as: "alopez")
        let original = try String(contentsOfFile: "\(ana)/\(folder)/anexos/convenio.pdf", encoding: .utf8)
        try "convenio cambiado\n".write(toFile: "\(ana)/\(folder)/anexos/convenio.pdf", atomically: true, encoding: .utf8)
        let (old, new) = (try sha256(original), try sha256("convenio cambiado\n"))
        try f.edit(ana, index) { $0.replacingOccurrences(of: old, with: new).replacingOccurrences(of: String(old.prefix(16)), with: String(new.prefix(16))) }
        forged = try f.commit(ana, "actualiza el convenio", author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["archive"])
        // The same replacement under a note's trailers.
        ana = try f.clone(as: "alopez")
        try "convenio cambiado\n".write(toFile: "\(ana)/\(folder)/anexos/convenio.pdf", atomically: true, encoding: .utf8)
        try f.edit(ana, index) { $0.replacingOccurrences(of: old, with: new) }
        forged = try f.commit(ana, "nota\n\n" + Fortress.note, author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["archive"])
        // A jefe deletes an archived file (the first version, replaced by folio 3), or the whole index.
        var jefe = try f.clone(as: "mrodriguez")
        _ = try Sandbox.gitOut(["rm", "-q", "\(folder)/anexos/oficio.pdf"], in: jefe)
        forged = try f.commit(jefe, "limpia versiones viejas", author: "mrodriguez")
        try f.expectRefused(jefe, commit: forged, rules: ["archive"])
        jefe = try f.clone(as: "mrodriguez")
        _ = try Sandbox.gitOut(["rm", "-q", index], in: jefe)
        forged = try f.commit(jefe, "quita el índice", author: "mrodriguez")
        try f.expectRefused(jefe, commit: forged, rules: ["archive"])
        // Entries folio did not write: by plain git as someone else, or under a note's trailers with another date;
        // each file is there with its SHA-256, so the tip's check alone finds nothing.
        func forge(_ dir: String, por: String, date: String, archivo: String = "anexos/falso.pdf") throws {
            let file = "\(dir)/\(folder)/\(archivo)"
            if !FileManager.default.fileExists(atPath: file) { try "falso\n".write(toFile: file, atomically: true, encoding: .utf8) }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            let entry = "- folio: 4\n  archivo: \(archivo)\n  titulo: falso\n  sha256: \(try sha256(String(decoding: bytes, as: UTF8.self)))\n  bytes: \(bytes.count)\n"
                + "  tipo: application/pdf\n  incorporado: \(date)\n  por: \(por)\n"
            try f.edit(dir, index) { text in
                let end = text.range(of: "\n---\n", range: text.index(after: text.startIndex)..<text.endIndex)!
                return text.replacingCharacters(in: end.lowerBound..<end.lowerBound, with: "\n" + entry.dropLast())
            }
        }
        ana = try f.clone(as: "alopez")
        try forge(ana, por: "jperez", date: "2026-11-04T09:00:00-06:00")
        forged = try f.commit(ana, "agrega un documento", author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["archive"])
        ana = try f.clone(as: "alopez")
        try forge(ana, por: "alopez", date: "2025-01-01T09:00:00-06:00")
        forged = try f.commit(ana, "nota\n\n" + Fortress.note, author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["archive"])
        // Entries as folio writes them in every field but the file: one of folio's own (which every step rewrites,
        // so that no later step could pass), or another folio's file under a path spelled differently.
        for archivo in ["hoja-de-ruta.md", "anexos//convenio.pdf", "anexos/./convenio.pdf"] {
            ana = try f.clone(as: "alopez")
            try forge(ana, por: "alopez", date: "2026-11-04T09:00:00-06:00", archivo: archivo)
            forged = try f.commit(ana, "nota\n\n" + Fortress.note, author: "alopez")
            try f.expectRefused(ana, commit: forged, rules: ["archive"])
        }
        // An entry right in every field but its bytes, which are another folio's (a copy under a new name).
        ana = try f.clone(as: "alopez")
        try FileManager.default.copyItem(atPath: "\(ana)/\(folder)/anexos/convenio.pdf", toPath: "\(ana)/\(folder)/anexos/convenio-bis.pdf")
        try forge(ana, por: "alopez", date: "2026-11-04T09:00:00-06:00", archivo: "anexos/convenio-bis.pdf")
        forged = try f.commit(ana, "nota\n\n" + Fortress.note, author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["archive"])
        let copyRefusal = try f.folio(ana, "verify", date: "2026-11-05T09:00:00-06:00")
        #expect(copyRefusal.out.contains("es una copia"), "\(copyRefusal.out)")
        // A submodule entry where an archived document was: a finding, not a git error.
        ana = try f.clone(as: "alopez")
        let head = try Sandbox.gitOut(["rev-parse", "HEAD"], in: ana)
        _ = try Sandbox.gitOut(["update-index", "--cacheinfo", "160000,\(head),\(folder)/anexos/convenio.pdf"], in: ana)
        _ = try Sandbox.gitOut(["commit", "-q", "-S", "-m", "submódulo", "--author", "Ana López <alopez@igss.gob.gt>"], in: ana, env: Fortress.later)
        forged = try Sandbox.gitOut(["rev-parse", "HEAD"], in: ana)
        try f.expectRefused(ana, commit: forged, rules: ["archive"])
        // The pusher is told that a refused commit leaves the push only when taken off the branch.
        let refusal = try Sandbox.git(["push", "origin", "HEAD:main"], in: ana, env: SharedRepository.hookEnv)
        #expect(refusal.err.contains("quítelos de su rama") && refusal.err.contains("git rebase -i origin/main"), "\(refusal.err)")
        // A commit with a note's trailers deletes the routing slip (the tip check sees only edits outside folio).
        ana = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["rm", "-q", "\(folder)/hoja-de-ruta.md"], in: ana)
        forged = try f.commit(ana, "nota\n\n" + Fortress.note, author: "alopez")
        try f.expectRefused(ana, commit: forged, rules: ["routing-slip"])
        // A deletion and its restoration: the deletion stays on record, the restoration is not a finding.
        let mended = try f.clone(as: "alopez")
        _ = try Sandbox.gitOut(["rm", "-q", "\(folder)/anexos/convenio.pdf"], in: mended)
        let deletion = try f.commit(mended, "borra sin querer", author: "alopez")
        _ = try Sandbox.gitOut(["checkout", "HEAD~1", "--", "\(folder)/anexos/convenio.pdf"], in: mended)
        try f.expectOK(f.folio(mended, "note", "COOP-2026-0001", "-m", "Se restaura el convenio", "--as", "alopez", date: "2026-11-05T09:00:00-06:00"))
        let restoration = try Sandbox.gitOut(["rev-parse", "HEAD"], in: mended)
        let verify = try f.folio(mended, "verify", "--json", date: "2026-11-05T09:00:00-06:00")
        let found = ((try JSONSerialization.jsonObject(with: Data(verify.out.utf8)) as? [String: Any])?["violations"] as? [[String: Any]]) ?? []
        #expect(found.contains { $0["commit"] as? String == deletion && $0["rule"] as? String == "archive" }, "\(verify.out)")
        #expect(!found.contains { $0["commit"] as? String == restoration }, "\(verify.out)")
        let range = try f.folio(mended, "verify", "\(deletion)..HEAD", date: "2026-11-05T09:00:00-06:00")
        #expect(range.ok, "\(range.out)\(range.err)")
        // folio sync publishes nothing, and says the fault is in the local commits (nothing arrived), naming the commit and rule.
        let sync = try f.folio(mended, "sync", date: "2026-11-05T09:00:00-06:00")
        #expect(!sync.ok && sync.err.contains("sus commits locales no cumplen") && sync.err.contains("\(deletion.prefix(7)) COOP-2026-0001: ")
                && sync.err.contains("[archive]") && sync.err.contains("git rebase -i origin/main"), "\(sync.err)")
        // The shared repository still holds the three documents as archived, and verifies.
        let last = try f.clone(as: "mrodriguez")
        #expect(try f.folio(last, "verify").ok)
        #expect(FileManager.default.fileExists(atPath: "\(last)/\(folder)/anexos/convenio.pdf"))
    }

    /// The SHA-256 of `text`, by `sha256sum` (not folio's own digest).
    private func sha256(_ text: String) throws -> String {
        String(try Sandbox.run("/usr/bin/sha256sum", [], in: "/", input: text).out.prefix(64))
    }

    @Test("a forged roles.yaml grants nothing after it: the clone's step is refused (E077), status leaves out the step it allowed and says why, verify and the hook name that step too (attack44)")
    func forgedRosterGrantsNothing() throws {
        let f = try Fortress()
        let ana = try f.clone(as: "alopez")
        try f.edit(ana, "roles.yaml") { $0.replacingOccurrences(of: "roles: [analista]", with: "roles: [analista, asistente]") }
        let forged = try f.commit(ana, "me hago asistente", author: "alopez")
        // folio records nothing on a roster that does not count, and says which commit and how to undo it.
        let refused = try f.folio(ana, "step", "COOP-2026-0001", "04", "--as", "alopez", date: "2026-11-05T09:00:00-06:00")
        #expect(refused.status != 0 && refused.err.contains("FOLIO-E077") && refused.err.contains(String(forged.prefix(7)))
                && refused.err.contains("git rebase -i"), "\(refused.err)")
        #expect(try Sandbox.gitOut(["rev-parse", "HEAD"], in: ana) == forged)
        // The step the forged roster would allow, written with plain git, signed by Ana.
        let step = try f.commit(ana, Fortress.step04.replacingOccurrences(of: "Jorge Pérez <jperez", with: "Ana López <alopez"), author: "alopez")
        let status = try f.folio(ana, "status", "COOP-2026-0001", "--json")
        let json = try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any]
        #expect(json?["lastStep"] as? String == "03")
        #expect(status.err.contains("1 paso no válido omitido") && status.err.contains("roles.yaml no es el vigente")
                && status.err.contains(String(forged.prefix(7))), "\(status.err)")
        try f.expectRefused(ana, commit: step, rules: ["role"])
        try f.expectRefused(ana, commit: forged, rules: ["roles-file"])
        // folio roles lists the roster in force (Ana an analyst only) and says the file is not it (helper106).
        let roles = try f.folio(ana, "roles")
        let anaLine = roles.out.split(separator: "\n").first { $0.hasPrefix("alopez") }.map(String.init) ?? ""
        #expect(roles.ok && !anaLine.contains("asistente") && roles.out.contains("roles.yaml no es el vigente")
                && roles.out.contains(String(forged.prefix(7))), "\(roles.out)")
        let rolesJSON = try f.folio(ana, "roles", "--json")
        #expect(rolesJSON.ok && rolesJSON.err.contains("roles.yaml no es el vigente") && (try? JSONSerialization.jsonObject(with: Data(rolesJSON.out.utf8))) != nil,
                "\(rolesJSON.err)")
        // The way out the refusal gives: what is published, without the local commits; then Ana records again.
        try f.expectOK(f.folio(ana, "sync", "--drop-local", date: "2026-11-05T09:00:00-06:00"))
        #expect(try Sandbox.gitOut(["rev-parse", "HEAD"], in: ana) == Sandbox.gitOut(["rev-parse", "HEAD"], in: f.shared.bare))
        try f.edit(ana, "cases/2026/COOP-2026-0001/expediente.md") { $0 + "\nRevisado por el analista.\n" }
        try f.expectOK(f.folio(ana, "note", "COOP-2026-0001", "-m", "Revisado", "--as", "alopez", date: "2026-11-05T09:00:00-06:00"))
    }

    @Test("status, due, inbox and log count only steps that pass verify's rules, and say how many they left out")
    func statusSkipsInvalid() throws {
        let f = try Fortress()
        let ana = try f.clone(as: "alopez")
        // A forged, unsigned step 04 in Jorge's name: right role, wrong signature.
        try f.commit(ana, Fortress.step04, author: "jperez", sign: false)
        let status = try f.folio(ana, "status", "COOP-2026-0001", "--json")
        let json = try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any]
        #expect(json?["lastStep"] as? String == "03")
        #expect(status.err.contains("1 paso no válido omitido") && status.err.contains("folio verify"))
        #expect(try f.folio(ana, "status").out.contains("1 paso no válido omitido"))
        let log = try f.folio(ana, "log", "COOP-2026-0001")
        #expect(!log.out.contains("paso 04") && log.out.contains("omitido"), "\(log.out)")
        #expect(try f.folio(ana, "due", "--today", "2026-11-05").out.contains("omitido"))
        #expect(try f.folio(ana, "inbox", "--as", "jperez", "--today", "2026-11-05").out.contains("omitido"))
        // Cached output (the same HEAD, day and words) says the warning again, on stderr for --json.
        for words in [["status", "--json"], ["status", "COOP-2026-0001", "--json"], ["log", "COOP-2026-0001", "--json"]] {
            let first = try Sandbox.run(CLI.binary, words, in: ana, env: ["FOLIO_DATE": Fortress.when])
            let again = try Sandbox.run(CLI.binary, words, in: ana, env: ["FOLIO_DATE": Fortress.when])
            #expect(again.out == first.out && again.err == first.err && again.err.contains("1 paso no válido omitido"), "\(words)")
        }
        let cache = ana + "/.git/folio/salida.cache"
        #expect(FileManager.default.fileExists(atPath: cache))
        // A warning file of another run: the output is not believed, the command replays.
        try Data("otra clave\n".utf8).write(to: URL(fileURLWithPath: ana + "/.git/folio/salida.aviso"))
        let replayed = try f.folio(ana, "log", "COOP-2026-0001", "--json")
        #expect(replayed.err.contains("1 paso no válido omitido") && replayed.out.contains("\"03\""))
    }
}

@Suite("Legitimate changes of authority and late publication still work")
struct LegitimateTests {
    @Test("a jefe rotates their own key, a second jefe is added and acts, a person leaves: every push accepted, verify clean")
    func authorityChanges() throws {
        let f = try Fortress()
        // Jorge records step 04 in his clone and publishes it.
        let jorge = try f.clone(as: "jperez")
        try f.expectOK(f.folio(jorge, "step", "COOP-2026-0001", "04", date: "2026-11-04T09:00:00-06:00"))
        try f.expectOK(f.push(jorge, date: "2026-11-04T09:05:00-06:00"))
        let admin = f.admin
        _ = try Sandbox.gitOut(["pull", "-q", "--ff-only", "origin", "main"], in: admin)
        // The jefe rotates her key (signed with the old one), then signs with the new one.
        let rotated = try f.shared.box.sshKey("jefe-nueva")
        try f.expectOK(f.folio(admin, "roles", "key", "mrodriguez", rotated.publicKey, "--as", "mrodriguez", date: "2026-11-05T09:00:00-06:00"))
        _ = try Sandbox.gitOut(["config", "user.signingKey", rotated.path], in: admin)
        // A second jefe, with a key; Jorge leaves.
        let second = try f.shared.box.sshKey("ecastillo")
        try f.expectOK(f.folio(admin, "roles", "add", "ecastillo", "--name", "Elena Castillo", "--email", "ecastillo@igss.gob.gt",
                               "--role", "jefe", "--as", "mrodriguez", date: "2026-11-05T09:10:00-06:00"))
        try f.expectOK(f.folio(admin, "roles", "key", "ecastillo", second.publicKey, "--as", "mrodriguez", date: "2026-11-05T09:20:00-06:00"))
        try f.expectOK(f.folio(admin, "roles", "remove", "jperez", "--as", "mrodriguez", date: "2026-11-05T09:30:00-06:00"))
        try f.expectOK(f.folio(admin, "new", "7", "--title", "Otra beca", "--set", "organismo=CISS", "--set", "fortalece_capacidades=true", "--set", "organismo_especializado=true", "--set", "involucra_personal=false", date: "2026-11-05T10:00:00-06:00"))
        try f.expectOK(f.push(admin, date: "2026-11-05T10:05:00-06:00"))
        // The second jefe acts from her own clone.
        let elena = try f.shared.clone("elena", user: "Elena Castillo", email: "ecastillo@igss.gob.gt")
        _ = try Sandbox.gitOut(["config", "user.signingKey", second.path], in: elena)
        try f.expectOK(f.folio(elena, "step", "COOP-2026-0002", "02", date: "2026-11-06T09:00:00-06:00"))
        try f.expectOK(f.push(elena, date: "2026-11-06T09:05:00-06:00"))
        // Jorge, removed, can no longer record; his step 04 still counts.
        _ = try Sandbox.gitOut(["pull", "-q", "--ff-only", "origin", "main"], in: jorge)
        let refused = try f.folio(jorge, "step", "COOP-2026-0001", "05", date: "2026-11-06T10:00:00-06:00")
        #expect(refused.status != 0, "\(refused.out)")
        _ = try Sandbox.gitOut(["fetch", "-q", "origin"], in: elena)
        // A plain fetch brings no stamps: said once, with 'folio sync' as the fix; after it, clean.
        let unsynced = try f.folio(elena, "verify", date: "2026-11-06T09:10:00-06:00")
        #expect(unsynced.ok && unsynced.out.contains("Ningún commit publicado tiene sello de recepción") && unsynced.out.contains("'folio sync'"), "\(unsynced.out)")
        try f.expectOK(f.folio(elena, "sync", date: "2026-11-06T09:15:00-06:00"))
        let verify = try f.folio(elena, "verify", date: "2026-11-06T09:15:00-06:00")
        #expect(verify.ok && verify.out.contains("Sin infracciones"), "\(verify.out)")
        let status = try f.folio(elena, "status", "COOP-2026-0001", "--json")
        #expect(status.out.contains("\"lastStep\" : \"04\""), "\(status.out)")
    }

    @Test("steps recorded offline and published days later are stamped on reception and flagged late, not refused")
    func offlineLate() throws {
        let f = try Fortress()
        // What the shared repository stamped when it was first published.
        let initial = try Sandbox.gitOut(["notes", "--ref=folio-recepcion", "list"], in: f.shared.bare).split(separator: "\n").count
        #expect(initial >= 4)
        let jorge = try f.clone(as: "jperez")
        // Offline on the 4th.
        try f.expectOK(f.folio(jorge, "step", "COOP-2026-0001", "04", date: "2026-11-04T09:00:00-06:00"))
        // Meanwhile the jefe publishes other work on the 6th: stamped then.
        try f.expectOK(f.folio(f.admin, "new", "7", "--title", "Otra beca", "--set", "organismo=CISS", "--set", "fortalece_capacidades=true", "--set", "organismo_especializado=true", "--set", "involucra_personal=false", date: "2026-11-06T09:00:00-06:00"))
        try f.expectOK(f.push(f.admin, date: "2026-11-06T09:05:00-06:00"))
        // On the 9th Jorge puts his step on top of the shared line and publishes it.
        let nine = ["GIT_AUTHOR_DATE": "2026-11-09T09:00:00-06:00", "GIT_COMMITTER_DATE": "2026-11-09T09:00:00-06:00"]
        _ = try Sandbox.gitOut(["fetch", "-q", "origin"], in: jorge)
        _ = try Sandbox.gitOut(["-c", "commit.gpgSign=true", "rebase", "-q", "origin/main"], in: jorge, env: nine)
        #expect(try Sandbox.gitOut(["log", "-1", "--format=%aI %cI"], in: jorge) == "2026-11-04T09:00:00-06:00 2026-11-09T09:00:00-06:00")
        let pushed = try f.push(jorge, date: "2026-11-09T09:05:00-06:00")
        #expect(pushed.ok, "\(pushed.err)")
        #expect(pushed.err.contains("sellad"), "\(pushed.err)")
        let stamps = try Sandbox.gitOut(["notes", "--ref=folio-recepcion", "list"], in: f.shared.bare)
        #expect(stamps.split(separator: "\n").count == initial + 2)
        // folio sync brings the stamps; verify says the step came five days late, and passes.
        try f.expectOK(f.folio(jorge, "sync", date: "2026-11-09T10:00:00-06:00"))
        let verify = try f.folio(jorge, "verify", date: "2026-11-09T10:00:00-06:00")
        #expect(verify.ok, "\(verify.out)")
        #expect(verify.out.contains("[tarde]") && verify.out.contains("5 días") && verify.out.contains("tolerancia: 24 h"), "\(verify.out)")
        // A stamp edited by hand no longer counts.
        let head = try Sandbox.gitOut(["rev-parse", "HEAD"], in: jorge)
        let note = try Sandbox.gitOut(["notes", "--ref=folio-recepcion", "show", head], in: jorge)
        _ = try Sandbox.gitOut(["notes", "--ref=folio-recepcion", "add", "-f", "-m", note.replacingOccurrences(of: "recibido 17", with: "recibido 16"), head], in: jorge)
        let tampered = try f.folio(jorge, "verify", date: "2026-11-09T10:00:00-06:00")
        #expect(tampered.out.contains("[sello]"), "\(tampered.out)")
    }

    @Test("a push that lands while the server's key is missing is said accepted and unstamped; with the key back, 'folio stamp --faltantes' stamps those commits only; a clone, garbage input and a wrong key are told apart (staff38)")
    func missedStamps() throws {
        let f = try Fortress()
        let bare = f.shared.bare
        let stamps = { try Sandbox.gitOut(["notes", "--ref=folio-recepcion", "list"], in: bare).split(separator: "\n").count }
        let key = try Sandbox.gitOut(["config", "folio.clave-servidor"], in: bare)
        // The registered key's fingerprint, as ssh-keygen prints it.
        let registered = String(try Sandbox.run("/usr/bin/ssh-keygen", ["-lf", key + ".pub"], in: bare).out.split(separator: " ")[1])
        #expect(registered.hasPrefix("SHA256:"))
        // In a copy of the shared repository whose stamps are lost (its notes reference deleted),
        // while folio.yaml registers clave_servidor: said once, not per commit, with the fix for the
        // server; '--faltantes' stamps from the registration on.
        let copy = f.shared.box.path + "/copia-servidor.git"
        _ = try Sandbox.gitOut(["clone", "-q", "--bare", bare, copy], in: f.shared.box.path)
        _ = try Sandbox.gitOut(["config", "folio.clave-servidor", key], in: copy)
        _ = try? Sandbox.gitOut(["update-ref", "-d", "refs/notes/folio-recepcion"], in: copy)
        let none = try f.folio(copy, ["verify"], date: "2026-11-06T08:00:00-06:00")
        #expect(none.ok && none.out.contains("Ningún commit publicado tiene sello de recepción") && none.out.contains("folio.yaml registra clave_servidor desde el commit")
                && none.out.components(separatedBy: "[sello]").count == 2 && none.out.contains("'folio stamp --faltantes'"), "\(none.out)")
        let registering = try Sandbox.gitOut(["log", "--format=%H", "-1", "-S", "clave_servidor", "--", "folio.yaml"], in: copy)
        let sinceRegistering = Int(try Sandbox.gitOut(["rev-list", "--count", "--first-parent", "\(registering)^..main"], in: copy))!
        // FOLIO_DATE in the environment does not set a stamp's time: the server's clock does (attack42).
        // Not even with the rehearsal setting in the caller's own git configuration (a pusher's HOME
        // reaches the hook on a push by a local path: attack43): only the repository's file counts.
        let home = f.shared.box.path + "/casa-atacante"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try "[folio]\n\tfecha-de-ensayo = true\n".write(toFile: home + "/.gitconfig", atomically: true, encoding: .utf8)
        let realClock = try Sandbox.run(CLI.binary, ["stamp", "--faltantes"], in: copy, env: ["FOLIO_DATE": "2026-11-01T09:00:00-06:00", "HOME": home])
        #expect(realClock.ok && realClock.err.contains("FOLIO_DATE (2026-11-01T09:00:00-06:00) no fija la hora de un sello"), "\(realClock.err)")
        let stampText = try Sandbox.gitOut(["notes", "--ref=folio-recepcion", "show", "main"], in: copy)
        let epoch = stampText.split(separator: "\n").first { $0.hasPrefix("recibido ") }.flatMap { Double($0.split(separator: " ")[1]) }
        #expect(epoch.map { abs($0 - Date().timeIntervalSince1970) < 600 } == true, "\(stampText)")
        _ = try Sandbox.gitOut(["update-ref", "-d", "refs/notes/folio-recepcion"], in: copy)
        // A rehearsal repository lets FOLIO_DATE set it. Stamps dated before the commits they stamp
        // (a server clock set back) are written, signed, and not believed: each is said, none counts.
        _ = try Sandbox.gitOut(["config", "folio.fecha-de-ensayo", "true"], in: copy)
        let backdated = try f.folio(copy, ["stamp", "--faltantes"], date: "2026-11-01T09:00:00-06:00")
        #expect(backdated.ok && backdated.err.contains("\(sinceRegistering) commits sellados"), "\(backdated.err)")
        let early = try f.folio(copy, ["verify"], date: "2026-11-06T08:05:00-06:00")
        #expect(early.ok && early.out.components(separatedBy: "más de un día antes de la fecha que el commit declara").count == sinceRegistering + 1, "\(early.out)")
        // '--faltantes' does not replace them, and says how to stamp them again.
        let redo = try f.folio(copy, ["stamp", "--faltantes"], date: "2026-11-06T08:07:00-06:00")
        #expect(redo.ok && redo.err.contains("\(sinceRegistering) commits tienen un sello que no se tiene en cuenta")
                && redo.err.contains("git notes --ref=folio-recepcion remove \(registering)"), "\(redo.err)")
        _ = try Sandbox.gitOut(["update-ref", "-d", "refs/notes/folio-recepcion"], in: copy)
        // Stamped nine hours before the commits' declared time (a pusher's clock ahead of the
        // server's, which the hook accepts up to a day): believed, not said (attack42).
        let fromStart = try f.folio(copy, ["stamp", "--faltantes"], date: "2026-11-03T00:00:00-06:00")
        #expect(fromStart.ok && fromStart.err.contains("\(sinceRegistering) commits sellados"), "\(fromStart.err)")
        #expect(try Sandbox.gitOut(["notes", "--ref=folio-recepcion", "list"], in: copy).split(separator: "\n").count == sinceRegistering)
        let stampedCopy = try f.folio(copy, ["verify"], date: "2026-11-06T08:15:00-06:00")
        #expect(stampedCopy.ok && !stampedCopy.out.contains("[sello]"), "\(stampedCopy.out)")
        // A notes reference pointing at a tree, not a commit: read as no stamps, not a crash.
        let copyTree = try Sandbox.gitOut(["rev-parse", "main^{tree}"], in: copy)
        _ = try Sandbox.gitOut(["update-ref", "refs/notes/folio-recepcion", copyTree], in: copy)
        let broken = try f.folio(copy, ["verify"], date: "2026-11-06T08:20:00-06:00")
        #expect(broken.ok && broken.out.contains("Ningún commit publicado tiene sello de recepción"), "\(broken.out)\(broken.err)")
        #expect(try f.folio(copy, ["status"], date: "2026-11-06T08:20:00-06:00").ok)
        try f.expectOK(f.folio(f.admin, "new", "7", "--title", "Otra beca", "--set", "organismo=CISS", "--set", "fortalece_capacidades=true", "--set", "organismo_especializado=true", "--set", "involucra_personal=false", date: "2026-11-06T09:00:00-06:00"))
        try f.expectOK(f.push(f.admin, date: "2026-11-06T09:05:00-06:00"))
        let before = try stamps()
        #expect(before >= 1)

        // The key file is gone: the push lands, and the pusher is told so, with what the administrator does.
        try FileManager.default.moveItem(atPath: key, toPath: key + ".respaldo")
        try f.expectOK(f.folio(f.admin, "step", "COOP-2026-0002", "02", date: "2026-11-06T10:00:00-06:00"))
        let lost = try f.push(f.admin, date: "2026-11-06T10:05:00-06:00")
        #expect(lost.ok, "\(lost.err)")
        #expect(lost.err.contains("el push se aceptó, pero no se sellaron los commits recibidos"), "\(lost.err)")
        #expect(lost.err.contains("copia de respaldo (la registrada: \(registered))") && lost.err.contains("'folio stamp --faltantes'"), "\(lost.err)")
        #expect(try stamps() == before)
        // Run by hand with nothing on its input: nothing received, nothing said of a push (staff41).
        let byHand = try Sandbox.run(CLI.binary, ["stamp"], in: bare, env: ["FOLIO_DATE": "2026-11-06T10:05:30-06:00"], input: "")
        #expect(byHand.ok && !byHand.err.contains("el push se aceptó") && !byHand.err.contains("sellad"), "\(byHand.err)")
        let unstamped = try Sandbox.gitOut(["rev-parse", "main"], in: bare)
        // Published without its stamp, after stamped commits: verify says so on the server, and in
        // a clone once it holds the push (its remote-tracking branch), even with no later push.
        let onServer = try f.folio(bare, ["verify"], date: "2026-11-06T10:06:00-06:00")
        #expect(onServer.ok && onServer.out.contains(String(unstamped.prefix(7))) && onServer.out.contains("ya está publicado (en una rama del repositorio compartido)")
                && onServer.out.contains("[sello]") && onServer.out.contains("Como el usuario de git") && !onServer.out.contains("Traiga los sellos"), "\(onServer.out)")
        try f.expectOK(f.folio(f.admin, "sync", date: "2026-11-06T10:10:00-06:00"))
        let cut = try f.folio(f.admin, "verify", date: "2026-11-06T10:10:00-06:00")
        #expect(cut.ok && cut.out.contains(String(unstamped.prefix(7))) && cut.out.contains("ya está publicado (en la rama remota que sigue la rama de este clon)")
                && cut.out.contains("'folio stamp --faltantes'"), "\(cut.out)")

        // Restored: the next push stamps its own commit and the one the earlier push left unstamped (attack40).
        try FileManager.default.moveItem(atPath: key + ".respaldo", toPath: key)
        try f.expectOK(f.folio(f.admin, "new", "7", "--title", "Tercera beca", "--set", "organismo=OISS", "--set", "fortalece_capacidades=true", "--set", "organismo_especializado=true", "--set", "involucra_personal=false", date: "2026-11-06T11:00:00-06:00"))
        // A commit not yet published is no finding, though pushed to another remote (not the one
        // the branch follows): only the published one is said.
        let local = try Sandbox.gitOut(["rev-parse", "HEAD"], in: f.admin)
        let backup = f.shared.box.path + "/respaldo.git"
        _ = try Sandbox.gitOut(["init", "-q", "--bare", backup], in: f.shared.box.path)
        _ = try Sandbox.gitOut(["remote", "add", "respaldo", backup], in: f.admin)
        _ = try Sandbox.gitOut(["push", "-q", "respaldo", "main"], in: f.admin)
        let unpublished = try f.folio(f.admin, "verify", date: "2026-11-06T11:01:00-06:00")
        #expect(unpublished.ok && unpublished.out.contains(String(unstamped.prefix(7))) && !unpublished.out.contains(String(local.prefix(7))), "\(unpublished.out)")
        let after = try f.push(f.admin, date: "2026-11-06T11:05:00-06:00")
        #expect(after.ok && after.err.contains("2 commits sellados"), "\(after.err)")
        #expect(try stamps() == before + 2)
        // A stamp missing between stamped ones (taken away here) is a hole, which verify says in every clone.
        _ = try Sandbox.gitOut(["notes", "--ref=folio-recepcion", "remove", unstamped], in: bare)
        try f.expectOK(f.folio(f.admin, "sync", date: "2026-11-06T11:10:00-06:00"))
        let hole = try f.folio(f.admin, "verify", date: "2026-11-06T11:10:00-06:00")
        #expect(hole.ok && hole.out.contains(String(unstamped.prefix(7))) && hole.out.contains("no tiene sello de recepción") && hole.out.contains("[sello]"), "\(hole.out)")
        // A key other users can read: ssh-keygen would not sign; said, with the fix, and not as a push.
        chmod(key, 0o644)
        let open = try f.folio(bare, ["stamp", "--faltantes"], date: "2026-11-07T07:50:00-06:00")
        #expect(open.err.contains("no se sellaron los commits sin sello") && open.err.contains("tiene permisos 644") && open.err.contains("chmod 600")
                && !open.err.contains("el push se aceptó"), "\(open.err)")
        chmod(key, 0o600)
        // The hole is stamped at the time of the repair, and only it.
        let repair = try f.folio(bare, ["stamp", "--faltantes"], date: "2026-11-07T08:00:00-06:00")
        #expect(repair.ok && repair.err.contains("1 commit sellado con la hora de recepción 2026-11-07T08:00:00-06:00"), "\(repair.err)")
        #expect(try stamps() == before + 2)
        try f.expectOK(f.folio(f.admin, "sync", date: "2026-11-07T08:05:00-06:00"))
        let whole = try f.folio(f.admin, "verify", date: "2026-11-07T08:05:00-06:00")
        #expect(whole.ok && !whole.out.contains("no tiene sello de recepción"), "\(whole.out)")
        #expect(try Sandbox.gitOut(["notes", "--ref=folio-recepcion", "show", unstamped], in: bare).contains("recibido"))
        let again = try f.folio(bare, ["stamp", "--faltantes"], date: "2026-11-07T08:10:00-06:00")
        #expect(again.ok && again.err.contains("no falta ningún sello"), "\(again.err)")
        #expect(try stamps() == before + 2)

        // In a clone, stamping is refused: a clone never received a push.
        let clone = try f.folio(f.admin, ["stamp"], date: "2026-11-07T08:00:00-06:00")
        #expect(!clone.ok && clone.err.contains("es un clon con copia de trabajo"), "\(clone.err)")
        #expect((try? Sandbox.gitOut(["notes", "--ref=folio-recepcion", "list"], in: f.admin))?.split(separator: "\n").count ?? 0 == before + 2)
        // A line given by hand naming a commit the branch does not hold: nothing is stamped.
        let tree = try Sandbox.gitOut(["rev-parse", "main^{tree}"], in: bare)
        let stray = try Sandbox.gitOut(["commit-tree", tree, "-p", "main", "-m", "fuera de la rama"], in: bare, env: Fortress.later)
        let main = try Sandbox.gitOut(["rev-parse", "main"], in: bare)
        let handLine = try Sandbox.run(CLI.binary, ["stamp"], in: bare, env: ["FOLIO_DATE": "2026-11-07T08:15:00-06:00"], input: "\(main) \(stray) refs/heads/main\n")
        #expect(handLine.ok && !handLine.err.contains("sellado"), "\(handLine.err)")
        #expect(try stamps() == before + 2)
        // What git never gives a hook is refused, not taken as nothing to do.
        let garbage = try Sandbox.run(CLI.binary, ["stamp"], in: bare, env: ["FOLIO_DATE": "2026-11-07T08:20:00-06:00"], input: "x y\n")
        #expect(garbage.status != 0 && garbage.err.contains("'x y' no es 'ANTERIOR NUEVO REF'"), "\(garbage.err)")

        // Another key configured on the server: told apart from the registered one by the fingerprints.
        let other = try f.shared.box.sshKey("otra-clave")
        _ = try Sandbox.gitOut(["config", "folio.clave-servidor", other.path], in: bare)
        try f.expectOK(f.folio(f.admin, "step", "COOP-2026-0002", "03", date: "2026-11-07T09:00:00-06:00"))
        let wrong = try f.push(f.admin, date: "2026-11-07T09:05:00-06:00")
        let otherPrint = String(try Sandbox.run("/usr/bin/ssh-keygen", ["-lf", other.path + ".pub"], in: bare).out.split(separator: " ")[1])
        #expect(wrong.ok && wrong.err.contains("(\(otherPrint)) no es la clave_servidor que folio.yaml registra (\(registered))"), "\(wrong.err)")
        #expect(wrong.err.contains(other.publicKey.split(separator: " ").prefix(2).joined(separator: " ")), "\(wrong.err)")
    }
}
