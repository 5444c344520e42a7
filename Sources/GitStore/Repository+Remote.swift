import CLibGit2
import Foundation

/// A change to a tree, by full path from the root of that tree.
public enum TreeUpdate: Sendable {
    case upsert(path: String, id: OID, mode: UInt32)
    case remove(path: String)
}

/// What the remote answered to a push.
public struct PushResult: Sendable {
    /// References the remote refused, with its reason (a server hook's refusal among them).
    public var rejected: [String: String]
    /// What the remote printed while receiving (its hooks' messages).
    public var messages: String
}

/// Decides on an ssh server's host key (its raw wire-format blob, as in `known_hosts`): nil
/// accepts it, a message refuses the connection with that message.
public typealias HostKeyCheck = (_ host: String, _ key: Data) -> String?

/// Collects callback output; passed to libgit2 as the callbacks' payload.
private final class TransferLog {
    var messages = ""
    var rejected: [String: String] = [:]
    var credentialAttempts = 0
    var hostKeyCheck: HostKeyCheck?
    var hostKeyRefusal: String?
    var identityFiles: [String]

    init(hostKeyCheck: HostKeyCheck?, identityFiles: [String]) {
        self.hostKeyCheck = hostKeyCheck
        self.identityFiles = identityFiles
    }

    /// The transfer's error: a refused host key says why in its own words.
    func error(_ error: GitError) -> GitError {
        guard let refusal = hostKeyRefusal else { return error }
        return GitError(function: error.function, code: error.code, message: refusal)
    }
}

extension Repository {
    /// The id and file mode of the entry at `path` in a commit's tree; nil when absent.
    public func entry(at path: String, in commit: OID) throws -> (id: OID, mode: UInt32)? {
        // Through the tree cache: a year folder is not parsed again per lookup; and the folders of
        // the last few look-ups are kept, for the next file of the same folder and commit. The path
        // is read as bytes (a walk asks tens of paths per commit).
        let bytes = Array(path.utf8)
        guard let last = bytes.lastIndex(where: { $0 != 0x2F }) else { return nil }
        if last != bytes.count - 1 || bytes.first == 0x2F || zip(bytes, bytes.dropFirst()).contains(where: { $0 == 0x2F && $1 == 0x2F }) {
            // Empty components ("a//b", "/a", "a/") are skipped, as a split would.
            let normal = GitPath.components(path).joined(separator: "/")
            return normal.isEmpty ? nil : try entry(at: normal, in: commit)
        }
        let slash = bytes[..<last].lastIndex(of: 0x2F)
        let folderBytes = bytes[..<(slash ?? 0)]
        let folder: OpaquePointer?
        if let known = recentFolders.find(commit: commit, path: folderBytes) {
            folder = known
        } else {
            folder = try withTree(of: commit) { root in try subtree(String(decoding: folderBytes, as: UTF8.self), of: root) }
            recentFolders.add(commit: commit, path: Array(folderBytes), tree: folder)
        }
        guard let folder else { return nil }
        // The name ends the path: its C string is the path's, from after the last slash.
        guard let entry = path.withCString({ git_tree_entry_byname(folder, $0 + (slash.map { $0 + 1 } ?? 0)) }) else { return nil }
        return (OID(git_tree_entry_id(entry).pointee), git_tree_entry_filemode(entry).rawValue)
    }

    /// The name of the first folder directly under `folder` (in git's order) that holds a folder
    /// named `name` in `commit`'s tree; nil when none does. A file of that name is no case folder:
    /// one put in an earlier year (`cases/2025/PI-2026-0001`) took the case's place, and its steps
    /// were refused. One look-up per folder, in C: a case's year folder is found at every commit
    /// of a walk.
    public func firstFolder(under folder: String, holding name: String, in commit: OID) throws -> String? {
        try withTree(of: commit) { root in
            guard let parent = try subtree(folder, of: root) else { return nil }
            defer { git_tree_free(parent) }
            for i in 0..<git_tree_entrycount(parent) {
                guard let e = git_tree_entry_byindex(parent, i), git_tree_entry_type(e) == GIT_OBJECT_TREE else { continue }
                // A folder's tree never changes: what it holds is asked once (a walk asks at every
                // commit, of year folders that mostly did not change since the one before).
                let id = OID(git_tree_entry_id(e).pointee)
                // The year folders before a case's own are asked of every step of it; the rest of a
                // walk reads dozens of trees between two steps and would push them out of `trees`,
                // so they are held by name, one version each (`ListedFolders`).
                let mode = try entryMode(named: name, inTree: id) {
                    try listedFolders.tree(named: git_tree_entry_name(e), under: folder, id: id, cached: trees, in: handle)
                }
                if mode == 0o040000 { return String(cString: git_tree_entry_name(e)) }
            }
            return nil
        }
    }

