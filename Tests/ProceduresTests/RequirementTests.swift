import Procedures
import Testing

/// The failures of the requirements of `step` against in-memory documents.
func failures(_ procedure: Int, _ step: String, expediente: Fields = [:], documents: [String: Fields] = [:],
              files: Set<String> = [], dependency: String? = nil) -> [RequirementFailure] {
    definition(procedure).requirements(for: step).flatMap { _, r in
        r.failures(expediente: expediente, dependency: dependency, document: { documents[$0] }, exists: files.contains)
    }
}

@Suite("Required documents and fields from the norms")
struct RequirementTests {
    static let solicitud: Fields = [
        "motivos": "Daños en la losa de emergencias",
        "modificaciones": [
            ["meta": "Encamamiento", "unidad_medida": "metro cuadrado", "antes": 2400, "movimiento": -800, "despues": 1600] as Fields,
            ["meta": "Emergencias", "unidad_medida": "metro cuadrado", "antes": 600, "movimiento": 800, "despues": 1400] as Fields,
        ] as [any Sendable],
        "transferencia": "anexos/transferencia.pdf",
    ]

    @Test("P6 step 01: a complete request with its transfer attached passes")
    func p6Complete() {
        #expect(failures(6, "01", documents: ["solicitud.md": Self.solicitud], files: ["anexos/transferencia.pdf"]).isEmpty)
    }

    @Test("P6 step 01: each missing part of the request is named")
    func p6Missing() {
        #expect(failures(6, "01").map(\.problem) == ["falta el documento"])
        var noReasons = Self.solicitud
        noReasons["motivos"] = "  "
        #expect(failures(6, "01", documents: ["solicitud.md": noReasons], files: ["anexos/transferencia.pdf"]).map(\.problem)
            == ["falta el campo 'motivos' o está vacío"])
        #expect(failures(6, "01", documents: ["solicitud.md": Self.solicitud]).map(\.problem)
            == ["'transferencia' nombra anexos/transferencia.pdf, que no está en la carpeta del expediente"])
        var escape = Self.solicitud
        escape["transferencia"] = "../../otro/transferencia.pdf"
        #expect(failures(6, "01", documents: ["solicitud.md": escape], files: ["../../otro/transferencia.pdf"]).count == 1)
    }

    @Test("P6 step 01: before + movement must equal after, quantities must be numbers, units must be stated")
    func p6Balance() {
        var bad = Self.solicitud
        bad["modificaciones"] = [
            ["meta": "Encamamiento", "unidad_medida": "metro cuadrado", "antes": 2400, "movimiento": -800, "despues": 1500] as Fields,
            ["meta": "Emergencias", "antes": "seiscientos", "movimiento": 800, "despues": 1400] as Fields,
        ] as [any Sendable]
        let problems = failures(6, "01", documents: ["solicitud.md": bad], files: ["anexos/transferencia.pdf"]).map(\.problem)
        #expect(problems.contains("en modificaciones[1] el saldo no cuadra: antes 2400 + movimiento -800 = 1600, no 1500"))
        #expect(problems.contains("a modificaciones[2] le falta 'unidad_medida'"))
        #expect(problems.contains("modificaciones[2].antes debe ser un número (dice 'seiscientos')"))
        var empty = Self.solicitud
        empty["modificaciones"] = [any Sendable]()
        #expect(failures(6, "01", documents: ["solicitud.md": empty], files: ["anexos/transferencia.pdf"]).map(\.problem).contains {
            $0.contains("'modificaciones' debe ser una lista")
        })
    }

    @Test("P5 step 01: the unit's monthly file is required, per unit")
    func p5File() {
        #expect(failures(5, "01", dependency: "TIC").map(\.file) == ["avance/TIC.csv"])
        #expect(failures(5, "01", documents: ["avance/TIC.csv": [:]], dependency: "TIC").isEmpty)
        #expect(definition(5).progress?.noProgressNorm == "2")
    }

    @Test("P7 step 04: the endorsement is required only when staff is involved (norm 1)")
    func p7Endorsement() {
        #expect(failures(7, "04", expediente: ["involucra_personal": true]).map(\.problem) == ["falta el campo 'aval' o está vacío"])
        #expect(failures(7, "04", expediente: ["involucra_personal": true, "aval": "Acuerdo 1588"]).isEmpty)
        #expect(failures(7, "04", expediente: ["involucra_personal": false]).isEmpty)
    }

    @Test("P4 step 03: snip and unidad_ejecutora; P2 step 11: the three reviews of norm 3 attested per dependency")
    func p4AndP2() {
        #expect(failures(4, "03", expediente: ["snip": "", "unidad_ejecutora": "DIP"]).map(\.problem) == ["falta el campo 'snip' o está vacío"])
        #expect(failures(4, "03", expediente: ["snip": 289347, "unidad_ejecutora": "DIP"]).isEmpty)
        let review = "dependencias/HGE/revision.md"
        #expect(failures(2, "11", dependency: "HGE").map(\.file) == [review])
        let partial = failures(2, "11", documents: [review: ["orientaciones_estrategicas": true, "anteproyecto_presupuesto": "sí"]],
                               dependency: "HGE")
        #expect(partial.map(\.problem) == ["el campo 'anteproyecto_presupuesto' debe ser true", "el campo 'capacidad_instalada' debe ser true"])
    }
}
