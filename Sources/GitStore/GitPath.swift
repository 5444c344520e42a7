/// Paths inside a repository, cut as git cuts them: at the byte `/`.
///
/// Swift's `String` works in characters, and a character can hold a slash with its neighbours: a
/// name ending in U+0600 (a prepended mark) or one starting with U+0301 (a combining accent) joins
/// the slash beside it into one character. `split(separator: "/")`, `hasPrefix(folder + "/")` and
/// `dropFirst(folder.count + 1)` then miss that slash, and folio would read another path than the
/// one git stores. Every path of a tree, an index or an archive is cut here instead.
/// Inlinable: a walk cuts every changed path of every commit, and a generic function of another
/// module is not specialised for `String` otherwise.
public enum GitPath {
    /// The components of `path`, between its slashes (empty ones left out unless `omittingEmpty` is false).
    @inlinable public static func components(_ path: some StringProtocol, omittingEmpty: Bool = true) -> [String] {
        path.utf8.split(separator: slash, omittingEmptySubsequences: omittingEmpty).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The last component of `path` (the name of a file or folder), or `path` itself when it has none.
    @inlinable public static func name(_ path: some StringProtocol) -> String {
        // As `components(path).last`, without cutting the rest: trailing slashes left out, then
        // what follows the last slash (the path itself when it holds nothing but slashes).
        let bytes = Substring(path).utf8
        guard let end = bytes.lastIndex(where: { $0 != slash }) else { return String(path) }
        let upTo = bytes[...end]
        let start = upTo.lastIndex(of: slash).map(bytes.index(after:)) ?? bytes.startIndex
        return String(decoding: bytes[start...end], as: UTF8.self)
    }

    /// What `path` holds below `folder` (`a/b` for `folder/a/b`), or nil when `path` is not inside it.
    @inlinable public static func relative(_ path: some StringProtocol, to folder: some StringProtocol) -> String? {
        let bytes = path.utf8, prefix = folder.utf8
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return nil }
        let rest = bytes.dropFirst(prefix.count)
        guard rest.first == slash else { return nil }
        return String(decoding: rest.dropFirst(), as: UTF8.self)
    }

    /// Whether `path` is inside `folder` (below it, not the folder itself).
    @inlinable public static func isInside(_ path: some StringProtocol, _ folder: some StringProtocol) -> Bool {
        relative(path, to: folder) != nil
    }

    /// Whether `path` is `folder` or inside it.
    @inlinable public static func isWithin(_ path: some StringProtocol, _ folder: some StringProtocol) -> Bool {
        path.utf8.elementsEqual(folder.utf8) || isInside(path, folder)
    }

    /// Whether `path` starts at the root of the file system (its first byte is a slash).
    @inlinable public static func isAbsolute(_ path: some StringProtocol) -> Bool {
        path.utf8.first == slash
    }

    /// Whether a name is hidden (its first byte is a dot): `.\u{301}x` is, though its first
    /// Swift character is not ".".
    @inlinable public static func isHidden(_ name: some StringProtocol) -> Bool {
        name.utf8.first == UInt8(ascii: ".")
    }

    @usableFromInline static let slash = UInt8(ascii: "/")
}
