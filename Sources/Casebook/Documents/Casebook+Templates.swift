import Foundation
import GitStore
import Procedures

/// Templates of the documents a step needs (`dependencias/<CODIGO>/revision.md`, `solicitud.md`,
/// `informe-avance.md`...): every required field empty, with comments in Spanish.
extension Casebook {
    /// The Markdown documents `step` needs, with their paths inside the case and their templates.
    /// A document that later steps ask more of (P6's `solicitud.md`: it must exist at 01 and be
    /// complete for 04 'sí') gets every field any step asks of it, so it is filled in once.
    static func templates(for step: StepDefinition, dependency: String?, year: Int? = nil,
                          definition: ProcedureDefinition) -> [(path: String, text: String)] {
        let all = definition.norms.flatMap { norm in norm.requirements.flatMap { r in r.documents.map { (norm: norm, step: r.step, rule: $0) } } }
        var seen = Set<String>()
        return all.filter { $0.step == step.number && $0.rule.path.lowercased().hasSuffix(".md") }.compactMap { item -> (String, String)? in
            guard seen.insert(item.rule.path).inserted else { return nil }
            // Every norm's rule on this document, this step's first.
            var parts: [(norm: Norm?, rule: DocumentRule)] = []
            for other in all.filter({ $0.rule.path == item.rule.path }).sorted(by: { ($0.step != step.number ? 1 : 0) < ($1.step != step.number ? 1 : 0) })
            where !parts.contains(where: { $0.norm?.number == other.norm.number && $0.rule == other.rule }) {
                parts.append((other.norm, other.rule))
            }
            let file = item.rule.path(dependency: dependency, year: year)
            return (file, DocumentRule.template(path: file, step: step.number, procedure: definition.number, parts: parts))
        }
    }

    /// Every template `step` needs in the case at `path`: its Markdown documents, and its table (a
    /// dependency's month of production, P3; an executing unit's month of progress, P5).
    func templates(for step: StepDefinition, dependency: String?, year: Int? = nil, definition: ProcedureDefinition,
                   caseID: String, path: String, head: OID) -> [(path: String, text: String)] {
        Self.templates(for: step, dependency: dependency, year: year, definition: definition)
            + tableTemplates(for: step, dependency: dependency, definition: definition, caseID: caseID, path: path, head: head)
    }

    /// The CSV `step` asks of a dependency, as a template: the header the file must carry, then
    /// the lines of the same dependency's previous month (program and product, or project, with
    /// their unit and goal; the month's figures empty, to be filled in), else, for production,
    /// one line per product of the catalogue. A line for something the dependency does not
    /// report is deleted; an empty figure is refused at the step, naming its line and column.
    func tableTemplates(for step: StepDefinition, dependency: String?, definition: ProcedureDefinition,
                        caseID: String, path: String, head: OID) -> [(path: String, text: String)] {
        guard let dependency else { return [] }
        let asked = definition.norms.flatMap { $0.requirements.filter { $0.step == step.number }.flatMap(\.documents) }
            .map { $0.path(dependency: dependency) }
        let previous = caseMonth(caseID, path: path).map { $0.monthStart(adding: -1) }
        var result: [(path: String, text: String)] = []
        if let rules = definition.production, asked.contains(ProductionTable.path(for: dependency)) {
            let catalog = try? productCatalog(rules, at: head)
            let lines: [[String]]
            var style = CSVStyle.standard
            if let previous, let catalog, let last = committedProduction(code: definition.code, month: previous, dependency: dependency,
                                                                          at: head, catalog: catalog, settled: false), !last.isEmpty {
                lines = last.map { [$0.program, $0.product, $0.unit, "", "", ""] }
                let file = Self.monthFile(code: definition.code, month: previous, ProductionTable.path(for: dependency))
                style = (try? repository.file(at: file, in: head)).flatMap { $0 }.map(CSVStyle.init(of:)) ?? .standard
            } else {
                lines = (catalog?.products ?? []).map { [$0.program, $0.product, $0.unit, "", "", ""] }
            }
            result.append((ProductionTable.path(for: dependency), Self.csv(header: ProductionTable.columns, lines: lines, style: style)))
        }
        if definition.progress != nil, asked.contains(ProgressTable.path(for: dependency)) {
            var lines: [[String]] = []
            var style = CSVStyle.standard
            if let previous {
                let file = Self.monthFile(code: definition.code, month: previous, ProgressTable.path(for: dependency))
                if let data = try? repository.file(at: file, in: head),
                   let last = try? ProgressTable.parse(String(decoding: data, as: UTF8.self), file: file, noProgressNorm: nil) {
                    style = CSVStyle(of: data)
                    lines = last.map { [$0.snip, $0.project, $0.unit, style.figure($0.goal), "", "", "", ""] }
                }
            }
            result.append((ProgressTable.path(for: dependency), Self.csv(header: ProgressTable.columns, lines: lines, style: style)))
        }
        return result
    }

