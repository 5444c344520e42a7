import Foundation
import GitStore
import Procedures

extension Casebook {
    /// Opens an expediente: writes `cases/<AAAA>/<ID>/expediente.md` and records step 01 (or, for
    /// the monthly procedures, an opening commit without `Paso`).
    /// Refuses a record's text that would print as other text (`SafeText.textProblem`).
    func checkRecordText(_ text: String?, option: String) throws {
        guard let text, let problem = SafeText.textProblem(text) else { return }
        throw CasebookError.invalidValue(option: option, reason: problem, fix: "Escriba el texto sin esos caracteres.")
    }

    func openCaseLocked(_ request: NewCaseRequest) throws -> RecordedCommit {
        try checkRecordText(request.text, option: "-m")
        let head = try checkWritable()
        let definition = try procedure(named: request.procedure, at: head)
        let roster = try roster(at: head)
        let persona = try self.persona(request.persona, in: roster)

        var year = clock.year
        var id: String
        var fields: [(String, String)] = []
        if definition.monthly {
            guard let monthText = request.month else { throw CasebookError.monthRequired(definition.number) }
            guard let month = CaseID.month(monthText) else { throw CasebookError.invalidMonth(monthText) }
            year = month.year
            id = request.id ?? String(format: "%@-%04d-%02d", definition.code, month.year, month.month)
            fields.append(("mes", YAMLText.scalar(monthText)))
            // Any staff member opens the month's expediente; external actors only step in it.
            guard persona.roles.contains(where: { !$0.isExternal }) else {
                throw CasebookError.roleNotHeld(persona: persona.id, step: "de apertura", roles: [.jefe, .asistente, .analista, .secretaria],
                                                holders: roster.holders(of: Role.allCases.filter { !$0.isExternal }))
            }
        } else {
            if request.month != nil { throw CasebookError.monthNotAllowed(definition.number) }
            let first = definition.steps[0]
            try checkRole(persona, for: first, roster: roster)
            if first.roles.filter(persona.holds).allSatisfy(\.isExternal), persona.dependency == nil {
                throw CasebookError.contactWithoutCode(persona: persona.id)
            }
            id = try request.id ?? CaseID.next(code: definition.code, year: year, existing: existingIDs(year: year, head: head))
        }
        id = id.uppercased()
        guard CaseID.isValid(id) else { throw CasebookError.invalidID(request.id ?? id) }
        if let path = try casePath(id, at: head) { throw CasebookError.caseExists(id, path: path) }
        // An id with a history whose folder was deleted outside folio is still that case's: a new
        // number skips it, and naming it (or its month) says how to restore the case.
        var skipped: [String] = []
        while let last = try lastFolder(of: id, at: head) {
            guard request.id == nil, !definition.monthly else {
                throw CasebookError.caseFolderGone(id, folder: last.folder, fix: Self.restoreFix(id, last))
            }
            skipped.append(id)
            id = CaseID.next(code: definition.code, year: year, existing: try existingIDs(year: year, head: head) + skipped)
        }
        let path = "cases/\(year)/\(id)"
        if FileManager.default.fileExists(atPath: root + "/" + path) { throw CasebookError.caseExists(id, path: path) }
        try checkClean(outside: path)

        let title = request.title ?? (definition.monthly ? "\(definition.name), \(request.month ?? "")" : definition.name)
        if let problem = SafeText.problem(title) {
            throw CasebookError.invalidValue(option: "--title", reason: problem, fix: "Escriba el título en una sola línea, sin caracteres de control.")
        }
        for key in definition.fields where !fields.contains(where: { $0.0 == key }) {
            fields.append((key, "\"\""))
        }
        let frontMatter = ["id: \(id)", "procedimiento: \(definition.number)", "titulo: \(YAMLText.scalar(title))",
                           "abierto: \(clock.today)"] + fields.map { "\($0.0): \($0.1)" }
        let template = "---\n" + frontMatter.joined(separator: "\n") + "\n---\n\n# \(title)\n\n"
            + "Expediente del procedimiento \(definition.number), \(definition.name) (Manual de Normas y\n"
            + "Procedimientos del Departamento de Planificación, Acuerdo 16/2013).\n"

        return try recording { edit in
            try edit.write(Data(template.utf8), to: "\(path)/expediente.md")
            let documents = try applyEdits(sets: request.sets, attachments: request.attachments, path: path, dependency: nil, edit: edit)
            let firstStep = definition.monthly ? nil : definition.steps[0].number
            if !documents.isEmpty {
                _ = try incorporate(ArchiveRequest(files: documents), id: id, path: path, definition: definition, dependency: nil,
                                    step: firstStep, persona: persona, state: .open, edit: edit)
            }
            try validateCase(id: id, path: path, definition: definition, schemaCommit: head)
            try checkExpectedList(path: path, persona: persona, head: head)
            var step: String? = nil
            let role: Role
            if definition.monthly {
                role = persona.roles.first { !$0.isExternal }!
            } else {
                let first = definition.steps[0]
                try checkRequirements(first, dependency: nil, path: path, definition: definition)
                step = first.number
                role = persona.acting(in: first.roles)!
            }
            let plan = CommitPlan.opening(id, procedure: definition, role: role, month: request.month)
            let subject = plan.subject
            let text = request.text ?? "Título: \(title)"
            try writeSlip(id: id, path: path, definition: definition, earlier: [], author: persona, trailers: plan.trailers, text: text,
                          edit: edit)
            let commit = try self.commit(plan, paths: [path], parent: head, author: persona, roster: roster, text: text)
            // The new case's whole history is this one commit.
            guard let record = try StepRecord(try repository.commit(commit)) else { throw CasebookError.unknownCase(id) }
            let replay = try CaseReplay(id: id, records: [record], definition: definition, authorized: { _ in true })
            let calendar = calendar(of: replay, month: try caseFields(path, at: commit)?.month)
            return RecordedCommit(commit: commit, caseID: id, path: path, step: step, subject: subject, state: replay.machine.state,
                                  next: nextSteps(replay.machine, roster: roster, calendar: calendar))
        }
    }

