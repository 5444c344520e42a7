import Foundation
import GitStore
import Procedures

/// One problem `folio check` found in a file of the work tree.
public struct CaseProblem: Codable, Equatable, Sendable, CustomStringConvertible {
    /// The file, relative to the repository's root.
    public var file: String
    public var message: String
    /// The parser's own words (English), for a YAML file it refused; never in the human output.
    public var detail: String? = nil
    /// Whether `message` already says how to put it right (a symbolic link, a name clash), so
    /// that a refusal does not add the YAML header's fix to it. Not part of `check --json`.
    var carriesFix = false

    public var description: String { "\(file): \(message)" }

    private enum CodingKeys: String, CodingKey {
        case file, message, detail
    }
}

/// What `folio check` found.
public struct CheckReport: Codable, Equatable, Sendable {
    public var ok: Bool
    /// Expedientes checked.
    public var cases: Int
    public var problems: [CaseProblem]
    /// Files of the work tree that differ from the last commit: valid or not, they are not part of
    /// the history `folio verify` reads until a step or a note records them.
    public var unrecorded: [String] = []
}

extension Casebook {
    /// Validates the work tree without committing: every expediente's front matter against its
    /// procedure's JSON Schema and its own id and procedure, the other documents' front matter,
    /// and (when no case is named) `roles.yaml`, `folio.yaml` and `schemas/`. Suitable as a git
    /// pre-commit hook.
    public func check(caseID: String? = nil) throws -> CheckReport {
        let head = try repository.headCommit()
        var problems: [CaseProblem] = []
        var folders = workTreeCases()
        if let caseID {
            let id = caseID.uppercased()
            guard CaseID.isValid(id) else { throw CasebookError.invalidID(caseID) }
            folders = folders.filter { $0.id == id }
            if folders.isEmpty { throw CasebookError.unknownCase(id) }
        } else {
            problems += configurationProblems()
        }
        // A case is checked against the JSON Schema committed with its opening commit.
        let history = try loadHistory(at: head)
        for folder in folders {
            let opening = history.records(of: folder.id).first?.commit ?? head
            let procedure = (try? caseDocument("expediente.md", in: folder.path))??["procedimiento"].flatMap(Requirement.number)
            let found = try caseProblems(id: folder.id, path: folder.path, procedure: procedure.map { Int($0) }, schemaCommit: opening)
            problems += found
            // An editor's leftover a step or a note would refuse (FOLIO-E076): one already
            // committed is verify's warning, not the work tree's problem (staff33).
            for file in try newLeftovers(within: [folder.path], parent: head) where !found.contains(where: { $0.file == file }) {
                problems.append(CaseProblem(file: file, message: "es \(EditorLeftover.kind(of: GitPath.name(file)) ?? "un archivo temporal del editor"), "
                                                + "que un editor deja junto al archivo que edita, no un documento del expediente: un paso o una nota "
                                                + "no se registran mientras esté (FOLIO-E076). Ciérrelo en el editor o bórrelo.", carriesFix: true))
            }
            if let head { problems += try unknownDependencyFolders(folder.id, path: folder.path, history: history, head: head) }
        }
        let scope = caseID.flatMap { id in folders.first.map(\.path) }
        let unrecorded = ((try? repository.changes()) ?? []).map(\.path)
            .filter { path in scope.map { GitPath.isInside(path, $0) } ?? true }.sorted()
        if let head {
            problems += try archiveProblems(changed: unrecorded, folders: folders, head: head)
            let roster = try roster(at: head)
            problems += dataProblems(changed: unrecorded, roster: roster)
            problems += try expectedListProblems(changed: unrecorded, roster: roster, head: head)
            // For a case named: a change of its list committed by someone who is not a jefe, which
            // status shows as damage (staff21: check said nothing of it). Not for every case: the
            // hook's check would replay them all.
            if caseID != nil, let folder = folders.first, let replay = try replay(folder.id, in: history),
               let foreign = try foreignListChange(replay, path: folder.path, head: head) {
                problems.append(CaseProblem(file: "\(folder.path)/expediente.md", message: foreign.text(folder.id),
                                            carriesFix: true))
            }
        }
        return CheckReport(ok: problems.isEmpty, cases: folders.count, problems: problems, unrecorded: unrecorded)
    }