    /// How a dependency saved its last file: a template is written the same way, so that the
    /// spreadsheet that saved it (one in Spanish saves ';', decimal commas, often a byte-order
    /// mark and CRLF) opens it in columns.
    struct CSVStyle {
        var separator: Character = ","
        var bom = false
        var crlf = false

        static let standard = CSVStyle()

        init() {}

        init(of data: Data) {
            bom = data.starts(with: [0xEF, 0xBB, 0xBF])
            let text = String(decoding: data.prefix(4096), as: UTF8.self)
            crlf = text.contains("\r\n")
            if let header = text.split(separator: "\n").first { separator = ProductionTable.separator(ofHeader: header) }
        }

        /// A quantity as this style writes it: a decimal comma in a ';' file.
        func figure(_ value: Double) -> String {
            let text = Casebook.figure(value)
            return separator == ";" ? text.replacingOccurrences(of: ".", with: ",") : text
        }
    }

    /// A CSV text in `style`, each field as `SafeText.csvField` writes it.
    static func csv(header: [String], lines: [[String]], style: CSVStyle = .standard) -> String {
        let end = style.crlf ? "\r\n" : "\n"
        return (style.bom ? "\u{FEFF}" : "") + ([header] + lines).map { line in
            line.map { SafeText.csvField($0, separator: style.separator) }.joined(separator: String(style.separator))
        }.joined(separator: end) + end
    }

    /// A quantity as a CSV holds it: without ".0" when whole.
    static func figure(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// Writes the templates among `templates` whose file is not in the case folder yet (only those
    /// in `only`, when given); returns the paths written, from the repository's root.
    func write(templates: [(path: String, text: String)], in casePath: String, only: Set<String>? = nil) throws -> [String] {
        var written: [String] = []
        for (file, text) in templates where only?.contains(file) ?? true {
            guard !file.contains("..") else { continue }
            let relative = "\(casePath)/\(file)"
            let full = "\(root)/\(relative)"
            // Never through a link: a template is written only inside the case's own folders.
            try WorkTreeEdit(root: root, scratch: repository.gitdir + "folio/tmp").refuseLinks(in: relative)
            guard !FileManager.default.fileExists(atPath: full) else { continue }
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: full), options: .atomic)
            } catch {
                throw CasebookError.fileSystem(path: relative, action: "escribir", reason: SystemError.explain(errno))
            }
            written.append(relative)
        }
        return written
    }

    /// `folio step ID [PASO] --template`: writes the templates of the documents the step needs
    /// that the case does not have yet, and records nothing. Returns the paths written and those
    /// that were already there.
    public func writeTemplates(for request: StepRequest) throws -> (written: [String], existing: [String]) {
        try writing {
            let head = try head()
            let (id, path) = try locate(request.caseID, head: head)
            guard let replay = try replay(id, in: try loadHistory(at: head)) else { throw CasebookError.unknownCase(id) }
            let roster = try roster(at: head)
            let dependency = try request.dependency.map { try dependencyCode($0, replay: replay, path: path, roster: roster, head: head) }
            let step = try chooseStep(request.step, dependency: dependency, replay: replay)
            let all = templates(for: step, dependency: dependency,
                                year: replay.definition.cycleYear(calendar: calendar(of: replay, month: nil), today: clock.day(clock.now)),
                                definition: replay.definition, caseID: id, path: path, head: head)
            if dependency == nil && step.perDependency {
                throw CasebookError.invalidValue(option: "--template", reason: "el paso \(step.number) es de cada dependencia",
                                                fix: "Indique --dependency CODIGO.")
            }
            guard !all.isEmpty else {
                throw CasebookError.invalidValue(option: "--template", reason: "el paso \(step.number) del procedimiento \(replay.definition.number) no pide ningún documento",
                                                fix: "Registre el paso sin --template.")
            }
            if all.contains(where: { $0.path.contains("{dependencia}") || $0.path.contains("//") }) {
                throw CasebookError.invalidValue(option: "--template", reason: "el documento del paso \(step.number) es de una dependencia",
                                                fix: "Indique --dependency CODIGO.")
            }
            let written = try write(templates: all, in: path)
            return (written, all.map { "\(path)/\($0.path)" }.filter { !written.contains($0) })
        }
    }

    /// The templates of the documents the first step of `procedure` needs, by file name (for
    /// `folio new N --template`, written beside the person's other files and then attached).
    public func templatesForNew(procedure: String) throws -> [(name: String, text: String)] {
        let head = try head()
        guard let definition = try definitions(at: head).first(where: {
            String($0.number) == procedure || $0.code.lowercased() == procedure.lowercased()
        }) else { throw CasebookError.unknownProcedure(procedure) }
        return Self.templates(for: definition.steps[0], dependency: nil, definition: definition).map {
            (GitPath.name($0.path), $0.text)
        }
    }
}
