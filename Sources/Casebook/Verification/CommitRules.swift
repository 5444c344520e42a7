import Foundation
import GitStore
import Procedures
import SSHSignatures

/// What verify knows of one commit of the shared line, gathered once and read by the rules.
///
/// Authority comes from `base`: the one parent (the root commit is its own base, the trust anchor).
struct CommitFacts {
    var commit: CommitInfo
    var record: StepRecord?
    /// The commit whose `roles.yaml` and `folio.yaml` rule this one: its first parent, or itself for the root.
    var base: OID
    var parent: CommitInfo?
    /// `roles.yaml` at `base`; nil when it cannot be read (`rosterError` says why).
    var roster: Roster?
    var rosterError: String?
    var settings: Settings
    /// What the commit changed at the grain of a case: `cases/<AAAA>/<ID>` folders, and every
    /// other top-level entry or file (`roles.yaml`, `folio.yaml`, `schemas`, `cases/x.txt`,
    /// `cases/2026/x.txt`...).
    var units: [ChangedUnit]
    /// The previous commit of the same case, for a case commit (its date bounds this one's).
    var previousInCase: DateBounds.Dated?
    /// Whether this commit is the first of the whole line (the root).
    var isRoot: Bool

    /// Changed units that are not an expediente folder `cases/<AAAA>/<ID>`.
    var outsideCases: [String] { units.filter { !$0.isCaseFolder }.map(\.path) }
    var caseFolders: [String] { units.filter(\.isCaseFolder).map(\.path) }
    var unitPaths: [String] { units.map(\.path) }
    /// Whether the configuration in force after the commit may differ from its parent's: a root,
    /// or a change beside the case folders (`configurationSource(after:)` judges it).
    var mayChangeConfiguration: Bool { commit.parents.isEmpty || units.contains { !$0.isCaseFolder } }

    /// Whether `unit` has the shape of a case folder's path: three components, none empty, the
    /// first `cases` (as `GitPath.components(unit, omittingEmpty: false)` would cut it). Read in
    /// place: the rules ask it of every unit of every commit.
    static func isCaseFolder(_ unit: String) -> Bool {
        let bytes = unit.utf8, slash = UInt8(ascii: "/")
        guard bytes.starts(with: "cases/".utf8) else { return false }
        let rest = bytes.dropFirst(6)
        guard let cut = rest.firstIndex(of: slash), cut != rest.startIndex else { return false }
        let last = rest[rest.index(after: cut)...]
        return !last.isEmpty && !last.contains(slash)
    }

    var author: String { "\(commit.author.name) <\(commit.author.email)>" }

    /// `caseID`: the case a commit without folio's trailers changed, for the pages and reports that
    /// list a case's findings (attack36: the dashboard said verify found nothing in a case a
    /// plain-git edit had changed).
    func violation(_ rule: VerifyRule, _ message: String, _ fix: String, severity: Severity? = nil, caseID: String? = nil) -> Violation {
        Violation(commit: commit.id.hex, caseID: record?.caseID ?? caseID, step: record?.step, rule: rule, message: message, fix: fix,
                  severity: severity)
    }
}

extension VerifyRule {
    /// The rule of a change to `files` beside the case folders (`schemas` or `schemas/` for the folder):
    /// `roles-file` for roles.yaml alone, `schemas` for the procedures alone, `guarded` otherwise.
    static func guarding(_ files: [String]) -> VerifyRule {
        if files == [Roster.fileName] { return .rolesFile }
        return files.allSatisfy { $0 == SchemaLibrary.directory || $0 == SchemaLibrary.directory + "/" } ? .schemas : .guarded
    }
}

/// One thing a commit changed, at the grain of a case.
struct ChangedUnit: Equatable {
    var path: String
    /// An expediente folder `cases/<AAAA>/<ID>`: that shape, and a folder in a year folder on each
    /// side that has it. A file, link or submodule put in a year folder, or a case folder turned
    /// into one, is not (helper131: `cases/2026/x.txt` by an analyst was taken for a case and
    /// only warned about): a change beside the case folders, for a jefe.
    var isCaseFolder: Bool
    /// Its name is twice in its folder on one side, or out of git's order there (a crafted tree:
    /// `EntryChange.repeated`).
    var repeated = false
}

/// How to take `commit` (hex) out of a branch that is not published: a rebase that drops its line
/// (deleting the only line of the list, for the last commit, makes git do nothing; and a clone
/// without a remote named origin has no 'origin/main' to rebase on). staff21.
func dropFix(_ commit: String) -> String {
    let short = String(commit.prefix(7))
    return "Si el commit no está publicado, quítelo de su rama ('git rebase -i \(short)~1' y cambie 'pick' por 'drop' en la línea de \(short))"
}

/// How to get a shared branch that git made non-linear back onto one line.
let linearFix = "La rama compartida es una sola línea: publique con 'folio sync', que reproduce su trabajo local encima del "
    + "remoto sin fusiones. Si un 'git pull' creó la fusión: 'git reset --hard <commit anterior a la fusión>' y luego "
    + "'folio sync' (o 'git rebase origin/main'); si ya está publicada, un jefe vuelve a registrar los pasos con folio."

extension Casebook {
    /// The git configuration key that pins a clone's root commit (set by `folio init` and by the first `folio sync`).
    public static let rootKey = "folio.raiz"

