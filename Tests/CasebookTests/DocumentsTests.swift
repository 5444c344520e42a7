import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

@Suite("Documents never overwritten and always indexed; each dependency acts on its own files")
struct DocumentsTests {
    func index(_ repo: CaseRepo, _ path: String) throws -> ArchiveIndex {
        try ArchiveIndex.parse(repo.read("\(path)/indice.md"), file: "indice.md")
    }

    /// The last commit amended with its `indice.md` edited (`text` → `replacement`), trailers kept,
    /// as someone with plain git would (and with another `author`): verify's archive errors then.
    func forgedIndexErrors(_ repo: CaseRepo, _ path: String, replacing text: String, with replacement: String, author: String? = nil) throws -> [Violation] {
        let file = repo.path + "/\(path)/indice.md"
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: text, with: replacement).write(toFile: file, atomically: true, encoding: .utf8)
        try repo.git(["commit", "-q", "--amend", "--no-edit", "-a"] + (author.map { ["--author", $0] } ?? []))
        return try repo.book.verify().violations.filter { $0.rule == "archive" && $0.isError }
    }

    func coop(_ repo: CaseRepo, attach: [String] = []) throws -> (String, String) {
        let recorded = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Becas", sets: ["organismo=OISS", "fortalece_capacidades=true", "organismo_especializado=true"], attachments: attach,
                                                             persona: "mrodriguez"))
        return (recorded.caseID, recorded.path)
    }

    @Test("step --attach over an indexed name: the original stays byte-identical in HEAD, the new file gets a new folio")
    func attachOverIndexedName() throws {
        let repo = try CaseRepo()
        try repo.box.write("%PDF-1.4 original\n", to: "a/notificacion.pdf")
        let (id, path) = try coop(repo, attach: [repo.box.path + "/a/notificacion.pdf"])
        var idx = try index(repo, path)
        #expect(idx.documentos.map(\.archivo) == ["anexos/notificacion.pdf"] && idx.documentos[0].paso == "01", "new --attach is indexed")
        let original = try repo.git(["rev-parse", "HEAD:\(path)/anexos/notificacion.pdf"])
        try repo.box.write("%PDF-1.4 otra versión\n", to: "b/notificacion.pdf")
        try repo.step(id, as: "mrodriguez", attach: [repo.box.path + "/b/notificacion.pdf"])
        #expect(try repo.git(["rev-parse", "HEAD:\(path)/anexos/notificacion.pdf"]) == original, "the archived file is untouched")
        #expect(try repo.git(["show", "HEAD:\(path)/anexos/notificacion-v2.pdf"]) == "%PDF-1.4 otra versión")
        idx = try index(repo, path)
        #expect(idx.documentos.map(\.folio) == [1, 2] && idx.documentos[1].archivo == "anexos/notificacion-v2.pdf")
        #expect(idx.documentos[1].reemplaza == 1 && idx.documentos[1].paso == "02")
        #expect(try repo.book.verify().ok)
    }

    @Test("an archived document deleted or renamed in the folder is refused by a step and a note; restoring it as told works")
    func archivedNotDeleted() throws {
        let repo = try CaseRepo()
        try repo.box.write("%PDF-1.4 original\n", to: "a/notificacion.pdf")
        let (id, path) = try coop(repo, attach: [repo.box.path + "/a/notificacion.pdf"])
        let file = "\(repo.path)/\(path)/anexos/notificacion.pdf"
        try FileManager.default.moveItem(atPath: file, toPath: "\(repo.path)/\(path)/anexos/renombrado.pdf")
        try repo.expectRefusal(["folio 1 del índice y falta", "git restore"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "renombra")
        }
        try FileManager.default.removeItem(atPath: "\(repo.path)/\(path)/anexos/renombrado.pdf")
        try repo.expectRefusal(["folio 1 del índice y falta"]) { try repo.step(id, as: "mrodriguez") }
        try repo.git(["restore", "\(path)/anexos/notificacion.pdf"])
        try repo.step(id, as: "mrodriguez")
        #expect(try repo.book.verify().ok)
    }

    /// staff21: the subject of an attach named the file as given ("Incorpora plano.pdf") when it
    /// was stored as `plano-v2.pdf`: the head reading the log looked for a file that is not there.
    @Test("attach without a text: the log names the documents as stored, with their folios, and the folio a new version replaces")
    func attachSaysWhatItStored() throws {
        let repo = try CaseRepo()
        let (id, path) = try coop(repo)
        try repo.box.write("%PDF-1.4 plano\n", to: "a/plano.pdf")
        try repo.box.write("%PDF-1.4 plano corregido\n", to: "b/plano.pdf")
        let first = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/a/plano.pdf"]))
        #expect(first.subject == "\(id): nota, Incorpora el folio 1: plano.pdf")
        let second = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil,
                                              archive: ArchiveRequest(files: [repo.box.path + "/b/plano.pdf"], replaces: 1))
        #expect(try index(repo, path).documentos.map(\.archivo) == ["anexos/plano.pdf", "anexos/plano-v2.pdf"])
        // The same name again, without --replaces: a new version of the last, and the log says which.
        try repo.box.write("%PDF-1.4 plano tercero\n", to: "c/plano.pdf")
        let again = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/c/plano.pdf"]))
        let third = try #require(try index(repo, path).documentos.last)
        #expect(again.subject == "\(id): nota, Incorpora el folio 3 (nueva versión del folio \(third.reemplaza ?? 0)): \((third.archivo as NSString).lastPathComponent)"
                && third.reemplaza != nil, "\(again.subject)")
        #expect(second.subject == "\(id): nota, Incorpora el folio 2 (nueva versión del folio 1): plano-v2.pdf")
        let logged = try repo.git(["log", "-1", "--format=%s"])
        #expect(logged == again.subject, "\(logged)")
        // The routing slip says the same.
        let slip = try repo.read("\(path)/hoja-de-ruta.md")
        #expect(slip.contains("folio 2 (nueva versión del folio 1): plano-v2.pdf"), "\(slip)")
        // A text given is kept as given; no text and nothing to attach is refused.
        try repo.box.write("%PDF-1.4 acta\n", to: "a/acta.pdf")
        let given = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Acta de la reunión",
                                             archive: ArchiveRequest(files: [repo.box.path + "/a/acta.pdf"]))
        #expect(given.subject == "\(id): nota, Acta de la reunión")
        try repo.write("Borrador.\n", to: "\(path)/borrador.md")
        try repo.expectRefusal(["-m"]) { _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil) }
        #expect(try repo.book.verify().violations.isEmpty)
    }

    /// staff26: a dependency's contact gave a "new version" of the analyst's document in a case
    /// of another hospital (`--replaces`), and the index then said the department's plan was
    /// superseded by it. A contact versions only its dependency's documents and its own; verify
    /// flags a commit that says otherwise.
    @Test("a dependency's contact cannot replace the department's or another dependency's document; its own, yes; verify flags a forged one")
    func contactReplacesOnlyItsOwn() throws {
        let repo = try CaseRepo()
        let (id, path) = try coop(repo)
        try repo.box.write("%PDF-1.4 plan\n", to: "a/plan.pdf")
        try repo.box.write("%PDF-1.4 oficio\n", to: "a/oficio.pdf")
        try repo.box.write("%PDF-1.4 oficio 2\n", to: "b/oficio.pdf")
        try repo.box.write("%PDF-1.4 otro plan\n", to: "b/plan.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/a/plan.pdf"]))
        try repo.expectRefusal(["folio 1 (anexos/plan.pdf) es del Departamento", "el enlace de HRO solo da versiones nuevas", "sin --replaces"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "hro", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/b/plan.pdf"], replaces: 1))
        }
        // Its own document, and a new version of it.
        _ = try repo.book.recordNote(caseID: id, persona: "hro", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/a/oficio.pdf"]))
        _ = try repo.book.recordNote(caseID: id, persona: "hro", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/b/oficio.pdf"], replaces: 2))
        let documents = try index(repo, path).documentos
        #expect(documents.map(\.archivo) == ["anexos/plan.pdf", "dependencias/HRO/oficio.pdf", "dependencias/HRO/oficio-v2.pdf"] && documents[2].reemplaza == 2)
        #expect(try repo.book.verify().violations.isEmpty)
        // The same commit with its entry made to replace the department's folio 1, trailers and author kept.
        let found = try forgedIndexErrors(repo, path, replacing: "reemplaza: 2", with: "reemplaza: 1")
        #expect(found.contains { $0.message.contains("reemplaza el folio 1 (anexos/plan.pdf), que no es de HRO") }, "\(found.map(\.message))")
    }

    /// attack26b: a contact's `attach` of a file already in the case, outside its own folder
    /// (another dependency's, `anexos/`), committed an index entry naming it while the commit,
    /// which takes only `dependencias/<CODE>/`, left the file out.
    @Test("a file in the case is adopted only from anexos/ or dependencias/CODIGO/, a contact's only from its own: no index entry without its file")
    func contactAdoptsOnlyInItsFolder() throws {
        let repo = try CaseRepo()
        let (id, path) = try coop(repo)
        try repo.write("%PDF-1.4 de otra\n", to: "\(path)/dependencias/HGE/plan.pdf")
        try repo.write("%PDF-1.4 anexo\n", to: "\(path)/anexos/nota.pdf")
        for file in ["dependencias/HGE/plan.pdf", "anexos/nota.pdf"] {
            try repo.expectRefusal(["\(path)/\(file)", "está fuera de dependencias/HRO/", "Muévalo a dependencias/HRO/"]) {
                _ = try repo.book.recordNote(caseID: id, persona: "hro", text: nil, archive: ArchiveRequest(files: [repo.path + "/\(path)/\(file)"]))
            }
        }
        // A note of the contact with those files left there says they are outside what it records (staff27: "no hay cambios").
        try repo.expectRefusal(["está fuera de lo que registra el enlace de HRO", "muévalo a dependencias/HRO/"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "hro", text: "Nota")
        }
        // A folder is no document: said so, not "no se encuentra".
        try FileManager.default.createDirectory(atPath: repo.box.path + "/carpeta", withIntermediateDirectories: true)
        try repo.expectRefusal(["carpeta", "es una carpeta, y se incorporan archivos"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/carpeta"]))
        }
        // Nobody adopts from outside anexos/ and dependencias/CODIGO/ (attack27): informe/ (a later step
        // writes its reports there), the case's root, another folder, Produccion/ beside produccion/.
        for file in ["informe/informe-jefatura-2026-10.html", "suelto.pdf", "Otro/x.pdf", "Produccion/HGE.csv"] {
            try repo.write("%PDF-1.4 \(file)\n", to: "\(path)/\(file)")
            try repo.expectRefusal(["\(path)/\(file)", "no está en anexos/ ni en dependencias/CODIGO/", "Muévalo a anexos/"]) {
                _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil, archive: ArchiveRequest(files: [repo.path + "/\(path)/\(file)"]))
            }
            try FileManager.default.removeItem(atPath: repo.path + "/\(path)/\(file)")
        }
        // From its own folder it is adopted, and the commit holds the file the index names.
        try repo.write("%PDF-1.4 propio\n", to: "\(path)/dependencias/HRO/oficio.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "hro", text: nil, archive: ArchiveRequest(files: [repo.path + "/\(path)/dependencias/HRO/oficio.pdf"]))
        #expect(try index(repo, path).documentos.map(\.archivo) == ["dependencias/HRO/oficio.pdf"])
        #expect(try repo.git(["ls-tree", "--name-only", "HEAD", "\(path)/dependencias/HRO/oficio.pdf"]).contains("oficio.pdf"))
        #expect(try repo.book.verify().violations.filter { $0.rule == "archive" && $0.isError }.isEmpty)
    }

    /// attack26b: a folio could be replaced twice (the chain branched, and status named one
    /// successor), and the analyst's version of a dependency's document went to `anexos/`, out of
    /// its dependency, so its contact could no longer version it.
    @Test("a version chain is a line, and a new version stays with its document's dependency; verify flags a second successor")
    func versionChainIsALine() throws {
        let repo = try CaseRepo()
        let (id, path) = try coop(repo)
        for (name, text) in [("a", "uno"), ("b", "dos"), ("c", "tres")] { try repo.box.write("%PDF-1.4 \(text)\n", to: "\(name)/oficio.pdf") }
        _ = try repo.book.recordNote(caseID: id, persona: "hro", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/a/oficio.pdf"]))
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/b/oficio.pdf"], replaces: 1))
        var documents = try index(repo, path).documentos
        #expect(documents[1].archivo == "dependencias/HRO/oficio-v2.pdf" && documents[1].dependencia == "HRO" && documents[1].reemplaza == 1, "\(documents[1])")
        try repo.expectRefusal(["el folio 1 ya tiene versión nueva, el folio 2", "--replaces 2"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "hro", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/c/oficio.pdf"], replaces: 1))
        }
        // The contact versions the last version, which is still its dependency's.
        _ = try repo.book.recordNote(caseID: id, persona: "hro", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/c/oficio.pdf"], replaces: 2))
        documents = try index(repo, path).documentos
        #expect(documents.map(\.reemplaza) == [nil, 1, 2])
        #expect(try repo.book.verify().violations.isEmpty)
        // A version under another name, then the first name again: the new file versions the chain's
        // last version, not the one its name matches (attack27: folio wrote a fork).
        try repo.box.write("%PDF-1.4 informe\n", to: "d/informe.pdf")
        try repo.box.write("%PDF-1.4 anexo\n", to: "d/anexo.pdf")
        try repo.box.write("%PDF-1.4 informe 2\n", to: "e/informe.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "hro", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/d/informe.pdf"]))
        _ = try repo.book.recordNote(caseID: id, persona: "hro", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/d/anexo.pdf"], replaces: 4))
        _ = try repo.book.recordNote(caseID: id, persona: "hro", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/e/informe.pdf"]))
        documents = try index(repo, path).documentos
        // Its name says which version it is, the chain's third (staff27: it was stored as -v2).
        #expect(documents.last?.archivo == "dependencias/HRO/informe-v3.pdf" && documents.last?.reemplaza == 5, "\(String(describing: documents.last))")
        // A new version keeps its document's title unless given one (staff27).
        #expect(documents[4].archivo == "dependencias/HRO/anexo.pdf" && documents[4].titulo == "informe" && documents[5].titulo == "informe", "\(documents.map(\.titulo))")
        // A new version is not moved to another dependency with --dependency (attack27).
        try repo.box.write("%PDF-1.4 cuatro\n", to: "f/oficio.pdf")
        try repo.expectRefusal(["el folio 3 (dependencias/HRO/oficio-v3.pdf) es de HRO", "no en dependencias/HGE/", "sin --dependency"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/f/oficio.pdf"], replaces: 3),
                                         dependency: "HGE")
        }
        #expect(try repo.book.verify().violations.isEmpty)
        // The last commit with its entry made to replace folio 4 again, trailers and author kept.
        let found = try forgedIndexErrors(repo, path, replacing: "reemplaza: 5", with: "reemplaza: 4")
        #expect(found.contains { $0.message.contains("reemplaza el folio 4, que ya reemplazó el folio 5") }, "\(found.map(\.message))")
    }

    @Test("a taken name's suffix is the new version's number in its chain, or the next free one after it")
    func versionSuffixCountsTheChain() throws {
        let repo = try CaseRepo()
        let (id, path) = try coop(repo)
        for (folder, name) in [("a", "plan.pdf"), ("b", "plan-corregido.pdf"), ("c", "plan.pdf"), ("d", "plan-v4.pdf"), ("e", "plan.pdf"), ("f", "otro.pdf"), ("g", "otro.pdf")] {
            try repo.box.write("%PDF-1.4 \(folder)\n", to: "\(folder)/\(name)")
        }
        func attach(_ folder: String, _ name: String, replaces: Int? = nil) throws {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil,
                                         archive: ArchiveRequest(files: [repo.box.path + "/\(folder)/\(name)"], replaces: replaces))
        }
        try attach("a", "plan.pdf")
        try attach("b", "plan-corregido.pdf", replaces: 1)
        // The third version of the chain, by the first version's name: -v3 (it was -v2, staff27).
        try attach("c", "plan.pdf")
        // A document of its own whose name takes the next version's suffix.
        try attach("d", "plan-v4.pdf")
        // The chain's fourth version: -v4 is taken, so -v5.
        try attach("e", "plan.pdf")
        // A chain of its own: its second version is -v2, as before.
        try attach("f", "otro.pdf")
        try attach("g", "otro.pdf")
        let documents = try index(repo, path).documentos
        #expect(documents.map(\.archivo) == ["anexos/plan.pdf", "anexos/plan-corregido.pdf", "anexos/plan-v3.pdf", "anexos/plan-v4.pdf",
                                             "anexos/plan-v5.pdf", "anexos/otro.pdf", "anexos/otro-v2.pdf"], "\(documents.map(\.archivo))")
        #expect(documents.map(\.reemplaza) == [nil, 1, 2, nil, 3, nil, 6], "\(documents.map(\.reemplaza))")
        #expect(try repo.book.verify().violations.filter(\.isError).isEmpty)
    }

    /// attack27: verify accepted a plain-git commit by a contact whose entry is in another
    /// dependency's folder, which `folio attach` refuses.
    @Test("verify flags an index entry a dependency's contact adds in another dependency's folder")
    func contactEntryInAnotherFolderFlagged() throws {
        let repo = try CaseRepo()
        let (id, path) = try coop(repo)
        try repo.box.write("%PDF-1.4 plan\n", to: "a/plan.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/a/plan.pdf"]),
                                     dependency: "HGE")
        #expect(try index(repo, path).documentos.map(\.archivo) == ["dependencias/HGE/plan.pdf"])
        #expect(try repo.book.verify().violations.isEmpty)
        // The same commit as HRO's contact's: its entry says 'por: hro', the author is HRO's contact.
        let found = try forgedIndexErrors(repo, path, replacing: "por: mrodriguez", with: "por: hro", author: "Rosa Tzul (HRO) <rtzul@igss.gob.gt>")
        #expect(found.contains { $0.message.contains("la agrega el enlace de HRO en dependencias/HGE/plan.pdf, como de HGE") }, "\(found.map(\.message))")
    }

    /// attack26b: at P6-09 the executing unit's attachments go to `anexos/`, and one named as the
    /// department's document became its "new version" (`dictamen-v2.pdf`, reemplaza the
    /// department's folio) without any --replaces. A name taken by a document the persona may not
    /// version gives a document of its own beside it.
    @Test("an executing unit's step attaching a file named as the department's document keeps both: its own document, not a new version")
    func unitStepDoesNotSupersede() throws {
        let repo = try CaseRepo()
        let opened = try repo.openP6Request()
        let (id, path) = (opened.caseID, opened.path)
        try repo.box.write("%PDF-1.4 dictamen del departamento\n", to: "a/dictamen.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "alopez", text: nil, archive: ArchiveRequest(files: [repo.box.path + "/a/dictamen.pdf"]))
        try repo.step(id, "02", as: "mrodriguez")
        try repo.step(id, "03", as: "alopez")
        try repo.step(id, "04", as: "alopez", decision: "si")
        for step in ["05", "06", "07"] { try repo.step(id, step, as: step == "05" ? "alopez" : "mrodriguez") }
        try repo.step(id, "08", as: "mrodriguez", sets: ["resolucion=R-1", "notificacion_unidad=O-1", "notificacion_subgerencia=O-2"])
        try repo.box.write("%PDF-1.4 otro dictamen\n", to: "x/dictamen.pdf")
        try repo.step(id, "09", as: "dip", attach: [repo.box.path + "/x/dictamen.pdf"])
        let documents = try index(repo, path).documentos
        let department = try #require(documents.first { $0.archivo == "anexos/dictamen.pdf" })
        let unit = try #require(documents.last)
        #expect(unit.archivo == "anexos/dictamen-v2.pdf" && unit.por == "dip" && unit.reemplaza == nil, "\(unit)")
        #expect(!documents.contains { $0.reemplaza == department.folio })
        #expect(try repo.book.verify().violations.filter { $0.rule == "archive" }.isEmpty)
    }

    @Test("a file put into the folder with an editor: attach adopts it where it is; a step adopts it too; no duplicate")
    func adoptDropped() throws {
        let repo = try CaseRepo()
        let (id, path) = try coop(repo)
        try repo.write("%PDF-1.4 dictamen\n", to: "\(path)/anexos/dictamen.pdf")
        let warning = try repo.book.verify().violations.first { $0.rule == "archive" }
        #expect(warning?.severity == "warning" && warning?.fix.contains("folio attach \(id) \(path)/anexos/dictamen.pdf") == true)
        // Following the hint from the repository's root adopts the file: no copy, no -v2.
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Incorpora el dictamen",
                                     archive: ArchiveRequest(files: [repo.path + "/\(path)/anexos/dictamen.pdf"]))
        var idx = try index(repo, path)
        #expect(idx.documentos.map(\.archivo) == ["anexos/dictamen.pdf"])
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/\(path)/anexos/dictamen-v2.pdf"))
        #expect(try repo.book.verify().violations.isEmpty)
        // Attaching it again is refused: it is already folio 1.
        try repo.expectRefusal(["ya está en el índice como folio 1", "--replaces 1"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "otra vez",
                                         archive: ArchiveRequest(files: [repo.path + "/\(path)/anexos/dictamen.pdf"]))
        }
        // A file dropped before a step enters the index with that step.
        try repo.write("%PDF-1.4 oficio\n", to: "\(path)/anexos/oficio.pdf")
        try repo.step(id, as: "mrodriguez")
        idx = try index(repo, path)
        #expect(idx.documentos.map(\.archivo) == ["anexos/dictamen.pdf", "anexos/oficio.pdf"] && idx.documentos[1].paso == "02")
        #expect(try repo.git(["ls-tree", "--name-only", "HEAD", "\(path)/anexos/"]).lines.count == 2)
        #expect(try repo.book.verify().violations.isEmpty)
    }

    @Test("names that join a slash into one Swift character (U+0600 ending a folder, U+0301 starting a file): attached and adopted where git keeps them")
    func namesJoiningTheSlash() throws {
        let repo = try CaseRepo()
        let (id, path) = try coop(repo)
        // From a folder whose name ends with U+0600, and a file whose name starts with U+0301.
        try repo.box.write("%PDF-1.4 informe\n", to: "entrada\u{600}/informe.pdf")
        try repo.box.write("%PDF-1.4 acta\n", to: "b/\u{301}acta.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Incorpora dos",
                                     archive: ArchiveRequest(files: [repo.box.path + "/entrada\u{600}/informe.pdf", repo.box.path + "/b/\u{301}acta.pdf"]))
        // Put into anexos/ with an editor: the next note adopts it where it is.
        try repo.write("%PDF-1.4 dictamen\n", to: "\(path)/anexos/\u{301}dictamen.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Incorpora el dictamen")
        let archived = try index(repo, path).documentos.map(\.archivo)
        #expect(archived.map { Array($0.utf8) } == ["anexos/informe.pdf", "anexos/\u{301}acta.pdf", "anexos/\u{301}dictamen.pdf"].map { Array($0.utf8) },
                "\(archived)")
        let tree = try repo.git(["-c", "core.quotepath=off", "ls-tree", "--name-only", "HEAD", "\(path)/anexos/"]).lines
        #expect(Set(tree.map { Array($0.utf8) }) == Set(archived.map { Array("\(path)/\($0)".utf8) }), "\(tree)")
        #expect(try repo.book.verify().violations.isEmpty)
        #expect(try repo.book.check().problems.isEmpty)
        // folio check of the case lists an unrecorded file of that kind at the folder's top.
        try repo.write("x\n", to: "\(path)/\u{301}otra.md")
        #expect(try repo.book.check(caseID: id).unrecorded.map { Array($0.utf8) } == [Array("\(path)/\u{301}otra.md".utf8)])
        try FileManager.default.removeItem(atPath: repo.path + "/\(path)/\u{301}otra.md")
        // Overwritten or deleted with plain git (attack20: the archive rule cut the name by
        // characters, never saw its folder as changed, and the hook let both through).
        let head = try repo.git(["rev-parse", "HEAD"])
        for change in [["sh", "-c", "printf falso > '\(path)/anexos/\u{301}acta.pdf'"], ["git", "rm", "-q", "\(path)/anexos/\u{301}acta.pdf"]] {
            _ = try Sandbox.run("/usr/bin/env", change, in: repo.path)
            _ = try repo.git(["commit", "-qam", "cambia", "--author", "Ana López <alopez@igss.gob.gt>"])
            let found = try repo.book.verify(range: "HEAD~1..HEAD").violations
            #expect(found.contains { $0.rule == "archive" && $0.severity == "error" && $0.message.contains("folio 2") }, "\(change): \(found)")
            _ = try repo.git(["reset", "-q", "--hard", head])
        }
    }

    @Test("a name written decomposed (as macOS writes it) dropped into anexos/: adopted under its composed name, as the index says; beside an archived one of the same name, refused")
    func decomposedNames() throws {
        let repo = try CaseRepo()
        try repo.box.write("%PDF-1.4 acta\n", to: "a/acta-revisi\u{f3}n.pdf")
        let (id, path) = try coop(repo, attach: [repo.box.path + "/a/acta-revisi\u{f3}n.pdf"])
        try repo.write("%PDF-1.4 minuta\n", to: "\(path)/anexos/minuta reunio\u{301}n.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Minuta")
        #expect(try index(repo, path).documentos.map { Array($0.archivo.utf8) }
                == ["anexos/acta-revisi\u{f3}n.pdf", "anexos/minuta reuni\u{f3}n.pdf"].map { Array($0.utf8) })
        let tree = try repo.git(["-c", "core.quotepath=off", "ls-tree", "--name-only", "HEAD", "\(path)/anexos/"]).lines
        #expect(Set(tree.map { Array($0.utf8) }) == Set(["acta-revisi\u{f3}n.pdf", "minuta reuni\u{f3}n.pdf"].map { Array("\(path)/anexos/\($0)".utf8) }), "\(tree)")
        #expect(try repo.book.verify().violations.isEmpty)
        // The same name as an archived document, decomposed: not that document changed, and not a second file of that name.
        let head = try repo.git(["rev-parse", "HEAD"])
        try repo.write("%PDF-1.4 otra acta\n", to: "\(path)/anexos/acta-revisio\u{301}n.pdf")
        try repo.expectRefusal(["acentos escritos descompuestos", "folio 1"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Otra acta")
        }
        #expect(try repo.git(["rev-parse", "HEAD"]) == head)
        #expect(FileManager.default.fileExists(atPath: repo.path + "/\(path)/anexos/acta-revisio\u{301}n.pdf"), "the refusal renames nothing")
        try FileManager.default.removeItem(atPath: repo.path + "/\(path)/anexos/acta-revisio\u{301}n.pdf")
        // folio attach of such a file where it is: the same.
        try repo.write("%PDF-1.4 oficio\n", to: "\(path)/anexos/oficio-remisio\u{301}n.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Oficio",
                                     archive: ArchiveRequest(files: [repo.path + "/\(path)/anexos/oficio-remisio\u{301}n.pdf"]))
        #expect(try index(repo, path).documentos.last?.archivo.utf8.elementsEqual("anexos/oficio-remisi\u{f3}n.pdf".utf8) == true)
        #expect(try repo.book.verify().violations.isEmpty)
    }

    @Test("an edit committed with plain git by registered staff: verify's warning says how to redo it with folio, and following it leaves nothing to report")
    func redoOutsideFolio() throws {
        let repo = try CaseRepo()
        let (id, path) = try coop(repo)
        try repo.write(repo.read("\(path)/expediente.md") + "\nNota de la reunión.\n", to: "\(path)/expediente.md")
        _ = try repo.git(["commit", "-qam", "nota", "--author", "María Rodríguez <mrodriguez@igss.gob.gt>"])
        let commit = try repo.git(["rev-parse", "--short=7", "HEAD"])
        let warning = try #require(try repo.book.verify().violations.first { $0.rule == "outside-folio" })
        #expect(warning.severity == "warning" && warning.fix.contains("'git reset --soft \(commit)~1'") && warning.fix.contains("'folio note \(id) -m TEXTO'"),
                "\(warning.fix)")
        _ = try repo.git(["reset", "-q", "--soft", "\(commit)~1"])
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Nota de la reunión")
        #expect(try repo.book.verify().violations.isEmpty)
        #expect(repo.read("\(path)/expediente.md").contains("Nota de la reunión."))
    }

    @Test("an index entry pointed at the other Unicode form of its name (é as e + U+0301), with other bytes there, is a changed entry")
    func entryPointedAtOtherForm() throws {
        let repo = try CaseRepo()
        try repo.box.write("%PDF-1.4 original\n", to: "a/\u{e9}.pdf")
        let (_, path) = try coop(repo, attach: [repo.box.path + "/a/\u{e9}.pdf"])
        let index = "\(path)/indice.md"
        try repo.write(repo.read(index).replacingOccurrences(of: "anexos/\u{e9}.pdf", with: "anexos/e\u{301}.pdf"), to: index)
        try repo.write("FALSIFICADO\n", to: "\(path)/anexos/e\u{301}.pdf")
        _ = try repo.git(["add", "-A"])
        _ = try repo.git(["commit", "-qm", "cambia", "--author", "Ana López <alopez@igss.gob.gt>"])
        let found = try repo.book.verify(range: "HEAD~1..HEAD").violations
        #expect(found.contains { $0.rule == "archive" && $0.severity == "error" && $0.message.contains("folio 1") }, "\(found)")
    }

    @Test("a note does not adopt a hidden file (a dot first, whatever follows it) nor a file in a dependency folder that is no code")
    func notAdopted() throws {
        let repo = try CaseRepo()
        let (id, path) = try coop(repo)
        try repo.write("%PDF-1.4 oculto\n", to: "\(path)/anexos/.\u{301}oculto.pdf")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Nota")
        let noIndex = !FileManager.default.fileExists(atPath: repo.path + "/\(path)/indice.md")
        #expect(try noIndex || index(repo, path).documentos.isEmpty)
        try FileManager.default.removeItem(atPath: repo.path + "/\(path)/anexos/.\u{301}oculto.pdf")
        let head = try repo.git(["rev-parse", "HEAD"])
        for folder in ["HGE\u{600}", "\u{301}HGE", "hge"] {
            try repo.write("%PDF-1.4 oficio\n", to: "\(path)/dependencias/\(folder)/oficio.pdf")
            try repo.expectRefusal(["no es el código de una dependencia", "dependencias/CODIGO/"]) {
                _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Oficio")
            }
            #expect(try repo.git(["rev-parse", "HEAD"]) == head)
            try FileManager.default.removeItem(atPath: repo.path + "/\(path)/dependencias/\(folder)")
        }
    }

    @Test("an archived document changed in place: the step is refused; verify's hint restores it from the state found")
    func changedInPlace() throws {
        let repo = try CaseRepo()
        try repo.box.write("%PDF-1.4 original\n", to: "a/acta.pdf")
        let (id, path) = try coop(repo, attach: [repo.box.path + "/a/acta.pdf"])
        let file = "\(path)/anexos/acta.pdf"
        try repo.write("%PDF-1.4 cambiado\n", to: file)
        try repo.expectRefusal(["\(file)", "folio 1", "git restore --source=HEAD --staged --worktree \(file)", "--replaces 1"]) { try repo.step(id, as: "mrodriguez") }
        var finding = try repo.book.verify().violations.first { $0.rule == "archive" }
        #expect(finding?.fix.contains("git restore --source=HEAD --staged --worktree \(file)") == true)
        // Committed over with plain git: HEAD no longer has it, so the hint names the commit that does.
        try repo.git(["commit", "-qam", "sobrescribe"])
        let overwrite = try repo.git(["rev-parse", "HEAD"])
        // (The tip's finding, beside the overwriting commit's own.)
        finding = try repo.book.verify().violations.first { $0.rule == "archive" && !$0.message.hasPrefix("El commit") }
        let opening = try repo.git(["rev-parse", "--short", "HEAD~1"])
        #expect(finding?.fix.contains("git checkout \(opening) -- \(file)") == true, "\(finding?.fix ?? "")")
        try repo.git(["checkout", opening, "--", file])
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Restaura el folio 1")
        // The archive is whole again; the commit that overwrote it stays on record (each commit is checked).
        let left = try repo.book.verify().violations.filter { $0.rule == "archive" }
        #expect(left.map(\.commit) == [overwrite] && left[0].message.contains("\(file), el folio 1"), "\(left)")
    }

    @Test("indice.md edited by hand (a title, a hash with its file, an entry added): step and note refuse it; an entry put back as first archived is a restoration")
    func indexEditedByHand() throws {
        let repo = try CaseRepo()
        try repo.box.write("%PDF-1.4 acta\n", to: "a/acta.pdf")
        let (id, path) = try coop(repo, attach: [repo.box.path + "/a/acta.pdf"])
        let indexFile = "\(path)/indice.md"
        let committed = try repo.read(indexFile)
        #expect(committed.contains("titulo: acta\n"))
        // A typo fixed in a title: refused by step and note, naming the folio and the way to a corrected title.
        try repo.write(committed.replacingOccurrences(of: "titulo: acta\n", with: "titulo: Acta de la sesión\n"), to: indexFile)
        try repo.expectRefusal([indexFile, "folio 1", "git restore --source=HEAD --staged --worktree \(indexFile)", "--replaces FOLIO --title"]) { try repo.step(id, as: "mrodriguez") }
        // The pre-commit hook's check says the same before a plain commit could take it.
        var checked = try repo.book.check()
        #expect(!checked.ok && checked.problems.contains { $0.file == indexFile && $0.message.contains("folio 1") }, "\(checked.problems)")
        try repo.expectRefusal([indexFile, "folio 1"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "nota", archive: nil)
        }
        // A document changed with its new SHA-256 written into the index: refused (compared with HEAD's index, not with itself).
        let (old, new) = (try sha256("%PDF-1.4 acta\n"), try sha256("%PDF-1.4 otra\n"))
        try repo.write("%PDF-1.4 otra\n", to: "\(path)/anexos/acta.pdf")
        try repo.write(committed.replacingOccurrences(of: old, with: new), to: indexFile)
        try repo.expectRefusal([indexFile, "folio 1"]) { try repo.step(id, as: "mrodriguez") }
        checked = try repo.book.check()
        #expect(checked.problems.contains { $0.file == "\(path)/anexos/acta.pdf" && $0.message.contains("cambió") }, "\(checked.problems)")
        try FileManager.default.removeItem(atPath: repo.path + "/\(path)/anexos/acta.pdf")
        checked = try repo.book.check()
        #expect(checked.problems.contains { $0.file == "\(path)/anexos/acta.pdf" && $0.message.contains("falta") && $0.message.contains("git restore") },
                "\(checked.problems)")
        // The deletion staged with 'git add -A': the command the message gives still brings the file back.
        try repo.git(["add", "-A"])
        let command = try #require(checked.problems.first { $0.message.contains("falta") }?.message
            .components(separatedBy: "'").first { $0.hasPrefix("git restore") })
        _ = try Sandbox.gitOut(Array(command.split(separator: " ").dropFirst().map(String.init)), in: repo.path)
        #expect(try repo.read("\(path)/anexos/acta.pdf") == "%PDF-1.4 acta\n")
        #expect(try repo.git(["status", "--porcelain", "--", "\(path)/anexos"]).isEmpty)
        // An entry added by hand (folio 1's, copied as folio 2): refused too.
        try repo.git(["checkout", "--", path])
        let frontMatterEnd = committed.range(of: "\n---\n", range: committed.index(after: committed.startIndex)..<committed.endIndex)!
        let entry = committed[committed.range(of: "- folio: 1\n")!.lowerBound..<frontMatterEnd.lowerBound]
        try repo.write(committed.replacingCharacters(in: frontMatterEnd.lowerBound..<frontMatterEnd.lowerBound,
                                                     with: "\n" + entry.replacingOccurrences(of: "- folio: 1", with: "- folio: 2")), to: indexFile)
        try repo.expectRefusal([indexFile, "folio 2", "folio no escribió"]) { try repo.step(id, as: "mrodriguez") }
        try repo.git(["checkout", "--", path])
        #expect(try repo.book.verify().ok)
        // The table alone edited (the front matter is the record): verify warns; the next note writes it again from the front matter.
        let row = try #require(committed.split(separator: "\n").first { $0.hasPrefix("| 1 |") })
        try repo.write(committed.replacingOccurrences(of: row, with: row.replacingOccurrences(of: "| acta |", with: "| Acta falsa |")), to: indexFile)
        try repo.git(["commit", "-qam", "tabla"])
        let table = try repo.git(["rev-parse", "HEAD"])
        let warned = try repo.book.verify().violations.filter { $0.rule == "archive" }
        #expect(warned.count == 1 && warned[0].severity == "warning" && warned[0].message.contains("la tabla"), "\(warned)")
        try repo.write("Revisado.\n", to: "\(path)/revision.md")
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Revisión", archive: nil)
        #expect(try repo.read(indexFile) == committed.replacingOccurrences(of: "Estado: abierto", with: "Estado: abierto"))
        #expect(!(try repo.book.verify().violations.contains { $0.rule == "archive" }))
        // An edit that landed anyway (plain git) and its restoration: only the edit stays on record.
        try repo.write(committed.replacingOccurrences(of: "titulo: acta\n", with: "titulo: Acta corregida\n"), to: indexFile)
        try repo.git(["commit", "-qam", "corrige el título"])
        let edit = try repo.git(["rev-parse", "HEAD"])
        try repo.git(["checkout", "HEAD~3", "--", indexFile])
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Se restaura el índice", archive: nil)
        let restoration = try repo.git(["rev-parse", "HEAD"])
        let found = try repo.book.verify().violations.filter { $0.isError }
        #expect(Set(found.map(\.commit)) == [table, edit] && found.filter { $0.commit == table }.allSatisfy { $0.rule == "outside-folio" } && found.contains { $0.rule == "archive" && $0.message.contains("la entrada del folio 1") }, "\(found)")
        #expect(!found.contains { $0.commit == restoration })
        #expect(try repo.book.verify(range: "\(edit)..HEAD").ok)
    }

    private func sha256(_ text: String) throws -> String {
        String(try Sandbox.run("/usr/bin/sha256sum", [], in: "/", input: text).out.prefix(64))
    }

    @Test("the same bytes archived again are a copy, refused unless given as a new version (a corrected title); one title is one document's")
    func copiesRefused() throws {
        let repo = try CaseRepo()
        try repo.box.write("%PDF-1.4 acta\n", to: "a/acta.pdf")
        try repo.box.write("%PDF-1.4 otra\n", to: "a/otra.pdf")
        let (id, path) = try coop(repo, attach: [repo.box.path + "/a/acta.pdf"])
        // A renamed copy left in the folder (the original restored beside it), taken by the next note: refused, naming folio 1.
        try repo.write("%PDF-1.4 acta\n", to: "\(path)/anexos/acta (copia).pdf")
        try repo.expectRefusal(["anexos/acta (copia).pdf", "mismo contenido", "folio 1", "--replaces 1 --title"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "nota", archive: nil)
        }
        try FileManager.default.removeItem(atPath: repo.path + "/\(path)/anexos/acta (copia).pdf")
        // From outside, the same: refused, nothing copied in.
        try repo.expectRefusal(["mismo contenido", "folio 1"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "otra vez", archive: ArchiveRequest(files: [repo.box.path + "/a/acta.pdf"]))
        }
        // As a new version with a corrected title: taken.
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Corrige el título",
                                     archive: ArchiveRequest(files: [repo.box.path + "/a/acta.pdf"], title: "Acta de la sesión", replaces: 1))
        let documents = try index(repo, path).documentos
        #expect(documents.count == 2 && documents[1].titulo == "Acta de la sesión" && documents[1].reemplaza == 1 && documents[1].sha256 == documents[0].sha256)
        // A new version of another folio with a copy's bytes: refused (otra.pdf is folio 3; acta's bytes are folios 1 and 2).
        _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "Otra", archive: ArchiveRequest(files: [repo.box.path + "/a/otra.pdf"]))
        try repo.box.write("%PDF-1.4 acta\n", to: "b/acta-nueva.pdf")
        try repo.expectRefusal(["mismo contenido", "folio 1", "--replaces 1"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "v2", archive: ArchiveRequest(files: [repo.box.path + "/b/acta-nueva.pdf"], replaces: 3))
        }
        // The pre-commit hook's check finds a copy left in the folder before a plain commit takes it.
        try repo.write("%PDF-1.4 otra\n", to: "\(path)/anexos/otra (1).pdf")
        let copy = try repo.book.check().problems.first { $0.file == "\(path)/anexos/otra (1).pdf" }
        #expect(copy?.message.contains("folio 3") == true && copy?.message.contains("es una copia") == true, "\(String(describing: copy))")
        try FileManager.default.removeItem(atPath: repo.path + "/\(path)/anexos/otra (1).pdf")
        // One --title for two files: refused.
        try repo.expectRefusal(["--title", "uno a uno"]) {
            _ = try repo.book.recordNote(caseID: id, persona: "mrodriguez", text: "dos",
                                         archive: ArchiveRequest(files: [repo.box.path + "/a/otra.pdf", repo.box.path + "/a/acta.pdf"], title: "Actas"))
        }
        #expect(try repo.book.verify().ok)
    }

    @Test("a dependency's step commits only its own files and is not blocked by another dependency's broken file")
    func ownFilesOnly() throws {
        let repo = try CaseRepo(date: "2026-11-27T08:00:00-06:00")
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        try repo.writeProduction(id, "HRO")
        try repo.write("programa,producto\nEMA\n", to: "cases/2026/\(id)/produccion/HGE.csv")
        try repo.expectRefusal(["hge es el contacto registrado de HGE, no de HRO"]) { try repo.step(id, "01", as: "hge", dependency: "HRO") }
        try repo.step(id, "01", as: "hro", dependency: "HRO")
        #expect(try repo.git(["show", "--name-only", "--format=", "HEAD"]).lines
            == ["cases/2026/\(id)/hoja-de-ruta.md", "cases/2026/\(id)/produccion/HRO.csv"])
        #expect(try repo.git(["status", "--porcelain"]) == "?? cases/2026/\(id)/produccion/HGE.csv", "HGE's file stays HGE's")
        try repo.expectRefusal(["produccion/HGE.csv"]) { try repo.step(id, "01", as: "hge", dependency: "HGE") }
        // The contact need not repeat the code; and cannot act for another dependency.
        try repo.writeProduction(id, "HGE")
        try repo.step(id, "01", as: "hge")
        #expect(try repo.git(["log", "-1", "--format=%(trailers:key=Dependencia,valueonly,separator=)"]) == "HGE")
        // A change staged in another dependency's file would enter the commit: refused.
        try repo.write("x\n", to: "cases/2026/\(id)/dependencias/HRO/nota.md")
        try repo.git(["add", "cases/2026/\(id)/dependencias/HRO/nota.md"])
        try repo.expectRefusal(["preparados con 'git add' en el expediente que este paso no registra (registra solo cases/2026/\(id)/",
                                "dependencias/HRO/nota.md", "git restore --staged"]) {
            try repo.step(id, "02", as: "cmendez", dependency: "HGE")
        }
    }

    @Test("a contact must be registered with their code (and may carry the dependency's name); without one they cannot act")
    func contactNeedsCode() throws {
        let repo = try CaseRepo(date: "2026-11-27T08:00:00-06:00")
        try repo.expectRefusal(["sin el código", "--dependency"]) {
            try repo.book.addPersona(Persona(id: "hga", name: "Sonia Chávez", email: "schavez@igss.gob.gt", roles: [.dependencia]),
                                     actor: "mrodriguez")
        }
        try repo.book.addPersona(Persona(id: "hga", name: "Sonia Chávez", email: "schavez@igss.gob.gt", roles: [.dependencia],
                                         dependency: "HGA", dependencyName: "Hospital General de Accidentes"), actor: "mrodriguez")
        #expect(repo.read("roles.yaml").contains("nombre_dependencia: Hospital General de Accidentes"))
        #expect(try repo.book.roster(at: try #require(OID(hex: repo.git(["rev-parse", "HEAD"])))).find("hga")?.dependencyName
            == "Hospital General de Accidentes")
        // A contact without code written into roles.yaml by hand (by a jefe) cannot act for anyone.
        let roles = repo.read("roles.yaml") + "  - id: libre\n    nombre: Sin Código\n    correo: libre@igss.gob.gt\n    roles: [dependencia]\n"
        try repo.write(roles, to: "roles.yaml")
        try repo.git(["commit", "-qam", "agrega un contacto", "--author", CaseRepo.jefe])
        let id = try repo.book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        try repo.writeProduction(id, "HGE")
        try repo.expectRefusal(["libre tiene el rol dependencia", "sin el código"]) { try repo.step(id, "01", as: "libre", dependency: "HGE") }
    }
}
