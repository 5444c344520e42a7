import Foundation
import Yams

extension ProcedureDefinition {
    /// Reads a definition from its YAML file (Spanish keys, as in `schemas/procedimiento-N.yaml`).
    ///
    /// - Parameter source: the file's name, for messages.
    /// - Throws: `ProcedureError.invalidDefinition` naming the file and what is wrong.
    public static func load(yaml: String, source: String) throws -> ProcedureDefinition {
        let file: FileModel
        if let problem = YAMLGuard.problem(in: yaml) {
            throw ProcedureError.invalidDefinition(file: source, reason: problem)
        }
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
        var labels = Set<String>()
        for norm in norms {
            guard labels.insert(norm.label).inserted else { throw fail("la \(norm.label) está repetida") }
            let applied = !norm.deadlines.isEmpty || !norm.requirements.isEmpty || norm.check != nil
            guard applied || norm.notApplied != nil else {
                throw fail("la \(norm.label) no es plazo, requisito ni control, ni dice 'no_aplica' con la razón: toda norma se aplica de alguna forma o se explica por qué no")
            }
            if applied, norm.notApplied != nil { throw fail("la \(norm.label) dice 'no_aplica' pero también se aplica") }
            if norm.kind == .criterion, norm.notApplied != nil { throw fail("el \(norm.label) no puede decir 'no_aplica'") }
            let named = norm.deadlines.flatMap(\.steps) + (norm.check?.steps ?? []) + norm.requirements.map(\.step)
            for step in named where !seen.contains(step) {
                throw fail("la norma \(norm.number) nombra el paso \(step), que no existe")
            }
            for rule in norm.deadlines.flatMap({ [$0.due] + ($0.opens.map { [$0] } ?? []) }) {
                if case .dayOfCaseMonth = rule, !monthly {
                    throw fail("la norma \(norm.number) cuenta desde el mes del expediente, pero el procedimiento no es mensual")
                }
            }
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
    var normas: [NormModel]?
    /// The department's criteria, where the manual is silent: each applies once a jefe adopts it.
    var criterios: [NormModel]?
    var pasos: [StepModel]
    var produccion: ProductionModel?
    var avance: ProgressModel?
    /// Steps repeated once a year while the plan is in force (P1 norm 5).
    var ciclo: CycleModel?

    struct CycleModel: Decodable {
        var desde: String
        var hasta: String
        var norma: Flexible
        var vigencia_desde: String
        var vigencia_hasta: String
    }

    struct ProgressModel: Decodable {
        var norma_sin_avance: String?
    }

    struct ProductionModel: Decodable {
        var catalogo: String
        var control: Control

        struct Control: Decodable {
            var meses: Int
            var minimo_meses: Int
            var k: Double
            var tolerancia: Double
            var sobre_programado: Double
            var sub_ejecucion: Double?
        }
    }

    struct NormModel: Decodable {
        var norma: Flexible?
        var criterio: String?
        var texto: String
        var plazo: DeadlineModel?
        var plazos: [DeadlineModel]?
        var requisito: RequirementModel?
        var requisitos: [RequirementModel]?
        var control: CheckModel?
        var no_aplica: String?
    }

    struct DeadlineModel: Decodable {
        var pasos: [String]
        var abre: DateModel?
        var vence: DateModel
    }

    struct DateModel: Decodable {
        var paso: String?
        var meses: Int?
        var dias: Int?
        var dia: Flexible?
        var mes: Flexible?
        var anio: String?
    }

    struct RequirementModel: Decodable {
        var paso: String
        var campos: [String]?
        var verdaderos: [String]?
        var si: ConditionModel?
        var decision: String?
        var evalua: Bool?
        var documentos: [DocumentModel]?
    }

    struct ConditionModel: Decodable {
        var campo: String
        var valor: Flexible
    }

    struct DocumentModel: Decodable {
        var archivo: String
        var campos: [String]?
        var verdaderos: [String]?
        var adjunto: String?
        var lista: ListModel?
        var si: ConditionModel?
    }

    struct ListModel: Decodable {
        var campo: String
        var campos: [String]?
        var numericos: [String]?
        var saldo: BalanceModel?
        var sin_avance: NoProgressModel?
    }

    struct BalanceModel: Decodable {
        var antes: String
        var movimiento: String
        var despues: String
    }

    struct NoProgressModel: Decodable {
        var ceros: [String]
        var exige: String
    }

    struct CheckModel: Decodable {
        var pasos: [String]
        var descripcion: String
    }

    struct StepModel: Decodable {
        var paso: String
        var roles: [String]
        var actividad: String
        var espera: Bool?
        var por_dependencia: Bool?
        var siguiente: String?
        var decision: DecisionModel?
        var interpretacion: String?
        /// The documents folio writes when the step is recorded (`Generator`'s names).
        var genera: [String]?
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
            var step = StepDefinition(
                number: number, roles: roles, activity: p.actividad, decision: decision,
                waits: p.espera ?? false, perDependency: p.por_dependencia ?? false,
                next: p.siguiente.map { .step(ProcedureDefinition.normalize(step: $0)) },
                interpretation: p.interpretacion)
            step.generates = try (p.genera ?? []).map { name in
                guard let generator = Generator(rawValue: name) else {
                    throw fail("el paso \(number) genera '\(name)', que folio no sabe generar (conoce: \(Generator.names))")
                }
                return generator
            }
            return step
        }
        let norms = try (normas ?? []).map { try $0.norm(kind: .manual, fail: fail) }
            + (criterios ?? []).map { try $0.norm(kind: .criterion, fail: fail) }
        let production = produccion.map { p in
            ProductionRules(catalog: p.catalogo, months: p.control.meses, minimumMonths: p.control.minimo_meses, k: p.control.k,
                            tolerance: p.control.tolerancia, overProgrammed: p.control.sobre_programado,
                            underExecuted: p.control.sub_ejecucion ?? 0.8)
        }
        var cycle: Cycle? = nil
        if let c = ciclo {
            let first = ProcedureDefinition.normalize(step: c.desde), last = ProcedureDefinition.normalize(step: c.hasta)
            guard let a = steps.firstIndex(where: { $0.number == first }), let b = steps.firstIndex(where: { $0.number == last }),
                  a <= b, steps[a...b].allSatisfy({ $0.decision == nil && !$0.perDependency }) else {
                throw fail("'ciclo' va de un paso a otro posterior ('desde: \(c.desde)', 'hasta: \(c.hasta)'), sin decisiones ni pasos por dependencia")
            }
            guard norms.contains(where: { $0.number == c.norma.text && $0.deadlines.contains { $0.steps.contains(last) } }) else {
                throw fail("'ciclo' cita la norma \(c.norma.text), que no da plazo al paso \(last)")
            }
            for field in [c.vigencia_desde, c.vigencia_hasta] where !(campos ?? []).contains(field) {
                throw fail("'ciclo' lee el campo '\(field)', que no está en 'campos'")
            }
            cycle = Cycle(first: first, last: last, norm: c.norma.text, firstYearField: c.vigencia_desde, lastYearField: c.vigencia_hasta)
        }
        var definition = ProcedureDefinition(number: numero, code: codigo, name: nombre, version: version,
                                   monthly: mensual ?? false, fields: campos ?? [], norms: norms, steps: steps, production: production,
                                   progress: avance.map { ProgressRules(noProgressNorm: $0.norma_sin_avance) })
        definition.cycle = cycle
        if pasos.allSatisfy({ $0.genera == nil }) { definition.steps = Self.generatorsBeforeGenera(definition) }
        for step in definition.steps {
            for generator in step.generates {
                if let problem = generator.problem(in: definition, step: step) {
                    throw fail("el paso \(step.number) genera '\(generator.rawValue)', que \(problem)")
                }
            }
        }
        return definition
    }
}

extension FileModel {
    /// A schema committed before steps declared `genera:` (written before the key existed)
    /// keeps generating what folio generated then: P3 (`produccion:`) the review at 03, the
    /// consolidated report at 06 and the head's at 07; P5 (`avance:`) the progress report at 03
    /// and the head's at 05. A schema that declares `genera:` on any step gets exactly what it declares.
    static func generatorsBeforeGenera(_ definition: ProcedureDefinition) -> [StepDefinition] {
        let earlier: [String: Generator]
        if definition.progress != nil {
            earlier = ["03": .progressReport, "05": .headReport]
        } else if definition.production != nil {
            earlier = ["03": .productionReview, "06": .consolidatedReport, "07": .headReport]
        } else {
            return definition.steps
        }
        return definition.steps.map { step in
            var step = step
            if let generator = earlier[step.number], generator.problem(in: definition, step: step) == nil { step.generates = [generator] }
            return step
        }
    }
}

/// A YAML scalar read as text, whether written as a number, a boolean or a string (`dia: 26`,
/// `dia: ultimo`, `valor: true`).
struct Flexible: Decodable {
    var text: String

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { text = String(i) }
        else if let b = try? c.decode(Bool.self) { text = b ? "true" : "false" }
        else { text = try c.decode(String.self) }
    }
}

