import Foundation
import Testing
import TestSupport

/// OpenSSH's server on 127.0.0.1 at a free port, a non-daemon child with its own configuration and
/// host key in a sandbox; stopped (by its own process id) when dropped.
final class SSHServer {
    static let binary = "/usr/sbin/sshd"
    /// sshd is installed (scripts/setup installs Debian's openssh-server) and its privilege
    /// separation folder exists or can be made: otherwise the tests are skipped.
    static let available: Bool = {
        guard FileManager.default.isExecutableFile(atPath: binary) else { return false }
        if getuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        return getuid() != 0 || FileManager.default.fileExists(atPath: "/run/sshd")
    }()

    let dir: String
    let port: Int
    let hostKey: (path: String, publicKey: String)
    private let pid: Int32

    /// Starts sshd accepting `authorizedKey` for the current user; sessions get `env` (the hooks'
    /// `FOLIO`, the clock).
    init(box: Sandbox, authorizedKey: String, env: [String: String]) throws {
        dir = box.path + "/sshd"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let key = dir + "/host_ed25519"
        let made = try Sandbox.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key], in: dir)
        guard made.ok else { throw SandboxError.commandFailed("ssh-keygen: \(made.err)") }
        hostKey = (key, try String(contentsOfFile: key + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        try (authorizedKey + "\n").write(toFile: dir + "/authorized_keys", atomically: true, encoding: .utf8)
        chmod(dir + "/authorized_keys", 0o600)
        let user = String(cString: getpwuid(getuid())!.pointee.pw_name)
        var lastError = ""
        for _ in 0..<5 {
            let candidate = Self.freePort()
            let config = """
                Port \(candidate)
                ListenAddress 127.0.0.1
                HostKey \(key)
                PidFile \(dir)/sshd.pid
                AuthorizedKeysFile \(dir)/authorized_keys
                StrictModes no
                UsePAM no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                PermitRootLogin prohibit-password
                AllowUsers \(user)
                SetEnv \(env.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))

                """
            try config.write(toFile: dir + "/sshd_config", atomically: true, encoding: .utf8)
            // Started through sh and left running in the background: Foundation's Process takes
            // sshd's closing of inherited descriptors for an exit and blocks waiting for it.
            let errFile = dir + "/sshd.log"
            let started = try Sandbox.run("/bin/sh", ["-c", "\(Self.binary) -D -e -f \(dir)/sshd_config </dev/null >/dev/null 2>>\(errFile) & echo $!"],
                                          in: dir)
            guard let pid = Int32(started.out.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw SandboxError.commandFailed("sshd: \(started.err)")
            }
            if Self.waitListening(candidate, pid: pid) {
                port = candidate
                self.pid = pid
                return
            }
            kill(pid, SIGTERM)
            lastError = (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? ""
        }
        throw SandboxError.commandFailed("sshd no arrancó: \(lastError)")
    }

    deinit {
        kill(pid, SIGTERM)
    }

    /// A port the kernel just gave and released.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits up to 10 s for a connection to succeed while the server runs.
    static func waitListening(_ port: Int, pid: Int32) -> Bool {
        for _ in 0..<100 {
            guard kill(pid, 0) == 0 else { return false }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if rc == 0 { return true }
            usleep(100_000)
        }
        return false
    }

    func url(_ path: String) -> String {
        "ssh://\(String(cString: getpwuid(getuid())!.pointee.pw_name))@127.0.0.1:\(port)\(path)"
    }
}

@Suite("A real ssh server: folio sync over ssh://, the hook's refusal reaching the pusher, host keys checked")
struct SSHServerTests {
    @Test("sync over ssh with the signing key; a forged push refused with the hook's message; unknown and changed host keys refused",
          .enabled(if: SSHServer.available, "sshd (openssh-server) no está instalado: scripts/setup lo instala"))
    func overSSH() throws {
        let box = Sandbox()
        let home = box.path + "/casa"
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        let key = try box.sshKey("jefe")
        let serverKey = try box.sshKey("servidor")
        let date = "2026-11-03T09:00:00-06:00"
        // The shared repository, with both hooks and a stamping key.
        let first = box.path + "/inicio"
        func cli(_ args: [String], _ dir: String, _ when: String = date) throws -> Run {
            try Sandbox.run(CLI.binary, args, in: dir, env: ["FOLIO_DATE": when, "HOME": home])
        }
        #expect(try cli(["init", first, "--jefe", "María Rodríguez <mrodriguez@igss.gob.gt>"], box.path, "2026-11-02T09:00:00-06:00").ok)
        _ = try Sandbox.gitOut(["config", "user.email", "mrodriguez@igss.gob.gt"], in: first)
        _ = try Sandbox.gitOut(["config", "user.name", "María Rodríguez"], in: first)
        _ = try Sandbox.gitOut(["config", "user.signingKey", key.path], in: first)
        #expect(try cli(["roles", "key", "mrodriguez", key.publicKey, "--as", "mrodriguez"], first, "2026-11-02T09:10:00-06:00").ok)
        try (try String(contentsOfFile: first + "/folio.yaml", encoding: .utf8) + "clave_servidor: \"\(serverKey.publicKey)\"\n")
            .write(toFile: first + "/folio.yaml", atomically: true, encoding: .utf8)
        _ = try Sandbox.gitOut(["-c", "gpg.format=ssh", "commit", "-q", "-S", "-am", "Clave del servidor", "--author", "María Rodríguez <mrodriguez@igss.gob.gt>"],
                               in: first, env: ["GIT_AUTHOR_DATE": "2026-11-02T09:20:00-06:00", "GIT_COMMITTER_DATE": "2026-11-02T09:20:00-06:00"])
        let bare = box.path + "/compartido.git"
        _ = try Sandbox.gitOut(["clone", "-q", "--bare", first, bare], in: box.path)
        _ = try Sandbox.gitOut(["config", "folio.clave-servidor", serverKey.path], in: bare)
        _ = try Sandbox.gitOut(["config", "folio.fecha-de-ensayo", "true"], in: bare)
        for hook in ["pre-receive", "post-receive"] {
            try FileManager.default.copyItem(atPath: Sandbox.projectRoot + "/scripts/hooks/" + hook, toPath: bare + "/hooks/" + hook)
        }
        let server = try SSHServer(box: box, authorizedKey: key.publicKey, env: ["FOLIO": CLI.binary, "FOLIO_DATE": "2026-11-03T12:00:00-06:00"])
        let knownHosts = home + "/.ssh/known_hosts"
        let sshCommand = "ssh -F /dev/null -i \(key.path) -o IdentitiesOnly=yes -o UserKnownHostsFile=\(knownHosts) -o StrictHostKeyChecking=yes"
        let gitEnv = ["GIT_SSH_COMMAND": sshCommand, "HOME": home]
        let hostLine = "[127.0.0.1]:\(server.port) " + server.hostKey.publicKey.split(separator: " ").prefix(2).joined(separator: " ")

        // The clone, over ssh with git (the host key confirmed once, as an administrator tells staff to).
        try (hostLine + "\n").write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let clone = box.path + "/clon"
        let cloned = try Sandbox.git(["clone", "-q", server.url(bare), clone], in: box.path, env: gitEnv)
        #expect(cloned.ok, "\(cloned.err)")
        _ = try Sandbox.gitOut(["config", "user.email", "mrodriguez@igss.gob.gt"], in: clone)
        _ = try Sandbox.gitOut(["config", "user.name", "María Rodríguez"], in: clone)
        _ = try Sandbox.gitOut(["config", "user.signingKey", key.path], in: clone)

        // folio sync over ssh://, logging in with user.signingKey; the server stamps what it receives.
        #expect(try cli(["new", "7", "--title", "Beca", "--set", "organismo=OISS", "--set", "fortalece_capacidades=true", "--set", "organismo_especializado=true", "--set", "involucra_personal=false"], clone).ok)
        let synced = try cli(["sync"], clone, "2026-11-03T09:30:00-06:00")
        #expect(synced.ok, "\(synced.out)\(synced.err)")
        #expect(synced.out.contains("sellad"), "\(synced.out)")
        #expect(!synced.err.contains("ruta de esta máquina"), "\(synced.err)")
        #expect(try Sandbox.gitOut(["rev-parse", "main"], in: bare) == (try Sandbox.gitOut(["rev-parse", "HEAD"], in: clone)))
        #expect(try cli(["sync"], clone, "2026-11-03T09:40:00-06:00").ok)
        // The new commit, and the one that registered clave_servidor (placed on the server with it, before
        // any hook ran): from the registration on, every commit is stamped; the history before it is not.
        #expect(try Sandbox.gitOut(["notes", "--ref=folio-recepcion", "list"], in: clone).split(separator: "\n").count == 2)

        // A forged, unsigned step in the jefe's name pushed over ssh: the hook's words reach the pusher.
        let msg = "COOP-2026-0001 paso 02\n\nExpediente: COOP-2026-0001\nProcedimiento: 7\nPaso: 02\nRol: jefe\nSigned-off-by: María Rodríguez <mrodriguez@igss.gob.gt>\n"
        _ = try Sandbox.gitOut(["commit", "-q", "--allow-empty", "-m", msg, "--author", "María Rodríguez <mrodriguez@igss.gob.gt>"], in: clone,
                               env: ["GIT_AUTHOR_DATE": "2026-11-03T10:00:00-06:00", "GIT_COMMITTER_DATE": "2026-11-03T10:00:00-06:00"])
        let forged = try Sandbox.gitOut(["rev-parse", "--short=7", "HEAD"], in: clone)
        let before = try Sandbox.gitOut(["rev-parse", "main"], in: bare)
        let push = try Sandbox.git(["push", "origin", "HEAD:main"], in: clone, env: gitEnv)
        #expect(!push.ok && push.err.contains("remote: folio") && push.err.contains(forged) && push.err.contains("[signature]"), "\(push.err)")
        let tag = try Sandbox.git(["push", "origin", "HEAD:refs/tags/v1"], in: clone, env: gitEnv)
        #expect(!tag.ok && tag.err.contains("[referencias]"), "\(tag.err)")
        #expect(try Sandbox.gitOut(["for-each-ref", "--format=%(refname)", "refs/heads", "refs/tags"], in: bare) == "refs/heads/main")
        #expect(try Sandbox.gitOut(["rev-parse", "main"], in: bare) == before)
        _ = try Sandbox.gitOut(["reset", "-q", "--hard", "origin/main"], in: clone)

        // Unknown host: nothing in known_hosts. Changed host key: another key under the same name.
        try "".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let unknown = try cli(["sync"], clone, "2026-11-03T11:00:00-06:00")
        #expect(unknown.status != 0 && unknown.err.contains("no está en ~/.ssh/known_hosts") && unknown.err.contains("ssh-keyscan -p \(server.port) 127.0.0.1"),
                "\(unknown.err)")
        let other = try box.sshKey("otro-host")
        try ("[127.0.0.1]:\(server.port) " + other.publicKey.split(separator: " ").prefix(2).joined(separator: " ") + "\n")
            .write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let changed = try cli(["sync"], clone, "2026-11-03T11:10:00-06:00")
        #expect(changed.status != 0 && changed.err.contains("CAMBIÓ") && changed.err.contains("ssh-keygen -R"), "\(changed.err)")
        // A hashed entry, as ssh-keyscan -H writes it, is recognised.
        let scanned = try Sandbox.run("/usr/bin/ssh-keyscan", ["-H", "-t", "ed25519", "-p", String(server.port), "127.0.0.1"], in: box.path)
        try scanned.out.write(toFile: knownHosts, atomically: true, encoding: .utf8)
        #expect(scanned.out.hasPrefix("|1|"), "\(scanned.out)\(scanned.err)")
        let hashed = try cli(["sync"], clone, "2026-11-03T11:20:00-06:00")
        #expect(hashed.ok, "\(hashed.err)")
    }
}
