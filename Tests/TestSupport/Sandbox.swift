import Foundation

/// What a command printed and how it ended.
public struct Run: Sendable {
    public var out: String
    public var err: String
    public var status: Int32
    public var ok: Bool { status == 0 }
}

/// A temporary folder for one test, removed when the test drops it.
public final class Sandbox: @unchecked Sendable {
    public let path: String

    public init() {
        var template = Array((NSTemporaryDirectory() + "folio-test-XXXXXX").utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The project's top-level folder (where `schemas/` and `Package.swift` are).
    public static let projectRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    public static var schemas: String { projectRoot + "/schemas" }

    /// The environment every command runs in: no global git configuration, a fixed identity
    /// for plain git commits, and the clock folio reads.
    public static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_AUTHOR_NAME"] = env["GIT_AUTHOR_NAME"] ?? "Prueba"
        env["GIT_AUTHOR_EMAIL"] = env["GIT_AUTHOR_EMAIL"] ?? "prueba@example.org"
        env["GIT_COMMITTER_NAME"] = "Prueba"
        env["GIT_COMMITTER_EMAIL"] = "prueba@example.org"
        env["FOLIO_SCHEMAS"] = schemas
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// Runs `executable` with `arguments` in `directory`, feeding `input` on stdin.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], in directory: String,
                           env: [String: String] = [:], input: String? = nil) throws -> Run {
        let r = try runBytes(executable, arguments, in: directory, env: env, input: input.map { Data($0.utf8) })
        return Run(out: String(decoding: r.out, as: UTF8.self), err: r.err, status: r.status)
    }

    /// The same with bytes in and out (signatures, binary files). The input goes through a file,
    /// so a large input cannot block against the child's output.
    public static func runBytes(_ executable: String, _ arguments: [String], in directory: String,
                                env: [String: String] = [:], input: Data? = nil) throws -> (status: Int32, out: Data, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment(env)
        let inputFile = NSTemporaryDirectory() + "/folio-entrada-\(UUID().uuidString)"
        try (input ?? Data()).write(to: URL(fileURLWithPath: inputFile))
        defer { try? FileManager.default.removeItem(atPath: inputFile) }
        process.standardInput = FileHandle(forReadingAtPath: inputFile)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, outData, String(decoding: errData, as: UTF8.self))
    }

    /// Runs the git command line in `directory`.
    @discardableResult
    public static func git(_ arguments: [String], in directory: String, env: [String: String] = [:], input: String? = nil) throws -> Run {
        try run("/usr/bin/git", arguments, in: directory, env: env, input: input)
    }

    /// git's output, trimmed; fails the caller with git's message when git fails.
    public static func gitOut(_ arguments: [String], in directory: String, env: [String: String] = [:]) throws -> String {
        let r = try git(arguments, in: directory, env: env)
        guard r.ok else { throw SandboxError.commandFailed("git \(arguments.joined(separator: " ")): \(r.err)") }
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func write(_ text: String, to relative: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
}

public enum SandboxError: Error {
    case commandFailed(String)
}

extension Sandbox {
    /// A new ed25519 key pair without passphrase in this sandbox: the private key's path and the
    /// public key's line.
    public func sshKey(_ name: String) throws -> (path: String, publicKey: String) {
        let path = self.path + "/claves/\(name)"
        try FileManager.default.createDirectory(atPath: self.path + "/claves", withIntermediateDirectories: true)
        let r = try Sandbox.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path], in: self.path)
        guard r.ok else { throw SandboxError.commandFailed("ssh-keygen: \(r.err)") }
        let pub = try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return (path, pub)
    }
}
