import Foundation

/// Runs a program that libgit2 cannot stand in for (`ssh-keygen`, `ssh-add`): found on `PATH`,
/// fed `input` on stdin, its output collected. Never used for git itself.
enum ExternalTool {
    struct Result {
        var status: Int32
        var out: Data
        var err: String
    }

    static func path(of name: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return (dirs + ["/usr/bin", "/bin"]).map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ name: String, _ arguments: [String], input: Data = Data()) throws -> Result {
        guard let executable = path(of: name) else {
            throw CasebookError.missingProgram(name: name, package: "openssh-client")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        // Not waitUntilExit: on Linux it polls the run loop every 50 ms, which was half the time
        // of a signed step; the handler is called as soon as the child is reaped.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        exited.wait()
        return Result(status: process.terminationStatus, out: out, err: String(decoding: errData, as: UTF8.self))
    }
}

/// A private temporary folder, removed when dropped.
final class TemporaryFolder {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "folio-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CasebookError.fileSystem(path: NSTemporaryDirectory(), action: "crear una carpeta temporal en", reason: SystemError.explain(errno))
        }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ text: String, _ name: String) throws -> String {
        let file = "\(path)/\(name)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// The system's reasons for a failed write, said in Spanish with what to do.
enum SystemError {
    static func explain(_ code: Int32) -> String {
        switch code {
        case EROFS: return "el sistema de archivos es de solo lectura; trabaje en un clon donde pueda escribir"
        case ENOSPC, EDQUOT: return "no queda espacio en el disco; libere espacio y vuelva a intentarlo"
        case EFBIG: return "el archivo supera el tamaño máximo permitido (límite de archivo o disco lleno)"
        case EACCES, EPERM: return "no tiene permiso de escritura en esa carpeta"
        default: return String(cString: strerror(code))
        }
    }
}
