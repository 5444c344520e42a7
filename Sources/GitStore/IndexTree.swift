import CLibGit2
import Foundation

/// The tree the index describes (what `git write-tree` would write), hashed in memory from the
/// index's entries: nothing is read from the object database to build it.
///
/// A step asks two things of the index: what is staged (the index against HEAD's tree) and the
/// tree to commit. libgit2 answers the first by reading every folder of HEAD's tree (its
/// tree-to-index diff) and, after writing the second, reads every folder again to rebuild the
/// index's tree cache: both grow with the number of cases. Compared with a commit's tree, this one
/// descends only into the folders whose ids differ, as git's cache tree lets git do.
struct IndexTree {
    /// A folder of the index: its entries in git's tree order and the id of the tree they make.
    final class Folder {
        var entries: [Entry] = []
        var id = OID(git_oid())
    }

    struct Entry {
        /// The name's bytes, inside the index's own copy of the path (valid while the index is
        /// neither changed nor freed).
        var name: UnsafeRawBufferPointer
        var mode: UInt32
        var id: OID
        /// The folder's own entries when this entry is a folder.
        var folder: Folder?
    }

    let root: Folder

    /// Hashes the index's folders. Throws when the index holds a conflict (a path at a stage
    /// other than 0), as `git write-tree` refuses to. The tree holds the index's paths: it is
    /// used before the index changes again.
    ///
    /// With `within`, only the entries at those paths or inside them (folders of the work tree,
    /// relative, without a trailing "/"): the part of the index a commit of those paths takes.
    ///
    /// With `leavingIntentToAdd`, the entries added with `git add -N` are left out, as `git
    /// write-tree` and `git commit` leave them out (and `git diff --cached` does not list them).
    init(index: OpaquePointer, within scope: [String]? = nil, leavingIntentToAdd: Bool = false) throws {
        var paths: [(path: UnsafeRawPointer, length: Int, mode: UInt32, id: git_oid)] = []
        let count = git_index_entrycount(index)
        let scopes = scope?.map { Array($0.utf8) }
        paths.reserveCapacity(scope == nil ? count : 0)
        for i in 0..<count {
            guard let entry = git_index_get_byindex(index, i)?.pointee, let path = entry.path else { continue }
            let length = strlen(path)
            if let scopes {
                let inside = scopes.contains { scope in
                    scope.isEmpty || scope.count <= length && scope.withUnsafeBytes { memcmp(path, $0.baseAddress!, scope.count) } == 0
                        && (scope.count == length || path[scope.count] == 0x2F)
                }
                guard inside else { continue }
            }
            if leavingIntentToAdd, UInt32(entry.flags_extended) & UInt32(GIT_INDEX_ENTRY_INTENT_TO_ADD.rawValue) != 0 { continue }
            let stage = (UInt32(entry.flags) & UInt32(GIT_INDEX_ENTRY_STAGEMASK)) >> UInt32(GIT_INDEX_ENTRY_STAGESHIFT)
            guard stage == 0 else {
                throw GitError(function: "IndexTree", code: GIT_EUNMERGED.rawValue,
                               message: "el índice tiene conflictos sin resolver: \(String(cString: path))")
            }
            paths.append((UnsafeRawPointer(path), length, entry.mode, entry.id))
        }
        // The index is sorted by whole path, byte by byte: a folder's entries are contiguous, and
        // in the order git sorts a tree (a folder's name compares as if followed by "/").
        var cursor = 0
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        func folder(prefix: Int) -> Folder {
            let made = Folder()
            let start = cursor
            while cursor < paths.count {
                let (path, length, mode, id) = paths[cursor]
                // Still inside this folder: the same first `prefix` bytes as the folder's first entry.
                if cursor > start, prefix > 0, memcmp(path, paths[start].path, prefix) != 0 { break }
                let rest = UnsafeRawBufferPointer(start: path + prefix, count: length - prefix)
                if let slash = rest.firstIndex(of: 0x2F) {
                    let inner = folder(prefix: prefix + slash + 1)
                    made.entries.append(Entry(name: UnsafeRawBufferPointer(rebasing: rest[..<slash]), mode: 0o040000,
                                              id: inner.id, folder: inner))
                } else {
                    made.entries.append(Entry(name: rest, mode: mode, id: OID(id), folder: nil))
                    cursor += 1
                }
            }
            let count = IndexTree.content(of: made, into: &scratch)
            made.id = IndexTree.hash(scratch, count: count)
            return made
        }
        root = folder(prefix: 0)
    }

