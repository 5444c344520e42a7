import CLibGit2
import Foundation

/// A person and a moment, as git records them for author and committer.
public struct Signature: Sendable, Equatable {
    public var name: String
    public var email: String
    public var date: Date
    /// Offset from UTC in minutes (America/Guatemala is -360).
    public var offsetMinutes: Int

    public init(name: String, email: String, date: Date, offsetMinutes: Int) {
        self.name = name
        self.email = email
        self.date = date
        self.offsetMinutes = offsetMinutes
    }

    init(_ sig: UnsafePointer<git_signature>) {
        name = sig.pointee.name.map { String(cString: $0) } ?? ""
        email = sig.pointee.email.map { String(cString: $0) } ?? ""
        date = Date(timeIntervalSince1970: TimeInterval(sig.pointee.when.time))
        offsetMinutes = Int(sig.pointee.when.offset)
    }

    /// Runs `body` with a libgit2 signature built from this value, freed afterwards.
    func withGitSignature<T>(_ body: (UnsafeMutablePointer<git_signature>) throws -> T) throws -> T {
        var sig: UnsafeMutablePointer<git_signature>?
        try check("git_signature_new", git_signature_new(
            &sig, name, email, git_time_t(date.timeIntervalSince1970.rounded(.down)), Int32(offsetMinutes)))
        defer { git_signature_free(sig) }
        return try body(sig!)
    }
}
