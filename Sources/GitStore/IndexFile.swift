import CLibGit2
import Crypto
import Foundation

/// The index file (`.git/index`) as its bytes: what a step needs of it (its checksum, the entries
/// of a few folders, the `TREE` extension) without libgit2 reading every entry into memory, and
/// the file written again with a few folders' entries replaced (`spliced`).
///
/// At 30,000 cases the index holds 61,000 entries (7.5 MB): libgit2 reads it whole in about 120
/// ms and writes it in 80, more than half of a step. Read here, it is one read, one SHA-1 and one
/// pass over the entries' lengths.
///
/// Only what git and libgit2 write by default is read: version 2 or 3, no entry at a stage other
/// than 0 (a merge's conflicts), no extension but `TREE`, entries in git's order, the SHA-1 at the
/// end matching. Any other file is nil to `read`, and libgit2 reads it as before.
struct IndexFile {
    /// The whole file.
    let bytes: [UInt8]
    let version: UInt32
    /// Where each entry starts, and (last) where the extensions start.
    let offsets: [Int32]
    /// Where each entry's path starts, and its length.
    let pathStarts: [Int32]
    let pathLengths: [Int32]
    /// The `TREE` extension's data, when there is one.
    let tree: Range<Int>?
    /// The SHA-1 the file ends with.
    let checksum: OID
    /// Whether some entry has the second flags word (intent-to-add, skip-worktree).
    let hasExtendedEntries: Bool
    /// The first path out of git's order (or repeated), when one is: git refuses such an index
    /// ("unordered stage entries"), libgit2 reads it and would commit a tree with a name twice.
    /// A file with one is not used (`Repository.indexFile()`).
    let unordered: String?
    /// The entries that were racily clean when the file was written (`isRacy`).
    let racy: [Int]
    /// What identifies the file read (`IndexFile.Stamp`): a file written since differs.
    let stamp: Stamp

    struct Stamp: Equatable {
        var device: UInt64, inode: UInt64, size: Int64
        var mtime: timespec, ctime: timespec

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
            self.init(info)
        }

        init(_ info: stat) {
            device = UInt64(info.st_dev); inode = UInt64(info.st_ino); size = Int64(info.st_size)
            mtime = info.st_mtim; ctime = info.st_ctim
        }

