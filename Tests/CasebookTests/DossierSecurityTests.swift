import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

/// A ZIP written by hand, to craft what no honest tool writes: lying sizes, repeated names.
struct CraftedZIP {
    struct Entry {
        var name: String
        /// 0 stored, 8 deflated.
        var method: UInt16 = 0
        var data: Data
        var declaredSize: UInt32? = nil
        var crc: UInt32? = nil
    }

    var entries: [Entry]
    var comment = Data()

    static func crc32(_ data: Data) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[i] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    var bytes: Data {
        var out = Data(), central = Data()
        func le16(_ v: UInt16, _ d: inout Data) { d.append(contentsOf: [UInt8(v & 0xFF), UInt8(v >> 8)]) }
        func le32(_ v: UInt32, _ d: inout Data) { for s in stride(from: 0, to: 32, by: 8) { d.append(UInt8((v >> UInt32(s)) & 0xFF)) } }
        for e in entries {
            let offset = UInt32(out.count)
            let name = Data(e.name.utf8)
            let crc = e.crc ?? Self.crc32(e.data)
            let size = e.declaredSize ?? UInt32(e.data.count)
            // General purpose flag 0x0800: the name is UTF-8 (ZIP readers take CP437 otherwise).
            le32(0x0403_4B50, &out); le16(20, &out); le16(0x0800, &out); le16(e.method, &out); le16(0, &out); le16(0x21, &out)
            le32(crc, &out); le32(UInt32(e.data.count), &out); le32(size, &out); le16(UInt16(name.count), &out); le16(0, &out)
            out.append(name); out.append(e.data)
            le32(0x0201_4B50, &central); le16(20, &central); le16(20, &central); le16(0x0800, &central); le16(e.method, &central)
            le16(0, &central); le16(0x21, &central); le32(crc, &central); le32(UInt32(e.data.count), &central); le32(size, &central)
            le16(UInt16(name.count), &central); le16(0, &central); le16(0, &central); le16(0, &central); le16(0, &central)
            le32(0o100644 << 16, &central); le32(offset, &central); central.append(name)
        }
        let start = UInt32(out.count)
        out.append(central)
        le32(0x0605_4B50, &out); le16(0, &out); le16(0, &out); le16(UInt16(entries.count), &out); le16(UInt16(entries.count), &out)
        le32(UInt32(central.count), &out); le32(start, &out); le16(UInt16(comment.count), &out); out.append(comment)
        return out
    }

    /// Raw deflate of `megabytes` of zeros, made with gzip (its 10-byte header and 8-byte trailer cut).
    static func deflatedZeros(megabytes: Int, in box: Sandbox) throws -> Data {
        let file = box.path + "/ceros.gz"
        let r = try Sandbox.run("/bin/sh", ["-c", "head -c \(megabytes)M /dev/zero | gzip -9 -n > \(file)"], in: box.path)
        guard r.ok else { throw SandboxError.commandFailed(r.err) }
        let gz = try Data(contentsOf: URL(fileURLWithPath: file))
        return gz.subdata(in: 10..<(gz.count - 8))
    }
}

@Suite("Dossiers sealed by a signature, read within bounds")
struct DossierSecurityTests {
    /// A repository whose jefe has a registered key git signs with, and a closed-enough case with a document.
    func signedCase() throws -> (CaseRepo, String, key: (path: String, publicKey: String)) {
        let repo = try CaseRepo()
        let key = try repo.box.sshKey("jefe")
        try repo.book.setKey(key.publicKey, for: "mrodriguez", actor: "mrodriguez")
        try repo.git(["config", "user.signingKey", key.path])
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca OISS", persona: "mrodriguez")).caseID
        let doc = repo.box.path + "/oficio.pdf"
        try Data("%PDF-1.4 oficio original".utf8).write(to: URL(fileURLWithPath: doc))
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Oficio", archive: ArchiveRequest(files: [doc]))
        return (repo, id, key)
    }

    func unzip(_ zip: String, in box: Sandbox, _ name: String) throws -> String {
        let out = box.path + "/" + name
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        #expect(try Sandbox.run("/usr/bin/unzip", ["-q", zip, "-d", out], in: out).ok)
        return out
    }

