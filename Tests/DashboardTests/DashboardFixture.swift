import Casebook
import Foundation
import Procedures
import Testing
import TestSupport

/// A case repository with a P4 project that went round the SEGEPLAN loop and closed, a P3 month
/// with two dependencies, and a P7 case; and `folio serve` on it, reached with curl.
final class DashboardFixture: @unchecked Sendable {
    let box = Sandbox()
    let path: String
    let book: Casebook

    static let binary: String = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return exe.appendingPathComponent("folio").path
    }()

    init() throws {
        path = box.path + "/expedientes"
        book = try Casebook.create(at: path, jefe: "María Rodríguez <mrodriguez@igss.gob.gt>", schemas: Sandbox.schemas,
                                   clock: Clock(now: Clock.parse("2026-04-01T09:00:00-06:00")!))
        _ = try Sandbox.git(["config", "user.name", "María Rodríguez"], in: path)
        _ = try Sandbox.git(["config", "user.email", "mrodriguez@igss.gob.gt"], in: path)
        for (id, name, email, roles, dep) in [("rgarcia", "Rodrigo García", "rgarcia@igss.gob.gt", [Role.analista], nil as String?),
                                              ("cmendez", "Carla Méndez", "cmendez@igss.gob.gt", [.secretaria], nil),
                                              ("alopez", "Ana López", "alopez@igss.gob.gt", [.analista, .asistente], nil),
                                              ("hge", "Luis Ajú", "laju@igss.gob.gt", [.dependencia], "HGE"),
                                              ("hro", "Rosa Tzul", "rtzul@igss.gob.gt", [.dependencia], "HRO")] {
            try book.addPersona(Persona(id: id, name: name, email: email, roles: roles, dependency: dep), actor: "mrodriguez")
        }
        // P4 around the SEGEPLAN loop once, then closed.
        let pi = try book.openCase(NewCaseRequest(procedure: "4", title: "Hospital de Chimaltenango",
                                                  sets: ["snip=0289347", "unidad_ejecutora=División de Infraestructura"], persona: "mrodriguez")).caseID
        var day = 2
        func step(_ id: String, _ s: String, _ who: String, decision: String? = nil, dependency: String? = nil, text: String? = nil) throws {
            at(String(format: "2026-04-%02dT09:00:00-06:00", min(day, 28)))
            day += 1
            _ = try book.recordStep(StepRequest(caseID: id, step: s, persona: who, decision: decision, dependency: dependency, text: text))
        }
        for round in ["si", "no"] {
            try step(pi, "02", "mrodriguez")
            try step(pi, "03", "rgarcia")
            try step(pi, "04", "rgarcia", decision: "si")
            for s in ["05"] { try step(pi, s, "rgarcia") }
            for s in ["06", "07", "08", "09"] { try step(pi, s, "mrodriguez") }
            try step(pi, "10", "mrodriguez", decision: round, text: round == "si" ? "SEGEPLAN observa el presupuesto" : nil)
        }
        try step(pi, "11", "mrodriguez")
        try step(pi, "12", "rgarcia")
        try step(pi, "13", "mrodriguez")
        try step(pi, "14", "mrodriguez")
        // A document with hostile Markdown, committed with a note.
        try write("# Notas\n\n<script>alert('x')</script>\n\n[enlace](javascript:alert(1)) y [SNIP](https://snip.example.org)\n\n"
                  + "[b2](http://a.example/\"style=\"position:fixed;top:0\" \"t\") ![al\" style=\"position:fixed\" x=\"](/img.png)"
                  + " ![x](x\"onerror=\"alert(1))\n\n`<b>código</b>`\n", to: "cases/2026/\(pi)/notas.md")
        try write("%PDF-1.4 acta\n", to: "cases/2026/\(pi)/anexos/Acta de reunión.pdf")
        _ = try book.recordNote(caseID: pi, persona: "rgarcia", text: "Notas del analista")
        // P3, November: HGE up to 03, HRO at 01.
        at("2026-11-26T08:00:00-06:00")
        let prod = try book.openCase(NewCaseRequest(procedure: "3", month: "2026-11", persona: "cmendez")).caseID
        at("2026-11-27T10:00:00-06:00")
        for dep in ["HGE", "HRO"] {
            try write("programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado\nEMA,Consultas médicas,consulta,1250,1200,0\n",
                      to: "cases/2026/\(prod)/produccion/\(dep).csv")
            _ = try book.recordStep(StepRequest(caseID: prod, step: "01", persona: dep.lowercased(), dependency: dep))
        }
        _ = try book.recordStep(StepRequest(caseID: prod, step: "02", persona: "cmendez", dependency: "HGE"))
        // P7 waiting on step 02.
        _ = try book.openCase(NewCaseRequest(procedure: "7", title: "Becas OISS", sets: ["organismo=OISS"], persona: "mrodriguez"))
    }

    func at(_ date: String) { book.clock.now = Clock.parse(date)! }

    func write(_ text: String, to relative: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
}

/// `folio serve` running on a free port; stopped when released.
final class Server {
    let process = Process()
    let port: Int
    let output = Pipe()

    /// `leading`: the folder given before the command (`folio -C DIR serve`), as the README shows.
    init(directory: String, arguments: [String] = [], date: String = "2026-11-28T10:00:00-06:00", leading: Bool = false,
         command: String = "serve") throws {
        process.executableURL = URL(fileURLWithPath: DashboardFixture.binary)
        process.arguments = (leading ? ["-C", directory, command] : [command, "-C", directory]) + ["--port", "0"] + arguments
        // From a folder that is no repository: only -C names the one served.
        process.currentDirectoryURL = URL(fileURLWithPath: NSTemporaryDirectory())
        process.environment = Sandbox.environment(["FOLIO_DATE": date])
        process.standardOutput = output
        process.standardError = output
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while !text.contains("\n"), Date() < deadline, process.isRunning {
            text += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        }
        guard let range = text.range(of: #":(\d+)/"#, options: .regularExpression),
              let port = Int(text[range].dropFirst().dropLast()) else {
            process.terminate()
            throw SandboxError.commandFailed("folio serve no arrancó: \(text)")
        }
        self.port = port
    }

    deinit {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    struct Page {
        var status: Int
        var headers: String
        var body: String
    }

    func get(_ path: String, headers: [String] = []) throws -> Page {
        let box = Sandbox()
        let r = try Sandbox.run("/usr/bin/curl", ["-s", "-D", box.path + "/h", "-o", box.path + "/b", "-w", "%{http_code}"]
                                    + headers.flatMap { ["-H", $0] } + ["http://127.0.0.1:\(port)\(path)"], in: box.path)
        let head = (try? String(contentsOfFile: box.path + "/h", encoding: .utf8)) ?? ""
        let body = (try? String(contentsOfFile: box.path + "/b", encoding: .utf8)) ?? ""
        return Page(status: Int(r.out) ?? 0, headers: head, body: body)
    }

    func bytes(_ path: String) throws -> Data {
        let box = Sandbox()
        _ = try Sandbox.run("/usr/bin/curl", ["-s", "-o", box.path + "/b", "http://127.0.0.1:\(port)\(path)"], in: box.path)
        return FileManager.default.contents(atPath: box.path + "/b") ?? Data()
    }
}
