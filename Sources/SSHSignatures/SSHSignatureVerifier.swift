import Crypto
import _CryptoExtras
import Foundation

/// Checks SSHSIG signatures in-process, deciding as
/// `ssh-keygen -Y verify -f allowed_signers -I principal -n NAMESPACE` does with one line
/// `principal namespaces="NAMESPACE" KEY`: the signature verifies over the message, the key
/// inside it is `KEY`, and its namespace is `NAMESPACE`.
///
/// Key types: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa (rsa-sha2-256 and rsa-sha2-512
/// signatures only; SHA-1 `ssh-rsa` signatures and keys under 1024 bits are refused, as
/// ssh-keygen does), sk-ssh-ed25519@openssh.com and sk-ecdsa-sha2-nistp256@openssh.com.
///
/// Where it is stricter than ssh-keygen (it refuses, ssh-keygen accepts): a version other than
/// 1, a non-empty reserved field, whitespace other than line breaks or text after the armor,
/// non-canonical encodings of the key, webauthn sk signatures, Ed25519 signatures whose S is not
/// reduced. None of these is ever written by ssh-keygen or git.
public enum SSHSignatureVerifier {
    /// Returns normally when `armored` is a valid signature of `message` by `key` in `namespace`;
    /// throws the reason otherwise.
    public static func check(armored: some Collection<UInt8>, message: Data, key: SSHPublicKey, namespace: String) throws {
        let signature = try SSHSignature(armored: armored)
        try check(signature, message: message, key: key, namespace: namespace)
    }

    public static func check(armored: String, message: Data, key: SSHPublicKey, namespace: String) throws {
        try check(armored: Array(armored.utf8), message: message, key: key, namespace: namespace)
    }

    /// The same check on a parsed signature.
    public static func check(_ signature: SSHSignature, message: Data, key: SSHPublicKey, namespace: String) throws {
        guard signature.publicKey.blob == key.blob else { throw SSHSignatureError.keyMismatch }
        guard signature.namespace.utf8.elementsEqual(namespace.utf8) else {
            throw SSHSignatureError.namespace(expected: namespace, found: signature.namespace)
        }
        try checkSelfConsistent(signature, message: message)
    }

    /// True when `check` passes.
    public static func isValid(armored: String, message: Data, key: SSHPublicKey, namespace: String) -> Bool {
        (try? check(armored: armored, message: message, key: key, namespace: namespace)) != nil
    }

    /// Whether the signature verifies with the key it carries, over `message` in its own
    /// namespace: the expensive part of `check`, which depends on neither the expected key nor
    /// the namespace (so it can run ahead, in parallel, and be cached by commit and key).
    public static func checkSelfConsistent(_ signature: SSHSignature, message: Data) throws {
        var signed = SSHWireWriter()
        signed.raw(Array("SSHSIG".utf8))
        signed.string(Array(signature.namespace.utf8))
        signed.string([UInt8]())
        signed.string(Array(signature.hashAlgorithm.rawValue.utf8))
        switch signature.hashAlgorithm {
        case .sha256: signed.string(Array(SHA256.hash(data: message)))
        case .sha512: signed.string(Array(SHA512.hash(data: message)))
        }
        try verifyKeySignature(signature.signature, data: Data(signed.bytes), key: signature.publicKey)
    }

