import Foundation
import GitStore
import Procedures

/// What the check of a dependency's month found, with the history behind it.
public struct ProductionReview: Sendable, Codable {
    public var caseID: String
    public var month: String
    public var dependency: String
    /// Earlier months found in the repository, oldest first.
    public var monthsCompared: [String]
    public var findings: [ProductionFinding]
    /// Months of history needed before a value is judged atypical (`minimo_meses`).
    public var minimumMonths: Int = 0
    /// The git blob id of the data file reviewed, for a review of committed figures (the one step
    /// 03 commits, as `datos_revisados`): verify compares it with the figures that step's commit
    /// holds, and step 04 with the figures it approves.
    public var reviewedData: String? = nil

    /// The front matter field that names the figures a committed review read.
    static let reviewedDataField = "datos_revisados"
}

extension Casebook {
    /// The month of a monthly case (`mes`, else the id's `AAAA-MM`).
    func caseMonth(_ id: String, path: String) -> Day? {
        let document = (try? caseDocument("expediente.md", in: path)) ?? nil
        let text = document?["mes"].map { Requirement.text($0) } ?? String(id.suffix(7))
        return Day(iso: text + "-01")
    }

    /// The month of a monthly case as `expediente.md` held it at `commit` (`mes`, else the id's
    /// `AAAA-MM`): what verify judges a step of the month by.
    func committedMonth(_ id: String, path: String, at commit: OID) throws -> Day? {
        let written = try caseFields(path, at: commit)?.month ?? ""
        return Day(iso: (written.isEmpty ? String(id.suffix(7)) : written) + "-01")
    }

    /// The product catalogue named by `rules`, as committed at `commit`.
    func productCatalog(_ rules: ProductionRules, at commit: OID) throws -> ProductCatalog {
        let path = "\(SchemaLibrary.directory)/\(rules.catalog)"
        guard let data = try repository.file(at: path, in: commit) else {
            throw CasebookError.invalidFile(file: path, reason: "falta el catálogo de productos", fix: "Restaure el archivo en schemas/.")
        }
        return try ProductCatalog.parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// The path of `file` (inside the case) in the monthly case of procedure `code` for `month`:
    /// `cases/AAAA/CODE-AAAA-MM/file`.
    static func monthFile(code: String, month: Day, _ file: String) -> String {
        "cases/\(month.year)/\(String(format: "%@-%04d-%02d", code, month.year, month.month))/\(file)"
    }

    /// A dependency's lines of `month` as committed at `commit`; nil when that month or that
    /// dependency has no file, or the file is unreadable.
    /// `settled` false: the file as committed, settled or not (a template's lines, whose figures
    /// are left empty).
    /// `asOf`: a later commit of the line whose view of the months serves `commit` too (verify
    /// writing a review again at an old step): a month's figures count where they were settled,
    /// as `asOf` knows it, only if that settlement came before `commit`; a settlement does not move
    /// once made, so this is the month as `commit` saw it, with one replay per month for all.
    func committedProduction(code: String, month: Day, dependency: String, at commit: OID, catalog: ProductCatalog,
                             settled: Bool = true, asOf: OID? = nil) -> [ProductionLine]? {
        let path = Self.monthFile(code: code, month: month, ProductionTable.path(for: dependency))
        if !settled {
            guard let data = try? repository.file(at: path, in: commit) else { return nil }
            return try? ProductionTable.parse(String(decoding: data, as: UTF8.self), file: path, catalog: catalog)
        }
        // The month's figures as its report counts them (`countedData`): where they were settled,
        // and none of a dependency excused or still in review.
        let id = "\(code)-\(month.description.prefix(7))"
        let view = asOf ?? commit
        let key = id + "@" + view.hex
        if countedMonths[key] == nil { countedMonths[key] = .some((try? countedData(id, at: view)) ?? nil) }
        // A month no valid commit opened (folders planted with plain git, attack16w) has no
        // figures that count.
        guard let counted = countedMonths[key] ?? nil, let settled = counted[dependency] else { return nil }
        if let asOf {
            guard let then = try? linePosition(settled, tip: asOf), let now = try? linePosition(commit, tip: asOf),
                  then <= now else { return nil }
        }
        let at = settled
        guard let data = try? repository.file(at: path, in: at) else { return nil }
        return try? ProductionTable.parse(String(decoding: data, as: UTF8.self), file: path, catalog: catalog)
    }

    /// The same dependency's earlier months found at `commit`, most recent first.
    func productionHistory(code: String, before month: Day, dependency: String, months: Int, at commit: OID,
                           catalog: ProductCatalog, asOf: OID? = nil) -> [(month: String, lines: [ProductionLine])] {
        (1...max(1, months)).compactMap { back in
            let m = month.monthStart(adding: -back)
            return committedProduction(code: code, month: m, dependency: dependency, at: commit, catalog: catalog, asOf: asOf)
                .map { (String(m.description.prefix(7)), $0) }
        }
    }

    /// `commit`'s place on the first-parent line up to `tip` (0 for the root), nil when it is not
    /// on it; the line is read once per tip.
    func linePosition(_ commit: OID, tip: OID) throws -> Int? {
        if lineIndex?.tip != tip {
            let line = try repository.commitIDs(from: tip, firstParent: true)  // oldest first
            lineIndex = (tip, Dictionary(line.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first }))
        }
        return lineIndex?.positions[commit]
    }

