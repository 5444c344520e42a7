import CLibGit2

/// Initialises libgit2 once per process. Every entry point of GitStore touches it; libgit2 is
/// never shut down, since other threads may still use it.
enum LibGit2 {
    private static let initialized: Bool = {
        let ok = git_libgit2_init() > 0
        // Keep parsed trees (a year folder holds hundreds of cases) and commits in the cache.
        _ = folio_set_cache_object_limit(GIT_OBJECT_TREE, 4 << 20)
        _ = folio_set_cache_object_limit(GIT_OBJECT_COMMIT, 64 << 10)
        _ = folio_set_cache_max_size(512 << 20)
        return ok
    }()

    static func ensure() {
        _ = initialized
    }
}
