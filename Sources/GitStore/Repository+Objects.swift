import CLibGit2
import Foundation

/// One entry of a tree.
public struct TreeEntry: Sendable, Equatable {
    public enum Kind: Sendable { case blob, tree, other }
    public var name: String
    public var id: OID
    /// Git's file mode: 0o100644, 0o100755, 0o040000 (a folder), 0o120000 (a symbolic link)...
    public var mode: UInt32

    /// What the mode makes it, as libgit2 types an entry: a folder, a submodule (other), else a
    /// blob (a file or a symbolic link).
    public var kind: Kind { Kind(mode: mode) }
}

extension TreeEntry.Kind {
    init(mode: UInt32) {
        switch mode & 0o170000 {
        case 0o040000: self = .tree
        case 0o160000: self = .other
        default: self = .blob
        }
    }
}

/// A name whose entry differs between two versions of a folder, with what it is on each side
/// (nil: absent there).
public struct EntryChange: Sendable, Equatable {
    public var name: String
    public var old: TreeEntry.Kind?
    public var new: TreeEntry.Kind?
    /// The name is twice on one side among the entries that differ, or the new folder is malformed
    /// at a changed or added entry of this name (`DifferingEntry.malformed`: the name twice there,
    /// beside a copy left as the parent had it too, or out of git's order): a tree git never writes
    /// (`git fsck`: duplicateEntries, treeNotSorted), whose look-ups by name each program answers
    /// its own way.
    public var repeated = false

    public init(name: String, old: TreeEntry.Kind?, new: TreeEntry.Kind?, repeated: Bool = false) {
        (self.name, self.old, self.new, self.repeated) = (name, old, new, repeated)
    }

    /// A folder on each side that has it: added, removed or changed as a folder; not a file, link
    /// or submodule, nor a folder that became one of them or the other way round.
    public var isFolderThroughout: Bool { old != .blob && old != .other && new != .blob && new != .other }
}

/// What a revwalk yields of each commit: enough to replay history from trailers.
public struct CommitInfo: Sendable {
    public var id: OID
    public var parents: [OID]
    public var author: Signature
    public var committer: Signature
    public var message: String

    /// The first line of the message.
    public var subject: String {
        String(message.prefix { $0 != "\n" })
    }
}

extension Repository {
    /// Runs `body` with the tree of `commit`.
    func withTree<T>(of commit: OID, _ body: (OpaquePointer) throws -> T) throws -> T {
        let tree = try self.tree(try treeID(of: commit))
        defer { git_tree_free(tree) }
        return try body(tree)
    }

    /// Keeps the trees `ids` parsed once read (besides the tree cache's own, which drops the least
    /// recently used), until the next call names others: the folders many look-ups cross. The
    /// trees kept before become the cache's like any other (a server that asks at each new HEAD
    /// keeps one HEAD's folders, not every HEAD's).
    public func keepTrees(_ ids: Set<OID>) {
        trees.kept = ids
    }

    /// The tree `id`, as a reference the caller frees with `git_tree_free` (from `trees`).
    func tree(_ id: OID) throws -> OpaquePointer {
        try trees.tree(id, in: handle, listed: listedFolders)
    }

    /// The tree at `path` below `root` ("" for `root` itself, as a new reference), or nil when
    /// there is none; the caller frees it. Each folder on the way is looked up in `trees`.
    func subtree(_ path: String, of root: OpaquePointer) throws -> OpaquePointer? {
        var current: OpaquePointer?
        try check("git_object_dup", git_object_dup(&current, root))
        // Each component is looked up as a C string cut from the path's bytes (no string per
        // component); empty components ("a//b") are skipped.
        var bytes = Array(path.utf8.map { CChar(bitPattern: $0) })
        bytes.append(0)
        return try bytes.withUnsafeMutableBufferPointer { chars -> OpaquePointer? in
            let end = chars.count - 1
            var start = 0
            while start < end {
                var stop = start
                while stop < end, chars[stop] != 0x2F { stop += 1 }
                defer { start = stop + 1 }
                guard stop > start else { continue }
                chars[stop] = 0
                guard let entry = git_tree_entry_byname(current, chars.baseAddress! + start),
                      git_tree_entry_type(entry) == GIT_OBJECT_TREE else {
                    git_tree_free(current)
                    return nil
                }
                let next: OpaquePointer
                do { next = try tree(OID(git_tree_entry_id(entry).pointee)) } catch { git_tree_free(current); throw error }
                git_tree_free(current)
                current = next
            }
            return current
        }
    }

