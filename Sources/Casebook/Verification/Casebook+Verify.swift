import Foundation
import GitStore
import Procedures

extension Casebook {
    /// Replays the history up to `range`'s tip (HEAD by default) and reports every commit that
    /// breaks the manual or the repository's rules, each with its commit, case, step, rule and fix.
    ///
    /// Errors: a step out of order; an author without the step's role, or not registered (per
    /// `roles.yaml` in the parent commit); malformed trailers or sign-off; a signature that is
    /// missing where required, invalid, or not made by the author's registered key; a step that
    /// changes files outside its case; `roles.yaml` or `schemas/` changed by someone who is not a
    /// jefe. Warnings: commits that change `cases/` without trailers (edits outside folio).
    ///
    /// - Parameter range: `A..B` reports only the commits of B not reachable from A (what a push
    ///   adds); `B` alone reports all of B's history. The replay always starts at the first commit.
    public func verify(range: String? = nil) throws -> VerifyReport {
        let (tip, hidden) = try resolve(range: range)
        guard let tip else { return VerifyReport(ok: true, commits: 0, cases: 0, steps: 0, violations: []) }
        if let report = try foreignHistoryReport(tip: tip, hiding: hidden) { return report }
        // What came before a range (for `A..B`): the cases' last commits bound the new ones' dates.
        var lastInCase = DateBounds()
        // For a range, only the cases its commits name are read from before it (cost by case, not by history).
        var named: Set<String> = []
        // A few cases through the history cache: the memory of a whole history is not at stake.
        let fewCases = hidden.map(historyCacheCovers) ?? false
        if fewCases { allocateForFewCases() }
        defer { if fewCases { allocateForWholeHistory() } }
        if let hidden {
            if !trustsSignatureCache { trustConfiguration(at: hidden) }
            try repository.walk(from: tip, hiding: hidden, firstParent: true) { commit in
                if let record = try StepRecord(commit) { named.insert(record.caseID) }
            }
            lastInCase = DateBounds(try loadHistory(of: named, at: hidden).records)
        }
        // Signatures are checked ahead, in parallel, and cached (or, on a whole history walked in
        // two halves, by each half's walk); the walk's rule reads the verdicts.
        var line = try prepareSignatures(from: tip, hiding: hidden)
        // For a range, its commits and their places (a few); a full verify keeps them by case.
        var inRange: [OID: Int] = [:]
        if hidden != nil {
            for (position, id) in line.enumerated() { inRange[id] = position }
        }
        var seen: VerifyWalk = try walk(line, reading: tip, after: lastInCase) { book, walked, part in
            let (commit, record) = (walked.commit, walked.record)
            let facts = try book.facts(of: commit, record: record, isRoot: hidden == nil && walked.position == 0,
                                       previousInCase: walked.previousInCase, previous: walked.previous)
            if record == nil { part.editedOutside.formUnion(facts.caseFolders.map { GitPath.name($0) }) }
            let found = try book.commitRules(facts)
            if let record {
                part.rosters.note(book.walkedSource(facts), at: walked.position, changes: facts.mayChangeConfiguration)
                let slip = try book.walkedSlip(record, at: commit.id)
                let folder = WalkedStep.folder(slip.path, of: record.caseID)
                if folder == WalkedStep.elsewhere, let path = slip.path { part.folders[commit.id] = path }
                part.cases.add(WalkedStep(commit: commit.id, slip: slip.blob, breaksRule: found.contains { $0.isError },
                                          folderYear: folder, position: Int32(walked.position)), of: record.caseID)
            }
            part.tagged += (found + (try book.ruleReception(facts))).map { (walked.position, $0) }
        }
        var tagged = seen.tagged
        seen.tagged = []
        // On a whole history, the commits the shared repository holds without a stamp between stamped ones.
        if hidden == nil { tagged += try stampHoles(in: line) }
        let (touched, editedOutside, rosters, folders) = (seen.cases.ids, seen.editedOutside, seen.rosters, seen.folders)
        // The walk's verdicts are in hand (`walkEnded`); of the line, only its length is needed
        // now (at 30k cases, 6 MB of ids).
        let commitCount = line.count
        line = []
        walkEnded()
        // The cases a range touches are replayed whole; the rest of history comes from the cache.
        let reported: Set<OID>? = hidden == nil ? nil : Set(inRange.keys)
        let replayed = hidden == nil ? nil : try loadHistory(of: named.union(editedOutside), at: tip)
        // A range's cases are looked for by name; a full verify lists every year.
        let paths = hidden == nil ? try casePaths(at: tip) : try casePaths(of: named.union(editedOutside).union(touched), at: tip)
        // A full verify checks every other case on the second core, in a casebook of its own (the
        // checks' memos are per case and per casebook); a range's few cases are all checked here,
        // against the history replayed (`inTurns`).
        var cases = seen.cases.takeAll()
        var steps = 0
        // Cases with a step that counts: a trailer naming a case no one opened, or an opening that
        // does not count, is no case (as status says), though its commits are checked.
        var counted = 0
        var timed: [TimedStep] = []
        var atTip: (slips: [Violation], reports: [Violation]) = ([], [])
        if hidden == nil { keepFolderTrees(at: tip) }
        try inTurns(&cases, worker: { hidden == nil ? caseWorker(cases: $0, rosters: rosters, folders: folders, paths: paths, tip: tip) : nil }, compute: { id, walkedSteps in
            try checkWalkedCase(id, steps: walkedSteps, rosters: rosters, folders: folders, history: replayed, reported: reported, inRange: inRange, paths: paths,
                                tip: tip)
        }) { checked, _ in
            tagged += checked.tagged
            steps += checked.steps
            if checked.steps > 0 { counted += 1 }
            timed += checked.late
            atTip.slips += checked.slips
            atTip.reports += checked.reports
        }
        // In history order; the findings of one commit in the order they were found.
        var violations = tagged.enumerated().sorted { ($0.element.position, $0.offset) < ($1.element.position, $1.offset) }
            .map(\.element.1)
        // The archive is checked as it is now (the work tree's files), on a full verify.
        if hidden == nil {
            violations += try archiveFindings(at: tip)
            violations += atTip.slips + atTip.reports
        } else {
            if !editedOutside.isEmpty {
                // A push that edits a case outside folio must leave its routing slip true to its history.
                violations += try slipTipFindings(at: tip, history: replayed!, only: editedOutside, paths: paths)
            }
            violations += try sentReportFindings(at: tip, history: replayed!, only: editedOutside.union(touched), paths: paths)
            // A case the range edits only outside folio: its settled figures (the others' are checked with their steps).
            for id in editedOutside.subtracting(touched).sorted() {
                guard let replay = try replay(id, in: replayed!) else { continue }
                violations += try settledDataFindings(replay, path: paths[id], tip: tip, reported: reported)
                violations += try generatedReportFindings(replay, path: paths[id], tip: tip, reported: reported)
            }
        }
        return VerifyReport(ok: !violations.contains { $0.isError }, commits: commitCount,
                            cases: counted, steps: steps, violations: violations, outOfWindow: timed)
    }

