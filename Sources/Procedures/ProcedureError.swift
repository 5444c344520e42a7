/// A step the manual does not allow, or a definition that cannot be read. Messages are Spanish,
/// for staff: they name the rule, the step and what would be allowed instead.
public enum ProcedureError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidDefinition(file: String, reason: String)
    case unknownStep(procedure: Int, step: String, known: [String])
    case outOfOrder(procedure: Int, step: String, dependency: String?, allowed: [NextStep])
    case caseEnded(step: String, state: CaseState)
    case decisionRequired(step: String, question: String)
    case decisionNotAllowed(step: String)
    case dependencyRequired(step: String)
    case dependencyNotAllowed(step: String)
    case dependenciesPending(step: String, pending: [(String, String)], firstStep: String)
    /// The jefe's excuse of `dependency` at a point the round does not allow it (`reason` says why).
    case excuseNotAllowed(dependency: String, reason: String)
    /// A step of `dependency` after the jefe closed the round without it.
    case dependencyExcused(step: String, dependency: String)
    /// The step that closes a month's round (P3-06, P5-02), dated before the month ended.
    case monthNotEnded(step: String, month: String, from: String)
    /// A dependency's first step for a code the department did not know when it was made: no
    /// contact of the parent's roster, not in the case's committed `dependencias_esperadas`, never
    /// acted for nor excused in the case (a typo, or a list changed in the work tree only).
    /// `step` is "excusa" for the jefe's excuse of such a code, "nota" for a note for it.
    case unknownDependency(step: String, dependency: String)

    public static func == (lhs: ProcedureError, rhs: ProcedureError) -> Bool {
        lhs.description == rhs.description
    }

    /// The refusal as the command line says it: the rule, and the option to type (`hint`).
    public var description: String {
        switch self {
        case .decisionRequired(let step, let question):
            return "El paso \(step) es una decisión (\(question)): indique --decision si o --decision no."
        case .decisionNotAllowed(let step):
            return "El paso \(step) no es una decisión: quite --decision."
        case .dependencyRequired(let step):
            return "El paso \(step) se registra una vez por dependencia: indique --dependency CODIGO."
        case .dependencyNotAllowed(let step):
            return "El paso \(step) se registra una sola vez para todo el expediente: quite --dependency."
        default:
            return domainText
        }
    }

    /// A stable code for each kind of refusal of the manual's order (`FOLIO-P0n`).
    public var code: String {
        switch self {
        case .invalidDefinition: return "FOLIO-P01"
        case .unknownStep: return "FOLIO-P02"
        case .outOfOrder: return "FOLIO-P03"
        case .caseEnded: return "FOLIO-P04"
        case .decisionRequired: return "FOLIO-P05"
        case .decisionNotAllowed: return "FOLIO-P06"
        case .dependencyRequired: return "FOLIO-P07"
        case .dependencyNotAllowed: return "FOLIO-P08"
        case .dependenciesPending: return "FOLIO-P09"
        case .excuseNotAllowed: return "FOLIO-P10"
        case .dependencyExcused: return "FOLIO-P11"
        case .monthNotEnded: return "FOLIO-P12"
        case .unknownDependency: return "FOLIO-P13"
        }
    }

    /// What the command line adds to answer the refusal; nil when the text says all.
    public var hint: CommandHint? {
        switch self {
        case .decisionRequired: return .giveDecision
        case .decisionNotAllowed: return .dropDecision
        case .dependencyRequired: return .giveDependency
        case .dependencyNotAllowed: return .dropDependency
        default: return nil
        }
    }

    /// The refusal in the domain's words (the rule and what is missing), without command-line
    /// options: what a page of the dashboard can show.
    public var domainText: String {
        switch self {
        case .invalidDefinition(let file, let reason):
            return "\(file): definición de procedimiento no válida: \(reason). Corrija el archivo en schemas/."
        case .unknownStep(let procedure, let step, let known):
            return "El paso '\(step)' no existe en el procedimiento \(procedure); sus pasos son \(known.first ?? "")"
                + " a \(known.last ?? "")."
        case .outOfOrder(let procedure, let step, let dependency, let allowed):
            let subject = dependency.map { "El paso \(step) para la dependencia \($0)" } ?? "El paso \(step)"
            return "\(subject) no corresponde ahora según el procedimiento \(procedure) del manual. "
                + ProcedureError.describeAllowed(allowed)
        case .caseEnded(let step, let state):
            return "El expediente está \(state.label): el procedimiento terminó y no admite el paso \(step)."
        case .decisionRequired(let step, let question):
            return "El paso \(step) es una decisión (\(question)): se registra con su respuesta, sí o no."
        case .decisionNotAllowed(let step):
            return "El paso \(step) no es una decisión: no lleva respuesta."
        case .dependencyRequired(let step):
            return "El paso \(step) se registra una vez por dependencia: falta decir de cuál."
        case .dependencyNotAllowed(let step):
            return "El paso \(step) se registra una sola vez para todo el expediente, no por dependencia."
        case .dependenciesPending(let step, let pending, let first):
            if pending.isEmpty {
                return "El paso \(step) requiere que al menos una dependencia haya iniciado (paso \(first))."
            }
            let list = pending.map { "\($0.0) (le falta el paso \($0.1))" }.joined(separator: ", ")
            // A dependency expected that has not started waits at the round's first step.
            let which = pending.contains { $0.1 == first } ? "esperadas e iniciadas" : "iniciadas"
            return "El paso \(step) requiere que todas las dependencias \(which) terminen su parte: \(list)."
        case .excuseNotAllowed(let dependency, let reason):
            return "El cierre sin \(dependency) no corresponde: \(reason). Solo se excusa, en una ronda abierta, una dependencia que no "
                + "terminó su parte y cuyas cifras no se aprobaron."
        case .monthNotEnded(let step, let month, let from):
            return "El paso \(step) cierra el mes \(month), que aún no había terminado: se registra desde el \(from), "
                + "cuando todas las dependencias pudieron informar."
        case .dependencyExcused(let step, let dependency):
            return "El paso \(step) para \(dependency) no corresponde: el jefe cerró la ronda sin \(dependency) (folio excusar), "
                + "y \(dependency) ya no registra pasos en este expediente."
        case .unknownDependency(let step, let dependency):
            let subject = step == "excusa" ? "El cierre sin \(dependency) (excusa)"
                : step == "nota" ? "La nota para \(dependency)" : "El paso \(step) para \(dependency)"
            return "\(subject) no cuenta: cuando se registró, \(dependency) no era ninguna dependencia que el "
                + "departamento conociera para el expediente (ni enlace en roles.yaml, ni en 'dependencias_esperadas' del expediente "
                + "registrado, ni con pasos antes)."
        }
    }

    /// "Pasos permitidos ahora: 04 (analista)..." for refusals.
    static func describeAllowed(_ allowed: [NextStep]) -> String {
        guard !allowed.isEmpty else { return "No hay pasos permitidos en este momento." }
        let items = allowed.map { next -> String in
            let roles = next.step.roles.map(\.rawValue).joined(separator: " o ")
            var text = "\(next.step.number) (\(roles))"
            let unit = next.step.roles.contains(.unidadEjecutora)
            if let d = next.dependency { text += (unit ? " para la unidad ejecutora " : " para la dependencia ") + d }
            if next.startsDependency { text += unit ? " para una unidad ejecutora que aún no empieza" : " para una dependencia que aún no empieza" }
            return text
        }
        return (items.count == 1 ? "El paso permitido ahora es " : "Los pasos permitidos ahora son ")
            + items.joined(separator: "; ") + "."
    }
}

/// What a person types on the command line to answer a refusal. Domain errors carry the hint;
/// their `domainText` says the rule only, and `description` (what the CLI prints) adds the option.
public enum CommandHint: String, Sendable, Equatable, CaseIterable {
    case giveDecision, dropDecision, giveDependency, dropDependency, givePersona, giveStep

    public var commandLine: String {
        switch self {
        case .giveDecision: return "Indique --decision si o --decision no."
        case .dropDecision: return "Quite --decision."
        case .giveDependency: return "Indique --dependency CODIGO."
        case .dropDependency: return "Quite --dependency."
        case .givePersona: return "Indique --as PERSONA (id o correo de roles.yaml), o configure 'git config user.email' con el correo de una persona registrada."
        case .giveStep: return "Indique PASO (y --dependency si corresponde)."
        }
    }
}