    /// The mode of the entry `name` directly in the tree `id` (0 when there is none), remembered
    /// by the tree's id: a year folder of thousands of cases is read once for all the names asked.
    public func entryMode(named name: String, inTree id: OID) throws -> UInt32 {
        try entryMode(named: name, inTree: id) { try tree(id) }
    }

    /// `entryMode(named:inTree:)` with the tree, when it is not known, from `reading` (a new
    /// reference, freed here).
    private func entryMode(named name: String, inTree id: OID, reading: () throws -> OpaquePointer) throws -> UInt32 {
        let key = FolderName(tree: id, name: name)
        if let known = folderHolds[key] { return known }
        let tree = try reading()
        defer { git_tree_free(tree) }
        let mode = name.withCString { git_tree_entry_byname(tree, $0).map { git_tree_entry_filemode($0).rawValue } } ?? 0
        folderHolds.remember(key, mode)
        return mode
    }

    /// The id of a commit's root tree.
    public func treeID(of commit: OID) throws -> OID {
        // From the commit alone (the tree itself is not read), learnt once: commits stay out of
        // libgit2's cache (`LibGit2`), and every lookup by path in a commit starts here.
        if let known = rootTrees[commit] { return known }
        var raw = commit.raw
        var c: OpaquePointer?
        try check("git_commit_lookup", git_commit_lookup(&c, handle, &raw))
        defer { git_commit_free(c) }
        let tree = OID(git_commit_tree_id(c).pointee)
        learnTree(of: commit, tree)
        return tree
    }

    /// Notes the root tree of `commit`, read with it.
    func learnTree(of commit: OID, _ tree: OID) {
        // Bounded: a walk reads a commit's tree a few times in a row, then never again.
        if rootTrees.count >= 4096 { rootTrees.removeAll(keepingCapacity: true) }
        rootTrees[commit] = tree
    }