    /// What verify finds in one case: its findings, each with its commit's place in the walk; the
    /// steps that count; the steps out of their window; on a full verify, its routing slip and its
    /// sent reports as they are at the tip.
    struct CaseFindings: Sendable {
        var tagged: [(position: Int, Violation)] = []
        var steps = 0
        var late: [TimedStep] = []
        var slips: [Violation] = []
        var reports: [Violation] = []
    }

    /// Checks case `id` with what the walk learnt of its commits (`steps`, and the rosters they are
    /// judged by, `rosters`): on a range verify,
    /// replayed from `history` and reporting only the range's commits (`reported`, with their
    /// places `inRange`); on a full verify (both nil), from its own commits, read again, with its
    /// slip and sent reports as they are at `tip`.
    func checkWalkedCase(_ id: String, steps walkedSteps: [WalkedStep], rosters: ConfigurationLine, folders: [OID: String], history given: History?,
                         reported: Set<OID>?,
                         inRange: [OID: Int], paths: [String: String], tip: OID) throws -> CaseFindings {
        // What the walk learnt of the case's commits, for its checks (the rules' verdicts, the
        // routing slips), and each commit's place; a range's cases were walked only in part.
        var positions: [OID: Int] = [:]
        for step in walkedSteps {
            commitRuleErrors[step.commit] = step.breaksRule
            if let path = step.folder(of: id, elsewhere: folders) { slipsSeen[step.commit] = (path, step.slip) }
            positions[step.commit] = Int(step.position)
        }
        // The verdicts serve this case only: a whole history's would be held to the end.
        defer {
            commitRuleErrors.removeAll(keepingCapacity: true)
            slipsSeen.removeAll(keepingCapacity: true)
            authorizationCache.removeAll(keepingCapacity: true)
            walkedSources.removeAll(keepingCapacity: true)
        }
        let history = try given ?? History(records: walkedSteps.compactMap { try StepRecord(repository.commit($0.commit)) })
        let records = history.records(of: id)
        for record in records {
            if let position = positions[record.commit] { takeWalkedConfiguration(of: record, at: Int32(position), from: rosters) }
        }
        let (found, count, late) = try checkCase(id, records: records, reported: reported, path: paths[id], tip: tip)
        var result = CaseFindings(steps: count, late: late)
        result.tagged = found.map { (OID(hex: $0.commit).flatMap { positions[$0] ?? inRange[$0] } ?? 0, $0) }
        if reported == nil {
            result.slips = try slipTipFindings(at: tip, history: history, paths: paths)
            result.reports = try sentReportFindings(at: tip, history: history, paths: paths)
        }
        return result
    }

