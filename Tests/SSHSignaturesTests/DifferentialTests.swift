import Crypto
import _CryptoExtras
import Foundation
import SSHSignatures
import Testing
import TestSupport

/// The in-process verifier against `ssh-keygen -Y verify`, on real signatures and hundreds of
/// damaged ones: the same verdict everywhere, except the few forms where folio is stricter by
/// design (each counted, each accepted by ssh-keygen and refused by folio).
@Suite("SSHSIG in-process against ssh-keygen -Y verify")
struct DifferentialTests {
    /// One input to judge.
    struct Case {
        var label: String
        var armored: [UInt8]
        var message: Data
        var key: String
        var namespace: String
        /// Forms folio refuses on purpose although ssh-keygen accepts them.
        var stricter = false
    }

    /// A valid signature to damage, and a second key of the same type.
    struct Base {
        var name: String
        var armored: [UInt8]
        var message: Data
        var key: String
        var otherKey: String
        /// A genuine signature of the same message by the other key.
        var otherArmored: [UInt8]
        var namespace = "git"
    }

    static let message = Data("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Ana <a@igss.gob.gt> 1700000000 -0600\n\nPaso 02\n".utf8)

    func folio(_ c: Case) -> Bool {
        guard let key = try? SSHPublicKey(openSSH: c.key) else { return false }
        return (try? SSHSignatureVerifier.check(armored: c.armored, message: c.message, key: key, namespace: c.namespace)) != nil
    }

