import Crypto
import Foundation
import GitStore
import SSHSignatures

/// SSH public keys as `roles.yaml` holds them (`clave_ssh`).
public enum SSHKey {
    static let types = SSHPublicKey.types

    /// `type base64` without the comment; nil when the text is not an SSH public key of a type
    /// folio checks (parsed strictly: sizes, curve, RSA of 1024 bits or more, no trailing bytes).
    public static func normalize(_ text: String) -> String? {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, types.contains(String(parts[0])),
              let key = try? SSHPublicKey(openSSH: "\(parts[0]) \(parts[1])") else { return nil }
        return key.openSSH
    }

    /// The key's fingerprint as `ssh-keygen -l` prints it (`SHA256:` and the unpadded base64 of
    /// the SHA-256 of its blob): what tells one key from another, whose texts all begin alike.
    public static func fingerprint(_ key: String) -> String? {
        let parts = key.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, let blob = Data(base64Encoded: String(parts[1])) else { return nil }
        return fingerprint(blob: blob)
    }

    /// The fingerprint of a key's wire-format blob (`fingerprint(_:)`; a host key as ssh presents it).
    static func fingerprint(blob: Data) -> String {
        "SHA256:" + Data(SHA256.hash(data: blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }
}

/// A key that can sign for one persona, found the way git finds it: `user.signingKey` (a key
/// file, or `key::` with the key in ssh-agent), else an ssh-agent key, else `~/.ssh/id_*`.
struct SSHSigner {
    /// The file given to `ssh-keygen -f`: a private key, or a public key whose private half is in ssh-agent.
    let keyFile: String
    let publicKey: String
    private let scratch: TemporaryFolder?

    /// The signer whose public key is `registered`; nil when none of the places git looks holds it.
    static func find(registered: String, repository: Repository) throws -> SSHSigner? {
        guard let wanted = SSHKey.normalize(registered) else { return nil }
        for candidate in try candidates(repository) where candidate.publicKey == wanted { return candidate }
        return nil
    }

    /// The key git's configuration names, if any (to say which key was found when none matches).
    static func configured(_ repository: Repository) throws -> String? {
        try repository.config("user.signingkey")
    }

    private static func candidates(_ repository: Repository) throws -> [SSHSigner] {
        var result: [SSHSigner] = []
        if let configured = try repository.config("user.signingkey") {
            if configured.hasPrefix("key::") {
                if let agent = try agentSigner(String(configured.dropFirst(5))) { result.append(agent) }
            } else if let file = fileSigner(expand(configured)) {
                result.append(file)
            }
            return result
        }
        if ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"] != nil,
           let listed = try? ExternalTool.run("ssh-add", ["-L"]), listed.status == 0 {
            for line in String(decoding: listed.out, as: UTF8.self).split(separator: "\n") {
                if let agent = try agentSigner(String(line)) { result.append(agent) }
            }
        }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
            if let file = fileSigner("\(home)/.ssh/\(name)") { result.append(file) }
        }
        return result
    }

    /// Private key files to log in to an ssh remote with (after ssh-agent): `user.signingKey`
    /// when it is a file with its private half, then `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`.
    static func identityFiles(_ repository: Repository) throws -> [String] {
        var files: [String] = []
        if let configured = try repository.config("user.signingkey"), !configured.hasPrefix("key::") {
            let path = expand(configured)
            if let data = FileManager.default.contents(atPath: path), SSHKey.normalize(String(decoding: data, as: UTF8.self)) == nil {
                files.append(path)
            }
        }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        for name in ["id_ed25519", "id_ecdsa", "id_rsa"] where FileManager.default.fileExists(atPath: "\(home)/.ssh/\(name)") {
            files.append("\(home)/.ssh/\(name)")
        }
        return files
    }

    private static func expand(_ path: String) -> String {
        guard path.hasPrefix("~/") else { return path }
        return (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst(1)
    }

    /// A key file: a private key (its public half read from `KEY.pub`), or a public key file
    /// (signed through ssh-agent).
    static func fileSigner(_ path: String) -> SSHSigner? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        if let key = SSHKey.normalize(text) { return SSHSigner(keyFile: path, publicKey: key, scratch: nil) }
        if let pub = FileManager.default.contents(atPath: path + ".pub"), let key = SSHKey.normalize(String(decoding: pub, as: UTF8.self)) {
            return SSHSigner(keyFile: path, publicKey: key, scratch: nil)
        }
        // A private key without its .pub beside it (git signs with it as it is): its public half
        // is asked of ssh-keygen, which reads unencrypted keys without a prompt.
        guard text.contains("PRIVATE KEY"), let derived = try? ExternalTool.run("ssh-keygen", ["-y", "-P", "", "-f", path]),
              derived.status == 0, let key = SSHKey.normalize(String(decoding: derived.out, as: UTF8.self)) else { return nil }
        return SSHSigner(keyFile: path, publicKey: key, scratch: nil)
    }

    private static func agentSigner(_ line: String) throws -> SSHSigner? {
        guard let key = SSHKey.normalize(line) else { return nil }
        let folder = try TemporaryFolder()
        return SSHSigner(keyFile: try folder.write(key + "\n", "clave.pub"), publicKey: key, scratch: folder)
    }

    /// The armored SSH signature of `data` in `namespace` (`git`, as `git commit -S` makes it).
    func sign(_ data: Data, namespace: String = "git") throws -> String {
        let result = try ExternalTool.run("ssh-keygen", ["-Y", "sign", "-n", namespace, "-f", keyFile], input: data)
        guard result.status == 0, !result.out.isEmpty else {
            throw CasebookError.signatureFailed(reason: result.err.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return String(decoding: result.out, as: UTF8.self)
    }
}

/// Checks SSH signatures as `git verify-commit` does with `gpg.ssh.allowedSignersFile`: in-process
/// (`SSHSignatures`), with `ssh-keygen -Y verify` only for a key swift-crypto cannot load.
enum SSHVerifier {
    /// `FOLIO_FIRMAS=ssh-keygen`: every signature is checked by `ssh-keygen -Y verify`, as before
    /// the in-process verifier (to cross-check it, and for `scripts/bench-signatures`).
    static let usesKeygen = ProcessInfo.processInfo.environment["FOLIO_FIRMAS"] == "ssh-keygen"

    /// True when `signature` over `data` was made by `key`, for `principal`, in `namespace` (`git` by default).
    static func verify(signature: String, data: Data, principal: String, key: String, namespace: String = "git") throws -> Bool {
        if usesKeygen { return try keygenVerify(signature: signature, data: data, principal: principal, key: key, namespace: namespace) }
        guard let expected = try? SSHPublicKey(openSSH: key) else { return false }
        do {
            try SSHSignatureVerifier.check(armored: signature, message: data, key: expected, namespace: namespace)
            return true
        } catch SSHSignatureError.unsupportedKey {
            return try keygenVerify(signature: signature, data: data, principal: principal, key: key, namespace: namespace)
        } catch {
            return false
        }
    }

    /// `ssh-keygen -Y verify` with a one-line allowed-signers file.
    static func keygenVerify(signature: String, data: Data, principal: String, key: String, namespace: String) throws -> Bool {
        let folder = try TemporaryFolder()
        let allowed = try folder.write("\(principal) namespaces=\"\(namespace)\" \(key)\n", "allowed_signers")
        let sig = try folder.write(signature.hasSuffix("\n") ? signature : signature + "\n", "firma.sig")
        let result = try ExternalTool.run("ssh-keygen", ["-Y", "verify", "-f", allowed, "-I", principal, "-n", namespace, "-s", sig],
                                          input: data)
        return result.status == 0
    }
}
