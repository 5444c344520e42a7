import Foundation
import GitStore
import Procedures

/// One line of the department's register as people read it (`folio criterios`).
public struct RegisterItem: Codable, Equatable, Sendable {
    /// `criterion` or `interpretation`.
    public var kind: String
    public var procedure: Int
    /// The criterion's key, or the step whose reading was interpreted.
    public var key: String
    public var text: String
    /// Who adopted or resolved it, and when; nil while it is only proposed.
    public var by: String?
    public var on: String?

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(procedure, forKey: .procedure)
        try c.encode(key, forKey: .key)
        try c.encode(text, forKey: .text)
        try c.encode(by, forKey: .by)
        try c.encode(on, forKey: .on)
    }
}

extension Casebook {
    /// The department's register at HEAD: every criterion the schemas propose (adopted or not) and
    /// every interpretation of the manual they carry (resolved by a jefe or pending), by procedure.
    public func registerItems() throws -> [RegisterItem] {
        var items: [RegisterItem] = []
        for definition in try definitions(at: try head()) {
            for norm in definition.norms where norm.kind == .criterion {
                items.append(RegisterItem(kind: "criterion", procedure: definition.number, key: norm.number, text: norm.text,
                                          by: norm.adoption?.by, on: norm.adoption?.on))
            }
            for step in definition.steps {
                guard let text = step.interpretation else { continue }
                items.append(RegisterItem(kind: "interpretation", procedure: definition.number, key: step.number, text: text,
                                          by: step.interpretationResolved?.by, on: step.interpretationResolved?.on))
            }
        }
        return items
    }

    /// Adopts a criterion of the schemas (`interpretation == false`) or resolves the interpretation
    /// of a step (`true`), in a commit by `actor`, who must be a jefe (Article 3).
    @discardableResult
    public func adopt(procedure: String, key: String, interpretation: Bool, actor: String?) throws -> OID {
        try writing { try adoptLocked(procedure: procedure, key: key, interpretation: interpretation, actor: actor) }
    }

    func adoptLocked(procedure name: String, key rawKey: String, interpretation: Bool, actor: String?) throws -> OID {
        let head = try checkWritable()
        let roster = try roster(at: head)
        let jefe = try persona(actor, in: roster)
        let what = interpretation ? "resolver interpretaciones del manual (Artículo 3)" : "adoptar criterios del departamento"
        guard jefe.holds(.jefe) else { throw CasebookError.notJefe(persona: jefe.id, action: what) }
        let definition = try procedure(named: name, at: head)
        var register = try self.register(at: head)
        let adoption = Adoption(by: jefe.id, on: clock.today)
        let subject: String
        if interpretation {
            let number = ProcedureDefinition.normalize(step: rawKey)
            guard let step = definition.step(number), step.interpretation != nil else {
                let known = definition.steps.filter { $0.interpretation != nil }.map(\.number)
                throw CasebookError.registerEntry("El procedimiento \(definition.number) no tiene una interpretación en el paso \(number)"
                    + " (schemas/procedimiento-\(definition.number).yaml). Pasos con interpretación: \(known.joined(separator: ", ")).")
            }
            if let done = register.interpretation(procedure: definition.number, step: number) {
                throw CasebookError.registerEntry("La interpretación del paso \(number) del procedimiento \(definition.number) ya la resolvió \(done.by) el \(done.on).")
            }
            register.interpretations.append(.init(procedure: definition.number, key: number, adoption: adoption))
            subject = "Registro: \(jefe.name) resuelve la interpretación del paso \(number) del procedimiento \(definition.number)"
        } else {
            guard let criterion = definition.norms.first(where: { $0.kind == .criterion && $0.number == rawKey }) else {
                let known = definition.norms.filter { $0.kind == .criterion }.map(\.number)
                throw CasebookError.registerEntry("El procedimiento \(definition.number) no propone el criterio '\(rawKey)' en "
                    + "schemas/procedimiento-\(definition.number).yaml" + (known.isEmpty ? "." : ". Criterios: \(known.joined(separator: ", ")).")
                    + " Un criterio nuevo se escribe primero en 'criterios:' del esquema.")
            }
            if let done = criterion.adoption {
                throw CasebookError.registerEntry("El criterio «\(rawKey)» del procedimiento \(definition.number) ya lo adoptó \(done.by) el \(done.on).")
            }
            register.criteria.append(.init(procedure: definition.number, key: rawKey, adoption: adoption))
            subject = "Registro: \(jefe.name) adopta el criterio «\(rawKey)» del procedimiento \(definition.number)"
        }
        try checkClean(outside: nil, leavingCases: true)
        return try recording { edit in
            try edit.write(Data(register.yaml.utf8), to: DepartmentRegister.fileName)
            return try commit(.configuration(subject), paths: [DepartmentRegister.fileName], parent: head, author: jefe, roster: roster, text: nil)
        }
    }
}