    /// The id of the object at `path` in `commit`'s tree; nil when there is nothing there.
    public func entryID(at path: String, in commit: OID) throws -> OID? {
        try entry(at: path, in: commit)?.id
    }

    /// The contents of the blob `id`.
    public func blob(_ id: OID) throws -> Data {
        var raw = id.raw
        var blob: OpaquePointer?
        try check("git_blob_lookup", git_blob_lookup(&blob, handle, &raw))
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let bytes = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: bytes, count: size)
    }

    /// The id of the blob at `path` in `commit`: a file or a symbolic link; nil when there is
    /// nothing there, or a folder, or a submodule (whose id names a commit of another repository).
    public func fileID(at path: String, in commit: OID) throws -> OID? {
        guard let entry = try entry(at: path, in: commit), entry.mode & 0o170000 == 0o100000 || entry.mode == 0o120000 else { return nil }
        return entry.id
    }

    /// The contents of the blob `id`, handed to `chunk` a piece at a time: streamed from the
    /// object database where it can stream (a loose object), else from the object read whole
    /// (a packed one) without a copy. A document of tens of megabytes is hashed this way.
    public func readBlob(_ id: OID, chunk: (UnsafeRawBufferPointer) throws -> Void) throws {
        var odb: OpaquePointer?
        try check("git_repository_odb", git_repository_odb(&odb, handle))
        defer { git_odb_free(odb) }
        var raw = id.raw
        var stream: UnsafeMutablePointer<git_odb_stream>?
        var length = 0
        var type = GIT_OBJECT_INVALID
        if git_odb_open_rstream(&stream, &length, &type, odb, &raw) == 0, let stream {
            defer { git_odb_stream_free(stream) }
            guard type == GIT_OBJECT_BLOB else { throw GitError(function: "git_odb_open_rstream", code: -1, message: "\(id.hex) no es un blob") }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 8)
            defer { buffer.deallocate() }
            var left = length
            while left > 0 {
                let read = git_odb_stream_read(stream, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
                if read < 0 { try check("git_odb_stream_read", read) }
                if read == 0 { break }
                try chunk(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(read)]))
                left -= Int(read)
            }
            return
        }
        git_error_clear()
        var blob: OpaquePointer?
        try check("git_blob_lookup", git_blob_lookup(&blob, handle, &raw))
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let bytes = git_blob_rawcontent(blob) else { return }
        try chunk(UnsafeRawBufferPointer(start: bytes, count: size))
    }

    /// The contents of the file at `path` in `commit`; nil when there is no file there.
    public func file(at path: String, in commit: OID) throws -> Data? {
        guard let id = try fileID(at: path, in: commit) else { return nil }
        return try blob(id)
    }

    /// The entries of the folder at `path` ("" for the root) in `commit`; empty when absent.
    public func entries(at path: String, in commit: OID) throws -> [TreeEntry] {
        try withTree(of: commit) { root in
            guard let tree = try subtree(path, of: root) else { return [] }
            defer { git_tree_free(tree) }
            return listing(of: tree)
        }
    }

    /// The entries of the tree `id` itself (not a commit's), in git's order.
    public func entries(ofTree id: OID) throws -> [TreeEntry] {
        let tree = try self.tree(id)
        defer { git_tree_free(tree) }
        return listing(of: tree)
    }

    /// The entries of a parsed tree, copied out in git's order.
    private func listing(of tree: OpaquePointer) -> [TreeEntry] {
        (0..<git_tree_entrycount(tree)).map { i in
            let e = git_tree_entry_byindex(tree, i)
            return TreeEntry(name: String(cString: git_tree_entry_name(e)), id: OID(git_tree_entry_id(e).pointee),
                             mode: git_tree_entry_filemode(e).rawValue)
        }
    }

    /// The commit `id`, copied out into a value.
    public func commit(_ id: OID) throws -> CommitInfo {
        var raw = id.raw
        var c: OpaquePointer?
        try check("git_commit_lookup", git_commit_lookup(&c, handle, &raw))
        defer { git_commit_free(c) }
        // Its tree is learnt too: a walk's rules look in the commit it has just read.
        learnTree(of: id, OID(git_commit_tree_id(c).pointee))
        return CommitInfo(c!)
    }

    /// Walks the history reachable from `tip`, oldest first (parents before children), calling
    /// `body` with each commit. One revwalk, no diff. With `firstParent`, only the line of first
    /// parents from `tip` (what a linear shared branch is; a merge's other parents are not followed).
    public func walk(from tip: OID, hiding: OID? = nil, firstParent: Bool = false, _ body: (CommitInfo) throws -> Void) throws {
        try walkIDs(from: [tip], hiding: hiding, firstParent: firstParent) { oid in
            var raw = oid.raw
            var c: OpaquePointer?
            try check("git_commit_lookup", git_commit_lookup(&c, handle, &raw))
            defer { git_commit_free(c) }
            learnTree(of: oid, OID(git_commit_tree_id(c).pointee))
            try body(CommitInfo(c!))
        }
    }

    /// The ids `walk` yields, in its order, without reading each commit again into a value (the
    /// revwalk has parsed each one already; at 100k commits, looking them up again costs a second).
    public func commitIDs(from tip: OID, hiding: OID? = nil, firstParent: Bool = false) throws -> [OID] {
        var ids: [OID] = []
        if firstParent, hiding == nil {
            ids = try firstParentLine(from: tip)
        } else {
            try walkIDs(from: [tip], hiding: hiding, firstParent: firstParent) { ids.append($0) }
        }
        // As long as the line, not the capacity doubling left (up to twice it: 4 MB more at 30k
        // cases, held through a whole walk); copied once the revwalk's own nodes are freed.
        return ids.capacity - ids.count < 1024 ? ids : ids.withUnsafeBufferPointer { Array($0) }
    }

    /// Each commit of the first-parent line from `tip` to its root, newest first, read once: for a
    /// walk that keeps a few of them (one case's steps), without a revwalk's node per commit or a
    /// list of the whole line's ids. The pages of the pack read are let go every few thousand commits.
    public func walkFirstParents(from tip: OID, newestFirst body: (CommitInfo) throws -> Void) throws {
        var next: OID? = tip
        var count = 0
        while let id = next {
            let commit = try commit(id)
            next = commit.parents.first
            try body(commit)
            count += 1
            if count % 16384 == 0 { Self.releaseMappedPages() }
        }
    }

    /// Each commit of the first-parent line from `tip` to its root, oldest first, each read as it is
    /// visited (the line's ids found first, `firstParentLine`: no revwalk holding a node per commit).
    public func walkFirstParents(from tip: OID, oldestFirst body: (CommitInfo) throws -> Void) throws {
        for (position, id) in try firstParentLine(from: tip).enumerated() {
            try body(commit(id))
            if position % 16384 == 16383 { Self.releaseMappedPages() }
        }
    }

    /// The first-parent line from `tip` to its root, oldest first: what a revwalk following first
    /// parents yields, found by going from each commit to its first parent. A revwalk sorts
    /// topologically, so it reads every commit before it yields the first, and holds a node for
    /// each (at 30k cases, 312k commits: 50 MB of heap and every pack window at once, the peak of
    /// a whole-history command); this holds only the ids. The pages of the pack read are let go
    /// every few thousand commits (`releaseMappedPages`).
    func firstParentLine(from tip: OID) throws -> [OID] {
        var ids: [OID] = []
        var next: OID? = tip
        while let id = next {
            var raw = id.raw
            var c: OpaquePointer?
            try check("git_commit_lookup", git_commit_lookup(&c, handle, &raw))
            ids.append(id)
            next = git_commit_parentcount(c) > 0 ? git_commit_parent_id(c, 0).map { OID($0.pointee) } : nil
            git_commit_free(c)
            if ids.count % 16384 == 0 { Self.releaseMappedPages() }
        }
        ids.reverse()
        return ids
    }

    /// The first parent of commit `id` (nil for a root) and, as bytes to compare, every entry at
    /// the top of its tree but `excluded` (name, mode and id of each, in the tree's order): what
    /// a walk down a first-parent line asks of each commit when it follows the files beside one
    /// folder (a repository's configuration beside its case folders), read without copying the
    /// commit into a value.
    public func firstParent(of id: OID, topEntriesBut excluded: String) throws -> (parent: OID?, entries: [UInt8]) {
        var raw = id.raw
        var c: OpaquePointer?
        try check("git_commit_lookup", git_commit_lookup(&c, handle, &raw))
        defer { git_commit_free(c) }
        let parent = git_commit_parentcount(c) > 0 ? git_commit_parent_id(c, 0).map { OID($0.pointee) } : nil
        // From the tree cache when a walk has just read this root; otherwise read and let go, not
        // cached (a walk down hundreds of old commits would push out the folders a walk keeps using).
        var tree = try trees.cachedTree(OID(git_commit_tree_id(c)!.pointee))
        if tree == nil { try check("git_commit_tree", git_commit_tree(&tree, c)) }
        defer { git_tree_free(tree) }
        var bytes: [UInt8] = []
        for index in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, index), let name = git_tree_entry_name(entry) else { continue }
            let length = strlen(name)
            if excluded.utf8.elementsEqual(UnsafeBufferPointer(start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self), count: length)) { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self), count: length))
            bytes.append(0)
            let mode = UInt32(git_tree_entry_filemode(entry).rawValue)
            withUnsafeBytes(of: mode.littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: git_tree_entry_id(entry)!.pointee.id) { bytes.append(contentsOf: $0) }
        }
        return (parent, bytes)
    }

    /// The commits without parents that `tips` reach and `hiding` does not, by one revwalk (a merge's
    /// other parents: one walk for all of them, however many a crafted commit lists).
    public func roots(reachableFrom tips: [OID], hiding: OID) throws -> [OID] {
        var roots: [OID] = []
        try walkIDs(from: tips, hiding: hiding, firstParent: false) { oid in
            var raw = oid.raw
            var c: OpaquePointer?
            try check("git_commit_lookup", git_commit_lookup(&c, handle, &raw))
            defer { git_commit_free(c) }
            if git_commit_parentcount(c) == 0 { roots.append(oid) }
        }
        return roots
    }

    private func walkIDs(from tips: [OID], hiding: OID?, firstParent: Bool, _ body: (OID) throws -> Void) throws {
        var walker: OpaquePointer?
        try check("git_revwalk_new", git_revwalk_new(&walker, handle))
        defer { git_revwalk_free(walker) }
        try check("git_revwalk_sorting",
                  git_revwalk_sorting(walker, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue))
        if firstParent { try check("git_revwalk_simplify_first_parent", git_revwalk_simplify_first_parent(walker)) }
        for tip in tips {
            var start = tip.raw
            try check("git_revwalk_push", git_revwalk_push(walker, &start))
        }
        if let hiding {
            var hidden = hiding.raw
            try check("git_revwalk_hide", git_revwalk_hide(walker, &hidden))
        }
        var oid = git_oid()
        while true {
            let rc = git_revwalk_next(&oid, walker)
            if rc == GIT_ITEROVER.rawValue { break }
            try check("git_revwalk_next", rc)
            try body(OID(oid))
        }
    }
}

