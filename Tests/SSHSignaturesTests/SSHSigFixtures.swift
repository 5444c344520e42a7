import Crypto
import _CryptoExtras
import Foundation
import SSHSignatures
import TestSupport

/// SSH wire encoding for building signatures in tests.
struct Wire {
    var bytes: [UInt8] = []
    mutating func raw(_ b: some Sequence<UInt8>) { bytes += b }
    mutating func u32(_ v: UInt32) { bytes += [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    mutating func string(_ b: some Collection<UInt8>) { u32(UInt32(b.count)); bytes += b }
    mutating func string(_ s: String) { string(Array(s.utf8)) }
    mutating func mpint(_ magnitude: [UInt8]) {
        var m = Array(magnitude.drop { $0 == 0 })
        if let first = m.first, first & 0x80 != 0 { m.insert(0, at: 0) }
        string(m)
    }
}

/// The fields of an SSHSIG blob, to rebuild it with one of them changed.
struct SigFields {
    var magic = Array("SSHSIG".utf8)
    var version: UInt32 = 1
    var key: [UInt8]
    var namespace: [UInt8]
    var reserved: [UInt8] = []
    var hash: [UInt8]
    var signature: [UInt8]

    var blob: [UInt8] {
        var w = Wire()
        w.raw(magic); w.u32(version); w.string(key); w.string(namespace); w.string(reserved); w.string(hash); w.string(signature)
        return w.bytes
    }

    /// Parses a well-formed blob (test input only: force-unwraps are fine here).
    init(blob: [UInt8]) {
        var i = 10
        func take() -> [UInt8] {
            let n = Int(blob[i]) << 24 | Int(blob[i + 1]) << 16 | Int(blob[i + 2]) << 8 | Int(blob[i + 3])
            defer { i += 4 + n }
            return Array(blob[(i + 4)..<(i + 4 + n)])
        }
        key = take(); namespace = take(); reserved = take(); hash = take(); signature = take()
    }

    init(key: [UInt8], namespace: String, hash: String, signature: [UInt8]) {
        self.key = key
        self.namespace = Array(namespace.utf8)
        self.hash = Array(hash.utf8)
        self.signature = signature
    }

    /// The byte ranges of each field in `blob` (length prefixes included), by name.
    var ranges: [(String, Range<Int>)] {
        var result: [(String, Range<Int>)] = [("magic", 0..<6), ("version", 6..<10)]
        var i = 10
        for (name, field) in [("key", key), ("namespace", namespace), ("reserved", reserved), ("hash", hash), ("signature", signature)] {
            result.append((name + "-length", i..<(i + 4)))
            if !field.isEmpty { result.append((name, (i + 4)..<(i + 4 + field.count))) }
            i += 4 + field.count
        }
        return result
    }
}

enum Armor {
    static func wrap(_ blob: [UInt8]) -> [UInt8] {
        let b64 = Data(blob).base64EncodedString()
        var lines: [String] = []
        var rest = Substring(b64)
        while !rest.isEmpty { lines.append(String(rest.prefix(70))); rest = rest.dropFirst(70) }
        return Array(("-----BEGIN SSH SIGNATURE-----\n" + lines.joined(separator: "\n") + "\n-----END SSH SIGNATURE-----\n").utf8)
    }

    static func unwrap(_ armored: [UInt8]) -> [UInt8] {
        let text = String(decoding: armored, as: UTF8.self)
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return [UInt8](Data(base64Encoded: body)!)
    }

    /// The message SSHSIG signs.
    static func signedData(namespace: String, reserved: [UInt8] = [], hash: String, message: Data) -> [UInt8] {
        var w = Wire()
        w.raw(Array("SSHSIG".utf8)); w.string(namespace); w.string(reserved); w.string(hash)
        w.string(hash == "sha256" ? Array(SHA256.hash(data: message)) : Array(SHA512.hash(data: message)))
        return w.bytes
    }
}

/// A key that signs in the test process (to make what ssh-keygen cannot: sk signatures, RSA
/// with SHA-256 or SHA-1 signatures, a non-empty reserved field).
enum TestSigner {
    case ed25519(Curve25519.Signing.PrivateKey)
    case skEd25519(Curve25519.Signing.PrivateKey, application: String, flags: UInt8)
    case skECDSA(P256.Signing.PrivateKey, application: String, flags: UInt8)
    case rsa(_RSA.Signing.PrivateKey, publicBlob: [UInt8], algorithm: String)

    var publicBlob: [UInt8] {
        var w = Wire()
        switch self {
        case .ed25519(let k): w.string("ssh-ed25519"); w.string(Array(k.publicKey.rawRepresentation))
        case .skEd25519(let k, let app, _):
            w.string("sk-ssh-ed25519@openssh.com"); w.string(Array(k.publicKey.rawRepresentation)); w.string(app)
        case .skECDSA(let k, let app, _):
            w.string("sk-ecdsa-sha2-nistp256@openssh.com"); w.string("nistp256"); w.string(Array(k.publicKey.x963Representation)); w.string(app)
        case .rsa(_, let blob, _): return blob
        }
        return w.bytes
    }

    var type: String {
        switch self {
        case .ed25519: return "ssh-ed25519"
        case .skEd25519: return "sk-ssh-ed25519@openssh.com"
        case .skECDSA: return "sk-ecdsa-sha2-nistp256@openssh.com"
        case .rsa: return "ssh-rsa"
        }
    }

    var publicLine: String { "\(type) \(Data(publicBlob).base64EncodedString())" }

    /// The key type's signature blob over `data`.
    func sign(_ data: [UInt8], counter: UInt32 = 7) throws -> [UInt8] {
        var w = Wire()
        func sk(_ app: String, _ flags: UInt8) -> [UInt8] {
            var d = Array(SHA256.hash(data: Array(app.utf8)))
            d.append(flags)
            d += [UInt8(counter >> 24), UInt8(counter >> 16 & 0xff), UInt8(counter >> 8 & 0xff), UInt8(counter & 0xff)]
            return d + Array(SHA256.hash(data: data))
        }
        switch self {
        case .ed25519(let k):
            w.string("ssh-ed25519"); w.string(Array(try k.signature(for: data)))
        case .skEd25519(let k, let app, let flags):
            w.string("sk-ssh-ed25519@openssh.com"); w.string(Array(try k.signature(for: sk(app, flags))))
            w.raw([flags]); w.u32(counter)
        case .skECDSA(let k, let app, let flags):
            let raw = Array(try k.signature(for: sk(app, flags)).rawRepresentation)
            var inner = Wire(); inner.mpint(Array(raw[0..<32])); inner.mpint(Array(raw[32..<64]))
            w.string("sk-ecdsa-sha2-nistp256@openssh.com"); w.string(inner.bytes); w.raw([flags]); w.u32(counter)
        case .rsa(let k, _, let algorithm):
            let signature: _RSA.Signing.RSASignature
            switch algorithm {
            case "rsa-sha2-256": signature = try k.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
            case "rsa-sha2-512": signature = try k.signature(for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
            default: signature = try k.signature(for: Insecure.SHA1.hash(data: data), padding: .insecurePKCS1v1_5)
            }
            w.string(algorithm); w.string(Array(signature.rawRepresentation))
        }
        return w.bytes
    }

    /// An armored SSHSIG of `message`.
    func sshsig(_ message: Data, namespace: String, hash: String = "sha512", reserved: [UInt8] = [], counter: UInt32 = 7) throws -> [UInt8] {
        var fields = SigFields(key: publicBlob, namespace: namespace, hash: hash,
                               signature: try sign(Armor.signedData(namespace: namespace, reserved: reserved, hash: hash, message: message), counter: counter))
        fields.reserved = reserved
        return Armor.wrap(fields.blob)
    }
}

/// ssh-keygen, run as git runs it for `verify-commit`.
enum Keygen {
    static let path = "/usr/bin/ssh-keygen"

    /// A new key pair in `folder`: the private key's path and the public key's line.
    static func key(_ type: String, bits: Int? = nil, in folder: String, name: String, pem: Bool = false) throws -> (path: String, line: String) {
        let path = folder + "/" + name
        var args = ["-q", "-t", type, "-N", "", "-C", name, "-f", path]
        if let bits { args += ["-b", String(bits)] }
        if pem { args += ["-m", "PEM"] }
        let r = try Sandbox.runBytes(Self.path, args, in: folder)
        guard r.status == 0 else { throw SandboxError.commandFailed("ssh-keygen: \(r.err)") }
        let line = try String(contentsOfFile: path + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        return (path, line)
    }

    static func sign(_ message: Data, key: String, namespace: String, hash: String? = nil, in folder: String) throws -> [UInt8] {
        var args = ["-Y", "sign", "-n", namespace, "-f", key]
        if let hash { args += ["-O", "hashalg=\(hash)"] }
        let r = try Sandbox.runBytes(Self.path, args, in: folder, input: message)
        guard r.status == 0 else { throw SandboxError.commandFailed("ssh-keygen -Y sign: \(r.err)") }
        return Array(r.out)
    }

    /// ssh-keygen's verdict: `principal namespaces="NS" KEY` in allowed_signers, then `-Y verify`.
    static func verifies(_ armored: [UInt8], message: Data, key: String, namespace: String, scratch: String) throws -> Bool {
        let allowed = scratch + "/allowed", sig = scratch + "/firma.sig"
        try Data("p@example.org namespaces=\"\(namespace)\" \(key)\n".utf8).write(to: URL(fileURLWithPath: allowed))
        try Data(armored).write(to: URL(fileURLWithPath: sig))
        let r = try Sandbox.runBytes(Self.path, ["-Y", "verify", "-f", allowed, "-I", "p@example.org", "-n", namespace, "-s", sig],
                                in: scratch, input: message)
        return r.status == 0
    }
}

/// A reproducible generator (SplitMix64).
struct Seeded: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