    /// Rebuilds a ZIP from a folder with the zip tool and seals it as folio does: what a forger can do.
    func forge(_ folder: String, to zip: String, in box: Sandbox) throws {
        let names = try FileManager.default.subpathsOfDirectory(atPath: folder).filter {
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: folder + "/" + $0, isDirectory: &isDir)
            return !isDir.boolValue
        }.sorted()
        #expect(try Sandbox.run("/usr/bin/zip", ["-q", "-X", zip] + names, in: folder).ok)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: zip))
        let hash = try Sandbox.run("/usr/bin/sha256sum", [zip], in: box.path).out.prefix(64)
        let seal = Data(("folio-sello-sha256:" + hash).utf8)
        bytes[bytes.count - 2] = UInt8(seal.count & 0xFF)
        bytes[bytes.count - 1] = UInt8(seal.count >> 8)
        bytes.append(seal)
        try bytes.write(to: URL(fileURLWithPath: zip))
    }

    @Test("export signs the manifest; verify-export names the signer from roles.yaml or an allowed-signers file, and ssh-keygen agrees")
    func signedDossier() throws {
        let (repo, id, _) = try signedCase()
        let zip = repo.box.path + "/\(id).zip"
        let written = try repo.book.exportDossier(caseID: id, to: zip)
        #expect(written.ok && written.signature == "valida", "\(written.problems)")
        #expect(written.signer?.contains("mrodriguez@igss.gob.gt") == true)
        #expect(written.commit == (try repo.git(["rev-parse", "HEAD"])))

        let withRepo = try repo.book.verifyDossier(zip)
        #expect(withRepo.ok && withRepo.signature == "valida", "\(withRepo.problems)")
        #expect(withRepo.notes.contains { $0.contains("iguales a los de cases/2026/\(id)") })

        let signers = repo.box.path + "/firmantes"
        try repo.book.allowedSigners().write(toFile: signers, atomically: true, encoding: .utf8)
        let withFile = Dossier.verify(zip, trust: .allowedSigners(file: signers))
        #expect(withFile.ok && withFile.signer == "mrodriguez@igss.gob.gt", "\(withFile.problems)")
        let alone = Dossier.verify(zip)
        #expect(alone.ok && alone.signature == "sin-comprobar")

        // A receiver with only the ZIP and the department's keys, as the README says.
        let out = try unzip(zip, in: repo.box, "recibido")
        let check = try Sandbox.run("/bin/sh", ["-c", "ssh-keygen -Y verify -f \(signers) -I mrodriguez@igss.gob.gt -n folio-expediente "
                                                + "-s manifiesto.sha256.sig < manifiesto.sha256 && sha256sum -c --quiet manifiesto.sha256"], in: out)
        #expect(check.ok, "\(check.err)")
    }

    @Test("a forger who changes a document and recomputes manifest, index and seal is caught by the signature and by the repository")
    func forgery() throws {
        let (repo, id, _) = try signedCase()
        let zip = repo.box.path + "/\(id).zip"
        _ = try repo.book.exportDossier(caseID: id, to: zip)
        let out = try unzip(zip, in: repo.box, "falso")
        let doc = out + "/documentos/anexos/oficio.pdf"
        let forged = Data("%PDF-1.4 oficio ALTERADO".utf8)
        try forged.write(to: URL(fileURLWithPath: doc))
        let newHash = try Sandbox.run("/usr/bin/sha256sum", [doc], in: out).out.prefix(64)
        let oldHash = try Sandbox.run("/bin/sh", ["-c", "grep documentos/anexos/oficio.pdf manifiesto.sha256 | cut -c1-64"], in: out).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let index = try String(contentsOfFile: out + "/indice.json", encoding: .utf8).replacingOccurrences(of: oldHash, with: String(newHash))
        try index.write(toFile: out + "/indice.json", atomically: true, encoding: .utf8)
        #expect(try Sandbox.run("/bin/sh", ["-c", "sha256sum $(cut -c67- manifiesto.sha256) > m && mv m manifiesto.sha256"], in: out).ok)
        let fake = repo.box.path + "/falso.zip"
        try forge(out, to: fake, in: repo.box)
        // Without a trust anchor the forgery is "intact": that is all a seal can say, and the report says so.
        let alone = Dossier.verify(fake)
        #expect(alone.ok, "\(alone.problems)")
        #expect(alone.notes.joined().contains("no se comprobó"))
        let withRepo = try repo.book.verifyDossier(fake)
        #expect(!withRepo.ok && withRepo.signature == "invalida")
        #expect(withRepo.problems.contains { $0.contains("documentos/anexos/oficio.pdf no es igual") })
        // The forger signs with their own key: not one of the department's.
        let intruder = try repo.box.sshKey("intruso")
        #expect(try Sandbox.run("/bin/sh", ["-c", "ssh-keygen -Y sign -n folio-expediente -f \(intruder.path) manifiesto.sha256 "
                                            + "&& mv manifiesto.sha256.sig manifiesto.sha256.sig.tmp && mv manifiesto.sha256.sig.tmp manifiesto.sha256.sig"],
                                in: out).ok)
        let fake2 = repo.box.path + "/falso2.zip"
        try forge(out, to: fake2, in: repo.box)
        let signedByIntruder = try repo.book.verifyDossier(fake2)
        #expect(!signedByIntruder.ok && signedByIntruder.problems.contains { $0.contains("no la hizo ninguna clave") })
    }

    @Test("a colleague with a registered key who re-signs an altered dossier is caught without the repository; a document changed under a valid signature is not called unchanged")
    func insiderResigns() throws {
        let (repo, id, _) = try signedCase()
        let colleague = try repo.box.sshKey("analista")
        try repo.book.setKey(colleague.publicKey, for: "alopez", actor: "mrodriguez")
        let zip = repo.box.path + "/\(id).zip"
        _ = try repo.book.exportDossier(caseID: id, to: zip)
        let signers = repo.box.path + "/firmantes"
        try repo.book.allowedSigners().write(toFile: signers, atomically: true, encoding: .utf8)

        // Only a document changed: the signature over the manifest still verifies, the files do not.
        let tampered = try unzip(zip, in: repo.box, "alterado")
        try Data("%PDF-1.4 oficio ALTERADO".utf8).write(to: URL(fileURLWithPath: tampered + "/documentos/anexos/oficio.pdf"))
        let fake = repo.box.path + "/alterado.zip"
        try forge(tampered, to: fake, in: repo.box)
        let report = Dossier.verify(fake, trust: .allowedSigners(file: signers))
        #expect(!report.ok && !report.notes.joined().contains("ningún archivo cambió"))
        #expect(report.notes.joined().contains("se alteró después de firmarlo"))

        // The colleague recomputes the manifest and signs with her own registered key.
        #expect(try Sandbox.run("/bin/sh", ["-c", "sha256sum $(cut -c67- manifiesto.sha256) > m && mv m manifiesto.sha256 && rm manifiesto.sha256.sig "
                                            + "&& ssh-keygen -q -Y sign -n folio-expediente -f \(colleague.path) manifiesto.sha256"], in: tampered).ok)
        let resigned = repo.box.path + "/refirmado.zip"
        try forge(tampered, to: resigned, in: repo.box)
        let second = Dossier.verify(resigned, trust: .allowedSigners(file: signers))
        #expect(!second.ok && second.problems.contains { $0.contains("pero la firma es de") && $0.contains("María Rodríguez") })
    }

    @Test("a key that signed the dossier but was later removed from roles.yaml is named as removed, and the dossier is not accepted")
    func revokedKey() throws {
        let (repo, id, _) = try signedCase()
        let zip = repo.box.path + "/\(id).zip"
        _ = try repo.book.exportDossier(caseID: id, to: zip)
        let next = try repo.box.sshKey("jefe-nueva")
        try repo.book.setKey(next.publicKey, for: "mrodriguez", actor: "mrodriguez")
        try repo.git(["config", "user.signingKey", next.path])
        let report = try repo.book.verifyDossier(zip)
        #expect(!report.ok && report.signature == "invalida")
        #expect(report.problems.contains { $0.contains("María Rodríguez") && $0.contains("ya no está en roles.yaml") }, "\(report.problems)")
    }

    @Test("without a registered key export still works and says it detects accidental changes only")
    func unsignedDossier() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez")).caseID
        let zip = repo.box.path + "/\(id).zip"
        let written = try repo.book.exportDossier(caseID: id, to: zip)
        #expect(written.ok && written.signature == "sin-firma" && written.signer == nil)
        #expect(written.notes.joined().contains("solo detectan cambios accidentales"))
        let withRepo = try repo.book.verifyDossier(zip)
        #expect(!withRepo.ok && withRepo.problems.contains { $0.contains("no tiene firma") })
    }

    @Test("crafted ZIPs: repeated entry names, a '..' entry, an entry larger than it declares, a 4 MB bomb declaring gigabytes; refused in bounded memory")
    func craftedZIPs() throws {
        let box = Sandbox()
        let manifest = Data("\(String(repeating: "0", count: 64))  documentos/a.txt\n".utf8)
        let duplicate = CraftedZIP(entries: [.init(name: "documentos/a.txt", data: Data("uno".utf8)),
                                             .init(name: "documentos/a.txt", data: Data("dos".utf8)),
                                             .init(name: "manifiesto.sha256", data: manifest)])
        try duplicate.bytes.write(to: URL(fileURLWithPath: box.path + "/dup.zip"))
        let dup = Dossier.verify(box.path + "/dup.zip")
        #expect(!dup.ok && dup.problems.contains { $0.contains("documentos/a.txt está repetida") }, "\(dup.problems)")

        // 64 MB of zeros deflate to ~64 KB; beside 4 MB of noise the ZIP weighs 4 MB and declares 3.75 GB.
        let zeros = try CraftedZIP.deflatedZeros(megabytes: 64, in: box)
        var noise = Data(count: 4 << 20)
        for i in noise.indices { noise[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 13) }
        let started = Date()
        let bomb = CraftedZIP(entries: [.init(name: "documentos/relleno.bin", data: noise),
                                        .init(name: "documentos/bomba.bin", method: 8, data: zeros, declaredSize: 0xF000_0000, crc: 0)])
        try bomb.bytes.write(to: URL(fileURLWithPath: box.path + "/bomba.zip"))
        #expect(bomb.bytes.count > 4 << 20 && bomb.bytes.count < 5 << 20)
        let refused = Dossier.verify(box.path + "/bomba.zip")
        #expect(!refused.ok && refused.problems.contains { $0.contains("más de lo que folio lee") }, "\(refused.problems)")
        let ratio = CraftedZIP(entries: [.init(name: "documentos/bomba.bin", method: 8, data: zeros, declaredSize: 512 << 20, crc: 0)])
        try ratio.bytes.write(to: URL(fileURLWithPath: box.path + "/razon.zip"))
        let bombed = Dossier.verify(box.path + "/razon.zip")
        #expect(!bombed.ok && bombed.problems.contains { $0.contains("bomba ZIP") }, "\(bombed.problems)")

        // A '..' entry, also when the name after it starts with a combining accent (U+0301), which
        // joins that slash into one Swift character: the path is cut at the byte, as unzip cuts it.
        for name in ["documentos/../fuera.txt", "documentos/../\u{301}fuera.txt"] {
            let climbing = CraftedZIP(entries: [.init(name: name, data: Data("fuera".utf8))])
            try climbing.bytes.write(to: URL(fileURLWithPath: box.path + "/sube.zip"))
            let climbed = Dossier.verify(box.path + "/sube.zip")
            #expect(!climbed.ok && climbed.problems.contains { $0.contains("tiene una ruta no válida") }, "\(name): \(climbed.problems)")
        }

        let liar = CraftedZIP(entries: [.init(name: "documentos/mentira.bin", method: 8, data: zeros, declaredSize: 1000, crc: 0)])
        try liar.bytes.write(to: URL(fileURLWithPath: box.path + "/mentira.zip"))
        let lied = Dossier.verify(box.path + "/mentira.zip")
        #expect(!lied.ok && lied.problems.contains { $0.contains("más grande de lo que declara") }, "\(lied.problems)")
        #expect(Date().timeIntervalSince(started) < 20)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #expect(usage.ru_maxrss < 1_500_000, "peak memory \(usage.ru_maxrss) KB")
    }
}