extension CommitInfo {
    init(_ c: OpaquePointer) {
        id = OID(git_commit_id(c).pointee)
        parents = (0..<git_commit_parentcount(c)).compactMap { i in
            git_commit_parent_id(c, i).map { OID($0.pointee) }
        }
        author = Signature(git_commit_author(c))
        committer = Signature(git_commit_committer(c))
        message = git_commit_message(c).map { String(cString: $0) } ?? ""
    }
}

extension Repository {
    /// The signature in a commit's `gpgsig` header and the data it signs; nil for an unsigned commit.
    ///
    /// Read from the commit's header only, as git does: libgit2 1.5's `git_commit_extract_signature`
    /// also takes `gpgsig` lines from the message, which git calls unsigned.
    public func signature(of commit: OID) throws -> (signature: String, signedData: Data)? {
        Self.splitSignature(try rawObject(commit))
    }

    /// `gpgsig` (with its continuation lines) out of a raw commit's header: the armor, and the commit
    /// without it (what the signature covers). Nil when the header has no `gpgsig`, or more than one.
    static func splitSignature(_ raw: Data) -> (signature: String, signedData: Data)? {
        let bytes = [UInt8](raw)
        let newline = UInt8(ascii: "\n")
        var signed: [UInt8] = []
        signed.reserveCapacity(bytes.count)
        var signature: [UInt8]? = nil
        var i = 0
        var inSignature = false
        while i < bytes.count {
            let end = bytes[i...].firstIndex(of: newline) ?? bytes.count
            let line = bytes[i..<end]
            if line.isEmpty {
                // The header ends at the first empty line: the message is signed as it is.
                signed += bytes[i...]
                break
            }
            if inSignature, line.first == UInt8(ascii: " ") {
                signature! += [newline] + line.dropFirst()
            } else if line.starts(with: Array("gpgsig ".utf8)) {
                guard signature == nil else { return nil }
                signature = Array(line.dropFirst(7))
                inSignature = true
            } else {
                inSignature = false
                signed += line
                if end < bytes.count { signed.append(newline) }
            }
            i = end + 1
        }
        guard let signature else { return nil }
        return (String(decoding: signature, as: UTF8.self) + "\n", Data(signed))
    }