    /// Checks `cases` on the second core (`secondCasebook`), each as `checkWalkedCase` on a full
    /// verify, in order.
    private func caseWorker(cases: [(String, [WalkedStep])], rosters: ConfigurationLine, folders: [OID: String], paths: [String: String],
                            tip: OID) -> OrderedFeed<CaseFindings> {
        // The reception stamps the walk read and checked, not read and checked again.
        let (stamps, badStamps) = (stampsCache, badStamps)
        return secondCasebook(count: cases.count, reading: tip, prepare: { book in
            book.keepFolderTrees(at: tip)
            book.stampsCache = stamps
            book.badStamps = badStamps
        }) { book, index in
            let (id, steps) = cases[index]
            return try book.checkWalkedCase(id, steps: steps, rosters: rosters, folders: folders, history: nil, reported: nil, inRange: [:],
                                            paths: paths, tip: tip)
        }
    }

    /// What verify's walk keeps: each finding with its commit's place in the walk (to report them in
    /// history order); the steps of each case, by id, with what the walk saw of them (a case's
    /// records are read again from its commits when it is checked, so that memory holds one case's
    /// records, not the whole history's, nor a table of every commit: at 10k cases, 30 MB of
    /// dictionaries); the cases in the order first named; the case folders changed by commits
    /// without folio's trailers (edits outside folio); the folder of each step whose case was not
    /// where its id puts it (`WalkedStep.elsewhere`).
    struct VerifyWalk: WalkedPart {
        var tagged: [(position: Int, Violation)] = []
        var cases = StepsByCase<WalkedStep>()
        var rosters = ConfigurationLine()
        var editedOutside = Set<String>()
        var folders: [OID: String] = [:]

        mutating func append(consuming later: inout VerifyWalk) {
            tagged += later.tagged
            later.tagged = []
            cases.append(consuming: &later.cases)
            rosters.append(later.rosters)
            editedOutside.formUnion(later.editedOutside)
            folders.merge(later.folders) { mine, _ in mine }
            later.folders = [:]
        }
    }

    /// What a full verify's walk keeps of one step commit until its case is checked: its place in
    /// the walk, whether it broke a rule of a single commit, and its case folder and routing slip.
    /// 48 bytes: a whole history's steps are held until the walk ends (at 30k cases, 312,000; the
    /// folder's path as a string made it 64).
    struct WalkedStep: Sendable {
        var commit: OID
        var slip: OID?
        var breaksRule: Bool
        /// The case's folder: `cases/<folderYear>/<id>` (a year of four digits, as folio files a
        /// case), `noFolder` when the walk did not find the case, `elsewhere` when it found it
        /// anywhere else (the path is in `VerifyWalk.folders`, by commit).
        var folderYear: UInt16
        var position: Int32

        static let noFolder: UInt16 = 0
        static let elsewhere: UInt16 = .max