    /// Records the next step of an expediente, as the manual allows it now.
    func recordStepLocked(_ request: StepRequest) throws -> RecordedCommit {
        try checkRecordText(request.text, option: "-m")
        try checkRecordText(request.justification, option: "--justificacion")
        let head = try checkWritable()
        let roster = try roster(at: head)
        let persona = try self.persona(request.persona, in: roster)
        let (id, path) = try locate(request.caseID, head: head, writing: true)
        let history = try loadHistory(of: [id], at: head)
        guard var replay = try replay(id, in: history) else { throw CasebookError.unknownCase(id) }
        let definition = replay.definition
        try refuseForeignListChange(replay, path: path, head: head)

        var dependency: String? = nil
        // A dependency's contact acts for their own code: it need not be repeated (someone who is
        // also staff names it, staff36: an analyst who is a unit's contact was sent as the unit).
        if request.dependency == nil, let own = persona.dependency, persona.isOnlyContact,
           replay.machine.allowedNext.contains(where: { $0.step.perDependency }) {
            dependency = CaseID.dependencyCode(own)
        }
        if let raw = request.dependency {
            dependency = try dependencyCode(raw, replay: replay, path: path, roster: roster, head: head, persona: persona)
        }
        let decision = try request.decision.map(Self.parseDecision)
        let step = try chooseStep(request.step, dependency: dependency, replay: replay)
        // The round of a yearly cycle this step belongs to (its report's year), and, at the cycle's
        // last step, how many rounds the plan's years call for (`--set` of this step included).
        let year = definition.cycleYear(calendar: calendar(of: replay, month: nil), today: clock.day(clock.now))
        var planYears = try recordedPlanYears(id, definition: definition, steps: replay.steps)
        if let cycle = definition.cycle {
            try checkPlanYears(step, cycle: cycle, definition: definition, path: path, sets: request.sets, head: head, id: id,
                               recorded: &planYears)
            if step.number == cycle.last { replay.machine.cycleRounds = cycleRounds(id, definition: definition, years: planYears, steps: replay.steps) }
        }
        // A round that has closed (P2 once every expected POA is archived or excused) takes no new
        // dependency: it would open again (attack16r). Judged as verify judges it, on what is
        // committed: a dependency listed in the work tree's expediente.md only is not yet expected.
        if let dependency, step.number == definition.dependencyBlock?.first?.number,
           !replay.machine.threads.contains(where: { $0.code == dependency }),
           try roundClosed(at: head, in: replay) {
            let noun = partyNoun(definition)
            throw CasebookError.invalidFile(
                file: "\(path)/expediente.md",
                reason: "el expediente está cerrado y no admite el paso \(step.number) para \(dependency): todas las \(noun.many) que la ronda esperaba "
                    + "terminaron o el jefe las excusó, y \(dependency) no está entre ellas",
                fix: "Si se espera también la de \(dependency), un jefe la agrega a '\(Self.expectedField)' en expediente.md y lo registra con "
                    + "'folio note \(id) -m \"Se recibe el POA de \(dependency)\" --as JEFE': la ronda se abre para ella.")
        }
        // Order first: "not now, step 03 is next" helps more than "not your role".
        do {
            try replay.machine.apply(step: step.number, decision: decision, dependency: dependency)
        } catch let error as ProcedureError {
            // A contact whose figures were sent back corrects them by note, not by a step.
            if case .outOfOrder = error, let code = dependency, persona.isContact(of: code),
               (try? uncorrectedData(replay, dependency: code, path: path, head: head)) != nil {
                throw CasebookError.hinted(.procedure(error), "Sus cifras volvieron a usted en el paso 04: corríjalas en el archivo y "
                                           + "regístrelas con 'folio note \(id) -m \"Corrige cifras\" --as \(persona.id)'.")
            }
            // "Which dependency?": the ones whose next step this is.
            // "Waiting for HGA's 02": or a jefe closes without it.
            if case .dependenciesPending(_, let pending, _) = error, let first = pending.first?.0 {
                let jefes = roster.holders(of: [.jefe])
                throw CasebookError.hinted(.procedure(error), "Espere a que terminen, o que un jefe (\(jefes.joined(separator: ", "))) cierre sin "
                                           + "ellas diciendo por qué: 'folio excusar \(id) \(first) -m \"MOTIVO\" --as JEFE'; el informe lo dirá.")
            }
            if case .dependencyRequired = error {
                let waiting = replay.machine.threads.filter { $0.next == step.number }.map(\.code)
                if let first = waiting.first {
                    throw CasebookError.hinted(.procedure(error), "Esperan el paso \(step.number): \(waiting.joined(separator: ", ")) "
                                               + "(p. ej. 'folio step \(id) \(step.number) --dependency \(first)').")
                }
            }
            throw CasebookError.procedure(error)
        }
        try checkRole(persona, for: step, roster: roster)
        if step.roles.filter(persona.holds).allSatisfy(\.isExternal), persona.dependency == nil {
            throw CasebookError.contactWithoutCode(persona: persona.id)
        }
        if let registered = persona.dependency, let dependency, registered.uppercased() != dependency,
           persona.acting(in: step.roles)?.isExternal == true {
            throw CasebookError.wrongDependency(persona: persona.id, registered: registered, given: dependency)
        }
        try checkClosing(step, replay: replay, path: path, roster: roster)
        var assignments = replay.assignments
        let assignment = try request.assign.map { try assignee($0, after: replay.machine, roster: roster) }
        if let assignment { CaseReplay.assign(assignment.role.rawValue, to: assignment.persona.id, dependency: dependency, in: &assignments) }
        var notices: [String] = []
        if let role = persona.acting(in: step.roles),
           let other = CaseReplay.assignee(role.rawValue, dependency: dependency, in: replay.assignments), other != persona.id,
           roster.find(other)?.holds(role) == true {
            notices.append("El expediente está asignado a \(other) (\(role.rawValue)); registra el paso \(persona.id), que también tiene el rol.")
        }
        try checkClean(outside: path)
        try refuseChangedSentReports(replay, path: path)
        try refuseChangedGeneratedReports(replay, path: path)
        // A step out of its window without a justification is refused together with anything else the
        // step lacks, so that one answer mends the whole refusal.
        var timingRefusal: CasebookError? = nil
        var justification: String? = nil
        do {
            justification = try justificationForStep(step.number, replay: replay, month: try caseFields(path, at: head)?.month,
                                                     given: request.justification)
        } catch let error as CasebookError {
            guard case .outOfWindow = error else { throw error }
            timingRefusal = error
        }
        // A dependency's step takes that dependency's files only (and the slip and index).
        let own = step.perDependency ? dependency : nil
        // Its contact writes no field of the case (attack37: --set titulo=..., or the Subgerente's
        // visto bueno); the department's staff may, at the dependency's step they record.
        if own != nil, persona.isOnlyContact, let set = request.sets.first {
            throw CasebookError.invalidValue(option: "--set", reason: "'\(set)': el enlace de \(own!) registra solo lo de su dependencia; "
                                                + "los campos del expediente los escribe el Departamento",
                                             fix: "Registre el paso sin --set; lo que deba corregirse del expediente, pídalo al analista.")
        }
        let scope = commitScope(path: path, dependency: own, sets: !request.sets.isEmpty,
                                caseLevelOfRounds: own == nil && definition.dependencyBlock != nil,
                                data: persona.isContact(of: own), review: step.generates.contains(.productionReview))
        try checkStaged(in: path, outside: scope)
        try requireIndexAsCommitted(id: id, path: path)
        // An approval is of the figures the review read (P3-03): changed since (a contact's note, a
        // sync), they go back with a "no" instead.
        if decision == true, let code = own, let changed = try unreviewedChange(replay, dependency: code, path: path, at: head) {
            throw CasebookError.invalidFile(
                file: changed.file,
                reason: "las cifras de \(code) cambiaron después de la revisión del paso \(changed.review.step ?? "") (commit \(changed.review.commit.short)), "
                    + "que no las vio: no se aprueban sin revisar",
                fix: "Revíselas de nuevo ('folio step \(id) \(changed.review.step ?? "03") --dependency \(code)' escribe otra vez la revisión) "
                    + "y apruebe después; o responda --decision no para que su enlace las confirme o corrija.")
        }
        // After a "no" (P3-04), the next step waits for the contact's correction, or says why not.
        if let code = own, let unchanged = try uncorrectedData(replay, dependency: code, path: path, head: head),
           request.text?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true {
            throw CasebookError.invalidFile(
                file: unchanged.file,
                reason: "las cifras de \(code) no cambiaron desde el 'no' del paso \(unchanged.refused.step ?? "") (commit \(unchanged.refused.commit.short)), "
                    + "que las devolvió a su enlace para corregirlas",
                fix: "Espere la corrección del enlace de \(code) ('folio note \(id) -m \"Corrige cifras\" --as ENLACE'); si el enlace confirmó "
                    + "que son correctas, dígalo al registrar el paso: -m \"TEXTO\".")
        }

        let pending = try pendingEdits(in: path, head: head)
        var incorporated: [ArchivedDocument] = []
        do {
            return try recording { edit in
                let needed = definition.norms.flatMap(\.requirements).filter { $0.step == step.number }
                    .flatMap { $0.documents.map { $0.path(dependency: dependency, year: year) } }
                let documents = try applyEdits(sets: request.sets, attachments: request.attachments, path: path, dependency: own, edit: edit,
                                               needed: needed)
                try validateCase(id: id, path: path, definition: definition, schemaCommit: replay.opening.commit, scope: scope)
                if scope.contains(where: { $0 == path || $0 == "\(path)/expediente.md" }) {
                    try checkExpectedList(path: path, persona: persona, head: head)
                }
                // Say how a data file the step needs was read: saved with ';', or with figures like "2.100".
                for file in needed where file.lowercased().hasSuffix(".csv") {
                    guard let data = FileManager.default.contents(atPath: "\(root)/\(path)/\(file)") else { continue }
                    guard CSVStyle(of: data).separator == "," else {
                        notices.append("\(path)/\(file): leído separado por ';' (como lo guarda una hoja de cálculo en español; '12,5' es 12.5).")
                        continue
                    }
                    // A figure like "2.100" in a ',' file is 2.1: said, in case a thousands point was meant.
                    let table = file.hasPrefix("avance/") ? (ProgressTable.columns, 3...6) : (ProductionTable.columns, 3...5)
                    for (line, column, raw) in ProductionTable.thousandsLookalikes(String(decoding: data, as: UTF8.self), file: file,
                                                                                   columns: table.0, figures: table.1) {
                        notices.append("\(path)/\(file), línea \(line), columna \(column + 1) (\(table.0[column])): '\(raw)' se leyó como "
                                       + "\(Self.figure(Double(raw) ?? 0)) (punto decimal, en un CSV separado por ','); "
                                       + "si quiso decir \(raw.replacingOccurrences(of: ".", with: "")), corrija el archivo con 'folio note'.")
                    }
                }
                do {
                    // The files this step's --attach incorporates count as there (helper123: the fix the
                    // refusal gives, "--attach oficio.pdf", was refused again at P6-04).
                    let folder = Self.documentFolder(dependency: own)
                    let attaching = Set(documents.map { "\(folder)/" + GitPath.name($0).precomposedStringWithCanonicalMapping })
                    try checkRequirements(step, dependency: dependency, year: year, decision: decision, path: path, definition: definition,
                                          attaching: attaching)
                } catch let missing as CasebookError {
                    throw timingRefusal.map { CasebookError.several([$0, missing]) } ?? missing
                }
                if let timingRefusal { throw timingRefusal }
                if let archive = request.archive {
                    incorporated += try incorporate(archive, id: id, path: path, definition: definition, dependency: dependency, step: step.number,
                                                    persona: persona, state: replay.machine.state, edit: edit)
                }
                if !documents.isEmpty {
                    incorporated += try incorporate(ArchiveRequest(files: documents), id: id, path: path, definition: definition, dependency: own,
                                                    step: step.number, persona: persona, state: replay.machine.state, edit: edit)
                }
                try adoptDropped(id: id, path: path, definition: definition, dependency: own, step: step.number, persona: persona,
                                 state: replay.machine.state, edit: edit)
                let state = effectiveState(replay, path: path, roster: roster)
                try refreshIndexState(path: path, state: state, edit: edit)
                // What the step generates (`genera:` in its schema: P3's review and reports, P5's) is committed with it.
                for (file, text) in try generatedFiles(step: step, dependency: dependency, id: id, path: path, definition: definition,
                                                       schemaCommit: replay.opening.commit, head: head, author: persona) {
                    try edit.write(Data(text.utf8), to: "\(path)/\(file)")
                }
                let role = persona.acting(in: step.roles)!
                let plan = CommitPlan.step(step, of: id, procedure: definition.number, role: role, decision: decision, dependency: dependency,
                                           justification: justification, assigned: assignment.map { ($0.persona.id, $0.role) })
                let subject = plan.subject
                let evaluation = try evaluationText(step, dependency: dependency, year: year, path: path, definition: definition)
                if let evaluation { notices.append(evaluation) }
                // A "no" on a dependency's figures sends them back to its contact, who alone writes them.
                if decision == false, let code = own, definition.production != nil || definition.progress != nil {
                    let folder = definition.progress != nil ? "avance" : "produccion"
                    let contact = roster.personas.first { $0.isContact(of: code) }
                    notices.append("Las cifras de \(code) vuelven a su enlace\(contact.map { " (\($0.name))" } ?? ""): las corrige en "
                                   + "\(path)/\(folder)/\(code).csv y las registra con 'folio note \(id) -m \"Corrige cifras\" --as \(contact?.id ?? "ENLACE")'.")
                }
                let joined = [request.text, evaluation].compactMap { $0 }.joined(separator: "\n\n")
                let text = joined.isEmpty ? nil : joined
                try refuseUnknownDependencyFolders(replay, path: path, scope: scope, roster: roster, head: head)
                try writeSlip(id: id, path: path, definition: definition, earlier: replay.records, author: persona, trailers: plan.trailers,
                              text: text, edit: edit)
                let commit = try self.commit(plan, paths: scope, parent: head, author: persona, roster: roster, text: text)
                notices += try recordedNotices(pending, id: id, path: path, definition: definition, persona: persona, scope: scope,
                                               head: head, commit: commit, incorporated: incorporated, attach: false)
                var calendar = calendar(of: replay, month: try caseFields(path, at: commit)?.month,
                                        recorded: (step.number, clock.day(clock.now)))
                // The next round, when this step closed one (the replay has not counted it yet).
                if step.number == definition.cycle?.last {
                    calendar.round += 1
                    calendar.firstReportYear = planYears.first.map { $0 + 1 }
                }
                return RecordedCommit(commit: commit, caseID: id, path: path, step: step.number, subject: subject,
                                      state: state,
                                      next: nextSteps(replay.machine, roster: roster, calendar: calendar, assignments: assignments),
                                      notices: notices)
            }
        } catch {
            // A document the step needs is missing: its template is left in the case, to be filled in.
            guard let refusal = error as? CasebookError else { throw error }
            throw withTemplates(refusal, path: path) {
                templates(for: step, dependency: dependency, year: year, definition: definition, caseID: id, path: path, head: head)
            }
        }
    }

