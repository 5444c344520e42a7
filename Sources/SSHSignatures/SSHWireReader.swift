import Foundation

/// Reads SSH wire encoding (RFC 4251 §5): `uint32` lengths, strings and mpints. Every length is
/// checked against what is left, so a crafted length can never read past the end or allocate.
struct SSHWireReader {
    private let bytes: [UInt8]
    private var offset = 0
    /// What is being read, for errors ("firma", "clave").
    private let subject: String

    init(_ bytes: [UInt8], subject: String) {
        self.bytes = bytes
        self.subject = subject
    }

    init(_ data: Data, subject: String) {
        self.init([UInt8](data), subject: subject)
    }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte(_ field: String) throws -> UInt8 {
        guard offset < bytes.count else { throw SSHSignatureError.truncated(subject, field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint32(_ field: String) throws -> UInt32 {
        guard bytes.count - offset >= 4 else { throw SSHSignatureError.truncated(subject, field) }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    mutating func raw(_ count: Int, _ field: String) throws -> [UInt8] {
        guard count >= 0, bytes.count - offset >= count else { throw SSHSignatureError.truncated(subject, field) }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// A length-prefixed string of bytes.
    mutating func string(_ field: String) throws -> [UInt8] {
        let length = try uint32(field)
        guard UInt64(length) <= UInt64(bytes.count - offset) else { throw SSHSignatureError.truncated(subject, field) }
        return try raw(Int(length), field)
    }

    /// A string that OpenSSH reads as a C string: no NUL byte inside.
    mutating func text(_ field: String) throws -> [UInt8] {
        let value = try string(field)
        guard !value.contains(0) else { throw SSHSignatureError.malformed(subject, field) }
        return value
    }

    /// A non-negative mpint without its leading zero bytes (OpenSSH's `sshbuf_get_bignum2`:
    /// negative values and values over `maximumBytes` are refused).
    mutating func mpint(_ field: String, maximumBytes: Int) throws -> [UInt8] {
        let value = try string(field)
        guard value.first.map({ $0 & 0x80 == 0 }) ?? true else { throw SSHSignatureError.malformed(subject, field) }
        // As OpenSSH: the encoded number, its sign byte included, is bounded before any zero is dropped.
        guard value.count <= maximumBytes + 1 else { throw SSHSignatureError.malformed(subject, field) }
        let stripped = Array(value.drop { $0 == 0 })
        guard stripped.count <= maximumBytes else { throw SSHSignatureError.malformed(subject, field) }
        return stripped
    }

    /// Refuses anything left after the last field.
    func end() throws {
        guard isAtEnd else { throw SSHSignatureError.trailingData(subject) }
    }
}

/// Writes SSH wire encoding: the data a signature covers.
struct SSHWireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ value: some Sequence<UInt8>) { bytes.append(contentsOf: value) }

    mutating func uint32(_ value: UInt32) {
        bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    mutating func string(_ value: some Collection<UInt8>) {
        uint32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }
}
