import Foundation
import Testing
import TestSupport

/// Signatures checked in-process (SSHSignatures) through the binary: what passes and fails is what
/// `git verify-commit` and the existing rule say, and the verdict cache is never trusted over history.
@Suite("Commit signatures checked in-process, cached by commit and key")
struct InProcessSignatureTests {
    /// `folio roles allowed-signers` in `dir`, written to a file for `git verify-commit`.
    func allowedSigners(_ f: Fortress, _ dir: String) throws -> String {
        let run = try f.folio(dir, "roles", "allowed-signers")
        #expect(run.ok, "\(run.err)")
        let file = dir + "/.git/allowed_signers"
        try run.out.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func gitVerify(_ dir: String, _ allowed: String, _ commit: String) throws -> Run {
        try Sandbox.git(["-c", "gpg.ssh.allowedSignersFile=\(allowed)", "verify-commit", commit], in: dir)
    }

    /// The commit `id` rewritten with plain git: `change` applied to its raw text, the old gpgsig kept.
    func craft(_ dir: String, from id: String, _ change: (String) -> String) throws -> String {
        let raw = try Sandbox.git(["cat-file", "commit", id], in: dir).out
        let altered = change(raw)
        #expect(altered != raw && altered.contains("gpgsig -----BEGIN SSH SIGNATURE-----"))
        let made = try Sandbox.git(["hash-object", "-t", "commit", "-w", "--stdin"], in: dir, input: altered)
        #expect(made.ok, "\(made.err)")
        let new = made.out.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try Sandbox.gitOut(["update-ref", "refs/heads/main", new], in: dir)
        return new
    }

    func violations(_ run: Run) throws -> [[String: Any]] {
        let json = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any]
        return (json?["violations"] as? [[String: Any]]) ?? []
    }

    @Test("with firma: obligatoria signed steps pass verify, and git verify-commit agrees on every signed commit")
    func signedStepsPass() throws {
        let f = try Fortress()
        let jorge = try f.clone(as: "jperez")
        try f.expectOK(f.folio(jorge, "step", "COOP-2026-0001", "04"))
        let verify = try f.folio(jorge, "verify")
        #expect(verify.ok, "\(verify.out)\(verify.err)")
        let allowed = try allowedSigners(f, jorge)
        var signed = 0
        for commit in try Sandbox.gitOut(["rev-list", "HEAD"], in: jorge).split(separator: "\n").map(String.init)
        where try Sandbox.gitOut(["cat-file", "commit", commit], in: jorge).contains("gpgsig ") {
            signed += 1
            let git = try gitVerify(jorge, allowed, commit)
            #expect(git.ok && git.err.contains("Good \"git\" signature"), "\(commit): \(git.err)")
        }
        #expect(signed >= 4, "\(signed) signed commits")
        // The verdicts were cached: a second verify reads them and says the same.
        let cache = try String(contentsOfFile: jorge + "/.git/folio/firmas.cache", encoding: .utf8)
        #expect(cache.hasPrefix("folio-firmas 1\n") && cache.split(separator: "\n").count == signed + 1, "\(cache)")
        #expect(try f.folio(jorge, "verify").out == verify.out)
    }

    @Test("a step signed with another person's key fails the signature rule in verify and in the hook; git names the real signer")
    func anotherPersonsKey() throws {
        let f = try Fortress()
        // Jorge's clone signs with Ana's key: the signature is good, but not by Jorge's registered key.
        let dir = try f.clone(as: "jperez", key: f.keys["alopez"]!.path)
        let id = try f.commit(dir, Fortress.step04, author: "jperez")
        try f.expectRefused(dir, commit: id, rules: ["signature"])
        let git = try gitVerify(dir, try allowedSigners(f, dir), id)
        #expect(git.err.contains("for alopez@igss.gob.gt"), "\(git.err)")
    }

    @Test("the hook neither reads nor writes the verdict cache: a forged 'good' line in the server's cache lets nothing in")
    func hookIgnoresCache() throws {
        let f = try Fortress()
        // Jorge's step signed with Ana's key, and a well-formed line saying it is good by Jorge's key.
        let dir = try f.clone(as: "jperez", key: f.keys["alopez"]!.path)
        let id = try f.commit(dir, Fortress.step04, author: "jperez")
        let jorgeKey = Data(base64Encoded: String(f.keys["jperez"]!.publicKey.split(separator: " ")[1]))!
        let body = "\(id) \(Self.sha256(jorgeKey)) 1"
        let cache = f.shared.bare + "/folio/firmas.cache"
        try FileManager.default.createDirectory(atPath: f.shared.bare + "/folio", withIntermediateDirectories: true)
        let lines = (1...100).map { _ in body + " " + Self.sha256(Data(body.utf8)).prefix(16) }
        try ("folio-firmas 1\n" + lines.joined(separator: "\n") + "\n").write(toFile: cache, atomically: true, encoding: .utf8)
        let before = try String(contentsOfFile: cache, encoding: .utf8)
        try f.expectRefused(dir, commit: id, rules: ["signature"], verifies: false)
        #expect(try String(contentsOfFile: cache, encoding: .utf8) == before, "the refused push wrote no verdict")
    }

