import Crypto
import _CryptoExtras
import Foundation
import SSHSignatures
import Testing

/// The parser refuses malformed input with a typed error, never a crash, and says why.
@Suite("SSHSIG parsing: strict, bounded, typed")
struct ParsingTests {
    let message = Data("mensaje".utf8)

    func valid(hash: String = "sha512") throws -> (signer: TestSigner, armored: [UInt8], key: SSHPublicKey) {
        let signer = TestSigner.ed25519(.init())
        let armored = try signer.sshsig(message, namespace: "git", hash: hash)
        return (signer, armored, try SSHPublicKey(openSSH: signer.publicLine))
    }

    func error(_ body: () throws -> Void) -> SSHSignatureError? {
        do { try body() } catch let e as SSHSignatureError { return e } catch { return nil }
        return nil
    }

    @Test("each refusal has its own error: namespace, key, hash, version, reserved, trailing bytes, RSA SHA-1, small RSA keys")
    func typedErrors() throws {
        let (_, armored, key) = try valid()
        #expect(error { try SSHSignatureVerifier.check(armored: armored, message: message, key: key, namespace: "git") } == nil)
        #expect(error { try SSHSignatureVerifier.check(armored: armored, message: message, key: key, namespace: "folio-expediente") }
            == .namespace(expected: "folio-expediente", found: "git"))
        let other = try SSHPublicKey(openSSH: TestSigner.ed25519(.init()).publicLine)
        #expect(error { try SSHSignatureVerifier.check(armored: armored, message: message, key: other, namespace: "git") } == .keyMismatch)
        #expect(error { try SSHSignatureVerifier.check(armored: armored, message: Data("otro".utf8), key: key, namespace: "git") } == .invalidSignature)
        var fields = SigFields(blob: Armor.unwrap(armored))
        fields.hash = Array("sha1".utf8)
        #expect(error { _ = try SSHSignature(armored: Armor.wrap(fields.blob)) } == .hashAlgorithm("sha1"))
        fields = SigFields(blob: Armor.unwrap(armored))
        fields.version = 2
        #expect(error { _ = try SSHSignature(armored: Armor.wrap(fields.blob)) } == .version(2))
        fields.version = 1
        fields.reserved = [1]
        #expect(error { _ = try SSHSignature(armored: Armor.wrap(fields.blob)) } == .reservedNotEmpty)
        #expect(error { _ = try SSHSignature(armored: Armor.wrap(Armor.unwrap(armored) + [0])) } == .trailingData("firma"))
        #expect(error { _ = try SSHSignature(armored: Array(armored.dropFirst())) } == .armor("falta la línea -----BEGIN SSH SIGNATURE-----"))
        #expect(error { _ = try SSHSignature(armored: [UInt8](repeating: 0x41, count: 70_000)) } == .tooLarge(70_000))
        // An RSA key of 768 bits is refused when it is read, as ssh-keygen refuses it.
        var small = Wire()
        small.string("ssh-rsa"); small.mpint([1, 0, 1]); small.mpint([0xC0] + [UInt8](repeating: 7, count: 95))
        #expect(error { _ = try SSHPublicKey(blob: Data(small.bytes)) } == .rsaKeySize(768))
        // A SHA-1 RSA signature ("ssh-rsa") is refused by name.
        let rsaKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let der = rsaKey.publicKey.pkcs1DERRepresentation
        let (n, e) = try Self.pkcs1(Array(der))
        var blob = Wire()
        blob.string("ssh-rsa"); blob.mpint(e); blob.mpint(n)
        let sha1 = TestSigner.rsa(rsaKey, publicBlob: blob.bytes, algorithm: "ssh-rsa")
        let sha256 = TestSigner.rsa(rsaKey, publicBlob: blob.bytes, algorithm: "rsa-sha2-256")
        let publicKey = try SSHPublicKey(blob: Data(blob.bytes))
        #expect(publicKey.rsaBits == 2048)
        #expect(error { try SSHSignatureVerifier.check(armored: try sha1.sshsig(message, namespace: "git"), message: message, key: publicKey, namespace: "git") }
            == .signatureAlgorithm("ssh-rsa"))
        #expect(error { try SSHSignatureVerifier.check(armored: try sha256.sshsig(message, namespace: "git"), message: message, key: publicKey, namespace: "git") } == nil)
        // A byte-order mark before the namespace is not "git" (Foundation would drop it): refused, as ssh-keygen refuses it.
        fields = SigFields(blob: Armor.unwrap(armored))
        fields.namespace = [0xEF, 0xBB, 0xBF] + Array("git".utf8)
        #expect(error { _ = try SSHSignature(armored: Armor.wrap(fields.blob)) } == .malformed("firma", "espacio"))
        // An ECDSA number padded with zeros past OpenSSH's bound is refused before the zeros are dropped.
        let ec = P256.Signing.PrivateKey()
        var ecKey = Wire()
        ecKey.string("ecdsa-sha2-nistp256"); ecKey.string("nistp256"); ecKey.string(Array(ec.publicKey.x963Representation))
        let ecSigned = Armor.signedData(namespace: "git", hash: "sha512", message: message)
        let raw = Array(try ec.signature(for: ecSigned).rawRepresentation)
        func ecdsaSignature(zeros: Int) -> [UInt8] {
            var inner = Wire()
            inner.string([UInt8](repeating: 0, count: zeros) + [0] + Array(raw[0..<32])); inner.mpint(Array(raw[32..<64]))
            var sig = Wire(); sig.string("ecdsa-sha2-nistp256"); sig.string(inner.bytes)
            return Armor.wrap(SigFields(key: ecKey.bytes, namespace: "git", hash: "sha512", signature: sig.bytes).blob)
        }
        let ecPublic = try SSHPublicKey(blob: Data(ecKey.bytes))
        #expect(error { try SSHSignatureVerifier.check(armored: ecdsaSignature(zeros: 3), message: message, key: ecPublic, namespace: "git") } == nil)
        #expect(error { try SSHSignatureVerifier.check(armored: ecdsaSignature(zeros: 2100), message: message, key: ecPublic, namespace: "git") } != nil)
        // Spanish, for whoever reads it.
        #expect(SSHSignatureError.keyMismatch.description == "la firma la hizo otra clave que la esperada")
    }

    @Test("20,000 random damages of valid signatures of every crafted type never crash and are all refused or valid")
    func fuzz() throws {
        var rng = Seeded(state: 1816)
        let signers: [TestSigner] = [.ed25519(.init()), .skEd25519(.init(), application: "ssh:", flags: 1), .skECDSA(.init(), application: "ssh:", flags: 1)]
        var refused = 0
        for signer in signers {
            let armored = try signer.sshsig(message, namespace: "git")
            let blob = Armor.unwrap(armored)
            let key = try SSHPublicKey(openSSH: signer.publicLine)
            for round in 0..<6_667 {
                var b = blob
                switch round % 4 {
                case 0:
                    for _ in 0..<Int.random(in: 1...4, using: &rng) {
                        b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    }
                case 1: b = Array(b.prefix(Int.random(in: 0..<b.count, using: &rng)))
                case 2:
                    // A length prefix set to a huge or off-by-one value.
                    let at = Int.random(in: 6..<(b.count - 4), using: &rng)
                    let v: UInt32 = [0xFFFF_FFFF, 0x7FFF_FFFF, UInt32(b.count), 0].randomElement(using: &rng)!
                    b.replaceSubrange(at..<(at + 4), with: [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)])
                default:
                    b.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...b.count, using: &rng))
                }
                if b == blob { continue }
                if (try? SSHSignatureVerifier.check(armored: Armor.wrap(b), message: message, key: key, namespace: "git")) == nil { refused += 1 }
            }
        }
        #expect(refused >= 19_900, "\(refused)")
    }

    /// n and e from a PKCS#1 RSAPublicKey (SEQUENCE { INTEGER n, INTEGER e }), for the test's keys.
    static func pkcs1(_ der: [UInt8]) throws -> (n: [UInt8], e: [UInt8]) {
        var i = 0
        func length() -> Int {
            let first = Int(der[i]); i += 1
            guard first & 0x80 != 0 else { return first }
            var n = 0
            for _ in 0..<(first & 0x7f) { n = n << 8 | Int(der[i]); i += 1 }
            return n
        }
        func integer() -> [UInt8] {
            i += 1 // tag 0x02
            let n = length()
            defer { i += n }
            return Array(der[i..<(i + n)])
        }
        i += 1 // SEQUENCE
        _ = length()
        let n = integer(), e = integer()
        return (n, e)
    }
}
