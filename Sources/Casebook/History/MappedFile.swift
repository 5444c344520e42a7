import Foundation

/// A file mapped read-only into memory: the caches are searched and copied where they lie, and
/// only the pages a command touches are read (a 100 MB cache costs what its lines read cost).
/// The mapping is private: a file replaced by rename while it is read does not change under it.
final class MappedFile {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The file's device and inode: a writer that appends checks it is still this file.
    let identity: (device: UInt64, inode: UInt64)

    /// nil when the file is missing, empty or cannot be mapped.
    init?(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else { return nil }
        bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: size)
        identity = (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
}

/// A fast checksum of a cache's bytes (64 bits, eight bytes at a time): it catches a damaged,
/// cut or edited span, as the per-line FNV-1a seals do, at memory speed for the large spans
/// (a table of every case, an index of every case's summary). Not a defence against someone who
/// can write `.git/`: nothing in a cache is, and nothing in it is trusted over history.
enum CacheChecksum {
    static func of(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = seed ^ UInt64(bytes.count)
        let words = bytes.count / 8
        for i in 0..<words {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x9e37_79b9_7f4a_7c15
            hash ^= hash >> 29
        }
        for i in (words * 8)..<bytes.count {
            hash = (hash ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01b3
        }
        hash ^= hash >> 32
        return hash &* 0xd6e8_feb8_6659_fd93 ^ (hash >> 31)
    }

    static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