    /// An object's bytes as stored (a commit's header and message, unparsed).
    public func rawObject(_ id: OID) throws -> Data {
        var odb: OpaquePointer?
        try check("git_repository_odb", git_repository_odb(&odb, handle))
        defer { git_odb_free(odb) }
        var raw = id.raw
        var object: OpaquePointer?
        try check("git_odb_read", git_odb_read(&object, odb, &raw))
        defer { git_odb_object_free(object) }
        let size = git_odb_object_size(object)
        guard size > 0, let data = git_odb_object_data(object) else { return Data() }
        return Data(bytes: data, count: size)
    }

    /// The commit a revision names (`main`, `HEAD~2`, a sha); nil when it names none.
    public func resolve(revision: String) throws -> OID? {
        var object: OpaquePointer?
        guard try found("git_revparse_single", git_revparse_single(&object, handle, revision)) else { return nil }
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        guard git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) == 0 else { return nil }
        defer { git_object_free(peeled) }
        return OID(git_object_id(peeled).pointee)
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    public func isAncestor(_ ancestor: OID, of descendant: OID) throws -> Bool {
        if ancestor == descendant { return true }
        var a = ancestor.raw, d = descendant.raw
        return try check("git_graph_descendant_of", git_graph_descendant_of(handle, &d, &a)) == 1
    }