        static func == (a: Stamp, b: Stamp) -> Bool {
            a.device == b.device && a.inode == b.inode && a.size == b.size
                && a.mtime.tv_sec == b.mtime.tv_sec && a.mtime.tv_nsec == b.mtime.tv_nsec
                && a.ctime.tv_sec == b.ctime.tv_sec && a.ctime.tv_nsec == b.ctime.tv_nsec
        }
    }

    var count: Int { offsets.count - 1 }

    /// Reads the index at `path`; nil when there is none, or when it is not of the kind described
    /// above (libgit2 reads it then).
    static func read(path: String) -> IndexFile? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size >= 32, info.st_size < 1 << 31 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        let read = bytes.withUnsafeMutableBytes { buffer -> Int in
            var done = 0
            while done < buffer.count {
                let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(done))
                guard n > 0 else { return done }
                done += n
            }
            return done
        }
        guard read == bytes.count else { return nil }
        return IndexFile(bytes: bytes, stamp: Stamp(info))
    }

    init?(bytes: [UInt8], stamp: Stamp) {
        let size = bytes.count
        guard size >= 32, bytes[0 ..< 4].elementsEqual("DIRC".utf8) else { return nil }
        func be32(_ at: Int) -> UInt32 { bytes.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self)) } }
        let version = be32(4), count = Int(be32(8))
        guard version == 2 || version == 3, count <= (size - 32) / 62 else { return nil }
        // The SHA-1 of everything before it, as git and libgit2 check it.
        let digest = bytes.withUnsafeBytes { Insecure.SHA1.hash(data: UnsafeRawBufferPointer(rebasing: $0[0 ..< size - 20])) }
        guard digest.elementsEqual(bytes[(size - 20)...]) else { return nil }
        var raw = git_oid()
        bytes.withUnsafeBytes { _ = git_oid_fromraw(&raw, $0.baseAddress!.advanced(by: size - 20).assumingMemoryBound(to: UInt8.self)) }
        var offsets = [Int32](), starts = [Int32](), lengths = [Int32](), extendedSeen = false
        var outOfOrder: String?, racy: [Int] = []
        offsets.reserveCapacity(count + 1); starts.reserveCapacity(count); lengths.reserveCapacity(count)
        let end = size - 20
        let scanned = bytes.withUnsafeBytes { buffer -> Int? in
            let base = buffer.baseAddress!
            var at = 12, previous: (start: Int, length: Int)?
            for _ in 0 ..< count {
                guard at + 64 <= end else { return nil }
                let flags = UInt16(bigEndian: base.loadUnaligned(fromByteOffset: at + 60, as: UInt16.self))
                // A conflict (stage 1 to 3) is libgit2's to handle.
                guard flags & 0x3000 == 0 else { return nil }
                let extended = flags & 0x4000 != 0
                guard !extended || version == 3 else { return nil }
                extendedSeen = extendedSeen || extended
                let start = at + (extended ? 64 : 62)
                var length = Int(flags & 0x0FFF)
                if length == 0x0FFF {
                    guard let nul = memchr(base + start, 0, end - start) else { return nil }
                    length = base.distance(to: UnsafeRawPointer(nul)) - start
                }
                guard length > 0, start + length < end, base.load(fromByteOffset: start + length, as: UInt8.self) == 0 else { return nil }
                // Strictly in git's order (by the path's bytes): a binary search finds a folder's entries.
                if let previous, outOfOrder == nil {
                    let common = min(previous.length, length)
                    let order = memcmp(base + previous.start, base + start, common)
                    if !(order < 0 || order == 0 && previous.length < length) {
                        outOfOrder = String(decoding: UnsafeRawBufferPointer(start: base + start, count: length), as: UTF8.self)
                    }
                }
                if Self.isRacy(mtime: UInt32(bigEndian: base.loadUnaligned(fromByteOffset: at + 8, as: UInt32.self)), index: stamp) {
                    racy.append(offsets.count)
                }
                previous = (start, length)
                offsets.append(Int32(at)); starts.append(Int32(start)); lengths.append(Int32(length))
                at += ((start - at) + length + 8) & ~7
            }
            return at
        }
        guard let entriesEnd = scanned, entriesEnd <= end else { return nil }
        offsets.append(Int32(entriesEnd))
        // The extensions: only git's cache tree.
        var at = entriesEnd, tree: Range<Int>?
        while at < end {
            guard end - at >= 8, bytes[at ..< at + 4].elementsEqual("TREE".utf8), tree == nil else { return nil }
            let length = Int(be32(at + 4))
            guard length <= end - at - 8 else { return nil }
            tree = (at + 8) ..< (at + 8 + length)
            at += 8 + length
        }
        self.bytes = bytes
        self.version = version
        self.offsets = offsets
        self.pathStarts = starts
        self.pathLengths = lengths
        self.tree = tree
        self.checksum = OID(raw)
        self.hasExtendedEntries = extendedSeen
        self.unordered = outOfOrder
        self.racy = racy
        self.stamp = stamp
    }

    // MARK: Entries

    func withPath<T>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[Int(pathStarts[i]) ..< Int(pathStarts[i] + pathLengths[i])])) }
    }

    func path(_ i: Int) -> String { withPath(i) { String(decoding: $0, as: UTF8.self) } }

    private func be32(_ at: Int) -> UInt32 {
        bytes.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    }

    func mode(_ i: Int) -> UInt32 { be32(Int(offsets[i]) + 24) }
    func flags(_ i: Int) -> UInt16 { UInt16(be32(Int(offsets[i]) + 58) & 0xFFFF) }
    /// The second flags word of an extended entry (version 3): skip-worktree, intent-to-add.
    func extendedFlags(_ i: Int) -> UInt16 { flags(i) & 0x4000 != 0 ? UInt16(be32(Int(offsets[i]) + 60) & 0xFFFF) : 0 }
    func id(_ i: Int) -> OID {
        var raw = git_oid()
        bytes.withUnsafeBytes { _ = git_oid_fromraw(&raw, $0.baseAddress!.advanced(by: Int(offsets[i]) + 40).assumingMemoryBound(to: UInt8.self)) }
        return OID(raw)
    }
    func isIntentToAdd(_ i: Int) -> Bool { extendedFlags(i) & 0x2000 != 0 }
    func isSkipWorktree(_ i: Int) -> Bool { extendedFlags(i) & 0x4000 != 0 }
    func isAssumedValid(_ i: Int) -> Bool { flags(i) & 0x8000 != 0 }

    /// The first entry whose path is not below `key` (byte order).
    func lowerBound(_ key: [UInt8]) -> Int {
        var low = 0, high = count
        key.withUnsafeBytes { key in
            while low < high {
                let middle = (low + high) / 2
                let below = withPath(middle) { path in
                    let order = memcmp(path.baseAddress!, key.baseAddress!, min(path.count, key.count))
                    return order < 0 || order == 0 && path.count < key.count
                }
                if below { low = middle + 1 } else { high = middle }
            }
        }
        return low
    }

    /// The entry at `path` exactly (a file), as a range of one or none, at the place it has or
    /// would have.
    func exactly(_ path: String) -> Range<Int> {
        let key = Array(path.utf8)
        let at = lowerBound(key)
        return at < count && withPath(at, { $0.elementsEqual(key) }) ? at ..< at + 1 : at ..< at
    }

    /// The entries inside the folder `path`: the contiguous run of paths beginning "path/".
    func inside(_ path: String) -> Range<Int> {
        let key = Array(path.utf8)
        return lowerBound(key + [0x2F]) ..< lowerBound(key + [0x30])
    }

    /// The entries at `path` or inside it, in order.
    func entries(within path: String) -> [Int] {
        Array(exactly(path)) + Array(inside(path))
    }

    /// The root tree of the `TREE` extension when it is valid for every entry (as git leaves it
    /// after a commit or a reset): what `git commit` would commit. Nil when an entry was added
    /// with `git add -N` (the cache tree leaves it out) or the root is invalid.
    var cachedRootTree: OID? {
        guard let tree, !hasExtendedEntries else { return nil }
        return Repository.validRoot(bytes[tree], entries: count)
    }

    /// Each entry's fields as libgit2 holds them.
    func entry(_ i: Int) -> git_index_entry {
        let at = Int(offsets[i])
        var entry = git_index_entry()
        entry.ctime.seconds = Int32(bitPattern: be32(at))
        entry.ctime.nanoseconds = be32(at + 4)
        entry.mtime.seconds = Int32(bitPattern: be32(at + 8))
        entry.mtime.nanoseconds = be32(at + 12)
        entry.dev = be32(at + 16)
        entry.ino = be32(at + 20)
        entry.mode = be32(at + 24)
        entry.uid = be32(at + 28)
        entry.gid = be32(at + 32)
        entry.file_size = be32(at + 36)
        entry.id = id(i).raw
        return entry
    }

    /// Whether an entry's file may have changed in the same instant the index was written ("racy
    /// git"): its stat data cannot tell then, and its content must be compared. By the second, as
    /// git without nanosecond timestamps compares (the stricter of its two ways).
    func isRacy(_ entry: git_index_entry) -> Bool {
        Self.isRacy(mtime: UInt32(bitPattern: entry.mtime.seconds), index: stamp)
    }

    /// An entry's file time (seconds, as the file stores it) against the index file's: racy at or after it.
    static func isRacy(mtime seconds: UInt32, index stamp: Stamp) -> Bool {
        Int(seconds) >= Int(stamp.mtime.tv_sec)
    }

    // MARK: Writing

    /// The SHA-1 of `bytes`, as an index file ends with it.
    static func sha1(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { Array(Insecure.SHA1.hash(data: $0)) }
    }

    /// One entry as the file holds it (version 2, or 3 when `extended`).
    static func encode(_ entry: git_index_entry, path: UnsafePointer<CChar>, into out: inout [UInt8]) {
        func put32(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) } }
        func put16(_ value: UInt16) { withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) } }
        let start = out.count
        put32(UInt32(bitPattern: entry.ctime.seconds)); put32(entry.ctime.nanoseconds)
        put32(UInt32(bitPattern: entry.mtime.seconds)); put32(entry.mtime.nanoseconds)
        put32(entry.dev); put32(entry.ino); put32(entry.mode); put32(entry.uid); put32(entry.gid); put32(entry.file_size)
        withUnsafeBytes(of: entry.id.id) { out.append(contentsOf: $0) }
        let length = strlen(path)
        let extended = UInt16(entry.flags_extended) & UInt16(GIT_INDEX_ENTRY_INTENT_TO_ADD.rawValue | GIT_INDEX_ENTRY_SKIP_WORKTREE.rawValue)
        var flags = UInt16(entry.flags) & 0x8000 | UInt16(min(length, 0x0FFF))
        if extended != 0 { flags |= 0x4000 }
        put16(flags)
        if extended != 0 { put16(extended) }
        path.withMemoryRebound(to: UInt8.self, capacity: length) { out.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
        let size = out.count - start
        out.append(contentsOf: repeatElement(0, count: ((size + 8) & ~7) - size))
    }

    /// The file with the entries at `ranges` (sorted, disjoint runs of entries) replaced by
    /// `replacements` (each range's new entries, already encoded, with their number), and the
    /// cache tree's folders on the way to each path in `changed` invalidated, as git and libgit2 do
    /// when a path changes; ending with its new SHA-1. Given to `output` piece by piece (the
    /// entries kept are not copied); nil when `output` fails.
    func spliced(_ ranges: [Range<Int>], with replacements: [(encoded: [UInt8], count: Int, extended: Bool)],
                 changed: Set<[UInt8]>, to output: (UnsafeRawBufferPointer) -> Bool) -> OID? {
        var hasher = Insecure.SHA1()
        func put(_ piece: UnsafeRawBufferPointer) -> Bool {
            hasher.update(bufferPointer: piece)
            return piece.isEmpty || output(piece)
        }
        func put(_ piece: [UInt8]) -> Bool { piece.withUnsafeBytes { put($0) } }
        func put(_ range: Range<Int>) -> Bool { bytes.withUnsafeBytes { put(UnsafeRawBufferPointer(rebasing: $0[range])) } }
        let total = count - ranges.reduce(0) { $0 + $1.count } + replacements.reduce(0) { $0 + $1.count }
        let version: UInt32 = replacements.contains(where: \.extended) ? 3 : version
        var header = Array("DIRC".utf8)
        withUnsafeBytes(of: version.bigEndian) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(total).bigEndian) { header.append(contentsOf: $0) }
        guard put(header) else { return nil }
        // The entries kept, as the file holds them; a racily clean one with its size 0, as git and
        // libgit2 write it: written now, the file's new time would make its stat data look
        // trustworthy, and an edit made in that instant would no longer be seen (helper124).
        var racyLeft = racy[...]
        func keep(_ entries: Range<Int>) -> Bool {
            var from = entries.lowerBound
            while let first = racyLeft.first, first < entries.upperBound {
                racyLeft.removeFirst()
                guard first >= from else { continue }
                let at = Int(offsets[first])
                var smudged = Array(bytes[at ..< Int(offsets[first + 1])])
                smudged.replaceSubrange(36 ..< 40, with: [0, 0, 0, 0])
                guard put(Int(offsets[from]) ..< at), put(smudged) else { return false }
                from = first + 1
            }
            return put(Int(offsets[from]) ..< Int(offsets[entries.upperBound]))
        }
        var next = 0
        for (range, replacement) in zip(ranges, replacements) {
            racyLeft = racyLeft.drop { $0 < next }
            guard keep(next ..< range.lowerBound), put(replacement.encoded) else { return nil }
            next = range.upperBound
        }
        racyLeft = racyLeft.drop { $0 < next }
        guard keep(next ..< count) else { return nil }
        if let tree, let data = Self.invalidating(bytes[tree], along: Self.folders(of: changed)) {
            var extensionHeader = Array("TREE".utf8)
            withUnsafeBytes(of: UInt32(data.count).bigEndian) { extensionHeader.append(contentsOf: $0) }
            guard put(extensionHeader), put(data) else { return nil }
        }
        let digest = Array(hasher.finalize())
        guard digest.withUnsafeBytes(output) else { return nil }
        var raw = git_oid()
        digest.withUnsafeBytes { _ = git_oid_fromraw(&raw, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        return OID(raw)
    }

    /// The folders on the way to each path ("" for the root): those whose cache-tree entry a
    /// change of the path makes invalid.
    static func folders(of paths: Set<[UInt8]>) -> Set<[UInt8]> {
        var folders: Set<[UInt8]> = [[]]
        for path in paths {
            for (i, byte) in path.enumerated() where byte == 0x2F { folders.insert(Array(path[..<i])) }
        }
        return folders
    }

    /// A `TREE` extension's data with the entries of `folders` made invalid: each entry is its
    /// path component, NUL, the number of index entries it covers ("-1" when invalid), a space,
    /// its number of subfolders, a newline, and its tree id when valid; its subfolders follow it.
    /// Nil when the data cannot be read so (the extension is left out then: git builds it again).
    static func invalidating(_ data: ArraySlice<UInt8>, along folders: Set<[UInt8]>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(data.count)
        var at = data.startIndex
        // A decimal number ("-1" included) between two positions.
        func number(_ range: Range<Int>) -> Int? {
            var digits = range[...], negative = false
            if digits.first.map({ data[$0] == 0x2D }) == true { negative = true; digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.count < 10 else { return nil }
            var value = 0
            for i in digits {
                guard data[i] >= 0x30, data[i] <= 0x39 else { return nil }
                value = value * 10 + Int(data[i] - 0x30)
            }
            return negative ? -value : value
        }
        // The path of the entry being read (kept only below folders being invalidated: a folder
        // whose parent is not one is not one either); for each entry still open, the path's
        // length before it, how many of its subfolders are left to read, and whether it is one.
        var path: [UInt8] = [], open: [(length: Int, left: Int, matched: Bool)] = []
        while at < data.endIndex {
            guard let nul = data[at...].firstIndex(of: 0), let space = data[nul...].firstIndex(of: 0x20),
                  let newline = data[space...].firstIndex(of: 0x0A),
                  let covered = number((nul + 1) ..< space), let subfolders = number((space + 1) ..< newline), subfolders >= 0 else { return nil }
            let matched: Bool
            if out.isEmpty {
                guard nul == at else { return nil } // the root's name is empty
                matched = folders.contains([])
            } else {
                while let last = open.last, last.left == 0 {
                    open.removeLast()
                    path.removeSubrange(last.length...)
                }
                guard !open.isEmpty, nul > at else { return nil }
                open[open.count - 1].left -= 1
                if open[open.count - 1].matched {
                    let length = path.count
                    if !path.isEmpty { path.append(0x2F) }
                    path.append(contentsOf: data[at ..< nul])
                    matched = folders.contains(path)
                    open.append((length, subfolders, matched))
                } else {
                    matched = false
                    open.append((path.count, subfolders, false))
                }
            }
            if out.isEmpty { open.append((0, subfolders, matched)) }
            let valid = covered >= 0
            let end = newline + 1 + (valid ? 20 : 0)
            guard end <= data.endIndex else { return nil }
            if valid && matched {
                out.append(contentsOf: data[at ... nul])
                out.append(contentsOf: "-1 \(subfolders)\n".utf8)
            } else {
                out.append(contentsOf: data[at ..< end])
            }
            at = end
        }
        guard open.allSatisfy({ $0.left == 0 }) else { return nil }
        return out
    }
}
