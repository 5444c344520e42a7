import Foundation

/// An SSH public key, parsed strictly from its wire blob (the base64 of `ssh-ed25519 AAAA...`).
public struct SSHPublicKey: Hashable, Sendable {
    /// The key types folio accepts in `roles.yaml` and checks in-process.
    public static let types = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                               "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"]

    enum Curve: String, Sendable {
        case p256 = "nistp256", p384 = "nistp384", p521 = "nistp521"
        /// Bytes of one coordinate (and of r or s).
        var size: Int {
            switch self {
            case .p256: return 32
            case .p384: return 48
            case .p521: return 66
            }
        }
    }

    enum Material: Hashable, Sendable {
        case ed25519(publicKey: [UInt8])
        case ecdsa(Curve, point: [UInt8])
        case rsa(e: [UInt8], n: [UInt8])
        case skEd25519(publicKey: [UInt8], application: [UInt8])
        case skECDSA(point: [UInt8], application: [UInt8])
    }

    /// The type name (`ssh-ed25519`).
    public let type: String
    /// The wire blob, as it appears in the signature and base64-encoded in `roles.yaml`.
    public let blob: Data
    let material: Material

    /// A key from its wire blob; refuses unknown types, wrong sizes and trailing bytes.
    public init(blob: Data) throws {
        var reader = SSHWireReader(blob, subject: "clave")
        let typeBytes = try reader.text("tipo")
        let type = String(decoding: typeBytes, as: UTF8.self)
        switch type {
        case "ssh-ed25519":
            let key = try reader.string("clave pública")
            guard key.count == 32 else { throw SSHSignatureError.malformed("clave", "clave pública") }
            material = .ed25519(publicKey: key)
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            let curve = Curve(rawValue: String(type.dropFirst("ecdsa-sha2-".count)))!
            material = .ecdsa(curve, point: try Self.readCurvePoint(&reader, curve))
        case "ssh-rsa":
            let e = try reader.mpint("e", maximumBytes: 2048)
            let n = try reader.mpint("n", maximumBytes: 2048)
            let bits = Self.bitCount(n)
            guard bits >= 1024, bits <= 16384 else { throw SSHSignatureError.rsaKeySize(bits) }
            guard !e.isEmpty else { throw SSHSignatureError.malformed("clave", "e") }
            material = .rsa(e: e, n: n)
        case "sk-ssh-ed25519@openssh.com":
            let key = try reader.string("clave pública")
            guard key.count == 32 else { throw SSHSignatureError.malformed("clave", "clave pública") }
            material = .skEd25519(publicKey: key, application: try reader.text("aplicación"))
        case "sk-ecdsa-sha2-nistp256@openssh.com":
            let point = try Self.readCurvePoint(&reader, .p256)
            material = .skECDSA(point: point, application: try reader.text("aplicación"))
        default:
            throw SSHSignatureError.keyType(String(type.prefix(64)))
        }
        try reader.end()
        self.type = type
        self.blob = blob
    }

    /// A key from its OpenSSH text, `type base64 [comment]`; the type must agree with the blob's.
    public init(openSSH text: String) throws {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        guard parts.count >= 2, let blob = Base64.decode(Array(parts[1].utf8)) else {
            throw SSHSignatureError.malformed("clave", "texto")
        }
        try self.init(blob: Data(blob))
        guard type == parts[0] else { throw SSHSignatureError.malformed("clave", "tipo") }
    }

    /// `type base64`, as `roles.yaml` holds it.
    public var openSSH: String { "\(type) \(blob.base64EncodedString())" }

    /// Bits of an RSA modulus given without leading zeros.
    public var rsaBits: Int? {
        if case .rsa(_, let n) = material { return Self.bitCount(n) }
        return nil
    }

    private static func readCurvePoint(_ reader: inout SSHWireReader, _ curve: Curve) throws -> [UInt8] {
        guard try reader.text("curva") == Array(curve.rawValue.utf8) else { throw SSHSignatureError.malformed("clave", "curva") }
        let point = try reader.string("punto")
        // Uncompressed points only (0x04 || X || Y), as OpenSSH writes them.
        guard point.count == 1 + 2 * curve.size, point[0] == 4 else { throw SSHSignatureError.malformed("clave", "punto") }
        return point
    }

    static func bitCount(_ magnitude: [UInt8]) -> Int {
        guard let first = magnitude.first else { return 0 }
        return (magnitude.count - 1) * 8 + (8 - first.leadingZeroBitCount)
    }
}
