import CLibGit2
import Foundation

/// A file whose work-tree or index state differs from HEAD.
public struct FileChange: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case added, modified, deleted, renamed, untracked, conflicted, other }
    /// The path relative to the work tree, with `/` separators.
    public var path: String
    public var kind: Kind
    /// True when the change is staged in the index (as `git add` leaves it).
    public var staged: Bool
}

extension Repository {
    /// The paths the index holds in conflict (an unfinished merge), read from the index alone.
    public func conflictedPaths() throws -> [String] {
        // An index file folio reads holds no conflict (`IndexFile`).
        if indexFile() != nil { return [] }
        var index: OpaquePointer?
        try check("git_repository_index", git_repository_index(&index, handle))
        defer { git_index_free(index) }
        // The repository's index object may be older than the file (git wrote it since): read it again.
        try check("git_index_read", git_index_read(index, 0))
        guard git_index_has_conflicts(index) != 0 else { return [] }
        var iterator: OpaquePointer?
        try check("git_index_conflict_iterator_new", git_index_conflict_iterator_new(&iterator, index))
        defer { git_index_conflict_iterator_free(iterator) }
        var paths: [String] = []
        var ancestor: UnsafePointer<git_index_entry>?, ours: UnsafePointer<git_index_entry>?, theirs: UnsafePointer<git_index_entry>?
        while git_index_conflict_next(&ancestor, &ours, &theirs, iterator) == 0 {
            if let entry = ours ?? theirs ?? ancestor, let path = entry.pointee.path { paths.append(String(cString: path)) }
        }
        return paths
    }

    /// What a status compares: HEAD with the index (staged changes), the index with the work
    /// tree (unstaged changes, untracked files), or both.
    public enum StatusSide: Sendable {
        case index, workTree, both
    }

    /// Every file whose state differs from HEAD (staged, unstaged or untracked, not ignored).
    public func changes() throws -> [FileChange] {
        try changes(side: .both, untracked: true)
    }

