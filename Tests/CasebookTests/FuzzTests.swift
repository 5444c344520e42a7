import Casebook
import Foundation
import Procedures
import Testing
import TestSupport

/// Mutation fuzzing of everything staff edit by hand: each parser gets thousands of damaged
/// versions of a valid file (bytes flipped, inserted, deleted, lines swapped, cut short, odd
/// characters), and must answer every one with a value or a Spanish error naming the file:
/// no crash, no hang. The seed is fixed, so a failure can be replayed.
@Suite("Fuzzing the parsers of hand-edited files")
struct FuzzTests {
    static let rounds = 3000

    struct Mutator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
    }

    static let odd: [[UInt8]] = [[0x00], [0xFF], [0xC3], Array("\t".utf8), Array("\r\n".utf8), Array(": ".utf8), Array("- ".utf8),
                                  Array("\"".utf8), Array("'".utf8), Array("---\n".utf8), Array("{[".utf8), Array("&a *a".utf8),
                                  Array("!!binary ".utf8), Array(",,".utf8), Array("ñ".utf8), Array("\u{FEFF}".utf8), Array("..".utf8)]

    static func mutate(_ seed: [UInt8], _ rng: inout Mutator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { bytes = Array("x".utf8); continue }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1: bytes.insert(contentsOf: odd.randomElement(using: &rng)!, at: at)
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...12, using: &rng)))
            case 3: bytes = Array(bytes.prefix(at))
            case 4:
                let lines = bytes.split(separator: 10, omittingEmptySubsequences: false).shuffled(using: &rng)
                bytes = Array(lines.joined(separator: [10]))
            default: bytes.insert(contentsOf: Array(bytes[at..<min(bytes.count, at + 40)]), at: Int.random(in: 0...bytes.count, using: &rng))
            }
        }
        return bytes
    }

    /// Runs `parse` on `rounds` mutations of `seed`; every error must be Spanish and name `file`.
    func fuzz(_ name: String, seed: String, file: String, _ parse: (Data) throws -> Void) -> (tried: Int, errors: Int) {
        var rng = Mutator(state: UInt64(abs(name.hashValue % 1_000_000) + 1) | 1)
        rng.state = 0x9E37_79B9_7F4A_7C15 ^ UInt64(name.utf8.reduce(0) { $0 &* 31 &+ Int($1) } & 0xFFFF_FFFF)
        var errors = 0
        let start = Date()
        for _ in 0..<Self.rounds {
            let input = Data(Self.mutate(Array(seed.utf8), &rng))
            do {
                try parse(input)
            } catch {
                errors += 1
                let text = "\(error)"
                #expect(text.contains(file) || text.contains("schemas/"), "\(name): an error that names no file: \(text)")
            }
        }
        #expect(Date().timeIntervalSince(start) < 60, "\(name) took too long: a hang?")
        return (Self.rounds, errors)
    }

    @Test("front matter, roles.yaml, folio.yaml, procedure schemas, production and progress CSVs")
    func everyParser() throws {
        let expediente = "---\nid: PI-2026-0001\nprocedimiento: 4\ntitulo: \"Hospital: ampliación\"\nabierto: 2026-11-02\nsnip: \"0289347\"\nmodificaciones:\n  - {meta: a, antes: 1, movimiento: 2, despues: 3}\n---\n\n# Texto\n"
        let roles = "personas:\n  - id: mrodriguez\n    nombre: María Rodríguez\n    correo: mrodriguez@igss.gob.gt\n    roles: [jefe]\n  - id: alopez\n    nombre: Ana López\n    correo: alopez@igss.gob.gt\n    roles: [analista, asistente]\n    dependencia: HGE\n"
        let settings = "institucion: IGSS\ndepartamento: Planificación\nzona_horaria: America/Guatemala\nfirma: opcional\n"
        let schema = try String(contentsOfFile: Sandbox.schemas + "/procedimiento-4.yaml", encoding: .utf8)
        let csv = "programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado\nEMA,Consultas médicas,consulta,100,90,0\nEMA,\"Egresos hospitalarios\",egreso,50,40,\n"
        let progress = "snip,proyecto,unidad_medida,meta_fisica,avance_fisico,presupuesto,ejecutado,motivos\n0289347,\"Hospital, fase I\",m2,100,10,500,400,\n"
        let catalog = try ProductCatalog.parse(try String(contentsOfFile: Sandbox.schemas + "/productos.csv", encoding: .utf8), file: "productos.csv")
        var total = 0
        var lines: [String] = []
        func record(_ name: String, _ result: (tried: Int, errors: Int)) {
            total += result.tried
            lines.append("\(name): \(result.tried) entradas, \(result.errors) rechazadas con mensaje")
        }
        record("expediente.md", fuzz("fm", seed: expediente, file: "expediente.md") { data in
            let doc = try FrontMatterDocument.parse(try TextFile.decode(data, file: "expediente.md"), file: "expediente.md")
            _ = doc.plainFields
        })
        record("roles.yaml", fuzz("roles", seed: roles, file: "roles.yaml") { data in
            _ = try Roster.parse(try TextFile.decode(data, file: "roles.yaml"))
        })
        record("folio.yaml", fuzz("settings", seed: settings, file: "folio.yaml") { data in
            _ = try Settings.parse(try TextFile.decode(data, file: "folio.yaml"))
        })
        record("procedimiento-4.yaml", fuzz("schema", seed: schema, file: "schemas/procedimiento-4.yaml") { data in
            _ = try ProcedureDefinition.load(yaml: try TextFile.decode(data, file: "schemas/procedimiento-4.yaml"), source: "schemas/procedimiento-4.yaml")
        })
        record("produccion/HGE.csv", fuzz("csv", seed: csv, file: "HGE.csv") { data in
            _ = try ProductionTable.parse(try TextFile.decode(data, file: "HGE.csv"), file: "HGE.csv", catalog: catalog)
        })
        record("avance/DIP.csv", fuzz("progress", seed: progress, file: "DIP.csv") { data in
            _ = try ProgressTable.parse(try TextFile.decode(data, file: "DIP.csv"), file: "DIP.csv", noProgressNorm: "2")
        })
        print("fuzz: \(total) entradas, 0 fallos\n" + lines.joined(separator: "\n"))
        #expect(total == 6 * Self.rounds)
    }
}