    /// What the work tree changed of each case's archive against HEAD (so that the pre-commit hook
    /// stops a plain commit the shared repository would refuse): an archived document deleted or
    /// overwritten (put back with the archived bytes, it is no problem), an index edited by hand.
    /// Only the changed files are read.
    func archiveProblems(changed: [String], folders: [(id: String, path: String)], head: OID) throws -> [CaseProblem] {
        var problems: [CaseProblem] = []
        let changedSet = Set(changed)
        for folder in folders where changed.contains(where: { GitPath.isInside($0, folder.path) }) {
            let indexFile = "\(folder.path)/\(ArchiveIndex.fileName)"
            guard let data = try repository.file(at: indexFile, in: head),
                  let index = try? ArchiveIndex.parse(String(decoding: data, as: UTF8.self), file: indexFile) else { continue }
            if changedSet.contains(indexFile) {
                do { try requireIndexAsCommitted(id: folder.id, path: folder.path) } catch let error as CasebookError {
                    problems.append(CaseProblem(file: indexFile, message: Self.reason(of: error), carriesFix: true))
                }
            }
            // A new file in the archive folders with an archived document's bytes: a copy the next step or note would refuse.
            let archived = Set(index.documentos.map { "\(folder.path)/\($0.archivo)" })
            for file in changed where GitPath.isInside(file, folder.path + "/anexos") || GitPath.isInside(file, folder.path + "/dependencias") {
                guard !archived.contains(file), !file.hasSuffix(".md"), FileManager.default.fileExists(atPath: "\(root)/\(file)") else { continue }
                let sha = try Digest.sha256(ofFile: "\(root)/\(file)").sha256
                let dependency = Self.dependencyFolder(GitPath.relative(file, to: folder.path) ?? file)
                guard let same = ArchiveIndex.copied(in: index.documentos, sha256: sha, dependency: dependency, replacing: nil) else { continue }
                problems.append(CaseProblem(file: file, message: "tiene el mismo contenido que el folio \(same.folio) (\(same.archivo)): es una copia, "
                    + "y el próximo paso o nota la rechazaría. Bórrela ('git rm -f \(SafeText.shellWord(file))' si git ya la registró, si no 'rm \(SafeText.shellWord(file))').",
                                            carriesFix: true))
            }
            for document in index.documentos where changedSet.contains("\(folder.path)/\(document.archivo)") {
                let file = "\(folder.path)/\(document.archivo)"
                let version = "una versión nueva se incorpora como folio nuevo desde otro archivo: 'folio attach \(folder.id) OTRO-ARCHIVO --replaces \(document.folio)'."
                guard FileManager.default.fileExists(atPath: "\(root)/\(file)") else {
                    problems.append(CaseProblem(file: file, message: "es el folio \(document.folio) del índice y falta (se borró o se le cambió el nombre): "
                        + "un documento archivado no se borra. Restáurelo con '\(ArchiveIndex.restoreCommand(file))' (y quite la copia con otro nombre, si la hay); " + version,
                                                carriesFix: true))
                    continue
                }
                if try Digest.sha256(ofFile: "\(root)/\(file)").sha256 != document.sha256 {
                    problems.append(CaseProblem(file: file, message: "es el folio \(document.folio) del índice y cambió: un documento archivado no se sobrescribe. "
                        + "Guarde su versión con otro nombre fuera del expediente, restaure la archivada con '\(ArchiveIndex.restoreCommand(file))', y " + version,
                                                carriesFix: true))
                }
            }
        }
        return problems
    }

