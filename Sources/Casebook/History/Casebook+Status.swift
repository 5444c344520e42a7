import Foundation
import GitStore
import Procedures

extension Casebook {
    /// The status of every expediente, in the order they were opened; derived from history alone.
    public func statusOfAll() throws -> [CaseStatus] {
        var all: [CaseStatus] = []
        try statusOfAll { all.append($0) }
        return all
    }

    /// The status of every expediente, handed to `body` one case at a time in the order they were
    /// opened, so that a command can write each one and let it go (memory bounded by one case).
    public func statusOfAll(_ body: (CaseStatus) throws -> Void) throws {
        omittedCommits = 0
        workTreeFiles = [:]
        damagedCases = []
        guard let head = try repository.headCommit() else { return }
        let roster = readableRoster(at: head)
        let paths = try casePaths(at: head)
        try forEachCase(at: head, derive: { book, id, history in
            book.caseStatus(id, history: history, roster: roster, head: head, path: paths[id] ?? "")
        }) { status in
            guard let status else { return }
            if status.damage != nil { damagedCases.append(status) }
            try body(status)
        }
    }

    /// One case's status for `statusOfAll`: a damaged case (a schema or front matter that cannot
    /// be read) is listed as damaged, never hides the others. nil for a case whose opening commit
    /// does not count (a forged opening, a trailer naming a case no one opened): it is no case.
    func caseStatus(_ id: String, history: History, roster: Roster, head: OID, path: String) -> CaseStatus? {
        do {
            if let replay = try replay(id, in: history) {
                return try status(of: replay, roster: roster, head: head, path: path)
            }
            if openingDoesNotCount(id, history: history) { return nil }
            return damagedStatus(id, history: history, head: head, path: path, file: SchemaLibrary.directory,
                                 reason: "no hay definición del procedimiento '\(history.records(of: id).first?.procedure ?? "")' en schemas/")
        } catch {
            // The repository itself could not be read (libgit2): that may pass, unlike committed content.
            if error is GitError { unreadCases.insert(id) }
            let number = history.records(of: id).first?.procedure.flatMap(Int.init) ?? 0
            return damagedStatus(id, history: history, head: head, path: path, file: SchemaLibrary.path(for: number), reason: "\(error)")
        }
    }

    /// Whether `replay` found no case because no commit that counts opens it: none of the line of
    /// first parents names it (a folder added with plain git, or by a merge), or its opening commit
    /// does not count, its procedure's definition being there (a forged or invalid opening); not
    /// for want of a definition (a damaged case).
    func openingDoesNotCount(_ id: String, history: History) -> Bool {
        guard let first = history.records(of: id).first else { return true }
        guard let number = first.procedure.flatMap(Int.init) else { return false }
        return (try? definition(number, at: first.commit)) != nil
    }

    /// The status of one expediente.
    public func status(of caseID: String) throws -> CaseStatus {
        omittedCommits = 0
        workTreeFiles = [:]
        let head = try head()
        let (id, path) = try locate(caseID, head: head)
        // The case's own records (the history cache's lines of this case): cost and memory by case.
        let history = try loadHistory(of: [id], at: head)
        // As the list derives it: a damaged case is listed damaged, a folder no counting commit opens is no case.
        guard let status = caseStatus(id, history: history, roster: readableRoster(at: head), head: head, path: path) else {
            throw CasebookError.caseNotCounted(id, path: path)
        }
        saveHistoryCache()
        return status
    }

