import Crypto
import Foundation

/// Checks an ssh server's host key against `~/.ssh/known_hosts` (and `/etc/ssh/ssh_known_hosts`),
/// as OpenSSH does: plain, `[host]:port` and hashed (`|1|salt|hash`) names, `@revoked` keys.
/// libgit2 1.5 connects to any server; folio refuses an unknown or changed key and says how to
/// confirm it.
enum KnownHosts {
    /// Host and port of an ssh remote (`ssh://[user@]host[:port]/path` or `user@host:path`); nil otherwise.
    static func endpoint(_ url: String) -> (host: String, port: Int)? {
        if url.hasPrefix("ssh://") || url.hasPrefix("git+ssh://") || url.hasPrefix("ssh+git://") {
            guard let components = URLComponents(string: url.replacingOccurrences(of: "git+ssh://", with: "ssh://")
                .replacingOccurrences(of: "ssh+git://", with: "ssh://")), let host = components.host else { return nil }
            return (host, components.port ?? 22)
        }
        // scp-like syntax: [user@]host:path, with no '/' before the ':'.
        guard !url.contains("://"), let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/") else { return nil }
        let authority = url[..<colon]
        let host = authority.split(separator: "@").last.map(String.init) ?? String(authority)
        return host.isEmpty ? nil : (host, 22)
    }

    /// The files consulted: the user's and the system's.
    static var files: [String] {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return [home + "/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts"]
    }

    /// nil when `key` (the raw wire-format blob) is the known key of host:port; a Spanish refusal otherwise.
    static func check(host: String, port: Int, key: Data, files: [String] = KnownHosts.files) -> String? {
        let name = port == 22 ? host : "[\(host)]:\(port)"
        let encoded = key.base64EncodedString()
        let fingerprint = SSHKey.fingerprint(blob: key)
        var known: [(file: String, line: Int)] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            for (index, raw) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                var fields = raw.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                guard let first = fields.first, !first.hasPrefix("#") else { continue }
                var revoked = false
                if first.hasPrefix("@") {
                    guard first == "@revoked" else { continue }
                    revoked = true
                    fields.removeFirst()
                }
                guard fields.count >= 3, matches(name, patterns: fields[0]) else { continue }
                if fields[2] == encoded {
                    if revoked {
                        return "la clave de host de \(name) (\(fingerprint)) está marcada @revoked en \(file), línea \(index + 1): "
                            + "folio no se conecta. Pida al administrador la clave nueva del servidor."
                    }
                    return nil
                }
                if !revoked { known.append((file, index + 1)) }
            }
        }
        let port = port == 22 ? "" : "-p \(port) "
        if let where_ = known.first {
            return "la clave de host de \(name) CAMBIÓ: el servidor presenta \(fingerprint), que no es la registrada en \(where_.file) "
                + "(línea \(where_.line)). Puede ser otro servidor haciéndose pasar por el compartido: no se envió ni se trajo nada. "
                + "Confirme la huella nueva con el administrador; si es correcta, quite la vieja con 'ssh-keygen -R \"\(name)\"' "
                + "y agréguela con 'ssh-keyscan \(port)\(host) >> ~/.ssh/known_hosts' (o conéctese una vez con 'ssh \(port)\(host)')."
        }
        return "el servidor \(name) no está en ~/.ssh/known_hosts: folio no se conecta a un servidor cuya clave no conoce "
            + "(presenta \(fingerprint)). Confirme esa huella con el administrador y agréguela con "
            + "'ssh-keyscan \(port)\(host) >> ~/.ssh/known_hosts' (o conéctese una vez con 'ssh \(port)\(host)' y acepte la clave)."
    }

    /// Whether `name` matches a known_hosts host field (comma-separated names, globs, hashed names).
    static func matches(_ name: String, patterns: String) -> Bool {
        if patterns.hasPrefix("|1|") {
            let parts = patterns.split(separator: "|")
            guard parts.count == 3, let salt = Data(base64Encoded: String(parts[1])), let hash = Data(base64Encoded: String(parts[2])) else {
                return false
            }
            let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(name.utf8), using: SymmetricKey(data: salt))
            return Data(mac) == hash
        }
        var matched = false
        for pattern in patterns.split(separator: ",").map(String.init) {
            if pattern.hasPrefix("!") {
                if glob(Substring(pattern.dropFirst()), Substring(name)) { return false }
            } else if glob(Substring(pattern), Substring(name)) {
                matched = true
            }
        }
        return matched
    }

    /// OpenSSH's patterns: `*` any run of characters, `?` one character, everything else literal
    /// (so `[host]:port` is a plain name, not a character class).
    static func glob(_ pattern: Substring, _ name: Substring) -> Bool {
        guard let p = pattern.first else { return name.isEmpty }
        if p == "*" {
            var rest = name
            while true {
                if glob(pattern.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let n = name.first, p == "?" || p.lowercased() == n.lowercased() else { return false }
        return glob(pattern.dropFirst(), name.dropFirst())
    }
}
