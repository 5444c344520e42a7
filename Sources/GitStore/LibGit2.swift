import CLibGit2

/// Initialises libgit2 once per process. Every entry point of GitStore touches it; libgit2 is
/// never shut down, since other threads may still use it.
enum LibGit2 {
    private static let initialized: Bool = {
        git_libgit2_init() > 0
    }()

    static func ensure() {
        _ = initialized
    }
}