    /// Checks a dependency's month (the file in the work tree) against its history in the
    /// repository, as step 03 of procedure 3 asks ("en concordancia con el historial de producción").
    public func reviewProduction(caseID: String, dependency raw: String) throws -> ProductionReview {
        let head = try head()
        let (id, path) = try locate(caseID, head: head)
        let history = try loadHistory(at: head)
        guard let replay = try replay(id, in: history) else { throw CasebookError.unknownCase(id) }
        let dependency = try dependencyCode(raw, replay: replay, path: path, roster: try roster(at: head), head: head)
        return try review(id: id, path: path, dependency: dependency, definition: replay.definition, schemaCommit: replay.opening.commit,
                          head: head)
    }

    /// `committed`: the figures as committed at `head` (step 03's review, which does not commit
    /// them), not the work tree's (`folio check-production`, before they are recorded).
    func review(id: String, path: String, dependency: String, definition: ProcedureDefinition, schemaCommit: OID,
                head: OID, committed: Bool = false, month given: Day? = nil, asOf: OID? = nil) throws -> ProductionReview {
        guard let rules = definition.production else { throw CasebookError.noProductionData(id) }
        guard let month = given ?? caseMonth(id, path: path) else { throw CasebookError.invalidMonth(id) }
        let catalog = try productCatalog(rules, at: schemaCommit)
        let file = "\(path)/\(ProductionTable.path(for: dependency))"
        guard let data = committed ? try repository.file(at: file, in: head) : FileManager.default.contents(atPath: "\(root)/\(file)") else {
            throw CasebookError.missingProductionFile(file: file, dependency: dependency)
        }
        let current = try ProductionTable.parse(try TextFile.decode(data, file: file), file: file, catalog: catalog)
        let past = productionHistory(code: definition.code, before: month, dependency: dependency, months: rules.months, at: head,
                                     catalog: catalog, asOf: asOf)
        return ProductionReview(caseID: id, month: String(month.description.prefix(7)), dependency: dependency,
                                monthsCompared: past.map(\.month).reversed(),
                                findings: ProductionCheck.findings(current: current, history: past, rules: rules),
                                minimumMonths: rules.minimumMonths, reviewedData: committed ? Self.gitBlobID(data) : nil)
    }

    /// Problems of the production files of a case on disk (every `produccion/*.csv`).
    func productionProblems(path: String, rules: ProductionRules, schemaCommit: OID) -> [CaseProblem] {
        let folder = "\(root)/\(path)/produccion"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".csv") }.sorted()
        guard !files.isEmpty else { return [] }
        let catalog: ProductCatalog
        do { catalog = try productCatalog(rules, at: schemaCommit) } catch {
            return [CaseProblem(file: "\(SchemaLibrary.directory)/\(rules.catalog)", message: "\(error)")]
        }
        return files.compactMap { name in
            let file = "\(path)/produccion/\(name)"
            do {
                let text = try TextFile.decode(FileManager.default.contents(atPath: "\(root)/\(file)") ?? Data(), file: file)
                _ = try ProductionTable.parse(text, file: file, catalog: catalog)
                return nil
            } catch let error as CasebookError {
                return CaseProblem(file: file, message: error.detail)
            } catch {
                return CaseProblem(file: file, message: "\(error)")
            }
        }
    }
}

extension ProductionReview {
    /// With too little history nothing can be called usual or atypical: the review says so (nil
    /// when there are enough earlier months).
    public var shortHistory: String? {
        guard monthsCompared.count < minimumMonths else { return nil }
        return "Historial insuficiente: \(Spanish.count(monthsCompared.count, "mes anterior", "meses anteriores")), y se necesitan "
            + "\(minimumMonths) para juzgar si un valor es atípico. Solo se revisan los ceros, los productos nuevos o ausentes y la "
            + "ejecución frente a lo programado."
    }

    /// What the review says when it found nothing.
    public var noFindings: String {
        shortHistory == nil ? "Sin hallazgos: los valores están dentro de lo habitual." : "Sin hallazgos en lo que se pudo revisar."
    }

    /// The findings as the Markdown document saved with step 03 (`produccion/<CODIGO>-revision.md`).
    public var markdown: String {
        var lines = ["---", "dependencia: \(dependency)", "mes: \(month)", "hallazgos: \(findings.count)",
                     "meses_comparados: \(monthsCompared.count)"]
            + (reviewedData.map { ["\(Self.reviewedDataField): \($0)"] } ?? [])
            + ["---", "",
                     "# Revisión de la producción de \(dependency), \(month)", "",
                     "Comparada con \(Spanish.count(monthsCompared.count, "mes anterior", "meses anteriores")) de la misma dependencia en el repositorio"
                        + (monthsCompared.isEmpty ? "." : " (\(monthsCompared.first!) a \(monthsCompared.last!))."), ""]
        if let shortHistory { lines += [shortHistory, ""] }
        if findings.isEmpty {
            lines.append(noFindings)
        } else {
            lines += ["| Tipo | Programa | Producto | Observación |", "|---|---|---|---|"]
            let cell = SafeText.markdownCell
            lines += findings.map { "| \(Self.label($0.kind)) | \(cell($0.program)) | \(cell($0.product)) | \(cell($0.message)) |" }
            lines += ["", "## Historial", ""]
            for f in findings where !f.history.isEmpty {
                lines.append("- \(f.product): " + f.history.map { "\($0.month) \(ProductionCheck.show($0.executed))" }.joined(separator: " · "))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The Spanish name of a finding's kind.
    public static func label(_ kind: String) -> String {
        ["atipico": "valor atípico", "cero": "cero repentino", "desaparecido": "producto ausente", "nuevo": "producto nuevo",
         "sobre_programado": "muy sobre lo programado", "sub_ejecutado": "bajo lo programado"][kind] ?? kind
    }
}