    /// A value of git's configuration (repository, global and system), or nil when unset. With
    /// `localOnly`, only the repository's own file (`config` in the git directory): what a hook's
    /// environment (HOME, XDG_CONFIG_HOME, which git passes from a pusher by a local path) cannot set.
    public func config(_ key: String, localOnly: Bool = false) throws -> String? {
        var snapshot: OpaquePointer?
        try check("git_repository_config_snapshot", git_repository_config_snapshot(&snapshot, handle))
        defer { git_config_free(snapshot) }
        var local: OpaquePointer?
        if localOnly {
            guard try found("git_config_open_level", git_config_open_level(&local, snapshot, GIT_CONFIG_LEVEL_LOCAL)) else { return nil }
        }
        defer { if let local { git_config_free(local) } }
        let config = local ?? snapshot
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard try found("git_config_get_string_buf", git_config_get_string_buf(&buffer, config, key)) else { return nil }
        return String(cString: buffer.ptr)
    }
}

extension Repository {
    /// Sets a value in the repository's own configuration (`.git/config`).
    public func setConfig(_ key: String, _ value: String) throws {
        var config: OpaquePointer?
        try check("git_repository_config", git_repository_config(&config, handle))
        defer { git_config_free(config) }
        var local: OpaquePointer?
        try check("git_config_open_level", git_config_open_level(&local, config, GIT_CONFIG_LEVEL_LOCAL))
        defer { git_config_free(local) }
        try check("git_config_set_string", git_config_set_string(local, key, value))
    }
}

extension Repository {
    /// Names of the entries of the folder `path` ("" for the root) whose ids or modes differ between two
    /// commits (added, removed or changed). Compares one tree level only: no recursion, no diff.
    public func changedEntries(at path: String, from old: OID, to new: OID) throws -> [String] {
        try entryChanges(at: path, from: old, to: new).map(\.name)
    }

