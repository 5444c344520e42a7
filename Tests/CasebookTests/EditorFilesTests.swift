@testable import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("Files from every editor, hostile content, repository states")
struct EditorFilesTests {
    func p7(_ repo: CaseRepo) throws -> (String, String) {
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Cooperación", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true", "involucra_personal=false"], persona: "mrodriguez")).caseID
        return (id, "cases/2026/\(id)/expediente.md")
    }

    func bytes(_ repo: CaseRepo, _ file: String) -> Data { FileManager.default.contents(atPath: repo.path + "/" + file) ?? Data() }

    @Test("CRLF line ends and a byte-order mark are read, and kept when --set rewrites the file")
    func windowsFile() throws {
        let repo = try CaseRepo()
        let (id, file) = try p7(repo)
        let text = "\u{FEFF}" + repo.read(file).replacingOccurrences(of: "\n", with: "\r\n") + "Línea con espacios al final.   \r\n"
        try repo.write(text, to: file)
        try repo.step(id, as: "mrodriguez", sets: ["aval=Acuerdo 1588"])
        let written = bytes(repo, file)
        #expect(written.starts(with: [0xEF, 0xBB, 0xBF]), "the byte-order mark is kept")
        let decoded = String(decoding: written, as: UTF8.self)
        #expect(decoded.contains("aval: Acuerdo 1588\r\n") && !decoded.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(try repo.book.check().ok)
    }

    @Test("an empty body and trailing spaces are fine; tabs in the front matter get a hint")
    func spacesAndTabs() throws {
        let repo = try CaseRepo()
        let (id, file) = try p7(repo)
        try repo.write("---\nid: \(id)   \nprocedimiento: 7\ntitulo: Cooperación  \nabierto: 2026-11-02\norganismo: OISS\nfortalece_capacidades: true\norganismo_especializado: true\n---\n", to: file)
        try repo.step(id, as: "mrodriguez")
        try repo.write("---\nid: \(id)\nprocedimiento: 7\ntitulo: x\nabierto: 2026-11-02\norganismo:\n\t- OISS\n---\n", to: file)
        try repo.expectRefusal([file, "tabulaciones", "espacios"]) { try repo.step(id, as: "mrodriguez") }
    }

    @Test("Latin-1 bytes are refused with the file and line, never garbled, nothing committed")
    func latin1() throws {
        let repo = try CaseRepo()
        let (id, file) = try p7(repo)
        var data = Data(repo.read(file).utf8)
        data.append(contentsOf: Array("Gesti".utf8) + [0xF3] + Array("n de cooperaci".utf8) + [0xF3] + Array("n.\n".utf8))
        try data.write(to: URL(fileURLWithPath: repo.path + "/" + file))
        try repo.expectRefusal([file, "no está en UTF-8", "(línea 17)", "Latin-1", "guárdelo con codificación UTF-8",
                                "Corrija cada archivo como se indica"]) {
            try repo.step(id, as: "mrodriguez")
        }
        // The bytes are in the body, not the header: the refusal does not send the person to the YAML header.
        do { try repo.step(id, as: "mrodriguez") } catch { #expect(!"\(error)".contains("encabezado YAML"), "\(error)") }
        #expect(try repo.book.check().problems.first?.message.contains("UTF-8") == true)
    }

    @Test("a file name with decomposed accents (macOS) is archived composed")
    func nfdName() throws {
        let repo = try CaseRepo()
        let (id, _) = try p7(repo)
        let decomposed = "Opinio\u{0301}n te\u{0301}cnica.pdf"
        try repo.box.write("%PDF-1.4\n", to: "entrada/" + decomposed)
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "opinión",
                                     archive: ArchiveRequest(files: [repo.box.path + "/entrada/" + decomposed]))
        let names = try repo.git(["-c", "core.quotePath=false", "ls-tree", "-r", "--name-only", "HEAD", "cases/2026/\(id)/anexos/"])
        #expect(names == "cases/2026/\(id)/anexos/Opinión técnica.pdf")
        #expect(Array(names.unicodeScalars).contains("\u{00F3}"), "composed ó")
    }

    @Test("a symbolic link inside a case, names that collide by case, an oversized document: refused")
    func hostileContent() throws {
        let repo = try CaseRepo()
        let (id, _) = try p7(repo)
        let folder = repo.path + "/cases/2026/\(id)"
        try FileManager.default.createSymbolicLink(atPath: folder + "/claves.md", withDestinationPath: "/etc/passwd")
        try repo.expectRefusal(["claves.md", "enlace simbólico"]) { try repo.step(id, as: "mrodriguez") }
        // The link's own fix, not the YAML header's: there is no header to correct.
        #expect { try repo.step(id, as: "mrodriguez") } throws: { !"\($0)".contains("encabezado YAML") && "\($0)".contains("Copie el archivo") }
        try FileManager.default.removeItem(atPath: folder + "/claves.md")
        try repo.write("uno\n", to: "cases/2026/\(id)/Nota.md")
        try repo.write("dos\n", to: "cases/2026/\(id)/nota.md")
        try repo.expectRefusal(["solo difieren en mayúsculas"]) { try repo.step(id, as: "mrodriguez") }
        try FileManager.default.removeItem(atPath: folder + "/Nota.md")
        try FileManager.default.removeItem(atPath: folder + "/nota.md")
        try repo.write("---\ntitulo: x\n---\n" + String(repeating: "relleno ", count: 1_300_000), to: "cases/2026/\(id)/grande.md")
        try repo.expectRefusal(["grande.md", "demasiado para un documento de texto"]) { try repo.step(id, as: "mrodriguez") }
    }

    @Test("detached HEAD, a rebase in progress and a shallow clone are each refused with what to do")
    func repositoryStates() throws {
        let repo = try CaseRepo()
        let (id, _) = try p7(repo)
        try repo.git(["checkout", "-q", "--detach"])
        try repo.expectRefusal(["detached HEAD", "git switch main"]) { try repo.step(id, as: "mrodriguez") }
        try repo.git(["checkout", "-q", "main"])
        try FileManager.default.createDirectory(atPath: repo.path + "/.git/rebase-merge", withIntermediateDirectories: true)
        try "refs/heads/main\n".write(toFile: repo.path + "/.git/rebase-merge/head-name", atomically: true, encoding: .utf8)
        try repo.expectRefusal(["rebase", "git rebase --abort"]) { try repo.step(id, as: "mrodriguez") }
        try FileManager.default.removeItem(atPath: repo.path + "/.git/rebase-merge")
        let shallow = repo.box.path + "/superficial"
        try Sandbox.gitOut(["clone", "-q", "--depth", "1", "file://" + repo.path, shallow], in: repo.box.path)
        #expect {
            _ = try Casebook.open(at: shallow, clock: Clock(now: Date()))
        } throws: { "\($0)".contains("git fetch --unshallow") }
    }

    @Test("conflicts in a case file without a merge in progress (a stash that did not apply) are refused")
    func conflictWithoutMerge() throws {
        let repo = try CaseRepo()
        let (id, file) = try p7(repo)
        try repo.write(repo.read(file) + "Versión guardada.\n", to: file)
        try repo.git(["stash", "-q"])
        try repo.write(repo.read(file) + "Otra versión.\n", to: file)
        try repo.git(["commit", "-qam", "otra", "--author", CaseRepo.jefe])
        #expect(try Sandbox.git(["stash", "pop"], in: repo.path).status != 0)
        try repo.expectRefusal(["conflictos sin resolver", file]) { try repo.step(id, as: "mrodriguez") }
    }

    /// The files editors leave beside the one they edit, and where in a case they are left.
    static let leftovers = [("expediente.md~", ""), (".expediente.md.swp", ""), (".expediente.md.swo", ""), (".#expediente.md", ""),
                            ("#expediente.md#", ""), ("~$acta.docx", "anexos/"), (".~lock.acta.docx#", "anexos/"), ("acta.docx~", "anexos/"),
                            ("~$cifras.xlsx", "dependencias/HGE/"), ("~WRL0001.tmp", "anexos/"), (".expediente.md.kate-swp", ""),
                            (".goutputstream-Q3ZXW2", ""), (".ACTA.MD.SWP", "anexos/")]

    @Test("Word's temporary file is known by its whole name, in capitals or not, and only by it")
    func wordTemporaryName() {
        for name in ["~WRL0001.tmp", "~wrl0002.TMP", "~WRD1234.tmp"] {
            #expect(EditorLeftover.kind(of: name) == "el archivo temporal de Word", "\(name)")
        }
        for name in ["a~WRL0001.tmp", "~WR0001.tmp", "~WRL.tmp", "~WRL0001.tmpx", "WRL0001.tmp", "informe.tmp", "~WRL0001.md"] {
            #expect(EditorLeftover.kind(of: name) == nil, "\(name)")
        }
    }

    @Test("an editor's backup, swap, lock or auto-save file in the case is refused by a note, a step and an attachment (FOLIO-E076), ignored or not, never adopted from anexos/; once removed the edit is recorded")
    func editorLeftoversRefused() throws {
        let repo = try CaseRepo()
        let (id, file) = try p7(repo)
        let folder = "cases/2026/\(id)/"
        // Ignore rules of the person's own do not keep them out: the case's folder is recorded whole.
        try repo.write("*~\n*.swp\n", to: ".git/info/exclude")
        try repo.write(repo.read(file) + "Acta de la reunión.\n", to: file)
        for (name, place) in Self.leftovers {
            let path = folder + place + name
            try repo.write("restos del editor\n", to: path)
            try repo.expectRefusal([path, "deja un editor", "no un documento del expediente", "Ciérrelo en el editor o bórrelo", "nada se ha registrado"]) {
                _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Acta")
            }
            #expect { _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Acta") } throws: { ($0 as? CasebookError)?.code == "FOLIO-E076" }
            try repo.expectRefusal([path, "Ciérrelo en el editor o bórrelo"]) { try repo.step(id, as: "mrodriguez", sets: ["aval=Acuerdo 1588"]) }
            // folio check says so before a step is tried (staff33: it said all was fine).
            let checked = try repo.book.check(caseID: id)
            #expect(!checked.ok && checked.problems.contains { $0.file == path && $0.message.contains("FOLIO-E076") }, "\(checked.problems)")
            try FileManager.default.removeItem(atPath: repo.path + "/" + path)
        }
        // One brought from outside with folio attach is refused too, not archived under its name,
        // naming the file given (not a copy in the case that was never made, attack33).
        try repo.box.write("dueño\n", to: "entrada/~$acta.docx")
        try repo.expectRefusal([repo.box.path + "/entrada/~$acta.docx", "el archivo de bloqueo de Word o Excel", "Incorpore el documento mismo"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/entrada/~$acta.docx"]))
        }
        #expect { _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/entrada/~$acta.docx"])) }
            throws: { !"\($0)".contains("rm ") && !"\($0)".contains("anexos/") }
        // Emacs's lock is a link to nowhere while the file is open: the refusal says what it is.
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/\(folder).#expediente.md", withDestinationPath: "mrodriguez@pc.4242:1764000000")
        try repo.expectRefusal(["\(folder).#expediente.md", "el archivo de bloqueo de Emacs", "Guarde y cierre el archivo"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Acta")
        }
        try FileManager.default.removeItem(atPath: repo.path + "/\(folder).#expediente.md")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Acta")
        #expect(try repo.git(["ls-tree", "-r", "--name-only", "HEAD", folder]).lines.allSatisfy { !$0.contains("~") && !$0.contains("#") && !$0.contains(".sw") })
        #expect(try repo.git(["status", "--porcelain", "--ignored"]).isEmpty)
        #expect(try repo.book.verify().ok)
        #expect(try repo.book.check(caseID: id).ok)
    }

    @Test("verify warns of a commit that added an editor's leftover to a case with plain git (archivo-de-editor), and says how to take it out")
    func editorLeftoverVerified() throws {
        let repo = try CaseRepo()
        let (id, _) = try p7(repo)
        #expect(try repo.book.verify().violations.isEmpty)
        for (name, place) in Self.leftovers { try repo.write("restos\n", to: "cases/2026/\(id)/" + place + name) }
        try repo.git(["add", "-f", "cases"])
        try repo.git(["commit", "-qm", "Sube la carpeta"])
        let report = try repo.book.verify()
        let found = report.violations.filter { $0.rule == "archivo-de-editor" }
        // (The commit is plain git's, by no one in roles.yaml: outside-folio says so apart.)
        #expect(found.count == Self.leftovers.count && found.allSatisfy { $0.severity == "warning" && $0.caseID == id }, "\(report.violations)")
        #expect(found.contains { $0.message.contains("cases/2026/\(id)/anexos/~$acta.docx es el archivo de bloqueo de Word o Excel") })
        #expect(found.allSatisfy { $0.fix.contains("folio note \(id)") })
        // Committed ones are history's warning, not the work tree's problem: folio check does not count them.
        #expect(try repo.book.check(caseID: id).problems.allSatisfy { !$0.message.contains("FOLIO-E076") })
        // Leftovers already committed do not freeze the case (attack33: an archived one cannot be
        // deleted): a note recording another edit goes through; a new leftover is still refused.
        try repo.write(repo.read("cases/2026/\(id)/expediente.md") + "Acta.\n", to: "cases/2026/\(id)/expediente.md")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Acta")
        try repo.write("restos\n", to: "cases/2026/\(id)/anexos/nota.docx~")
        #expect { _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Acta") } throws: { ($0 as? CasebookError)?.code == "FOLIO-E076" }
        try FileManager.default.removeItem(atPath: repo.path + "/cases/2026/\(id)/anexos/nota.docx~")
        // folio's note takes them out, and that commit is no finding.
        for (name, place) in Self.leftovers { try FileManager.default.removeItem(atPath: repo.path + "/cases/2026/\(id)/" + place + name) }
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Quita archivos temporales del editor")
        #expect(try repo.book.verify().violations.filter { $0.rule == "archivo-de-editor" }.count == Self.leftovers.count)
    }
}
