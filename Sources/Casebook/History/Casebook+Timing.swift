import Foundation
import GitStore
import Procedures

/// One step recorded outside its rule's window, as `verify` and `report plazos` count it.
public struct TimedStep: Codable, Equatable, Sendable {
    public var caseID: String
    public var procedure: Int
    public var step: String
    public var dependency: String?
    public var author: String
    public var email: String
    public var date: String
    public var commit: String
    /// `on-time`, `late` or `early`.
    public var timing: String
    /// Calendar days late or early (0 on time).
    public var days: Int
    public var due: String?
    public var opens: String?
    /// "norma 2" or "criterio del departamento «ritmo-mensual»".
    public var rule: String
    public var justification: String?

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(caseID, forKey: .caseID)
        try c.encode(procedure, forKey: .procedure)
        try c.encode(step, forKey: .step)
        try c.encode(dependency, forKey: .dependency)
        try c.encode(author, forKey: .author)
        try c.encode(email, forKey: .email)
        try c.encode(date, forKey: .date)
        try c.encode(commit, forKey: .commit)
        try c.encode(timing, forKey: .timing)
        try c.encode(days, forKey: .days)
        try c.encode(due, forKey: .due)
        try c.encode(opens, forKey: .opens)
        try c.encode(rule, forKey: .rule)
        try c.encode(justification, forKey: .justification)
    }
}

/// The month's compliance with the norms' windows (`folio report plazos`): every step with a
/// window recorded in the month.
public struct ComplianceReport: Codable, Equatable, Sendable {
    public var month: String
    public var steps: [TimedStep]
    public var onTime: Int { steps.filter { $0.timing == StepTiming.Kind.onTime.rawValue }.count }
    public var late: Int { steps.filter { $0.timing == StepTiming.Kind.late.rawValue }.count }
    public var early: Int { steps.filter { $0.timing == StepTiming.Kind.early.rawValue }.count }

    enum CodingKeys: String, CodingKey { case month, onTime, late, early, steps }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(month, forKey: .month)
        try c.encode(onTime, forKey: .onTime)
        try c.encode(late, forKey: .late)
        try c.encode(early, forKey: .early)
        try c.encode(steps, forKey: .steps)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        month = try c.decode(String.self, forKey: .month)
        steps = try c.decode([TimedStep].self, forKey: .steps)
    }

    init(month: String, steps: [TimedStep]) {
        self.month = month
        self.steps = steps
    }
}

extension Casebook {
    /// The timing of every step of a replayed case that has a window, each judged against the
    /// calendar as it stood when the step was recorded.
    func timings(of replay: CaseReplay, month: String?) -> [OID: StepTiming] {
        let base = calendar(of: replay, month: month)
        var days: [String: Day] = [:]
        var found: [OID: StepTiming] = [:]
        var round = 0
        var accepted: [StepRecord] = []
        for record in replay.steps {
            accepted.append(record)
            guard let raw = record.step else { continue }
            let step = ProcedureDefinition.normalize(step: raw)
            let day = clock.day(record.author.date)
            var calendar = CaseCalendar(opened: base.opened, month: base.month, stepDays: days, round: round)
            // A yearly round's window counts from the plan's first year as that step's commit held it.
            if replay.definition.cycle != nil {
                let first = try? recordedPlanYears(replay.id, definition: replay.definition, steps: accepted).first
                calendar.firstReportYear = first.flatMap { $0 }.map { $0 + 1 }
            }
            calendar.stepDays[step] = day
            if let timing = replay.definition.timing(of: step, on: day, calendar: calendar) { found[record.commit] = timing }
            days[step] = day
            if step == replay.definition.cycle?.last { round += 1 }
        }
        return found
    }

    /// The justification to record with `step` today: nil when the step is within its window;
    /// the text given when it is not; a refusal when it is not and none was given.
    func justificationForStep(_ step: String, replay: CaseReplay, month: String?, given: String?) throws -> String? {
        let text = given?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        let today = clock.day(clock.now)
        let calendar = calendar(of: replay, month: month, recorded: (step, today))
        guard let timing = replay.definition.timing(of: step, on: today, calendar: calendar), timing.isOutOfWindow else {
            if text != nil, replay.definition.deadline(for: step) == nil {
                throw CasebookError.invalidValue(
                    option: "--justificacion", reason: "el paso \(step) no tiene plazo en las normas (ni en los criterios adoptados): no hay nada que justificar",
                    fix: "Registre el paso sin --justificacion; si quiere dejar una explicación, use -m TEXTO.")
            }
            if text != nil {
                throw CasebookError.invalidValue(
                    option: "--justificacion", reason: "el paso \(step) está en plazo hoy (\(today)): la justificación es para pasos fuera de plazo",
                    fix: "Registre el paso sin --justificacion; si quiere dejar una explicación, use -m TEXTO.")
            }
            return nil
        }
        guard let text else { throw CasebookError.outOfWindow(step: step, timing: timing) }
        return text
    }

    /// Every step recorded in `month` (AAAA-MM; the current month when nil) that has a window,
    /// on time or not, oldest first.
    public func compliance(month: String?) throws -> ComplianceReport {
        let monthText = month ?? String(clock.today.prefix(7))
        guard let first = Day(iso: monthText + "-01") else { throw CasebookError.invalidMonth(monthText) }
        guard let head = try repository.headCommit() else { return ComplianceReport(month: monthText, steps: []) }
        let history = try loadHistory(at: head)
        let paths = try casePaths(at: head)
        var steps: [(Date, TimedStep)] = []
        for id in history.caseIDs {
            guard let replay = try replay(id, in: history) else { continue }
            let month = try paths[id].flatMap { try caseFields($0, at: head)?.month }
            let timings = timings(of: replay, month: month)
            for record in replay.steps {
                let day = clock.day(record.author.date)
                guard day.year == first.year, day.month == first.month, let timing = timings[record.commit] else { continue }
                steps.append((record.author.date, timedStep(record, timing: timing, replay: replay)))
            }
        }
        saveHistoryCache()
        return ComplianceReport(month: monthText, steps: steps.sorted { $0.0 < $1.0 }.map(\.1))
    }

    func timedStep(_ record: StepRecord, timing: StepTiming, replay: CaseReplay) -> TimedStep {
        TimedStep(caseID: replay.id, procedure: replay.definition.number, step: record.step ?? "", dependency: record.dependency,
                  author: record.author.name, email: record.author.email, date: clock.iso(record.author.date),
                  commit: record.commit.hex, timing: timing.kind.rawValue, days: timing.days, due: timing.due?.description,
                  opens: timing.opens?.description, rule: timing.norm.label, justification: record.justification)
    }
}
