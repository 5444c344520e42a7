/// Where a step's recording falls against the window its norm (or adopted criterion) sets: the
/// manual "sirve para llevar controles internos", so a step out of time is accepted only with a
/// justification, and the record keeps it.
public struct StepTiming: Equatable, Sendable {
    public enum Kind: String, Equatable, Sendable {
        case onTime = "on-time"
        /// After the deadline.
        case late
        /// Before the window opens (P3-01 before the 26th).
        case early
    }

    public var kind: Kind
    /// Calendar days late or early; 0 on time.
    public var days: Int
    public var due: Day?
    public var opens: Day?
    /// The rule that sets the window.
    public var norm: Norm

    public var isOutOfWindow: Bool { kind != .onTime }

    public init(kind: Kind, days: Int, due: Day?, opens: Day?, norm: Norm) {
        self.kind = kind
        self.days = days
        self.due = due
        self.opens = opens
        self.norm = norm
    }

    /// "3 días después del plazo (vence 2026-12-05, norma 2)", for people.
    public var description: String {
        let unit = days == 1 ? "día" : "días"
        switch kind {
        case .onTime: return "en plazo (\(norm.label))"
        case .late: return "\(days) \(unit) después del plazo (vencía el \(due?.description ?? "?"), \(norm.label))"
        case .early: return "\(days) \(unit) antes de que abra el plazo (abre el \(opens?.description ?? "?"), \(norm.label))"
        }
    }
}

extension ProcedureDefinition {
    /// The timing of `step` recorded on `day`, given the case's calendar at that moment (the days
    /// of the steps recorded before it); nil when no applied rule sets a window for the step, or
    /// what the window counts from has not happened.
    public func timing(of step: String, on day: Day, calendar: CaseCalendar) -> StepTiming? {
        guard let rule = deadline(for: step) else { return nil }
        let due = rule.deadline.due.resolve(calendar)
        let opens = rule.deadline.opens?.resolve(calendar)
        guard due != nil || opens != nil else { return nil }
        if let opens, day < opens {
            return StepTiming(kind: .early, days: day.days(to: opens), due: due, opens: opens, norm: rule.norm)
        }
        if let due, day > due {
            return StepTiming(kind: .late, days: due.days(to: day), due: due, opens: opens, norm: rule.norm)
        }
        return StepTiming(kind: .onTime, days: 0, due: due, opens: opens, norm: rule.norm)
    }
}
