import CLibGit2

/// One `Key: value` trailer of a commit message.
public struct Trailer: Sendable, Equatable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

public enum Trailers {
    /// The trailers of `message`, parsed by libgit2 as `git interpret-trailers --parse` does.
    public static func parse(_ message: String) throws -> [Trailer] {
        LibGit2.ensure()
        var array = git_message_trailer_array()
        try check("git_message_trailers", git_message_trailers(&array, message))
        defer { git_message_trailer_array_free(&array) }
        var result: [Trailer] = []
        result.reserveCapacity(array.count)
        for i in 0..<array.count {
            let t = array.trailers[i]
            result.append(Trailer(String(cString: t.key), String(cString: t.value)))
        }
        return result
    }
}
