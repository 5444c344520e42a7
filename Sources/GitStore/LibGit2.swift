import CDeferredCertificates
import CLibGit2
import Foundation

/// Initialises libgit2 once per process. Every entry point of GitStore touches it; libgit2 is
/// never shut down, since other threads may still use it.
enum LibGit2 {
    private static let initialized: Bool = {
        // The system's CA certificates are parsed when a remote is first used (`loadCertificates`),
        // not here: libgit2 with mbedTLS parses the whole bundle at init, 10-20 ms of every command.
        folio_defer_certificates(1)
        let ok = git_libgit2_init() > 0
        folio_defer_certificates(0)
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
        // Pack files are mapped in 4 MB windows, at most 32 MB at once (libgit2 maps whole packs
        // otherwise, and a walk of a long history touches every page: resident memory grew with
        // the repository's size). A walk reads objects all over the pack, and two walks at once
        // (a whole history in two halves) twice as widely, so windows are dropped and mapped again
        // all the time; a small window costs little to map again. Measured by full verify at 10k
        // cases (a 96 MB pack): 16/64 MB windows mapped and dropped 24,000 times, 7 s of system
        // time, 32 s and 172 MB; 4/48 MB 4 s of system time, 25–29 s and 160–172 MB; a cold status
        // (one walk) the same for both. At most 32 MB, not 48, since 2026-12-07 (alternating runs on
        // an idle machine at 30k cases, a 695 MB pack): peak memory of a first status 198 -> 191 MB,
        // full verify 198 -> 190, at 10k 116-120 -> 112-113 MB for 1 s more of system time in 17 s.
        _ = folio_set_mwindow_limits(4 << 20, 32 << 20)
        // An object read is not hashed again, as git does not: ids are checked when objects enter
        // (git receive-pack and index-pack, fsck); a full walk read each object's bytes twice.
        _ = folio_set_strict_hash_verification(0)
        GitEnvironment.pointSearchPaths()
        return ok
    }()

    static func ensure() {
        _ = initialized
    }

    /// Parses the CA certificates libgit2 asked for at init (`CDeferredCertificates`), before a
    /// fetch or a push: an https remote's certificate is checked against them. Once per process;
    /// what mbedTLS returned (0: every certificate read; 0 too when there was nothing to parse).
    @discardableResult
    static func loadCertificates() -> Int32 {
        ensure()
        return folio_load_deferred_certificates()
    }

    /// Whether libgit2's certificates are put off (1), parsed since (2), or were never asked for
    /// (0: libgit2 without mbedTLS, or no bundle on the system). For tests.
    public static var certificatesState: Int32 {
        ensure()
        return folio_deferred_certificates_state()
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
    ///
    /// The pages of folio's own code go back too (the executable's one read-and-execute mapping:
    /// 20–26 MB of a long run's resident memory, most of it code run once, which the kernel maps
    /// 64 KB at a time around each page touched; the code a run keeps using is mapped again).
    /// That mapping is never written (the executable has no text relocations), so what is mapped
    /// again is the file's bytes; the writable and relocated mappings are left alone.
    public static func releaseMappedPages() {
        #if os(Linux)
        guard let maps = fopen("/proc/self/maps", "r") else { return }
        defer { fclose(maps) }
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), maps) != nil {
            let text = line.withUnsafeBufferPointer { chars in
                String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            let pack = text.contains("/objects/pack/pack-") && (text.hasSuffix(".idx\n") || text.hasSuffix(".pack\n"))
            guard pack || isOwnCode(text) else { continue }
            let range = text.prefix { $0 != " " }.split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            _ = madvise(address, Int(end - start), MADV_DONTNEED)
        }
        #endif
    }
}

/// Whether a line of `/proc/self/maps` is the executable's code: read and execute, private, from
/// the file `/proc/self/exe` names.
private func isOwnCode(_ line: String) -> Bool {
    let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
    guard fields.count == 6, fields[1] == "r-xp", let exe = ownExecutable else { return false }
    return fields[5].trimmingCharacters(in: .whitespacesAndNewlines) == exe
}