    /// Every damage of one base.
    func mutations(of base: Base, rng: inout Seeded) -> [Case] {
        var cases: [Case] = []
        func add(_ label: String, _ armored: [UInt8], message: Data? = nil, key: String? = nil, namespace: String? = nil, stricter: Bool = false) {
            cases.append(Case(label: "\(base.name): \(label)", armored: armored, message: message ?? base.message, key: key ?? base.key,
                              namespace: namespace ?? base.namespace, stricter: stricter))
        }
        let blob = Armor.unwrap(base.armored)
        let fields = SigFields(blob: blob)
        add("válida", base.armored)
        var noFinalNewline = base.armored
        noFinalNewline.removeLast()
        add("sin salto final", noFinalNewline)
        // Bit flips in the message.
        for _ in 0..<6 {
            var m = [UInt8](base.message)
            let i = Int.random(in: 0..<m.count, using: &rng)
            m[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            add("mensaje bit \(i)", base.armored, message: Data(m))
        }
        add("mensaje + 1 byte", base.armored, message: base.message + Data([0x0a]))
        add("mensaje vacío", base.armored, message: Data())
        // Bit flips in the armor's base64 body.
        let header = "-----BEGIN SSH SIGNATURE-----\n".utf8.count
        let footer = "\n-----END SSH SIGNATURE-----\n".utf8.count
        let bodyPositions = (header..<(base.armored.count - footer)).filter { base.armored[$0] != 0x0a }
        for _ in 0..<14 {
            var a = base.armored
            let i = bodyPositions.randomElement(using: &rng)!
            a[i] ^= 1 << UInt8.random(in: 0..<7, using: &rng)
            add("armadura bit \(i)", a)
        }
        // Bit flips in each field of the blob (its length prefix included).
        for (name, range) in fields.ranges {
            for _ in 0..<3 {
                var b = blob
                let i = Int.random(in: range, using: &rng)
                b[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                // Version 1 flipped to 0: ssh-keygen reads versions up to 1, folio only 1.
                add("campo \(name) bit \(i)", Armor.wrap(b), stricter: b[6..<10].allSatisfy { $0 == 0 })
            }
        }
        // Namespaces.
        add("espacio esperado otro", base.armored, namespace: "folio-expediente")
        add("espacio esperado prefijo", base.armored, namespace: String(base.namespace.dropLast()))
        var ns = fields
        ns.namespace = Array("folio-expediente".utf8)
        add("espacio de la firma cambiado", Armor.wrap(ns.blob))
        // Keys.
        var swapped = fields
        swapped.key = Array(Data(base64Encoded: String(base.otherKey.split(separator: " ")[1]))!)
        add("clave de la firma cambiada, se espera la original", Armor.wrap(swapped.blob))
        add("clave de la firma cambiada, se espera la nueva", Armor.wrap(swapped.blob), key: base.otherKey)
        add("se espera otra clave", base.armored, key: base.otherKey)
        add("firma de otra clave", base.otherArmored)
        add("firma de otra clave, esperada", base.otherArmored, key: base.otherKey)
        // Truncations and extra bytes.
        for _ in 0..<5 {
            let n = Int.random(in: 0..<blob.count, using: &rng)
            add("blob truncado a \(n)", Armor.wrap(Array(blob.prefix(n))))
        }
        for _ in 0..<4 {
            let n = Int.random(in: 0..<base.armored.count - 1, using: &rng)
            add("armadura truncada a \(n)", Array(base.armored.prefix(n)))
        }
        add("blob + 1 byte", Armor.wrap(blob + [0]))
        add("blob + 3 bytes", Armor.wrap(blob + [1, 2, 3]))
        var extraInner = fields
        extraInner.signature += [0]
        add("firma de la clave + 1 byte", Armor.wrap(extraInner.blob))
        var shortInner = fields
        shortInner.signature.removeLast()
        add("firma de la clave - 1 byte", Armor.wrap(shortInner.blob))
        // Hash algorithms.
        for name in ["sha384", "sha1", "md5", "SHA256", "sha256 ", ""] {
            var h = fields
            h.hash = Array(name.utf8)
            add("resumen '\(name)'", Armor.wrap(h.blob))
        }
        var otherHash = fields
        otherHash.hash = Array((String(decoding: fields.hash, as: UTF8.self) == "sha512" ? "sha256" : "sha512").utf8)
        add("resumen cambiado", Armor.wrap(otherHash.blob))
        // Versions, magic.
        var v2 = fields
        v2.version = 2
        add("versión 2", Armor.wrap(v2.blob))
        var magic = fields
        magic.magic = Array("SSHSIH".utf8)
        add("magia", Armor.wrap(magic.blob))
        // Armor forms.
        add("CRLF", Array(String(decoding: base.armored, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8))
        add("sin cabecera", Array(base.armored.dropFirst(header)))
        add("sin pie", Array(base.armored.dropLast(footer)))
        add("cabecera PGP", Array(String(decoding: base.armored, as: UTF8.self).replacingOccurrences(of: "SSH SIGNATURE", with: "PGP SIGNATURE").utf8))
        // Stricter by design: ssh-keygen accepts these, folio refuses them.
        var v0 = fields
        v0.version = 0
        add("versión 0", Armor.wrap(v0.blob), stricter: true)
        var reserved = fields
        reserved.reserved = Array("x".utf8)
        add("reservado no vacío (firma sobre vacío)", Armor.wrap(reserved.blob), stricter: true)
        add("texto tras el pie", base.armored + Array("basura\n".utf8), stricter: true)
        add("espacios en el cuerpo", Array(String(decoding: base.armored, as: UTF8.self)
            .replacingOccurrences(of: "\n-----END", with: " \n-----END").utf8), stricter: true)
        return cases
    }

    @Test("valid signatures of every key type verify, and hundreds of damaged ones get ssh-keygen's verdict")
    func differential() throws {
        let box = Sandbox()
        let folder = box.path
        var bases: [Base] = []
        // What ssh-keygen makes here: ed25519, ecdsa 256/384/521, rsa 2048, with sha512 and sha256 message hashes.
        let kinds: [(String, Int?, String?)] = [("ed25519", nil, nil), ("ed25519", nil, "sha256"), ("ecdsa", 256, nil), ("ecdsa", 384, "sha256"),
                                                ("ecdsa", 521, nil), ("rsa", 2048, "sha256"), ("rsa", 2048, "sha512")]
        for (i, (type, bits, hash)) in kinds.enumerated() {
            let a = try Keygen.key(type, bits: bits, in: folder, name: "a\(i)")
            let b = try Keygen.key(type, bits: bits, in: folder, name: "b\(i)")
            bases.append(Base(name: "\(type)\(bits.map { "-\($0)" } ?? "")/\(hash ?? "sha512")",
                              armored: try Keygen.sign(Self.message, key: a.path, namespace: "git", hash: hash, in: folder),
                              message: Self.message, key: a.line, otherKey: b.line,
                              otherArmored: try Keygen.sign(Self.message, key: b.path, namespace: "git", hash: hash, in: folder)))
        }
        // What ssh-keygen cannot make here, signed in-process: rsa-sha2-256, and the FIDO (sk) types.
        let rsaA = try Keygen.key("rsa", bits: 2048, in: folder, name: "rsa-pem-a", pem: true)
        let rsaB = try Keygen.key("rsa", bits: 2048, in: folder, name: "rsa-pem-b", pem: true)
        func rsa(_ k: (path: String, line: String), _ algorithm: String) throws -> TestSigner {
            .rsa(try _RSA.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: k.path, encoding: .utf8)),
                 publicBlob: Array(Data(base64Encoded: String(k.line.split(separator: " ")[1]))!), algorithm: algorithm)
        }
        let crafted: [(String, TestSigner, TestSigner)] = [
            ("rsa-sha2-256", try rsa(rsaA, "rsa-sha2-256"), try rsa(rsaB, "rsa-sha2-256")),
            ("sk-ed25519", .skEd25519(.init(), application: "ssh:", flags: 1), .skEd25519(.init(), application: "ssh:", flags: 1)),
            ("sk-ecdsa", .skECDSA(.init(), application: "ssh:", flags: 1), .skECDSA(.init(), application: "ssh:", flags: 1)),
        ]
        for (name, a, b) in crafted {
            bases.append(Base(name: name, armored: try a.sshsig(Self.message, namespace: "git"), message: Self.message, key: a.publicLine,
                              otherKey: b.publicLine, otherArmored: try b.sshsig(Self.message, namespace: "git")))
        }
        var rng = Seeded(state: 16)
        var cases = bases.flatMap { mutations(of: $0, rng: &rng) }
        // Signatures ssh-keygen refuses by rule: SHA-1 RSA, and the dossier namespace on a commit.
        let sha1 = try rsa(rsaA, "ssh-rsa")
        cases.append(Case(label: "rsa ssh-rsa (SHA-1)", armored: try sha1.sshsig(Self.message, namespace: "git"), message: Self.message,
                          key: sha1.publicLine, namespace: "git"))
        // sk flags and counters as an authenticator writes them: no user presence, a counter of 0, another application.
        let skNoTouch = TestSigner.skEd25519(.init(), application: "ssh:", flags: 0)
        cases.append(Case(label: "sk-ed25519 sin presencia", armored: try skNoTouch.sshsig(Self.message, namespace: "git", counter: 0),
                          message: Self.message, key: skNoTouch.publicLine, namespace: "git"))
        let skApp = TestSigner.skECDSA(.init(), application: "ssh:folio", flags: 5)
        cases.append(Case(label: "sk-ecdsa otra aplicación", armored: try skApp.sshsig(Self.message, namespace: "git", hash: "sha256"),
                          message: Self.message, key: skApp.publicLine, namespace: "git"))
        // A signature over a non-empty reserved field: ssh-keygen checks over an empty one, so both refuse.
        let ed = TestSigner.ed25519(.init())
        cases.append(Case(label: "ed25519 firmado con reservado", armored: try ed.sshsig(Self.message, namespace: "git", reserved: [1]),
                          message: Self.message, key: ed.publicLine, namespace: "git"))
        cases.append(Case(label: "ed25519 en proceso", armored: try ed.sshsig(Self.message, namespace: "git"),
                          message: Self.message, key: ed.publicLine, namespace: "git"))

        // Judge every case with both, ssh-keygen in four parallel lanes.
        let lanes = 4
        for lane in 0..<lanes { try FileManager.default.createDirectory(atPath: folder + "/lane\(lane)", withIntermediateDirectories: true) }
        nonisolated(unsafe) var keygen = [Bool?](repeating: nil, count: cases.count)
        let snapshot = cases
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for i in stride(from: lane, to: snapshot.count, by: lanes) {
                let c = snapshot[i]
                keygen[i] = try? Keygen.verifies(c.armored, message: c.message, key: c.key, namespace: c.namespace, scratch: folder + "/lane\(lane)")
            }
        }
        var agree = 0, accepted = 0, stricter = 0
        var disagreements: [String] = []
        for (i, c) in cases.enumerated() {
            guard let theirs = keygen[i] else { disagreements.append("\(c.label): ssh-keygen no se pudo ejecutar"); continue }
            let ours = folio(c)
            if c.stricter {
                if theirs && !ours { stricter += 1 } else { disagreements.append("\(c.label) (más estricto): ssh-keygen \(theirs), folio \(ours)") }
            } else if theirs == ours {
                agree += 1
                if ours { accepted += 1 }
            } else {
                disagreements.append("\(c.label): ssh-keygen \(theirs), folio \(ours)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
        #expect(cases.count >= 800, "\(cases.count) cases")
        // Each base's genuine signature, with and without its final newline, the other key's
        // genuine signature when that key is expected, and the five crafted valid ones.
        #expect(accepted == bases.count * 3 + 3, "accepted \(accepted)")
        #expect(stricter >= bases.count * 4 && stricter == cases.filter(\.stricter).count)
        #expect(agree == cases.count - stricter)
    }
}
