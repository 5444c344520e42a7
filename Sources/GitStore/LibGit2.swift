import CLibGit2

/// Initialises libgit2 once per process. Every entry point of GitStore touches it; libgit2 is
/// never shut down, since other threads may still use it.
enum LibGit2 {
    private static let initialized: Bool = {
        let ok = git_libgit2_init() > 0
        // Large trees (a year folder of hundreds of cases) are kept by `TreeCache`, which keeps
        // the ones a walk reads at every commit; libgit2's cache keeps the small ones, and not
        // commits: a walk reads each once, and a cache full of them makes each eviction (libgit2
        // scans its table from the start) cost as much as the table.
        _ = folio_set_cache_object_limit(GIT_OBJECT_TREE, 4 << 10)
        _ = folio_set_cache_object_limit(GIT_OBJECT_COMMIT, 0)
        // Small: libgit2 counts a cached tree by its raw size, and a parsed case folder costs
        // several times that (at 10k cases, a 32 MB cache held about 130 MB); measured on a cold
        // status at 10k cases, 2 MB is as fast as 32 MB.
        _ = folio_set_cache_max_size(2 << 20)
        // Pack files are mapped in 4 MB windows, at most 48 MB at once (libgit2 maps whole packs
        // otherwise, and a walk of a long history touches every page: resident memory grew with
        // the repository's size). A walk reads objects all over the pack, and two walks at once
        // (a whole history in two halves) twice as widely, so windows are dropped and mapped again
        // all the time; a small window costs little to map again. Measured by full verify at 10k
        // cases (a 96 MB pack): 16/64 MB windows mapped and dropped 24,000 times, 7 s of system
        // time, 32 s and 172 MB; 4/48 MB 4 s of system time, 25–29 s and 160–172 MB; a cold status
        // (one walk) the same for both.
        _ = folio_set_mwindow_limits(4 << 20, 48 << 20)
        // An object read is not hashed again, as git does not: ids are checked when objects enter
        // (git receive-pack and index-pack, fsck); a full walk read each object's bytes twice.
        _ = folio_set_strict_hash_verification(0)
        return ok
    }()

    static func ensure() {
        _ = initialized
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension Repository {
    /// Lets the pages of the pack files libgit2 has mapped go back to the page cache: each pack's
    /// index (mapped whole: 40 MB at 30k cases, every page of it touched by a walk's look-ups) and
    /// the windows of its data. The mappings are read-only, so a page touched again is read again
    /// from the file, unchanged; the files stay mapped. Called between phases and every few
    /// thousand commits of a long walk, so that resident memory does not grow with the pack.
    /// (Linux: the mappings are found in `/proc/self/maps`; elsewhere it does nothing.)
    public static func releasePackPages() {
        #if os(Linux)
        guard let maps = fopen("/proc/self/maps", "r") else { return }
        defer { fclose(maps) }
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), maps) != nil {
            let text = line.withUnsafeBufferPointer { chars in
                String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            guard text.contains("/objects/pack/pack-"),
                  text.hasSuffix(".idx\n") || text.hasSuffix(".pack\n") else { continue }
            let range = text.prefix { $0 != " " }.split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            _ = madvise(address, Int(end - start), MADV_DONTNEED)
        }
        #endif
    }
}