    /// A changed `dependencias_esperadas` in a case's `expediente.md`, when the person committing
    /// (git's `user.email`) is not a jefe: their step or note, and the shared repository, refuse it
    /// (`expectedListChange`).
    func expectedListProblems(changed: [String], roster: Roster, head: OID) throws -> [CaseProblem] {
        let who = ((try? repository.configuredIdentity()) ?? nil).flatMap { roster.find($0.email) }
        var problems: [CaseProblem] = []
        for file in changed {
            let parts = GitPath.components(file, omittingEmpty: false)
            guard parts.count == 4, parts[0] == "cases", parts[3] == "expediente.md" else { continue }
            // An item that is no code, whoever wrote it (a jefe's step or note refuses it too).
            if let item = badExpectedItem(path: parts.dropLast().joined(separator: "/")) {
                let text = Self.badExpectedItemText(item)
                problems.append(CaseProblem(file: file, message: "\(text.reason). \(text.fix)", carriesFix: true))
            }
            guard who?.holds(.jefe) != true,
                  try workTreeListChange(path: parts.dropLast().joined(separator: "/"), head: head) != nil else { continue }
            problems.append(CaseProblem(file: file, message: "cambia '\(Self.expectedField)': qué dependencias espera la ronda lo dice el jefe, "
                                        + "y el repositorio compartido rechaza el cambio de otra persona [role]. Deshágalo ('git restore \(SafeText.shellWord(file))' "
                                        + "si no cambió nada más) y pida al jefe que lo registre con 'folio note'; para cerrar sin una dependencia, 'folio excusar'.",
                                        carriesFix: true))
        }
        return problems
    }

    /// What the shared repository would refuse of the changed files of the dependencies' folders,
    /// whoever commits them (`ruleDependencyData`): a review changed by hand (only its step writes
    /// it), and the data of a code no contact in `roster` answers for.
    func dataProblems(changed: [String], roster: Roster) -> [CaseProblem] {
        var problems: [CaseProblem] = []
        for file in changed {
            let parts = GitPath.components(file, omittingEmpty: false)
            guard parts.count == 5, parts[0] == "cases", Self.dependencyDataFolders.contains(parts[3]) else { continue }
            let name = parts[4]
            if Self.isDependencyReview(name) {
                let code = String(name.dropLast("-revision.md".count))
                problems.append(CaseProblem(file: file, message: "la revisión de los datos de \(code) la escribe folio en el paso que la genera (03); "
                                            + "un cambio a mano lo rechaza el repositorio compartido [datos-dependencia]. Deshágalo con 'git restore \(file)'.",
                                            carriesFix: true))
            } else if Self.isDependencyData(name) {
                let code = String(name.dropLast(4))
                guard !roster.personas.contains(where: { $0.isContact(of: code) }) else { continue }
                problems.append(CaseProblem(file: file, message: "no hay en roles.yaml un enlace registrado de \(code): los datos de una dependencia "
                                            + "solo los registra su enlace, y el repositorio compartido rechaza cualquier otro commit que los traiga "
                                            + "[datos-dependencia]. Registre al enlace ('folio roles add ... --dependency \(code)', un jefe) o quite el archivo.",
                                            carriesFix: true))
            }
        }
        return problems
    }