    /// The facts of `commit`: its base, the roster and settings there, and what it changed.
    /// `previous` is the commit a walk read before this one: when it is the first parent, it is
    /// not read again.
    func facts(of commit: CommitInfo, record: StepRecord?, isRoot: Bool, previousInCase: DateBounds.Dated?,
               previous: CommitInfo? = nil) throws -> CommitFacts {
        let base = commit.parents.first ?? commit.id
        var roster: Roster?, rosterError: String?
        do { roster = try self.roster(at: base) } catch { rosterError = "\(error)" }
        let settings = (try? self.settings(at: base)) ?? .standard
        let parent = try commit.parents.first.map { $0 == previous?.id ? previous! : try repository.commit($0) }
        return CommitFacts(commit: commit, record: record, base: base, parent: parent, roster: roster, rosterError: rosterError,
                           settings: settings, units: try changedUnits(of: commit), previousInCase: previousInCase, isRoot: isRoot)
    }

    /// The units a commit changed against its first parent (everything, for a root).
    func changedUnits(of commit: CommitInfo) throws -> [ChangedUnit] {
        let parent = commit.parents.first
        var units: [ChangedUnit] = []
        for top in try repository.entryChanges(at: "", from: parent, to: commit.id) {
            guard top.name == "cases", top.isFolderThroughout else {
                units.append(ChangedUnit(path: top.name, isCaseFolder: false, repeated: top.repeated))
                continue
            }
            // `cases/` or a year folder twice, or out of order, is a unit of its own though it is a
            // folder throughout (helper137: `[cases as the parent had it, a copy of cases]` passed,
            // each look-up reading the first copy, a clone checking out the second).
            if top.repeated { units.append(ChangedUnit(path: top.name, isCaseFolder: false, repeated: true)) }
            for year in try repository.entryChanges(at: "cases", from: parent, to: commit.id) {
                let yearPath = "cases/\(year.name)"
                guard year.isFolderThroughout else { units.append(ChangedUnit(path: yearPath, isCaseFolder: false, repeated: year.repeated)); continue }
                if year.repeated { units.append(ChangedUnit(path: yearPath, isCaseFolder: false, repeated: true)) }
                for entry in try repository.entryChanges(at: yearPath, from: parent, to: commit.id) {
                    let path = "\(yearPath)/\(entry.name)"
                    units.append(ChangedUnit(path: path, isCaseFolder: entry.isFolderThroughout && CommitFacts.isCaseFolder(path), repeated: entry.repeated))
                }
            }
        }
        return units
    }

    /// Every rule that looks at one commit on its own (not at the procedure of its case).
    /// Other checks of a single commit add one line here.
    func commitRules(_ facts: CommitFacts) throws -> [Violation] {
        // The archive indexes parsed for this commit (by the content check, for `ruleArchive`).
        indexesParsed.removeAll(keepingCapacity: true)
        var found = ruleLinear(facts)
        found += try ruleSignature(facts)
        found += try ruleGuarded(facts)
        found += try ruleCase(facts)
        // The content check first: it reads each changed expediente.md, which the rule of the
        // dependencies' data then asks about (`expectedList(_:blob:)`).
        let content = try checkContent(facts.commit)
        found += try ruleDependencyData(facts)
        found += ruleOutsideFolio(facts)
        found += try ruleContactScope(facts)
        found += ruleDate(facts)
        found += try registerFindings(facts.commit)
        found += content
        found += try ruleCaseFile(facts)
        found += try ruleArchive(facts)
        if !found.contains(where: \.isError) { found += try ruleConfirms(facts) }
        return found
    }

    /// A change of the configuration that counts, made on top of files that were not in force (a
    /// change that broke a rule, left in the work tree), takes that change in too: said as a
    /// warning naming the commits whose change it confirms (attack45: a jefe's plain-git edit of
    /// roles.yaml in a clone that had taken an analyst's forged one made the analyst a jefe).
    func ruleConfirms(_ facts: CommitFacts) throws -> [Violation] {
        guard facts.record == nil, !facts.outsideCases.isEmpty, let parent = facts.commit.parents.first,
              let (commits, source, uncounted) = try uncountedConfigurationChange(at: parent) else { return [] }
        let shorts = commits.map(\.short)
        let kept = try uncountedFilesKept(by: facts.commit.id, parent: parent, source: source)
        if !kept.isEmpty {
            return [facts.violation(VerifyRule.guarding(kept), "El cambio de \(Spanish.list(facts.outsideCases)) no cuenta: el commit deja \(Spanish.list(kept)) como "
                + "\(shorts.count == 1 ? "lo dejó el commit" : "lo dejaron los commits") \(Spanish.list(shorts)), que no cumple\(shorts.count == 1 ? "" : "n") las reglas, "
                + "y un cambio que cuenta parte de la configuración vigente.",
                                    "Un jefe restaura antes lo vigente ('git checkout \(String(source.hex.prefix(12))) -- \(kept.joined(separator: " "))') en un "
                                        + "commit suyo y repite después este cambio.", severity: .warning)]
        }
        // What still differs from the configuration in force (a jefe who put it back confirms nothing).
        func id(_ file: String, _ commit: OID) throws -> OID? { try repository.entryID(at: file.hasSuffix("/") ? String(file.dropLast()) : file, in: commit) }
        let files = try uncounted.filter { try id($0, facts.commit.id) != id($0, source) }
        guard !files.isEmpty else { return [] }
        return [facts.violation(VerifyRule.guarding(files), "El commit cambia \(Spanish.list(facts.outsideCases)) partiendo de \(Spanish.list(files)) que no "
            + "\(files.count == 1 ? "era el vigente" : "eran los vigentes"): confirma también lo que \(shorts.count == 1 ? "cambió el commit" : "cambiaron los commits") "
            + "\(Spanish.list(shorts)) sin cumplir las reglas.",
                                "Si eso no se quería, un jefe lo deshace con un commit suyo ('git diff \(shorts[0])~1 \(facts.commit.id.short) -- \(files.joined(separator: " "))' muestra todo lo que cambió).",
                                severity: .warning)]
    }

