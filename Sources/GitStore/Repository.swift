import CLibGit2
import Foundation

/// An open git repository. Owns its `git_repository` handle; every other libgit2 handle lives
/// inside one method call and is freed before it returns.
///
/// Not `Sendable`: libgit2 objects are used by one thread at a time, so open one per task.
public final class Repository {
    let handle: OpaquePointer
    /// Each commit's root tree, learnt once: commits stay out of libgit2's cache (`LibGit2`), and
    /// every lookup by path in a commit starts from its tree.
    var rootTrees: [OID: OID] = [:]
    /// Parsed trees, looked up by id (`tree(_:)`).
    let trees = TreeCache()
    /// The folders `entry(at:in:)` looked in last (each a reference of its own, or nil when
    /// absent): a walk's rules ask a commit's case folder and its parent's for several files in turn.
    var recentFolders = RecentFolders()
    /// Whether a folder (by its tree id) holds an entry of a name, as `firstFolder` or the index
    /// found it.
    var folderHolds = FolderHolds()
    /// The year folders `firstFolder` looks in, by name.
    let listedFolders = ListedFolders()
    /// The folders compared last (`differingEntries`), by the two trees' ids.
    var comparisons = RecentComparisons()
    /// The index file as last read raw (`indexFile()`), and libgit2's index narrowed to a few
    /// folders while a step works (`narrowedIndex(covering:)`).
    var indexFileRead: IndexFile?
    var narrow: NarrowIndex?
    /// How many times this repository wrote the index file itself (`writeNarrowedIndex`).
    var indexFileWrites = 0
    /// Whether git's environment named this repository (`fromEnvironment`): a hook's pushed objects
    /// in quarantine are seen only through it.
    public private(set) var openedFromEnvironment = false

    private init(handle: OpaquePointer) {
        self.handle = handle
        GitEnvironment.addFiles(to: handle)
    }

    deinit {
        // The trees this repository holds go first: nothing of it outlives its handle.
        recentFolders.removeAll()
        trees.removeAll()
        listedFolders.removeAll()
        narrow = nil
        git_repository_free(handle)
    }

    /// Opens the repository whose work tree or `.git` folder is `path` exactly (no search upwards).
    public convenience init(at path: String) throws {
        LibGit2.ensure()
        var repo: OpaquePointer?
        try check("git_repository_open_ext", git_repository_open_ext(
            &repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil))
        self.init(handle: repo!)
    }

    /// Opens the repository git's environment names (`GIT_DIR`, `GIT_OBJECT_DIRECTORY`,
    /// `GIT_ALTERNATE_OBJECT_DIRECTORIES`), as in a server hook that sees pushed objects in
    /// quarantine; nil when the environment names none.
    public static func fromEnvironment() throws -> Repository? {
        LibGit2.ensure()
        var repo: OpaquePointer?
        let rc = git_repository_open_ext(&repo, nil, GIT_REPOSITORY_OPEN_FROM_ENV.rawValue, nil)
        guard try found("git_repository_open_ext", rc) else { return nil }
        let opened = Repository(handle: repo!)
        opened.openedFromEnvironment = true
        return opened
    }

    /// Opens this repository again, as it was opened (for another thread: libgit2 handles serve
    /// one thread at a time); the repository it opens is nil when it cannot be.
    public var reopen: @Sendable () -> Repository? {
        let (gitdir, fromEnvironment) = (gitdir, openedFromEnvironment)
        return { fromEnvironment ? (try? Repository.fromEnvironment()) ?? nil : try? Repository(at: gitdir) }
    }

    /// Finds the repository that holds `path`, searching upwards as git does; nil when none does.
    public static func discover(from path: String) throws -> Repository? {
        LibGit2.ensure()
        var repo: OpaquePointer?
        let rc = git_repository_open_ext(&repo, path, 0, nil)
        guard try found("git_repository_open_ext", rc) else { return nil }
        return Repository(handle: repo!)
    }

