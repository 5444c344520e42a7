import Casebook
import Foundation
import GitStore

/// The files of one case folder as committed at a HEAD, read through libgit2 (works on a bare
/// repository): paths inside the case, with their blob ids.
struct CaseFiles {
    struct File {
        var path: String
        var blob: OID
    }

    let book: Casebook
    let head: OID
    let folder: String

    /// Every file of the case, depth first, sorted by path.
    func list() throws -> [File] {
        var files: [File] = []
        func walk(_ relative: String) throws {
            let full = relative.isEmpty ? folder : "\(folder)/\(relative)"
            for entry in try book.repository.entries(at: full, in: head) {
                let path = relative.isEmpty ? entry.name : "\(relative)/\(entry.name)"
                switch entry.kind {
                case .tree: try walk(path)
                case .blob: files.append(File(path: path, blob: entry.id))
                case .other: continue
                }
            }
        }
        try walk("")
        return files.sorted { $0.path < $1.path }
    }

    func data(_ file: File) throws -> Data { try book.repository.blob(file.blob) }
}