private extension FileModel.NormModel {
    func norm(kind: Norm.Kind, fail: (String) -> ProcedureError) throws -> Norm {
        let number: String
        switch kind {
        case .manual:
            guard let n = norma?.text, !n.isEmpty else { throw fail("una entrada de 'normas' no dice 'norma' (su número en el manual)") }
            number = n
        case .criterion:
            guard let key = criterio, !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw fail("una entrada de 'criterios' no dice 'criterio' (una clave como ritmo-mensual)")
            }
            number = key
        }
        func steps(_ list: [String]) -> [String] { list.map(ProcedureDefinition.normalize(step:)) }
        func day(_ f: Flexible?) throws -> Int? {
            guard let f else { return nil }
            if f.text == "ultimo" || f.text == "último" { return nil }
            guard let d = Int(f.text), (1...31).contains(d) else { throw fail("norma \(number): 'dia' debe ser 1 a 31 o 'ultimo'") }
            return d
        }
        func rule(_ m: FileModel.DateModel) throws -> DateRule {
            if let anio = m.anio {
                guard let month = m.mes.flatMap({ Int($0.text) }), (1...12).contains(month) else {
                    throw fail("norma \(number): con 'anio', 'mes' debe ser un número de 1 a 12")
                }
                switch anio {
                case "apertura": return .dateInOpeningYear(month: month, day: try day(m.dia))
                case "siguiente":
                    guard let paso = m.paso else { throw fail("norma \(number): 'anio: siguiente' cuenta desde un 'paso'") }
                    return .nextDateAfterStep(step: ProcedureDefinition.normalize(step: paso), month: month, day: try day(m.dia))
                case "cada":
                    guard let paso = m.paso else { throw fail("norma \(number): 'anio: cada' cuenta desde un 'paso'") }
                    return .yearlyAfterStep(step: ProcedureDefinition.normalize(step: paso), month: month, day: try day(m.dia))
                default: throw fail("norma \(number): 'anio' debe ser 'apertura', 'siguiente' o 'cada'")
                }
            }
            if let mes = m.mes?.text {
                let after: Int
                switch mes {
                case "caso": after = 0
                case "siguiente": after = 1
                default: throw fail("norma \(number): sin 'anio', 'mes' debe ser 'caso' o 'siguiente'")
                }
                return .dayOfCaseMonth(day: try day(m.dia), monthsAfter: after)
            }
            if let paso = m.paso {
                return .afterStep(step: ProcedureDefinition.normalize(step: paso), months: m.meses ?? 0, days: m.dias ?? 0)
            }
            throw fail("norma \(number): la fecha necesita 'paso', 'mes' o 'anio'")
        }
        let deadlines = try ((plazo.map { [$0] } ?? []) + (plazos ?? [])).map {
            Deadline(steps: steps($0.pasos), opens: try $0.abre.map(rule), due: try rule($0.vence))
        }
        let requirements = try ((requisito.map { [$0] } ?? []) + (requisitos ?? [])).map { r in
            var decision: Bool? = nil
            switch r.decision {
            case nil: break
            case "si", "sí": decision = true
            case "no": decision = false
            case let other?: throw fail("norma \(number): 'decision' del requisito debe ser si o no (dice '\(other)')")
            }
            return Requirement(
                step: ProcedureDefinition.normalize(step: r.paso), fields: r.campos ?? [],
                when: r.si.map { Requirement.Condition(field: $0.campo, value: $0.valor.text) },
                documents: (r.documentos ?? []).map { d in
                    DocumentRule(path: d.archivo, fields: d.campos ?? [], trueFields: d.verdaderos ?? [], attachmentField: d.adjunto,
                                 list: d.lista.map { l in
                                     ListRule(field: l.campo, fields: l.campos ?? [], numeric: l.numericos ?? [],
                                              balance: l.saldo.map { .init(before: $0.antes, movement: $0.movimiento, after: $0.despues) },
                                              noProgress: l.sin_avance.map { .init(zero: $0.ceros, requires: $0.exige) })
                                 },
                                 when: d.si.map { Requirement.Condition(field: $0.campo, value: $0.valor.text) })
                },
                trueFields: r.verdaderos ?? [], decision: decision, evaluatesOnly: r.evalua ?? false)
        }
        return Norm(number: number, text: texto, deadlines: deadlines, requirements: requirements,
                    check: control.map { Check(steps: steps($0.pasos), description: $0.descripcion) },
                    kind: kind, notApplied: no_aplica)
    }
}