    /// Every commit of one expediente, oldest first.
    public func log(of caseID: String) throws -> [HistoryEntry] {
        omittedCommits = 0
        workTreeFiles = [:]
        let head = try head()
        let (id, path) = try locate(caseID, head: head)
        let history = try loadHistory(of: [id], at: head)
        let month = try caseFields(path, at: head)?.month
        let replayed = try replay(id, in: history)
        if replayed == nil, openingDoesNotCount(id, history: history) { throw CasebookError.caseNotCounted(id, path: path) }
        let timings: [OID: StepTiming] = replayed.map { self.timings(of: $0, month: month) } ?? [:]
        // A step out of the manual's order is no step of the case: left out, and counted (verify names it).
        let refused = Set((replayed?.refused ?? []).map(\.record.commit))
        let records = (replayed?.records ?? []).filter { !refused.contains($0.commit) }
        saveHistoryCache()
        let definition = replayed?.definition
        return try records.enumerated().map { i, record in
            // The jefe's closing without a dependency is said as such, with its code (staff16r).
            let excuse = replayed?.excuses.contains { $0.commit == record.commit } == true
            var e = entry(record, kind: record.step != nil ? "step" : (i == 0 ? "opening" : excuse ? "excuse" : "note"), timing: timings[record.commit])
            if excuse { e.dependency = record.excuse.flatMap(CaseID.dependencyCode) }
            e.activity = record.step.flatMap { definition?.step($0)?.activity }
            e.text = Self.bodyText(try repository.commit(record.commit).message)
            return e
        }
    }

    /// The text of a commit message between its subject and its trailers (what -m gave).
    static func bodyText(_ message: String) -> String? {
        var paragraphs = message.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard paragraphs.count > 1 else { return nil }
        paragraphs.removeFirst()
        let trailer = "^[A-Za-z][A-Za-z-]*: "
        if let last = paragraphs.last,
           last.components(separatedBy: "\n").allSatisfy({ $0.range(of: trailer, options: .regularExpression) != nil }) {
            paragraphs.removeLast()
        }
        return paragraphs.isEmpty ? nil : paragraphs.joined(separator: "\n\n")
    }

    /// The round of a case whose decisions can send it back to an earlier step (P4-10 to 02 when
    /// SEGEPLAN observes the documents): 1 + the returns so far; nil for procedures without one.
    static func round(of replay: CaseReplay) -> (round: Int, note: String?)? {
        let definition = replay.definition
        let loops = definition.steps.filter { step in
            guard let d = step.decision else { return false }
            return [d.yes, d.no].contains { branch in
                if case .step(let target) = branch.transition { return target <= step.number }
                return false
            }
        }
        guard !loops.isEmpty else { return nil }
        var returns: [String: Int] = [:]
        for record in replay.steps {
            guard let number = record.step, let step = definition.step(number), let d = step.decision,
                  let answer = record.decisionValue else { continue }
            if case .step(let target) = (answer ? d.yes : d.no).transition, target <= step.number {
                returns["\(step.number)|\(target)|\(d.question)", default: 0] += 1
            }
        }
        let total = returns.values.reduce(0, +)
        let note = returns.sorted { $0.key < $1.key }.map { key, count in
            let parts = key.split(separator: "|", maxSplits: 2).map(String.init)
            return "el paso \(parts[0]) (\(parts[2])) lo regresó al paso \(parts[1]) \(count == 1 ? "una vez" : "\(count) veces")"
        }.joined(separator: "; ")
        return (total + 1, note.isEmpty ? nil : note)
    }