    /// SHA-256 in hex, by `sha256sum` (the tests do not link swift-crypto).
    static func sha256(_ data: Data) -> String {
        String(decoding: ((try? Sandbox.runBytes("/usr/bin/sha256sum", [], in: "/tmp", input: data))?.out ?? Data()).prefix(64), as: UTF8.self)
    }

    @Test("a signed step altered with plain git, its old gpgsig kept, fails verify and the hook; git verify-commit refuses it too")
    func alteredKeepingSignature() throws {
        let f = try Fortress()
        let jorge = try f.clone(as: "jperez")
        try f.expectOK(f.folio(jorge, "step", "COOP-2026-0001", "04"))
        let good = try Sandbox.gitOut(["rev-parse", "HEAD"], in: jorge)
        let allowed = try allowedSigners(f, jorge)
        #expect(try gitVerify(jorge, allowed, good).ok)
        // The message changed (the Rol trailer stays), and, separately, the author date moved.
        let message = try craft(jorge, from: good) { $0.replacingOccurrences(of: "COOP-2026-0001 paso 04", with: "COOP-2026-0001 paso 04 (corregido)") }
        #expect(try !gitVerify(jorge, allowed, message).ok)
        try f.expectRefused(jorge, commit: message, rules: ["signature"])
        _ = try Sandbox.gitOut(["update-ref", "refs/heads/main", good], in: jorge)
        let dated = try craft(jorge, from: good) { raw in
            let lines = raw.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                guard line.hasPrefix("author ") else { return String(line) }
                var parts = line.split(separator: " ")
                parts[parts.count - 2] = Substring(String(Int(parts[parts.count - 2])! - 3600))
                return parts.joined(separator: " ")
            }
            return lines.joined(separator: "\n")
        }
        #expect(try !gitVerify(jorge, allowed, dated).ok)
        try f.expectRefused(jorge, commit: dated, rules: ["signature"])
    }

    @Test("the cache: a good verdict for commit X never makes a commit with X's signature pass; a damaged cache is ignored and rebuilt")
    func cacheNeverTrustedOverHistory() throws {
        let f = try Fortress()
        let jorge = try f.clone(as: "jperez")
        try f.expectOK(f.folio(jorge, "step", "COOP-2026-0001", "04"))
        let good = try Sandbox.gitOut(["rev-parse", "HEAD"], in: jorge)
        #expect(try f.folio(jorge, "verify").ok)
        let path = jorge + "/.git/folio/firmas.cache"
        let goodLine = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first { $0.hasPrefix(good) }.map(String.init)
        #expect(goodLine?.split(separator: " ")[2] == "1", "\(goodLine ?? "no line for \(good)")")
        // Y: X's commit with another subject and X's gpgsig. X's cached "good" does not carry over.
        let forged = try craft(jorge, from: good) { $0.replacingOccurrences(of: "COOP-2026-0001 paso 04", with: "COOP-2026-0001 paso 04 bis") }
        let cold = try Sandbox.run(CLI.binary, ["verify", "--json"], in: jorge, env: ["FOLIO_DATE": Fortress.when, "FOLIO_SIN_CACHE": "1"])
        func flagged(_ run: Run) throws -> Bool {
            try violations(run).contains { $0["commit"] as? String == forged && $0["rule"] as? String == "signature" }
        }
        #expect(try flagged(cold), "\(cold.out)")
        let warm = try f.folio(jorge, "verify", "--json")
        #expect(warm.status == 1 && warm.out == cold.out)
        // The old path, one ssh-keygen per signature, finds exactly the same.
        let keygen = try Sandbox.run(CLI.binary, ["verify", "--json"], in: jorge,
                                     env: ["FOLIO_DATE": Fortress.when, "FOLIO_SIN_CACHE": "1", "FOLIO_FIRMAS": "ssh-keygen"])
        #expect(keygen.out == cold.out)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let forgedLine = try #require(lines.first { $0.hasPrefix(forged) })
        #expect(forgedLine.split(separator: " ")[2] == "0")
        // Damage: Y's verdict turned to 1, X's line copied under Y's id, a cut line, then garbage.
        let damaged = [
            lines.map { $0 == forgedLine ? forgedLine.replacingOccurrences(of: " 0 ", with: " 1 ") : $0 }.joined(separator: "\n") + "\n",
            lines.filter { $0 != forgedLine }.joined(separator: "\n") + "\n" + goodLine!.replacingOccurrences(of: good, with: forged) + "\n",
            String(lines.joined(separator: "\n").dropLast(20)),
            "\u{0}\u{1}basura\nfolio-firmas 1\n" + lines.dropFirst().joined(separator: "\n"),
        ]
        for text in damaged {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let run = try f.folio(jorge, "verify", "--json")
            #expect(run.out == cold.out && run.status == 1, "cache:\n\(text)\nverify:\n\(run.out)")
            // Rebuilt: what is there now gives the same verdicts, and holds no good verdict for Y.
            let now = try String(contentsOfFile: path, encoding: .utf8)
            #expect(now.hasPrefix("folio-firmas 1\n"))
            #expect(try f.folio(jorge, "verify", "--json").out == cold.out)
        }
        // Deleting the cache changes nothing either.
        try FileManager.default.removeItem(atPath: path)
        #expect(try f.folio(jorge, "verify", "--json").out == cold.out)
    }
}