    /// The bytes of `folder` as a git tree object, in `bytes` (written in place: a step hashes
    /// every folder of the index, tens of thousands). Returns how many bytes of `bytes` it wrote
    /// (`bytes` grows, never shrinks).
    @discardableResult
    static func content(of folder: Folder, into bytes: inout [UInt8]) -> Int {
        let size = folder.entries.reduce(0) { $0 + 7 + $1.name.count + 1 + 20 }
        if bytes.count < size { bytes = [UInt8](repeating: 0, count: max(size, bytes.count * 2)) }
        var end = 0
        bytes.withUnsafeMutableBufferPointer { out in
            for entry in folder.entries { put(name: entry.name, mode: entry.mode, id: entry.id, into: out, at: &end) }
        }
        return end
    }

    /// The bytes of a git tree object holding `entries`, given in git's order.
    static func content(of entries: [(name: [UInt8], mode: UInt32, id: OID)]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: entries.reduce(0) { $0 + 7 + $1.name.count + 1 + 20 })
        var end = 0
        bytes.withUnsafeMutableBufferPointer { out in
            for e in entries { e.name.withUnsafeBytes { put(name: $0, mode: e.mode, id: e.id, into: out, at: &end) } }
        }
        return Array(bytes[..<end])
    }

    /// One entry of a tree object at `end` of `out`: the mode in octal without leading zeros
    /// ("100644", "40000"), a space, the name, a zero byte, the id's 20 bytes.
    private static func put(name: UnsafeRawBufferPointer, mode: UInt32, id: OID, into out: UnsafeMutableBufferPointer<UInt8>,
                            at end: inout Int) {
        var rest = mode, digits = 0
        repeat { digits += 1; rest >>= 3 } while rest > 0
        rest = mode
        for k in stride(from: digits - 1, through: 0, by: -1) {
            out[end + k] = 0x30 + UInt8(rest & 7)
            rest >>= 3
        }
        end += digits
        out[end] = 0x20
        end += 1
        for byte in name { out[end] = byte; end += 1 }
        out[end] = 0
        end += 1
        withUnsafeBytes(of: id.raw.id) { raw in
            for k in 0..<20 { out[end + k] = raw[k] }
        }
        end += 20
    }

    /// The id git gives a tree of the first `count` bytes of `content`.
    static func hash(_ content: [UInt8], count: Int) -> OID {
        var oid = git_oid()
        content.withUnsafeBytes { _ = git_odb_hash(&oid, $0.baseAddress, count, GIT_OBJECT_TREE) }
        return OID(oid)
    }

    /// The entries of the tree `id` (name bytes, mode, id), in git's order.
    static func entries(of id: OID, in repository: Repository) throws -> [(name: [UInt8], mode: UInt32, id: OID)] {
        let parsed = try repository.tree(id)
        defer { git_tree_free(parsed) }
        return (0..<git_tree_entrycount(parsed)).compactMap { i in
            guard let e = git_tree_entry_byindex(parsed, i), let name = git_tree_entry_name(e) else { return nil }
            return (Array(UnsafeRawBufferPointer(start: name, count: strlen(name))), git_tree_entry_filemode(e).rawValue,
                    OID(git_tree_entry_id(e).pointee))
        }
    }

    /// The paths (files, links, submodules) whose entry here differs from `tree` (nil: no tree):
    /// added, changed (id or mode) or removed, as `git diff --cached --name-only` lists them.
    /// Only the folders whose ids differ are read.
    func paths(differingFrom tree: OID?, in repository: Repository) throws -> [String] {
        var found: [String] = []
        try compare(root, tree, prefix: [], repository, &found)
        return found
    }

    private func compare(_ folder: Folder?, _ tree: OID?, prefix: [UInt8], _ repository: Repository,
                         _ found: inout [String]) throws {
        if let folder, let tree, folder.id == tree { return }
        let listed = try tree.map { try IndexTree.entries(of: $0, in: repository) } ?? []
        var committed: [[UInt8]: (mode: UInt32, id: OID)] = [:]
        for e in listed { committed[e.name] = (e.mode, e.id) }
        let order = listed.map(\.name)
        func path(_ name: [UInt8]) -> String { String(decoding: prefix + name, as: UTF8.self) }
        func isFolder(_ mode: UInt32) -> Bool { mode == 0o040000 }
        var seen = Set<[UInt8]>()
        for entry in folder?.entries ?? [] {
            let name = Array(entry.name)
            seen.insert(name)
            let there = committed[name]
            if let inner = entry.folder {
                if let there, isFolder(there.mode) {
                    try compare(inner, there.id, prefix: prefix + name + [0x2F], repository, &found)
                } else {
                    if there != nil { found.append(path(name)) }
                    try compare(inner, nil, prefix: prefix + name + [0x2F], repository, &found)
                }
            } else if let there {
                if isFolder(there.mode) {
                    found.append(path(name))
                    try compare(nil, there.id, prefix: prefix + name + [0x2F], repository, &found)
                } else if there.id != entry.id || there.mode != entry.mode {
                    found.append(path(name))
                }
            } else {
                found.append(path(name))
            }
        }
        for name in order where !seen.contains(name) {
            let there = committed[name]!
            if isFolder(there.mode) {
                try compare(nil, there.id, prefix: prefix + name + [0x2F], repository, &found)
            } else {
                found.append(path(name))
            }
        }
    }

    /// Writes the tree of a commit of `paths` (this tree built `within` them): `base` with each
    /// of `paths` as this tree holds it, removed where it holds nothing, every other entry as
    /// `base` has it. Only the folders of `base` on the way to `paths` are read; what is staged
    /// elsewhere in the index is not taken. Returns the new root's id.
    func write(paths: [String], over base: OID?, in repository: Repository) throws -> OID {
        var odb: OpaquePointer?
        try check("git_repository_odb", git_repository_odb(&odb, repository.handle))
        defer { git_odb_free(odb) }
        let named = Set(paths.map { Array($0.utf8) })
        // The whole work tree named: the whole index, as `git_index_write_tree` writes it.
        if named.contains([]) {
            try write(root, over: base, odb: odb!, repository)
            return root.id
        }
        var crossed = Set<[UInt8]>()
        for path in named {
            for (i, byte) in path.enumerated() where byte == 0x2F { crossed.insert(Array(path[..<i])) }
        }
        if let id = try overlay(root, base, prefix: [], named: named, crossed: crossed, odb: odb!, repository) { return id }
        var empty = git_oid()
        try check("git_odb_write", git_odb_write(&empty, odb, "", 0, GIT_OBJECT_TREE))
        return OID(empty)
    }

    /// The folder at `prefix` of a commit of `named` paths: `base`'s entries, those of `folder`
    /// (this tree's, inside `named`) in place of the named ones; nil when it holds nothing.
    private func overlay(_ folder: Folder?, _ base: OID?, prefix: [UInt8], named: Set<[UInt8]>, crossed: Set<[UInt8]>,
                         odb: OpaquePointer, _ repository: Repository) throws -> OID? {
        var kept: [[UInt8]: (mode: UInt32, id: OID)] = [:]
        for e in try base.map({ try IndexTree.entries(of: $0, in: repository) }) ?? [] { kept[e.name] = (e.mode, e.id) }
        var mine: [[UInt8]: Entry] = [:]
        for entry in folder?.entries ?? [] { mine[Array(entry.name)] = entry }
        var result: [(name: [UInt8], mode: UInt32, id: OID)] = []
        for name in Set(kept.keys).union(mine.keys) {
            let path = prefix.isEmpty ? name : prefix + [0x2F] + name
            let there = kept[name]
            let baseFolder = there.flatMap { $0.mode == 0o040000 ? $0.id : nil }
            if named.contains(path) {
                guard let entry = mine[name] else { continue }
                if let inner = entry.folder { try write(inner, over: baseFolder, odb: odb, repository) }
                result.append((name, entry.mode, entry.id))
            } else if crossed.contains(path),
                      let id = try overlay(mine[name]?.folder, baseFolder, prefix: path, named: named, crossed: crossed, odb: odb, repository) {
                result.append((name, 0o040000, id))
            } else if let there, !(crossed.contains(path) && baseFolder != nil) {
                // Untouched, or a file where a named path below it holds nothing in the index.
                result.append((name, there.mode, there.id))
            }
        }
        guard !result.isEmpty else { return nil }
        // git's order: a folder's name compares as if followed by "/".
        func key(_ e: (name: [UInt8], mode: UInt32, id: OID)) -> [UInt8] { e.mode == 0o040000 ? e.name + [0x2F] : e.name }
        result.sort { key($0).lexicographicallyPrecedes(key($1)) }
        let bytes = IndexTree.content(of: result)
        var written = git_oid()
        _ = try bytes.withUnsafeBytes { raw in
            try check("git_odb_write", git_odb_write(&written, odb, raw.baseAddress, raw.count, GIT_OBJECT_TREE))
        }
        return OID(written)
    }

    /// Writes `folder` and the folders below it that `base` (the tree at the same place) does not
    /// hold as they are here; only the folders whose ids differ are read.
    private func write(_ folder: Folder, over base: OID?, odb: OpaquePointer, _ repository: Repository) throws {
        if folder.id == base { return }
        var inBase: [[UInt8]: OID] = [:]
        for e in try base.map({ try IndexTree.entries(of: $0, in: repository) }) ?? [] where e.mode == 0o040000 { inBase[e.name] = e.id }
        for entry in folder.entries {
            if let inner = entry.folder { try write(inner, over: inBase[Array(entry.name)], odb: odb, repository) }
        }
        var written = git_oid()
        var bytes: [UInt8] = []
        let count = IndexTree.content(of: folder, into: &bytes)
        _ = try bytes.withUnsafeBytes { raw in
            try check("git_odb_write", git_odb_write(&written, odb, raw.baseAddress, count, GIT_OBJECT_TREE))
        }
        guard OID(written) == folder.id else {
            throw GitError(function: "IndexTree", code: -1, message: "el árbol escrito no es el calculado del índice")
        }
    }
}

