import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("The digital archive: folios, hashes, verification and dossiers")
struct ArchiveTests {
    /// A POA case at step 11 for three dependencies, and a PDF per dependency on disk.
    func poa() throws -> (CaseRepo, String, [String: String]) {
        let repo = try CaseRepo()
        // A dependency of the department is one it knows: HGA's contact is registered too.
        try repo.book.addPersona(Persona(id: "hga", name: "Sonia Chávez (HGA)", email: "schavez@igss.gob.gt", roles: [.dependencia],
                                         dependency: "HGA"), actor: "mrodriguez")
        let id = try repo.poaRound()
        var pdfs: [String: String] = [:]
        for (i, dependency) in ["HGE", "HRO", "HGA"].enumerated() {
            try repo.step(id, "10", as: "alopez", dependency: dependency)
            try repo.write("---\norientaciones_estrategicas: true\nanteproyecto_presupuesto: true\npresta_servicios: true\ncapacidad_instalada: true\nhistorial_produccion: true\n---\n",
                           to: "cases/2026/\(id)/dependencias/\(dependency)/revision.md")
            try repo.step(id, "11", as: "alopez", dependency: dependency)
            let pdf = repo.box.path + "/entrada/poa-\(dependency.lowercased()).pdf"
            try repo.box.write("%PDF-1.4\n% POA 2027 de \(dependency)\n" + String(repeating: "contenido \(i) ", count: 500) + "\n%%EOF\n",
                               to: "entrada/poa-\(dependency.lowercased()).pdf")
            pdfs[dependency] = pdf
        }
        return (repo, id, pdfs)
    }

    func archive(_ repo: CaseRepo, _ id: String, _ dependency: String, _ files: [String]) throws {
        try repo.book.recordStep(StepRequest(caseID: id, step: "12", persona: "alopez", dependency: dependency,
                                             archive: ArchiveRequest(files: files)))
    }

    func index(_ repo: CaseRepo, _ id: String) throws -> ArchiveIndex {
        try ArchiveIndex.parse(repo.read("cases/2026/\(id)/indice.md"), file: "indice.md")
    }

    @Test("archiving three dependencies' POAs gives folios in order with the SHA-256 that sha256sum computes")
    func archiveThree() throws {
        let (repo, id, pdfs) = try poa()
        for dependency in ["HGE", "HRO", "HGA"] { try archive(repo, id, dependency, [pdfs[dependency]!]) }
        let idx = try index(repo, id)
        #expect(idx.documentos.map(\.folio) == [1, 2, 3])
        #expect(idx.documentos.map(\.archivo) == ["dependencias/HGE/poa-hge.pdf", "dependencias/HRO/poa-hro.pdf", "dependencias/HGA/poa-hga.pdf"])
        for d in idx.documentos {
            let sum = try Sandbox.run("/usr/bin/sha256sum", [repo.path + "/cases/2026/\(id)/" + d.archivo], in: repo.path).out
            #expect(sum.hasPrefix(d.sha256))
            #expect(d.tipo == "application/pdf" && d.por == "alopez" && d.paso == "12" && d.incorporado == "2026-11-02T09:00:00-06:00")
            #expect(d.bytes == Int64((try FileManager.default.attributesOfItem(atPath: pdfs[d.dependencia!]!)[.size] as? Int) ?? -1))
        }
        #expect(idx.identificador == id && idx.procedimiento == 2 && idx.version_procedimiento == "2013.1")
        #expect(idx.organo.contains("Departamento de Planificación") && idx.interesados == ["HGE", "HRO", "HGA"])
        #expect(idx.estado == "cerrado", "the state after the last POA is archived")
        #expect(try repo.book.status(of: id).state == .closed)
        #expect(repo.read("cases/2026/\(id)/indice.md").contains("| 2 | dependencias/HRO/poa-hro.pdf |"))
        #expect(try repo.book.verify().ok)
    }