    /// A refusal for missing documents, with the templates of those documents written into the case
    /// (also inside a refusal with advice, or among several). `templates` are the step's.
    func withTemplates(_ error: CasebookError, path: String, templates: () -> [(path: String, text: String)]) -> CasebookError {
        func templated(_ failures: [RequirementFailure]) -> [String]? {
            let missing = Set(failures.filter { $0.problem == "falta el documento" }.map(\.file))
            guard !missing.isEmpty, let written = try? write(templates: templates(), in: path, only: missing), !written.isEmpty else { return nil }
            return written
        }
        switch error {
        case .requirementNotMet(let number, let casePath, let found, let norm, _):
            guard let written = templated(found) else { return error }
            return .requirementNotMet(step: number, casePath: casePath, failures: found, norm: norm, templates: written)
        case .requirementsNotMet(let number, let casePath, let results, _):
            guard let written = templated(results.flatMap(\.failures)) else { return error }
            return .requirementsNotMet(step: number, casePath: casePath, results: results, templates: written)
        case .hinted(let inner, let hint):
            return .hinted(withTemplates(inner, path: path, templates: templates), hint)
        case .several(let errors):
            return .several(errors.map { withTemplates($0, path: path, templates: templates) })
        default:
            return error
        }
    }

    /// Commits the pending edits of an expediente without advancing its procedure; with
    /// `archive`, incorporates documents into its index first (`folio attach`).
    func recordNoteLocked(caseID: String, persona key: String?, text given: String?, archive: ArchiveRequest?,
                          dependency rawDependency: String?) throws -> RecordedCommit {
        try checkRecordText(given, option: "-m")
        // A note says what changed: an empty text made the subject "ID: nota," (helper125).
        if let given, given.allSatisfy(\.isWhitespace) {
            throw CasebookError.invalidValue(option: "-m", reason: "el texto de la nota está vacío",
                                             fix: "Escriba qué se cambió, p. ej. -m \"Completa la descripción del expediente\".")
        }
        let head = try checkWritable()
        let roster = try roster(at: head)
        let persona = try self.persona(key, in: roster)
        let (id, path) = try locate(caseID, head: head, writing: true, restoring: true)
        let history = try loadHistory(of: [id], at: head)
        guard let replay = try replay(id, in: history) else { throw CasebookError.unknownCase(id) }
        // A jefe's note that writes the list anew is the way out (what it leaves is the jefe's).
        if try !persona.holds(.jefe) || workTreeListChange(path: path, head: head) == nil {
            try refuseForeignListChange(replay, path: path, head: head)
        }
        // What the round expected before a change by someone else that this note replaces: what the
        // note's Aviso compares with (attack35: the analyst's code was named as dropped).
        let expectedBefore = try persona.holds(.jefe) ? foreignListChange(replay, path: path, head: head)
            .flatMap { try repository.commit($0.commit).parents.first } ?? head : head
        // A contact writes as a contact; someone who is also staff, as staff, unless the note names
        // their own dependency (staff36: an analyst who is a unit's contact had every note judged as
        // the unit's, while verify and the hook judge her commits as staff's).
        let asContact = persona.isOnlyContact || (persona.isExternalContact && rawDependency.flatMap(CaseID.dependencyCode).map(persona.isContact) == true)
        // A contact's own code is checked below with the rest of what a contact may record.
        let dependency = try rawDependency.map {
            try dependencyCode($0, replay: replay, path: path, roster: roster, head: head, persona: asContact ? persona : nil,
                               jefeList: persona.holds(.jefe) && !asContact)
        }
        try checkClean(outside: path)
        try refuseChangedSentReports(replay, path: path)
        try refuseChangedGeneratedReports(replay, path: path)
        // A dependency's contact records their own files only.
        if asContact, persona.dependency == nil { throw CasebookError.contactWithoutCode(persona: persona.id) }
        if asContact, let registered = persona.dependency, let dependency, registered.uppercased() != dependency {
            throw CasebookError.wrongDependency(persona: persona.id, registered: registered, given: dependency)
        }
        let own = asContact ? persona.dependency.flatMap(CaseID.dependencyCode) : nil
        if let own, let settled = settledData(replay, dependency: own) {
            // A contact's figures, once approved or the round closed, stay as the reports read them.
            for file in Self.dataFiles(of: own, in: path) {
                let onDisk = FileManager.default.contents(atPath: "\(root)/\(file)").map(Self.gitBlobID)
                guard onDisk != (try repository.entryID(at: file, in: head))?.hex else { continue }
                // Putting back the figures as they were settled is a restoration.
                if let at = Self.settledDataCommits(replay)[own], onDisk == (try repository.entryID(at: file, in: at))?.hex { continue }
                // A file never committed (an excused dependency's late figures) has nothing to restore (staff35).
                guard try repository.entry(at: file, in: head) != nil else {
                    throw CasebookError.invalidFile(file: file, reason: "las cifras de \(own) ya no se registran: \(settled)",
                                                    fix: "Saque el archivo de la carpeta del expediente ('rm \(SafeText.shellWord(file))', o muévalo a otra parte). "
                                                        + "Lo que \(own) tenga que decir de ese mes se comunica al Departamento por oficio, que queda en el expediente: "
                                                        + "'folio attach \(id) oficio.pdf --dependency \(own)'.")
                }
                throw CasebookError.invalidFile(file: file, reason: "las cifras de \(own) ya no se corrigen: \(settled)",
                                                fix: "Deje el archivo como está registrado ('git restore \(SafeText.shellWord(file))'). Un error en cifras ya registradas "
                                                    + "se comunica al Departamento por oficio, que queda en el expediente: "
                                                    + "'folio attach \(id) oficio.pdf --dependency \(own)'.")
            }
        }
        let scope = commitScope(path: path, dependency: own, sets: false, data: own != nil)
        try checkStaged(in: path, outside: scope)
        // The role the note is written in: one the next step asks for, else the persona's first.
        let wanted = replay.machine.allowedNext.flatMap(\.step.roles)
        let role = persona.roles.first(where: wanted.contains) ?? persona.roles[0]
        guard given != nil || archive != nil else {
            throw CasebookError.invalidValue(option: "-m", reason: "una nota necesita su texto", fix: "Use -m TEXTO.")
        }
        var text = given ?? ""
        var plan = CommitPlan.note(id, procedure: replay.definition.number, role: role, text: text)
        try requireIndexAsCommitted(id: id, path: path)
        let pending = try pendingEdits(in: path, head: head)
        var incorporated: [ArchivedDocument] = []
        let commit = try recording { edit in
            if let archive {
                let archived = try incorporate(archive, id: id, path: path, definition: replay.definition, dependency: dependency ?? own,
                                               step: nil, persona: persona, state: replay.machine.state, edit: edit)
                incorporated = archived
                if given == nil {
                    // What the log shows: the documents as stored, not as they were called on the command line.
                    text = Self.attachmentText(archived)
                    plan = CommitPlan.note(id, procedure: replay.definition.number, role: role, text: text)
                }
            }
            try adoptDropped(id: id, path: path, definition: replay.definition, dependency: own, step: nil, persona: persona,
                             state: replay.machine.state, edit: edit)
            // A case-level note takes the index as folio writes it (a dependency's contact records only their own files).
            if own == nil { try refreshIndexState(path: path, state: nil, edit: edit) }
            guard try repository.changes(side: .both, in: scope, untracked: true)
                .contains(where: { change in scope.contains { GitPath.isWithin(change.path, $0) } })
            else {
                // What the case has changed, once: whose it is says why the note takes none of it.
                let changed = try repository.changes(side: .both, in: [path], untracked: true)
                func inDataFolder(_ file: String, _ kind: (String) -> Bool) -> Bool {
                    let parts = GitPath.components(GitPath.relative(file, to: path) ?? file)
                    return parts.count == 2 && Self.dependencyDataFolders.contains(parts[0]) && kind(parts[1])
                }
                // Changed, but a dependency's data, which only its contact records: said so.
                if let data = changed.map(\.path).first(where: { inDataFolder($0, Self.isDependencyData) }) {
                    let code = String((data as NSString).lastPathComponent.dropLast(4))
                    throw CasebookError.invalidFile(file: data, reason: "son los datos de \(code), y solo su enlace registrado los registra "
                                                        + "[datos-dependencia]; la nota no tiene nada más que registrar",
                                                    fix: "Pida al enlace de \(code) que registre la corrección ('folio note \(id) -m \"Corrige cifras\" --as ENLACE'), "
                                                        + "o deshaga el cambio con 'git restore \(data)'.")
                }
                // Changed, but a dependency's review, which its step 03 writes (staff35: a deleted review
                // was answered "no hay cambios").
                if let review = changed.first(where: { inDataFolder($0.path, Self.isDependencyReview) }) {
                    let code = String((review.path as NSString).lastPathComponent.dropLast("-revision.md".count))
                    let committed = try repository.entry(at: review.path, in: head) != nil
                    throw CasebookError.invalidFile(
                        file: review.path,
                        reason: "es la revisión de las cifras de \(code), que escribe su paso de revisión [datos-dependencia]"
                            + (review.kind == .deleted ? ", y está borrada" : "") + "; la nota no tiene nada más que registrar",
                        fix: committed ? "Devuélvala como se registró ('git restore \(SafeText.shellWord(review.path))'); para revisar de nuevo, "
                                + "el analista registra otra vez ese paso ('folio step \(id) --dependency \(code)')."
                            : "Bórrela ('rm \(SafeText.shellWord(review.path))'): la escribe folio en el paso de revisión.")
                }
                // Changed, but outside what a contact's note takes (staff27: a file dropped into another
                // dependency's folder was answered "no hay cambios").
                if let own, let outside = changed.map(\.path).first(where: { file in !scope.contains { GitPath.isWithin(file, $0) } }) {
                    throw CasebookError.invalidFile(file: SafeText.visible(outside),
                                                    reason: "está fuera de lo que registra el enlace de \(own) (dependencias/\(own)/ y sus datos); la nota no tiene nada más que registrar",
                                                    fix: "Si es un documento de \(own), muévalo a dependencias/\(own)/ y vuelva a intentarlo; lo demás del expediente lo registra el Departamento.")
                }
                // An edit git does not look at (a marked file of the note's own paths) is said so.
                let hidden = try repository.hiddenEntries(within: scope)
                throw hidden.isEmpty ? CasebookError.nothingToRecord(path) : CasebookError.hiddenFromGit(hidden)
            }
            try validateCase(id: id, path: path, definition: replay.definition, schemaCommit: replay.opening.commit, scope: scope)
            if scope.contains(where: { $0 == path || $0 == "\(path)/expediente.md" }) {
                try checkExpectedList(path: path, persona: persona, head: head)
            }
            try refuseUnknownDependencyFolders(replay, path: path, scope: scope, roster: roster, head: head,
                                               jefeList: persona.holds(.jefe) && !asContact)
            try writeSlip(id: id, path: path, definition: replay.definition, earlier: replay.records, author: persona,
                          trailers: plan.trailers, text: text, edit: edit)
            return try self.commit(plan, paths: scope, parent: head, author: persona, roster: roster, text: text)
        }
        let calendar = calendar(of: replay, month: try caseFields(path, at: commit)?.month)
        var recorded = RecordedCommit(commit: commit, caseID: id, path: path, step: nil, subject: plan.subject,
                                      state: replay.machine.state, next: nextSteps(replay.machine, roster: roster, calendar: calendar))
        recorded.notices = try recordedNotices(pending, id: id, path: path, definition: replay.definition, persona: persona, scope: scope,
                                               head: head, commit: commit, incorporated: incorporated, attach: archive != nil)
        if let dropped = try droppedFromRound(replay, before: expectedBefore, after: commit) { recorded.notices.append(dropped) }
        return recorded
    }

