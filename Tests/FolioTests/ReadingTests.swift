import Foundation
import Testing
import TestSupport

/// What people read: inbox, due, status, log, check.
@Suite("What people read")
struct ReadingTests {
    @Test("inbox shows title and activity; status who acts next; log the whole activity, the assignment and the -m text; P4 its round")
    func p4() throws {
        let cli = CLI()
        try cli.setUp()
        #expect(try cli.folio("roles", "add", "jperez", "--name", "Jorge Pérez", "--email", "jperez@igss.gob.gt",
                              "--role", "analista", "--as", "mrodriguez").ok)
        let id = try cli.folio("new", "4", "--title", "Ampliación Hospital de Escuintla", "--set", "snip=245789",
                               "--set", "unidad_ejecutora=DIP").out.trimmingCharacters(in: .whitespacesAndNewlines)
        let step2 = try cli.folio("step", id, "--assign", "alopez", "-m", "Revisar con prioridad")
        #expect(step2.ok && step2.out.contains("Siguiente: 03 (analista: asignado a alopez)"), "\(step2.err)")
        let inbox = try cli.folio("inbox", "--as", "alopez")
        #expect(inbox.out.contains("Ampliación Hospital de Escuintla — Revisa y analiza técnicamente"), "\(inbox.out)")
        #expect(inbox.out.contains("alopez (asignado)") && inbox.out.contains("1 pendiente, 0 vencidos"))
        #expect(try cli.folio("inbox", "--as", "jperez").out.contains("Nada pendiente."))
        let status = try cli.folio("status")
        #expect(status.out.contains("QUIÉN") && status.out.contains("alopez"))
        let long = "Revisado el registro en el SNIP: la unidad ejecutora adjuntó los planos y el presupuesto desglosado por renglón."
        #expect(try cli.folio("step", id, "--as", "alopez", "-m", long).ok)
        let other = try cli.folio("step", id, "04", "--decision", "si", "--as", "jperez")
        #expect(other.ok && other.out.contains("asignado a alopez"))
        for (step, who) in [("05", "jperez"), ("06", "mrodriguez"), ("07", "mrodriguez"), ("08", "mrodriguez"), ("09", "mrodriguez")] {
            #expect(try cli.folio("step", id, step, "--as", who).ok)
        }
        #expect(try cli.folio("step", id, "10", "--decision", "si", "-m", "SEGEPLAN pide el estudio de suelos").ok)
        let detail = try cli.folio("status", id)
        #expect(detail.out.contains("Vuelta 2: el paso 10 (¿SEGEPLAN realizó observaciones a los documentos?) lo regresó al paso 02 una vez."))
        #expect(try cli.folio("status").out.contains("vuelta 2"))
        let log = try cli.folio("log", id, "--json")
        let entries = try #require(try cli.json(log) as? [[String: Any]])
        #expect(entries.first { $0["step"] as? String == "03" }?["text"] as? String == long)
        #expect(entries.first { $0["step"] as? String == "02" }?["assigned"] as? String == "alopez")
        let text = try cli.folio("log", id).out.replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: " +", with: " ", options: .regularExpression)
        #expect(text.contains("Recibe documentación y solicitudes de financiamiento de proyectos de inversión, nuevos o de arrastre"))
        #expect(text.contains("Asigna el expediente a alopez.") && text.contains("«\(long)»"))
        #expect(text.contains("¿SEGEPLAN realizó observaciones a los documentos? Sí. «SEGEPLAN pide el estudio de suelos»"))
    }

    @Test("P3: 'a new dependency' stays pending only while a registered contact's dependency has not started; check names what is unrecorded")
    func newDependency() throws {
        let cli = CLI()
        try cli.setUp()
        for (id, dep) in [("hge", "HGE"), ("hro", "HRO")] {
            #expect(try cli.folio("roles", "add", id, "--name", "Contacto \(dep)", "--email", "\(id)@igss.gob.gt",
                                  "--role", "dependencia", "--dependency", dep, "--as", "mrodriguez").ok)
        }
        let id = try cli.folio("new", "3", "--month", "2026-11", "--as", "alopez", date: "2026-11-26T09:00:00-06:00")
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let csv = "programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado\nEMA,Consultas médicas,consulta,1250,1200,0\n"
        try cli.box.write(csv, to: "entrega/HGE.csv")
        try cli.box.write(csv, to: "entrega/HRO.csv")
        #expect(try cli.folio("step", id, "01", "--dependency", "HGE", "--as", "hge", "--attach", cli.box.path + "/entrega/HGE.csv",
                              date: "2026-11-27T09:00:00-06:00").ok)
        #expect(try cli.folio("status", id, date: "2026-11-27T10:00:00-06:00").out.contains("01 (dependencia: hro) para una dependencia que aún no empieza"))
        #expect(try cli.folio("step", id, "01", "--dependency", "HRO", "--as", "hro", "--attach", cli.box.path + "/entrega/HRO.csv",
                              date: "2026-11-27T11:00:00-06:00").ok)
        let after = try cli.folio("status", id, date: "2026-12-02T10:00:00-06:00")
        #expect(!after.out.contains("dependencia que aún no empieza"), "\(after.out)")
        #expect(!(try cli.folio("due", date: "2026-12-02T10:00:00-06:00").out.contains(" 01 ")))
        // check says what the history does not hold yet.
        try cli.box.write("---\nnota: pendiente\n---\n", to: "expedientes/cases/2026/\(id)/nota.md")
        let check = try cli.folio("check")
        #expect(check.ok && check.out.contains("Cambios sin registrar") && check.out.contains("nota.md") && check.out.contains("folio verify"))
        #expect(check.out.contains("Un paso o 'folio note ID -m TEXTO' los registra."))
        // A file outside cases/ is not a note's to record: check says whose it is (staff34).
        try cli.box.write("plantilla\n", to: "expedientes/~$plantilla.docx")
        let top = try cli.folio("check")
        #expect(top.ok && top.out.contains("lo de fuera de las carpetas de expedientes (~$plantilla.docx) no") && top.out.contains("'folio roles'"), "\(top.out)")
        // Nor one put directly in a year folder: it goes in its case's folder (helper133).
        try FileManager.default.removeItem(atPath: cli.box.path + "/expedientes/~$plantilla.docx")
        try cli.box.write("oficio\n", to: "expedientes/cases/2026/oficio-123.txt")
        let year = try cli.folio("check")
        #expect(year.ok && year.out.contains("lo de fuera de las carpetas de expedientes (cases/2026/oficio-123.txt) no")
                    && year.out.contains("('folio attach ID ARCHIVO')"), "\(year.out)")
    }
}
