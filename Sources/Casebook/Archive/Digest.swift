import Crypto
import Foundation
import GitStore

/// SHA-256 of files and data, read in chunks so that a document of tens of megabytes is never
/// held in memory whole.
public enum Digest {
    static let chunk = 1 << 20

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func hex(_ digest: SHA256.Digest) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public static func sha256(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

    /// The SHA-256 of a committed blob, streamed (`Repository.readBlob`).
    static func sha256(ofBlob id: OID, in repository: Repository) throws -> String {
        var hasher = SHA256()
        try repository.readBlob(id) { hasher.update(bufferPointer: $0) }
        return hex(hasher.finalize())
    }

    /// The SHA-256 and size of a file, streamed.
    static func sha256(ofFile path: String) throws -> (sha256: String, size: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CasebookError.attachmentMissing(path) }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let more: Bool = try autoreleasepool {
                guard let data = try handle.read(upToCount: chunk), !data.isEmpty else { return false }
                hasher.update(data: data)
                size += Int64(data.count)
                return true
            }
            if !more { break }
        }
        return (hex(hasher.finalize()), size)
    }

    /// Copies `source` to `destination` in chunks, hashing on the way.
    static func copy(from source: String, to destination: String) throws -> (sha256: String, size: Int64) {
        guard let input = FileHandle(forReadingAtPath: source) else { throw CasebookError.attachmentMissing(source) }
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: destination, contents: nil), let output = FileHandle(forWritingAtPath: destination) else {
            throw CasebookError.fileSystem(path: destination, action: "escribir", reason: SystemError.explain(errno))
        }
        defer { try? output.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let more: Bool = try autoreleasepool {
                guard let data = try input.read(upToCount: chunk), !data.isEmpty else { return false }
                hasher.update(data: data)
                try output.write(contentsOf: data)
                size += Int64(data.count)
                return true
            }
            if !more { break }
        }
        try output.synchronize()
        return (hex(hasher.finalize()), size)
    }
}

#if !canImport(ObjectiveC)
/// Linux has no autorelease pool; the closure just runs.
@inline(__always) func autoreleasepool<T>(invoking body: () throws -> T) rethrows -> T { try body() }
#endif

/// The media type of a document, from its extension.
enum MediaType {
    static let types = [
        "pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xls": "application/vnd.ms-excel", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "doc": "application/msword", "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
        "csv": "text/csv", "md": "text/markdown", "txt": "text/plain", "html": "text/html", "json": "application/json",
        "xml": "application/xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "tif": "image/tiff", "tiff": "image/tiff",
        "zip": "application/zip",
    ]

    static func of(_ name: String) -> String {
        types[(name.split(separator: ".").last.map(String.init) ?? "").lowercased()] ?? "application/octet-stream"
    }
}