/// The tree an index describes, known by the index's checksum (the SHA-1 its file ends with,
/// which libgit2 checks when it reads the file): an index with that checksum holds exactly those
/// entries, so its tree need not be hashed again (tens of thousands of folders, a step's largest
/// cost after reading and writing the index itself).
public struct IndexTreeMemo: Sendable, Equatable {
    public var checksum: OID
    public var tree: OID

    public init(checksum: OID, tree: OID) {
        self.checksum = checksum
        self.tree = tree
    }
}

extension Repository {
    /// The paths staged in the index: those whose entry differs from HEAD's tree (what `git diff
    /// --cached --name-only` lists; a conflicted path too). Reads the index and only the folders
    /// of HEAD whose ids differ from the index's, not every folder of the tree.
    public func stagedPaths() throws -> [String] {
        try stagedPaths(knowing: nil).paths
    }

    /// `stagedPaths()`, and the memo of the index read: its checksum and its tree (nil for an
    /// index with a conflict, or none on disk). With `known`, the memo of an earlier run, an index
    /// whose checksum is `known`'s and whose tree is HEAD's has nothing staged and is not hashed.
    public func stagedPaths(knowing known: IndexTreeMemo?) throws -> (paths: [String], memo: IndexTreeMemo?) {
        // The file read raw (`IndexFile`, no conflict in it): its checksum is the memo's, or its
        // cache tree is whole, and nothing more is read.
        if let file = indexFile() {
            let head = try headCommit().map { try treeID(of: $0) }
            if let known, known.checksum == file.checksum, known.tree == head { return ([], known) }
            if let head, let cached = file.cachedRootTree, cached == head { return ([], IndexTreeMemo(checksum: file.checksum, tree: cached)) }
        }
        dropNarrowedIndex()
        var index: OpaquePointer?
        try check("git_repository_index", git_repository_index(&index, handle))
        defer { git_index_free(index) }
        try check("git_index_read", git_index_read(index, 0))
        // A conflict has no tree to compare: libgit2's status lists it with the rest.
        guard git_index_has_conflicts(index) == 0 else {
            return (try changes(side: .index, untracked: false).map(\.path), nil)
        }
        let head = try headCommit().map { try treeID(of: $0) }
        let checksum = Self.checksum(of: index!)
        if let known, let checksum, known.checksum == checksum, known.tree == head {
            return ([], known)
        }
        // git's own cache tree, whole after a commit or a reset by git: what `git commit` would commit.
        if let checksum, let head, let cached = Self.cachedRootTree(of: index!, checksum: checksum), cached == head {
            return ([], IndexTreeMemo(checksum: checksum, tree: cached))
        }
        // (An entry added with `git add -N` is no staged change: git commits nothing of it.)
        let tree = try IndexTree(index: index!, leavingIntentToAdd: true)
        return (try tree.paths(differingFrom: head, in: self), checksum.map { IndexTreeMemo(checksum: $0, tree: tree.root.id) })
    }

