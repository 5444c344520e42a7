import CLibGit2
import Foundation

/// One side of a name that differs between two versions of a folder.
struct EntrySide: Equatable {
    var id: OID
    var mode: UInt32

    var isTree: Bool { TreeEntry.Kind(mode: mode) == .tree }
}

/// A name whose entry differs between two versions of a folder: absent on one side, or another
/// id or mode.
struct DifferingEntry: Equatable {
    var name: String
    var old: EntrySide?
    var new: EntrySide?
    /// The new folder is malformed at this entry: its name is there twice (the same name, whatever
    /// the modes: a file and a folder `a` too), or it is out of git's order beside its neighbour. A
    /// tree git never writes (`git fsck`: duplicateEntries, treeNotSorted), whose look-ups by name
    /// each program answers its own way.
    var malformed = false
}

/// The last few comparisons of two trees, by the trees' ids. A walk's rules and its content check
/// compare the same commit's root, `cases/`, year and case folders with its parent's in turn: each
/// pair is merged once.
struct RecentComparisons {
    static let capacity = 8
    private var slots: [(old: OID?, new: OID?, entries: [DifferingEntry])] = []
    private var next = 0
    /// How many comparisons were made (not found here), and how many of them found the region that
    /// differs from the trees' raw bytes: for tests.
    private(set) var made = 0
    private(set) var madeFromBytes = 0

    func find(old: OID?, new: OID?) -> [DifferingEntry]? {
        for slot in slots where slot.old == old && slot.new == new { return slot.entries }
        return nil
    }

    mutating func add(old: OID?, new: OID?, entries: [DifferingEntry], fromBytes: Bool) {
        made += 1
        if fromBytes { madeFromBytes += 1 }
        guard slots.count == Self.capacity else { slots.append((old, new, entries)); return }
        slots[next] = (old, new, entries)
        next = (next + 1) % Self.capacity
    }
}

extension Repository {
    /// The entries that differ between two versions of a folder (nil: absent), in git's order.
    /// With `fromBytes` false (for tests), every entry is merged and nothing is remembered.
    func differingEntries(_ old: OpaquePointer?, _ new: OpaquePointer?, fromBytes allowed: Bool = true) -> [DifferingEntry] {
        let oldID = old.map { OID(git_tree_id($0).pointee) }, newID = new.map { OID(git_tree_id($0).pointee) }
        if oldID == newID { return [] }
        if allowed, let known = comparisons.find(old: oldID, new: newID) { return known }
        var result: [DifferingEntry] = []
        var fromBytes = false
        let countA = old.map(git_tree_entrycount) ?? 0, countB = new.map(git_tree_entrycount) ?? 0
        if allowed, let old, let new, let region = RawTree.differingRegion(old, countA, new, countB) {
            fromBytes = true
            merge(old, region.old, new, region.new, into: &result)
        } else {
            merge(old, 0..<countA, new, 0..<countB, into: &result)
        }
        if allowed { comparisons.add(old: oldID, new: newID, entries: result, fromBytes: fromBytes) }
        return result
    }

    /// Both folders' entries in `a` and `b` walked together (both are in git's order), naming
    /// only what differs. Each new entry named (changed or added) is checked against its neighbours
    /// in the whole new folder (`malformed(_:at:)`), read by index whether or not they lie in the
    /// region merged: where the new folder has a name twice or an entry out of order that the
    /// parent's did not, one of the entries involved differs from the parent's (a copy beside the
    /// parent's entry, identical or not, is an added one). Entries as the parent had them, in its
    /// order, are not checked: a malformation the parent already had was its own commit's finding.
    private func merge(_ old: OpaquePointer?, _ a: Range<Int>, _ new: OpaquePointer?, _ b: Range<Int>,
                       into result: inout [DifferingEntry]) {
        let countB = new.map(git_tree_entrycount) ?? 0
        func added(_ eb: OpaquePointer, old: EntrySide?, at j: Int) -> DifferingEntry {
            DifferingEntry(name: String(cString: git_tree_entry_name(eb)), old: old, new: side(eb),
                           malformed: Self.malformed(new!, at: j, count: countB))
        }
        var i = a.lowerBound, j = b.lowerBound
        while i < a.upperBound || j < b.upperBound {
            let ea = i < a.upperBound ? git_tree_entry_byindex(old, i) : nil
            let eb = j < b.upperBound ? git_tree_entry_byindex(new, j) : nil
            if let ea, let eb {
                let order = git_tree_entry_cmp(ea, eb)
                if order == 0 {
                    // A new mode is a change too (a file made executable, a file made a link).
                    if git_oid_cmp(git_tree_entry_id(ea), git_tree_entry_id(eb)) != 0
                        || git_tree_entry_filemode(ea) != git_tree_entry_filemode(eb) {
                        result.append(added(eb, old: side(ea), at: j))
                    }
                    i += 1; j += 1
                } else if order < 0 {
                    result.append(DifferingEntry(name: String(cString: git_tree_entry_name(ea)), old: side(ea), new: nil)); i += 1
                } else {
                    result.append(added(eb, old: nil, at: j)); j += 1
                }
            } else if let ea {
                result.append(DifferingEntry(name: String(cString: git_tree_entry_name(ea)), old: side(ea), new: nil)); i += 1
            } else if let eb {
                result.append(added(eb, old: nil, at: j)); j += 1
            } else {
                break
            }
        }
    }