    func status(of replay: CaseReplay, roster: Roster, head: OID, path: String) throws -> CaseStatus {
        let definition = replay.definition
        // A case whose folder is gone (deleted outside folio) shows what its folder last said.
        let gone = path.isEmpty ? try lastFolder(of: replay.id, records: replay.records) : nil
        let fields = try gone.map { try caseFields($0.folder, at: $0.commit) } ?? caseFields(path, at: head)
        let title = fields?.title ?? ""
        let damage = fields.flatMap { $0.damage.isEmpty ? nil : CaseDamage(file: "\(path)/expediente.md", reason: $0.damage) }
        var opened = clock.day(replay.opening.author.date).description
        if let written = fields?.opened, !written.isEmpty { opened = written }
        let allowed = nextSteps(replay.machine, roster: roster, calendar: calendar(of: replay, month: fields?.month),
                                assignments: replay.assignments)
        let timings = timings(of: replay, month: fields?.month)
        let dependencies: [DependencyStatus]? = definition.dependencyBlock == nil ? nil : replay.machine.threads.map { thread in
            var next = allowed.filter { $0.dependency == thread.code }
            // Figures corrected after their review (P3-03) are reviewed again before the decision
            // (step 04 refuses them): the review is what comes next.
            if thread.next != nil, let review = definition.step(thread.lastStep), review.generates.contains(.productionReview),
               (try? unreviewedChange(replay, dependency: thread.code, path: path, at: head)) != nil {
                next = next.map { item in
                    var again = item
                    again.step = review.number
                    again.activity = review.activity + " (de nuevo: sus cifras cambiaron después de la revisión)"
                    again.opens = nil
                    return again
                }
            }
            return DependencyStatus(code: thread.code, lastStep: thread.lastStep, next: next,
                                    returned: thread.next != nil && (try? uncorrectedData(replay, dependency: thread.code, path: path, head: head)) != nil ? true : nil)
        }
        // A round that has closed (P2) offers no new dependency's start (`recordStepLocked` refuses it).
        let foreign = gone == nil ? try foreignListChange(replay, path: path, head: head) : nil
        let state = effectiveState(replay, path: path, roster: roster, foreign: foreign)
        let next = allowed.filter { $0.dependency == nil && !(state == .closed && $0.perDependency) }
        let round = Self.round(of: replay)
        var status = CaseStatus(
            id: replay.id, procedure: definition.number, procedureName: definition.name, version: definition.version,
            title: title, path: path, opened: opened, state: state, lastStep: replay.machine.lastStep,
            next: next,
            history: replay.steps.map { entry($0, kind: "step", timing: timings[$0.commit]) }, dependencies: dependencies,
            round: round?.round, roundNote: round?.note, damage: damage)
        if let rs = roundStatus(replay, path: path, roster: roster, foreign: foreign) {
            status.expected = rs.expected
            status.missing = rs.missing
            status.excused = rs.excused.map { ExcusedDependency(code: $0.code, reason: $0.reason) }
            status.expectedRole = expectedRole(definition)?.rawValue
        }
        // Its folder, or its expediente.md, deleted outside folio: damaged, with where it last was
        // and the way back; nobody can record a step until it is restored, so nothing is pending.
        var missing: CaseDamage?
        if let gone {
            missing = CaseDamage(file: gone.folder, reason: "la carpeta del expediente ya no está en cases/: se borró o se movió "
                + "fuera de folio; nadie puede registrar pasos en él hasta que se restaure: " + (try folderGoneFix(replay.id, gone, head: head)))
        } else if fields == nil, let last = try lastFolder(of: replay.id, records: replay.records, holding: "expediente.md") {
            missing = CaseDamage(file: "\(path)/expediente.md", reason: "falta: se borró fuera de folio; "
                + Self.restoreFix(replay.id, (last.folder + "/expediente.md", last.commit), what: "restáurelo"))
        }
        if missing == nil, let foreign {
            missing = CaseDamage(file: "\(path)/expediente.md", reason: foreign.text(replay.id))
        }
        if let missing {
            status.damage = missing
            status.next = []
            // Stopped, not finished (staff35: a damaged case's table said "terminó" of dependencies at step 03).
            status.dependencies = status.dependencies?.map {
                DependencyStatus(code: $0.code, lastStep: $0.lastStep, next: [], stopped: $0.next.isEmpty ? nil : true)
            }
        }
        return status
    }

    /// Where case `id` last had its folder in its history (`records`, oldest first), and in which
    /// commit: for a case whose folder is gone from HEAD.
    /// `holding`: the newest commit where the folder holds that file.
    func lastFolder(of id: String, records: [StepRecord], holding file: String? = nil) throws -> (folder: String, commit: OID)? {
        for record in records.reversed() {
            guard let folder = try casePath(id, at: record.commit) else { continue }
            if let file, try repository.entryID(at: "\(folder)/\(file)", in: record.commit) == nil { continue }
            return (folder, record.commit)
        }
        return nil
    }

    /// `lastFolder` of case `id` with its records up to `head` (the history cache's lines of the case).
    func lastFolder(of id: String, at head: OID, holding file: String? = nil) throws -> (folder: String, commit: OID)? {
        try lastFolder(of: id, records: loadHistory(of: [id], at: head).records(of: id), holding: file)
    }