private let ownExecutable: String? = {
    #if os(Linux)
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    #else
    return nil
    #endif
}()

/// The variables by which git's environment replaces its configuration files (git-config(1)),
/// which libgit2 does not read: `GIT_CONFIG_NOSYSTEM` leaves the system's file out,
/// `GIT_CONFIG_SYSTEM` and `GIT_CONFIG_GLOBAL` name the files read in place of the system's and of
/// the user's (`~/.gitconfig` and `~/.config/git/config`; `/dev/null` for none). So folio reads the
/// identity and settings git would read in the same environment (a script, a test or a hook that
/// sets `GIT_CONFIG_GLOBAL=/dev/null` does not get the user's `user.name`).
enum GitEnvironment {
    /// A folder that holds no configuration file: libgit2 looks there for the levels git's
    /// environment replaces, and finds nothing.
    static let nowhere = "/nonexistent/folio-sin-configuracion"

    /// The files the environment names in place of the system's and the user's (an empty name or
    /// /dev/null: none; a file that is not there is skipped, as git does).
    static let named: [(path: String, level: git_config_level_t, usual: String)] = {
        let env = ProcessInfo.processInfo.environment
        var named: [(String, git_config_level_t, String)] = []
        if let system = env["GIT_CONFIG_SYSTEM"], !isTrue(env["GIT_CONFIG_NOSYSTEM"]) { named.append((system, GIT_CONFIG_LEVEL_SYSTEM, "gitconfig")) }
        if let global = env["GIT_CONFIG_GLOBAL"] { named.append((global, GIT_CONFIG_LEVEL_GLOBAL, ".gitconfig")) }
        return named.filter { path, _, _ in
            var info = stat()
            return !path.isEmpty && path != "/dev/null" && stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
    }()

    /// Those of them libgit2 cannot be pointed at by folder (named otherwise than it looks for at
    /// that level), read at their level by every repository opened. (libgit2's check of a
    /// repository's owner reads `safe.directory` from its search paths only: a file named so is
    /// read there too.)
    static let files: [(path: String, level: git_config_level_t)] = named
        .filter { URL(fileURLWithPath: $0.path).lastPathComponent != $0.usual }.map { ($0.path, $0.level) }

    /// git's reading of a boolean variable: set, and not `0`, `false`, `no` or `off`.
    static func isTrue(_ value: String?) -> Bool {
        guard let value = value?.lowercased(), !value.isEmpty else { return false }
        return !["0", "false", "no", "off"].contains(value)
    }

    static func pointSearchPaths() {
        let env = ProcessInfo.processInfo.environment
        // A level's folder: that of the file named for it when libgit2 looks for that name there, else none.
        func folder(_ level: git_config_level_t) -> String {
            guard let file = named.first(where: { $0.level == level }) else { return nowhere }
            let url = URL(fileURLWithPath: file.path)
            return url.lastPathComponent == file.usual ? url.deletingLastPathComponent().path : nowhere
        }
        if isTrue(env["GIT_CONFIG_NOSYSTEM"]) || env["GIT_CONFIG_SYSTEM"] != nil {
            _ = folio_set_config_search_path(GIT_CONFIG_LEVEL_SYSTEM, folder(GIT_CONFIG_LEVEL_SYSTEM))
        }
        if env["GIT_CONFIG_GLOBAL"] != nil {
            _ = folio_set_config_search_path(GIT_CONFIG_LEVEL_GLOBAL, folder(GIT_CONFIG_LEVEL_GLOBAL))
            _ = folio_set_config_search_path(GIT_CONFIG_LEVEL_XDG, nowhere)
        }
    }

    /// Adds the files the environment names to `repository`'s configuration, at their levels.
    static func addFiles(to repository: OpaquePointer) {
        guard !files.isEmpty else { return }
        var config: OpaquePointer?
        guard git_repository_config(&config, repository) == 0 else { return }
        defer { git_config_free(config) }
        for (path, level) in files {
            // In place of the one libgit2 set at that level (it keeps one even for a file not found).
            _ = git_config_add_file_ondisk(config, path, level, repository, 1)
        }
    }
}