    /// The files that differ on `side`, limited to `paths` (folders or files, relative to the
    /// work tree; none: everywhere): libgit2 reads only the parts of the work tree and index
    /// under them, so a status of one folder does not cost the whole tree.
    ///
    /// With `ignored`, files git's ignore rules match (`.gitignore`, `.git/info/exclude`,
    /// `core.excludesFile`) are listed too, as untracked.
    public func changes(side: StatusSide, in paths: [String] = [], untracked: Bool, ignored: Bool = false) throws -> [FileChange] {
        var options = git_status_options()
        try check("git_status_options_init", git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)))
        switch side {
        case .index: options.show = GIT_STATUS_SHOW_INDEX_ONLY
        case .workTree: options.show = GIT_STATUS_SHOW_WORKDIR_ONLY
        case .both: options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        }
        options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
            | (untracked ? GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue : 0)
            | (ignored ? GIT_STATUS_OPT_INCLUDE_IGNORED.rawValue | GIT_STATUS_OPT_RECURSE_IGNORED_DIRS.rawValue : 0)
        // Paths are literal: a glob character in a name matches only itself (read by scalar: a
        // character such as "[\u{301}" holds one too).
        let specs = paths.map { path in
            var escaped = String.UnicodeScalarView()
            for scalar in path.unicodeScalars {
                if "*?[]\\".unicodeScalars.contains(scalar) { escaped.append("\\") }
                escaped.append(scalar)
            }
            return String(escaped)
        }
        // libgit2's index of these paths only, when it can be (a step's status of its case and of
        // the few files outside cases/): its index of the whole file otherwise.
        _ = narrowedIndex(covering: paths)
        var list: OpaquePointer?
        try withStrArray(specs) { spec in
            if !specs.isEmpty { options.pathspec = spec.pointee }
            try check("git_status_list_new", git_status_list_new(&list, handle, &options))
        }
        defer { git_status_list_free(list) }
        var result: [FileChange] = []
        for i in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, i)?.pointee else { continue }
            let flags = entry.status.rawValue
            let delta = entry.index_to_workdir ?? entry.head_to_index
            guard let delta, let rawPath = delta.pointee.new_file.path ?? delta.pointee.old_file.path else { continue }
            let staged = flags & (GIT_STATUS_INDEX_NEW.rawValue | GIT_STATUS_INDEX_MODIFIED.rawValue
                | GIT_STATUS_INDEX_DELETED.rawValue | GIT_STATUS_INDEX_RENAMED.rawValue
                | GIT_STATUS_INDEX_TYPECHANGE.rawValue) != 0
            let kind: FileChange.Kind
            if flags & GIT_STATUS_CONFLICTED.rawValue != 0 { kind = .conflicted }
            else if flags & GIT_STATUS_WT_NEW.rawValue != 0 { kind = .untracked }
            else if flags & (GIT_STATUS_WT_DELETED.rawValue | GIT_STATUS_INDEX_DELETED.rawValue) != 0 { kind = .deleted }
            else if flags & GIT_STATUS_INDEX_NEW.rawValue != 0 { kind = .added }
            else if flags & (GIT_STATUS_WT_MODIFIED.rawValue | GIT_STATUS_INDEX_MODIFIED.rawValue
                | GIT_STATUS_WT_TYPECHANGE.rawValue | GIT_STATUS_INDEX_TYPECHANGE.rawValue) != 0 { kind = .modified }
            else if flags & (GIT_STATUS_WT_RENAMED.rawValue | GIT_STATUS_INDEX_RENAMED.rawValue) != 0 { kind = .renamed }
            else if flags & GIT_STATUS_IGNORED.rawValue != 0 { if ignored { kind = .untracked } else { continue } }
            else { kind = .other }
            result.append(FileChange(path: String(cString: rawPath), kind: kind, staged: staged))
        }
        return result
    }

    /// Records the work-tree state of `paths` (files or folders, relative to the work tree) on
    /// top of `parent` and moves the current branch to the new commit.
    ///
    /// Only the named paths change; the rest of the tree is `parent`'s. The branch moves by a
    /// compare-and-swap on `parent` (nil: the branch must not exist yet), so a concurrent writer
    /// makes this throw a `GitError` whose `isModified` is true instead of losing its commit.
    /// The index on disk is written only after the branch has moved.
    ///
    /// - Parameter sign: when given, signs the commit's buffer (e.g. `ssh-keygen -Y sign`) and
    ///   returns the armored signature, stored in the `gpgsig` header as `git commit -S` does.
    @discardableResult
    public func commitWorkTree(paths: [String], parent: OID?, author: Signature, committer: Signature,
                               message: String, sign: ((Data) throws -> String)? = nil) throws -> OID {
        try commitWorkTree(paths: paths, parent: parent, author: author, committer: committer, message: message, sign: sign,
                           cleanIndex: nil).commit
    }

    /// `commitWorkTree`, given `cleanIndex`: the memo of an index whose tree was the parent's
    /// (nothing staged). When the commit starts from that very index (the same checksum: nobody
    /// wrote it since), the index it leaves describes the commit's tree, and its memo is returned.
    public func commitWorkTree(paths: [String], parent: OID?, author: Signature, committer: Signature,
                               message: String, sign: ((Data) throws -> String)? = nil,
                               cleanIndex: IndexTreeMemo?) throws -> (commit: OID, index: IndexTreeMemo?) {
        guard let branch = try headBranchName() else {
            throw GitError(function: "commitWorkTree", code: -1, message: "HEAD no apunta a una rama")
        }
        let named = paths.map(Self.trimmed)
        // The index of `paths` only (`narrowedIndex`), written back by replacing their entries; or
        // libgit2's of the whole file, read again only when the file changed since this process
        // last read it (the checks before a commit read it): at 30k cases it is 7.5 MB.
        let narrowed = narrowedIndex(covering: named).flatMap { _ in narrow }
        var index: OpaquePointer?
        if let narrowed {
            index = narrowed.index
        } else {
            // git refuses an index out of its order; libgit2 would add a second entry of a name.
            if let path = indexDisorder() {
                throw GitError(function: "git_index_read", code: -1, message: "las entradas de '\(indexFilePath)' no están en el orden en "
                               + "que git las escribe (desde '\(path)'): git lo rechaza ('unordered stage entries in index'); rehágalo desde "
                               + "HEAD con 'git read-tree HEAD' (lo preparado con 'git add' queda sin preparar) y vuelva a intentarlo")
            }
            try check("git_repository_index", git_repository_index(&index, handle))
            try check("git_index_read", git_index_read(index, 0))
        }
        defer { if narrowed == nil { git_index_free(index) } }
        let parentTree = try parent.map { try treeID(of: $0) }
        let id: OID, tree: OID, fromClean: Bool
        do {
            // What `git add -A -- paths` does, file by file: libgit2's git_index_add_all and
            // git_index_update_all walk the whole work tree whatever the pathspec (every case folder
            // of every year, twice), where a status narrowed to `paths` reads only those folders.
            // Ignored files too (`git add -A -f`): a rule of someone's own (`core.excludesFile`,
            // `.git/info/exclude`) must not leave out of the record a document the case holds.
            for change in try changes(side: .workTree, in: paths, untracked: true, ignored: true) {
                if change.kind == .deleted {
                    try check("git_index_remove_bypath", git_index_remove_bypath(index, change.path))
                } else {
                    try check("git_index_add_bypath", git_index_add_bypath(index, change.path))
                }
            }
            // Outside `paths` the index stays as it is, and inside them it takes what is committed:
            // from the clean index the check read (the status above read the file again if someone
            // wrote it since), the index left describes the commit's tree.
            let read = narrowed?.file.checksum ?? Self.checksum(of: index!)
            fromClean = cleanIndex.map { $0.checksum == read && $0.tree == parentTree } ?? false
            // The parent's tree with `paths` as the index now holds them: only the folders on the
            // way to them are read and written (git_index_write_tree hashes the whole index, then
            // reads every folder of the tree back).
            tree = try IndexTree(index: index!, within: named).write(paths: named, over: parentTree, in: self)
            id = try createCommit(tree: tree, parent: parent, author: author, committer: committer, message: message, sign: sign)
            try moveBranch(branch, to: id, from: parent, reason: "folio: " + (message.split(separator: "\n").first.map(String.init) ?? ""))
        } catch {
            // Nothing recorded: the entries added in memory are dropped, so that a later commit
            // in this process (a server's) starts from the index on disk.
            if narrowed != nil { dropNarrowedIndex() } else { _ = git_index_read(index, 1) }
            throw error
        }
        // The commit is made: another git holding index.lock for a moment must not turn it into a
        // reported failure, so the index is written again for a few seconds before giving up.
        var written: OID?
        for attempt in 0..<50 {
            do {
                if narrowed != nil {
                    written = try writeNarrowedIndex(paths: named)
                } else {
                    try check("git_index_write", git_index_write(index))
                    written = Self.checksum(of: index!)
                }
                break
            } catch let error as GitError where error.isLocked {
                // The commit stands: a lock held for good must not make a caller record it again
                // (helper124: a dangling index.lock made one note nine commits).
                guard attempt < 49 else {
                    throw GitError(function: "commitWorkTree", code: -1, message: "el commit \(id.short) quedó registrado, pero el índice no "
                                   + "se pudo escribir (\(error.message)); cuando '\(indexFilePath).lock' ya no exista, 'git reset -q -- "
                                   + named.map { "\"\($0)\"" }.joined(separator: " ") + "' lo pone al día")
                }
                usleep(100_000)
            }
        }
        return (id, fromClean ? written.map { IndexTreeMemo(checksum: $0, tree: tree) } : nil)
    }

    /// Writes a commit of `tree` on `parent` (nil: a root commit), signed when `sign` is given;
    /// moves no reference.
    public func createCommit(tree treeID: OID, parent: OID?, author: Signature, committer: Signature,
                             message: String, sign: ((Data) throws -> String)? = nil) throws -> OID {
        var treeRaw = treeID.raw
        var tree: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&tree, handle, &treeRaw))
        defer { git_tree_free(tree) }
        var parentCommit: OpaquePointer?
        if let parent {
            var raw = parent.raw
            try check("git_commit_lookup", git_commit_lookup(&parentCommit, handle, &raw))
        }
        defer { if parentCommit != nil { git_commit_free(parentCommit) } }
        var out = git_oid()
        try author.withGitSignature { a in
            try committer.withGitSignature { c in
                var parents: [OpaquePointer?] = parentCommit.map { [$0] } ?? []
                guard let sign else {
                    _ = try parents.withUnsafeMutableBufferPointer { buffer in
                        try check("git_commit_create", git_commit_create(
                            &out, handle, nil, a, c, "UTF-8", message, tree, buffer.count, buffer.baseAddress))
                    }
                    return
                }
                var content = git_buf()
                defer { git_buf_dispose(&content) }
                _ = try parents.withUnsafeMutableBufferPointer { buffer in
                    try check("git_commit_create_buffer", git_commit_create_buffer(
                        &content, handle, a, c, "UTF-8", message, tree, buffer.count, buffer.baseAddress))
                }
                let bytes = Data(bytes: content.ptr, count: content.size)
                var armored = try sign(bytes)
                // A trailing newline would make libgit2 write an extra header line that git does not.
                while armored.hasSuffix("\n") { armored.removeLast() }
                try check("git_commit_create_with_signature", git_commit_create_with_signature(
                    &out, handle, String(decoding: bytes, as: UTF8.self), armored, "gpgsig"))
            }
        }
        return OID(out)
    }

    /// Moves `branch` to `id` if it still points at `expected` (or does not exist, for nil).
    public func moveBranch(_ branch: String, to id: OID, from expected: OID?, reason: String) throws {
        var target = id.raw
        var ref: OpaquePointer?
        if var old = expected?.raw {
            try check("git_reference_create_matching",
                      git_reference_create_matching(&ref, handle, branch, &target, 1, &old, reason))
        } else {
            try check("git_reference_create", git_reference_create(&ref, handle, branch, &target, 0, reason))
        }
        git_reference_free(ref)
    }
}

