import CLibGit2
import Foundation

extension Repository {
    /// Whether the notes reference `ref` points at a commit (libgit2 reads any other object as a
    /// commit and crashes: a notes reference set by hand to a tree or a blob). True when absent.
    private func notesRefHoldsCommit(_ ref: String) throws -> Bool {
        guard let target = try resolve(reference: ref) else { return true }
        var raw = target.raw
        var object: OpaquePointer?
        guard try found("git_object_lookup", git_object_lookup(&object, handle, &raw, GIT_OBJECT_ANY)) else { return false }
        defer { git_object_free(object) }
        return git_object_type(object) == GIT_OBJECT_COMMIT
    }

    /// The note on `commit` in the notes reference `ref`; nil when there is none (or the reference
    /// does not point at a commit).
    public func note(on commit: OID, ref: String) throws -> String? {
        guard try notesRefHoldsCommit(ref) else { return nil }
        var raw = commit.raw
        var note: OpaquePointer?
        guard try found("git_note_read", git_note_read(&note, handle, ref, &raw)) else { return nil }
        defer { git_note_free(note) }
        return git_note_message(note).map { String(cString: $0) }
    }

    /// Every note of `ref`, by the commit it annotates (empty when the reference does not exist or
    /// does not point at a commit).
    public func notes(ref: String) throws -> [OID: String] {
        guard try notesRefHoldsCommit(ref) else { return [:] }
        var iterator: OpaquePointer?
        guard try found("git_note_iterator_new", git_note_iterator_new(&iterator, handle, ref)) else { return [:] }
        defer { git_note_iterator_free(iterator) }
        var result: [OID: String] = [:]
        var blob = git_oid(), annotated = git_oid()
        while true {
            let rc = git_note_next(&blob, &annotated, iterator)
            if rc == GIT_ITEROVER.rawValue { break }
            try check("git_note_next", rc)
            result[OID(annotated)] = String(decoding: try self.blob(OID(blob)), as: UTF8.self)
        }
        return result
    }

    /// Adds `text` as the note of `commit` in `ref` (one commit on the notes reference, by
    /// `author`); an existing note is left as it is and false is returned.
    @discardableResult
    public func addNote(_ text: String, on commit: OID, ref: String, author: Signature) throws -> Bool {
        guard try notesRefHoldsCommit(ref) else {
            throw GitError(function: "git_note_create", code: -1, message: "\(ref) no apunta a un commit")
        }
        if try note(on: commit, ref: ref) != nil { return false }
        var raw = commit.raw
        var out = git_oid()
        try author.withGitSignature { sig in
            _ = try check("git_note_create", git_note_create(&out, handle, ref, sig, sig, &raw, text, 0))
        }
        return true
    }
}
