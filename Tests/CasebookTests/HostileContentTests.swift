import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

/// Content an attacker (or a careless colleague) commits with plain git, then pushes or shares.
@Suite("Hostile content")
struct HostileContentTests {
    /// The classic 815-byte "billion laughs": nine levels of nine aliases, ~387 million strings.
    static let aliasBomb = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
        """

    func twoCases(_ repo: CaseRepo) throws -> (String, String) {
        let a = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Hospital de Escuintla",
                                                      sets: ["snip=245789", "unidad_ejecutora=DIP"], persona: "mrodriguez")).caseID
        let b = try repo.book.openCase(NewCaseRequest(procedure: "4", title: "Clínica de Mazatenango",
                                                      sets: ["snip=245790", "unidad_ejecutora=DIP"], persona: "mrodriguez")).caseID
        return (a, b)
    }

    @Test("The YAML guard refuses anchors and aliases by YAML's grammar, before any expansion, and accepts '&' and '*' in text")
    func guardFollowsGrammar() throws {
        let started = Date()
        #expect(YAMLGuard.problem(in: Self.aliasBomb)?.contains("ancla") == true)
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(YAMLGuard.problem(in: "a: [1]\nb: *a\n")?.contains("alias") == true)
        #expect(YAMLGuard.problem(in: "base: &b {x: 1}\notro:\n  <<: *b\n") != nil)
        #expect(YAMLGuard.problem(in: "titulo: Obras & Servicios *urgente*\nnota: '&a *b'\ncita: \"*x\"\n# &c *d\n") == nil)
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(YAMLGuard.problem(in: "x: \(deep)")?.contains("anida") == true)
        #expect(YAMLGuard.problem(in: "x: " + String(repeating: "a", count: YAMLGuard.maximumBytes)) != nil)
    }

    @Test("An alias bomb in one expediente.md: status, due and log list every case, the damaged one with file and reason; verify refuses")
    func aliasBombInFrontMatter() throws {
        let repo = try CaseRepo()
        let (a, b) = try twoCases(repo)
        let file = "cases/2026/\(b)/expediente.md"
        try repo.write("---\nid: \(b)\nprocedimiento: 4\ntitulo: x\n\(Self.aliasBomb)\n---\n", to: file)
        try repo.git(["commit", "-qam", "Edición a mano"])
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        let all = try book.statusOfAll()
        #expect(all.map(\.id) == [a, b])
        #expect(all[0].damage == nil && all[0].title == "Hospital de Escuintla")
        let damage = try #require(all[1].damage)
        #expect(damage.file == file && damage.reason.contains("ancla"))
        #expect(try book.status(of: b).damage?.file == file)
        #expect(try book.pending().contains { $0.id == a })
        #expect(try book.log(of: b).count == 1)
        let report = try book.verify()
        #expect(!report.ok)
        #expect(report.violations.contains { $0.rule == "content" && $0.message.contains(file) && $0.severity == "error" })
    }

    @Test("An alias bomb in roles.yaml is refused by the parser, and verify reports it as an error")
    func aliasBombInRoles() throws {
        let repo = try CaseRepo()
        #expect(throws: CasebookError.self) { try Roster.parse("personas: []\n" + Self.aliasBomb) }
        let roles = repo.read("roles.yaml")
        try repo.write(roles + "\n" + Self.aliasBomb + "\n", to: "roles.yaml")
        try repo.git(["commit", "-qam", "Roles"])
        let report = try repo.book.verify()
        #expect(!report.ok)
        #expect(report.violations.contains { $0.rule == "roles-file" && $0.message.contains("ancla") })
    }

    @Test("An alias bomb in a schema: verify refuses; a case opened on it is listed as damaged and the others are shown")
    func aliasBombInSchema() throws {
        let repo = try CaseRepo()
        let (a, _) = try twoCases(repo)
        let schema = "schemas/procedimiento-4.yaml"
        try repo.write(repo.read(schema) + "\n" + Self.aliasBomb.replacingOccurrences(of: "a:", with: "zz_a:") + "\n", to: schema)
        try repo.write("---\nid: PI-2026-0099\n---\n", to: "cases/2026/PI-2026-0099/expediente.md")
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Apertura a mano\n\nExpediente: PI-2026-0099\nProcedimiento: 4"])
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        let all = try book.statusOfAll()
        #expect(all.count == 3)
        #expect(all.first { $0.id == a }?.damage == nil)
        let damaged = try #require(all.first { $0.id == "PI-2026-0099" })
        #expect(damaged.damage?.file == schema)
        #expect(damaged.damage?.reason.contains("ancla") == true)
        #expect(book.damagedCases.map(\.id) == ["PI-2026-0099"])
        let report = try book.verify()
        #expect(report.violations.contains { $0.rule == "content" && $0.message.contains(schema) })
        #expect(!report.ok)
    }

    @Test("A committed symlink under cases/ or in place of a guarded folder is a verify error")
    func committedSymlinks() throws {
        let repo = try CaseRepo()
        let (a, _) = try twoCases(repo)
        let outside = repo.box.path + "/fuera"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/cases/2027", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/cases/2026/\(a)/anexos", withDestinationPath: outside)
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Enlaces"])
        #expect(try repo.git(["ls-tree", "HEAD", "cases/2027"]).hasPrefix("120000"))
        let report = try repo.book.verify()
        #expect(!report.ok)
        let links = report.violations.filter { $0.rule == "symlink" }
        #expect(Set(links.map { $0.message.components(separatedBy: " ")[0] }) == ["cases/2027", "cases/2026/\(a)/anexos"])
        #expect(links.allSatisfy { $0.severity == "error" })
    }

    @Test("folio never writes through a committed symlink: 'new' under a linked year, an attachment into a linked anexos/")
    func neverWritesThroughLinks() throws {
        let repo = try CaseRepo()
        let (a, _) = try twoCases(repo)
        let outside = repo.box.path + "/fuera"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/cases/2026/\(a)/anexos", withDestinationPath: outside)
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-qm", "Enlace anexos"])
        let document = repo.box.path + "/oficio.pdf"
        try Data("%PDF-1.4 oficio".utf8).write(to: URL(fileURLWithPath: document))
        try repo.expectRefusal(["cases/2026/\(a)/anexos", "enlace simbólico"]) {
            try repo.step(a, "02", as: "mrodriguez", attach: [document])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)

        // A whole year linked outside: the next 'folio new' refuses, naming it, and commits nothing.
        let fresh = try CaseRepo()
        try FileManager.default.createDirectory(atPath: fresh.path + "/cases", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: fresh.path + "/cases/2026", withDestinationPath: outside)
        try fresh.git(["add", "-A"])
        try fresh.git(["commit", "-qm", "Enlace año"])
        try fresh.expectRefusal(["cases/2026", "enlace simbólico"]) {
            _ = try fresh.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }
}