    /// What a jefe's note that writes `dependencias_esperadas` anew said without saying it: the
    /// dependencies the round expected at `before` and no longer does at `after` that had not
    /// finished nor been excused (a list that leaves one out, or a first list, which replaces the
    /// roster's contacts). Taken, as the jefe decides the list, but said, with the way that keeps the
    /// reason (staff34: HGO stopped being expected with no excuse and no word). nil when none.
    func droppedFromRound(_ replay: CaseReplay, before: OID, after: OID) throws -> String? {
        guard let missing = try committedMissing(replay, at: before), !missing.isEmpty else { return nil }
        let still = Set(try committedMissing(replay, at: after) ?? [])
        // One that started still finishes its part, listed or not (the round's exit waits for it).
        let started = Set(replay.machine.threads.map(\.code))
        let dropped = missing.filter { !still.contains($0) && !started.contains($0) }
        guard let first = dropped.first else { return nil }
        let noun = partyNoun(replay.definition)
        return "Aviso: la ronda de \(replay.id) ya no espera \(dropped.count == 1 ? "a \(first), que no había" : "a \(dropped.joined(separator: ", ")), que no habían")"
            + " terminado su parte: la lista de 'dependencias_esperadas' registrada reemplaza a la anterior (y, si no había lista, a los enlaces"
            + " de roles.yaml). Si fue para cerrar sin \(dropped.count == 1 ? "ella" : "ellas"), 'folio excusar \(replay.id) \(first) -m MOTIVO --as JEFE'"
            + " deja el motivo en el informe; si no, escriba la lista con todas las \(noun.many) que se esperan y regístrela con 'folio note'."
    }

