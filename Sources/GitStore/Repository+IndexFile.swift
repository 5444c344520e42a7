import CLibGit2
import Foundation

/// libgit2's index narrowed to a few folders (`Repository.narrowedIndex(covering:)`): an index in
/// memory holding only the entries at or inside `covered`, as the file `file` holds them, set as
/// the repository's index while a step works. A status, an add or a tree limited to those
/// folders sees in it what it would see in the whole index; the file is written back by
/// replacing those folders' entries only (`Repository.writeNarrowedIndex`).
final class NarrowIndex {
    let file: IndexFile
    let index: OpaquePointer
    /// The paths (files or folders, relative, without a trailing "/") whose entries it holds.
    var covered: [String] = []

    init(file: IndexFile, index: OpaquePointer) {
        self.file = file
        self.index = index
    }

    deinit { git_index_free(index) }

    func covers(_ path: String) -> Bool { covered.contains { GitPath.isWithin(path, $0) } }
}

extension Repository {
    /// Whether the index is read and written by folio itself where it can (`IndexFile`); false
    /// leaves it all to libgit2 (`FOLIO_INDICE_LIBGIT2=1`, for comparison).
    nonisolated(unsafe) public static var readsIndexFile = ProcessInfo.processInfo.environment["FOLIO_INDICE_LIBGIT2"] == nil

    var indexFilePath: String { gitdir + "index" }

    /// The index file read raw, when it is of the kind `IndexFile` reads and libgit2 compares
    /// paths with regard to case; read again when the file changed. Nil otherwise: libgit2 reads it.
    func indexFile() -> IndexFile? {
        guard Self.readsIndexFile, !isBare,
              // libgit2 reads GIT_INDEX_FILE's index for a repository opened from git's environment.
              !(openedFromEnvironment && ProcessInfo.processInfo.environment["GIT_INDEX_FILE"] != nil),
              (try? ignoresCaseByConfig()) == false,
              let stamp = IndexFile.Stamp(path: indexFilePath) else {
            dropNarrowedIndex()
            indexFileRead = nil
            return nil
        }
        if let narrow {
            if narrow.file.stamp == stamp { return narrow.file }
            dropNarrowedIndex()
        }
        if let read = indexFileRead, read.stamp == stamp { return read.unordered == nil ? read : nil }
        indexFileRead = IndexFile.read(path: indexFilePath)
        return indexFileRead?.unordered == nil ? indexFileRead : nil
    }

    /// The first path where the index file leaves git's order, when it does (`IndexFile.unordered`):
    /// libgit2 would read it and commit a tree with a name twice.
    func indexDisorder() -> String? {
        _ = indexFile()
        return indexFileRead?.unordered
    }

    /// `core.ignorecase` as git's configuration sets it.
    func ignoresCaseByConfig() throws -> Bool {
        var on: Int32 = 0
        return try config("core.ignorecase").map { git_config_parse_bool(&on, $0) == 0 && on != 0 } ?? false
    }

    /// libgit2's index, holding at least every entry at or inside `paths` (relative to the work
    /// tree) as the file holds them, without reading the rest: set as the repository's index, so
    /// that a status narrowed to those paths reads only them. Nil when the file is not one
    /// `IndexFile` reads, when `paths` names the whole tree, or when an entry there is one the
    /// narrowed index does not carry (skip-worktree, intent-to-add, assume-unchanged, a
    /// submodule): libgit2's own index of the whole file is the repository's then.
    func narrowedIndex(covering paths: [String]) -> OpaquePointer? {
        let wanted = paths.map(Self.trimmed)
        guard !wanted.isEmpty, !wanted.contains(""), let file = indexFile() else {
            dropNarrowedIndex()
            return nil
        }
        // A new narrowed index becomes the repository's only once it holds every path asked for:
        // a caller may hold libgit2's whole index, which it would take from the repository.
        let target: NarrowIndex
        if let narrow {
            target = narrow
        } else {
            var index: OpaquePointer?
            guard git_index_new(&index) == 0, let index else { git_error_clear(); return nil }
            target = NarrowIndex(file: file, index: index)
        }
        for path in wanted where !target.covers(path) {
            for i in file.entries(within: path) {
                var entry = file.entry(i)
                // A racily clean entry: its size taken as unknown, so that its content is compared
                // (what git does to such an entry when it writes the index).
                if file.isRacy(entry) { entry.file_size = 0 }
                let carried = file.extendedFlags(i) == 0 && !file.isAssumedValid(i) && entry.mode != 0o160000
                let rc: Int32 = !carried ? -1 : file.path(i).withCString { cPath in
                    entry.path = cPath
                    return git_index_add(target.index, &entry)
                }
                guard rc == 0 else {
                    git_error_clear()
                    if target === narrow { dropNarrowedIndex() }
                    return nil
                }
            }
            target.covered.append(path)
        }
        if narrow == nil {
            git_repository_set_index(handle, target.index)
            // core.filemode and core.symlinks as the repository sets them, as for its own index.
            git_index_set_caps(target.index, -1)
            narrow = target
        }
        return target.index
    }

    /// The repository's index read from its file again at its next use, whole, by libgit2.
    func dropNarrowedIndex() {
        guard narrow != nil else { return }
        git_repository_set_index(handle, nil)
        narrow = nil
    }

    static func trimmed(_ path: String) -> String {
        var trimmed = path
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }

    /// Writes the index file with the entries at or inside `paths` as the narrowed index holds
    /// them now (a commit of those paths added them), every other entry as the file held it, and
    /// the cache tree's folders on the way to each changed path invalidated: what libgit2 would
    /// write, without reading or writing the rest. Under `index.lock`, as git writes it. When the
    /// file changed since it was read, its entries are those libgit2 reads now with these paths'
    /// replaced. Returns the new file's checksum, or nil when the file had changed (it describes
    /// more than the commit then: no memo of it).
    func writeNarrowedIndex(paths: [String]) throws -> OID? {
        guard let narrow else { throw GitError(function: "writeNarrowedIndex", code: -1, message: "no hay índice acotado") }
        let named = Self.outermost(paths.map(Self.trimmed))
        let lock = indexFilePath + ".lock"
        var descriptor = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            let code = errno
            throw GitError(function: "writeNarrowedIndex", code: code == EEXIST ? GIT_ELOCKED.rawValue : -1,
                           message: "no se pudo crear '\(lock)': \(String(cString: strerror(code)))")
        }
        var renamed = false
        defer {
            if descriptor >= 0 { close(descriptor) }
            if !renamed { unlink(lock) }
        }
        // The file as it is now: another git may have written it since it was read.
        guard let file = IndexFile.Stamp(path: indexFilePath) == narrow.file.stamp ? narrow.file : IndexFile.read(path: indexFilePath) else {
            close(descriptor); descriptor = -1; unlink(lock); renamed = true
            try writeThroughLibgit2(paths: named, from: narrow)
            return nil
        }
        let unchanged = file.stamp == narrow.file.stamp
        // Each path's entries: the file's (a file of that name, the run inside it) and the
        // narrowed index's, in the file's order.
        var ranges: [Range<Int>] = [], replacements: [(encoded: [UInt8], count: Int, extended: Bool)] = []
        var changed = Set<[UInt8]>()
        for path in named {
            let exact = file.exactly(path), inside = file.inside(path)
            var before: [[UInt8]: (OID, UInt32)] = [:]
            for i in Array(exact) + Array(inside) { before[file.withPath(i) { Array($0) }] = (file.id(i), file.mode(i)) }
            var exactNew: [UInt8] = [], insideNew: [UInt8] = [], exactCount = 0, insideCount = 0, extended = false
            for i in 0 ..< git_index_entrycount(narrow.index) {
                guard let entry = git_index_get_byindex(narrow.index, i)?.pointee, let cPath = entry.path else { continue }
                let name = String(cString: cPath)
                guard GitPath.isWithin(name, path) else { continue }
                let key = Array(name.utf8)
                if let old = before.removeValue(forKey: key), old.0 == OID(entry.id), old.1 == entry.mode {} else { changed.insert(key) }
                extended = extended || UInt16(entry.flags_extended) & UInt16(GIT_INDEX_ENTRY_INTENT_TO_ADD.rawValue | GIT_INDEX_ENTRY_SKIP_WORKTREE.rawValue) != 0
                if name == path {
                    IndexFile.encode(entry, path: cPath, into: &exactNew); exactCount += 1
                } else {
                    IndexFile.encode(entry, path: cPath, into: &insideNew); insideCount += 1
                }
            }
            changed.formUnion(before.keys)
            ranges += [exact, inside]
            replacements += [(exactNew, exactCount, extended), (insideNew, insideCount, extended)]
        }
        let order = ranges.indices.sorted { (ranges[$0].lowerBound, $0) < (ranges[$1].lowerBound, $1) }
        let checksum = file.spliced(order.map { ranges[$0] }, with: order.map { replacements[$0] }, changed: changed) { piece in
            var done = 0
            while done < piece.count {
                let n = write(descriptor, piece.baseAddress! + done, piece.count - done)
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
        let closed = close(descriptor) == 0
        descriptor = -1
        guard let checksum, closed, rename(lock, indexFilePath) == 0 else {
            throw GitError(function: "writeNarrowedIndex", code: -1, message: "no se pudo escribir '\(indexFilePath)': \(String(cString: strerror(errno)))")
        }
        renamed = true
        indexFileWrites += 1
        dropNarrowedIndex()
        indexFileRead = nil
        return unchanged ? checksum : nil
    }

    /// The narrowed index's entries at or inside `paths` put into libgit2's index of the whole
    /// file as it is now (for a file changed since it was read, of a kind `IndexFile` does not
    /// read), written by libgit2.
    private func writeThroughLibgit2(paths: [String], from narrow: NarrowIndex) throws {
        var entries: [(entry: git_index_entry, path: String)] = []
        for i in 0 ..< git_index_entrycount(narrow.index) {
            guard let entry = git_index_get_byindex(narrow.index, i)?.pointee, let cPath = entry.path else { continue }
            let name = String(cString: cPath)
            if paths.contains(where: { GitPath.isWithin(name, $0) }) { entries.append((entry, name)) }
        }
        dropNarrowedIndex()
        var index: OpaquePointer?
        try check("git_repository_index", git_repository_index(&index, handle))
        defer { git_index_free(index) }
        try check("git_index_read", git_index_read(index, 1))
        let kept = Set(entries.map(\.path))
        var stale: [String] = []
        for i in 0 ..< git_index_entrycount(index) {
            guard let cPath = git_index_get_byindex(index, i)?.pointee.path else { continue }
            let name = String(cString: cPath)
            if !kept.contains(name), paths.contains(where: { GitPath.isWithin(name, $0) }) { stale.append(name) }
        }
        for name in stale { try check("git_index_remove_bypath", git_index_remove_bypath(index, name)) }
        for (entry, name) in entries {
            var copy = entry
            try name.withCString { cPath in
                copy.path = cPath
                try check("git_index_add", git_index_add(index, &copy))
            }
        }
        try check("git_index_write", git_index_write(index))
        indexFileRead = nil
    }

    /// `paths` without those inside another of them, sorted.
    static func outermost(_ paths: [String]) -> [String] {
        let unique = Set(paths).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        return unique.filter { path in !unique.contains { $0 != path && GitPath.isWithin(path, $0) } }
    }
}