    /// How to bring back a case folder deleted outside folio: restored where it was, and the
    /// restoration recorded by a note (which takes the folder from the work tree).
    /// The note is recorded by the Department's staff: a dependency's contact records only their own files.
    static func restoreFix(_ id: String, _ last: (folder: String, commit: OID), what: String = "restáurela") -> String {
        "\(what) donde estaba con 'git checkout \(last.commit.short) -- \(last.folder)' y registre la restauración con "
            + "'folio note \(id) -m \"Se restaura\"' (personal del Departamento: el contacto de una dependencia registra solo sus archivos)."
    }

    /// The way back for a case folder gone from where it was (`last`): when the same folder (the
    /// same tree) is elsewhere under `cases/` at `head`, renamed with plain git, moving it back;
    /// else restoring it from the commit that had it.
    func folderGoneFix(_ id: String, _ last: (folder: String, commit: OID), head: OID) throws -> String {
        if let tree = try repository.entry(at: last.folder, in: last.commit)?.id {
            for year in try repository.entries(at: "cases", in: head) where year.kind == .tree {
                for folder in try repository.entries(at: "cases/\(year.name)", in: head) where folder.kind == .tree && folder.id == tree {
                    let now = "cases/\(year.name)/\(folder.name)"
                    return "está en \(now), con otro nombre. Si los commits del cambio de nombre aún no se publicaron, "
                        + Self.dropUnpublished(backup: "refs/folio/respaldo/") + "; si ya se publicó, devuélvala a su lugar con 'git mv \(now) \(last.folder)' y "
                        + "'git commit -m \"Devuelve \(id) a su carpeta\"' (verify anota ese commit como edición fuera de folio)."
                }
            }
        }
        return Self.restoreFix(id, last)
    }

    /// `roles.yaml` at `commit` for commands that only read: when it cannot be read, an empty
    /// roster (nobody is shown as able to act), and the file and reason in `damagedFiles`.
    func readableRoster(at commit: OID) -> Roster {
        do {
            return try roster(at: commit)
        } catch {
            let damage = CaseDamage(file: Roster.fileName, reason: Self.reason(of: error))
            if !damagedFiles.contains(damage) { damagedFiles.append(damage) }
            return Roster(personas: [])
        }
    }

    /// A case whose procedure cannot be replayed: listed with its opening, its steps' commits and
    /// the reason, with nothing to do next until the file is repaired.
    func damagedStatus(_ id: String, history: History, head: OID, path: String, file: String, reason: String) -> CaseStatus {
        let records = history.records(of: id)
        let number = records.first?.procedure.flatMap(Int.init) ?? 0
        let fields = path.isEmpty ? nil : try? caseFields(path, at: head)
        return CaseStatus(id: id, procedure: number, procedureName: "", version: "", title: fields?.title ?? "", path: path,
                          opened: records.first.map { clock.day($0.author.date).description } ?? "", state: .open,
                          lastStep: records.last(where: { $0.step != nil })?.step, next: [],
                          history: records.filter { $0.step != nil }.map { entry($0, kind: "step") }, dependencies: nil,
                          damage: CaseDamage(file: file, reason: reason))
    }