        /// How a step's case folder `path` is kept for case `id` (`folderYear`).
        static func folder(_ path: String?, of id: String) -> UInt16 {
            guard let path else { return noFolder }
            // An id folio gives is ASCII; any other (a forged trailer) keeps its path as found: the
            // case's steps are grouped by an id Swift compares by Unicode equivalence, so the id the
            // path would be rebuilt with may be another spelling of it (helper119: É as E + U+0301).
            guard id.utf8.allSatisfy({ $0 < 0x80 }) else { return elsewhere }
            // "cases/" (6 bytes), the year (4), "/" and the id.
            let bytes = path.utf8, year = bytes.dropFirst(6).prefix(4)
            guard bytes.count == 11 + id.utf8.count, bytes.starts(with: "cases/".utf8), year.count == 4,
                  year.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), year.first != UInt8(ascii: "0"),
                  bytes.dropFirst(10).first == UInt8(ascii: "/"), bytes.dropFirst(11).elementsEqual(id.utf8) else { return elsewhere }
            return year.reduce(0) { $0 * 10 + UInt16($1 - UInt8(ascii: "0")) }
        }

        /// The step's case folder (`folder(_:of:)` undone).
        func folder(of id: String, elsewhere paths: [OID: String]) -> String? {
            switch folderYear {
            case Self.noFolder: nil
            case Self.elsewhere: paths[commit]
            default: "cases/\(folderYear)/\(id)"
            }
        }
    }

    /// Replays one case and checks its commits (only those in `reported`, when given).
    private func checkCase(_ id: String, records: [StepRecord], reported: Set<OID>?, path: String?,
                           tip: OID) throws -> ([Violation], Int, [TimedStep]) {
        var found: [Violation] = []
        guard let first = records.first else { return ([], 0, []) }
        guard let definition = try caseDefinition(id: id, first: first, violations: &found) else {
            return (found.filter { reported?.contains(OID(hex: $0.commit)!) ?? true }, 0, [])
        }
        let replay = try caseReplay(id, records: records, definition: definition, authorized: validator(for: records, definition: definition))
        for record in records where reported?.contains(record.commit) ?? true {
            found += try checkRecord(record, definition: definition)
        }
        found += try slipFindings(id, records: records, definition: definition, reported: reported)
        for (record, error) in replay.refused where reported?.contains(record.commit) ?? true {
            let fix: String
            switch error {
            case .unknownDependency(let step, let code):
                let again = step == "excusa" ? "la ronda se cierra sin ella con 'folio excusar \(id) \(code) -m MOTIVO --as JEFE'"
                    : step == "nota" ? "sus documentos se incorporan con 'folio attach \(id) ... --dependency \(code)'"
                    : "el paso se registra de nuevo con 'folio step'"
                fix = dropFix(record.commit.hex) + "; si \(code) es una dependencia nueva, un jefe registra su enlace ('folio roles add') "
                    + "o la agrega a 'dependencias_esperadas' con 'folio note', y \(again)."
            case .excuseNotAllowed(let code, _) where record.step == nil:
                fix = dropFix(record.commit.hex) + "; un jefe cierra la ronda sin \(code), si corresponde, con "
                    + "'folio excusar \(id) \(code) -m MOTIVO --as JEFE'."
            default:
                fix = "Registre los pasos en el orden del manual con 'folio step'; un paso fuera de orden no cuenta."
            }
            found.append(Violation(commit: record.commit.hex, caseID: id, step: record.step, rule: .stepOrder,
                                   message: error.description, fix: fix))
        }
        found += try settledDataFindings(replay, path: path, tip: tip, reported: reported)
        found += try generatedReportFindings(replay, path: path, tip: tip, reported: reported)
        let (late, timed) = try timingFindings(replay, path: path, at: tip, reported: reported)
        return (found + late, replay.steps.count, timed)
    }

    /// A month's report changed after the step that generated it (`genera:`: P3-06's consolidated
    /// report, P3-07's head's report, P5's): what that step committed under `informe/` stays as it
    /// was, whatever commit changes it afterwards, plain git included; the first such commit is
    /// named. Put back as generated, it is no finding.
    func generatedReportFindings(_ replay: CaseReplay, path: String?, tip: OID, reported: Set<OID>?) throws -> [Violation] {
        guard let path else { return [] }
        var found: [Violation] = []
        for (file, record) in try generatedReports(replay, path: path).sorted(by: { $0.key < $1.key }) {
            guard let culprit = try firstChange(of: file, after: record.commit, tip: tip), reported?.contains(culprit) ?? true else { continue }
            found.append(Violation(
                commit: culprit.hex, caseID: replay.id, step: nil, rule: .sentReport,
                message: "El commit cambia \(file), que generó el paso \(record.step ?? "") (commit \(record.commit.short), "
                    + "\(clock.day(record.author.date))): un informe registrado no se modifica.",
                fix: dropFix(culprit.hex) + "; si ya lo está, "
                    + "restáurelo ('git restore --source=\(record.commit.short) -- \(file)') y regístrelo con 'folio note'; "
                    + "'folio report ID --out CARPETA' genera otra copia fuera del expediente."))
        }
        return found
    }

    /// The first commit of the first-parent line after `base`, up to `tip`, whose `file` is not
    /// `base`'s; nil when `tip` holds it as `base` did (never changed, or put back).
    func firstChange(of file: String, after base: OID, tip: OID) throws -> OID? {
        let then = try repository.entryID(at: file, in: base)
        guard then != (try repository.entryID(at: file, in: tip)) else { return nil }
        return try repository.commitIDs(from: tip, hiding: base, firstParent: true)  // oldest first
            .first { try repository.entryID(at: file, in: $0) != then }
    }

    /// The reports the case's steps generated under `informe/` (`genera:`), each with the last step
    /// that wrote it: only a step's own reports (P3-07 writes the head's report, not the
    /// consolidated one that P3-06 wrote, though it could carry a change to it).
    func generatedReports(_ replay: CaseReplay, path: String) throws -> [String: StepRecord] {
        var generated: [String: StepRecord] = [:]
        for record in replay.steps {
            guard let number = record.step.map(ProcedureDefinition.normalize(step:)), let step = replay.definition.step(number),
                  let parent = record.parent else { continue }
            // Each generator's files, by name: informe/consolidado-AAAA-MM.md and the like.
            let prefixes = step.generates.filter { $0 != .productionReview }
                .flatMap { $0.files(month: "", dependency: nil) }.map { ($0 as NSString).lastPathComponent }
                .map { String($0.prefix { $0 != "." }) }
            guard !prefixes.isEmpty else { continue }
            for name in try repository.changedEntries(at: "\(path)/informe", from: parent, to: record.commit)
            where prefixes.contains(where: { name.hasPrefix($0) }) {
                generated["\(path)/informe/\(name)"] = record
            }
        }
        return generated
    }

    /// A step or a note refuses to commit a month's report changed (or deleted) in the work tree
    /// after the step that generated it (`generatedReportFindings`).
    func refuseChangedGeneratedReports(_ replay: CaseReplay, path: String) throws {
        for (file, record) in try generatedReports(replay, path: path).sorted(by: { $0.key < $1.key }) {
            let data = FileManager.default.contents(atPath: "\(root)/\(file)")
            guard data.map(Self.gitBlobID) != (try repository.entryID(at: file, in: record.commit))?.hex else { continue }
            throw CasebookError.invalidFile(
                file: file,
                reason: "lo generó el paso \(record.step ?? "") (commit \(record.commit.short), \(clock.day(record.author.date))) "
                    + "y \(data == nil ? "falta" : "cambió"): un informe registrado no se modifica",
                fix: "Restáurelo con 'git restore --source=\(record.commit.short) -- \(file)'; 'folio report ID --out CARPETA' genera otra copia fuera del expediente.")
        }
    }

    /// A dependency's figures changed after they were settled (`settledDataCommits`: approved at
    /// P3-04, or entered at P3-05 after a "no"), by any commit, plain git included: the first commit
    /// that changed them is named. Put back as settled, they are no finding.
    func settledDataFindings(_ replay: CaseReplay, path: String?, tip: OID, reported: Set<OID>?) throws -> [Violation] {
        guard let path, replay.definition.dependencyBlock?.contains(where: { $0.decision != nil }) == true else { return [] }
        var found: [Violation] = []
        for record in replay.steps where reported?.contains(record.commit) ?? true {
            guard let code = record.dependency,
                  record.step.flatMap({ replay.definition.step(ProcedureDefinition.normalize(step: $0)) })?.generates.contains(.productionReview) == true
            else { continue }
            guard let stale = try staleReview(record, dependency: code, path: path) else {
                if let file = try unfaithfulReview(record, dependency: code, path: path, replay: replay, tip: tip) {
                    found.append(Violation(
                        commit: record.commit.hex, caseID: replay.id, step: record.step, rule: .dependencyData,
                        message: "\(file), la revisión del paso \(record.step ?? "") de \(code), no es la que folio escribe de las cifras y los meses "
                            + "anteriores de ese commit: se escribió o corrigió a mano, o sobre otra historia (un paso registrado sin conexión "
                            + "y publicado después de que cambiaran).",
                        fix: "Si el commit no está publicado, quítelo de su rama ('folio sync --drop-local' guarda un respaldo) y registre de nuevo "
                            + "'folio step ID \(record.step ?? "03") --dependency \(code)'; si ya lo está, antes de la decisión (paso 04) se registra otra vez."))
                }
                continue
            }
            found.append(Violation(
                commit: record.commit.hex, caseID: replay.id, step: record.step, rule: .dependencyData,
                message: "La revisión del paso \(record.step ?? "") de \(code) leyó otras cifras (\(stale.read.short)) que las que el commit deja en "
                    + "\(stale.file): la revisión no es de esas cifras (un paso registrado sin conexión y publicado después de una corrección del enlace).",
                fix: "Si el commit no está publicado, quítelo de su rama ('folio sync --drop-local' guarda un respaldo) y registre de nuevo "
                    + "'folio step ID \(record.step ?? "03") --dependency \(code)' sobre las cifras de ahora."))
        }
        for (code, settled) in Self.settledDataCommits(replay).sorted(by: { $0.key < $1.key }) {
            // An approval is of the figures the review read: not of figures changed since (a sync
            // that put a contact's note under it).
            if let approval = replay.steps.first(where: { $0.commit == settled }), approval.decisionValue == true,
               reported?.contains(settled) ?? true,
               let changed = try unreviewedChange(replay, dependency: code, path: path, at: settled) {
                found.append(Violation(
                    commit: settled.hex, caseID: replay.id, step: approval.step, rule: .dependencyData,
                    message: "El paso \(approval.step ?? "") aprueba \(changed.file), los datos de \(code), que cambiaron después de la revisión del paso "
                        + "\(changed.review.step ?? "") (commit \(changed.review.commit.short)): se aprobaron cifras que nadie revisó.",
                    fix: dropFix(settled.hex) + " y responda de nuevo "
                        + "con 'folio step ID \(approval.step ?? "04") --dependency \(code) --decision no'."))
            }
            for file in Self.dataFiles(of: code, in: path) {
                guard let culprit = try firstChange(of: file, after: settled, tip: tip), reported?.contains(culprit) ?? true else { continue }
                let step = replay.steps.first { $0.commit == settled }
                found.append(Violation(
                    commit: culprit.hex, caseID: replay.id, step: nil, rule: .dependencyData,
                    message: "El commit cambia \(file), los datos de \(code), después de que quedaron fijados en el paso \(step?.step ?? "") "
                        + "(commit \(settled.short)): los informes del mes los leen así, y ya no se corrigen.",
                    fix: dropFix(culprit.hex) + "; si ya lo está, el enlace de \(code) "
                        + "restaura el archivo ('git restore --source=\(settled.short) -- \(file)') y lo registra con 'folio note'."))
            }
        }
        return found
    }

    /// A dependency's review is folio's reading of its figures (P3-03), as the routing slip is of
    /// the case's history: written again from what the step's parent held (the figures, the earlier
    /// months as settled then, the catalogue the case was opened with), it must be the committed
    /// file byte for byte; the file when it is not (attack16v: an old review kept over corrected
    /// figures with only `datos_revisados` changed, or findings taken out). A review that cannot be
    /// written again there (no figures, no month), or a step without one, is left to the other rules.
    func unfaithfulReview(_ record: StepRecord, dependency code: String, path: String, replay: CaseReplay, tip: OID) throws -> String? {
        // A step 03 made without its review (plain git) documents nothing to compare.
        let name = Generator.productionReview.files(month: "", dependency: code)[0]
        guard let parent = record.parent, let committed = try repository.entryID(at: "\(path)/\(name)", in: record.commit) else { return nil }
        guard let month = try committedMonth(replay.id, path: path, at: parent), let generated = try? review(id: replay.id, path: path, dependency: code, definition: replay.definition,
                                                      schemaCommit: replay.opening.commit, head: parent, committed: true, month: month,
                                                      asOf: tip),
              let text = GeneratedFiles.review(generated, dependency: code, month: String(month.description.prefix(7))).first?.1
        else { return nil }
        return committed.hex == Self.gitBlobID(Data(text.utf8)) ? nil : "\(path)/\(name)"
    }

    /// `A..B` -> (B, A); `B` -> (B, nil); nil -> (HEAD, nil).
    private func resolve(range: String?) throws -> (OID?, OID?) {
        guard let range else { return (try repository.headCommit(), nil) }
        let parts = range.components(separatedBy: "..")
        func commit(_ rev: String) throws -> OID {
            guard let oid = try repository.resolve(revision: rev) else {
                throw CasebookError.invalidValue(option: "RANGO", reason: "'\(rev)' no nombra ningún commit", fix: "Use A..B o un commit.")
            }
            return oid
        }
        switch parts.count {
        case 1: return (try commit(parts[0]), nil)
        case 2: return (try commit(parts[1].isEmpty ? "HEAD" : parts[1]), parts[0].isEmpty ? nil : try commit(parts[0]))
        default: throw CasebookError.invalidValue(option: "RANGO", reason: "'\(range)' no es un rango", fix: "Use A..B o un commit.")
        }
    }

    /// On a history that begins at another root than the pinned one (`folio.raiz`) nothing is in
    /// force: its roles.yaml is nobody's, so nothing in it is judged by it. Each commit is said to
    /// be there ([raiz]), its root as `ruleLinear` says it; nil when `tip`'s history is the pinned root's.
    private func foreignHistoryReport(tip: OID, hiding hidden: OID?) throws -> VerifyReport? {
        let (root, pinned): (String, String)
        do {
            _ = try configurationSource(after: tip)
            return nil
        } catch CasebookError.foreignRoot(let foreign, let pin, _, _) {
            (root, pinned) = (foreign, pin)
        }
        var violations: [Violation] = []
        var count = 0
        try repository.walk(from: tip, hiding: hidden, firstParent: true) { commit in
            count += 1
            let caseID = try StepRecord(commit)?.caseID
            let message = commit.id.hex == root
                ? Self.foreignRootText(commit.id.short, pinned: pinned)
                : Self.isCommitID(pinned)
                    ? "El commit está en una historia que nace del commit \(root), no de la raíz fijada en este repositorio (folio.raiz = \(SafeText.visible(pinned))): "
                        + "allí ninguna configuración está vigente y nada cuenta."
                    : Self.invalidPinText(pinned)
            violations.append(Violation(commit: commit.id.hex, caseID: caseID, step: nil, rule: .root, message: message, fix: Self.foreignRootFix))
        }
        return VerifyReport(ok: false, commits: count, cases: 0, steps: 0, violations: violations)
    }

    private func caseDefinition(id: String, first: StepRecord, violations: inout [Violation]) throws -> ProcedureDefinition? {
        guard let number = first.procedure.flatMap(Int.init), (1...7).contains(number) else {
            violations.append(Violation(commit: first.commit.hex, caseID: id, step: first.step, rule: .trailers,
                                        message: "El trailer Procedimiento ('\(first.procedure ?? "")') debe ser un número del 1 al 7.",
                                        fix: "Abra los expedientes con 'folio new', que escribe los trailers."))
            return nil
        }
        do {
            guard let definition = try definition(number, at: first.commit) else {
                violations.append(Violation(commit: first.commit.hex, caseID: id, step: first.step, rule: .schema,
                                            message: "No hay definición del procedimiento \(number) en schemas/ de ese commit.",
                                            fix: "Restaure schemas/procedimiento-\(number).yaml."))
                return nil
            }
            return definition
        } catch {
            violations.append(Violation(commit: first.commit.hex, caseID: id, step: first.step, rule: .schema, message: "\(error)",
                                        fix: "Corrija schemas/procedimiento-\(number).yaml."))
            return nil
        }
    }

    /// Trailers, sign-off and authority of one expediente commit.
    func checkRecord(_ record: StepRecord, definition: ProcedureDefinition) throws -> [Violation] {
        var found: [Violation] = []
        func flag(_ rule: VerifyRule, _ message: String, _ fix: String) {
            found.append(Violation(commit: record.commit.hex, caseID: record.caseID, step: record.step, rule: rule, message: message, fix: fix))
        }
        let viaFolio = "Registre el paso con folio, que escribe los trailers."
        if !CaseID.isValid(record.caseID) { flag(.trailers, "El trailer Expediente '\(record.caseID)' no es un identificador válido.", viaFolio) }
        if record.procedure != String(definition.number) {
            flag(.trailers, "El trailer Procedimiento dice '\(record.procedure ?? "")' pero el expediente es del procedimiento \(definition.number).", viaFolio)
        }
        if let d = record.decision, record.decisionValue == nil { flag(.trailers, "El trailer Decision dice '\(d)': debe ser si o no.", viaFolio) }
        if let d = record.dependency, CaseID.dependencyCode(d) != d { flag(.trailers, "El trailer Dependencia '\(d)' no es un código válido.", viaFolio) }
        let authorIdentity = "\(record.author.name) <\(record.author.email)>"
        if !record.signedOff.contains(authorIdentity) {
            flag(.signoff, "Falta 'Signed-off-by: \(authorIdentity)': quien realiza el paso lo firma.", viaFolio)
        }
        // folio refuses such text (FOLIO-E064); written by hand it would reach the routing slip and
        // every terminal that shows the message (helper137: an escape sequence redrew a row).
        for (part, value) in [("El asunto del commit", record.subject), ("El texto del commit", record.text),
                              ("El trailer Justificacion", record.justification ?? ""), ("El trailer Excusa", record.excuse ?? "")] {
            if let problem = SafeText.textProblem(value) { flag(.trailers, "\(part): \(problem).", viaFolio + " Un texto así no se registra.") }
        }
        guard let roleText = record.role, let role = Role(rawValue: roleText) else {
            flag(.trailers, "El trailer Rol ('\(record.role ?? "")') falta o no es un rol (\(Role.validIDs)).", viaFolio)
            return found
        }
        let roster: Roster
        do {
            // From the walk's answers for the case (`walkedSources`) when it found them.
            let taken = sourcesFromTheWalk
            roster = try self.roster(at: record.parent ?? record.commit)
            if sourcesFromTheWalk > taken { rostersFromTheWalk += 1 }
        } catch {
            flag(.rolesFile, "roles.yaml del commit anterior no se puede leer: \(error)", "Un jefe corrige roles.yaml.")
            return found
        }
        guard let persona = roster.find(record.author.email) else {
            flag(.author, "El autor \(authorIdentity) no está registrado en roles.yaml (en el commit anterior).",
                 "Un jefe registra a la persona con 'folio roles add' antes de que registre pasos.")
            return found
        }
        // The name shown (status, log, the routing slip) is the commit's: it must be the one roles.yaml
        // gives that e-mail, as folio writes it (helper137: an analyst signed his own step, with his
        // key and e-mail, as "María Rodríguez").
        // Byte for byte: Swift's equality takes another Unicode form of a letter for the same name
        // (helper139: "Garci\u{301}a" passed for "García"), which git log shows as other bytes.
        if !persona.name.utf8.elementsEqual(record.author.name.utf8) {
            flag(.author, "El commit firma como '\(SafeText.visible(record.author.name))' con el correo de \(persona.id), a quien roles.yaml "
                + "(en el commit anterior) llama '\(persona.name)': status, log y la hoja de ruta mostrarían a otra persona.",
                 "Registre el paso con folio, que firma con el nombre de roles.yaml; un paso registrado antes de que un jefe corrigiera el nombre "
                    + "se publica con 'folio sync', que lo firma con el nombre nuevo ('git rebase' lo deja con el anterior).")
        }
        let holders = roster.holders(of: [role]).joined(separator: ", ")
        if !persona.holds(role) {
            flag(.role, "\(persona.id) firmó como \(role.rawValue) pero no tenía ese rol en roles.yaml (en el commit anterior).",
                 holders.isEmpty ? "Un jefe asigna el rol con roles.yaml." : "El paso lo registra quien tiene el rol: \(holders).")
        }
        if let number = record.step, let step = definition.step(number) {
            if !step.roles.contains(role) {
                let roles = step.roles.map(\.rawValue).joined(separator: " o ")
                flag(.role, "El paso \(step.number) del procedimiento \(definition.number) lo realiza \(roles), no \(role.rawValue).",
                     "Lo registra quien tiene el rol \(roles): \(roster.holders(of: step.roles).joined(separator: ", ")).")
            }
            // As a contact (the step's role is theirs as one): someone who is also staff records other
            // dependencies' staff steps (staff36).
            if role.isExternal, let registered = persona.dependency, let d = record.dependency, registered.uppercased() != d {
                flag(.role, "\(persona.id) es el contacto de \(registered), no de \(d).", "El paso de \(d) lo registra su contacto.")
            }
        }
        return found
    }
}