    @Test("one byte changed with plain file tools: verify names the file and its folio; restoring it clears it")
    func tampered() throws {
        let (repo, id, pdfs) = try poa()
        for dependency in ["HGE", "HRO", "HGA"] { try archive(repo, id, dependency, [pdfs[dependency]!]) }
        let file = repo.path + "/cases/2026/\(id)/dependencias/HRO/poa-hro.pdf"
        let handle = try #require(FileHandle(forUpdatingAtPath: file))
        try handle.seek(toOffset: 40)
        try handle.write(contentsOf: Data("X".utf8))
        try handle.close()
        let report = try repo.book.verify()
        #expect(!report.ok)
        let finding = try #require(report.violations.first { $0.rule == "archive" })
        #expect(finding.message.contains("cases/2026/\(id)/dependencias/HRO/poa-hro.pdf (folio 2)") && finding.caseID == id)
        #expect(finding.fix.contains("git restore"))
        try repo.git(["checkout", "--", "."])
        try repo.write("extra\n", to: "cases/2026/\(id)/dependencias/HGE/nota-suelta.txt")
        let warned = try repo.book.verify()
        #expect(warned.ok && warned.violations.map(\.severity) == ["warning"])
        #expect(warned.violations.first?.message.contains("nota-suelta.txt") == true)
    }

    @Test("a new version never overwrites: it is a new folio that says which one it replaces")
    func versions() throws {
        let (repo, id, pdfs) = try poa()
        try archive(repo, id, "HGE", [pdfs["HGE"]!])
        try repo.box.write("%PDF-1.4\n% corregido\n%%EOF\n", to: "entrada/poa-hge.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "POA corregido", archive: ArchiveRequest(files: [pdfs["HGE"]!]),
                                     dependency: "HGE")
        let idx = try index(repo, id)
        #expect(idx.documentos.map(\.archivo) == ["dependencias/HGE/poa-hge.pdf", "dependencias/HGE/poa-hge-v2.pdf"])
        #expect(idx.documentos.last?.reemplaza == 1 && idx.documentos.last?.paso == nil)
        #expect(repo.read("cases/2026/\(id)/dependencias/HGE/poa-hge.pdf").contains("POA 2027 de HGE"), "the first version is intact")
        try repo.expectRefusal(["no hay folio 9"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "x", archive: ArchiveRequest(files: [pdfs["HRO"]!], replaces: 9))
        }
        try repo.expectRefusal(["No se encuentra el archivo"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: "x", archive: ArchiveRequest(files: ["/no/hay.pdf"]))
        }
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/cases/2026/\(id)/anexos"), "a refused attach leaves no folder behind")
        #expect(try repo.book.verify().ok)
    }

    @Test("the dossier of a closed POA case verifies, and fails after any byte of it is changed")
    func dossier() throws {
        let (repo, id, pdfs) = try poa()
        for dependency in ["HGE", "HRO", "HGA"] { try archive(repo, id, dependency, [pdfs[dependency]!]) }
        let zip = repo.box.path + "/\(id).zip"
        let written = try repo.book.exportDossier(caseID: id, to: zip)
        #expect(written.ok && written.caseID == id, "\(written.problems)")
        #expect(Dossier.verify(zip).ok)
        // Unpacked with plain tools, the manifest checks with sha256sum.
        let out = repo.box.path + "/unzipped"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: "/usr/bin/unzip") {
            #expect(try Sandbox.run("/usr/bin/unzip", ["-q", zip, "-d", out], in: out).ok)
            #expect(try Sandbox.run("/usr/bin/sha256sum", ["-c", "--quiet", "manifiesto.sha256"], in: out).ok)
        }
        let original = try Data(contentsOf: URL(fileURLWithPath: zip))
        let positions = Set([0, 1, 30, original.count / 7, original.count / 3, original.count / 2, original.count * 3 / 4,
                             original.count - 60, original.count - 23, original.count - 5, original.count - 1])
        for position in positions.sorted() {
            var bytes = original
            bytes[position] ^= 0x01
            let tampered = repo.box.path + "/alterado-\(position).zip"
            try bytes.write(to: URL(fileURLWithPath: tampered))
            #expect(!Dossier.verify(tampered).ok, "a change at byte \(position) of \(original.count) must be found")
        }
        #expect(throws: CasebookError.self) { try repo.book.exportDossier(caseID: id, to: zip) }
    }
}