    /// The entries of the folder `path` ("" for the root) that differ between two commits, sorted
    /// by name, each name once with its kind on either side: one comparison gives the names and
    /// whether each is still a folder. `old` nil: every entry of `new`'s folder.
    public func entryChanges(at path: String, from old: OID?, to new: OID) throws -> [EntryChange] {
        func changes(_ a: OpaquePointer?, _ b: OpaquePointer?) -> [EntryChange] {
            let sorted = differingEntries(a, b)
                .map { EntryChange(name: $0.name, old: $0.old.map { .init(mode: $0.mode) }, new: $0.new.map { .init(mode: $0.mode) }, repeated: $0.malformed) }
                .sorted { $0.name < $1.name }
            // A folder that became a file of the same name, or the other way round, is two entries
            // in git's order (a folder sorts as its name with a slash): one change here. A name
            // twice on one side (a crafted tree, which git fsck refuses) is neither a file nor a
            // folder there: `other`.
            func both(_ a: TreeEntry.Kind?, _ b: TreeEntry.Kind?) -> TreeEntry.Kind? { a != nil && b != nil ? .other : a ?? b }
            var result: [EntryChange] = []
            result.reserveCapacity(sorted.count)
            for change in sorted {
                if let last = result.last, last.name == change.name {
                    result[result.count - 1].old = both(last.old, change.old)
                    result[result.count - 1].new = both(last.new, change.new)
                    if change.repeated || (last.old != nil && change.old != nil) || (last.new != nil && change.new != nil) {
                        result[result.count - 1].repeated = true
                    }
                } else {
                    result.append(change)
                }
            }
            return result
        }
        return try withSubtree(path, of: new) { b in
            guard let old else { return changes(nil, b) }
            return try withSubtree(path, of: old) { a in changes(a, b) }
        }
    }

    /// Runs `body` with the tree at `path` ("" for the root) of `commit`, or nil when there is none.
    func withSubtree<T>(_ path: String, of commit: OID, _ body: (OpaquePointer?) throws -> T) throws -> T {
        try withTree(of: commit) { root in
            let sub = try subtree(path, of: root)
            defer { if let sub { git_tree_free(sub) } }
            return try body(sub)
        }
    }
}

/// An entry a commit added or changed, with its full path and git file mode.
public struct ChangedEntry: Sendable, Equatable {
    public var path: String
    public var id: OID
    /// Git's file mode: 0o100644, 0o100755, 0o120000 (symbolic link), 0o160000 (submodule)...
    public var mode: UInt32

    public var isSymbolicLink: Bool { mode == 0o120000 }
    public var isSubmodule: Bool { mode == 0o160000 }
    public var isFile: Bool { mode == 0o100644 || mode == 0o100755 }
}

extension Repository {
    /// Every file, link or submodule of `new`'s tree that is absent or different in `old`'s
    /// (the whole tree when `old` is nil), walking only the folders whose ids differ.
    public func addedOrChangedFiles(from old: OID?, to new: OID) throws -> [ChangedEntry] {
        try withTree(of: new) { newRoot in
            var result: [ChangedEntry] = []
            if let old {
                try withTree(of: old) { oldRoot in try collect(old: oldRoot, new: newRoot, prefix: "", into: &result) }
            } else {
                try collect(old: nil, new: newRoot, prefix: "", into: &result)
            }
            return result
        }
    }

    private func collect(old: OpaquePointer?, new: OpaquePointer, prefix: String, into result: inout [ChangedEntry]) throws {
        // The folders' entries are compared once (`differingEntries`, shared with `changedEntries`
        // for the same two trees); only the names that differ become strings.
        for entry in differingEntries(old, new) {
            guard let now = entry.new else { continue }
            let path = prefix.isEmpty ? entry.name : "\(prefix)/\(entry.name)"
            guard now.isTree else {
                result.append(ChangedEntry(path: path, id: now.id, mode: now.mode))
                continue
            }
            let sub = try tree(now.id)
            defer { git_tree_free(sub) }
            var previous: OpaquePointer?
            if let before = entry.old, before.isTree { previous = try tree(before.id) }
            defer { if let previous { git_tree_free(previous) } }
            try collect(old: previous, new: sub, prefix: path, into: &result)
        }
    }
}
