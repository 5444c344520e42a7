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
}
