import Foundation
@testable import GitStore
import Testing
import TestSupport

@Suite("The system's CA certificates, parsed for a remote only")
struct CertificatesTests {
    /// Debian's libgit2 (mbedTLS) loads this bundle inside git_libgit2_init.
    static let bundle = "/etc/ssl/certs/ca-certificates.crt"

    @Test("libgit2's loading of the CA bundle at init is put off, and done whole before a remote is used",
          .enabled(if: FileManager.default.fileExists(atPath: CertificatesTests.bundle)))
    func certificatesPutOff() throws {
        let state = LibGit2.certificatesState
        // 1: recorded at init and not parsed; 2: parsed since (a fetch or a push in this process).
        #expect(state == 1 || state == 2, "libgit2 did not ask for the bundle through folio's definition: state \(state)")
        // Parsed with mbedTLS's own function: every certificate of the bundle read (0), then never again.
        let parsed = LibGit2.loadCertificates()
        #expect(parsed == 0)
        #expect(LibGit2.certificatesState == 2)
        #expect(LibGit2.loadCertificates() == 0)
    }
}
