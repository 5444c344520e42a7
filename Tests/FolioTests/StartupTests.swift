import Foundation
import Testing
import TestSupport

@Suite("What every command pays before its work")
struct StartupTests {
    static let bundle = "/etc/ssl/certs/ca-certificates.crt"

    /// The dynamic linker's account of a run of `folio status`: every symbol it bound, and to what.
    func bindings(_ cli: CLI, _ args: [String]) throws -> String {
        let log = cli.box.path + "/ld-\(UUID().uuidString)"
        let run = try Sandbox.run(CLI.binary, args, in: cli.repo, env: ["FOLIO_DATE": "2026-11-02T09:00:00-06:00",
                                                                         "LD_DEBUG": "bindings", "LD_DEBUG_OUTPUT": log])
        #expect(run.ok, "\(run.err)")
        let folder = (log as NSString).deletingLastPathComponent, prefix = (log as NSString).lastPathComponent
        return try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(prefix) }
            .map { try String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }.joined()
    }

    @Test("libgit2's parsing of the system's CA bundle at init goes to folio's definition, which puts it off: a status never calls mbedTLS's",
          .enabled(if: FileManager.default.fileExists(atPath: StartupTests.bundle)))
    func certificatesPutOff() throws {
        let cli = CLI()
        try cli.setUp()
        let lines = try bindings(cli, ["status"]).split(separator: "\n").filter { $0.contains("`mbedtls_x509_crt_parse_file'") }
        // libgit2's call bound to the executable's function...
        #expect(lines.contains { $0.contains("libgit2") && $0.contains(" to \(CLI.binary) ") }, "\(lines)")
        // ...which never looked up mbedTLS's own (it does so only to parse, before a remote is used):
        // no binding of the name to libmbedx509 (`binding file A to B`).
        #expect(!lines.contains { $0.components(separatedBy: " to ").last?.contains("libmbedx509") == true }, "\(lines)")
    }
}
