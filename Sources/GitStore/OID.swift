import CLibGit2
import Crypto
import Foundation

/// A git object id (SHA-1), as a value.
public struct OID: Hashable, Comparable, Sendable, CustomStringConvertible {
    let raw: git_oid

    init(_ raw: git_oid) { self.raw = raw }

    /// Parses a full 40-digit hexadecimal id; nil when it is not one.
    public init?(hex: String) {
        var hex = hex
        guard hex.utf8.count == 40, let oid = hex.withUTF8({ OID(hexBytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = oid
    }

    /// The 40-digit hexadecimal form.
    public var hex: String {
        withHexBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Parses the 40 hexadecimal digits at the start of `bytes`; nil when they are not an id.
    public init?(hexBytes bytes: UnsafeRawBufferPointer) {
        LibGit2.ensure()
        guard bytes.count >= 40 else { return nil }
        var oid = git_oid()
        guard git_oid_fromstrn(&oid, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), 40) == 0 else { return nil }
        raw = oid
    }

    /// The 40 hexadecimal digits as bytes, lent to `body` (no string is made: a cache searched
    /// by id compares them where it lies).
    public func withHexBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = raw
        return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: 40) { buffer in
            git_oid_fmt(buffer.baseAddress!, &copy)
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }

    /// The id git gives a file of these bytes (`git hash-object`), without writing it: whether a
    /// stored file (a committed one, a routing slip) holds exactly these bytes is one comparison of
    /// ids, without reading it. SHA-1 of git's header and the bytes, by swift-crypto (libgit2's
    /// collision-detecting SHA-1 took twice as long): an id made here is only compared with ids
    /// git already stored, never written as a new object.
    public static func blob(of data: Data) -> OID {
        data.withUnsafeBytes(blob(ofBytes:))
    }

    /// `blob(of:)` of `text`'s UTF-8 bytes.
    public static func blob(of text: String) -> OID {
        var text = text
        return text.withUTF8 { blob(ofBytes: UnsafeRawBufferPointer($0)) }
    }

    private static func blob(ofBytes bytes: UnsafeRawBufferPointer) -> OID {
        var hasher = Insecure.SHA1()
        hasher.update(data: Array("blob \(bytes.count)\0".utf8))
        hasher.update(bufferPointer: bytes)
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { target in
            for (k, byte) in hasher.finalize().enumerated() where k < target.count { target[k] = byte }
        }
        return OID(oid)
    }


    /// The id's first byte: 1 id in 256 starts with 0, whatever the history (a sample of commits
    /// that is the same in every run and every clone).
    public var firstByte: UInt8 { raw.id.0 }

    /// The first seven digits, as `git log --oneline` shows.
    public var short: String { String(hex.prefix(7)) }
    public var description: String { hex }

    /// Compared as two words and a half (a walk compares and hashes ids in every table it keeps).
    public static func == (lhs: OID, rhs: OID) -> Bool {
        withUnsafeBytes(of: lhs.raw.id) { a in
            withUnsafeBytes(of: rhs.raw.id) { b in
                a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                    && a.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                    && a.loadUnaligned(fromByteOffset: 16, as: UInt32.self) == b.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
            }
        }
    }

    /// Byte order of the ids (the order of git's pack indexes).
    public static func < (lhs: OID, rhs: OID) -> Bool {
        var a = lhs.raw, b = rhs.raw
        return git_oid_cmp(&a, &b) < 0
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: raw.id) { bytes in
            hasher.combine(bytes.loadUnaligned(as: UInt64.self))
            hasher.combine(bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            hasher.combine(bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        }
    }
}