    /// The expediente folders of the work tree, `cases/<AAAA>/<ID>`.
    func workTreeCases() -> [(id: String, path: String)] {
        let fm = FileManager.default
        var result: [(String, String)] = []
        for year in ((try? fm.contentsOfDirectory(atPath: root + "/cases")) ?? []).sorted() where Int(year) != nil {
            for id in ((try? fm.contentsOfDirectory(atPath: "\(root)/cases/\(year)")) ?? []).sorted() {
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: "\(root)/cases/\(year)/\(id)", isDirectory: &isDir), isDir.boolValue {
                    result.append((id, "cases/\(year)/\(id)"))
                }
            }
        }
        return result
    }

    /// The problems of one case folder on disk.
    func caseProblems(id: String, path: String, procedure: Int?, schemaCommit: OID?) throws -> [CaseProblem] {
        let file = "\(path)/expediente.md"
        var problems: [CaseProblem] = []
        if !CaseID.isValid(id) {
            problems.append(CaseProblem(file: path, message: "el nombre de la carpeta no es un identificador válido (mayúsculas, dígitos y guiones)"))
        }
        problems += folderProblems(path)
        guard let data = FileManager.default.contents(atPath: "\(root)/\(file)") else {
            return problems + [CaseProblem(file: file, message: "falta: todo expediente tiene su expediente.md con encabezado YAML")]
        }
        do {
            let document = try FrontMatterDocument.parse(data: data, file: file)
            if let procedure, let commit = schemaCommit, let schema = try frontMatterSchema(procedure, at: commit) {
                problems += schema.problems(document.plainFields).map { CaseProblem(file: file, message: $0 + " [\(schema.source)]") }
            } else if procedure == nil {
                problems.append(CaseProblem(file: file, message: "falta el campo 'procedimiento' (número del 1 al 7)"))
            }
            if let field = document.unsafeField {
                let text = FrontMatterDocument.unsafeFieldText(field)
                problems.append(CaseProblem(file: file, message: text.reason + ". " + text.fix, carriesFix: true))
            }
            for key in ["id", "procedimiento", "titulo", "abierto"] where document.string(key).isEmpty
                && !problems.contains(where: { $0.message.contains("'\(key)'") }) {
                problems.append(CaseProblem(file: file, message: "falta el campo obligatorio '\(key)'"))
            }
            if !document.string("id").isEmpty, document.string("id") != id {
                // (The field edited by hand is the common case, helper134: the rename back alone read as the fix.)
                problems.append(CaseProblem(file: file, message: "el campo 'id' dice '\(document.string("id"))' pero la carpeta es \(id). "
                    + "El identificador de un expediente no cambia: si se editó el campo, devuélvale su valor ('id: \(id)'; "
                    + "'git log -p -1 -- \(SafeText.shellWord(file))' muestra el último cambio registrado). "
                    + "Si la carpeta se renombró, devuélvale su nombre ('git mv \(SafeText.shellWord(path)) cases/AAAA/\(document.string("id"))'); "
                    + "un expediente nuevo se abre con 'folio new'.", carriesFix: true))
            }
        } catch let error as CasebookError {
            problems.append(CaseProblem(file: file, message: error.detail, detail: error.parserText))
        }
        if let procedure, let commit = schemaCommit, let rules = try definition(procedure, at: commit)?.production {
            problems += productionProblems(path: path, rules: rules, schemaCommit: commit)
        }
        if let procedure, let commit = schemaCommit, let rules = try definition(procedure, at: commit)?.progress {
            var units: [(code: String, lines: [ProgressLine])] = []
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(path)/avance")) ?? []).sorted() where name.hasSuffix(".csv") {
                let file = "\(path)/avance/\(name)"
                do {
                    let text = try TextFile.decode(FileManager.default.contents(atPath: "\(root)/\(file)") ?? Data(), file: file)
                    let lines = try ProgressTable.parse(text, file: file, noProgressNorm: rules.noProgressNorm, entry: true)
                    if Self.isDependencyData(name) { units.append((String(name.dropLast(4)), lines)) }
                } catch let error as CasebookError {
                    problems.append(CaseProblem(file: file, message: error.detail, detail: error.parserText))
                }
            }
            // A project two units report (attack36): said on each one's file, so that the unit that
            // reports it second is refused at its step.
            for shared in ProgressTable.shared(units) {
                for code in shared.units {
                    let others = shared.units.filter { $0 != code }.joined(separator: ", ")
                    problems.append(CaseProblem(file: "\(path)/avance/\(code).csv",
                                                message: "el proyecto \(shared.snip) también lo informa \(others): un proyecto lo informa su unidad "
                                                    + "ejecutora, y el informe del mes lo contaría dos veces. Quítelo del archivo de la unidad que no lo ejecuta.",
                                                carriesFix: true))
                }
            }
        }
        let others = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(path)")) ?? []
        for name in others.sorted() where name.hasSuffix(".md") && name != "expediente.md" {
            do {
                _ = try caseDocument(name, in: path)
            } catch let error as CasebookError {
                problems.append(CaseProblem(file: "\(path)/\(name)", message: error.detail, detail: error.parserText))
            }
        }
        return problems
    }

    /// A folder `dependencias/<CODE>/` not committed yet whose code the department does not know
    /// for the case (`unknownDependencyFolders`): the note or step that would record it refuses it
    /// (FOLIO-E075), so check says so first, with the code it most likely meant (staff34: a
    /// document dropped in `HAG/` for HGA). A jefe's list in the work tree counts, as the jefe's note would record it.
    func unknownDependencyFolders(_ id: String, path: String, history: History, head: OID) throws -> [CaseProblem] {
        guard let replay = try replay(id, in: history) else { return [] }
        let noun = partyNoun(replay.definition).one
        return try unknownDependencyFolders(replay, path: path, scope: [path], roster: roster(at: head), head: head, jefeList: true).map { found in
            let guess = CasebookError.closest(found.code, in: found.known).map { " ¿Quiso decir \($0)?" } ?? ""
            let known = found.known.isEmpty ? "no conoce ninguna" : "conoce " + found.known.joined(separator: ", ")
            return CaseProblem(file: found.folder, message: "es la carpeta de '\(found.code)', que no es ninguna \(noun) que el departamento conozca para "
                                   + "este expediente (\(known)).\(guess) Una nota o un paso no la registran (FOLIO-E075): mueva sus documentos a la carpeta que corresponde.",
                               carriesFix: true)
        }
    }

    /// What no case folder may hold: symbolic links (git would keep the link, and folio would read
    /// what it points to, outside the case), and names that differ only in upper/lower case (they
    /// are one file on Windows and macOS).
    func folderProblems(_ path: String) -> [CaseProblem] {
        var problems: [CaseProblem] = []
        var seen: [String: String] = [:]
        var walker = FolderWalk("\(root)/\(path)")
        while let entry = walker.next() {
            let relative = entry.relative, full = "\(root)/\(path)/\(relative)"
            if entry.isLink {
                // Emacs's lock (`.#acta.md`) is a link to nowhere while the file is open (attack33).
                let leftover = EditorLeftover.kind(of: GitPath.name(relative)).map {
                    "es \($0), un enlace simbólico que el editor deja mientras el archivo está abierto, no un documento del expediente. "
                        + "Guarde y cierre el archivo en el editor, o bórrelo ('rm \(SafeText.shellWord("\(path)/\(relative)"))'), y repita el comando."
                }
                problems.append(CaseProblem(file: "\(path)/\(relative)",
                                            message: leftover ?? "es un enlace simbólico: un expediente guarda archivos, no enlaces. Copie el archivo en su lugar.",
                                            carriesFix: true))
                walker.skipDescendants()
                continue
            }
            // produccion/ and avance/ hold each dependency's <CODE>.csv and folio's reviews, and
            // nothing else: the shared repository refuses a commit that adds anything else there.
            let parts = GitPath.components(relative, omittingEmpty: false)
            if parts.count == 2, Self.dependencyDataFolders.contains(parts[0]),
               !Self.isDependencyData(parts[1]), !Self.isDependencyReview(parts[1]) {
                // Renaming is offered only for a near name of a code whose file is not there (hro.csv,
                // "HRO .csv", HRÓ.csv); a copy, a backup or a folder is taken away, never renamed over
                // the real file.
                var isFolder: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: full, isDirectory: &isFolder)
                let near = parts[1].lowercased().hasSuffix(".csv") ? String(parts[1].dropLast(4)) : nil
                let code = near.flatMap { CaseID.dependencyCode($0.folding(options: .diacriticInsensitive, locale: nil)
                    .trimmingCharacters(in: .whitespaces)) }
                let fix: String
                if let code, !isFolder.boolValue, !FileManager.default.fileExists(atPath: "\(root)/\(path)/\(parts[0])/\(code).csv") {
                    fix = "Si son los datos de \(code), renómbrelo a \(parts[0])/\(code).csv; si no, quítelo de la carpeta."
                } else {
                    fix = "Sáquelo de la carpeta (o bórrelo)" + (code.map { "; \(parts[0])/\($0).csv es el archivo de \($0) y queda como está." } ?? ".")
                }
                problems.append(CaseProblem(
                    file: "\(path)/\(relative)",
                    message: "en \(parts[0])/ solo van los datos de cada dependencia, \(parts[0])/<CODIGO>.csv con el código en mayúsculas "
                        + "(y las revisiones que escribe folio): el repositorio compartido rechaza un commit que agregue otro archivo "
                        + "[datos-dependencia]. " + fix,
                    carriesFix: true))
                walker.skipDescendants()
                continue
            }
            let key = relative.precomposedStringWithCanonicalMapping.lowercased()
            if let other = seen[key] {
                problems.append(CaseProblem(file: "\(path)/\(relative)",
                                            message: "choca con \(path)/\(other): solo difieren en mayúsculas, minúsculas o acentos, y en Windows y macOS serían el mismo archivo. Cambie uno de los nombres.",
                                            carriesFix: true))
            }
            seen[key] = relative
        }
        return problems
    }

    /// `roles.yaml`, `folio.yaml` and `schemas/` as they are in the work tree.
    func configurationProblems() -> [CaseProblem] {
        var problems: [CaseProblem] = []
        func read(_ file: String) -> String? {
            FileManager.default.contents(atPath: "\(root)/\(file)").map { String(decoding: $0, as: UTF8.self) }
        }
        let checks: [(String, (String) throws -> Void)] = [
            (Roster.fileName, { text in
                // A contact with no code (`dependencia:` left empty, null or ~) is read, but can record
                // nothing (FOLIO-E017 when it acts): said here, before it tries (attack27).
                let roster = try Roster.parse(text)
                if let contact = roster.personas.first(where: { $0.isOnlyContact && $0.dependency == nil }) {
                    throw CasebookError.invalidFile(file: Roster.fileName,
                                                    reason: "'\(SafeText.visible(contact.id))' es enlace (\(contact.roles.map(\.rawValue).joined(separator: ", "))) y no tiene 'dependencia:' con su código: no podrá registrar nada",
                                                    fix: "Escriba el código de su dependencia ('dependencia: HGE') o quítele el rol.")
                }
            }),
            (Settings.fileName, { _ = try Settings.parse($0) }),
        ] + (1...7).map { n in (SchemaLibrary.path(for: n), { _ = try ProcedureDefinition.load(yaml: $0, source: SchemaLibrary.path(for: n)) }) }
        for (file, parse) in checks {
            guard let text = read(file) else {
                problems.append(CaseProblem(file: file, message: "falta el archivo"))
                continue
            }
            do { try parse(text) } catch let error as CasebookError {
                problems.append(CaseProblem(file: file, message: error.detail, detail: error.parserText))
            } catch {
                problems.append(CaseProblem(file: file, message: "\(error)"))
            }
        }
        for n in 1...7 {
            let file = SchemaLibrary.schemaPath(for: n)
            if let data = FileManager.default.contents(atPath: "\(root)/\(file)"), (try? JSONSchema(data: data, source: file)) == nil {
                problems.append(CaseProblem(file: file, message: "no es un JSON Schema legible"))
            }
        }
        return problems
    }
}

extension CasebookError {
    /// The message without the file name in front, for reports that name the file themselves.
    var detail: String {
        switch self {
        case .invalidFile(_, let reason, let fix), .invalidYAML(_, let reason, let fix, _): return "\(reason). \(fix)"
        default: return description
        }
    }

    /// The parser's original text, for a YAML error.
    var parserText: String? {
        if case .invalidYAML(_, _, _, let parser) = self { return parser }
        return nil
    }
}
