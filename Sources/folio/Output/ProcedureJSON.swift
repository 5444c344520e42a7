import Procedures

/// `folio procedures --json`: one procedure with its steps (English keys, stable).
struct ProcedureJSON: Encodable {
    var number: Int
    var code: String
    var name: String
    var version: String
    var monthly: Bool
    var norms: [NormJSON]
    var steps: [StepJSON]

    /// A norm and how folio applies it (`deadline`, `requirement` or `check`, with its steps).
    struct NormJSON: Encodable {
        var number: String
        var text: String
        /// `norma` (the manual's) or `criterio` (the department's).
        var source: String
        /// For a criterion: who adopted it and when (nil while only proposed).
        var adoptedBy: String?
        var adoptedOn: String?
        /// `deadline`, `requirement` and/or `check`.
        var kinds: [String]
        var steps: [String]
    }

    struct StepJSON: Encodable {
        var step: String
        var role: String
        var roles: [String]
        var activity: String
        var decision: Bool
        var perDependency: Bool
        var waits: Bool
        var question: String?
        var branches: [String: BranchJSON]?
        var next: String
        var interpretation: String?
        /// What folio writes into the case at this step (`genera:`), by name, with its files
        /// (`AAAA-MM` the case's month, `CODIGO` the dependency's code); the archive index and the
        /// routing slip, written by every commit, are not listed.
        var generates: [GeneratorJSON]
    }

    struct GeneratorJSON: Encodable {
        var name: String
        var files: [String]
    }

    struct BranchJSON: Encodable {
        var text: String
        /// A step number, `FIN` or `SALE`.
        var next: String
    }

    init(_ d: ProcedureDefinition) {
        number = d.number
        code = d.code
        name = d.name
        version = d.version
        monthly = d.monthly
        norms = d.norms.map { n in
            let kinds = [n.deadlines.isEmpty ? nil : "deadline", n.requirements.isEmpty ? nil : "requirement",
                         n.check == nil ? nil : "check", n.notApplied == nil ? nil : "not-applied"].compactMap { $0 }
            let steps = n.deadlines.flatMap(\.steps) + n.requirements.map(\.step) + (n.check?.steps ?? [])
            return NormJSON(number: n.number, text: n.text, source: n.kind == .manual ? "norma" : "criterio",
                            adoptedBy: n.adoption?.by, adoptedOn: n.adoption?.on, kinds: kinds, steps: Array(Set(steps)).sorted())
        }
        steps = d.steps.map { s in
            StepJSON(step: s.number, role: s.role.rawValue, roles: s.roles.map(\.rawValue), activity: s.activity,
                     decision: s.decision != nil, perDependency: s.perDependency, waits: s.waits, question: s.decision?.question,
                     branches: s.decision.map { ["si": BranchJSON($0.yes), "no": BranchJSON($0.no)] },
                     next: s.decision == nil ? Self.text(d.transition(after: s, decision: nil)) : "decision",
                     interpretation: s.interpretation,
                     generates: s.generates.map { GeneratorJSON(name: $0.rawValue, files: $0.files(month: "AAAA-MM", dependency: "CODIGO")) })
        }
    }

    static func text(_ t: Transition) -> String {
        switch t {
        case .step(let n): n
        case .finish: "FIN"
        case .leave: "SALE"
        }
    }
}

extension ProcedureJSON.BranchJSON {
    init(_ b: Decision.Branch) {
        text = b.text
        next = ProcedureJSON.text(b.transition)
    }
}

/// `folio procedures` for people.
enum ProcedureText {
    static func render(_ d: ProcedureDefinition) -> String {
        var lines = ["Procedimiento \(d.number) (\(d.code)), versión \(d.version)\(d.monthly ? ", mensual" : ""): \(d.name)"]
        var table = Table(headers: ["PASO", "ROL", "ACTIVIDAD"])
        for s in d.steps {
            var activity = s.activity
            if let decision = s.decision {
                activity = decision.question + " Sí: " + branch(decision.yes.transition) + "; no: " + branch(decision.no.transition) + "."
            }
            if s.waits { activity += " (espera)" }
            if s.perDependency { activity += " [por dependencia]" }
            table.rows.append([s.number, s.roles.map(\.rawValue).joined(separator: " o "), activity])
        }
        lines.append(table.render())
        return lines.joined(separator: "\n")
    }

    private static func branch(_ t: Transition) -> String {
        switch t {
        case .step(let n): "paso \(n)"
        case .finish: "FIN"
        case .leave: "sale del procedimiento"
        }
    }
}
