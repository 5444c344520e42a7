import Foundation
import Testing
import TestSupport

@Suite("The head's view of time: status names each deadline's rule, report plazos gives the reasons in full")
struct ComplianceTests {
    @Test("status says whose rule a deadline is; report plazos lists every step out of time with its justification, whole")
    func compliance() throws {
        let cli = CLI()
        try cli.setUp()
        for (id, name, email, role, dep) in [("cmendez", "Carla Méndez", "cmendez@igss.gob.gt", "secretaria", nil as String?),
                                             ("hge", "Luis Ajú", "laju@igss.gob.gt", "dependencia", "HGE")] {
            var args = ["roles", "add", id, "--name", name, "--email", email, "--role", role, "--as", "mrodriguez"]
            if let dep { args += ["--dependency", dep] }
            #expect(try Sandbox.run(CLI.binary, args, in: cli.repo, env: ["FOLIO_DATE": "2026-11-02T09:00:00-06:00"]).ok)
        }
        #expect(try cli.folio("new", "3", "--month", "2026-11", "--as", "cmendez", date: "2026-11-20T09:00:00-06:00").ok)
        try FileManager.default.createDirectory(atPath: cli.repo + "/cases/2026/PROD-2026-11/produccion", withIntermediateDirectories: true)
        try "programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado\nEMA,Consultas médicas,consulta,1250,1200,0\n"
            .write(toFile: cli.repo + "/cases/2026/PROD-2026-11/produccion/HGE.csv", atomically: true, encoding: .utf8)
        let status = try cli.folio("status", "PROD-2026-11", date: "2026-11-20T09:00:00-06:00")
        #expect(status.out.contains("vence el 2026-11-30 (norma 1)"), "\(status.out)")
        let reason = "La dependencia cierra el 20 por inventario anual y no registra después de esa fecha"
        let early = try cli.folio("step", "PROD-2026-11", "01", "--dependency", "HGE", "--as", "hge", "--justificacion", reason,
                                  date: "2026-11-20T10:00:00-06:00")
        #expect(early.ok, "\(early.err)")
        let report = try cli.folio("report", "plazos", "--month", "2026-11", date: "2026-11-21T09:00:00-06:00")
        #expect(report.ok && report.out.contains("1 antes de abrir el plazo"))
        // The table cuts nothing: the id and the heading whole, the reason said below it.
        #expect(report.out.contains("JUSTIFICADO") && report.out.contains("2026-11-20  PROD-2026-11  01    HGE   Luis Ajú  abre 2026-11-26  6 días antes  norma 1  sí"),
                "\(report.out)")
        #expect(report.out.contains("PROD-2026-11 paso 01 [HGE], Luis Ajú, 6 días antes: «\(reason)»"), "the reason whole: \(report.out)")
        let json = try cli.json(try cli.folio("report", "plazos", "--month", "2026-11", "--json", date: "2026-11-21T09:00:00-06:00")) as? [String: Any]
        #expect(json?["early"] as? Int == 1 && (json?["steps"] as? [[String: Any]])?.first?["justification"] as? String == reason)
    }
}
