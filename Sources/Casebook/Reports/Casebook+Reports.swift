import Foundation
import GitStore
import Procedures

/// Where a report reads the case's own files: the work tree (while recording a step) or a commit.
enum ReportSource {
    case workTree
    case commit(OID)

    /// The commit, for a source in history.
    var committed: OID? {
        if case .commit(let commit) = self { return commit }
        return nil
    }
}

extension Casebook {
    /// Files of a case folder (`sub` inside it) from `source`.
    func files(in folder: String, from source: ReportSource) throws -> [String] {
        switch source {
        case .workTree:
            return ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)")) ?? []).sorted()
        case .commit(let commit):
            return try repository.entries(at: folder, in: commit).filter { $0.kind == .blob }.map(\.name).sorted()
        }
    }

    func read(_ file: String, from source: ReportSource) throws -> Data? {
        switch source {
        case .workTree: return FileManager.default.contents(atPath: "\(root)/\(file)")
        case .commit(let commit): return try repository.file(at: file, in: commit)
        }
    }

    /// The consolidated report of a P3 month: this month's files from `source`, earlier months
    /// as committed at `head`.
    func productionReport(id: String, path: String, definition: ProcedureDefinition, schemaCommit: OID, head: OID,
                          source: ReportSource, excused: [(code: String, reason: String)] = []) throws -> ProductionReport {
        guard let rules = definition.production else { throw CasebookError.noProductionData(id) }
        guard let month = caseMonth(id, path: path) ?? Day(iso: String(id.suffix(7)) + "-01") else { throw CasebookError.invalidMonth(id) }
        let catalog = try productCatalog(rules, at: schemaCommit)
        let institution = try settings(at: head).institution
        var rows: [ProductionReport.Row] = []
        var details: [ProductionReport.Detail] = []
        var findings: [(String, ProductionFinding)] = []
        var current: [String: [ProductionLine]] = [:]
        let left = Set(excused.map(\.code))
        // From history, each dependency's figures as its own steps left them (`countedData`).
        let counted = try source.committed.flatMap { try countedData(id, at: $0) }
        for name in try files(in: "\(path)/produccion", from: source) where Self.isDependencyData(name) {
            let dependency = String(name.dropLast(4))
            // The jefe closed the month without it: what it sent unreviewed is not counted.
            guard !left.contains(dependency) else { continue }
            let file = "\(path)/produccion/\(name)"
            let from = counted.map { $0[dependency].map(ReportSource.commit) } ?? source
            guard let from else { continue }
            current[dependency] = try ProductionTable.parse(String(decoding: try read(file, from: from) ?? Data(), as: UTF8.self),
                                                            file: file, catalog: catalog)
        }
        for (dependency, lines) in current.sorted(by: { $0.key < $1.key }) {
            let past = productionHistory(code: definition.code, before: month, dependency: dependency, months: rules.months, at: head,
                                         catalog: catalog)
            let previous = committedProduction(code: definition.code, month: month.monthStart(adding: -1), dependency: dependency,
                                               at: head, catalog: catalog)
            let yearAgo = committedProduction(code: definition.code, month: month.monthStart(adding: -12), dependency: dependency,
                                              at: head, catalog: catalog)
            let found = ProductionCheck.findings(current: lines, history: past, rules: rules)
            findings += found.map { (dependency, $0) }
            for line in lines {
                details.append(.init(dependency: dependency, line: line, previous: previous?.first { $0.key == line.key }?.executed,
                                     yearAgo: yearAgo?.first { $0.key == line.key }?.executed))
            }
            for program in Set(lines.map(\.program)).sorted() {
                let mine = lines.filter { $0.program == program }
                func sum(_ other: [ProductionLine]?) -> Double? {
                    other.map { $0.filter { $0.program == program }.map(\.executed).reduce(0, +) }
                }
                rows.append(.init(program: program, dependency: dependency, programmed: mine.map(\.programmed).reduce(0, +),
                                  executed: mine.map(\.executed).reduce(0, +), previous: sum(previous), yearAgo: sum(yearAgo),
                                  findings: found.filter { $0.program == program }.count))
            }
        }
        rows.sort { ($0.program, $0.dependency) < ($1.program, $1.dependency) }
        var series: [String: [(month: String, executed: Double?)]] = [:]
        // Each product over 13 months, in its own unit: summed over the dependencies of this month.
        func productKey(_ l: ProductionLine) -> String { "\(l.program)|\(l.product)|\(l.unit)" }
        let keys = Set(details.map { productKey($0.line) })
        for back in (0...12).reversed() {
            let m = month.monthStart(adding: -back)
            let label = String(m.description.prefix(7))
            var totals: [String: Double] = [:]
            for dependency in current.keys {
                let lines = back == 0 ? current[dependency]
                    : committedProduction(code: definition.code, month: m, dependency: dependency, at: head, catalog: catalog)
                for line in lines ?? [] where keys.contains(productKey(line)) { totals[productKey(line), default: 0] += line.executed }
            }
            for key in keys { series[key, default: []].append((label, totals[key])) }
        }
        var report = ProductionReport(caseID: id, month: String(month.description.prefix(7)), institution: institution, rows: rows,
                                      details: details, findings: findings, series: series)
        report.excused = excused
        return report
    }

    /// The progress report of a P5 month: every unit's `avance/<CODIGO>.csv` from `source`.
    func progressReport(id: String, path: String, definition: ProcedureDefinition, head: OID, source: ReportSource,
                        excused: [(code: String, reason: String)] = []) throws -> ProgressReport {
        guard let rules = definition.progress else { throw CasebookError.noProductionData(id) }
        let month = caseMonth(id, path: path).map { String($0.description.prefix(7)) } ?? String(id.suffix(7))
        var units: [(String, [ProgressLine])] = []
        let left = Set(excused.map(\.code))
        let counted = try source.committed.flatMap { try countedData(id, at: $0) }
        for name in try files(in: "\(path)/avance", from: source) where Self.isDependencyData(name) && !left.contains(String(name.dropLast(4))) {
            let file = "\(path)/avance/\(name)"
            guard let from = counted.map({ $0[String(name.dropLast(4))].map(ReportSource.commit) }) ?? source else { continue }
            units.append((String(name.dropLast(4)), try ProgressTable.parse(String(decoding: try read(file, from: from) ?? Data(), as: UTF8.self),
                                                                         file: file, noProgressNorm: rules.noProgressNorm)))
        }
        // A project reported by two units would be counted twice (attack36): no report is drawn.
        if let shared = ProgressTable.shared(units).first {
            throw CasebookError.invalidFile(
                file: "\(path)/avance",
                reason: "el proyecto \(shared.snip) lo informan \(shared.units.joined(separator: " y ")) "
                    + "(\(shared.units.map { "avance/\($0).csv" }.joined(separator: ", "))): un proyecto lo informa su unidad ejecutora, "
                    + "y el informe del mes lo contaría dos veces",
                fix: "Que la unidad que no lo ejecuta lo quite de su archivo y lo registre ('folio note \(id) -m \"Corrige cifras\" --as ENLACE'), "
                    + "o que el jefe la excuse; después, vuelva a registrar el paso.")
        }
        var report = ProgressReport(caseID: id, month: month, institution: try settings(at: head).institution, units: units)
        report.excused = excused
        return report
    }

    /// Which dependencies' figures a monthly case's report counts, and the commit to read each
    /// from, by the case's history up to `head`: where a step reviews them (P3-04), a dependency
    /// counts once its part is done, with its figures as the analyst approved them (its last
    /// decision, "sí"), or after a "no" as its last step entered them (P3-05, once corrected), so
    /// that a change made afterwards (a later note, plain git) is in no report;
    /// where none does (P5), every unit that reported counts, with its figures as of the step that
    /// closed the month's round (P5-02), or `head` before it. An excused dependency does not count.
    /// nil for a case without a replay (then the report reads `head`).
    func countedData(_ id: String, at head: OID) throws -> [String: OID]? {
        guard let replay = try replay(id, in: try loadHistory(of: [id], at: head)),
              let block = replay.definition.dependencyBlock else { return nil }
        guard !block.contains(where: { $0.decision != nil }) else { return Self.settledDataCommits(replay) }
        let excused = Set(replay.machine.excused)
        let closing = replay.steps.drop { $0.dependency == nil }.first { $0.dependency == nil }?.commit
        var counted: [String: OID] = [:]
        for thread in replay.machine.threads where !excused.contains(thread.code) { counted[thread.code] = closing ?? head }
        return counted
    }

    /// Where a step reviews a dependency's figures (P3-04): for each dependency not excused, the
    /// commit its figures are settled at: the analyst's approval (its last decision, "sí"), or
    /// after a "no" its last step once its part is done (P3-05, once corrected). No commit after it
    /// changes them (verify's `datos-dependencia`), and the reports read them there.
    static func settledDataCommits(_ replay: CaseReplay) -> [String: OID] {
        let excused = Set(replay.machine.excused)
        var last: [String: OID] = [:]
        var approved: [String: OID] = [:]
        for record in replay.steps {
            guard let code = record.dependency else { continue }
            // An approval fixes the figures; a "no" leaves them open until the step after it.
            if let decided = record.decisionValue { approved[code] = decided ? record.commit : nil }
            if approved[code] == nil || record.decisionValue == true { last[code] = record.commit }
        }
        var settled: [String: OID] = [:]
        for thread in replay.machine.threads where !excused.contains(thread.code) {
            if let commit = approved[thread.code] ?? (thread.next == nil ? last[thread.code] : nil) { settled[thread.code] = commit }
        }
        return settled
    }

    /// The files a step generates into the case, as its schema declares them (`genera:`), each
    /// rendered by `GeneratedFiles` from the data it reads: the case's data files and reports as
    /// committed at `head`, the head's own text of their report from the work tree.
    func generatedFiles(step: StepDefinition, dependency: String?, id: String, path: String, definition: ProcedureDefinition,
                        schemaCommit: OID, head: OID, author: Persona) throws -> [(String, String)] {
        guard !step.generates.isEmpty else { return [] }
        let month = caseMonth(id, path: path).map { String($0.description.prefix(7)) } ?? String(id.suffix(7))
        let excused = try excusedDependencies(id, path: path, head: head)
        func production() throws -> ProductionReport {
            try productionReport(id: id, path: path, definition: definition, schemaCommit: schemaCommit, head: head, source: .commit(head),
                                 excused: excused)
        }
        func progress() throws -> ProgressReport {
            try progressReport(id: id, path: path, definition: definition, head: head, source: .commit(head), excused: excused)
        }
        var files: [(String, String)] = []
        for generator in step.generates {
            switch generator {
            case .productionReview:
                guard let dependency else { continue }
                let checked = try review(id: id, path: path, dependency: dependency, definition: definition, schemaCommit: schemaCommit,
                                         head: head, committed: true)
                files += GeneratedFiles.review(checked, dependency: dependency, month: month)
            case .consolidatedReport:
                files += GeneratedFiles.consolidated(try production(), month: month)
            case .progressReport:
                files += GeneratedFiles.progress(try progress(), month: month)
            case .headReport:
                let figures: String
                if definition.progress != nil {
                    figures = try progress().headSummary(head: author.name)
                } else {
                    figures = try production().headSummary(head: author.name)
                }
                let file = "\(path)/\(Generator.headReport.files(month: month, dependency: nil)[0])"
                let existing = try FileManager.default.contents(atPath: "\(root)/\(file)").map { try TextFile.decode($0, file: file) }
                files += GeneratedFiles.headReport(figures: figures, existing: existing, caseID: id, month: month)
            }
        }
        return files
    }

    /// The dependencies the jefe closed the case's round without, with the reasons, as of `head`.
    func excusedDependencies(_ id: String, path: String, head: OID) throws -> [(code: String, reason: String)] {
        guard let replay = try replay(id, in: try loadHistory(at: head)) else { return [] }
        return roundStatus(replay, path: path, roster: try roster(at: head))?.excused ?? []
    }

    /// Regenerates a case's reports from history (HEAD) into `directory`; returns the files written.
    public func regenerateReports(caseID: String, into directory: String) throws -> [String] {
        let head = try head()
        let (id, path) = try locate(caseID, head: head)
        let history = try loadHistory(at: head)
        guard let replay = try replay(id, in: history) else { throw CasebookError.unknownCase(id) }
        let jefe = try roster(at: head).personas.first { $0.holds(.jefe) }?.name ?? "Jefe de Departamento"
        let outputs: [(String, String)]
        let excused = try excusedDependencies(id, path: path, head: head)
        if replay.definition.progress != nil {
            let report = try progressReport(id: id, path: path, definition: replay.definition, head: head, source: .commit(head),
                                            excused: excused)
            outputs = [("avance-\(report.month).md", report.markdown), ("avance-\(report.month).csv", report.csv),
                       ("avance-\(report.month).html", report.html), ("informe-jefatura-\(report.month).md", report.headSummary(head: jefe)),
                       ("informe-jefatura-\(report.month).html", HTMLPage.fromMarkdown(report.headSummary(head: jefe), title: "Informe de la jefatura — \(id)"))]
        } else if replay.definition.production != nil {
            let report = try productionReport(id: id, path: path, definition: replay.definition, schemaCommit: replay.opening.commit,
                                              head: head, source: .commit(head), excused: excused)
            outputs = [("consolidado-\(report.month).md", report.markdown), ("consolidado-\(report.month).csv", report.csv),
                       ("consolidado-\(report.month).html", report.html), ("informe-jefatura-\(report.month).md", report.headSummary(head: jefe)),
                       ("informe-jefatura-\(report.month).html", HTMLPage.fromMarkdown(report.headSummary(head: jefe), title: "Informe de la jefatura — \(id)"))]
        } else {
            throw CasebookError.noProductionData(id)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The head's report keeps the head's own text, as committed: only the marked figures are drawn again.
        let committedHead = try outputs.first { $0.0.hasPrefix("informe-jefatura-") && $0.0.hasSuffix(".md") }
            .flatMap { try repository.file(at: "\(path)/informe/\($0.0)", in: head) }.map { String(decoding: $0, as: UTF8.self) }
        return try outputs.map { name, text in
            let file = "\(directory)/\(name)"
            var output = text
            if name.hasPrefix("informe-jefatura-"), let committedHead {
                let merged = GeneratedSection.merge(existing: committedHead, generated: outputs.first { $0.0 == name.replacingOccurrences(of: ".html", with: ".md") }?.1 ?? text)
                output = name.hasSuffix(".md") ? merged : HTMLPage.fromMarkdown(merged, title: "Informe de la jefatura — \(id)")
            }
            try Data(output.utf8).write(to: URL(fileURLWithPath: file))
            return file
        }
    }
}