    /// A dependency's monthly data (`produccion/<CODIGO>.csv`, `avance/<CODIGO>.csv`) is written,
    /// changed or removed only by a commit whose author is that dependency's registered contact (in
    /// the parent's roster): its own step 01 or its note. Another dependency's contact, the
    /// department's staff and a stranger cannot plant or change figures that reports and reviews
    /// read, with folio's trailers or with plain git. The root commit is the trust anchor.
    func ruleDependencyData(_ facts: CommitFacts) throws -> [Violation] {
        guard let parent = facts.commit.parents.first else { return [] }
        var found: [Violation] = []
        let author = facts.roster?.find(facts.commit.author.email)
        for folder in facts.caseFolders {
            func flag(_ message: String, _ fix: String) {
                found.append(Violation(commit: facts.commit.id.hex, caseID: GitPath.name(folder), step: facts.record?.step,
                                       rule: .dependencyData, message: message,
                                       fix: dropFix(facts.commit.id.hex) + "; " + fix))
            }
            // A case folder the commit takes away (deleted, or moved from another year) changes no
            // list: the move is the rule expediente's finding (attack34: it gave two list findings besides).
            let moved = try repository.entry(at: folder, in: facts.commit.id) == nil
                || (try repository.entry(at: folder, in: parent) == nil && casePath(GitPath.name(folder), at: parent).map { $0 != folder } == true)
            if !moved, let change = try expectedListChange("\(folder)/expediente.md", from: parent, to: facts.commit.id, author: author) {
                let show = { (codes: Set<String>?) in codes.map { $0.isEmpty ? "ninguna" : $0.sorted().joined(separator: ", ") } ?? "los enlaces de roles.yaml" }
                found.append(Violation(commit: facts.commit.id.hex, caseID: GitPath.name(folder), step: facts.record?.step,
                                       rule: .role,
                                       message: "El commit cambia las dependencias que espera la ronda (dependencias_esperadas: de \(show(change.before)) a "
                                           + "\(show(change.after))) y su autor, \(author?.id ?? facts.author), no es jefe: abrir o cerrar una ronda lo decide el jefe.",
                                       fix: dropFix(facts.commit.id.hex) + "; si ya se publicó, un jefe lo revierte ('git revert "
                                           + "\(facts.commit.id.short)'). Después, la lista que corresponda la escribe el jefe y la registra con "
                                           + "'folio note'; para cerrar sin una dependencia, el jefe usa 'folio excusar'."))
            }
            // A list written with an item that names no dependency, by anyone, with folio or plain git.
            if let bad = try newBadExpectedItem("\(folder)/expediente.md", from: parent, to: facts.commit.id) {
                let text = Self.badExpectedItemText(bad)
                flag("El commit escribe en \(folder)/expediente.md \(text.reason).", "el jefe lo corrige con 'folio note'. \(text.fix)")
            }
            found += try unknownDependencyFolders(facts, folder: folder, parent: parent)
            for sub in Self.dependencyDataFolders {
                let path = "\(folder)/\(sub)"
                guard try repository.entry(at: path, in: parent)?.id != repository.entry(at: path, in: facts.commit.id)?.id else { continue }
                for name in try repository.changedEntries(at: path, from: parent, to: facts.commit.id) {
                    if Self.isDependencyReview(name) {
                        // A dependency's review is folio's reading of its figures (P3-03): only the step
                        // that generates it writes it, for that dependency.
                        let code = String(name.dropLast("-revision.md".count))
                        guard try !writesReview(facts, of: code) else { continue }
                        flag("El commit cambia \(path)/\(name), la revisión de los datos de \(code), y no es el paso que la genera para \(code): "
                                + "la revisión la escribe folio en ese paso, y nadie más la cambia.",
                             "la revisión se escribe de nuevo con 'folio step ID 03 --dependency \(code)' cuando el procedimiento lo permite.")
                        continue
                    }
                    guard Self.isDependencyData(name) else {
                        // A near name (hro.csv, HRO.CSV, "HRO .csv", HRÓ.csv), a copy, a folder: no
                        // reader takes it for a dependency's data, and no one may plant it there
                        // (taking it away is a clean-up).
                        guard try repository.entry(at: "\(path)/\(name)", in: facts.commit.id) != nil else { continue }
                        flag("El commit cambia \(path)/\(SafeText.visible(name)): en \(sub)/ solo van los datos de cada dependencia, "
                                + "<CODIGO>.csv con el código en mayúsculas, y las revisiones que escribe folio (<CODIGO>-revision.md).",
                             "los datos de una dependencia los registra su enlace con 'folio step ID 01 --dependency CODIGO'.")
                        continue
                    }
                    let code = String(name.dropLast(4))
                    if author?.isContact(of: code) == true { continue }
                    let who = author.map { p in p.dependency.map { "el enlace de \($0.uppercased())" } ?? "\(p.id), que no es el enlace de \(code)" }
                        ?? "\(facts.author), que no está en roles.yaml"
                    flag("El commit cambia \(path)/\(name), los datos de \(code), y su autor es \(who): los datos de una dependencia solo los escribe su enlace registrado (su paso 01 o su nota).",
                         "los datos los registra o corrige el enlace de \(code): 'folio step ID 01 --dependency \(code)', o 'folio note ID' hecha por él.")
                }
            }
        }
        return found
    }

