import Foundation
import Testing
import TestSupport

@Suite("The dashboard as a browser draws it (headless Chromium)", .serialized)
struct ScreenshotTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("portada, a P4 case round the SEGEPLAN loop, a P3 month with its dependencies, and the P4 flowchart render: not blank, their headings present",
          arguments: [("/", ["Tablero del Departamento de Planificación", "Expedientes por procedimiento y estado"]),
                      ("/expediente/PI-2026-0001", ["PI-2026-0001", "Dónde está en el procedimiento", "Hoja de ruta"]),
                      ("/expediente/PROD-2026-11", ["PROD-2026-11", "Por dependencia", "HGE", "HRO"]),
                      ("/procedimiento/4", ["Procedimiento 4", "Diagrama", "INICIO"])])
    func render(path: String, headings: [String]) throws {
        let chromium = try #require(Self.chromium, "Chromium falta: scripts/setup lo instala (apt-get install chromium)")
        let server = try Server(directory: DashboardTests.fixture.path)
        let box = Sandbox()
        let url = "http://127.0.0.1:\(server.port)\(path)"
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(box.path)/perfil"]
        let dom = try Sandbox.run(chromium, flags + ["--dump-dom", url], in: box.path)
        #expect(dom.ok, "\(dom.err.suffix(500))")
        for heading in headings { #expect(dom.out.contains(heading), "\(path): \(heading)") }
        let png = box.path + "/pagina.png"
        let shot = try Sandbox.run(chromium, flags + ["--window-size=1280,1600", "--screenshot=\(png)", url], in: box.path)
        #expect(shot.ok && FileManager.default.fileExists(atPath: png), "\(shot.err.suffix(500))")
        let colours = try Sandbox.run("/usr/bin/env", ["python3", Sandbox.projectRoot + "/scripts/png-colors.py", png], in: box.path)
        #expect((Int(colours.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 40, "\(path) rendered blank: \(colours.out) \(colours.err)")
    }
}
