/// One of the manual's "Normas Específicas" (or one clause of it), or a criterion the department
/// adopted where the manual is silent, as folio applies it: deadlines, requirements checked when a
/// step is recorded, or a check the procedure itself records.
public struct Norm: Equatable, Sendable {
    /// Where a rule comes from: the manual, or the department.
    public enum Kind: Equatable, Sendable {
        /// A norm (or clause) of the manual: `number` is the manual's ("3", "3.2").
        case manual
        /// A department criterion (`criterios:` in the schema): `number` is its key. It applies only
        /// once a jefe adopted it (`schemas/registro.yaml`), and is never shown as a norm.
        case criterion
    }

    /// The manual's number of the norm ("3", "3.2"), or the criterion's key ("ritmo-mensual").
    public var number: String
    /// The manual's wording (or the criterion's), quoted in messages.
    public var text: String
    public var deadlines: [Deadline]
    public var requirements: [Requirement] = []
    /// How the procedure records a check that is a human judgment (e.g. the decision of P4-04).
    public var check: Check?
    public var kind: Kind = .manual
    /// Why a norm of the manual is not applied by folio (it binds someone folio does not
    /// record, for example); nil when it is applied.
    public var notApplied: String? = nil
    /// Who adopted a criterion and when, from the department's register.
    public var adoption: Adoption? = nil

    public init(number: String, text: String, deadlines: [Deadline], requirements: [Requirement] = [], check: Check? = nil,
                kind: Kind = .manual, notApplied: String? = nil, adoption: Adoption? = nil) {
        self.number = number
        self.text = text
        self.deadlines = deadlines
        self.requirements = requirements
        self.check = check
        self.kind = kind
        self.notApplied = notApplied
        self.adoption = adoption
    }

    /// The first requirement, for norms that have one.
    public var requirement: Requirement? { requirements.first }

    /// How people read the rule's origin: "norma 3" or "criterio del departamento «ritmo-mensual»".
    public var label: String {
        switch kind {
        case .manual: return "norma \(number)"
        case .criterion: return "criterio del departamento «\(number)»"
        }
    }

    /// The wording without the manual's own number in front ("3.1 Observar que…" → "Observar
    /// que…"), to quote after a label that already says it ("Norma 3.1: «Observar que…»").
    public var statement: String {
        guard kind == .manual, text.hasPrefix(number) else { return text }
        var rest = text.dropFirst(number.count)
        if rest.first == "." { rest = rest.dropFirst() }
        // Only a number standing alone ("3.1 " or "3. "), never "3.10" read as "3.1".
        guard let next = rest.first, next == " " || next == "\t" else { return text }
        let body = rest.drop(while: { $0 == " " || $0 == "\t" })
        return body.isEmpty ? text : String(body)
    }

    /// Whether folio applies it at all (a criterion only once adopted).
    public var isApplied: Bool {
        switch kind {
        case .manual: return notApplied == nil
        case .criterion: return adoption != nil
        }
    }
}

/// A jefe's act recorded in the department's register (Article 3 of Acuerdo 16/2013): a criterion
/// adopted, or an interpretation resolved.
public struct Adoption: Equatable, Sendable {
    /// The persona id of the jefe who adopted it.
    public var by: String
    /// The day it was adopted (`AAAA-MM-DD`).
    public var on: String
    public init(by: String, on: String) {
        self.by = by
        self.on = on
    }
}

/// A check made by people and recorded by the procedure: folio shows it with the steps.
public struct Check: Equatable, Sendable {
    public var steps: [String]
    public var description: String
}

/// When `steps` must be recorded: by `due`, and not before `opens` when there is one.
public struct Deadline: Equatable, Sendable {
    public var steps: [String]
    public var opens: DateRule?
    public var due: DateRule
}

/// How a deadline's day is found from the case's history and calendar.
public enum DateRule: Equatable, Sendable {
    /// `months` calendar months and `days` days after the (latest) recording of `step`.
    case afterStep(step: String, months: Int, days: Int)
    /// Day `day` (nil: the last) of the month `monthsAfter` months after the case's month
    /// (monthly procedures: `mes`).
    case dayOfCaseMonth(day: Int?, monthsAfter: Int)
    /// Month `month`, day `day` (nil: the last) of the year the case was opened.
    case dateInOpeningYear(month: Int, day: Int?)
    /// The first month `month`, day `day` (nil: the last) on or after the recording of `step`.
    case nextDateAfterStep(step: String, month: Int, day: Int?)
    /// The same, one year later for each round of a yearly cycle already completed (P1 norm 5:
    /// "durante el mes de enero de cada año").
    case yearlyAfterStep(step: String, month: Int, day: Int?)
}

/// What a deadline needs to know of a case.
public struct CaseCalendar: Sendable {
    /// The day of the case's first commit.
    public var opened: Day
    /// For monthly cases, the first day of the case's month.
    public var month: Day?
    /// The day each step was last recorded.
    public var stepDays: [String: Day]
    /// Rounds of the procedure's yearly cycle completed before the step judged (0 outside cycles).
    public var round: Int
    /// The first year whose January may hold a yearly report: the year after the plan's first
    /// year in force (its report gives account of that year); nil when the plan's years are not known.
    public var firstReportYear: Int?

    public init(opened: Day, month: Day?, stepDays: [String: Day], round: Int = 0, firstReportYear: Int? = nil) {
        self.opened = opened
        self.month = month
        self.stepDays = stepDays
        self.round = round
        self.firstReportYear = firstReportYear
    }
}

extension DateRule {
    /// The step the rule counts from, if it counts from one.
    public var anchorStep: String? {
        switch self {
        case .afterStep(let step, _, _), .nextDateAfterStep(let step, _, _), .yearlyAfterStep(let step, _, _): return step
        case .dayOfCaseMonth, .dateInOpeningYear: return nil
        }
    }

    /// The rule's day for a case; nil when what it counts from has not happened yet.
    public func resolve(_ calendar: CaseCalendar) -> Day? {
        func dayOf(_ year: Int, _ month: Int, _ day: Int?) -> Day {
            Day(year, month, min(day ?? 31, Day.daysIn(year: year, month: month)))
        }
        switch self {
        case .afterStep(let step, let months, let days):
            return calendar.stepDays[step]?.adding(months: months).adding(days: days)
        case .dayOfCaseMonth(let day, let monthsAfter):
            guard let start = calendar.month?.monthStart(adding: monthsAfter) else { return nil }
            return dayOf(start.year, start.month, day)
        case .dateInOpeningYear(let month, let day):
            return dayOf(calendar.opened.year, month, day)
        case .nextDateAfterStep(let step, let month, let day):
            guard let anchor = calendar.stepDays[step] else { return nil }
            let same = dayOf(anchor.year, month, day)
            return same >= anchor ? same : dayOf(anchor.year + 1, month, day)
        case .yearlyAfterStep(let step, let month, let day):
            // The first month `month` not over when `step` was recorded (its own month counts whole,
            // so that the window's opening and its deadline fall in the same year).
            guard let anchor = calendar.stepDays[step] else { return nil }
            let first = max(anchor.month <= month ? anchor.year : anchor.year + 1, calendar.firstReportYear ?? 0)
            return dayOf(first + calendar.round, month, day)
        }
    }
}