    /// A note's text for documents incorporated (`folio attach` without `-m`): their folios first,
    /// with the folio each new version replaces (given with `--replaces`, or the one whose name it
    /// took), then their names as stored (at most three): the log's line is cut at 90 characters
    /// with the case's id, and a long name is what may be cut.
    static func attachmentText(_ archived: [ArchivedDocument]) -> String {
        let folios = archived.map { d in "\(d.folio)" + (d.reemplaza.map { " (nueva versión del folio \($0))" } ?? "") }
        let names = archived.map { ($0.archivo as NSString).lastPathComponent }
        let listed = names.count <= 3 ? names.joined(separator: ", ") : names.prefix(2).joined(separator: ", ") + " y \(names.count - 2) más"
        return (archived.count == 1 ? "Incorpora el folio " : "Incorpora los folios ") + folios.joined(separator: ", ") + ": " + listed
    }

    // MARK: Parts

    static func parseDecision(_ text: String) throws -> Bool {
        switch text.lowercased() {
        case "si", "sí": return true
        case "no": return false
        default:
            throw CasebookError.invalidValue(option: "--decision", reason: "'\(text)' no es una respuesta", fix: "Use --decision si o --decision no.")
        }
    }

    /// The case's id (normalised) and folder, refusing ids that could leave `cases/`.
    ///
    /// `restoring` (a note): a case whose folder was deleted outside folio, and is back in the
    /// work tree where it last was, is found there (the note records the restoration).
    /// `writing` (a step, a note, a close): a case whose `expediente.md` was deleted outside folio
    /// is refused with the way back, unless the note restores it.
    func locate(_ raw: String, head: OID, writing: Bool = false, restoring: Bool = false) throws -> (String, String) {
        let id = raw.uppercased()
        guard CaseID.isValid(id) else { throw CasebookError.invalidID(raw) }
        // A step, a note or a closing checks the index next (`checkClean`): it is read first here.
        if writing { try caseFolderInIndex(id, head: head) }
        if let path = try casePath(id, at: head) {
            let file = "\(path)/expediente.md"
            guard writing, try repository.entryID(at: file, in: head) == nil,
                  let last = try lastFolder(of: id, at: head, holding: "expediente.md") else { return (id, path) }
            if restoring, try restored(last.folder, as: last.commit, only: "expediente.md") { return (id, path) }
            throw CasebookError.caseFileGone(id, file: file, fix: Self.restoreFix(id, (last.folder + "/expediente.md", last.commit), what: "restáurelo"))
        }
        // A case with a history and no folder was deleted or moved outside folio: said so, with the way back.
        guard let last = try lastFolder(of: id, at: head) else { throw CasebookError.unknownCase(id) }
        guard restoring, try restored(last.folder, as: last.commit) else {
            throw CasebookError.caseFolderGone(id, folder: last.folder, fix: try folderGoneFix(id, last, head: head))
        }
        return (id, last.folder)
    }