    /// The root tree of git's cache tree (the index file's `TREE` extension) when it is valid for
    /// the whole index, as git leaves it after a commit, a reset or `write-tree` and `git commit`
    /// would commit it; nil when it is not (a path added since invalidates the folders above it),
    /// when the index is of version 4 (its paths are compressed) or when the file on disk is not
    /// the one read (`checksum`, the index's in memory). libgit2 keeps this tree to itself, and
    /// `git_index_write_tree` hashes and writes every folder when it is not valid, so the
    /// extension is read here: found past the entries, whose sizes the entries in memory give,
    /// and believed only when the extensions end exactly where the file's checksum begins.
    static func cachedRootTree(of index: OpaquePointer, checksum: OID) -> OID? {
        let version = git_index_version(index)
        guard version == 2 || version == 3, let path = git_index_path(index) else { return nil }
        // Each entry on disk: 62 bytes (64 with extended flags), its path, 1 to 8 zero bytes.
        var offset = 12
        let count = git_index_entrycount(index)
        for i in 0..<count {
            guard let entry = git_index_get_byindex(index, i)?.pointee, let name = entry.path,
                  // git's cache tree leaves out an entry added with `git add -N`: not the tree's paths then.
                  UInt32(entry.flags_extended) & UInt32(GIT_INDEX_ENTRY_INTENT_TO_ADD.rawValue) == 0 else { return nil }
            let fixed = UInt32(entry.flags) & UInt32(GIT_INDEX_ENTRY_EXTENDED.rawValue) != 0 ? 64 : 62
            offset += (fixed + strlen(name) + 8) & ~7
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, Int(info.st_size) >= offset + 20, Int(info.st_size) - offset <= 1 << 24 else { return nil }
        var tail = [UInt8](repeating: 0, count: Int(info.st_size) - offset)
        let read = tail.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        guard read == tail.count else { return nil }
        let trailer = tail.suffix(20)
        guard withUnsafeBytes(of: checksum.raw.id, { Array($0) }) == Array(trailer) else { return nil }
        // The extensions: a signature, a big-endian size, the data; up to the checksum exactly.
        let end = tail.count - 20
        var at = 0, root: OID?
        while at < end {
            guard end - at >= 8 else { return nil }
            let size = tail[at + 4 ..< at + 8].reduce(0) { $0 << 8 | Int($1) }
            guard size <= end - at - 8 else { return nil }
            if tail[at ..< at + 4].elementsEqual("TREE".utf8) {
                root = Self.validRoot(tail[at + 8 ..< at + 8 + size], entries: count)
            }
            at += 8 + size
        }
        return root
    }

    /// The root's id in a `TREE` extension's data: its path (empty), NUL, the number of index
    /// entries it covers ("-1" when invalid), a space, its number of folders, a newline, then the
    /// id's 20 bytes when valid. Valid only when it covers all `entries`.
    static func validRoot(_ data: ArraySlice<UInt8>, entries: Int) -> OID? {
        var at = data.startIndex
        guard at < data.endIndex, data[at] == 0 else { return nil }
        at += 1
        guard let space = data[at...].firstIndex(of: 0x20), let newline = data[space...].firstIndex(of: 0x0A),
              let covered = Int(String(decoding: data[at ..< space], as: UTF8.self)), covered == entries,
              Int(String(decoding: data[(space + 1) ..< newline], as: UTF8.self)) != nil,
              data.endIndex - (newline + 1) >= 20 else { return nil }
        var raw = git_oid()
        let bytes = Array(data[(newline + 1) ..< (newline + 21)])
        bytes.withUnsafeBytes { _ = git_oid_fromraw(&raw, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        return OID(raw)
    }

    /// `firstFolder(under:holding:in:)` answered from the index, for an index whose tree is the
    /// commit's (`memo`, from `stagedPaths(knowing:)` with nothing staged): the first folder under
    /// `folder` (in git's order) where the index holds `name` as a folder, found by a
    /// binary search per folder instead of reading each folder's tree (at 30k cases a year's folder
    /// is thousands of entries, read through its pack's deltas). What it finds of each folder is
    /// remembered by the folder's tree id for `firstFolder` (a step asks again at its parent, whose
    /// earlier years are the same trees). Nil when the index in memory is not `memo`'s (the caller
    /// reads the trees then); `.some(nil)` when no folder holds it.
    public func firstFolderInIndex(under folder: String, holding name: String, describing memo: IndexTreeMemo) throws -> String?? {
        if let file = indexFile() {
            guard file.checksum == memo.checksum else { return nil }
            guard let (parent, mode) = try entry(at: folder, inTree: memo.tree), mode == 0o040000 else { return .some(nil) }
            for candidate in try entries(ofTree: parent) where candidate.kind == .tree {
                let path = "\(folder)/\(candidate.name)/\(name)"
                // An entry added with `git add -N` is no part of the tree the memo names.
                let exact = file.exactly(path).filter { !file.isIntentToAdd($0) }
                let found: UInt32 = exact.first.map { file.mode($0) }
                    ?? (file.inside(path).contains { !file.isIntentToAdd($0) } ? 0o040000 : 0)
                folderHolds.remember(FolderName(tree: candidate.id, name: name), found)
                if found == 0o040000 { return .some(candidate.name) }
            }
            return .some(nil)
        }
        dropNarrowedIndex()
        var index: OpaquePointer?
        try check("git_repository_index", git_repository_index(&index, handle))
        defer { git_index_free(index) }
        try check("git_index_read", git_index_read(index, 0))
        // (A case-insensitive index would find names a tree does not hold.)
        guard Self.checksum(of: index!) == memo.checksum, git_index_has_conflicts(index) == 0,
              git_index_caps(index) & Int32(GIT_INDEX_CAPABILITY_IGNORE_CASE.rawValue) == 0 else { return nil }
        guard let (parent, mode) = try entry(at: folder, inTree: memo.tree), mode == 0o040000 else { return .some(nil) }
        let intentToAdd = UInt32(GIT_INDEX_ENTRY_INTENT_TO_ADD.rawValue)
        func inTree(_ position: Int) -> Bool {
            git_index_get_byindex(index, position).map { UInt32($0.pointee.flags_extended) & intentToAdd == 0 } ?? false
        }
        // The mode the tree gives the name: a file's (or a submodule's) own, a folder's when the
        // index holds paths inside it.
        func modeInTree(_ path: String) -> UInt32 {
            var position = 0
            // An entry added with `git add -N` is no part of the tree the memo names.
            if git_index_find(&position, index, path) == 0, inTree(position) {
                return git_index_get_byindex(index, position).map { $0.pointee.mode } ?? 0
            }
            guard git_index_find_prefix(&position, index, path + "/") == 0 else { return 0 }
            while let cPath = git_index_get_byindex(index, position)?.pointee.path, GitPath.isInside(String(cString: cPath), path) {
                if inTree(position) { return 0o040000 }
                position += 1
            }
            return 0
        }
        for candidate in try entries(ofTree: parent) where candidate.kind == .tree {
            let found = modeInTree("\(folder)/\(candidate.name)/\(name)")
            folderHolds.remember(FolderName(tree: candidate.id, name: name), found)
            if found == 0o040000 { return .some(candidate.name) }
        }
        return .some(nil)
    }

    /// Whether libgit2 compares the index's paths without regard to case (`core.ignorecase`):
    /// then two folders whose names differ only in case are one to it.
    public func indexIgnoresCase() throws -> Bool {
        // (An index file folio reads is one whose repository does not ignore case.)
        if indexFile() != nil { return false }
        dropNarrowedIndex()
        var index: OpaquePointer?
        try check("git_repository_index", git_repository_index(&index, handle))
        defer { git_index_free(index) }
        if git_index_caps(index) & Int32(GIT_INDEX_CAPABILITY_IGNORE_CASE.rawValue) != 0 { return true }
        // (An index read before the setting changed keeps its old capabilities: the setting itself.)
        var on: Int32 = 0
        return try config("core.ignorecase").map { git_config_parse_bool(&on, $0) == 0 && on != 0 } ?? false
    }

    /// The checksum of the index file as it is now (read again when it changed on disk); nil when
    /// there is none.
    public func indexChecksum() throws -> OID? {
        if let file = indexFile() { return file.checksum }
        dropNarrowedIndex()
        var index: OpaquePointer?
        try check("git_repository_index", git_repository_index(&index, handle))
        defer { git_index_free(index) }
        try check("git_index_read", git_index_read(index, 0))
        return Self.checksum(of: index!)
    }

    /// The checksum of the index as libgit2 last read or wrote it; nil when there is no file yet.
    static func checksum(of index: OpaquePointer) -> OID? {
        guard let raw = git_index_checksum(index)?.pointee else { return nil }
        let id = OID(raw)
        return id == OID(git_oid()) ? nil : id
    }

    /// Entries of the index at or inside `paths` that a commit of those paths would take from the
    /// index as they are, not from the work tree: files marked `assume-unchanged` or
    /// `skip-worktree` (neither git's status nor libgit2's looks at their files, so an edit of
    /// them is never added), and submodules (a commit id where a file belongs).
    public func hiddenEntries(within paths: [String]) throws -> [HiddenEntry] {
        if let file = indexFile() {
            let positions = Set(paths.map(Self.trimmed).flatMap { $0.isEmpty ? Array(0 ..< file.count) : file.entries(within: $0) }).sorted()
            return positions.compactMap { i in
                let submodule = file.mode(i) == 0o160000, skipped = file.isSkipWorktree(i)
                guard submodule || skipped || file.isAssumedValid(i) else { return nil }
                return HiddenEntry(path: file.path(i), kind: submodule ? .submodule : skipped ? .skipWorktree : .assumeUnchanged)
            }
        }
        dropNarrowedIndex()
        var index: OpaquePointer?
        try check("git_repository_index", git_repository_index(&index, handle))
        defer { git_index_free(index) }
        try check("git_index_read", git_index_read(index, 0))
        var found: [HiddenEntry] = []
        for i in 0..<git_index_entrycount(index) {
            guard let entry = git_index_get_byindex(index, i)?.pointee, let cPath = entry.path else { continue }
            let assumed = UInt32(entry.flags) & UInt32(GIT_INDEX_ENTRY_VALID.rawValue) != 0
            let skipped = UInt32(entry.flags_extended) & UInt32(GIT_INDEX_ENTRY_SKIP_WORKTREE.rawValue) != 0
            let submodule = entry.mode == 0o160000
            guard assumed || skipped || submodule else { continue }
            let path = String(cString: cPath)
            guard paths.contains(where: { GitPath.isWithin(path, $0) }) else { continue }
            found.append(HiddenEntry(path: path, kind: submodule ? .submodule : skipped ? .skipWorktree : .assumeUnchanged))
        }
        return found
    }
}

/// An index entry a commit would take as the index holds it (`Repository.hiddenEntries`).
public struct HiddenEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case assumeUnchanged, skipWorktree, submodule }
    public var path: String
    public var kind: Kind
}