    /// A commit that adds the case's folder `dependencias/<CODE>/` for a code the department did not
    /// know (no contact of the parent's roster, not in `dependencias_esperadas` before or after),
    /// as folio refuses it (FOLIO-E075, attack34): a warning, since a code known only from the
    /// case's own history (a contact removed since) is not seen from one commit; a dependency's
    /// own step is judged whole by the replay (FOLIO-P13).
    func unknownDependencyFolders(_ facts: CommitFacts, folder: String, parent: OID) throws -> [Violation] {
        let deps = "\(folder)/dependencias"
        guard try repository.entry(at: deps, in: parent)?.id != repository.entry(at: deps, in: facts.commit.id)?.id else { return [] }
        var found: [Violation] = []
        for name in try repository.changedEntries(at: deps, from: parent, to: facts.commit.id) {
            let sub = "\(deps)/\(name)"
            guard let code = CaseID.dependencyCode(name), facts.record?.dependency != code,
                  try repository.entry(at: sub, in: parent) == nil, try repository.entry(at: sub, in: facts.commit.id) != nil,
                  facts.roster?.personas.contains(where: { $0.dependency.flatMap(CaseID.dependencyCode) == code }) != true else { continue }
            let file = "\(folder)/expediente.md"
            let listed = try [parent, facts.commit.id].contains { try expectedList(file, at: repository.entry(at: file, in: $0)).codes?.contains(code) == true }
            guard !listed else { continue }
            found.append(Violation(commit: facts.commit.id.hex, caseID: GitPath.name(folder), step: facts.record?.step, rule: .dependencyData,
                                   message: "El commit agrega \(SafeText.visible(sub))/, la carpeta de '\(code)', y '\(code)' no era ninguna dependencia que "
                                       + "el departamento conociera para el expediente (ni enlace en roles.yaml ni en 'dependencias_esperadas'): "
                                       + "sus documentos quedan como de una dependencia que nadie registró.",
                                   fix: "Mueva esos documentos a la carpeta de la dependencia que corresponde con 'folio note'; si '\(code)' es una "
                                       + "dependencia nueva, un jefe registra su enlace ('folio roles add') o la agrega a 'dependencias_esperadas'.",
                                   severity: .warning))
        }
        return found
    }

    /// Whether the commit is a step, for dependency `code`, that the case's procedure says writes
    /// the dependency's review (`genera: [revision-produccion]`).
    private func writesReview(_ facts: CommitFacts, of code: String) throws -> Bool {
        guard let record = facts.record, let step = record.step, record.dependency == code,
              let number = record.procedure.flatMap(Int.init),
              let definition = try definition(number, at: facts.base) else { return false }
        return definition.step(ProcedureDefinition.normalize(step: step))?.generates.contains(.productionReview) == true
    }