    /// The id of the entry at `path` inside the tree `tree`; nil when absent.
    public func entry(at path: String, inTree tree: OID) throws -> (id: OID, mode: UInt32)? {
        var raw = tree.raw
        var object: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&object, handle, &raw))
        defer { git_tree_free(object) }
        var entry: OpaquePointer?
        guard try found("git_tree_entry_bypath", git_tree_entry_bypath(&entry, object, path)) else { return nil }
        defer { git_tree_entry_free(entry) }
        return (OID(git_tree_entry_id(entry).pointee), git_tree_entry_filemode(entry).rawValue)
    }

    /// A new tree: `tree` with `updates` applied (files or whole folders upserted or removed).
    public func updatedTree(_ tree: OID, _ updates: [TreeUpdate]) throws -> OID {
        var raw = tree.raw
        var baseline: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&baseline, handle, &raw))
        defer { git_tree_free(baseline) }
        let paths = updates.map { update -> UnsafeMutablePointer<CChar>? in
            switch update {
            case .upsert(let path, _, _), .remove(let path): strdup(path)
            }
        }
        defer { paths.forEach { free($0) } }
        var list = zip(updates, paths).map { update, path -> git_tree_update in
            switch update {
            case .upsert(_, let id, let mode):
                git_tree_update(action: GIT_TREE_UPDATE_UPSERT, id: id.raw, filemode: git_filemode_t(mode), path: path)
            case .remove:
                git_tree_update(action: GIT_TREE_UPDATE_REMOVE, id: git_oid(), filemode: GIT_FILEMODE_UNREADABLE, path: path)
            }
        }
        var out = git_oid()
        try check("git_tree_create_updated", git_tree_create_updated(&out, handle, baseline, list.count, &list))
        return OID(out)
    }

    /// Writes `data` as a blob.
    public func writeBlob(_ data: Data) throws -> OID {
        var out = git_oid()
        _ = try data.withUnsafeBytes { bytes in
            try check("git_blob_create_from_buffer", git_blob_create_from_buffer(&out, handle, bytes.baseAddress, bytes.count))
        }
        return OID(out)
    }

    /// The best common ancestor of two commits; nil when they share none.
    public func mergeBase(_ a: OID, _ b: OID) throws -> OID? {
        var out = git_oid(), x = a.raw, y = b.raw
        guard try found("git_merge_base", git_merge_base(&out, handle, &x, &y)) else { return nil }
        return OID(out)
    }

    /// The direct references whose names match `glob` (`refs/folio/respaldo/*`), with their targets.
    public func references(matching glob: String) throws -> [(name: String, target: OID)] {
        var iterator: OpaquePointer?
        try check("git_reference_iterator_glob_new", git_reference_iterator_glob_new(&iterator, handle, glob))
        defer { git_reference_iterator_free(iterator) }
        var result: [(String, OID)] = []
        var ref: OpaquePointer?
        while git_reference_next(&ref, iterator) == 0 {
            defer { git_reference_free(ref) }
            if let target = git_reference_target(ref) { result.append((String(cString: git_reference_name(ref)), OID(target.pointee))) }
        }
        return result
    }

    /// Sets a reference (created or moved without condition), e.g. a backup of local work.
    public func setReference(_ name: String, to id: OID, reason: String) throws {
        var raw = id.raw
        var ref: OpaquePointer?
        try check("git_reference_create", git_reference_create(&ref, handle, name, &raw, 1, reason))
        git_reference_free(ref)
    }

    /// Updates the work tree and the index from HEAD's tree to `commit`'s, refusing (and
    /// changing nothing) where a file modified in the work tree would be overwritten.
    public func checkout(_ commit: OID) throws {
        dropNarrowedIndex()
        var raw = commit.raw
        var object: OpaquePointer?
        try check("git_object_lookup", git_object_lookup(&object, handle, &raw, GIT_OBJECT_COMMIT))
        defer { git_object_free(object) }
        var options = git_checkout_options()
        try check("git_checkout_options_init", git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)))
        options.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue
        try check("git_checkout_tree", git_checkout_tree(handle, object, &options))
    }

    /// Fetches `remote`'s branches into `refs/remotes/<remote>/`, and each of `extra` refspecs
    /// (a reference the remote lacks is skipped), with libgit2: ssh keys from ssh-agent, then from
    /// `identityFiles` (private key files); the server's host key is judged by `hostKeyCheck`.
    public func fetch(remote name: String, extra: [String] = [], hostKeyCheck: HostKeyCheck? = nil, identityFiles: [String] = []) throws {
        LibGit2.loadCertificates()
        var remote: OpaquePointer?
        try check("git_remote_lookup", git_remote_lookup(&remote, handle, name))
        defer { git_remote_free(remote) }
        var options = git_fetch_options()
        try check("git_fetch_options_init", git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)))
        let log = Unmanaged.passRetained(TransferLog(hostKeyCheck: hostKeyCheck, identityFiles: identityFiles))
        defer { log.release() }
        Self.install(&options.callbacks, payload: log.toOpaque())
        do {
            guard !extra.isEmpty else {
                try check("git_remote_fetch", git_remote_fetch(remote, nil, &options, "folio sync"))
                return
            }
            try withStrArray(["+refs/heads/*:refs/remotes/\(name)/*"] + extra) { specs in
                _ = try check("git_remote_fetch", git_remote_fetch(remote, specs, &options, "folio sync"))
            }
        } catch let error as GitError {
            throw log.takeUnretainedValue().error(error)
        }
    }

    /// Pushes `refspec` (`refs/heads/main:refs/heads/main`) to `remote` with libgit2.
    public func push(remote name: String, refspec: String, hostKeyCheck: HostKeyCheck? = nil, identityFiles: [String] = []) throws -> PushResult {
        LibGit2.loadCertificates()
        var remote: OpaquePointer?
        try check("git_remote_lookup", git_remote_lookup(&remote, handle, name))
        defer { git_remote_free(remote) }
        var options = git_push_options()
        try check("git_push_options_init", git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)))
        let log = Unmanaged.passRetained(TransferLog(hostKeyCheck: hostKeyCheck, identityFiles: identityFiles))
        defer { log.release() }
        Self.install(&options.callbacks, payload: log.toOpaque())
        do {
            try withStrArray([refspec]) { specs in
                _ = try check("git_remote_push", git_remote_push(remote, specs, &options))
            }
        } catch let error as GitError {
            throw log.takeUnretainedValue().error(error)
        }
        let result = log.takeUnretainedValue()
        return PushResult(rejected: result.rejected, messages: result.messages)
    }

    /// The URL of `remote`; nil when there is no such remote.
    public func remoteURL(_ name: String) throws -> String? {
        var remote: OpaquePointer?
        guard try found("git_remote_lookup", git_remote_lookup(&remote, handle, name)) else { return nil }
        defer { git_remote_free(remote) }
        return git_remote_url(remote).map { String(cString: $0) }
    }

    /// Sets the callbacks that collect the remote's messages and refusals into the `TransferLog`
    /// at `payload`, and answer ssh credentials from ssh-agent.
    private static func install(_ callbacks: inout git_remote_callbacks, payload: UnsafeMutableRawPointer) {
        callbacks.payload = payload
        callbacks.sideband_progress = { text, length, payload in
            guard let text, let payload else { return 0 }
            let log = Unmanaged<TransferLog>.fromOpaque(payload).takeUnretainedValue()
            log.messages += String(decoding: UnsafeRawBufferPointer(start: text, count: Int(length)), as: UTF8.self)
            return 0
        }
        callbacks.push_update_reference = { ref, status, payload in
            guard let ref, let status, let payload else { return 0 }
            Unmanaged<TransferLog>.fromOpaque(payload).takeUnretainedValue().rejected[String(cString: ref)] = String(cString: status)
            return 0
        }
        callbacks.certificate_check = { cert, _, host, payload in
            guard let cert, let payload else { return GIT_PASSTHROUGH.rawValue }
            let log = Unmanaged<TransferLog>.fromOpaque(payload).takeUnretainedValue()
            guard let checkKey = log.hostKeyCheck, cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else { return GIT_PASSTHROUGH.rawValue }
            let hostkey = UnsafeRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
            guard hostkey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostkey.hostkey else {
                log.hostKeyRefusal = "el servidor no dio su clave de host completa; no se puede comprobar con known_hosts"
                return GIT_ECERTIFICATE.rawValue
            }
            let key = Data(bytes: raw, count: hostkey.hostkey_len)
            if let refusal = checkKey(host.map { String(cString: $0) } ?? "", key) {
                log.hostKeyRefusal = refusal
                return GIT_ECERTIFICATE.rawValue
            }
            return 0
        }
        callbacks.credentials = { out, _, username, allowed, payload in
            guard let payload else { return GIT_PASSTHROUGH.rawValue }
            let log = Unmanaged<TransferLog>.fromOpaque(payload).takeUnretainedValue()
            log.credentialAttempts += 1
            guard allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 else { return GIT_PASSTHROUGH.rawValue }
            let user = username.map { String(cString: $0) } ?? "git"
            // ssh-agent first (when there is one), then each key file once: libgit2 calls again
            // after a refusal, which would otherwise loop.
            var options: [String?] = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"] != nil ? [nil] : []
            options += log.identityFiles.map { Optional($0) }
            guard log.credentialAttempts <= options.count else { return GIT_PASSTHROUGH.rawValue }
            guard let file = options[log.credentialAttempts - 1] else { return git_credential_ssh_key_from_agent(out, user) }
            let pub = FileManager.default.fileExists(atPath: file + ".pub") ? file + ".pub" : nil
            return git_credential_ssh_key_new(out, user, pub, file, nil)
        }
    }
}
