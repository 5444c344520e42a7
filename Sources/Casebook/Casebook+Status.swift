import Foundation
import GitStore
import Procedures

extension Casebook {
    /// The status of every expediente, in the order they were opened; derived from history alone.
    public func statusOfAll() throws -> [CaseStatus] {
        omittedCommits = 0
        guard let head = try repository.headCommit() else { return [] }
        let history = try loadHistory(at: head)
        let roster = try roster(at: head)
        let paths = try casePaths(at: head)
        let all = try history.caseIDs.compactMap { id -> CaseStatus? in
            guard let replay = try replay(id, in: history) else { return nil }
            return try status(of: replay, roster: roster, head: head, path: paths[id] ?? "")
        }
        saveHistoryCache()
        return all
    }

    /// The status of one expediente.
    public func status(of caseID: String) throws -> CaseStatus {
        omittedCommits = 0
        let head = try head()
        let (id, path) = try locate(caseID, head: head)
        let history = try loadHistory(at: head)
        guard let replay = try replay(id, in: history) else { throw CasebookError.unknownCase(id) }
        let status = try status(of: replay, roster: try roster(at: head), head: head, path: path)
        saveHistoryCache()
        return status
    }

    /// Every commit of one expediente, oldest first.
    public func log(of caseID: String) throws -> [HistoryEntry] {
        omittedCommits = 0
        let head = try head()
        let (id, path) = try locate(caseID, head: head)
        let history = try loadHistory(at: head)
        let month = try caseFields(path, at: head)?.month
        let replayed = try replay(id, in: history)
        let timings: [OID: StepTiming] = replayed.map { self.timings(of: $0, month: month) } ?? [:]
        let records = replayed?.records ?? []
        saveHistoryCache()
        return records.enumerated().map { i, record in
            entry(record, kind: record.step != nil ? "step" : (i == 0 ? "opening" : "note"), timing: timings[record.commit])
        }
    }

    func status(of replay: CaseReplay, roster: Roster, head: OID, path: String) throws -> CaseStatus {
        let definition = replay.definition
        let fields = try caseFields(path, at: head)
        let title = fields?.title ?? ""
        var opened = clock.day(replay.opening.author.date).description
        if let written = fields?.opened, !written.isEmpty { opened = written }
        let allowed = nextSteps(replay.machine, roster: roster, calendar: calendar(of: replay, month: fields?.month))
        let timings = timings(of: replay, month: fields?.month)
        let dependencies: [DependencyStatus]? = definition.dependencyBlock == nil ? nil : replay.machine.threads.map { thread in
            DependencyStatus(code: thread.code, lastStep: thread.lastStep, next: allowed.filter { $0.dependency == thread.code })
        }
        return CaseStatus(
            id: replay.id, procedure: definition.number, procedureName: definition.name, version: definition.version,
            title: title, path: path, opened: opened, state: replay.machine.state, lastStep: replay.machine.lastStep,
            next: allowed.filter { $0.dependency == nil },
            history: replay.steps.map { entry($0, kind: "step", timing: timings[$0.commit]) }, dependencies: dependencies)
    }

    /// Every step the machine allows now, with who may record it (per `roster`) and by when.
    func nextSteps(_ machine: CaseMachine, roster: Roster, calendar: CaseCalendar) -> [NextStepStatus] {
        let today = clock.day(clock.now)
        return machine.allowedNext.map { next in
            let rule = machine.definition.deadline(for: next.step.number)
            let due = rule?.deadline.due.resolve(calendar)
            return NextStepStatus(step: next.step.number, role: next.step.role.rawValue, roles: next.step.roles.map(\.rawValue),
                                  holders: roster.holders(of: next.step.roles), activity: next.step.activity,
                                  dependency: next.dependency, perDependency: next.step.perDependency,
                                  due: due?.description, opens: rule?.deadline.opens?.resolve(calendar)?.description,
                                  overdue: due.map { today > $0 } ?? false,
                                  normNumber: rule?.norm.kind == .manual ? rule?.norm.number : nil, norm: rule?.norm.text,
                                  criterion: rule?.norm.kind == .criterion ? rule?.norm.number : nil)
        }
    }

    /// What the deadlines count from: the opening day, the case's month (`mes`, else the id's
    /// `AAAA-MM` suffix) and the day each step was last recorded (its reception by the shared
    /// repository where a stamp says so, else its declared date).
    func calendar(of replay: CaseReplay, month: String?, recorded: (step: String, day: Day)? = nil) -> CaseCalendar {
        var days: [String: Day] = [:]
        for record in replay.steps { if let s = record.step { days[ProcedureDefinition.normalize(step: s)] = clock.day(effectiveDate(record)) } }
        if let recorded { days[recorded.step] = recorded.day }
        let monthText = month?.nilIfEmpty ?? String(replay.id.suffix(7))
        return CaseCalendar(opened: clock.day(replay.opening.author.date), month: Day(iso: monthText + "-01"), stepDays: days)
    }


    func entry(_ record: StepRecord, kind: String, timing: StepTiming? = nil) -> HistoryEntry {
        HistoryEntry(kind: kind, step: record.step, role: record.role, author: record.author.name, email: record.author.email,
                     committer: record.committer.name, committerEmail: record.committer.email,
                     date: clock.iso(record.author.date), commit: record.commit.hex,
                     decision: record.decisionValue.map { $0 ? "si" : "no" }, dependency: record.dependency,
                     subject: record.subject, timing: timing?.kind.rawValue,
                     daysOutOfWindow: timing?.isOutOfWindow == true ? timing?.days : nil, justification: record.justification)
    }

    /// The procedures in force at HEAD.
    public func proceduresInForce() throws -> [ProcedureDefinition] {
        try definitions(at: try head())
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
