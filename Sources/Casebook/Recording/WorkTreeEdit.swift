import Foundation
import GitStore

/// Files folio writes into the work tree for one command, undone if the command is refused.
///
/// Each write goes to a temporary file in the same folder and is renamed into place, so no
/// half-written file is ever visible; `rollback()` puts back what was there before.
final class WorkTreeEdit {
    private let root: String
    /// Where files are written before they are renamed into place (`.git/folio/tmp`): a folio
    /// killed half-way never leaves a stray file in a case folder to be committed later.
    private let scratch: String
    private var originals: [(path: String, data: Data?)] = []
    private var createdDirectories: [String] = []
    /// Files renamed in place (`move`), undone by renaming them back.
    private var moves: [(from: String, to: String)] = []

    /// Whether `scratch` and its folder were found to be real folders (`FolioFolder`).
    private var scratchReady = false

    init(root: String, scratch: String) {
        self.root = root
        self.scratch = scratch
    }

    /// A new temporary file's path in `scratch`, created with its folder on first use; refused
    /// when `.git/folio` or its `tmp` is a link or a file (a document is never written outside first).
    private func temporaryPath() throws -> String {
        if !scratchReady {
            try FolioFolder.require([(scratch as NSString).deletingLastPathComponent, scratch])
            scratchReady = true
        }
        return "\(scratch)/\(getpid())-\(UUID().uuidString)"
    }

    /// Writes `data` at `path` (relative to the work tree).
    func write(_ data: Data, to path: String) throws {
        try refuseLinks(in: path)
        let full = root + "/" + path
        remember(path: path, full: full)
        try makeParent(of: path)
        let temp = try temporaryPath()
        guard FileManager.default.createFile(atPath: temp, contents: data) else {
            throw CasebookError.fileSystem(path: path, action: "escribir", reason: SystemError.explain(errno))
        }
        guard rename(temp, full) == 0 else {
            unlink(temp)
            throw CasebookError.fileSystem(path: path, action: "escribir", reason: SystemError.explain(errno))
        }
    }

    /// Copies the file at `source` (any path) to `path` (relative to the work tree).
    func copy(from source: String, to path: String) throws {
        guard let data = FileManager.default.contents(atPath: source) else {
            throw CasebookError.attachmentMissing(source)
        }
        try write(data, to: path)
    }

    /// Copies a new file (never over an existing one) in chunks, hashing it on the way.
    func copyStreaming(from source: String, to path: String) throws -> (sha256: String, size: Int64) {
        try refuseLinks(in: path)
        let full = root + "/" + path
        guard !FileManager.default.fileExists(atPath: full) else {
            throw CasebookError.invalidFile(file: path, reason: "ya existe", fix: "Un documento archivado no se sobrescribe.")
        }
        remember(path: path, full: full)
        try makeParent(of: path)
        let temp = try temporaryPath()
        do {
            let result = try Digest.copy(from: source, to: temp)
            guard rename(temp, full) == 0 else { throw CasebookError.fileSystem(path: path, action: "escribir", reason: SystemError.explain(errno)) }
            return result
        } catch {
            unlink(temp)
            throw error
        }
    }

    /// Renames the file at `path` to `newPath` in the same folder tree (never over a file).
    func move(_ path: String, to newPath: String) throws {
        try refuseLinks(in: path)
        try refuseLinks(in: newPath)
        guard !FileManager.default.fileExists(atPath: root + "/" + newPath) else {
            throw CasebookError.invalidFile(file: newPath, reason: "ya existe", fix: "Un documento archivado no se sobrescribe.")
        }
        try makeParent(of: newPath)
        guard rename(root + "/" + path, root + "/" + newPath) == 0 else {
            throw CasebookError.fileSystem(path: path, action: "renombrar", reason: SystemError.explain(errno))
        }
        moves.append((path, newPath))
    }

    /// Undoes every write and rename, newest first, and removes the folders this edit created.
    func rollback() {
        let fm = FileManager.default
        for (path, data) in originals.reversed() {
            let full = root + "/" + path
            if let data { _ = fm.createFile(atPath: full, contents: data) } else { try? fm.removeItem(atPath: full) }
        }
        for (from, to) in moves.reversed() { _ = rename(root + "/" + to, root + "/" + from) }
        moves.removeAll()
        for dir in createdDirectories.reversed() { rmdir(root + "/" + dir) }
        originals.removeAll()
        createdDirectories.removeAll()
    }

    /// Refuses a path of which any folder (or the file itself) is a symbolic link: folio never
    /// writes through a link, which could lead outside the repository (a link committed by
    /// someone else, `cases/2027 -> /elsewhere`). The path is checked one component at a time.
    func refuseLinks(in path: String) throws {
        var current = root
        for part in GitPath.components(path) {
            guard part != "..", part != "." else {
                throw CasebookError.invalidFile(file: path, reason: "la ruta sale de la carpeta del expediente", fix: "Use un nombre de archivo simple.")
            }
            current += "/" + part
            var info = stat()
            guard lstat(current, &info) == 0 else { return }
            if info.st_mode & S_IFMT == S_IFLNK {
                let relative = GitPath.relative(current, to: root) ?? current
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: current)).map { " (apunta a \($0))" } ?? ""
                throw CasebookError.invalidFile(file: relative, reason: "es un enlace simbólico\(target): folio no escribe a través de enlaces",
                                                fix: "Quite el enlace ('git rm \(relative)') y restaure la carpeta o el archivo; 'folio verify' señala el commit que lo agregó.")
            }
        }
    }

    private func remember(path: String, full: String) {
        guard !originals.contains(where: { $0.path == path }) else { return }
        // Only small files are kept for restoring; a new archived document has no original.
        originals.append((path, FileManager.default.fileExists(atPath: full) ? FileManager.default.contents(atPath: full) : nil))
    }

    private func makeParent(of path: String) throws {
        var parts = Array(GitPath.components(path).dropLast())
        var missing: [String] = []
        while !parts.isEmpty {
            let dir = parts.joined(separator: "/")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + dir, isDirectory: &isDir) { break }
            missing.append(dir)
            parts.removeLast()
        }
        for dir in missing.reversed() {
            try FileManager.default.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: false)
            createdDirectories.append(dir)
        }
    }
}
