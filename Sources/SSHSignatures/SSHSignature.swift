import Foundation

/// An SSHSIG signature (OpenSSH's PROTOCOL.sshsig), as `ssh-keygen -Y sign` writes it and git
/// stores it in a commit's `gpgsig` header:
///
///     -----BEGIN SSH SIGNATURE-----
///     base64 of: "SSHSIG" uint32(1) string(publickey) string(namespace) string(reserved)
///                string(hash_algorithm) string(signature)
///     -----END SSH SIGNATURE-----
///
/// Parsing is strict: the exact armor (lines of base64 between the two marker lines, one
/// optional final newline), version 1, an empty reserved field, sha256 or sha512, a known key
/// type, and no byte left over anywhere.
public struct SSHSignature: Sendable {
    public enum HashAlgorithm: String, Sendable {
        case sha256, sha512
    }

    static let begin = Array("-----BEGIN SSH SIGNATURE-----\n".utf8)
    static let end = Array("\n-----END SSH SIGNATURE-----".utf8)
    /// Larger than any real signature (an RSA-16384 one is about 5 KB of text).
    public static let maximumArmoredBytes = 64 * 1024

    /// The signer's public key, as written in the signature.
    public let publicKey: SSHPublicKey
    public let namespace: String
    public let hashAlgorithm: HashAlgorithm
    /// The key type's signature blob (`string(sigtype) string(sig)` and, for sk keys, flags and counter).
    public let signature: Data

    /// Parses the armored text.
    public init(armored text: some Collection<UInt8>) throws {
        try self.init(blob: Data(try Self.dearmor(Array(text))))
    }

    public init(armored text: String) throws {
        try self.init(armored: Array(text.utf8))
    }

    /// Parses the binary blob (the armor's content).
    public init(blob: Data) throws {
        var reader = SSHWireReader(blob, subject: "firma")
        guard try reader.raw(6, "SSHSIG") == Array("SSHSIG".utf8) else { throw SSHSignatureError.magic }
        let version = try reader.uint32("versión")
        guard version == 1 else { throw SSHSignatureError.version(version) }
        let keyBlob = try reader.string("clave pública")
        let namespace = try reader.text("espacio")
        let reserved = try reader.string("reservado")
        let hash = try reader.text("resumen")
        let signature = try reader.string("firma")
        try reader.end()
        guard reserved.isEmpty else { throw SSHSignatureError.reservedNotEmpty }
        guard let algorithm = HashAlgorithm(rawValue: String(decoding: hash, as: UTF8.self)), hash == Array(algorithm.rawValue.utf8) else {
            throw SSHSignatureError.hashAlgorithm(String(decoding: hash.prefix(64), as: UTF8.self))
        }
        // Exactly the bytes signed: Foundation drops a leading byte-order mark, which would let
        // "\u{FEFF}git" pass for "git".
        guard let namespaceText = String(bytes: namespace, encoding: .utf8), Array(namespaceText.utf8) == namespace else {
            throw SSHSignatureError.malformed("firma", "espacio")
        }
        self.publicKey = try SSHPublicKey(blob: Data(keyBlob))
        self.namespace = namespaceText
        self.hashAlgorithm = algorithm
        self.signature = Data(signature)
    }

    /// The blob inside the armor.
    static func dearmor(_ text: [UInt8]) throws -> [UInt8] {
        guard text.count <= maximumArmoredBytes else { throw SSHSignatureError.tooLarge(text.count) }
        guard text.starts(with: begin) else { throw SSHSignatureError.armor("falta la línea -----BEGIN SSH SIGNATURE-----") }
        var rest = text[begin.count...]
        if rest.last == UInt8(ascii: "\n") { rest = rest.dropLast() }
        guard rest.count >= end.count, rest.suffix(end.count).elementsEqual(end) else {
            throw SSHSignatureError.armor("falta la línea -----END SSH SIGNATURE----- al final")
        }
        let body = rest.dropLast(end.count)
        var base64: [UInt8] = []
        base64.reserveCapacity(body.count)
        for line in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard !line.isEmpty, line.allSatisfy(Base64.isAlphabet) else {
                throw SSHSignatureError.armor("una línea del cuerpo no es base64")
            }
            base64 += line
        }
        guard let blob = Base64.decode(base64) else { throw SSHSignatureError.armor("el cuerpo no es base64 válido") }
        return blob
    }
}
