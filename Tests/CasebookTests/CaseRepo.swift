import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

/// A case repository in a temporary folder, with the department's staff registered.
final class CaseRepo {
    let box = Sandbox()
    let path: String
    let book: Casebook

    static let jefe = "María Rodríguez <mrodriguez@igss.gob.gt>"

    init(date: String = "2026-11-02T09:00:00-06:00", staff: Bool = true) throws {
        path = box.path + "/expedientes"
        book = try Casebook.create(at: path, jefe: Self.jefe, schemas: Sandbox.schemas, clock: Clock(now: Clock.parse(date)!))
        try git(["config", "user.name", "María Rodríguez"])
        try git(["config", "user.email", "mrodriguez@igss.gob.gt"])
        guard staff else { return }
        let people: [(String, String, String, [Role], String?)] = [
            ("alopez", "Ana López", "alopez@igss.gob.gt", [.analista, .asistente], nil),
            ("jperez", "Jorge Pérez", "jperez@igss.gob.gt", [.asistente], nil),
            ("cmendez", "Carla Méndez", "cmendez@igss.gob.gt", [.secretaria], nil),
            ("hge", "Luis Ajú (HGE)", "laju@igss.gob.gt", [.dependencia], "HGE"),
            ("hro", "Rosa Tzul (HRO)", "rtzul@igss.gob.gt", [.dependencia], "HRO"),
            ("dip", "Pedro Xol (DIP)", "pxol@igss.gob.gt", [.unidadEjecutora], "DIP"),
        ]
        for (id, name, email, roles, dep) in people {
            try book.addPersona(Persona(id: id, name: name, email: email, roles: roles, dependency: dep), actor: "mrodriguez")
        }
    }

    /// A P2 (POA) case opened by the jefe and recorded up to step 09: ready for each dependency's POA (10).
    func poaRound() throws -> String {
        let id = try book.openCase(NewCaseRequest(procedure: "2", title: "POA 2027", sets: ["coordinacion=Presupuesto", "coordinacion_anteproyecto=Acta 14-2026"],
                                                  persona: "mrodriguez")).caseID
        for who in ["mrodriguez", "jperez", "jperez", "mrodriguez", "mrodriguez", "mrodriguez", "mrodriguez", "mrodriguez"] {
            try step(id, as: who)
        }
        return id
    }

    /// Commits all the work tree holds with plain git (`git add -A`; an empty commit too), as
    /// `author`: what someone with push access and no folio can do. Returns the commit's id.
    @discardableResult
    func plainCommit(_ message: String, author: String = "Ana López <alopez@igss.gob.gt>") throws -> String {
        _ = try git(["add", "-A"])
        _ = try git(["commit", "-q", "--allow-empty", "--author", author, "-m", message])
        return try git(["rev-parse", "HEAD"])
    }

    /// The message folio writes for an analyst's P2 step of dependency `code`, trailers and all,
    /// for a step forged with plain git (`plainCommit`).
    static func poaStepMessage(_ id: String, step: String, dependency code: String) -> String {
        "\(id): paso \(step) \(code)\n\nExpediente: \(id)\nProcedimiento: 2\nPaso: \(step)\nRol: analista\nDependencia: \(code)\n"
            + "Signed-off-by: Ana López <alopez@igss.gob.gt>\n"
    }

    func at(_ date: String) {
        book.clock.now = Clock.parse(date)!
    }

