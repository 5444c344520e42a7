@testable import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

/// A change of `roles.yaml` that verify refuses grants nothing: every commit after it, every step
/// offered and every write are judged by the roster before it (attack44).
@Suite("The configuration in force")
struct ConfigurationInForceTests {
    static let jperez = "Jorge Pérez <jperez@igss.gob.gt>"

    /// A P2 case at step 04 (next: 05, a jefe's), then Jorge, an assistant, makes himself jefe with
    /// plain git and records step 05 as jefe with plain git.
    func forged() throws -> (repo: CaseRepo, id: String, forgery: String, step: String) {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "2", title: "POA 2027", sets: ["coordinacion=Presupuesto", "coordinacion_anteproyecto=Acta 14-2026"],
                                                       persona: "mrodriguez")).caseID
        for (step, who) in [("02", "mrodriguez"), ("03", "jperez"), ("04", "jperez")] { try repo.step(id, step, as: who) }
        try repo.write(repo.read("roles.yaml").replacingOccurrences(of: "roles: [asistente]", with: "roles: [jefe]"), to: "roles.yaml")
        let forgery = try repo.plainCommit("Roles: ajuste", author: Self.jperez)
        let step = try repo.plainCommit("\(id) paso 05\n\nExpediente: \(id)\nProcedimiento: 2\nPaso: 05\nRol: jefe\nSigned-off-by: \(Self.jperez)\n",
                                        author: Self.jperez)
        return (repo, id, forgery, step)
    }

    func blob(_ repo: CaseRepo, _ revision: String) throws -> OID? {
        OID(hex: try repo.git(["rev-parse", "\(revision):roles.yaml"]))
    }

    /// The `roles.yaml` in force after `commit`, as `book` finds it.
    func inForce(_ book: Casebook, after commit: String) throws -> OID? {
        try book.configEntry(Roster.fileName, in: try book.configurationSource(after: OID(hex: commit)!))
    }

    @Test("a forged roles.yaml: the steps after it are judged by the roster before it (verify [role], status leaves the step out), and nothing is recorded until a jefe restores it")
    func forgedRosterGrantsNothing() throws {
        let (repo, id, forgery, step) = try forged()
        let before = try blob(repo, forgery + "^")
        #expect(try blob(repo, "HEAD") != before)
        // What rules each commit: the roster before the forgery, for the forgery's children and HEAD's.
        for book in [repo.book, try Casebook.open(at: repo.path, clock: repo.book.clock)] {
            #expect(try inForce(book, after: forgery) == before)
            #expect(try inForce(book, after: step) == before)
            #expect(try book.roster(at: OID(hex: step)!).find("jperez")?.holds(.jefe) == false)
            #expect(try book.uncountedConfigurationChange(at: OID(hex: step)!)?.commits.map(\.hex) == [forgery])
        }
        // verify names the step as a step by someone without the role, not only the roster's commit.
        let report = try repo.book.verify()
        #expect(report.violations.contains { $0.commit == forgery && $0.kind == .rolesFile })
        #expect(report.violations.contains { $0.commit == step && $0.kind == .role && $0.message.contains("no tenía ese rol") },
                "\(report.violations.map { "\($0.commit.prefix(7)) \($0.kind) \($0.message)" })")
        // status does not count it, and says so.
        let reader = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(try reader.status(of: id).lastStep == "04")
        #expect(reader.omittedCommits == 1)
        // Nothing is recorded on it: not a step by the real jefe, not the jefe's roster change
        // (which would write the forged text into a change that counts).
        let head = try repo.git(["rev-parse", "HEAD"])
        try repo.expectRefusal(["roles.yaml en HEAD no es el vigente", String(forgery.prefix(7)), "git checkout"]) {
            try repo.step(id, "05", as: "mrodriguez")
        }
        try repo.expectRefusal(["roles.yaml en HEAD no es el vigente"]) {
            try repo.book.addPersona(Persona(id: "nuevo", name: "Nuevo", email: "nuevo@igss.gob.gt", roles: [.analista]), actor: "mrodriguez")
        }
        #expect(try repo.git(["rev-parse", "HEAD"]) == head)
        // The jefe restores the roster in force with a commit of hers: folio records again.
        try repo.write(try repo.git(["show", forgery + "^:roles.yaml"]) + "\n", to: "roles.yaml")
        let restored = try repo.plainCommit("Roles: restaura el vigente", author: CaseRepo.jefe)
        #expect(try repo.book.uncountedConfigurationChange(at: OID(hex: restored)!) == nil)
        #expect(try repo.step(id, "05", as: "mrodriguez").step == "05")
        // Writing the forged file again (a blob that was once written) grants nothing either: what
        // counts is who wrote it, and where, not its contents.
        try repo.write(try repo.git(["show", forgery + ":roles.yaml"]) + "\n", to: "roles.yaml")
        let again = try repo.plainCommit("Roles: otra vez", author: Self.jperez)
        #expect(try inForce(repo.book, after: again) == (try blob(repo, restored)))
        #expect(try Casebook.open(at: repo.path, clock: repo.book.clock).roster(at: OID(hex: again)!).find("jperez")?.holds(.jefe) == false)
        // A jefe who then edits that file with plain git confirms the forged grant too: it counts (it is
        // the jefe's), and verify says what it took in; putting back what was in force confirmed nothing.
        try repo.write(repo.read("roles.yaml") + "# revisado\n", to: "roles.yaml")
        let confirming = try repo.plainCommit("Roles: revisión", author: CaseRepo.jefe)
        #expect(try Casebook.open(at: repo.path, clock: repo.book.clock).roster(at: OID(hex: confirming)!).find("jperez")?.holds(.jefe) == true)
        let findings = try Casebook.open(at: repo.path, clock: repo.book.clock).verify().violations
        #expect(findings.contains { $0.commit == confirming && $0.kind == .rolesFile && $0.level == .warning
            && $0.message.contains("confirma también") && $0.message.contains(String(again.prefix(7))) }, "\(findings.map { "\($0.commit.prefix(7)) \($0.kind) \($0.message)" })")
        #expect(!findings.contains { $0.commit == restored })
    }

    @Test("a file beside the case folders whose mode alone changes is changed: a step that makes roles.yaml executable breaks [scope], an analyst's commit that does is [roles-file], a jefe's is not; the next step's refusal (E077) names roles.yaml and how to put it back")
    func modeChangeIsAChange() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Cooperación", sets: ["organismo=OISS"], persona: "mrodriguez")).caseID
        let folder = try #require(try repo.book.casePath(id, at: OID(hex: repo.git(["rev-parse", "HEAD"]))!))
        let mode = { (revision: String) in try repo.git(["ls-tree", revision, "roles.yaml"]).prefix(6) }
        let chmod = { (permissions: Int) in
            try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: repo.path + "/roles.yaml")
        }
        // A step of the case that also makes roles.yaml executable (its bytes the same).
        try repo.write(repo.read("\(folder)/expediente.md") + "\nNota.\n", to: "\(folder)/expediente.md")
        try chmod(0o755)
        let step = try repo.plainCommit("\(id) nota\n\nExpediente: \(id)\nProcedimiento: 7\nSigned-off-by: \(CaseRepo.jefe)\n", author: CaseRepo.jefe)
        #expect(try mode(step) == "100755" && mode(step + "^") == "100644")
        // It does not count, and the refusal of the next step names the file and how to put it back.
        let stepID = try #require(OID(hex: step))
        let uncounted = try #require(try repo.book.uncountedConfigurationChange(at: stepID))
        #expect(uncounted.files == ["roles.yaml"] && uncounted.commits.map(\.hex) == [step])
        let refusal = #expect(throws: CasebookError.self) { try repo.book.requireConfigurationInForce(stepID) }
        let message = refusal.map { "\($0)" } ?? ""
        #expect(message.contains("roles.yaml en HEAD no es el vigente") && message.contains("'git rm -r -q roles.yaml' y luego 'git checkout"), "\(message)")
        // An analyst's commit that makes it plain again, and a jefe's that makes it executable again.
        try chmod(0o644)
        let analyst = try repo.plainCommit("Roles: modo", author: "Ana López <alopez@igss.gob.gt>")
        try chmod(0o755)
        let jefe = try repo.plainCommit("Roles: modo", author: CaseRepo.jefe)
        let findings = try Casebook.open(at: repo.path, clock: repo.book.clock).verify().violations
        let rules = { (commit: String) in Set(findings.filter { $0.commit == commit }.map(\.kind)) }
        #expect(rules(step).contains(.scope), "\(findings.map { "\($0.commit.prefix(7)) \($0.kind) \($0.message)" })")
        #expect(findings.contains { $0.commit == step && $0.kind == .scope && $0.message.contains("roles.yaml") })
        #expect(rules(analyst).contains(.rolesFile))
        #expect(rules(jefe).isEmpty, "\(rules(jefe))")
    }

    @Test("a whole-history status and verify check each case by the configuration in force the walk found at its steps and their parents, not found again from history, and not after a step that also changed a file beside the case folders: the same statuses and findings as found from history, in one walk and in halves")
    func casesTakeTheWalksConfiguration() throws {
        let (repo, id, forgery, _) = try forged()
        // The jefe restores the roster in force (a change that counts), then records step 05.
        try repo.write(try repo.git(["show", forgery + "^:roles.yaml"]) + "\n", to: "roles.yaml")
        let restored = try repo.plainCommit("Roles: restaura el vigente", author: CaseRepo.jefe)
        #expect(try repo.step(id, "05", as: "mrodriguez").step == "05")
        // A step of the case that also makes Ana jefe, with plain git: a step changes its case only,
        // so the roster it writes is not in force after it, though its author is the jefe.
        let roles = repo.read("roles.yaml")
        let granted = roles.replacingOccurrences(of: "roles: [analista, asistente]", with: "roles: [jefe]")
        #expect(granted != roles)
        try repo.write(granted, to: "roles.yaml")
        let folder = try #require(try repo.book.casePath(id, at: OID(hex: repo.git(["rev-parse", "HEAD"]))!))
        try repo.write(repo.read("\(folder)/expediente.md") + "\nNota del jefe.\n", to: "\(folder)/expediente.md")
        let changer = try repo.plainCommit("\(id) paso 06\n\nExpediente: \(id)\nProcedimiento: 2\nPaso: 06\nRol: jefe\nSigned-off-by: \(CaseRepo.jefe)\n",
                                           author: CaseRepo.jefe)
        // Ana, jefe only by that step, records step 06 as jefe with plain git.
        let ana = "Ana López <alopez@igss.gob.gt>"
        let anas = try repo.plainCommit("\(id) paso 06\n\nExpediente: \(id)\nProcedimiento: 2\nPaso: 06\nRol: jefe\nSigned-off-by: \(ana)\n", author: ana)
        #expect(try inForce(repo.book, after: changer) == (try blob(repo, restored)))
        var seen: [String] = []
        for halves in [Int.max, 1] {
            var runs: [(statuses: [CaseStatus], findings: [String])] = []
            for takes in [true, false] {
                let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
                (book.usesCache, book.splitWalkThreshold, book.takesWalkedConfiguration) = (false, halves, takes)
                let statuses = try book.statusOfAll()
                let fromStatus = book.sourcesFromTheWalk
                let checker = try Casebook.open(at: repo.path, clock: repo.book.clock)
                (checker.usesCache, checker.splitWalkThreshold, checker.takesWalkedConfiguration) = (false, halves, takes)
                let findings = try checker.verify().violations.map { "\($0.commit) \($0.kind) \($0.message)" }
                // Taken by both (in one walk: every case is checked in turns by two casebooks, so
                // both counts are this casebook's share) and only when allowed.
                #expect(takes ? fromStatus > 0 && checker.sourcesFromTheWalk > 0 : fromStatus == 0 && checker.sourcesFromTheWalk == 0,
                        "halves \(halves), takes \(takes): \(fromStatus), \(checker.sourcesFromTheWalk)")
                // Ana's step is judged by the restored roster: she is no jefe there.
                #expect(findings.contains { $0.hasPrefix("\(anas) role") }, "\(findings)")
                #expect(findings.contains { $0.hasPrefix(changer) })
                #expect(statuses.first { $0.id == id }?.lastStep == "05")
                runs.append((statuses, findings))
            }
            #expect(runs[0].statuses == runs[1].statuses, "halves \(halves)")
            #expect(runs[0].findings == runs[1].findings, "halves \(halves)")
            seen = runs[0].findings
        }
        #expect(!seen.isEmpty)
    }

    @Test("a procedure's schema or folio.yaml changed by an analyst grants nothing either: the jefe's steps stay the jefe's, signatures stay required, and verify names the commits that rely on them (attack45)")
    func forgedSchemaOrSettings() throws {
        let repo = try CaseRepo()
        let jefeOnly = try repo.book.definition(4, at: OID(hex: repo.git(["rev-parse", "HEAD"]))!)!.steps.filter { $0.roles == [.jefe] }.map(\.number)
        #expect(!jefeOnly.isEmpty)
        // Ana gives the analyst every jefe step of P4.
        try repo.write(repo.read("schemas/procedimiento-4.yaml").replacingOccurrences(of: "roles: [jefe]", with: "roles: [jefe, analista]"),
                       to: "schemas/procedimiento-4.yaml")
        let schema = try OID(hex: repo.plainCommit("ajuste del procedimiento"))!
        #expect(try repo.book.configuration.definition(4, at: schema)!.steps.contains { $0.roles.contains(.analista) && $0.roles.contains(.jefe) })
        #expect(try repo.book.definition(4, at: schema)!.steps.filter { $0.roles == [.jefe] }.map(\.number) == jefeOnly)
        try repo.expectRefusal(["schemas/ en HEAD no es el vigente", String(schema.hex.prefix(7)), "[schemas]"]) {
            _ = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Hospital", persona: "alopez"))
        }
        // The way back the refusal gives, followed as written, puts back what is in force (a file the
        // forgery added included: attack46).
        do {
            let probe = try repo.git(["rev-parse", "HEAD"])
            try repo.write("extra: 1\n", to: "schemas/extra.yaml")
            try repo.write("nota\n", to: "notas.txt")
            let more = try repo.plainCommit("más")
            var message = ""
            do { try repo.book.requireConfigurationInForce(OID(hex: more)!) } catch { message = "\(error)" }
            let commands = message.components(separatedBy: "'").enumerated().filter { $0.offset % 2 == 1 && $0.element.hasPrefix("git ") }.map(\.element)
            #expect(commands.count >= 2 && commands.contains { $0.hasPrefix("git rm -r -q") } && commands.contains { $0.hasPrefix("git checkout") }, "\(message)")
            for command in commands where command.hasPrefix("git rm") || command.hasPrefix("git checkout") {
                _ = try repo.git(Array(command.split(separator: " ").dropFirst().map(String.init)))
            }
            _ = try repo.plainCommit("Restaura lo vigente", author: CaseRepo.jefe)
            #expect(try repo.book.uncountedConfigurationChange(at: OID(hex: repo.git(["rev-parse", "HEAD"]))!) == nil)
            #expect(!FileManager.default.fileExists(atPath: repo.path + "/notas.txt") && !FileManager.default.fileExists(atPath: repo.path + "/schemas/extra.yaml"))
            _ = try repo.git(["reset", "-q", "--hard", probe])
        }
        // A jefe's change of another file on top of it does not count either: it would bring the
        // analyst's schema in with it (staff46). verify says so.
        let inForce = try repo.book.configurationSource(after: schema)
        try repo.write(repo.read("folio.yaml") + "# revisado\n", to: "folio.yaml")
        let settings = try OID(hex: repo.plainCommit("Configuración", author: CaseRepo.jefe))!
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(try book.configurationSource(after: settings) == inForce)
        #expect(try book.definition(4, at: settings)!.steps.filter { $0.roles == [.jefe] }.map(\.number) == jefeOnly)
        let findings = try book.verify().violations
        #expect(findings.contains { $0.commit == settings.hex && $0.level == .warning && $0.message.contains("no cuenta") && $0.message.contains("schemas/") },
                "\(findings.map { "\($0.commit.prefix(7)) \($0.kind) \($0.message)" })")
        _ = try repo.git(["reset", "-q", "--hard", "HEAD~2"])
        // The jefe requires signatures; Ana turns them off; Jorge's unsigned commit after it is judged by the jefe's folio.yaml.
        try repo.write(repo.read("folio.yaml").replacingOccurrences(of: "firma: opcional", with: "firma: obligatoria"), to: "folio.yaml")
        let required = try repo.plainCommit("Exige firma", author: CaseRepo.jefe)
        try repo.write(repo.read("folio.yaml").replacingOccurrences(of: "firma: obligatoria", with: "firma: opcional"), to: "folio.yaml")
        let off = try repo.plainCommit("sin firma")
        let unsigned = try repo.plainCommit("vacío", author: Self.jperez)
        #expect(try repo.book.settings(at: OID(hex: unsigned)!).signatureRequired)
        #expect(try repo.book.configurationSource(after: OID(hex: unsigned)!).hex == required)
        let report = try Casebook.open(at: repo.path, clock: repo.book.clock).verify()
        #expect(report.violations.contains { $0.commit == off && $0.kind == .guarded })
        #expect(report.violations.contains { $0.commit == unsigned && $0.kind == .signature }, "\(report.violations.map { "\($0.commit.prefix(7)) \($0.kind) \($0.message)" })")
    }

    @Test("vigente.cache is disposable: damaged, cut, of another build, a link, or naming a forgery as in force with a stale seal, it is ignored and the answers are the history's")
    func cacheIsDisposable() throws {
        let (repo, _, forgery, step) = try forged()
        let cache = repo.path + "/.git/folio/" + ConfigurationLedger.fileName
        let before = try blob(repo, forgery + "^")
        func answer() throws -> OID? {
            try inForce(Casebook.open(at: repo.path, clock: repo.book.clock), after: step)
        }
        #expect(try answer() == before)
        let good = try String(contentsOfFile: cache, encoding: .utf8)
        // The forgery's line names the commit whose configuration stays in force; one naming the forgery itself would make it count.
        let line = try #require(good.split(separator: "\n").first { $0.hasPrefix("k \(forgery) ") })
        #expect(!line.hasSuffix(forgery), "\(good)")
        let claim = good.replacingOccurrences(of: String(line), with: "k \(forgery) \(forgery)")
        // Sealed again unchanged it is the same file (the seals below are good ones: what is refused is the lines).
        #expect(resealed(good) { _ in } == good)
        #expect(good.split(separator: "\n").count >= 4, "\(good)")
        let damaged = [
            claim,
            String(good.prefix(good.count / 2)),
            good.replacingOccurrences(of: "folio vigente 1 ", with: "folio vigente 1 build-id otro"),
            // Lines out of order, or not of the one width, under a seal that checks: the file is searched by halves, so it is not believed.
            resealed(good) { lines in lines.swapAt(1, 2) },
            resealed(good) { lines in lines[1] += " " },
            // A line twice, or in capitals (the order is of the lower-case text), under a good seal (attack47 could not seal them).
            resealed(good) { lines in lines.insert(lines[1], at: 1) },
            resealed(good) { lines in lines[1] = lines[1].prefix(2) + lines[1].dropFirst(2).uppercased() },
            "basura\n",
            "",
            // Larger than any such cache: not read (attack46: 400 MB read whole before its seal was checked).
            good + String(repeating: "k \(forgery) \(forgery)\n", count: (1 << 24) / 80),
        ]
        for text in damaged {
            try text.write(toFile: cache, atomically: true, encoding: .utf8)
            #expect(try answer() == before, "\(text)")
            // Written again whole, as the history says.
            #expect(try String(contentsOfFile: cache, encoding: .utf8) == good)
        }
        // A link in the cache's place is not followed: the history answers, the link stays a link.
        let elsewhere = repo.box.path + "/elsewhere"
        let planted = claim
        try planted.write(toFile: elsewhere, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: cache)
        try FileManager.default.createSymbolicLink(atPath: cache, withDestinationPath: elsewhere)
        #expect(try answer() == before)
        #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == planted)
    }

    @Test("vigente.cache written again keeps its stored lines where they lie, in order, with this run's merged among them and the previous newest dropped")
    func ledgerMerge() throws {
        let box = Sandbox()
        let id = Self.id
        let path = try ledgerFile(box) { first in
            for n in [0x10, 0x30, 0x50] { first.keep(id(1), after: id(n), mark: true) }
            first.keep(id(0x01), after: id(0x01))
            first.keepNewest(id(1), after: id(0x40))
        }
        var second = ConfigurationLedger.load(path, pin: nil)
        #expect(second.source(after: id(0x30)) == id(1) && second.source(after: id(0x40)) == id(1) && second.source(after: id(0x20)) == nil)
        second.keep(id(1), after: id(0x20), mark: true)
        second.keep(id(0x60), after: id(0x60))
        second.keepNewest(id(0x60), after: id(0x70))
        let text = String(decoding: second.encoded(), as: UTF8.self)
        let lines = text.split(separator: "\n").dropFirst().dropLast().map(String.init)
        #expect(lines == [
            "k \(id(0x01).hex) \(id(1).hex)", "k \(id(0x10).hex) \(id(1).hex)", "k \(id(0x20).hex) \(id(1).hex)", "k \(id(0x30).hex) \(id(1).hex)",
            "k \(id(0x50).hex) \(id(1).hex)", "k \(id(0x60).hex) \(id(0x60).hex)", "n \(id(0x70).hex) \(id(0x60).hex)",
        ], "\(text)")
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(ConfigurationLedger.load(path, pin: nil).source(after: id(0x50)) == id(1))
        #expect(ConfigurationLedger.load(path, pin: nil).source(after: id(0x70)) == id(0x60))
    }

    @Test("a ledger asked one newest commit after another holds one of them, not all: only the file's newest is remembered as dropped")
    func newestIsNotHoarded() throws {
        let box = Sandbox()
        let id = Self.id
        // The file's newest is 0x10: the next run that asks a newer one drops it from the file.
        let path = try ledgerFile(box) { first in
            first.keep(id(1), after: id(1))
            first.keepNewest(id(1), after: id(0x10))
        }
        var ledger = ConfigurationLedger.load(path, pin: nil)
        // A cold status at 30k cases asks some 300,000 such commits: each was kept in a set of dropped ids.
        for n in 0x100..<0x100 + 5_000 { ledger.keepNewest(id(1), after: id(n)) }
        #expect(ledger.answersHeld <= 2, "\(ledger.answersHeld) answers held")
        let lines = String(decoding: ledger.encoded(), as: UTF8.self).split(separator: "\n").dropFirst().dropLast().map(String.init)
        #expect(lines == ["k \(id(1).hex) \(id(1).hex)", "n \(id(0x100 + 4_999).hex) \(id(1).hex)"])
    }

    /// A commit id that sorts as `n` does.
    static func id(_ n: Int) -> OID { OID(hex: String(format: "%08x", n) + String(repeating: "a", count: 32))! }

    /// The path of a vigente.cache in `box` written from a new ledger after `fill`.
    func ledgerFile(_ box: Sandbox, _ fill: (inout ConfigurationLedger) -> Void) throws -> String {
        let path = box.path + "/vigente.cache"
        var ledger = ConfigurationLedger.load(path, pin: nil)
        fill(&ledger)
        try ledger.encoded().write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `text` (a vigente.cache) with its lines after the header changed by `change`, sealed again.
    func resealed(_ text: String, _ change: (inout [String]) -> Void) -> String {
        var lines = text.split(separator: "\n").map(String.init).dropLast().map { $0 }
        change(&lines)
        let body = lines.joined(separator: "\n")
        return body + "\n" + StoredAnswers.checksum(Array(body.utf8)) + "\n"
    }

    @Test("along a line of 300 commits with a valid change of the roster, every commit's answer is the roles.yaml it holds, asked newest first or oldest first")
    func longLine() throws {
        let repo = try CaseRepo()
        // 300 commits after the staff was registered, a valid change of the roster among them.
        for n in 0..<300 {
            if n == 150 { try repo.book.addPersona(Persona(id: "nuevo", name: "Nuevo", email: "nuevo@igss.gob.gt", roles: [.analista]), actor: "mrodriguez") }
            _ = try repo.git(["commit", "-q", "--allow-empty", "-m", "vacío \(n)"])
        }
        let line = try repo.git(["rev-list", "--first-parent", "HEAD"]).split(separator: "\n").map { OID(hex: String($0))! }
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        #expect(try inForce(book, after: line[0].hex) == (try blob(repo, "HEAD")))
        // Every commit's answer is the roles.yaml it holds (every change was the jefe's), asked newest first or oldest first.
        for id in line.prefix(200) + line.suffix(20).reversed() {
            #expect(try inForce(book, after: id.hex) == (try blob(repo, id.hex)))
        }
        // A new run answers from the file (its lines searched by halves where they lie): the same answers.
        let cache = try String(contentsOfFile: repo.path + "/.git/folio/" + ConfigurationLedger.fileName, encoding: .utf8)
        #expect(cache.split(separator: "\n").count > 4, "\(cache)")
        let again = try Casebook.open(at: repo.path, clock: repo.book.clock)
        for id in line.reversed() {
            #expect(try inForce(again, after: id.hex) == (try blob(repo, id.hex)))
        }
        // 70 commits more: the newest, 70 commits from any answer known, is written with the stored
        // lines (merged where they lie, in order, the previous newest dropped); a third run reads it.
        for n in 0..<70 { _ = try repo.git(["commit", "-q", "--allow-empty", "-m", "más \(n)"]) }
        let head = try repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try inForce(Casebook.open(at: repo.path, clock: repo.book.clock), after: head) == (try blob(repo, head)))
        let merged = try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/folio/" + ConfigurationLedger.fileName))
        let stored = try #require(StoredAnswers(merged, header: Array(String(decoding: merged.prefix { $0 != 10 }, as: UTF8.self).utf8)))
        #expect(stored.newest?.hex == head)
        // Every change and mark written before is still there.
        let before = Set(cache.split(separator: "\n").filter { $0.hasPrefix("k ") })
        #expect(before.isSubset(of: Set(String(decoding: merged, as: UTF8.self).split(separator: "\n"))), "\(cache)")
        #expect(String(decoding: merged, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("n ") }.count == 1)
        let third = try Casebook.open(at: repo.path, clock: repo.book.clock)
        for id in try repo.git(["rev-list", "--first-parent", "HEAD"]).split(separator: "\n").map(String.init) {
            #expect(try inForce(third, after: id) == (try blob(repo, id)))
        }
    }
}
