import CLibGit2

/// Parsed trees by id, held by one repository (a reference each), least recently used dropped
/// first. A walk over history looks up the same year folders at every commit: libgit2's own
/// cache evicts at random once full, and a year folder of a thousand cases read again from the
/// pack costs more than the rest of a commit's checks.
final class TreeCache {
    /// Trees kept: a history's hot set is its root, `cases/` and the year folder a commit changes,
    /// twice (a commit and its parent); a year folder of 3,000 cases holds about 250 KB parsed.
    /// Measured on a cold status and a full verify at 10k cases: 32 is as fast as 128, and holds
    /// 14 MB less.
    static let capacity = 32
    private var trees: [OID: (tree: OpaquePointer, used: Int)] = [:]
    private var clock = 0
    /// Trees never dropped once read (`Repository.keepTrees`): the few folders every case's check
    /// reads at one commit, between which each case reads dozens of its own.
    var kept: Set<OID> = []
    /// How many trees were read from the object database (not found here): for tests.
    private(set) var treesRead = 0

    deinit { removeAll() }

    /// Lets every tree go (before the repository itself is freed).
    func removeAll() {
        for (tree, _) in trees.values { git_tree_free(tree) }
        trees.removeAll()
    }

    /// The tree `id`, as a new reference the caller frees with `git_tree_free`: from here, else the
    /// one `listed` holds (not parsed twice), else read.
    func tree(_ id: OID, in repository: OpaquePointer, listed: ListedFolders? = nil) throws -> OpaquePointer {
        clock += 1
        if let known = trees[id] {
            trees[id]!.used = clock
            return try duplicate(known.tree)
        }
        if let held = try listed?.tree(id) { return held }
        var raw = id.raw
        var tree: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&tree, repository, &raw))
        treesRead += 1
        // The kept trees do not count against the capacity (a repository of more year folders
        // than it would otherwise evict at every look-up).
        if trees.count >= Self.capacity + kept.count {
            // Drop the older half at once: eviction costs one sort per `capacity / 2` lookups.
            for (old, entry) in trees.filter({ !kept.contains($0.key) }).sorted(by: { $0.value.used < $1.value.used }).prefix(Self.capacity / 2) {
                git_tree_free(entry.tree)
                trees[old] = nil
            }
        }
        trees[id] = (tree!, clock)
        return try duplicate(tree!)
    }

    /// The tree `id` when it is here (a new reference), without reading it into the cache: for a
    /// look-up that should not push out the trees a walk keeps using.
    func cachedTree(_ id: OID) throws -> OpaquePointer? {
        guard let known = trees[id] else { return nil }
        return try duplicate(known.tree)
    }

    private func duplicate(_ tree: OpaquePointer) throws -> OpaquePointer {
        var copy: OpaquePointer?
        try check("git_object_dup", git_object_dup(&copy, tree))
        return copy!
    }
}

/// The folders a repository's look-ups by path found last, by commit and folder path (each a
/// reference of its own, or nil for a folder that is absent). A walk's rules ask the same commit's
/// case folder and its parent's for several files in turn; a few slots, replaced in turn.
struct RecentFolders {
    static let capacity = 4
    private var slots: [(commit: OID, path: [UInt8], tree: OpaquePointer?)] = []
    private var next = 0

    /// The folder `path` of `commit` when it is held; `.some(nil)` when it is known to be absent.
    func find(commit: OID, path: ArraySlice<UInt8>) -> OpaquePointer?? {
        for slot in slots where slot.commit == commit && slot.path.elementsEqual(path) { return .some(slot.tree) }
        return nil
    }

    /// Holds `tree` (the caller's reference, now this one's) as the folder `path` of `commit`.
    mutating func add(commit: OID, path: [UInt8], tree: OpaquePointer?) {
        guard slots.count == Self.capacity else { slots.append((commit, path, tree)); return }
        if let old = slots[next].tree { git_tree_free(old) }
        slots[next] = (commit, path, tree)
        next = (next + 1) % Self.capacity
    }

    mutating func removeAll() {
        for slot in slots { if let tree = slot.tree { git_tree_free(tree) } }
        slots.removeAll()
        next = 0
    }
}

/// The folders `Repository.firstFolder(under:holding:in:)` looked in, by their names under one
/// folder: one version of each (the last seen), so a history's year folders stay parsed while a
/// walk reads its other trees, and a year folder's older versions go as soon as a newer one is
/// seen (memory by the number of years, not by the history). At most `capacity` names, for a
/// crafted folder of thousands.
final class ListedFolders {
    static let capacity = 128
    private var folder = ""
    private var byName: [String: (id: OID, tree: OpaquePointer)] = [:]
    /// How many trees were read from the object database (in neither cache), and how many are
    /// held: for tests.
    private(set) var treesRead = 0
    var held: Int { byName.count }

    deinit { removeAll() }

    func removeAll() {
        for (_, tree) in byName.values { git_tree_free(tree) }
        byName.removeAll()
    }

    /// The tree `id` when it is held (a new reference), by a look at each name's.
    func tree(_ id: OID) throws -> OpaquePointer? {
        for held in byName.values where held.id == id { return try Self.duplicate(held.tree) }
        return nil
    }

    /// The tree `id`, the folder `name` under `parent`, as a new reference the caller frees: the one
    /// held under that name, or `cached`'s, or read.
    func tree(named cName: UnsafePointer<CChar>, under parent: String, id: OID, cached: TreeCache, in repository: OpaquePointer) throws -> OpaquePointer {
        if parent != folder {
            removeAll()
            folder = parent
        }
        let name = String(cString: cName)
        if let held = byName[name], held.id == id { return try Self.duplicate(held.tree) }
        let tree: OpaquePointer
        if let known = try cached.cachedTree(id) {
            tree = known
        } else {
            var raw = id.raw
            var read: OpaquePointer?
            try check("git_tree_lookup", git_tree_lookup(&read, repository, &raw))
            treesRead += 1
            tree = read!
        }
        if let old = byName[name] {
            git_tree_free(old.tree)
        } else if byName.count >= Self.capacity {
            removeAll()
        }
        byName[name] = (id, tree)
        return try Self.duplicate(tree)
    }

    private static func duplicate(_ tree: OpaquePointer) throws -> OpaquePointer {
        var copy: OpaquePointer?
        try check("git_object_dup", git_object_dup(&copy, tree))
        return copy!
    }
}

/// A name asked of a folder, by the folder's tree id.
struct FolderName: Hashable {
    var tree: OID
    var name: String
}

/// The mode of a name in folders (0: absent), as `Repository.entryMode(named:inTree:)` or the
/// index found it: a fact of each tree's content, so never stale; bounded, as a walk asks of
/// every case at every commit.
struct FolderHolds {
    static let capacity = 1 << 14
    private var known: [FolderName: UInt32] = [:]

    subscript(key: FolderName) -> UInt32? { known[key] }

    mutating func remember(_ key: FolderName, _ mode: UInt32) {
        if known.count >= Self.capacity { known.removeAll(keepingCapacity: true) }
        known[key] = mode
    }
}
