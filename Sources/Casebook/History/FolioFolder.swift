import Foundation
import GitStore

/// `.git/folio`, folio's own folder in the repository: the disposable caches, the write lock
/// (`escritura.lock`) and the files a step writes before renaming them into the work tree
/// (`tmp`). folio uses it only when it is a real folder. A symbolic link put in its place (by
/// someone who can write `.git/`) would have every cache read from and written to wherever the
/// link points, and the lock and a step's files with them (attack25): `O_NOFOLLOW` guards each
/// file's own name, not the folders above it, and creating a folder that "already exists"
/// accepts a link. So a casebook that finds something else there reads and writes no cache (a
/// cold run, the same answers), and a command that writes refuses, naming what is there.
enum FolioFolder {
    static func path(_ repository: Repository) -> String { repository.gitdir + "folio" }

    /// What is at `path` in place of a folder, in words (a link, a file), or nil when it is a real
    /// folder or nothing at all (folio creates it).
    static func intruder(at path: String) -> String? {
        guard let (type, words) = kind(at: path) else { return nil }
        return type == S_IFDIR ? nil : words
    }

    /// What is at `path`, without following a link: its type and, in words, what it is (for a
    /// refusal that names it); nil when there is nothing.
    static func kind(at path: String) -> (type: mode_t, words: String)? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return errno == ENOENT ? nil : (0, "algo que no se puede examinar (\(SystemError.explain(errno)))")
        }
        let type = info.st_mode & S_IFMT
        switch type {
        case S_IFDIR: return (type, "una carpeta")
        case S_IFLNK: return (type, "un enlace simbólico a \((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "otra parte")")
        case S_IFREG: return (type, "un archivo")
        default: return (type, "un archivo especial")
        }
    }

    /// Creates `folder` (a cache's folder, `.git/folio` or `.git/folio/tmp`) when missing; true
    /// when it then is a real folder. Cache writers write nothing when false.
    static func prepare(_ folder: String) -> Bool {
        if intruder(at: folder) != nil { return false }
        var info = stat()
        if lstat(folder, &info) != 0 {
            // Only the folders missing are made, each refused again below if a link took its place.
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        return lstat(folder, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// `prepare` for a command that writes: `.git/folio` and then `sub` inside it, each a real
    /// folder, or a refusal naming what is there and how to put it right.
    static func require(_ repository: Repository, _ sub: String? = nil) throws {
        let base = path(repository)
        try require([base] + (sub.map { [base + "/" + $0] } ?? []))
    }

    /// `prepare` of each of `folders`, outermost first, or the refusal for the first that is not
    /// a real folder.
    static func require(_ folders: [String]) throws {
        for folder in folders where !prepare(folder) {
            if let found = intruder(at: folder) { throw CasebookError.folioFolderNotOwn(folder, found: found) }
            throw CasebookError.fileSystem(path: folder, action: "crear la carpeta", reason: SystemError.explain(errno))
        }
    }
}