    /// Whether the entry at `j` of `tree` (of `count` entries) breaks git's rules for a tree with a
    /// neighbour (`git fsck`): it sorts at or before the entry before it, or the one after it sorts
    /// at or before it (git_tree_entry_cmp orders a folder as its name and a slash: the same name
    /// and kind twice compares equal), or a file and a folder share its name. That last pair need
    /// not be neighbours: a file `a` sorts before `a-b` (any byte below the slash after the name)
    /// and the folder `a` after it, so the names sharing the prefix are walked (git fsck's
    /// duplicateEntries does the same). Two or three comparisons for each entry that differs.
    static func malformed(_ tree: OpaquePointer, at j: Int, count: Int) -> Bool {
        let entry = git_tree_entry_byindex(tree, j)!
        if j > 0, git_tree_entry_cmp(git_tree_entry_byindex(tree, j - 1), entry) >= 0 { return true }
        if j + 1 < count, git_tree_entry_cmp(entry, git_tree_entry_byindex(tree, j + 1)) >= 0 { return true }
        // From a folder, back to a file of its name; from anything else, on to a folder of its name.
        let name = git_tree_entry_name(entry)!, length = strlen(name)
        let step = TreeEntry.Kind(mode: git_tree_entry_filemode(entry).rawValue) == .tree ? -1 : 1
        var k = j + step
        while k >= 0, k < count {
            let other = git_tree_entry_name(git_tree_entry_byindex(tree, k))!
            guard strncmp(other, name, length) == 0 else { return false }
            let next = UInt8(bitPattern: other[length])
            if next == 0 { return true }
            if next > UInt8(ascii: "/") { return false }
            k += step
        }
        return false
    }

    private func side(_ entry: OpaquePointer) -> EntrySide {
        EntrySide(id: OID(git_tree_entry_id(entry).pointee), mode: git_tree_entry_filemode(entry).rawValue)
    }
}

/// A parsed tree's entries as the bytes git stored them in. libgit2 (1.x) parses a tree in place:
/// each entry's name points into the object's raw bytes, which it keeps, entry after entry
/// (`<mode> <name>\0<20-byte id>`). Two versions of a year folder of thousands of cases differ in
/// one or two entries: the bytes they share at both ends are compared as memory (as git compares
/// raw trees), and only the entries between are merged one call at a time. Every assumption is
/// checked on the trees at hand; where one fails, the caller merges every entry.
enum RawTree {
    /// Below this many entries a merge entry by entry costs no more than finding the region.
    static let smallest = 32

    /// Whether libgit2 keeps a tree's entries in its raw bytes (checked once).
    static let parsesInPlace: Bool = {
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        git_libgit2_version(&major, &minor, &revision)
        return major == 1
    }()

    /// The entries of each tree, by index, that may differ: those before are the same in both (the
    /// same indices), and so are those after (the same distance from the end). nil when the trees
    /// are small, or not laid out as expected.
    static func differingRegion(_ a: OpaquePointer, _ countA: Int, _ b: OpaquePointer, _ countB: Int)
        -> (old: Range<Int>, new: Range<Int>)? {
        guard parsesInPlace, countA >= smallest, countB >= smallest,
              let bytesA = Layout(a, countA), let bytesB = Layout(b, countB) else { return nil }
        // The first entry is compared as an entry (its mode's digits lie before the name, which
        // the layout does not locate); the bytes compared start where it ends.
        var first = 0
        let ea = git_tree_entry_byindex(a, 0), eb = git_tree_entry_byindex(b, 0)
        if git_tree_entry_cmp(ea, eb) == 0, git_oid_cmp(git_tree_entry_id(ea), git_tree_entry_id(eb)) == 0,
           git_tree_entry_filemode(ea) == git_tree_entry_filemode(eb) {
            let shared = commonPrefix(bytesA.start, bytesB.start, min(bytesA.length, bytesB.length))
            // Entries 1... that end within the shared bytes are the same entries in both trees.
            first = 1 + bytesA.entriesEnding(within: shared)
        }
        // The shared bytes at the end, not counting any counted at the start.
        let limit = min(bytesA.length, bytesB.length) - bytesA.offset(ofEnd: first - 1)
        let sharedEnd = limit > 0 ? commonSuffix(bytesA.start + bytesA.length, bytesB.start + bytesB.length, limit) : 0
        // The first entry of a wholly shared at the end whose start is an entry's start in both
        // trees: from there on, both parse into the same entries.
        var lastA = countA, lastB = countB
        var candidate = max(first, 1, bytesA.firstEntryStarting(atOrAfter: bytesA.length - sharedEnd))
        while candidate < countA {
            let fromEnd = bytesA.length - bytesA.offset(ofEnd: candidate - 1)
            if let index = bytesB.entryStarting(at: bytesB.length - fromEnd), index >= max(first, 1), countB - index == countA - candidate {
                lastA = candidate; lastB = index
                break
            }
            candidate += 1
        }
        if first > lastA || first > lastB { return nil }
        // A merge of the middle alone names what a merge of everything would, when every entry of
        // the middle sorts before the first shared one at the end (in a tree in git's order, always).
        if lastA < countA, let shared = git_tree_entry_byindex(a, lastA) {
            for i in first..<lastA where git_tree_entry_cmp(git_tree_entry_byindex(a, i), shared) >= 0 { return nil }
            for j in first..<lastB where git_tree_entry_cmp(git_tree_entry_byindex(b, j), shared) >= 0 { return nil }
        }
        return (first..<lastA, first..<lastB)
    }