    /// Whether `folder` is back in the work tree as it was at `commit` (only its file `only`, when
    /// given): every file there, byte for byte. A folder restored in part, or changed, is refused
    /// with what differs: a note would record the loss (of archived documents above all) or the
    /// change as the case's own, against a HEAD that no longer holds the folder to compare with.
    /// False when nothing of it is there.
    func restored(_ folder: String, as commit: OID, only: String? = nil) throws -> Bool {
        var isFolder: ObjCBool = false
        let main = "\(root)/\(folder)/\(only ?? "expediente.md")"
        guard FileManager.default.fileExists(atPath: main, isDirectory: &isFolder), !isFolder.boolValue else { return false }
        var missing: [String] = [], changed: [String] = []
        for (name, blob) in try committedFiles(folder, at: commit) where only == nil || name == only {
            let path = "\(folder)/\(name)"
            guard let data = FileManager.default.contents(atPath: "\(root)/\(path)") else { missing.append(path); continue }
            if OID.blob(of: data) != blob { changed.append(path) }
        }
        guard missing.isEmpty, changed.isEmpty else {
            let what = [missing.isEmpty ? nil : "falta restaurar \(Spanish.list(missing))", changed.isEmpty ? nil : "no es como estaba \(Spanish.list(changed))"]
            let id = GitPath.name(folder)
            throw CasebookError.caseFolderGone(id, folder: folder, fix: what.compactMap { $0 }.joined(separator: "; ") + "; "
                + Self.restoreFix(id, (only.map { "\(folder)/\($0)" } ?? folder, commit), what: only == nil ? "restáurela" : "restáurelo")
                + " Las ediciones, en una nota aparte después.")
        }
        return true
    }