    @discardableResult
    func git(_ args: [String], input: String? = nil) throws -> String {
        // Plain git commits carry the repository's clock too: history does not go back in time.
        let date = book.clock.iso(book.clock.now)
        let r = try Sandbox.git(args, in: path, env: ["GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date], input: input)
        guard r.ok else { throw SandboxError.commandFailed("git \(args.joined(separator: " ")): \(r.err)") }
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func write(_ text: String, to relative: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Writes a dependency's production file for a P3 month, with `executed` consultations.
    func writeProduction(_ caseID: String, _ dependency: String, executed: Int = 1200, programmed: Int = 1250) throws {
        try write("""
            programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado
            EMA,Consultas médicas,consulta,\(programmed),\(executed),0
            EMA,Egresos hospitalarios,egreso,300,290,0

            """, to: "cases/\(caseID.split(separator: "-")[1])/\(caseID)/produccion/\(dependency).csv")
    }

    /// A P3 month (2026-11) opened by the secretaria, with `dependency`'s figures recorded by its
    /// contact at step 01; its id.
    func productionMonth(reporting dependency: String = "HGE") throws -> String {
        let id = try book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        try writeProduction(id, dependency)
        try step(id, "01", as: dependency.lowercased(), dependency: dependency)
        return id
    }

    func read(_ relative: String) -> String {
        (try? String(contentsOfFile: path + "/" + relative, encoding: .utf8)) ?? ""
    }

    @discardableResult
    func step(_ id: String, _ step: String? = nil, as persona: String, decision: String? = nil, dependency: String? = nil,
              sets: [String] = [], attach: [String] = [], text: String? = nil, justification: String? = nil) throws -> RecordedCommit {
        try book.recordStep(StepRequest(caseID: id, step: step, persona: persona, decision: decision, dependency: dependency,
                                        sets: sets, attachments: attach, text: text, justification: justification))
    }

    /// A complete P6 request opened by the unit DIP with its transfer attached (`anexos/transferencia-0198.pdf`).
    func openP6Request() throws -> RecordedCommit {
        try box.write(Self.p6Request, to: "in/solicitud.md")
        try box.write("%PDF-1.4\n", to: "in/transferencia-0198.pdf")
        return try book.openCase(NewCaseRequest(procedure: "6", title: "Metas", sets: ["snip=276510"],
                                                attachments: [box.path + "/in/solicitud.md", box.path + "/in/transferencia-0198.pdf"], persona: "dip"))
    }

    /// A complete P6 request (`solicitud.md` naming its transfer), as a unit writes it.
    static let p6Request = """
        ---
        motivos: Daños en la losa de emergencias
        modificaciones:
          - {meta: Emergencias, unidad_medida: metro cuadrado, antes: 600, movimiento: 800, despues: 1400}
        transferencia: anexos/transferencia-0198.pdf
        ---
        """

    /// HEAD, the index, the work tree's files and any lock: what a refusal must leave as it was.
    func snapshot() throws -> String {
        var parts = [try git(["rev-parse", "HEAD"]), try git(["ls-files", "-s"]), try git(["status", "--porcelain", "--untracked-files=all"])]
        let fm = FileManager.default
        let files = (fm.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter { !$0.hasPrefix(".git/") && $0 != ".git" }.sorted()
        for f in files {
            var isDir: ObjCBool = false
            fm.fileExists(atPath: path + "/" + f, isDirectory: &isDir)
            parts.append(f + (isDir.boolValue ? "/" : ":" + String(describing: fm.contents(atPath: path + "/" + f)?.hashValue ?? 0)))
        }
        let locks = (fm.enumerator(atPath: path + "/.git")?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".lock") }
        parts.append("locks:" + locks.joined(separator: ","))
        return parts.joined(separator: "\n")
    }

    /// Asserts that `body` is refused with a message containing every fragment, and changes nothing.
    func expectRefusal(_ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) throws {
        try expectRefusal(fragments, writing: [], sourceLocation: sourceLocation, body)
    }

    /// As `expectRefusal`, for a refusal that leaves the templates of the missing documents in the
    /// case (`written`, from the repository's root) and says so: besides them, nothing changes.
    func expectRefusal(_ fragments: [String], writing written: [String], sourceLocation: SourceLocation = #_sourceLocation,
                       _ body: () throws -> Void) throws {
        let before = try snapshot()
        var message = ""
        do {
            try body()
            Issue.record("expected a refusal containing \(fragments)", sourceLocation: sourceLocation)
        } catch {
            message = "\(error)"
        }
        for fragment in fragments + written.map({ "Plantilla escrita en \($0)" }) {
            #expect(message.contains(fragment), "«\(message)» lacks «\(fragment)»", sourceLocation: sourceLocation)
        }
        for file in written {
            #expect(FileManager.default.fileExists(atPath: path + "/" + file), "\(file) not written", sourceLocation: sourceLocation)
            try? FileManager.default.removeItem(atPath: path + "/" + file)
            // And the folders made for it, now empty.
            var folder = (file as NSString).deletingLastPathComponent
            while !folder.isEmpty, (try? FileManager.default.contentsOfDirectory(atPath: path + "/" + folder))?.isEmpty == true {
                try? FileManager.default.removeItem(atPath: path + "/" + folder)
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        #expect(try snapshot() == before, written.isEmpty ? "the refusal changed the repository" : "the refusal changed more than its templates",
                sourceLocation: sourceLocation)
    }
}

extension String {
    /// `s` without its trailing newline, split in lines.
    var lines: [String] { split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
}