    /// Every case folder a commit changes and leaves in place is a case: its name is a case id,
    /// it holds its `expediente.md` as a file (without it the case can be neither read nor
    /// stepped; a deletion is not a change the content check sees, and a folder of that name hides
    /// what it holds), and, where the commit adds it, no other year's folder holds the same id.
    /// A case folder the commit removes (deleted or moved, with or without folio's trailers) is a
    /// finding of its own: an expediente is not deleted.
    func ruleCaseFile(_ facts: CommitFacts) throws -> [Violation] {
        var found: [Violation] = []
        let parent = facts.commit.parents.first
        func removed(_ folder: String, from parent: OID) {
            let id = GitPath.name(folder)
            found.append(Violation(commit: facts.commit.id.hex, caseID: id, step: facts.record?.step, rule: .caseExists,
                                   message: "El commit quita la carpeta del expediente \(id) (\(folder)): se borró o se movió fuera de folio. Un expediente no se borra.",
                                   fix: "Si aún falta, " + Self.restoreFix(id, (folder, parent))
                                       + " Si ya se restauró, este hallazgo queda como constancia del borrado."))
        }
        // A name twice in the root, cases/ or a year folder, or out of git's order there: which
        // one a program reads is its own choice (helper134: a cases/ listing 2026 twice, a copy
        // without a case first, passed, and each later step of a 2026 case committed the others'
        // deletion). So did a roles.yaml twice, identical or the parent's first and another after
        // it: `folio roles` reads the first copy, another program may read the second.
        for unit in facts.units where unit.repeated {
            found.append(Violation(commit: facts.commit.id.hex, caseID: nil, step: facts.record?.step, rule: .content,
                                   message: "\(SafeText.visible(unit.path)) aparece dos veces o fuera del orden de git en su carpeta: un árbol "
                                       + "que git no escribe ('git fsck' lo rechaza: duplicateEntries, treeNotSorted), del que cada programa "
                                       + "leería una versión distinta.",
                                   fix: dropFix(facts.commit.id.hex) + "; el repositorio compartido lo rechaza si tiene 'receive.fsckObjects' "
                                       + "(véase el README); si ya se publicó, un jefe escribe el árbol bien con un commit suyo."))
        }
        // A case folder, a year folder or cases/ itself turned into a file (or a link, a
        // submodule) is no case folder now: the case folders the parent had there are gone too
        // (helper132: a jefe's file in a case folder's place was taken without a finding).
        if let parent {
            for unit in facts.units where !unit.isCaseFolder && GitPath.isWithin(unit.path, "cases") {
                for folder in try caseFolders(within: unit.path, at: parent)
                where try repository.entry(at: folder, in: facts.commit.id)?.mode != 0o040000 {
                    removed(folder, from: parent)
                }
            }
        }
        for folder in facts.caseFolders {
            guard let kind = try repository.entry(at: folder, in: facts.commit.id), kind.mode == 0o040000 else {
                if let parent, try repository.entry(at: folder, in: parent)?.mode == 0o040000, CaseID.isValid(GitPath.name(folder)) {
                    removed(folder, from: parent)
                }
                continue
            }
            let parts = GitPath.components(folder)
            let existed = try parent.flatMap { try repository.entry(at: folder, in: $0) }?.mode == 0o040000
            func flag(_ rule: VerifyRule, _ message: String, _ fix: String) {
                found.append(Violation(commit: facts.commit.id.hex, caseID: parts[2], step: facts.record?.step, rule: rule,
                                       message: message, fix: fix))
            }
            guard CaseID.isValid(parts[2]) else {
                flag(.caseExists, "\(folder) no es la carpeta de un expediente: '\(parts[2])' no es un identificador de expediente (letras mayúsculas, cifras y guiones, como PI-2026-0001).",
                     dropFix(facts.commit.id.hex) + "; si ya se publicó, un jefe quita la carpeta ('git rm -r \"\(folder)\"') en un commit suyo. "
                        + "Los expedientes los abre 'folio new'; un documento va en la carpeta de su expediente ('folio attach ID ARCHIVO').")
                continue
            }
            // One case, one folder: a copy added in another year's folder would take the honest
            // steps of the case for edits of a folder they do not touch. Judged where it is added.
            if !existed {
                for year in try repository.entries(at: "cases", in: facts.commit.id) where year.kind == .tree && year.name != parts[1] {
                    let twin = "cases/\(year.name)/\(parts[2])"
                    guard try repository.entryMode(named: parts[2], inTree: year.id) == 0o040000 else { continue }
                    flag(.caseExists, "El expediente \(parts[2]) está en dos carpetas de año: \(folder) y \(twin). Un expediente vive en una sola.",
                         "Quite la copia que este commit agregó ('git rm -r \(folder)') y registre los cambios con 'folio note'.")
                }
            }
            let file = "\(folder)/expediente.md"
            let entry = try repository.entry(at: file, in: facts.commit.id)
            guard entry.map({ $0.mode == 0o100644 || $0.mode == 0o100755 }) != true else { continue }
            let what = entry == nil ? "falta" : "no es un archivo (es una carpeta, un enlace o un submódulo)"
            let before = try parent.flatMap { try repository.entry(at: file, in: $0) }.map { $0.mode == 0o100644 || $0.mode == 0o100755 } == true
            flag(.content, "\(file) \(what) en este commit: el expediente no se puede leer ni recibir pasos.",
                 before ? "Restáurelo ('git checkout \(parent?.short ?? "") -- \(file)') y registre el cambio con 'folio note'."
                        : "Quite la carpeta ('git rm -r \(folder)'); los expedientes los abre 'folio new', con su expediente.md.")
        }
        return found
    }

    /// The case folders (`cases/<AAAA>/<ID>`, a valid id, a folder) at `commit` that are `path` or
    /// inside it, for `path` `cases`, a year folder or a case folder.
    func caseFolders(within path: String, at commit: OID) throws -> [String] {
        let parts = GitPath.components(path)
        guard parts.first == "cases", parts.count <= 3, try repository.entry(at: path, in: commit)?.mode == 0o040000 else { return [] }
        if parts.count == 3 { return CaseID.isValid(parts[2]) ? [path] : [] }
        let years = parts.count == 2 ? [parts[1]] : try repository.entries(at: "cases", in: commit).filter { $0.kind == .tree }.map(\.name)
        var folders: [String] = []
        for year in years {
            folders += try repository.entries(at: "cases/\(year)", in: commit)
                .filter { $0.kind == .tree && CaseID.isValid($0.name) }.map { "cases/\(year)/\($0.name)" }
        }
        return folders
    }

    /// One line: no merge commit; a commit without parents only as the first, and the pinned root when set.
    func ruleLinear(_ facts: CommitFacts) -> [Violation] {
        let c = facts.commit
        if c.parents.count > 1 {
            // One walk for all the other parents (a commit may list thousands: a walk each made the
            // hook's time grow with their number times the history's length).
            let found = (try? repository.roots(reachableFrom: Array(c.parents.dropFirst()), hiding: c.parents[0])) ?? []
            var roots = found.prefix(5).map(\.short)
            if found.count > 5 { roots.append("y \(found.count - 5) más") }
            let second = roots.isEmpty ? "" : "; trae otra raíz (\(roots.joined(separator: ", "))) con su propio roles.yaml"
            return [facts.violation(.linear, "El commit es una fusión (merge) de \(c.parents.count) padres\(second): la rama compartida "
                + "es una sola línea y la autoridad de cada commit sale del roles.yaml de su único padre.", linearFix)]
        }
        if c.parents.isEmpty {
            if !facts.isRoot {
                return [facts.violation(.root, "El commit no tiene padre: es una segunda raíz, una historia ajena con su propio roles.yaml.",
                                        linearFix)]
            }
            if let pinned = pinnedRoot(missedBy: c.id) {
                return [facts.violation(.root, Self.foreignRootText(c.id.short, pinned: pinned), Self.foreignRootFix)]
            }
        }
        return []
    }

