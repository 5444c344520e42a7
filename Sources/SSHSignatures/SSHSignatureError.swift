/// Why a signature was refused. Every malformed input ends here, never in a crash.
public enum SSHSignatureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not exactly `-----BEGIN SSH SIGNATURE-----`, lines of base64, `-----END SSH SIGNATURE-----`.
    case armor(String)
    /// The armored text is larger than any real signature.
    case tooLarge(Int)
    /// A field of `subject` ends before its declared length.
    case truncated(_ subject: String, _ field: String)
    /// A field of `subject` has a value no signer writes.
    case malformed(_ subject: String, _ field: String)
    /// Bytes after the last field of `subject`.
    case trailingData(_ subject: String)
    /// The blob does not start with `SSHSIG`.
    case magic
    /// A version other than 1.
    case version(UInt32)
    /// The reserved field is not empty.
    case reservedNotEmpty
    /// A message hash other than sha256 or sha512.
    case hashAlgorithm(String)
    /// A key type this verifier does not know.
    case keyType(String)
    /// An RSA key under 1024 bits (ssh-keygen refuses them too) or over 16384.
    case rsaKeySize(Int)
    /// A signature algorithm that is refused (`ssh-rsa`: SHA-1) or does not match the key.
    case signatureAlgorithm(String)
    /// The signature is for another namespace (a commit signature is not a dossier's).
    case namespace(expected: String, found: String)
    /// The key inside the signature is not the expected one.
    case keyMismatch
    /// The signature does not verify over the message with the key.
    case invalidSignature
    /// A key that the cryptographic library cannot load (an RSA exponent it refuses); ssh-keygen may still decide.
    case unsupportedKey(String)

    public var description: String {
        switch self {
        case .armor(let why): return "la firma no tiene la forma de una firma SSH (-----BEGIN SSH SIGNATURE-----): \(why)"
        case .tooLarge(let size): return "la firma ocupa \(size) bytes, más que cualquier firma SSH real"
        case .truncated(let subject, let field): return "la \(subject) se corta en el campo \(field)"
        case .malformed(let subject, let field): return "el campo \(field) de la \(subject) no es válido"
        case .trailingData(let subject): return "la \(subject) tiene bytes de más al final"
        case .magic: return "la firma no empieza por SSHSIG"
        case .version(let v): return "la firma es de la versión \(v); solo se admite la 1"
        case .reservedNotEmpty: return "el campo reservado de la firma no está vacío"
        case .hashAlgorithm(let name): return "la firma usa el resumen '\(name)'; solo se admiten sha256 y sha512"
        case .keyType(let name): return "el tipo de clave '\(name)' no se admite"
        case .rsaKeySize(let bits): return "la clave RSA tiene \(bits) bits; se admiten de 1024 a 16384"
        case .signatureAlgorithm(let name): return "el algoritmo de firma '\(name)' no se admite (ssh-rsa usa SHA-1) o no es el de la clave"
        case .namespace(let expected, let found): return "la firma es del espacio '\(found)', no de '\(expected)'"
        case .keyMismatch: return "la firma la hizo otra clave que la esperada"
        case .invalidSignature: return "la firma no corresponde al contenido firmado con esa clave"
        case .unsupportedKey(let why): return "la clave no se puede cargar: \(why)"
        }
    }
}
