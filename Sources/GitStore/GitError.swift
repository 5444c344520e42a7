import CLibGit2

/// A failure reported by libgit2, with the function that failed and libgit2's own message.
///
/// Built only by `check(_:_:)`, which reads `git_error_last()` at once (it is thread-local and
/// overwritten by the next failing call).
public struct GitError: Error, CustomStringConvertible, Sendable {
    /// The libgit2 function that failed.
    public let function: String
    /// libgit2's return code (`GIT_ENOTFOUND`, `GIT_ELOCKED`, ...).
    public let code: Int32
    /// libgit2's message for the failure.
    public let message: String

    public var description: String { "\(function): \(message) (código \(code))" }

    /// True when another process holds a lock (index.lock, a reference lock).
    public var isLocked: Bool { code == GIT_ELOCKED.rawValue }
    /// True when a compare-and-swap on a reference found another value.
    public var isModified: Bool { code == GIT_EMODIFIED.rawValue }
    /// The mandatory extension of an index this libgit2 cannot read (`link`: a split index,
    /// `sdir`: a sparse index), nil for any other failure.
    public var unreadableIndexExtension: String? {
        guard let range = message.range(of: "unsupported mandatory extension: '") else { return nil }
        return String(message[range.upperBound...].prefix { $0 != "'" })
    }
}

/// Throws a `GitError` when `rc` is negative.
@discardableResult
func check(_ function: String, _ rc: Int32) throws -> Int32 {
    if rc < 0 {
        let last = git_error_last()
        let text = last.flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "error desconocido"
        throw GitError(function: function, code: rc, message: text)
    }
    return rc
}

/// Calls `body`; GIT_ENOTFOUND becomes `false` (the caller returns nil), other errors throw.
func found(_ function: String, _ rc: Int32) throws -> Bool {
    if rc == GIT_ENOTFOUND.rawValue { return false }
    try check(function, rc)
    return true
}
