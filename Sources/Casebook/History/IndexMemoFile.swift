import Foundation
import GitStore

/// `.git/folio/indice.cache`: the tree of the index as a step last found or left it, by the
/// index's checksum (`IndexTreeMemo`), so that the next step's check that nothing is staged
/// outside its case does not hash every folder of the index again.
///
/// One line, `folio indice 1 <checksum> <tree>`. Disposable: missing, damaged or of another
/// index, it is not used and the tree is hashed as before. It decides nothing a commit holds: a
/// step takes its case's files from the index and the rest from the parent, whatever this says;
/// what it spares is the refusal of a step while something else is staged.
enum IndexMemoFile {
    static func path(_ repository: Repository) -> String { FolioFolder.path(repository) + "/indice.cache" }

    static func read(_ repository: Repository) -> IndexTreeMemo? {
        // One short line: a larger file is not read whole (helper120: a sparse 2 GB one took 2 GB).
        guard let handle = CacheFile.handle(path(repository)),
              let data = try? handle.read(upToCount: 128), data.count < 128 else { return nil }
        let words = String(decoding: data, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false)
        guard words.count == 5, words[0] == "folio", words[1] == "indice", words[2] == "1", words[4].hasSuffix("\n"),
              words[3].utf8.count == 40, words[4].utf8.count == 41,
              let checksum = OID(hex: String(words[3])), let tree = OID(hex: String(words[4].dropLast())) else { return nil }
        return IndexTreeMemo(checksum: checksum, tree: tree)
    }

    static func write(_ memo: IndexTreeMemo, _ repository: Repository) {
        guard FolioFolder.prepare(FolioFolder.path(repository)) else { return }
        _ = CacheFile.replace(path(repository), with: Data("folio indice 1 \(memo.checksum.hex) \(memo.tree.hex)\n".utf8))
    }
}
