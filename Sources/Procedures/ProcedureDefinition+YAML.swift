import Foundation
import Yams

extension ProcedureDefinition {
    /// Reads a definition from its YAML file (Spanish keys, as in `schemas/procedimiento-N.yaml`).
    ///
    /// - Parameter source: the file's name, for messages.
    /// - Throws: `ProcedureError.invalidDefinition` naming the file and what is wrong.
    public static func load(yaml: String, source: String) throws -> ProcedureDefinition {
        let file: FileModel
        do {
            file = try YAMLDecoder().decode(FileModel.self, from: yaml)
        } catch {
            throw ProcedureError.invalidDefinition(file: source, reason: YAMLErrorText.describe(error))
        }
        let definition = try file.definition(source: source)
        try definition.validate(source: source)
        return definition
    }

    func validate(source: String) throws {
        func fail(_ reason: String) -> ProcedureError { .invalidDefinition(file: source, reason: reason) }
        guard (1...99).contains(number) else { throw fail("'numero' debe ser un número de procedimiento") }
        guard !steps.isEmpty else { throw fail("'pasos' está vacío") }
        var seen = Set<String>()
        for step in steps {
            guard step.number.count == 2, Int(step.number) != nil else {
                throw fail("el paso '\(step.number)' debe tener dos dígitos (\"01\")")
            }
            guard seen.insert(step.number).inserted else { throw fail("el paso \(step.number) está repetido") }
            guard !step.roles.isEmpty else { throw fail("el paso \(step.number) no tiene 'roles'") }
        }
        for step in steps {
            let targets = [step.next, step.decision?.yes.transition, step.decision?.no.transition]
            for case .step(let target)? in targets where !seen.contains(target) {
                throw fail("el paso \(step.number) lleva al paso \(target), que no existe")
            }
        }
        if let block = dependencyBlock, steps[block.endIndex...].contains(where: \.perDependency) {
            throw fail("los pasos 'por_dependencia' deben ser consecutivos")
        }
    }
}

/// The YAML file as written by people: Spanish keys, optional parts.
private struct FileModel: Decodable {
    var numero: Int
    var codigo: String
    var nombre: String
    var version: String
    var mensual: Bool?
    var campos: [String]?
    var normas: [String]?
    var pasos: [StepModel]

    struct StepModel: Decodable {
        var paso: String
        var roles: [String]
        var actividad: String
        var espera: Bool?
        var por_dependencia: Bool?
        var siguiente: String?
        var decision: DecisionModel?
        var requiere: RequiresModel?
        var interpretacion: String?
    }

    struct DecisionModel: Decodable {
        var pregunta: String
        var si: BranchModel
        var no: BranchModel
    }

    struct BranchModel: Decodable {
        var texto: String
        var siguiente: String?
        var sale: Bool?
        var fin: Bool?
    }

    struct RequiresModel: Decodable {
        var campos: [String]?
        var documentos: [String]?
        var norma: String?
    }

    func definition(source: String) throws -> ProcedureDefinition {
        func fail(_ reason: String) -> ProcedureError { .invalidDefinition(file: source, reason: reason) }
        func transition(_ b: BranchModel, step: String) throws -> Transition {
            if b.sale == true { return .leave }
            if b.fin == true { return .finish }
            if let s = b.siguiente { return .step(ProcedureDefinition.normalize(step: s)) }
            throw fail("una rama del paso \(step) no dice 'siguiente', 'sale' ni 'fin'")
        }
        let steps = try pasos.map { p -> StepDefinition in
            let number = ProcedureDefinition.normalize(step: p.paso)
            let roles = try p.roles.map { id -> Role in
                guard let role = Role(rawValue: id) else {
                    throw fail("el paso \(number) nombra el rol '\(id)', que no existe (roles: \(Role.validIDs))")
                }
                return role
            }
            let decision = try p.decision.map {
                Decision(question: $0.pregunta,
                         yes: .init(text: $0.si.texto, transition: try transition($0.si, step: number)),
                         no: .init(text: $0.no.texto, transition: try transition($0.no, step: number)))
            }
            return StepDefinition(
                number: number, roles: roles, activity: p.actividad, decision: decision,
                waits: p.espera ?? false, perDependency: p.por_dependencia ?? false,
                next: p.siguiente.map { .step(ProcedureDefinition.normalize(step: $0)) },
                requires: Requirements(fields: p.requiere?.campos ?? [], documents: p.requiere?.documentos ?? [],
                                       norm: p.requiere?.norma),
                interpretation: p.interpretacion)
        }
        return ProcedureDefinition(number: numero, code: codigo, name: nombre, version: version,
                                   monthly: mensual ?? false, fields: campos ?? [], norms: normas ?? [], steps: steps)
    }
}
