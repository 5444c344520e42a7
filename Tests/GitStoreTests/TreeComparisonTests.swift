import Foundation
import CLibGit2
@testable import GitStore
import Testing
import TestSupport

/// Two versions of a large folder are compared from their raw bytes at both ends (`RawTree`), and
/// only the entries between are merged: the answer must be the merge of every entry's, and git's.
@Suite("folders compared from their raw bytes")
struct TreeComparisonTests {
    let box = Sandbox()

    /// One line of `git mktree`'s input.
    struct Line {
        var mode: String
        var id: String
        var name: String
        var text: String { "\(mode) \(mode == "040000" ? "tree" : "blob") \(id)\t\(name)" }
    }

    func makeTree(_ lines: [Line]) throws -> String {
        let r = try Sandbox.git(["mktree"], in: box.path, input: lines.map(\.text).joined(separator: "\n") + "\n")
        #expect(r.ok, "\(r.err)")
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A tree written byte by byte (`hash-object --literally`): entries in any order, any mode's digits.
    func rawTree(_ entries: [(mode: String, name: String, id: String)]) throws -> String {
        var bytes = Data()
        for entry in entries {
            bytes.append(contentsOf: Array("\(entry.mode) \(entry.name)".utf8) + [0])
            let hex = Array(entry.id.utf8)
            for k in stride(from: 0, to: 40, by: 2) { bytes.append(UInt8(String(decoding: hex[k..<k + 2], as: UTF8.self), radix: 16)!) }
        }
        let file = box.path + "/arbol.bin"
        try bytes.write(to: URL(fileURLWithPath: file))
        return try Sandbox.gitOut(["hash-object", "-t", "tree", "--literally", "-w", file], in: box.path)
    }

    @Test("a folder of 120 entries changed at its first, last and middle entries, by adds, deletes, renames, modes and files become folders: the bytes' answer is every entry's merge and git's")
    func rawComparisonAgreesWithTheMerge() throws {
        _ = try Sandbox.gitOut(["init", "-q", "-b", "main"], in: box.path)
        var blobs: [String] = []
        for k in 0..<6 { blobs.append(try Sandbox.git(["hash-object", "-w", "--stdin"], in: box.path, input: "contenido \(k)\n").out.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let sub = try makeTree([Line(mode: "100644", id: blobs[0], name: "expediente.md")])
        // Ids repeat among names (the same template in many cases): a name is told by its name, not its id.
        var base: [Line] = (0..<120).map { i in
            i % 10 == 3 ? Line(mode: "040000", id: sub, name: String(format: "C-%04d", i))
                : Line(mode: i % 17 == 0 ? "100755" : "100644", id: blobs[i % 4], name: String(format: "C-%04d", i))
        }
        base.sort { $0.name < $1.name }
        var versions: [[Line]] = [base]
        func vary(_ change: (inout [Line]) -> Void) { var v = base; change(&v); versions.append(v) }
        vary { $0[0].id = blobs[5] }                                   // the first entry (compared as an entry)
        vary { $0[1].id = blobs[5] }                                   // the second (the bytes' first)
        vary { $0[119].id = blobs[5] }                                 // the last
        vary { $0[60].id = blobs[5] }                                  // the middle
        vary { $0[60].mode = "100755" }                                // a mode alone
        vary { $0[3] = Line(mode: "100644", id: blobs[1], name: $0[3].name) }   // a folder becomes a file
        vary { $0[4] = Line(mode: "040000", id: sub, name: $0[4].name) }        // a file becomes a folder
        vary { $0.insert(Line(mode: "100644", id: blobs[2], name: "A-primero"), at: 0) }
        vary { $0.append(Line(mode: "100644", id: blobs[2], name: "Z-ultimo")) }
        vary { $0.insert(Line(mode: "100644", id: blobs[1], name: "C-0060a"), at: 61) }
        vary { $0.remove(at: 0) }
        vary { $0.remove(at: 119) }
        vary { $0.remove(at: 60) }
        vary { $0[60].name = "C-0060b" }                               // renamed, the same id
        vary { let id = $0[50].id; $0[50].id = $0[51].id; $0[51].id = id }                    // two ids swapped
        vary { $0[2].id = blobs[5]; $0[117].id = blobs[5] }            // far apart
        vary { for k in $0.indices where $0[k].mode != "040000" { $0[k].id = blobs[4] } }   // everything
        vary { $0 = Array($0.prefix(40)) }                             // the second half gone
        let trees = try versions.map(makeTree)
        #expect(Set(trees).count == trees.count)

        let repo = try Repository.at(box.path)
        func entries(_ a: String?, _ b: String?, fromBytes: Bool) throws -> [DifferingEntry] {
            let ta = try a.map { try repo.tree(try #require(OID(hex: $0))) }, tb = try b.map { try repo.tree(try #require(OID(hex: $0))) }
            defer { if let ta { git_tree_free(ta) }; if let tb { git_tree_free(tb) } }
            return repo.differingEntries(ta, tb, fromBytes: fromBytes)
        }
        for a in trees {
            for b in trees {
                let quick = try entries(a, b, fromBytes: true), every = try entries(a, b, fromBytes: false)
                #expect(quick == every, "\(a) -> \(b)")
                // Trees git wrote: no entry is said malformed (out of order, or its name twice).
                #expect(quick.allSatisfy { $0 == DifferingEntry(name: $0.name, old: $0.old, new: $0.new) }, "\(a) -> \(b)")
            }
        }
        // Every pair above was a comparison of two large folders: each found its region from the bytes.
        #expect(repo.comparisons.made == trees.count * (trees.count - 1) && repo.comparisons.madeFromBytes == repo.comparisons.made)
        // And the merge names what git names.
        for (a, b) in Array(zip(trees, trees.dropFirst())) + Array(zip(trees.dropFirst(), trees)) {
            let git = try Sandbox.gitOut(["diff-tree", "--name-only", a, b], in: box.path).split(separator: "\n").map(String.init)
            #expect(try entries(a, b, fromBytes: true).map(\.name).sorted() == git.sorted(), "\(a) -> \(b)")
        }
        // A folder compared with nothing: every entry, on its side.
        #expect(try entries(nil, trees[0], fromBytes: true).count == 120 && entries(trees[0], nil, fromBytes: true).allSatisfy { $0.new == nil })
    }

    @Test("trees git would not write (out of order, a name twice, a mode of six digits): the bytes' answer is still every entry's merge, or none is taken")
    func craftedTreesAgreeWithTheMerge() throws {
        _ = try Sandbox.gitOut(["init", "-q", "-b", "main"], in: box.path)
        let one = try Sandbox.git(["hash-object", "-w", "--stdin"], in: box.path, input: "uno\n").out.trimmingCharacters(in: .whitespacesAndNewlines)
        let two = try Sandbox.git(["hash-object", "-w", "--stdin"], in: box.path, input: "dos\n").out.trimmingCharacters(in: .whitespacesAndNewlines)
        let sub = try Sandbox.git(["mktree"], in: box.path, input: "100644 blob \(one)\tx\n").out.trimmingCharacters(in: .whitespacesAndNewlines)
        let sorted = (0..<64).map { (mode: "100644", name: String(format: "E-%03d", $0), id: $0 % 2 == 0 ? one : two) }
        var variants = [sorted]
        var v = sorted; v.swapAt(10, 50); variants.append(v)                                  // out of order
        v = sorted; v.swapAt(20, 21); v[21].id = two; variants.append(v)
        v = sorted; v.insert((mode: "100644", name: "E-030", id: two), at: 31); variants.append(v)   // a name twice
        v = sorted; v[30] = (mode: "040000", name: "E-030", id: sub); variants.append(v)       // six digits for a folder
        v = sorted; v[0] = (mode: "040000", name: "E-000", id: sub); variants.append(v)
        v = sorted; v.append((mode: "100644", name: "A-fuera-de-orden", id: one)); variants.append(v)
        v = sorted; v.insert((mode: "100644", name: "Z-fuera-de-orden", id: one), at: 0); variants.append(v)
        v = sorted; v[63].id = two; v[62].id = one; variants.append(v)
        let trees = try variants.map(rawTree)
        let repo = try Repository.at(box.path)
        for a in trees {
            for b in trees where a != b {
                let ta = try repo.tree(try #require(OID(hex: a))), tb = try repo.tree(try #require(OID(hex: b)))
                defer { git_tree_free(ta); git_tree_free(tb) }
                #expect(repo.differingEntries(ta, tb) == repo.differingEntries(ta, tb, fromBytes: false), "\(a) -> \(b)")
            }
        }
        #expect(repo.comparisons.madeFromBytes > 0)
    }

    @Test("a folder's changes name each entry once with its kind on either side: a folder turned into a file of the same name is one change, a name twice in a crafted tree is neither file nor folder")
    func entryChangesNameEachEntryOnce() throws {
        _ = try Sandbox.gitOut(["init", "-q", "-b", "main"], in: box.path)
        let one = try Sandbox.git(["hash-object", "-w", "--stdin"], in: box.path, input: "uno\n").out.trimmingCharacters(in: .whitespacesAndNewlines)
        let sub = try Sandbox.git(["mktree"], in: box.path, input: "100644 blob \(one)\tx\n").out.trimmingCharacters(in: .whitespacesAndNewlines)
        func mktree(_ input: String) throws -> String {
            try Sandbox.git(["mktree"], in: box.path, input: input).out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func commit(_ tree: String) throws -> OID {
            try #require(OID(hex: try Sandbox.gitOut(["commit-tree", tree, "-m", "x"], in: box.path)))
        }
        let base = try commit(try mktree("040000 tree \(sub)\tC\n100644 blob \(one)\ta.txt\n"))
        // C a file now; a link and a submodule added beside it.
        let changed = try commit(try mktree("100644 blob \(one)\tC\n100644 blob \(one)\ta.txt\n120000 blob \(one)\tl\n160000 commit \(base.hex)\ts\n"))
        // C twice: the folder as it was, and a file.
        let twice = try commit(try rawTree([(mode: "100644", name: "C", id: one), (mode: "40000", name: "C", id: sub), (mode: "100644", name: "a.txt", id: one)]))
        let repo = try Repository.at(box.path)
        #expect(try repo.entryChanges(at: "", from: base, to: changed) == [
            EntryChange(name: "C", old: .tree, new: .blob), EntryChange(name: "l", old: nil, new: .blob), EntryChange(name: "s", old: nil, new: .other),
        ])
        #expect(try repo.entryChanges(at: "", from: changed, to: base) == [
            EntryChange(name: "C", old: .blob, new: .tree), EntryChange(name: "l", old: .blob, new: nil), EntryChange(name: "s", old: .other, new: nil),
        ])
        #expect(try repo.changedEntries(at: "", from: base, to: changed) == ["C", "l", "s"])
        #expect(try repo.entryChanges(at: "", from: base, to: changed).allSatisfy { !$0.isFolderThroughout })
        #expect(try repo.entryChanges(at: "", from: nil, to: base) == [EntryChange(name: "C", old: nil, new: .tree), EntryChange(name: "a.txt", old: nil, new: .blob)])
        #expect(try repo.entryChanges(at: "", from: nil, to: base).map(\.isFolderThroughout) == [true, false])
        let crafted = try repo.entryChanges(at: "", from: base, to: twice)
        #expect(crafted.map { $0.name } == ["C"] && !crafted[0].isFolderThroughout, "\(crafted)")
        // C twice, both versions other than the one before: both differ, and the name is said repeated.
        let other = try mktree("100644 blob \(one)\ty\n")
        let twiceChanged = try commit(try rawTree([(mode: "100644", name: "C", id: one), (mode: "40000", name: "C", id: other), (mode: "100644", name: "a.txt", id: one)]))
        #expect(try repo.entryChanges(at: "", from: base, to: twiceChanged) == [EntryChange(name: "C", old: .tree, new: .other, repeated: true)])
        #expect(try !repo.entryChanges(at: "", from: base, to: changed).contains { $0.repeated })
        // From it, the folder taken out and the file left as it was: the folder's removal.
        #expect(try repo.entryChanges(at: "", from: twice, to: changed) == [
            EntryChange(name: "C", old: .tree, new: nil), EntryChange(name: "l", old: nil, new: .blob), EntryChange(name: "s", old: nil, new: .other),
        ])
    }

    /// A tree's entries, written byte by byte by `rawTree`.
    typealias Entries = [(mode: String, name: String, id: String)]

    @Test("a new folder malformed beside a changed or added entry (a name twice: identical copies, the parent's entry first and a new one second; a file and a folder of one name, side by side or apart; an entry out of git's order) says that name repeated, in a small folder and in a large one with the copy at an edge of the region compared from the bytes; a later commit that leaves it as it was does not")
    func malformedNewFoldersAreSaidRepeated() throws {
        _ = try Sandbox.gitOut(["init", "-q", "-b", "main"], in: box.path)
        func blob(_ text: String) throws -> String {
            try Sandbox.git(["hash-object", "-w", "--stdin"], in: box.path, input: text).out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let one = try blob("uno\n"), two = try blob("dos\n"), three = try blob("tres\n")
        let sub = try Sandbox.git(["mktree"], in: box.path, input: "100644 blob \(one)\tx\n").out.trimmingCharacters(in: .whitespacesAndNewlines)
        let repo = try Repository.at(box.path)
        func commit(_ tree: String) throws -> OID {
            try #require(OID(hex: try Sandbox.gitOut(["commit-tree", tree, "-m", "x"], in: box.path)))
        }
        /// From `old` to `new`: the bytes' answer (taken from the bytes or not, as `fromBytes` says)
        /// is every entry's merge, and exactly the names `repeated` are said repeated.
        func check(_ label: String, _ old: Entries, _ new: Entries, repeated: Set<String>, fromBytes: Bool,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
            let a = try rawTree(old), b = try rawTree(new)
            let ta = try repo.tree(try #require(OID(hex: a))), tb = try repo.tree(try #require(OID(hex: b)))
            defer { git_tree_free(ta); git_tree_free(tb) }
            let before = repo.comparisons.madeFromBytes
            #expect(repo.differingEntries(ta, tb) == repo.differingEntries(ta, tb, fromBytes: false), "\(label)", sourceLocation: sourceLocation)
            #expect((repo.comparisons.madeFromBytes > before) == fromBytes, "\(label): from the bytes", sourceLocation: sourceLocation)
            let changes = try repo.entryChanges(at: "", from: commit(a), to: commit(b))
            #expect(Set(changes.filter(\.repeated).map(\.name)) == repeated, "\(label): \(changes)", sourceLocation: sourceLocation)
        }

        // A small folder (a top folder): every entry merged.
        let top: Entries = [("40000", "cases", sub), ("100644", "folio.yaml", one), ("100644", "roles.yaml", one), ("40000", "schemas", sub)]
        func small(_ change: (inout Entries) -> Void) -> Entries { var v = top; change(&v); return v }
        try check("(a) small: the same roles.yaml twice", top, small { $0.insert($0[2], at: 3) }, repeated: ["roles.yaml"], fromBytes: false)
        try check("(b) small: the parent's roles.yaml, then a new one", top, small { $0.insert(("100644", "roles.yaml", two), at: 3) },
                  repeated: ["roles.yaml"], fromBytes: false)
        try check("(b) small: a new roles.yaml, then the parent's", top, small { $0.insert(("100644", "roles.yaml", two), at: 2) },
                  repeated: ["roles.yaml"], fromBytes: false)
        try check("(c) small: folio.yaml after roles.yaml", top, small { $0.swapAt(1, 2) }, repeated: ["folio.yaml"], fromBytes: false)
        try check("(d) small: a file cases before the folder", top, small { $0.insert(("100644", "cases", one), at: 0) },
                  repeated: ["cases"], fromBytes: false)
        try check("(d) small: a file cases, cases.txt, the folder", top,
                  small { $0.insert(contentsOf: [("100644", "cases", one), ("100644", "cases.txt", one)] as Entries, at: 0) }, repeated: ["cases"], fromBytes: false)
        try check("(d) small: the folder cases, then a file", top, small { $0.insert(("100644", "cases", one), at: 1) },
                  repeated: ["cases"], fromBytes: false)
        try check("(a) small, from nothing", [], small { $0.insert($0[2], at: 3) }, repeated: ["roles.yaml"], fromBytes: false)

        // A large folder (a year folder): the region between the bytes shared at both ends is merged,
        // and a copy lies at its start (its other copy just before the region) or at its end (just after).
        let year: Entries = (0..<64).map { ("100644", String(format: "E-%03d", $0), $0 % 2 == 0 ? one : two) }
        #expect(year.count >= RawTree.smallest)
        func large(_ base: Entries = year, _ change: (inout Entries) -> Void) -> Entries { var v = base; change(&v); return v }
        try check("(a) large: the same E-030 twice", year, large { $0.insert($0[30], at: 31) }, repeated: ["E-030"], fromBytes: true)
        try check("(a) large: the first entry twice", year, large { $0.insert($0[0], at: 1) }, repeated: ["E-000"], fromBytes: true)
        try check("(a) large: the last entry twice", year, large { $0.append($0[63]) }, repeated: ["E-063"], fromBytes: true)
        try check("(b) large: the parent's E-030, then a new one", year, large { $0.insert(("100644", "E-030", three), at: 31) },
                  repeated: ["E-030"], fromBytes: true)
        // A copy in the region and the other just after it: the region's last entry does not sort
        // before the first shared one, so every entry is merged (RawTree.differingRegion).
        try check("(b) large: a new E-030, then the parent's", year, large { $0.insert(("100644", "E-030", three), at: 30) },
                  repeated: ["E-030"], fromBytes: false)
        try check("(c) large: E-040 and E-041 swapped", year, large { $0.swapAt(40, 41) }, repeated: ["E-040"], fromBytes: true)
        try check("(c) large: E-035a after E-040", year, large { $0.insert(("100644", "E-035a", one), at: 41) }, repeated: ["E-035a"], fromBytes: true)
        // Out of order against the first shared entry at the end: every entry is merged too.
        try check("(c) large: E-045a after E-040", year, large { $0.insert(("100644", "E-045a", one), at: 41) },
                  repeated: ["E-045a", "E-041"], fromBytes: false)
        try check("(d) large: a folder E-030 after the file", year, large { $0.insert(("40000", "E-030", sub), at: 31) },
                  repeated: ["E-030"], fromBytes: true)
        let withFolder = large { $0[30] = ("40000", "E-030", sub) }
        // The file and the folder apart, the folder just after the region: found from the file on.
        try check("(d) large: a file E-030 and E-030-x before the parent's folder E-030", withFolder,
                  large(withFolder) { $0.insert(contentsOf: [("100644", "E-030", one), ("100644", "E-030-x", one)] as Entries, at: 30) },
                  repeated: ["E-030"], fromBytes: true)
        try check("(d) large: a file E-030 after the parent's folder E-030", withFolder, large(withFolder) { $0.insert(("100644", "E-030", one), at: 31) },
                  repeated: ["E-030"], fromBytes: true)

        // A commit on top of a malformed folder that changes another entry: the malformation is the
        // parent's (its commit's finding), not this one's.
        let twice = large { $0.insert(("100644", "E-030", three), at: 31) }
        try check("(b) large, left as it was", twice, large(twice) { $0[60].id = three }, repeated: [], fromBytes: true)
        let swapped = small { $0.swapAt(1, 2) }
        try check("(c) small, left as it was", swapped, large(swapped) { $0[3].id = one }, repeated: [], fromBytes: false)
    }
}
