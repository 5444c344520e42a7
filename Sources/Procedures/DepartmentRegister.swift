import Foundation
import Yams

/// The department's register under Article 3 of Acuerdo 16/2013: the criteria a jefe adopted where
/// the manual is silent, and the interpretations a jefe resolved. It lives in `schemas/registro.yaml`,
/// is written by `folio criterios`, and only a jefe may change it (it is under `schemas/`).
public struct DepartmentRegister: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var procedure: Int
        /// A criterion's key, or an interpretation's step ("06").
        public var key: String
        public var adoption: Adoption

        public init(procedure: Int, key: String, adoption: Adoption) {
            self.procedure = procedure
            self.key = key
            self.adoption = adoption
        }
    }

    public var criteria: [Entry] = []
    public var interpretations: [Entry] = []

    public init(criteria: [Entry] = [], interpretations: [Entry] = []) {
        self.criteria = criteria
        self.interpretations = interpretations
    }

    /// The register's path in a case repository.
    public static let fileName = "schemas/registro.yaml"

    public func criterion(procedure: Int, key: String) -> Adoption? {
        criteria.first { $0.procedure == procedure && $0.key == key }?.adoption
    }

    public func interpretation(procedure: Int, step: String) -> Adoption? {
        interpretations.first { $0.procedure == procedure && $0.key == step }?.adoption
    }

    /// Reads the register (Spanish keys).
    ///
    /// - Throws: `ProcedureError.invalidDefinition` naming the file and the entry.
    public static func load(yaml: String, source: String = fileName) throws -> DepartmentRegister {
        struct Model: Decodable {
            struct Item: Decodable {
                var procedimiento: Int
                var criterio: String?
                var paso: Flexible?
                var adoptado_por: String?
                var resuelta_por: String?
                var fecha: Flexible
            }
            var criterios: [Item]?
            var interpretaciones: [Item]?
        }
        if yaml.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return DepartmentRegister() }
        let model: Model
        if let problem = YAMLGuard.problem(in: yaml) { throw ProcedureError.invalidDefinition(file: source, reason: problem) }
        do {
            model = try YAMLDecoder().decode(Model.self, from: yaml)
        } catch {
            throw ProcedureError.invalidDefinition(file: source, reason: YAMLErrorText.describe(error))
        }
        func fail(_ reason: String) -> ProcedureError { .invalidDefinition(file: source, reason: reason) }
        func day(_ f: Flexible, _ what: String) throws -> String {
            guard Day(iso: f.text) != nil else { throw fail("\(what): 'fecha' debe ser AAAA-MM-DD (dice '\(f.text)')") }
            return f.text
        }
        var register = DepartmentRegister()
        for item in model.criterios ?? [] {
            guard let key = item.criterio, !key.isEmpty else { throw fail("una entrada de 'criterios' no dice 'criterio'") }
            guard let by = item.adoptado_por, !by.isEmpty else { throw fail("el criterio \(key) no dice 'adoptado_por'") }
            register.criteria.append(Entry(procedure: item.procedimiento, key: key,
                                           adoption: Adoption(by: by, on: try day(item.fecha, "el criterio \(key)"))))
        }
        for item in model.interpretaciones ?? [] {
            guard let step = item.paso?.text else { throw fail("una entrada de 'interpretaciones' no dice 'paso'") }
            let number = ProcedureDefinition.normalize(step: step)
            guard let by = item.resuelta_por, !by.isEmpty else {
                throw fail("la interpretación del paso \(number) del procedimiento \(item.procedimiento) no dice 'resuelta_por'")
            }
            register.interpretations.append(Entry(procedure: item.procedimiento, key: number,
                                                  adoption: Adoption(by: by, on: try day(item.fecha, "la interpretación del paso \(number)"))))
        }
        return register
    }

    /// The register as folio writes it: a header that says what it is, then one entry a line group.
    public var yaml: String {
        var lines = [
            "# Registro del departamento (Artículo 3 del Acuerdo 16/2013): criterios que un jefe adoptó",
            "# donde el manual no dice, e interpretaciones que un jefe resolvió. Lo escribe",
            "# 'folio criterios adoptar' / 'folio criterios resolver'; solo un jefe lo cambia.",
        ]
        lines.append(criteria.isEmpty ? "criterios: []" : "criterios:")
        for e in criteria {
            lines += ["  - procedimiento: \(e.procedure)", "    criterio: \(e.key)",
                      "    adoptado_por: \(e.adoption.by)", "    fecha: \"\(e.adoption.on)\""]
        }
        lines.append(interpretations.isEmpty ? "interpretaciones: []" : "interpretaciones:")
        for e in interpretations {
            lines += ["  - procedimiento: \(e.procedure)", "    paso: \"\(e.key)\"",
                      "    resuelta_por: \(e.adoption.by)", "    fecha: \"\(e.adoption.on)\""]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
