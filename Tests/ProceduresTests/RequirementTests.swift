import Procedures
import Testing

/// The failures of the requirements of `step` against in-memory documents.
func failures(_ procedure: Int, _ step: String, decision: Bool? = nil, expediente: Fields = [:], documents: [String: Fields] = [:],
              files: Set<String> = [], dependency: String? = nil) -> [RequirementFailure] {
    definition(procedure).requirements(for: step, decision: decision).filter { !$0.requirement.evaluatesOnly }.flatMap { _, r in
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

    @Test("P6 step 01 needs only the request to exist; step 04 'sí' needs it complete with its transfer (norms 1.1, 1.2)")
    func p6Complete() {
        #expect(failures(6, "01").map(\.problem) == ["falta el documento"])
        #expect(failures(6, "01", documents: ["solicitud.md": [:]]).isEmpty, "an incomplete request is received")
        #expect(failures(6, "04", decision: true, documents: ["solicitud.md": Self.solicitud], files: ["anexos/transferencia.pdf"]).isEmpty)
        #expect(!failures(6, "04", decision: true, documents: ["solicitud.md": [:]]).isEmpty)
        #expect(failures(6, "04", decision: false, documents: ["solicitud.md": [:]]).isEmpty, "an incomplete request is the reason for 'no'")
        let evaluation = definition(6).requirements(for: "03")
        #expect(evaluation.count == 2 && evaluation.allSatisfy { $0.requirement.evaluatesOnly }, "step 03 evaluates, it does not refuse")
        #expect(evaluation.map(\.norm.number) == ["1.1", "1.2"])
    }

    @Test("P6 step 04 'sí': each missing part of the request is named")
    func p6Missing() {
        var noReasons = Self.solicitud
        noReasons["motivos"] = "  "
        #expect(failures(6, "04", decision: true, documents: ["solicitud.md": noReasons], files: ["anexos/transferencia.pdf"]).map(\.problem)
            == ["falta el campo 'motivos' o está vacío"])
        #expect(failures(6, "04", decision: true, documents: ["solicitud.md": Self.solicitud]).map(\.problem)
            == ["'transferencia' nombra anexos/transferencia.pdf, que no está en la carpeta del expediente"])
        var escape = Self.solicitud
        escape["transferencia"] = "../../otro/transferencia.pdf"
        #expect(failures(6, "04", decision: true, documents: ["solicitud.md": escape], files: ["../../otro/transferencia.pdf"]).count == 1)
    }

    @Test("P6 step 04 'sí': before + movement must equal after, quantities must be numbers, units must be stated")
    func p6Balance() {
        var bad = Self.solicitud
        bad["modificaciones"] = [
            ["meta": "Encamamiento", "unidad_medida": "metro cuadrado", "antes": 2400, "movimiento": -800, "despues": 1500] as Fields,
            ["meta": "Emergencias", "antes": "seiscientos", "movimiento": 800, "despues": 1400] as Fields,
        ] as [any Sendable]
        let problems = failures(6, "04", decision: true, documents: ["solicitud.md": bad], files: ["anexos/transferencia.pdf"]).map(\.problem)
        #expect(problems.contains("en modificaciones[1] el saldo no cuadra: antes 2400 + movimiento -800 = 1600, no 1500"))
        #expect(problems.contains("a modificaciones[2] le falta 'unidad_medida'"))
        #expect(problems.contains("modificaciones[2].antes debe ser un número (dice 'seiscientos')"))
        var empty = Self.solicitud
        empty["modificaciones"] = [any Sendable]()
        #expect(failures(6, "04", decision: true, documents: ["solicitud.md": empty], files: ["anexos/transferencia.pdf"]).map(\.problem).contains {
            $0.contains("'modificaciones' debe ser una lista")
        })
    }

    @Test("P5 step 01: the unit's monthly file is required, per unit")
    func p5File() {
        #expect(failures(5, "01", dependency: "TIC").map(\.file) == ["avance/TIC.csv"])
        #expect(failures(5, "01", documents: ["avance/TIC.csv": [:]], dependency: "TIC").isEmpty)
        #expect(definition(5).progress?.noProgressNorm == "2")
    }

    @Test("P7 step 04: whether staff is involved must be answered, and then the endorsement is required (norm 1)")
    func p7Endorsement() {
        #expect(failures(7, "04", expediente: ["involucra_personal": true]).map(\.problem) == ["falta el campo 'aval' o está vacío"])
        #expect(failures(7, "04", expediente: ["involucra_personal": true, "aval": "Acuerdo 1588"]).isEmpty)
        #expect(failures(7, "04", expediente: ["involucra_personal": false]).isEmpty)
        #expect(failures(7, "04").map(\.problem) == ["falta el campo 'involucra_personal' o está vacío"], "absent is not 'no'")
    }

    @Test("P7 step 02: norms 2.1 (attested true) and 2.2 (answered) are recorded")
    func p7Attestation() {
        #expect(failures(7, "02", expediente: ["organismo": "OISS"]).map(\.problem)
            == ["el campo 'fortalece_capacidades' debe ser true", "falta el campo 'organismo_especializado' o está vacío"])
        #expect(failures(7, "02", expediente: ["organismo": "BID", "fortalece_capacidades": true, "organismo_especializado": false]).isEmpty)
    }

    @Test("P2 norm 2: the anteproyecto's coordination at 05; P3 norm 4: the visto bueno at 07; P5 norm 3: public access at 02; P6 norm 2: both notifications at 08")
    func lostClauses() {
        #expect(failures(2, "05").map(\.problem) == ["falta el campo 'coordinacion_anteproyecto' o está vacío"])
        #expect(failures(3, "07").map(\.problem) == ["falta el campo 'visto_bueno_subgerente' o está vacío"])
        #expect(failures(5, "02").map(\.problem) == ["falta el campo 'publicacion' o está vacío"])
        #expect(failures(6, "08", expediente: ["resolucion": "R-1"]).map(\.problem)
            == ["falta el campo 'notificacion_unidad' o está vacío", "falta el campo 'notificacion_subgerencia' o está vacío"])
    }

    @Test("P4 step 03: snip and unidad_ejecutora; P2 step 11: the three reviews of norm 3 attested per dependency")
    func p4AndP2() {
        #expect(failures(4, "03", expediente: ["snip": "", "unidad_ejecutora": "DIP"]).map(\.problem) == ["falta el campo 'snip' o está vacío"])
        #expect(failures(4, "03", expediente: ["snip": 289347, "unidad_ejecutora": "DIP"]).isEmpty)
        let review = "dependencias/HGE/revision.md"
        #expect(Set(failures(2, "11", dependency: "HGE").map(\.file)) == [review])
        #expect(definition(2).requirements(for: "11").map(\.norm.number) == ["3.1", "3.2", "3.3"], "clause by clause")
        let partial = failures(2, "11", documents: [review: ["orientaciones_estrategicas": true, "anteproyecto_presupuesto": "sí",
                                                             "presta_servicios": true]], dependency: "HGE")
        #expect(partial.map(\.problem) == ["el campo 'anteproyecto_presupuesto' debe ser true", "el campo 'capacidad_instalada' debe ser true",
                                            "el campo 'historial_produccion' debe ser true"])
        // 3.3 binds only the units that provide services: an administrative dependency answers false.
        let administrative = failures(2, "11", documents: [review: ["orientaciones_estrategicas": true, "anteproyecto_presupuesto": true,
                                                                    "presta_servicios": false]], dependency: "HGE")
        #expect(administrative.isEmpty)
        // A yes/no condition is true or false: "sí" or "pendiente" is refused, not read as "no".
        for answer in ["sí", "pendiente", "no"] {
            let unclear = failures(2, "11", documents: [review: ["orientaciones_estrategicas": true, "anteproyecto_presupuesto": true,
                                                                 "presta_servicios": answer]], dependency: "HGE")
            #expect(unclear.map(\.problem) == ["el campo 'presta_servicios' debe ser true o false (dice '\(answer)')"])
        }
        #expect(failures(2, "11", documents: [review: ["orientaciones_estrategicas": true, "anteproyecto_presupuesto": true]],
                         dependency: "HGE").map(\.problem) == ["falta el campo 'presta_servicios' o está vacío"])
    }
}