    /// Where a tree's entries after the first lie in memory: from the end of the first entry's
    /// id to the end of the last's.
    struct Layout {
        let tree: OpaquePointer
        let count: Int
        let start: UnsafeRawPointer
        let length: Int

        init?(_ tree: OpaquePointer, _ count: Int) {
            guard count >= 2, let first = git_tree_entry_byindex(tree, 0), let last = git_tree_entry_byindex(tree, count - 1),
                  let second = git_tree_entry_byindex(tree, 1),
                  Layout.inPlace(first), Layout.inPlace(last) else { return nil }
            let start = Layout.end(of: first), end = Layout.end(of: last)
            // The second entry's name follows the first's id after its mode ("100644 "), and the
            // entries take at least 28 bytes each ("40000 a\0" and an id).
            let secondName = RawTree.address(git_tree_entry_name(second))
            guard secondName > start, secondName - start <= 7, end - start >= 28 * (count - 1) else { return nil }
            self.tree = tree
            self.count = count
            self.start = start
            self.length = end - start
        }

        /// An entry whose name's closing zero is followed by its id: a name in the raw bytes.
        /// (libgit2 copies each id into its entry, and points each name into the raw bytes.)
        private static func inPlace(_ entry: OpaquePointer) -> Bool {
            memcmp(end(of: entry) - 20, git_tree_entry_id(entry), 20) == 0
        }

        /// Where the raw bytes of `entry` end: its name, the zero, the id's 20 bytes.
        static func end(of entry: OpaquePointer) -> UnsafeRawPointer {
            let name: UnsafePointer<CChar> = git_tree_entry_name(entry)!
            return RawTree.address(name) + strlen(name) + 1 + 20
        }

        /// The offset (from `start`) where entry `index` (at least 0) ends.
        func offset(ofEnd index: Int) -> Int {
            index <= 0 ? 0 : Layout.end(of: git_tree_entry_byindex(tree, index)) - start
        }

        /// How many entries from the second on end at or before `offset`.
        func entriesEnding(within offset: Int) -> Int {
            var low = 1, high = count   // the answer is low - 1 once low == high
            while low < high {
                let middle = (low + high) / 2
                if self.offset(ofEnd: middle) <= offset { low = middle + 1 } else { high = middle }
            }
            return low - 1
        }

        /// The first entry (from the second on) whose start (the previous one's end) is at or
        /// after `offset`; `count` when none.
        func firstEntryStarting(atOrAfter offset: Int) -> Int {
            var low = 1, high = count
            while low < high {
                let middle = (low + high) / 2
                if self.offset(ofEnd: middle - 1) >= offset { high = middle } else { low = middle + 1 }
            }
            return low
        }

        /// The entry (from the second on) that starts exactly at `offset`, if one does.
        func entryStarting(at offset: Int) -> Int? {
            let index = firstEntryStarting(atOrAfter: offset)
            return index < count && self.offset(ofEnd: index - 1) == offset ? index : nil
        }
    }

    static func address(_ name: UnsafePointer<CChar>!) -> UnsafeRawPointer { UnsafeRawPointer(name!) }

    /// How many bytes `a` and `b` share from their start, up to `length`.
    static func commonPrefix(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ length: Int) -> Int {
        var n = 0
        while n + 8 <= length, a.loadUnaligned(fromByteOffset: n, as: UInt64.self) == b.loadUnaligned(fromByteOffset: n, as: UInt64.self) { n += 8 }
        while n < length, a.load(fromByteOffset: n, as: UInt8.self) == b.load(fromByteOffset: n, as: UInt8.self) { n += 1 }
        return n
    }

    /// How many bytes the memory ending at `a` and at `b` share at the end, up to `length`.
    static func commonSuffix(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ length: Int) -> Int {
        var n = 0
        while n + 8 <= length, a.loadUnaligned(fromByteOffset: -n - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: -n - 8, as: UInt64.self) { n += 8 }
        while n < length, a.load(fromByteOffset: -n - 1, as: UInt8.self) == b.load(fromByteOffset: -n - 1, as: UInt8.self) { n += 1 }
        return n
    }
}