    func existingIDs(year: Int, head: OID) throws -> [String] {
        // Every year's folder: a case moved to another year with plain git keeps its number taken.
        var ids: [String] = []
        for folder in try repository.entries(at: "cases", in: head) where folder.kind == .tree {
            ids += try repository.entries(at: "cases/\(folder.name)", in: head).map(\.name)
        }
        ids += (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/cases/\(year)")) ?? []
        return ids
    }

    /// The step to record: the one named, or the only one the procedure allows now.
    func chooseStep(_ named: String?, dependency: String?, replay: CaseReplay) throws -> StepDefinition {
        let definition = replay.definition
        if let named {
            guard let step = definition.step(named) else {
                throw CasebookError.procedure(.unknownStep(procedure: definition.number, step: named,
                                                           known: definition.steps.map(\.number)))
            }
            return step
        }
        let allowed = replay.machine.allowedNext
        let started = Set(replay.machine.threads.map(\.code))
        var candidates = allowed.filter { next in
            guard let dependency else { return !next.step.perDependency || allowed.count == 1 }
            return next.dependency == dependency || (next.startsDependency && !started.contains(dependency))
        }
        // A dependency given for a case-level step: pick the step, and let the machine say why not.
        if candidates.isEmpty, dependency != nil { candidates = allowed.filter { !$0.step.perDependency } }
        let numbers = Array(Set(candidates.map(\.step.number))).sorted()
        if numbers.count == 1, let step = definition.step(numbers[0]) { return step }
        if allowed.isEmpty {
            throw CasebookError.procedure(.caseEnded(step: "siguiente", state: replay.machine.state))
        }
        throw CasebookError.ambiguousStep(replay.id, options: allowed.map { next in
            var text = "\(next.step.number) (\(next.step.roles.map(\.rawValue).joined(separator: " o ")))"
            if let d = next.dependency { text += " --dependency \(d)" }
            if next.startsDependency { text += " --dependency CODIGO (nueva)" }
            return text
        })
    }

    /// The persona `key` names and the role of the steps that come next (`machine` after this
    /// step) they will do: `--assign` refuses someone who holds none of those roles.
    func assignee(_ key: String, after machine: CaseMachine, roster: Roster) throws -> (persona: Persona, role: Role) {
        let target = try persona(key, in: roster)
        let next = machine.allowedNext
        guard let role = next.flatMap(\.step.roles).first(where: target.holds) else {
            let wanted = next.map { "\($0.step.number) (\($0.step.roles.map(\.rawValue).joined(separator: " o ")))" }.joined(separator: ", ")
            throw CasebookError.invalidValue(
                option: "--assign \(key)",
                reason: next.isEmpty ? "después de este paso no queda ningún paso que asignar"
                    : "\(target.id) no tiene el rol de los pasos siguientes: \(wanted)",
                fix: "Asigne a una persona con ese rol ('folio roles' las lista), o registre el paso sin --assign.")
        }
        return (target, role)
    }

    func checkRole(_ persona: Persona, for step: StepDefinition, roster: Roster) throws {
        guard step.roles.contains(where: persona.holds) else {
            throw CasebookError.roleNotHeld(persona: persona.id, step: step.number, roles: step.roles,
                                            holders: roster.holders(of: step.roles))
        }
    }

    /// When a dependency's figures at `commit` are not those its last review read (the step that
    /// generates `revision-produccion`, P3-03, as the review names them in `datos_revisados`, or
    /// for an older review those of its commit): the file and that step; nil otherwise.
    func unreviewedChange(_ replay: CaseReplay, dependency code: String, path: String, at commit: OID) throws -> (file: String, review: StepRecord)? {
        guard let review = replay.steps.last(where: { record in
            record.dependency == code && record.step.flatMap { replay.definition.step(ProcedureDefinition.normalize(step: $0)) }?
                .generates.contains(.productionReview) == true
        }) else { return nil }
        let read = try reviewedData(of: code, path: path, at: review.commit)
        for file in Self.dataFiles(of: code, in: path) {
            let now = try repository.entryID(at: file, in: commit)
            if let read, file.hasSuffix("/\(ProductionTable.path(for: code))") {
                if now != read { return (file, review) }
            } else if try repository.entryID(at: file, in: review.commit) != now {
                return (file, review)
            }
        }
        return nil
    }

    /// The figures (a git blob id) a dependency's review committed at `commit` says it read
    /// (`datos_revisados`); nil where there is no review or it does not say (written before
    /// folio recorded them).
    func reviewedData(of code: String, path: String, at commit: OID) throws -> OID? {
        let file = "\(path)/produccion/\(code)-revision.md"
        guard let data = try repository.file(at: file, in: commit),
              data.range(of: Data(ProductionReview.reviewedDataField.utf8)) != nil,  // most reviews are read no further
              let fields = try? FrontMatterDocument.parse(data: data, file: file).plainFields,
              let hex = fields[ProductionReview.reviewedDataField].map({ Requirement.text($0) }) else { return nil }
        return OID(hex: hex)
    }

    /// A review that read other figures than those its own step committed: step 03 recorded
    /// offline and replayed by `folio sync` onto the contact's corrected figures keeps the review
    /// of the old ones. The dependency's data file and the figures the review read; nil otherwise.
    func staleReview(_ record: StepRecord, dependency code: String, path: String) throws -> (file: String, read: OID)? {
        let file = "\(path)/\(ProductionTable.path(for: code))"
        guard let read = try reviewedData(of: code, path: path, at: record.commit),
              read != (try repository.entryID(at: file, in: record.commit)) else { return nil }
        return (file, read)
    }

    /// When a dependency's last step answered "no" (P3-04: its figures went back to its contact),
    /// and its data file is still as it was then: the file and that step; nil otherwise.
    func uncorrectedData(_ replay: CaseReplay, dependency code: String, path: String, head: OID) throws -> (file: String, refused: StepRecord)? {
        guard let refused = replay.steps.last(where: { $0.dependency == code }), refused.decisionValue == false else { return nil }
        for file in Self.dataFiles(of: code, in: path) {
            if let then = try repository.entryID(at: file, in: refused.commit), then == (try repository.entryID(at: file, in: head)) {
                return (file, refused)
            }
        }
        return nil
    }

    /// Why a dependency's figures in a monthly case may no longer change, or nil while they may:
    /// the round closed, the jefe excused it, or (where a step reviews them, P3-04) they were
    /// approved or its part is done.
    func settledData(_ replay: CaseReplay, dependency code: String) -> String? {
        guard let block = replay.definition.dependencyBlock else { return nil }
        if replay.machine.excused.contains(code) { return "el jefe cerró la ronda sin \(code)" }
        guard replay.machine.allowedNext.contains(where: \.startsDependency) else {
            return "la ronda del mes ya se cerró (último paso: \(replay.machine.lastStep ?? "—"))"
        }
        guard block.contains(where: { $0.decision != nil }), let thread = replay.machine.threads.first(where: { $0.code == code }) else {
            return nil
        }
        let mine = replay.steps.filter { $0.dependency == code }
        if thread.next == nil { return "\(code) terminó su parte (paso \(thread.lastStep))" }
        if let decided = mine.last(where: { $0.decision != nil }), decided.decisionValue == true {
            return "el analista las aprobó (paso \(decided.step ?? ""), commit \(decided.commit.short))"
        }
        return nil
    }

    /// What a commit of the case takes: the whole folder, or for one dependency's step only that
    /// dependency's files (`produccion/<CODE>.csv` and its review, `avance/<CODE>.csv`,
    /// `dependencias/<CODE>/`), the index and the routing slip (and `expediente.md` with `--set`).
    /// `data`: whether the person is that dependency's contact, who alone writes its CSV;
    /// `review`: whether the step writes the dependency's review (`<CODE>-revision.md`, P3-03),
    /// which no other commit changes.
    func commitScope(path: String, dependency: String?, sets: Bool, caseLevelOfRounds: Bool = false, data: Bool = false,
                     review: Bool = false) -> [String] {
        // The names in a folder of the case, in the work tree or in HEAD.
        func names(_ folder: String) -> Set<String> {
            var names = Set((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)")) ?? [])
            if let head = try? repository.headCommit(), let listed = try? repository.entries(at: folder, in: head) {
                names.formUnion(listed.map(\.name))
            }
            return names
        }
        guard let code = dependency else {
            if caseLevelOfRounds {
                // A case-level step of a month or a POA round (P3-06, P5-03) leaves the dependencies'
                // own files to their own steps: a file dropped in for an excused dependency, or data
                // changed after its approval, never enters the record under someone else's step.
                let all = names(path).union(["expediente.md", "informe", "anexos", ArchiveIndex.fileName, RoutingSlip.fileName])
                return all.subtracting(Self.dependencyFolders).sorted().map { "\(path)/\($0)" }
            }
            // The whole case, but the dependencies' data and reviews (`ruleDependencyData`): a
            // staff note takes everything else.
            let data = Set(Self.dependencyDataFolders)
            guard !data.isDisjoint(with: names(path)) else { return [path] }
            // With what the note itself may write (an attachment's folder, the index, the slip).
            return names(path).union(["expediente.md", "informe", "anexos", "dependencias", ArchiveIndex.fileName, RoutingSlip.fileName])
                .subtracting(data).sorted().map { "\(path)/\($0)" }
        }
        // The dependency's data (its CSV) only at its own contact's steps and notes, its review only
        // at the step that writes it (`ruleDependencyData`).
        return (data ? Self.dataFiles(of: code, in: path) : [])
            + (review ? ["\(path)/produccion/\(code)-revision.md"] : [])
            + ["\(path)/dependencias/\(code)", "\(path)/\(ArchiveIndex.fileName)", "\(path)/\(RoutingSlip.fileName)"]
            + (sets ? ["\(path)/expediente.md"] : [])
    }

    /// Whether a file's name in `produccion/` or `avance/` is a dependency's data: `<CODIGO>.csv`.
    static func isDependencyData(_ name: String) -> Bool {
        name.hasSuffix(".csv") && CaseID.dependencyCode(String(name.dropLast(4))) == String(name.dropLast(4))
    }

    /// Whether a file's name in `produccion/` is the review step 03 writes of a dependency's data:
    /// `<CODIGO>-revision.md`. Besides these and the data, nothing belongs in those folders.
    static func isDependencyReview(_ name: String) -> Bool {
        let suffix = "-revision.md"
        guard name.hasSuffix(suffix) else { return false }
        let code = String(name.dropLast(suffix.count))
        return CaseID.dependencyCode(code) == code
    }

    /// The folders of a case whose `<CODIGO>.csv` files are one dependency's monthly data.
    static let dependencyDataFolders = ["produccion", "avance"]

    /// A dependency's data files in case folder `path` (`produccion/<CODE>.csv`, `avance/<CODE>.csv`).
    static func dataFiles(of code: String, in path: String) -> [String] {
        dependencyDataFolders.map { "\(path)/\($0)/\(code).csv" }
    }

    /// The folders of a case that belong to one dependency's files each.
    static let dependencyFolders: Set<String> = ["produccion", "avance", "dependencias"]

    /// Refuses changes staged in the case outside `scope`: they would enter the commit unchecked.
    func checkStaged(in path: String, outside scope: [String]) throws {
        guard scope != [path] else { return }
        let staged = try repository.changes(side: .index, in: [path], untracked: false).filter { change in
            GitPath.isInside(change.path, path) && !scope.contains { GitPath.isWithin(change.path, $0) }
        }.map(\.path)
        if !staged.isEmpty { throw CasebookError.dirtyOutside(paths: staged, scope: scope.joined(separator: ", ")) }
    }

    /// Where an attached file goes: the document the step needs with that name (`HGE.csv` at P3-01
    /// → `produccion/HGE.csv`, `revision.md` at P2-02 → `dependencias/HGE/revision.md`), or the one
    /// CSV the step needs; nil when the step needs nothing of the kind.
    static func placement(of name: String, needed: [String]) -> String? {
        if let same = needed.first(where: { GitPath.name($0).lowercased() == name.lowercased() }) { return same }
        let csv = needed.filter { $0.lowercased().hasSuffix(".csv") }
        return name.lowercased().hasSuffix(".csv") && csv.count == 1 ? csv[0] : nil
    }

    /// Applies `--set` to `expediente.md` and copies `--attach` files into the case: where the step
    /// needs them (`needed`, paths inside the case: `HGE.csv` at P3-01 → `produccion/HGE.csv`), else
    /// Markdown at the case's top (or `dependencias/<CODE>/` for a dependency's step); returns the
    /// other files, which enter the archive index (`incorporate`), never over a file already there.
    func applyEdits(sets: [String], attachments: [String], path: String, dependency: String?, edit: WorkTreeEdit,
                    needed: [String] = []) throws -> [String] {
        if !sets.isEmpty {
            let file = "\(path)/expediente.md"
            guard let data = FileManager.default.contents(atPath: "\(root)/\(file)") else { throw CasebookError.unknownCase(path) }
            var document = try FrontMatterDocument.parse(data: data, file: file)
            for item in sets {
                guard let eq = item.firstIndex(of: "=") else { throw CasebookError.invalidSet(item) }
                let key = String(item[..<eq]).trimmingCharacters(in: .whitespaces)
                guard !key.isEmpty, key.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }),
                      !["id", "procedimiento"].contains(key) else { throw CasebookError.invalidSet(item) }
                document.set(key, rawValue: YAMLText.typedScalar(String(item[item.index(after: eq)...])))
            }
            try edit.write(Data(document.text.utf8), to: file)
        }
        var documents: [String] = []
        for source in attachments {
            try Self.requireAttachableFile(source)
            let name = GitPath.name(source).precomposedStringWithCanonicalMapping
            guard !GitPath.isHidden(name) else {
                throw CasebookError.invalidFile(file: source, reason: "los archivos ocultos (nombre que empieza con '.') no se adjuntan",
                                                fix: "Cámbiele el nombre antes de adjuntarlo.")
            }
            if let placed = Self.placement(of: name, needed: needed) {
                try edit.copy(from: source, to: "\(path)/\(placed)")
                continue
            }
            guard name.lowercased().hasSuffix(".md") else {
                documents.append(source)
                continue
            }
            try edit.copy(from: source, to: dependency.map { "\(path)/dependencias/\($0)/\(name)" } ?? "\(path)/\(name)")
        }
        return documents
    }