extension Repository {
    /// Drops the index this repository holds in memory, so that the next use reads the file again
    /// whole: after a read that failed half-way (an index in a format libgit2 cannot read), what
    /// it holds is neither the old index nor the new one, and the file git writes back may carry
    /// the same stamp as the one read before.
    public func forgetIndex() {
        narrow = nil
        indexFileRead = nil
        git_repository_set_index(handle, nil)
    }

    /// Makes the index match HEAD's tree, leaving the work tree as it is (`git reset --mixed`).
    public func resetIndexToHead() throws {
        guard let head = try headCommit() else { return }
        dropNarrowedIndex()
        var index: OpaquePointer?
        try check("git_repository_index", git_repository_index(&index, handle))
        defer { git_index_free(index) }
        _ = try withTree(of: head) { tree in
            try check("git_index_read_tree", git_index_read_tree(index, tree))
        }
        try check("git_index_write", git_index_write(index))
    }
}

/// Calls `body` with a `git_strarray` of `strings`, valid for the call only.
func withStrArray<T>(_ strings: [String], _ body: (UnsafeMutablePointer<git_strarray>) throws -> T) rethrows -> T {
    let cStrings = strings.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    var pointers: [UnsafeMutablePointer<CChar>?] = cStrings
    return try pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}

extension Repository {
    /// After a commit whose branch moved but whose index was never written (a process killed in
    /// between): for each of `paths`, sets the index entry to `new`'s version only where the index
    /// still holds exactly `old`'s (or lacks the path where `old` lacks it). An entry staged
    /// differently by someone is left as it is. Returns the paths it changed.
    public func advanceIndexEntries(paths: [String], from old: OID?, to new: OID) throws -> [String] {
        dropNarrowedIndex()
        var index: OpaquePointer?
        try check("git_repository_index", git_repository_index(&index, handle))
        defer { git_index_free(index) }
        try check("git_index_read", git_index_read(index, 1))
        var changed: [String] = []
        for path in paths {
            let before = try old.flatMap { try entryID(at: path, in: $0) }
            let current = git_index_get_bypath(index, path, 0).map { OID($0.pointee.id) }
            guard current == before else { continue }
            let after = try withTree(of: new) { tree -> (OID, UInt32)? in
                var entry: OpaquePointer?
                guard try found("git_tree_entry_bypath", git_tree_entry_bypath(&entry, tree, path)) else { return nil }
                defer { git_tree_entry_free(entry) }
                return (OID(git_tree_entry_id(entry).pointee), git_tree_entry_filemode(entry).rawValue)
            }
            if let (id, mode) = after {
                guard id != before else { continue }
                var entry = git_index_entry()
                entry.mode = mode
                entry.id = id.raw
                try path.withCString { cPath in
                    entry.path = cPath
                    try check("git_index_add", git_index_add(index, &entry))
                }
            } else if before != nil {
                try check("git_index_remove_bypath", git_index_remove_bypath(index, path))
            } else {
                continue
            }
            changed.append(path)
        }
        if !changed.isEmpty { try check("git_index_write", git_index_write(index)) }
        return changed
    }
}