    /// Every step the machine allows now, with who may record it (per `roster`), by when, and
    /// to whom it is assigned (`assignments`: role → persona, kept while they hold the role).
    func nextSteps(_ machine: CaseMachine, roster: Roster, calendar: CaseCalendar,
                   assignments: [String: String] = [:]) -> [NextStepStatus] {
        let today = clock.day(clock.now)
        // A step that starts a new dependency's part, done by external contacts (P3-01, P5-01),
        // is pending only while a registered contact's dependency has neither started nor been
        // excused (staff34: with every one finished or excused, status still showed it overdue).
        let started = Set(machine.threads.map(\.code))
        let settled = started.union(machine.excused)
        let allowed = machine.allowedNext.filter { next in
            guard next.startsDependency, !next.step.roles.isEmpty, next.step.roles.allSatisfy(\.isExternal) else { return true }
            let expected = Set(roster.personas.filter { p in next.step.roles.contains(where: p.holds) }.compactMap { $0.dependency?.uppercased() })
            return expected.isEmpty || !expected.isSubset(of: settled)
        }
        return allowed.map { next in
            let assigned = next.step.roles.lazy.compactMap { role in
                CaseReplay.assignee(role.rawValue, dependency: next.dependency, in: assignments).flatMap { roster.find($0) }
                    .flatMap { $0.holds(role) ? $0.id : nil }
            }.first
            let rule = machine.definition.deadline(for: next.step.number)
            let due = rule?.deadline.due.resolve(calendar)
            // A new dependency's first step, done by its contact: the contacts of those yet to start.
            var holders = roster.holders(of: next.step.roles)
            if next.startsDependency, next.step.roles.allSatisfy(\.isExternal) {
                holders = roster.personas.filter { p in
                    next.step.roles.contains(where: p.holds) && !settled.contains(p.dependency.flatMap(CaseID.dependencyCode) ?? "")
                }.map(\.id)
            }
            return NextStepStatus(step: next.step.number, role: next.step.role.rawValue, roles: next.step.roles.map(\.rawValue),
                                  holders: holders, activity: next.step.activity,
                                  dependency: next.dependency, perDependency: next.step.perDependency,
                                  due: due?.description, opens: rule?.deadline.opens?.resolve(calendar)?.description,
                                  overdue: due.map { today > $0 } ?? false,
                                  normNumber: rule?.norm.kind == .manual ? rule?.norm.number : nil, norm: rule?.norm.text,
                                  criterion: rule?.norm.kind == .criterion ? rule?.norm.number : nil, assigned: assigned)
        }
    }

    /// What the deadlines count from: the opening day, the case's month (`mes`, else the id's
    /// `AAAA-MM` suffix) and the day each step was last recorded (its reception by the shared
    /// repository where a stamp says so, else its declared date).
    func calendar(of replay: CaseReplay, month: String?, recorded: (step: String, day: Day)? = nil) -> CaseCalendar {
        let monthText = month?.nilIfEmpty ?? String(replay.id.suffix(7))
        var calendar = calendar(replay.id, definition: replay.definition, steps: replay.steps, month: Day(iso: monthText + "-01"))
        calendar.opened = clock.day(replay.opening.author.date)
        if let recorded { calendar.stepDays[recorded.step] = recorded.day }
        return calendar
    }

    /// The calendar as `steps` (a case's accepted steps, oldest first) leave it: the opening day,
    /// each step's last day, and for a yearly cycle the rounds completed and the plan's first
    /// report year as the jefe recorded it (`years`, when the caller already knows them).
    func calendar(_ id: String, definition: ProcedureDefinition, steps: [StepRecord], month: Day?,
                  years: (first: Int?, last: Int?)? = nil) -> CaseCalendar {
        var days: [String: Day] = [:]
        for record in steps { if let s = record.step { days[ProcedureDefinition.normalize(step: s)] = clock.day(effectiveDate(record)) } }
        let opened = steps.first.map { clock.day($0.author.date) } ?? clock.day(clock.now)
        var calendar = CaseCalendar(opened: opened, month: month, stepDays: days)
        if let cycle = definition.cycle {
            calendar.round = steps.filter { $0.step.map(ProcedureDefinition.normalize(step:)) == cycle.last }.count
            let first = years.map(\.first) ?? (try? recordedPlanYears(id, definition: definition, steps: steps))?.first
            calendar.firstReportYear = first.flatMap { $0 }.map { $0 + 1 }
        }
        return calendar
    }


    func entry(_ record: StepRecord, kind: String, timing: StepTiming? = nil) -> HistoryEntry {
        HistoryEntry(kind: kind, step: record.step, role: record.role, author: record.author.name, email: record.author.email,
                     committer: record.committer.name, committerEmail: record.committer.email,
                     date: clock.iso(record.author.date), commit: record.commit.hex,
                     decision: record.decisionValue.map { $0 ? "si" : "no" }, dependency: record.dependency,
                     subject: record.subject, timing: timing?.kind.rawValue,
                     daysOutOfWindow: timing?.isOutOfWindow == true ? timing?.days : nil, justification: record.justification,
                     assigned: record.assigned)
    }

    /// The procedures in force at HEAD.
    public func proceduresInForce() throws -> [ProcedureDefinition] {
        try definitions(at: try head())
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