    /// What verify says of a root other than the pinned one.
    static func foreignRootText(_ root: String, pinned: String) -> String {
        guard isCommitID(pinned) else { return "La raíz de la historia es \(root), y " + invalidPinText(pinned) }
        return "La raíz de la historia es \(root), pero este repositorio fijó folio.raiz = \(SafeText.visible(pinned)): no es el que se creó con 'folio init'."
    }

    /// What is said of a `folio.raiz` that names no commit.
    static func invalidPinText(_ pinned: String) -> String {
        "folio.raiz = '\(SafeText.visible(pinned))' no es el id completo de un commit (40 dígitos hexadecimales): ninguna raíz coincide con él, así "
            + "que nada está vigente. En un clon, quítelo con 'git config --unset folio.raiz': el próximo comando de folio lo fija de "
            + "nuevo desde lo que trajo del remoto; en el repositorio compartido, el administrador lo fija con 'git config folio.raiz ID', "
            + "el id que da 'git rev-list --max-parents=0 main'."
    }

    static let foreignRootFix = "En un clon: vuelva a la rama compartida ('git switch main') o traiga la del remoto ('folio sync --drop-local'). "
        + "En el repositorio compartido nada de esa historia se acepta; si es su folio.raiz lo que está mal, lo corrige el administrador con el "
        + "id que da 'git rev-list --max-parents=0 main'."

    /// The root this clone pinned (`folio.raiz`, without surrounding blanks) when `root` is not it;
    /// nil when it is, or when none is pinned. A value that is not a whole commit id (empty, a
    /// prefix) is no root's: everything is foreign until it is set right (helper108: an empty
    /// value had trusted any root).
    func pinnedRoot(missedBy root: OID) -> String? {
        guard let pinned = pinSetting?.trimmingCharacters(in: .whitespaces) else { return nil }
        if Self.isCommitID(pinned), root.hex == pinned.lowercased() { return nil }
        return pinned
    }

    /// `folio.raiz` as this repository's own config holds it (never the user's or the system's:
    /// helper113's global value seeded the pin); nil when unset.
    var pinSetting: String? {
        (try? repository.config(Self.rootKey, localOnly: true)) ?? nil
    }