    /// The key type's own signature check (OpenSSH's `sshkey_verify`) over `data`.
    static func verifyKeySignature(_ blob: Data, data: Data, key: SSHPublicKey) throws {
        var reader = SSHWireReader(blob, subject: "firma de la clave")
        let type = String(decoding: try reader.text("tipo"), as: UTF8.self)
        switch key.material {
        case .ed25519(let publicKey):
            guard type == "ssh-ed25519" else { throw SSHSignatureError.signatureAlgorithm(String(type.prefix(64))) }
            let signature = try reader.string("firma")
            try reader.end()
            try ed25519(publicKey, signature: signature, data: data)
        case .ecdsa(let curve, let point):
            guard type == key.type else { throw SSHSignatureError.signatureAlgorithm(String(type.prefix(64))) }
            let inner = try reader.string("firma")
            try reader.end()
            let raw = try rawECDSA(inner, curve: curve)
            try ecdsa(curve, point: point, raw: raw, data: data)
        case .rsa(let e, let n):
            guard type == "rsa-sha2-256" || type == "rsa-sha2-512" else {
                throw SSHSignatureError.signatureAlgorithm(String(type.prefix(64)))
            }
            var signature = try reader.string("firma")
            try reader.end()
            // As OpenSSH: a signature longer than the modulus is refused, a shorter one is left-padded.
            guard signature.count <= n.count else { throw SSHSignatureError.invalidSignature }
            signature = [UInt8](repeating: 0, count: n.count - signature.count) + signature
            try rsa(n: n, e: e, signature: signature, data: data, sha512: type == "rsa-sha2-512")
        case .skEd25519(let publicKey, let application):
            guard type == "sk-ssh-ed25519@openssh.com" else { throw SSHSignatureError.signatureAlgorithm(String(type.prefix(64))) }
            let signature = try reader.string("firma")
            let flags = try reader.byte("flags")
            let counter = try reader.uint32("contador")
            try reader.end()
            try ed25519(publicKey, signature: signature, data: skData(application, flags, counter, data))
        case .skECDSA(let point, let application):
            guard type == "sk-ecdsa-sha2-nistp256@openssh.com" else { throw SSHSignatureError.signatureAlgorithm(String(type.prefix(64))) }
            let inner = try reader.string("firma")
            let flags = try reader.byte("flags")
            let counter = try reader.uint32("contador")
            try reader.end()
            let raw = try rawECDSA(inner, curve: .p256)
            try ecdsa(.p256, point: point, raw: raw, data: skData(application, flags, counter, data))
        }
    }

    /// What a FIDO authenticator signs: SHA256(application) || flags || counter || SHA256(message).
    private static func skData(_ application: [UInt8], _ flags: UInt8, _ counter: UInt32, _ message: Data) -> Data {
        var writer = SSHWireWriter()
        writer.raw(SHA256.hash(data: application))
        writer.raw([flags])
        writer.uint32(counter)
        writer.raw(SHA256.hash(data: message))
        return Data(writer.bytes)
    }

    /// `mpint r, mpint s` -> r || s, each left-padded to the curve's size.
    private static func rawECDSA(_ blob: [UInt8], curve: SSHPublicKey.Curve) throws -> [UInt8] {
        var reader = SSHWireReader(blob, subject: "firma ECDSA")
        let r = try reader.mpint("r", maximumBytes: 2048)
        let s = try reader.mpint("s", maximumBytes: 2048)
        try reader.end()
        guard r.count <= curve.size, s.count <= curve.size else { throw SSHSignatureError.invalidSignature }
        return [UInt8](repeating: 0, count: curve.size - r.count) + r + [UInt8](repeating: 0, count: curve.size - s.count) + s
    }

    private static func ed25519(_ publicKey: [UInt8], signature: [UInt8], data: Data) throws {
        guard signature.count <= 64 else { throw SSHSignatureError.malformed("firma de la clave", "firma") }
        guard signature.count == 64, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
              key.isValidSignature(signature, for: data) else { throw SSHSignatureError.invalidSignature }
    }

    private static func ecdsa(_ curve: SSHPublicKey.Curve, point: [UInt8], raw: [UInt8], data: Data) throws {
        let valid: Bool
        do {
            switch curve {
            case .p256:
                valid = try P256.Signing.PublicKey(x963Representation: point)
                    .isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: raw), for: data)
            case .p384:
                valid = try P384.Signing.PublicKey(x963Representation: point)
                    .isValidSignature(try P384.Signing.ECDSASignature(rawRepresentation: raw), for: data)
            case .p521:
                valid = try P521.Signing.PublicKey(x963Representation: point)
                    .isValidSignature(try P521.Signing.ECDSASignature(rawRepresentation: raw), for: data)
            }
        } catch {
            throw SSHSignatureError.invalidSignature
        }
        guard valid else { throw SSHSignatureError.invalidSignature }
    }

    private static func rsa(n: [UInt8], e: [UInt8], signature: [UInt8], data: Data, sha512: Bool) throws {
        let key: _RSA.Signing.PublicKey
        do { key = try _RSA.Signing.PublicKey(n: n, e: e) } catch { throw SSHSignatureError.unsupportedKey("\(error)") }
        let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
        let valid = sha512
            ? key.isValidSignature(rsaSignature, for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
            : key.isValidSignature(rsaSignature, for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        guard valid else { throw SSHSignatureError.invalidSignature }
    }
}
