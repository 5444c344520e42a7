import Foundation

/// Whether a run of bytes occurs in others, searched where they lie: `memchr` for each place the
/// first byte occurs, `memcmp` there. Foundation's `contains` on Linux converts a string to UTF-16
/// first, `Data.range(of:)` and the standard library's generic `firstRange` walk an iterator: each
/// cost a few percent of a whole-history verify, which asks this of every commit message and every
/// version of every `expediente.md`.
enum ByteSearch {
    static func contains(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Bool {
        guard let base = haystack.baseAddress?.assumingMemoryBound(to: UInt8.self), let first = needle.first,
              haystack.count >= needle.count else { return false }
        return needle.withUnsafeBufferPointer { key in
            var at = 0
            let last = haystack.count - key.count
            while at <= last {
                guard let hit = memchr(base + at, Int32(first), last - at + 1) else { return false }
                at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + at, key.baseAddress!, key.count) == 0 { return true }
                at += 1
            }
            return false
        }
    }
}
