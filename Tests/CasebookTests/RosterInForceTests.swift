@testable import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

/// A change of `roles.yaml` that verify refuses grants nothing: every commit after it, every step
/// offered and every write are judged by the roster before it (attack44).
@Suite("The roster in force")
struct RosterInForceTests {
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

    @Test("a forged roles.yaml: the steps after it are judged by the roster before it (verify [role], status leaves the step out), and nothing is recorded until a jefe restores it")
    func forgedRosterGrantsNothing() throws {
        let (repo, id, forgery, step) = try forged()
        let before = try blob(repo, forgery + "^")
        #expect(try blob(repo, "HEAD") != before)
        // What rules each commit: the roster before the forgery, for the forgery's children and HEAD's.
        for book in [repo.book, try Casebook.open(at: repo.path, clock: repo.book.clock)] {
            #expect(try book.rosterBlobInForce(after: OID(hex: forgery)!) == before)
            #expect(try book.rosterBlobInForce(after: OID(hex: step)!) == before)
            #expect(try book.roster(at: OID(hex: step)!).find("jperez")?.holds(.jefe) == false)
            #expect(try book.uncountedRosterChange(at: OID(hex: step)!)?.commit.hex == forgery)
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
        try repo.expectRefusal(["roles.yaml en HEAD no es el roster vigente", String(forgery.prefix(7)), "git show"]) {
            try repo.step(id, "05", as: "mrodriguez")
        }
        try repo.expectRefusal(["roles.yaml en HEAD no es el roster vigente"]) {
            try repo.book.addPersona(Persona(id: "nuevo", name: "Nuevo", email: "nuevo@igss.gob.gt", roles: [.analista]), actor: "mrodriguez")
        }
        #expect(try repo.git(["rev-parse", "HEAD"]) == head)
        // The jefe restores the roster in force with a commit of hers: folio records again.
        try repo.write(try repo.git(["show", forgery + "^:roles.yaml"]) + "\n", to: "roles.yaml")
        let restored = try repo.plainCommit("Roles: restaura el vigente", author: CaseRepo.jefe)
        #expect(try repo.book.uncountedRosterChange(at: OID(hex: restored)!) == nil)
        #expect(try repo.step(id, "05", as: "mrodriguez").step == "05")
        // Writing the forged file again (a blob that was once written) grants nothing either: what
        // counts is who wrote it, and where, not its contents.
        try repo.write(try repo.git(["show", forgery + ":roles.yaml"]) + "\n", to: "roles.yaml")
        let again = try repo.plainCommit("Roles: otra vez", author: Self.jperez)
        #expect(try repo.book.rosterBlobInForce(after: OID(hex: again)!) == (try blob(repo, restored)))
        #expect(try Casebook.open(at: repo.path, clock: repo.book.clock).roster(at: OID(hex: again)!).find("jperez")?.holds(.jefe) == false)
    }

    @Test("roles.cache is disposable: damaged, cut, of another build, a link, or naming a forged roster with a bad seal, it is ignored and the answers are the history's")
    func cacheIsDisposable() throws {
        let (repo, _, forgery, step) = try forged()
        let cache = repo.path + "/.git/folio/" + RosterLedger.fileName
        let before = try blob(repo, forgery + "^")
        func answer() throws -> OID? {
            try Casebook.open(at: repo.path, clock: repo.book.clock).rosterBlobInForce(after: OID(hex: step)!)
        }
        #expect(try answer() == before)
        let good = try String(contentsOfFile: cache, encoding: .utf8)
        #expect(good.contains("k \(forgery) \(before!.hex)"), "\(good)")
        let forgedBlob = try #require(try blob(repo, forgery))
        let damaged = [
            good.replacingOccurrences(of: "k \(forgery) \(before!.hex)", with: "k \(forgery) \(forgedBlob.hex)"),
            String(good.prefix(good.count / 2)),
            good.replacingOccurrences(of: "folio roles 1 ", with: "folio roles 1 build-id otro"),
            "basura\n",
            "",
        ]
        for text in damaged {
            try text.write(toFile: cache, atomically: true, encoding: .utf8)
            #expect(try answer() == before, "\(text)")
            // Written again whole, as the history says.
            #expect(try String(contentsOfFile: cache, encoding: .utf8) == good)
        }
        // A link in the cache's place is not followed: the history answers, the link stays a link.
        let elsewhere = repo.box.path + "/elsewhere"
        let planted = good.replacingOccurrences(of: "k \(forgery) \(before!.hex)", with: "k \(forgery) \(forgedBlob.hex)")
        try planted.write(toFile: elsewhere, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: cache)
        try FileManager.default.createSymbolicLink(atPath: cache, withDestinationPath: elsewhere)
        #expect(try answer() == before)
        #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == planted)
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
        #expect(try book.rosterBlobInForce(after: line[0]) == (try blob(repo, "HEAD")))
        // Every commit's answer is the roles.yaml it holds (every change was the jefe's), asked newest first or oldest first.
        for id in line.prefix(200) + line.suffix(20).reversed() {
            #expect(try book.rosterBlobInForce(after: id) == (try blob(repo, id.hex)))
        }
    }
}
