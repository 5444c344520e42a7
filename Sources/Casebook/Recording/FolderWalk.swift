import Foundation

/// The entries below a folder of the work tree, each as its path relative to that folder, in
/// sorted order, a folder before what it holds. Links are listed, never followed.
///
/// Not `FileManager.enumerator(atPath:)`: it cuts its paths by Swift characters, and for a name
/// that starts with a combining mark (`\u{301}acta.pdf`) directly in the folder it answers the
/// whole absolute path instead of the name.
struct FolderWalk: Sequence, IteratorProtocol {
    struct Entry {
        /// The path below the folder walked (`anexos/acta.pdf`).
        let relative: String
        /// A symbolic link (whatever it points to).
        let isLink: Bool
        /// A folder, or a link to one.
        let isFolder: Bool
    }

    private let base: String
    /// Entries still to give, the next one last.
    private var pending: [String] = []
    /// The folder given last, whose entries come next unless `skipDescendants()` is called.
    private var toOpen: String?

    init(_ folder: String) {
        base = folder
        pending = Self.names(in: folder).reversed()
    }

    /// Leaves out what the folder given last holds.
    mutating func skipDescendants() { toOpen = nil }

    mutating func next() -> Entry? {
        if let folder = toOpen {
            toOpen = nil
            pending += Self.names(in: "\(base)/\(folder)").map { "\(folder)/\($0)" }.reversed()
        }
        guard let relative = pending.popLast() else { return nil }
        let full = "\(base)/\(relative)"
        var info = stat()
        let isLink = lstat(full, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
        var isFolder = info.st_mode & S_IFMT == S_IFDIR
        if isLink { isFolder = stat(full, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR }
        if isFolder && !isLink { toOpen = relative }
        return Entry(relative: relative, isLink: isLink, isFolder: isFolder)
    }

    /// The names in `folder`, sorted (none when it cannot be read).
    private static func names(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}