    /// The repository folder that holds `path` (searching upwards as `discover` does) when it
    /// belongs to another user of the system, with that user's name: git and libgit2 refuse to open
    /// it ("dubious ownership") unless `safe.directory` names it, and `discover` then finds none.
    public static func foreignOwner(above path: String) -> (folder: String, owner: String)? {
        var folder = URL(fileURLWithPath: path).standardizedFileURL.path
        while true {
            // A work tree (its `.git` folder or file) or a bare repository (HEAD and objects/).
            let isRepository = FileManager.default.fileExists(atPath: folder + "/.git")
                || (FileManager.default.fileExists(atPath: folder + "/HEAD") && FileManager.default.fileExists(atPath: folder + "/objects"))
            if isRepository {
                var info = stat()
                guard stat(folder, &info) == 0, info.st_uid != geteuid() else { return nil }
                let owner = getpwuid(info.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(info.st_uid)"
                return (folder, owner)
            }
            let parent = (folder as NSString).deletingLastPathComponent
            if parent == folder || parent.isEmpty { return nil }
            folder = parent
        }
    }

    /// Creates a new non-bare repository at `path` whose unborn HEAD points at `initialBranch`.
    public static func create(at path: String, initialBranch: String = "main") throws -> Repository {
        LibGit2.ensure()
        var options = git_repository_init_options()
        try check("git_repository_init_options_init",
                  git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)))
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue
        var repo: OpaquePointer?
        try initialBranch.withCString { branch in
            options.initial_head = branch
            try check("git_repository_init_ext", git_repository_init_ext(&repo, path, &options))
        }
        return Repository(handle: repo!)
    }

    /// The work tree's absolute path, without a trailing slash; nil for a bare repository.
    public var workdir: String? {
        guard let raw = git_repository_workdir(handle) else { return nil }
        var path = String(cString: raw)
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The `.git` folder's absolute path.
    public var gitdir: String {
        String(cString: git_repository_path(handle))
    }

    /// The index `GIT_INDEX_FILE` names in `environment` when it is not this repository's own
    /// (`.git/index`), nil when the variable is unset or names that one. git reads a relative
    /// path from the work tree's top; an empty value is an index of its own (an empty one) to git.
    /// libgit2 opens only the repository's own index, so with the variable set git and folio
    /// would read and write different ones.
    public func foreignIndexFile(in environment: [String: String]) -> String? {
        guard let value = environment["GIT_INDEX_FILE"] else { return nil }
        let base = URL(fileURLWithPath: workdir ?? gitdir, isDirectory: true)
        let named = value.hasPrefix("/") ? URL(fileURLWithPath: value) : URL(fileURLWithPath: value, relativeTo: base)
        let own = URL(fileURLWithPath: gitdir, isDirectory: true).appendingPathComponent("index")
        return !value.isEmpty && Self.canonical(named.path) == Self.canonical(own.path) ? nil : value
    }

    /// A folder's path with `.` and `..` resolved, symbolic links followed and no trailing slash:
    /// two names of one folder compare equal.
    public static func canonical(_ path: String) -> String {
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        return resolved.count > 1 && resolved.hasSuffix("/") ? String(resolved.dropLast()) : resolved
    }

    public var isBare: Bool { git_repository_is_bare(handle) == 1 }
    public var isShallow: Bool { git_repository_is_shallow(handle) == 1 }
    public var isHeadDetached: Bool { git_repository_head_detached(handle) == 1 }

    /// An operation left in progress (merge, rebase, cherry-pick...), or nil when there is none.
    public var operationInProgress: String? {
        let state = UInt32(bitPattern: git_repository_state(handle))
        switch state {
        case GIT_REPOSITORY_STATE_NONE.rawValue: return nil
        case GIT_REPOSITORY_STATE_MERGE.rawValue: return "merge"
        case GIT_REPOSITORY_STATE_REVERT.rawValue, GIT_REPOSITORY_STATE_REVERT_SEQUENCE.rawValue: return "revert"
        case GIT_REPOSITORY_STATE_CHERRYPICK.rawValue, GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE.rawValue:
            return "cherry-pick"
        case GIT_REPOSITORY_STATE_BISECT.rawValue: return "bisect"
        default: return "rebase"
        }
    }

    /// The full name of the branch HEAD points at (`refs/heads/main`), born or not; nil when detached.
    public func headBranchName() throws -> String? {
        var ref: OpaquePointer?
        try check("git_reference_lookup", git_reference_lookup(&ref, handle, "HEAD"))
        defer { git_reference_free(ref) }
        guard git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC else { return nil }
        return String(cString: git_reference_symbolic_target(ref))
    }

    /// The commit HEAD points at; nil on an unborn branch.
    public func headCommit() throws -> OID? {
        var oid = git_oid()
        let rc = git_reference_name_to_id(&oid, handle, "HEAD")
        guard try found("git_reference_name_to_id", rc) else { return nil }
        return OID(oid)
    }

    /// The commit a reference points at; nil when the reference does not exist.
    public func resolve(reference name: String) throws -> OID? {
        var oid = git_oid()
        let rc = git_reference_name_to_id(&oid, handle, name)
        guard try found("git_reference_name_to_id", rc) else { return nil }
        return OID(oid)
    }

    /// The upstream of HEAD's branch (`branch.<rama>.remote` and `.merge`, as `git status` reads
    /// them: `refs/remotes/origin/main`) and the commit it points at; nil when HEAD is detached or
    /// unborn, the branch has no upstream, or the remote-tracking branch does not exist yet.
    public func upstream() throws -> (name: String, target: OID)? {
        guard git_repository_head_detached(handle) != 1 else { return nil }
        var head: OpaquePointer?
        let rc = git_repository_head(&head, handle)
        guard rc != GIT_EUNBORNBRANCH.rawValue, try found("git_repository_head", rc) else { return nil }
        defer { git_reference_free(head) }
        var upstream: OpaquePointer?
        guard try found("git_branch_upstream", git_branch_upstream(&upstream, head)) else { return nil }
        defer { git_reference_free(upstream) }
        var resolved: OpaquePointer?
        guard try found("git_reference_resolve", git_reference_resolve(&resolved, upstream)) else { return nil }
        defer { git_reference_free(resolved) }
        return git_reference_target(resolved).map { (String(cString: git_reference_name(upstream)), OID($0.pointee)) }
    }

    /// The identity git would use for a commit here (`user.name`, `user.email`); nil when no
    /// `user.email` is set. git takes `user.email` alone too (the name then comes from the system's
    /// account), and the e-mail is what folio looks up in `roles.yaml`: without `user.name`, the
    /// name is the e-mail's local part.
    public func configuredIdentity() throws -> (name: String, email: String)? {
        var sig: UnsafeMutablePointer<git_signature>?
        let rc = git_signature_default(&sig, handle)
        guard try found("git_signature_default", rc) else {
            guard let email = try config("user.email"), !email.isEmpty else { return nil }
            let name = try config("user.name").flatMap { $0.isEmpty ? nil : $0 } ?? String(email.prefix { $0 != "@" })
            return (name, email)
        }
        defer { git_signature_free(sig) }
        let value = Signature(sig!)
        return (value.name, value.email)
    }
}