    /// Refuses a case whose Markdown documents on disk break the rules `folio check` applies.
    func validateCase(id: String, path: String, definition: ProcedureDefinition, schemaCommit: OID?, scope: [String]? = nil) throws {
        var problems = try caseProblems(id: id, path: path, procedure: definition.number, schemaCommit: schemaCommit)
        // Another dependency's broken file is not this step's: it is checked when that dependency steps.
        if let scope { problems = problems.filter { p in scope.contains { GitPath.isWithin(p.file, $0) } } }
        if !problems.isEmpty { throw CasebookError.invalidCase(problems) }
    }

    /// The plan's years a step commits (the file on disk with the step's `--set`): at the step that
    /// requires them, and at a cycle's last step that changes them, they must be years from 2000
    /// to 2100, the first not after the last, and they become the recorded ones. Any other step
    /// leaves the recorded years as they were (an edit by someone else does not count).
    func checkPlanYears(_ step: StepDefinition, cycle: Cycle, definition: ProcedureDefinition, path: String, sets: [String],
                        head: OID, id: String, recorded: inout (first: Int?, last: Int?)) throws {
        let setting = definition.planYearSteps.contains(step.number)
        guard setting || step.number == cycle.last else { return }
        let onDisk = (try? caseDocument("expediente.md", in: path)) ?? nil
        func raw(_ field: String) -> (any Sendable)? {
            var value = onDisk?[field]
            for set in sets where set.hasPrefix(field + "=") { value = String(set.dropFirst(field.count + 1)) }
            return value
        }
        let committed = try planYears(id, definition: definition, at: head)
        let given = (first: Self.year(raw(cycle.firstYearField)), last: Self.year(raw(cycle.lastYearField)))
        let changed = setting || Requirement.text(raw(cycle.firstYearField)) != committed.first.map(String.init) ?? ""
            || Requirement.text(raw(cycle.lastYearField)) != committed.last.map(String.init) ?? ""
        guard changed else { return }
        var problems: [String] = []
        // Empty at the step that requires them: the requirement's refusal names them.
        for (field, value) in [(cycle.firstYearField, given.first), (cycle.lastYearField, given.last)]
        where value == nil && !(setting && Requirement.text(raw(field)).isEmpty) {
            problems.append("'\(field)' debe ser un año de 2000 a 2100 (hoy dice '\(Requirement.text(raw(field)))')")
        }
        if let first = given.first, let last = given.last, first > last {
            problems.append("'\(cycle.firstYearField)' (\(first)) es posterior a '\(cycle.lastYearField)' (\(last))")
        }
        guard problems.isEmpty else {
            throw CasebookError.invalidFile(
                file: "\(path)/expediente.md", reason: "los años de vigencia del plan no son válidos: " + problems.joined(separator: "; "),
                fix: "Escriba el primer y el último año de vigencia del plan aprobado, p. ej. --set \(cycle.firstYearField)=2026 --set \(cycle.lastYearField)=2030 (norma \(cycle.norm): un informe de avance cada enero).")
        }
        if given.first != nil, given.last != nil { recorded = given }
    }

    /// The norms' requirements for `step`, checked against the case's files on disk; the
    /// refusal lists every failure and quotes the norm.
    /// `attaching`: paths inside the case of files the step incorporates after the check.
    func checkRequirements(_ step: StepDefinition, dependency: String?, year: Int? = nil, decision: Bool? = nil, path: String,
                           definition: ProcedureDefinition, attaching: Set<String> = []) throws {
        let failing = try requirementFailures(step, dependency: dependency, year: year, decision: decision, path: path, definition: definition,
                                              evaluations: false, attaching: attaching).filter { !$0.failures.isEmpty }
        guard !failing.isEmpty else { return }
        // Every missing thing at once, so one edit answers the whole refusal.
        let refusal = failing.count == 1
            ? CasebookError.requirementNotMet(step: step.number, casePath: path, failures: failing[0].failures, norm: failing[0].norm)
            : CasebookError.requirementsNotMet(step: step.number, casePath: path, results: failing)
        // Only the "sí" of the decision needs it (P6-04): what is missing is the documented reason for "no".
        if decision == true, let d = step.decision, !definition.requirements(for: step.number, decision: false)
            .contains(where: { r in failing.contains { $0.norm == r.norm } }) {
            throw CasebookError.hinted(refusal, "Lo que falta es la razón para responder que no: registre el paso con --decision no"
                                       + " (\(d.no.text)) y el -m con lo que falta.")
        }
        throw refusal
    }

    /// What an evaluation step records of the case (P6-03: the request checked whole): a
    /// paragraph for the commit message, nil when the step evaluates nothing.
    func evaluationText(_ step: StepDefinition, dependency: String?, year: Int? = nil, path: String,
                        definition: ProcedureDefinition) throws -> String? {
        let results = try requirementFailures(step, dependency: dependency, year: year, decision: nil, path: path, definition: definition,
                                              evaluations: true)
        guard !results.isEmpty else { return nil }
        let norms = results.map { $0.norm.label }.joined(separator: ", ")
        let failures = results.flatMap(\.failures)
        guard !failures.isEmpty else { return "Evaluación (\(norms)): la solicitud está completa." }
        return "Evaluación (\(norms)): la solicitud está incompleta.\n" + failures.map { "- \($0)" }.joined(separator: "\n")
    }

    /// The failures of each requirement of `step` against the case's files on disk: the refusing
    /// ones, or (`evaluations`) those the step only records.
    private func requirementFailures(_ step: StepDefinition, dependency: String?, year: Int?, decision: Bool?, path: String,
                                     definition: ProcedureDefinition, evaluations: Bool,
                                     attaching: Set<String> = []) throws -> [(norm: Norm, failures: [RequirementFailure])] {
        let rules = definition.requirements(for: step.number, decision: decision).filter { $0.requirement.evaluatesOnly == evaluations }
        guard !rules.isEmpty else { return [] }
        let expediente = try caseDocument("expediente.md", in: path) ?? [:]
        // A missing field is said with what it holds, as the procedure's JSON Schema describes it.
        let schema = (try? repository.headCommit()).flatMap { head in head.flatMap { try? frontMatterSchema(definition.number, at: $0) } }
        return rules.map { norm, requirement in
            (norm, requirement.failures(
                expediente: expediente, dependency: dependency, year: year,
                document: { (try? self.caseDocument($0, in: path)) ?? nil },
                exists: { attaching.contains($0) || FileManager.default.fileExists(atPath: "\(self.root)/\(path)/\($0)") },
                describe: { schema?.fieldDescription($0) }))
        }
    }

    /// The front matter of a document of the case on disk: nil when the file does not exist,
    /// empty when it has none.
    func caseDocument(_ name: String, in path: String) throws -> Fields? {
        guard !name.contains(".."), let data = FileManager.default.contents(atPath: "\(root)/\(path)/\(name)") else { return nil }
        let text = try TextFile.decode(data, file: "\(path)/\(name)")
        guard text.hasPrefix("---") else { return [:] }
        return try FrontMatterDocument.parse(text, file: "\(path)/\(name)").plainFields
    }
}