    /// Whether `text` is a whole commit id: 40 hexadecimal digits (64 in a SHA-256 repository).
    /// A prefix is not enough: helper110 made an orphan root with the pin's 7 digits in 12 s.
    static func isCommitID(_ text: String) -> Bool {
        [40, 64].contains(text.utf8.count) && text.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit)
    }

    /// Every commit: signed by its author's registered key (or, for an external actor, the
    /// recording staff member's) when there is one in the base roster, or when `firma: obligatoria`.
    func ruleSignature(_ facts: CommitFacts) throws -> [Violation] {
        guard let roster = facts.roster else { return [] }
        let commit = facts.commit
        let required = facts.settings.signatureRequired
        let author = roster.find(commit.author.email)
        let role = facts.record?.role.flatMap(Role.init(rawValue:)) ?? .jefe
        let expected = author.flatMap { Self.signer(author: $0, role: role, committer: roster.find(commit.committer.email)) }
        func flag(_ message: String, _ fix: String) -> [Violation] { [facts.violation(.signature, message, fix)] }
        let verdict = try commitSignature(commit.id)
        guard verdict != .unsigned else {
            if let expected {
                return flag("El commit no está firmado, y \(expected.id) tiene clave_ssh registrada (roles.yaml del commit anterior): "
                    + "todo commit suyo se firma.",
                            "Registre el cambio con folio teniendo la clave privada de \(expected.id) (user.signingKey o ssh-agent).")
            }
            return required ? flag("El commit no está firmado y folio.yaml exige firma (firma: obligatoria).",
                                   "Un jefe registra la clave de \(author?.id ?? facts.author) con 'folio roles key', y el cambio se registra con folio.") : []
        }
        guard let author else {
            return flag("El commit está firmado, pero su autor \(facts.author) no está en roles.yaml (commit anterior): "
                + "no hay clave con que comprobar la firma.", "Un jefe registra a la persona y su clave antes de que actúe.")
        }
        guard let signer = expected, let key = signer.sshKey.flatMap(normalizedKey) else {
            return flag("El commit está firmado, pero \(author.id) no tiene clave_ssh registrada en roles.yaml (commit anterior).",
                        "Un jefe registra la clave con 'folio roles key \(author.id) \"ssh-ed25519 ...\"'.")
        }
        if try !(verdict == .unsupported ? keygenVerdict(commit.id, principal: signer.email, key: key) : isGood(verdict, by: key)) {
            return flag("La firma no es válida o no la hizo la clave que \(signer.id) tenía registrada en roles.yaml del commit anterior.",
                        "Vuelva a registrar el cambio con la clave vigente de \(signer.id); una firma ajena, alterada o de una clave revocada no cuenta.")
        }
        return []
    }

    /// A signature whose key swift-crypto cannot load, checked by `ssh-keygen -Y verify`.
    private func keygenVerdict(_ commit: OID, principal: String, key: String) throws -> Bool {
        guard let signed = try repository.signature(of: commit) else { return false }
        // Only the registered key is worth a call to ssh-keygen: a signature carrying any other key
        // (one crafted so that it cannot be loaded here, say) is refused at once, without forking.
        guard let carried = try? SSHSignature(armored: signed.signature), let registered = try? SSHPublicKey(openSSH: key),
              carried.publicKey.blob == registered.blob else { return false }
        return try SSHVerifier.keygenVerify(signature: signed.signature, data: signed.signedData, principal: principal, key: key, namespace: "git")
    }

    /// A change outside the expediente folders (`roles.yaml`, `folio.yaml`, `schemas/`, any other
    /// path, a rename or a deletion) is authored by a jefe of the base roster (signed per `ruleSignature`).
    func ruleGuarded(_ facts: CommitFacts) throws -> [Violation] {
        guard facts.record == nil else { return [] }
        let outside = facts.outsideCases
        guard !outside.isEmpty else { return [] }
        var found: [Violation] = []
        if outside.contains(Roster.fileName), try repository.entryID(at: Roster.fileName, in: facts.commit.id) != nil {
            do { _ = try configuration.roster(at: facts.commit.id) } catch {
                found.append(facts.violation(.rolesFile, "roles.yaml no se puede leer en este commit: \(error)", "Un jefe corrige roles.yaml."))
            }
        }
        guard let roster = facts.roster else {
            return found + [facts.violation(.rolesFile, "roles.yaml del commit anterior no se puede leer: \(facts.rosterError ?? "")",
                                            "Un jefe corrige roles.yaml.")]
        }
        if roster.find(facts.commit.author.email)?.holds(.jefe) == true { return found }
        let rule = VerifyRule.guarding(outside)
        // A file beside the case folders (`cases/2026/x.txt`) belongs in a case, or is the jefe's.
        let short = facts.commit.id.short
        let inCases = outside.allSatisfy { GitPath.isInside($0, "cases") }
        let fix = inCases
            ? "Los documentos de un expediente van en su carpeta cases/<AAAA>/<ID>/; lo demás lo cambia un jefe en un commit suyo. "
                + "Guarde antes lo que quiera conservar ('folio attach ID ARCHIVO' lo incorpora a su expediente; 'git show \(short):RUTA > ARCHIVO' "
                + "lo recupera después). " + dropFix(facts.commit.id.hex) + "; si ya se publicó, un jefe lo revierte ('git revert \(short)')."
            : "Que un jefe haga el cambio (folio roles add, folio roles key, o un commit suyo firmado)."
        found.append(facts.violation(rule, "El commit de \(facts.author) cambia \(outside.map(SafeText.visible).joined(separator: ", ")), fuera de las carpetas "
            + "de expedientes; solo un jefe (según roles.yaml del commit anterior) cambia "
            + (inCases ? "lo que no es de un expediente." : "roles, claves, configuración y procedimientos."), fix))
        return found
    }

    /// A case commit names a case that exists (before it, or opened by it) and changes only that case's folder.
    func ruleCase(_ facts: CommitFacts) throws -> [Violation] {
        guard let record = facts.record else { return [] }
        let path = try casePath(record.caseID, at: facts.commit.id) ?? facts.commit.parents.first.flatMap { try casePath(record.caseID, at: $0) }
        guard CaseID.isValid(record.caseID), let path else {
            let changes = facts.units.isEmpty ? "no cambia ningún archivo" : "cambia \(facts.unitPaths.joined(separator: ", "))"
            return [facts.violation(.caseExists, "El trailer Expediente nombra '\(record.caseID)', que no existe: no se abrió antes en "
                + "esta historia ni lo abre este commit (\(changes)).",
                                    "Los expedientes se abren con 'folio new' y sus pasos se registran con 'folio step'.")]
        }
        let outside = facts.unitPaths.filter { $0 != path }
        guard !outside.isEmpty else { return [] }
        return [facts.violation(.scope, "El commit del expediente cambia archivos fuera de \(path): \(outside.joined(separator: ", ")).",
                                "Cada paso registra solo la carpeta de su expediente; folio lo hace así.")]
    }

    /// A dependency's or executing unit's contact records their own files only: `dependencias/<CODE>/`,
    /// their figures (`produccion/<CODE>.csv`, `avance/<CODE>.csv`) and the index and routing slip
    /// folio writes with them, as `folio note` takes them. A note or a plain-git commit of theirs
    /// that changes anything else of a case (its title, its SNIP, its text, another dependency's
    /// folder) is an error, so the hook refuses it (attack36: a contact rewrote a project's title
    /// and SNIP with plain git, and the hook took it as a warning); so is a step of their own
    /// dependency's that does. Their case-level steps are the procedure's to judge (a unit opens
    /// and answers its own P6 request).
    func ruleContactScope(_ facts: CommitFacts) throws -> [Violation] {
        // A note, a plain-git commit, or a step of their own dependency (P3-01, P5-01: attack37, a
        // contact's step with --set titulo=..., or amended with plain git, changed the case).
        guard let parent = facts.commit.parents.first, facts.record?.excuse == nil,
              facts.record?.step == nil || facts.record?.dependency != nil,
              let persona = facts.roster?.find(facts.commit.author.email), persona.isOnlyContact else { return [] }
        let code = persona.dependency.flatMap(CaseID.dependencyCode)
        var outside: [String] = []
        // (A case's opening is the procedure's to judge: whoever opened it wrote its folder.)
        for folder in facts.caseFolders where try repository.entry(at: folder, in: parent) != nil {
            for name in try repository.changedEntries(at: folder, from: parent, to: facts.commit.id) {
                switch name {
                case ArchiveIndex.fileName, RoutingSlip.fileName:
                    continue
                case "dependencias":
                    outside += try repository.changedEntries(at: "\(folder)/dependencias", from: parent, to: facts.commit.id)
                        .filter { $0 != code }.map { "\(folder)/dependencias/\($0)" }
                case _ where Self.dependencyDataFolders.contains(name):
                    outside += try repository.changedEntries(at: "\(folder)/\(name)", from: parent, to: facts.commit.id)
                        .filter { code == nil || $0 != "\(code!).csv" }.map { "\(folder)/\(name)/\($0)" }
                default:
                    outside.append("\(folder)/\(name)")
                }
            }
        }
        guard let first = outside.first else { return [] }
        let own = code ?? "su dependencia"
        return [facts.violation(.role, "El commit de \(facts.author), enlace de \(own), cambia \(Spanish.list(outside.map(SafeText.visible)))"
                                    + ": un enlace registra solo lo de \(own) "
                                    + "(dependencias/\(own)/ y sus cifras); lo demás del expediente lo registra el Departamento.",
                                dropFix(facts.commit.id.hex) + "; si ya se publicó, un jefe lo revierte ('git revert \(facts.commit.id.short)'). "
                                    + "Lo que el enlace quiera corregir del expediente lo pide al Departamento, o lo envía por oficio: "
                                    + "'folio attach ID oficio.pdf --dependency \(own)'.",
                                caseID: GitPath.components(first).dropFirst(2).first)]
    }

    /// A commit without folio's trailers that changes expediente folders: an edit made outside
    /// folio; an error when its author is not in the base roster.
    func ruleOutsideFolio(_ facts: CommitFacts) -> [Violation] {
        guard facts.record == nil, !facts.commit.parents.isEmpty else { return [] }
        let folders = facts.caseFolders
        guard !folders.isEmpty else { return [] }
        let registered = facts.roster?.find(facts.commit.author.email) != nil
        // One finding per case it changed, so that each case's findings list it.
        return folders.map { folder in
            let id = GitPath.name(folder)
            let message = "El commit cambia \(folder) sin trailers de folio: una edición hecha fuera de folio"
            if !registered {
                return facts.violation(.outsideFolio, message + ", por \(facts.author), que no está en roles.yaml (commit anterior).",
                                       "Solo el personal registrado cambia expedientes, con 'folio note' o 'folio step'.", caseID: id)
            }
            // A folder whose name is no case id is no case to note (the case-file rule refuses it).
            guard CaseID.isValid(id) else {
                return facts.violation(.outsideFolio, message + ".", "'\(id)' no es un expediente: " + dropFix(facts.commit.id.hex) + ".",
                                       severity: .warning, caseID: id)
            }
            // (For a commit already made, 'folio note' alone finds nothing to record, staff21: how to redo it.)
            let short = String(facts.commit.id.hex.prefix(7))
            return facts.violation(.outsideFolio, message + ".",
                                   "El commit queda en la historia como constancia; en adelante registre los cambios de un expediente con 'folio note' "
                                       + "o 'folio step'. Si aún no está publicado, rehágalo con folio: 'git reset --soft \(short)~1' y luego "
                                       + "'folio note \(id) -m TEXTO'.",
                                   severity: .warning, caseID: id)
        }
    }

    /// Time moves forward: a commit's committer date does not precede its parent's, and a case
    /// commit's declared (author) date does not precede the previous commit of its case. A step
    /// recorded offline keeps its declared date and is published later; reception stamps say when.
    /// Work of two clones on one case interleaves when published: `DateBounds` says which
    /// earlier commit of the case bounds each one's date.
    func ruleDate(_ facts: CommitFacts) -> [Violation] {
        let c = facts.commit
        var found: [Violation] = []
        let fix = "Registre el paso con la fecha de hoy (sin FOLIO_DATE ni GIT_AUTHOR_DATE/GIT_COMMITTER_DATE anteriores); "
            + "si se hizo fuera de plazo, con --justificacion."
        if let parent = facts.parent, c.committer.date < parent.committer.date {
            found.append(facts.violation(.date, "La fecha del commit (\(clock.iso(c.committer.date))) es anterior a la de su commit "
                + "anterior (\(clock.iso(parent.committer.date))): la historia no retrocede en el tiempo.", fix))
        }
        if let previous = facts.previousInCase, c.author.date < previous.date {
            found.append(facts.violation(.date, "El paso declara la fecha \(clock.iso(c.author.date)), anterior al commit previo del "
                + "expediente \(facts.record?.caseID ?? "") (\(clock.iso(previous.date)), \(previous.commit.short)).", fix))
        } else if facts.record == nil, let parent = facts.parent, c.author.date < parent.author.date, c.committer.date <= c.author.date {
            found.append(facts.violation(.date, "La fecha de autor (\(clock.iso(c.author.date))) es anterior a la del commit anterior "
                + "(\(clock.iso(parent.author.date))).", fix))
        }
        return found
    }
}
