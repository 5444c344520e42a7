import Foundation
import GitStore
import Procedures

/// Documents to incorporate into an expediente's archive with a step (`folio archive`) or
/// without one (`folio attach`).
public struct ArchiveRequest: Sendable {
    public var files: [String]
    public var title: String?
    /// The folio this (single) document replaces, when it is a new version of it.
    public var replaces: Int?

    public init(files: [String], title: String? = nil, replaces: Int? = nil) {
        self.files = files
        self.title = title
        self.replaces = replaces
    }
}

extension Casebook {
    /// Copies the files into the case (`dependencias/<CODIGO>/`, or `anexos/`), streaming and
    /// hashing them, and adds them to `indice.md` with the next folio numbers. Never overwrites:
    /// a file whose name is taken becomes `nombre-v2.ext`, a new folio that replaces the last
    /// version of that document. A file already inside the case folder (put there with an editor)
    /// is adopted where it is, not copied again.
    /// Where a case's incorporated documents go, relative to its folder: a dependency's own
    /// `dependencias/<CODIGO>`, the Department's `anexos`.
    static func documentFolder(dependency: String?) -> String {
        dependency.map { "dependencias/\($0)" } ?? "anexos"
    }

    func incorporate(_ request: ArchiveRequest, id: String, path: String, definition: ProcedureDefinition, dependency: String?,
                     step: String?, persona: Persona, state: CaseState, edit: WorkTreeEdit) throws -> [ArchivedDocument] {
        var index = try workTreeIndex(path) ?? newIndex(id: id, path: path, definition: definition)
        if let replaces = request.replaces, !index.documentos.contains(where: { $0.folio == replaces }) {
            throw CasebookError.invalidFile(file: "\(path)/\(ArchiveIndex.fileName)", reason: "no hay folio \(replaces) que reemplazar",
                                            fix: "Use un folio del índice con --replaces.")
        }
        // A dependency's contact gives new versions of its own documents only (its dependency's, or
        // those it incorporated): the department's, and another dependency's, are not theirs to
        // supersede (staff26: a contact replaced the analyst's plan in a case of another hospital).
        if let replaces = request.replaces, let replaced = index.documentos.first(where: { $0.folio == replaces }),
           !ArchiveIndex.mayReplace(replaced, persona) {
            let own = persona.dependency.flatMap(CaseID.dependencyCode) ?? "su dependencia"
            throw CasebookError.invalidFile(file: "\(path)/\(ArchiveIndex.fileName)",
                                            reason: "el folio \(replaces) (\(replaced.archivo)) es \(replaced.dependencia.map { "de \($0)" } ?? "del Departamento"), "
                                                + "y el enlace de \(own) solo da versiones nuevas de los documentos de \(own)",
                                            fix: "Incorpórelo como documento nuevo, sin --replaces ('folio attach \(id) ARCHIVO'); si reemplaza al folio \(replaces), "
                                                + "lo dice el analista o el jefe.")
        }
        // A version chain is a line: a new version replaces the last one, never one already replaced
        // (attack26b: folio 1 replaced by 2 and again by 3, and status named only the last).
        if let replaces = request.replaces, let successor = index.documentos.first(where: { $0.reemplaza == replaces }) {
            let last = ArchiveIndex.lastVersion(of: successor, in: index.documentos)
            throw CasebookError.invalidFile(file: "\(path)/\(ArchiveIndex.fileName)",
                                            reason: "el folio \(replaces) ya tiene versión nueva, el folio \(successor.folio) (\(successor.archivo)): una versión nueva reemplaza la última",
                                            fix: "Reemplace la última versión: 'folio attach \(id) ARCHIVO --replaces \(last.folio)' (\(last.archivo)).")
        }
        if request.replaces != nil, request.files.count != 1 {
            throw CasebookError.invalidValue(option: "--replaces", reason: "una nueva versión reemplaza un solo documento", fix: "Incorpore un archivo a la vez.")
        }
        if request.title != nil, request.files.count > 1 {
            throw CasebookError.invalidValue(option: "--title", reason: "un título es el de un documento, y se dieron \(request.files.count)",
                                             fix: "Incorpore los archivos uno a uno, cada uno con su --title (o sin --title: el título es el nombre del archivo).")
        }
        var added: [ArchivedDocument] = []
        // The same bytes archived again, not as a new version: a copy (a renamed document, a file dropped twice).
        func refuseCopy(_ sha: String, _ file: String, inFolder: Bool, dependency: String?) throws {
            // A copy is taken only as a new version of a document with those bytes (a corrected title),
            // or from another dependency (two dependencies may send the same form).
            guard let first = ArchiveIndex.copied(in: index.documentos, sha256: sha, dependency: dependency, replacing: request.replaces) else { return }
            let already = added.contains(first) ? "se incorpora en esta misma orden" : "ya está archivado"
            let remove = inFolder ? "Si es ese documento con otro nombre, borre la copia ('rm \(SafeText.shellWord(file))', o 'git rm -f \(SafeText.shellWord(file))' si ya la registró git)"
                : "Si es ese documento, ya está en el expediente"
            throw CasebookError.invalidFile(file: file, reason: "tiene el mismo contenido (SHA-256) que el folio \(first.folio) (\(first.archivo)), que \(already)",
                                            fix: remove + "; para corregir su título, incorpórelo como versión nueva de ese folio: "
                                                + "'folio attach \(id) ARCHIVO --replaces \(first.folio) --title \"TÍTULO\"'.")
        }
        // What the command's commit takes of the case (`commitScope`): a file already in the case is
        // adopted only there, or the index would list a document the commit leaves out (attack26b).
        // A case-level step of a round leaves the dependencies' folders to their own steps.
        let roundsCaseLevel = dependency == nil && step != nil && definition.dependencyBlock != nil
        // A new version stays with the document's dependency (attack26b: the analyst's version of a
        // dependency's plan went to anexos/, and its contact could no longer version it).
        let replaced = request.replaces.flatMap { folio in index.documentos.first { $0.folio == folio } }
        if let replaced, let dependency, replaced.dependencia != dependency {
            // A contact's attach always goes to their folder (staff36: a P6 unit was told its own
            // request's transfer was "del Departamento", and given the command just refused).
            let contact = persona.isOnlyContact
            let whose = replaced.dependencia.map { "de \($0)" } ?? (replaced.por == persona.id ? "de la carpeta anexos/ del expediente" : "del Departamento")
            throw CasebookError.invalidFile(file: "\(path)/\(ArchiveIndex.fileName)",
                                            reason: "el folio \(replaced.folio) (\(replaced.archivo)) es \(whose), "
                                                + "y una versión nueva queda con su documento, no en dependencias/\(dependency)/",
                                            fix: contact
                                                ? "La versión nueva la incorpora el Departamento: envíela al analista, que la registra con 'folio attach \(id) ARCHIVO --replaces \(replaced.folio)'; "
                                                    + "un documento de \(dependency) se incorpora como folio nuevo, sin --replaces."
                                                : "Dé la versión nueva sin --dependency ('folio attach \(id) ARCHIVO --replaces \(replaced.folio)'); "
                                                    + "un documento de \(dependency) se incorpora como folio nuevo, sin --replaces.")
        }
        let dependency = dependency ?? (roundsCaseLevel ? nil : replaced?.dependencia)
        let folder = Self.documentFolder(dependency: dependency)
        for source in request.files {
            try Self.requireAttachableFile(source)
            let caseRoot = URL(fileURLWithPath: "\(root)/\(path)").standardizedFileURL.resolvingSymlinksInPath().path
            let resolved = URL(fileURLWithPath: source).standardizedFileURL.resolvingSymlinksInPath().path
            if let inside = GitPath.relative(resolved, to: caseRoot) {
                let relative = inside.precomposedStringWithCanonicalMapping
                guard ArchiveIndex.isDocumentPath(relative) else {
                    throw CasebookError.invalidFile(file: "\(path)/\(relative)", reason: "es un archivo que folio escribe, no un documento que se archive",
                                                    fix: "Archive un documento: 'folio attach \(id) ARCHIVO'.")
                }
                let composed = relative.utf8.elementsEqual(inside.utf8)
                if let outside = Self.outsideCommit(relative, dependency: dependency, roundsCaseLevel: roundsCaseLevel) {
                    throw CasebookError.invalidFile(file: "\(path)/\(inside)", reason: outside.reason, fix: outside.fix)
                }
                if let known = index.documentos.last(where: { $0.archivo.utf8.elementsEqual(relative.utf8) }) {
                    throw CasebookError.invalidFile(
                        file: "\(path)/\(inside)",
                        reason: composed ? "ya está en el índice como folio \(known.folio)"
                            : "se llama como \(known.archivo), el folio \(known.folio) del índice, con los acentos escritos descompuestos (como los escribe macOS): el expediente guarda un nombre por documento",
                        fix: composed ? "Una versión nueva se incorpora desde otro archivo: 'folio attach \(id) OTRO-ARCHIVO --replaces \(known.folio)'."
                            : "Sáquelo de la carpeta y, si es una versión nueva, incorpórelo con 'folio attach \(id) ARCHIVO --replaces \(known.folio)'.")
                }
                // The archive keeps names composed (NFC): a name written decomposed is renamed where
                // it is, so that git keeps the name the index says.
                if !composed {
                    guard !FileManager.default.fileExists(atPath: "\(root)/\(path)/\(relative)") else {
                        throw CasebookError.invalidFile(
                            file: "\(path)/\(inside)",
                            reason: "se llama como \(path)/\(relative), que también está en la carpeta, con los acentos escritos descompuestos (como los escribe macOS)",
                            fix: "Deje uno de los dos, o cámbiele el nombre a uno, y vuelva a intentarlo.")
                    }
                    try edit.move("\(path)/\(inside)", to: "\(path)/\(relative)")
                }
                let (sha, size) = try Digest.sha256(ofFile: "\(root)/\(path)/\(relative)")
                try refuseCopy(sha, "\(path)/\(relative)", inFolder: true, dependency: dependency ?? Self.dependencyFolder(relative))
                let document = ArchivedDocument(
                    folio: (index.documentos.map(\.folio).max() ?? 0) + 1, archivo: relative,
                    titulo: request.title ?? replaced?.titulo ?? (GitPath.name(source) as NSString).deletingPathExtension, sha256: sha, bytes: size,
                    tipo: MediaType.of(relative), incorporado: clock.iso(clock.now), por: persona.id, paso: step,
                    dependencia: dependency ?? Self.dependencyFolder(relative), reemplaza: request.replaces)
                index.documentos.append(document)
                added.append(document)
                continue
            }
            // macOS writes accents decomposed (NFD); the archive keeps names composed (NFC).
            let name = GitPath.name(source).precomposedStringWithCanonicalMapping
            if let problem = SafeText.problem(name) ?? request.title.flatMap({ SafeText.problem($0) }) {
                throw CasebookError.invalidFile(file: SafeText.visible(source), reason: problem, fix: "Cámbiele el nombre (o el título) a uno de una sola línea.")
            }
            guard !GitPath.isHidden(name), name != ArchiveIndex.fileName else {
                throw CasebookError.invalidFile(file: source, reason: "ese nombre no se archiva", fix: "Cámbiele el nombre.")
            }
            let names = VersionNames(name, in: folder, index: index, folderOnDisk: "\(root)/\(path)/\(folder)")
            let previous = names.lastTaken
            // A name taken by a document this persona may not version (an executing unit's file named
            // as the department's, attack26b): a document of its own beside it, not a new version of it.
            // A taken name's document already replaced: the new one replaces the chain's last version (attack27).
            let implicit = previous.flatMap { folio in
                index.documentos.first { $0.folio == folio }.map { named in
                    let last = ArchiveIndex.lastVersion(of: named, in: index.documentos)
                    return ArchiveIndex.mayReplace(named, persona) && ArchiveIndex.mayReplace(last, persona) ? last.folio : nil
                } ?? folio
            }
            // A taken name's suffix is the version's number in its chain (staff27: the third version
            // of a chain whose second had another name was stored as `-v2`).
            let version = (request.replaces ?? implicit).map { ArchiveIndex.versionNumber(of: $0, in: index.documentos) + 1 } ?? 2
            let target = names.free(from: version)
            let (sha, size) = try edit.copyStreaming(from: source, to: "\(path)/\(target)")
            // (Hashed while copied; a refusal undoes the copy with the rest of the command.)
            try refuseCopy(sha, SafeText.visible(source), inFolder: false, dependency: dependency)
            let stem = (name as NSString).deletingPathExtension
            let document = ArchivedDocument(
                folio: (index.documentos.map(\.folio).max() ?? 0) + 1, archivo: target,
                // A new version keeps its document's title unless given one (staff27).
                titulo: request.title ?? (request.replaces ?? implicit).flatMap { folio in index.documentos.first { $0.folio == folio }?.titulo } ?? stem,
                sha256: sha, bytes: size, tipo: MediaType.of(name), incorporado: clock.iso(clock.now), por: persona.id, paso: step,
                dependencia: dependency, reemplaza: request.replaces ?? implicit)
            index.documentos.append(document)
            added.append(document)
        }
        if let dependency, !index.interesados.contains(dependency) { index.interesados.append(dependency) }
        index.estado = state.label
        try edit.write(Data(index.text.utf8), to: "\(path)/\(ArchiveIndex.fileName)")
        return added
    }

    /// Refuses an attachment that is no file: missing, or a folder (staff27: "no se encuentra" sent
    /// the person to check a path that was right).
    static func requireAttachableFile(_ source: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDir) else { throw CasebookError.attachmentMissing(source) }
        guard !isDir.boolValue else {
            throw CasebookError.invalidFile(file: SafeText.visible(source), reason: "es una carpeta, y se incorporan archivos",
                                            fix: "Nombre los archivos de la carpeta (por ejemplo '\(SafeText.shellWord(source))/*.pdf').")
        }
        // An editor's leftover named by mistake (`~$acta.docx` beside `acta.docx`): refused before
        // it is copied, so the refusal names the file given, not a copy never made (attack33).
        let name = GitPath.name(source)
        if let kind = EditorLeftover.kind(of: name) {
            throw CasebookError.invalidFile(file: SafeText.visible(source), reason: "es \(kind), que un editor deja junto al archivo que edita: no es un documento",
                                            fix: "Incorpore el documento mismo, no ese archivo; nada se ha registrado.")
        }
    }

    /// Why a file already in the case (`relative` to its folder) is not one a command may adopt where
    /// it is: only from `anexos/` or `dependencias/<CODE>/`; a dependency's command commits only
    /// `dependencias/<CODE>/`, and a case-level step of a round leaves the dependencies' folders to
    /// their own steps (`commitScope`). nil when it may.
    static func outsideCommit(_ relative: String, dependency: String?, roundsCaseLevel: Bool) -> (reason: String, fix: String)? {
        let parts = GitPath.components(relative)
        let top = parts.first ?? relative
        // Documents live in `anexos/` and `dependencias/<CODE>/`, where every step and note guards
        // them (`adoptDropped`); a file elsewhere (`informe/`, whose reports a later step writes, the
        // case's root, another folder, `Produccion/` beside `produccion/`) is not adopted (attack27).
        guard top == "anexos" && parts.count > 1 || top == "dependencias" && parts.count > 2 else {
            return ("no está en anexos/ ni en dependencias/CODIGO/, las carpetas de los documentos del expediente"
                        + (["informe", "produccion", "avance"].contains(top.lowercased()) ? " (\(top)/ es de lo que folio escribe o registra aparte)" : ""),
                    "Muévalo a " + (dependency.map { "dependencias/\($0)/" } ?? "anexos/") + " y vuelva a intentarlo, o incorpórelo desde fuera del expediente.")
        }
        if let code = dependency {
            guard !GitPath.isInside(relative, "dependencias/\(code)") else { return nil }
            return ("está fuera de dependencias/\(code)/, la carpeta de los documentos de \(code), y el commit de \(code) no lo llevaría",
                    "Muévalo a dependencias/\(code)/ y vuelva a intentarlo, o incorpórelo desde fuera del expediente; "
                        + "un documento de otra dependencia lo incorpora su enlace, y uno del Departamento, el analista.")
        }
        // (Past the guard above, the folder is anexos/ or dependencias/: the data folders never get here.)
        guard roundsCaseLevel, top == "dependencias" else { return nil }
        return ("está en dependencias/, la carpeta de los documentos de cada dependencia, que registran sus propios pasos",
                "Muévalo a anexos/ y vuelva a intentarlo, o incorpórelo desde fuera del expediente.")
    }

    /// `CODE` of a path `dependencias/CODE/...` inside a case.
    static func dependencyFolder(_ relative: String) -> String? {
        let parts = GitPath.components(relative)
        return parts.count > 2 && parts[0] == "dependencias" ? String(parts[1]) : nil
    }

    /// Documents put into the archive folders with an editor (`anexos/`, `dependencias/`, or only
    /// `dependencias/<CODE>/` for one dependency's step), adopted into the index with the commit
    /// that takes them; an archived document changed in place is refused, since committing it
    /// would overwrite the archived version.
    func adoptDropped(id: String, path: String, definition: ProcedureDefinition, dependency: String?, step: String?,
                      persona: Persona, state: CaseState, edit: WorkTreeEdit) throws {
        // A case-level step of a round takes only the case's own attachments: the dependencies'
        // folders are their own steps' (Casebook.commitScope).
        let folders = dependency.map { ["dependencias/\($0)"] } ?? (step != nil && definition.dependencyBlock != nil ? ["anexos"] : ["anexos", "dependencias"])
        let index = try workTreeIndex(path)
        // By the name's bytes: Swift's == takes 'revisión' written decomposed (as macOS writes it)
        // for the archived one written composed, and called a new file the archived one changed.
        let known = Dictionary((index?.documentos ?? []).map { (Array($0.archivo.utf8), $0) }, uniquingKeysWith: { _, last in last })
        var dropped: [String] = []
        for folder in folders {
            for file in workTreeFiles(under: "\(path)/\(folder)") where !file.hasSuffix(".md") {
                let relative = GitPath.relative(file, to: path) ?? file
                guard !GitPath.components(relative).contains(where: GitPath.isHidden) else { continue }
                // An editor's leftover is no document: the commit refuses it (`EditorLeftover`).
                guard EditorLeftover.kind(of: GitPath.name(relative)) == nil else { continue }
                if let document = known[Array(relative.utf8)] {
                    // The last version of each archived file must still be what the index says.
                    if try Digest.sha256(ofFile: "\(root)/\(file)").sha256 != document.sha256 {
                        throw CasebookError.invalidFile(
                            file: file, reason: "es el folio \(document.folio) del índice y cambió: un documento archivado no se sobrescribe",
                            fix: "Guarde su versión con otro nombre fuera del expediente, restaure la archivada ('\(ArchiveIndex.restoreCommand(file))') e incorpore la nueva con 'folio attach \(id) OTRO-ARCHIVO --replaces \(document.folio)'.")
                    }
                } else {
                    // A new file's dependency folder is named by its code (attack20: 'HGE\u{600}' was
                    // taken as one); a document archived there before stays where it is.
                    // A name that would print as another (control characters, invisible marks) is
                    // refused as `attach` refuses it (attack37: adopted into the index as it was).
                    if let problem = SafeText.problem(relative) {
                        throw CasebookError.invalidFile(file: SafeText.visible(file), reason: "su nombre no se puede archivar: \(problem)",
                                                        fix: "Cámbiele el nombre ('mv') por uno sin esos caracteres, o sáquelo de la carpeta.")
                    }
                    if let code = Self.dependencyFolder(relative), CaseID.dependencyCode(code) != code {
                        throw CasebookError.invalidFile(
                            file: SafeText.visible(file),
                            reason: "está en dependencias/\(SafeText.visible(code))/, que no es el código de una dependencia (letras mayúsculas sin tilde, números, '-' o '_')",
                            fix: "Muévalo a la carpeta de su dependencia (dependencias/CODIGO/) o a anexos/.")
                    }
                    dropped.append("\(root)/\(file)")
                }
            }
        }
        // An archived document is never deleted or renamed by a step or a note either.
        for document in known.values.sorted(by: { $0.folio < $1.folio }) where folders.contains(where: { GitPath.isInside(document.archivo, $0) }) {
            let relative = document.archivo
            let file = "\(path)/\(relative)"
            guard !FileManager.default.fileExists(atPath: "\(root)/\(file)") else { continue }
            throw CasebookError.invalidFile(
                file: file, reason: "es el folio \(document.folio) del índice y falta (se borró o se le cambió el nombre): un documento archivado no se borra",
                fix: "Restáurelo con '\(ArchiveIndex.restoreCommand(file))'; una versión nueva se incorpora con 'folio attach \(id) ARCHIVO --replaces \(document.folio)'.")
        }
        guard !dropped.isEmpty else { return }
        _ = try incorporate(ArchiveRequest(files: dropped), id: id, path: path, definition: definition, dependency: dependency, step: step,
                            persona: persona, state: state, edit: edit)
    }

    /// The names a file `name` may be archived under in `folder` (inside the case folder, on disk at
    /// `folderOnDisk`): `name`, then `stem-vN.ext` for N from 2; a name is taken by a file on disk or
    /// by an entry of the index.
    struct VersionNames {
        let name: String, folder: String, index: ArchiveIndex, folderOnDisk: String

        init(_ name: String, in folder: String, index: ArchiveIndex, folderOnDisk: String) {
            (self.name, self.folder, self.index, self.folderOnDisk) = (name, folder, index, folderOnDisk)
        }

        func candidate(_ n: Int) -> String {
            let stem = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
            return n == 1 ? name : "\(stem)-v\(n)" + (ext.isEmpty ? "" : ".\(ext)")
        }

        func taken(_ n: Int) -> Bool {
            FileManager.default.fileExists(atPath: "\(folderOnDisk)/\(candidate(n))")
                || index.documentos.contains { $0.archivo == "\(folder)/\(candidate(n))" }
        }

        /// The folio of the last document named `name` or `stem-vN.ext`, for the names taken in a
        /// row from `name` (the version a file of that name replaces); nil when `name` is free.
        var lastTaken: Int? {
            var n = 1
            var last: Int? = nil
            while taken(n) {
                last = index.documentos.last { $0.archivo == "\(folder)/\(candidate(n))" }?.folio ?? last
                n += 1
            }
            return last
        }

        /// `folder/name` when free, else `folder/stem-vN.ext` with the first free N from `first` (at least 2).
        func free(from first: Int) -> String {
            guard taken(1) else { return "\(folder)/\(name)" }
            var n = max(2, first)
            while taken(n) { n += 1 }
            return "\(folder)/\(candidate(n))"
        }
    }

    /// The index in the work tree lists every document HEAD's index lists, each as archived, and
    /// nothing else: `indice.md` is folio's record of the archive, so a step, a note or a close
    /// refuses to commit a hand edit of it (a title, a hash, an entry dropped or added), which
    /// verify would then report on that commit for good.
    func requireIndexAsCommitted(id: String, path: String) throws {
        let file = "\(path)/\(ArchiveIndex.fileName)"
        guard let head = try repository.headCommit(), let data = try repository.file(at: file, in: head),
              let committed = try? ArchiveIndex.parse(String(decoding: data, as: UTF8.self), file: file),
              !committed.documentos.isEmpty else { return }
        let fix = "Restaure el índice registrado ('\(ArchiveIndex.restoreCommand(file))'): lo escribe folio. Un documento nuevo se incorpora con "
            + "'folio attach \(id) ARCHIVO', y una versión nueva o un título corregido, como folio nuevo: "
            + "'folio attach \(id) ARCHIVO --replaces FOLIO --title \"TÍTULO\"'."
        guard let current = try workTreeIndex(path) else {
            throw CasebookError.invalidFile(file: file, reason: "falta, y es el índice de los \(committed.documentos.count) documentos archivados del expediente", fix: fix)
        }
        guard current.documentos != committed.documentos else { return }
        // An entry put back as first archived (after an edit that landed outside folio) is a restoration.
        func restored(_ entry: ArchivedDocument) throws -> Bool {
            guard current.documentos.filter({ $0.folio == entry.folio }).count == 1 else { return false }
            return try firstArchived(entry.folio, in: path, before: head) == entry
        }
        let changed = try committed.documentos.filter { kept in
            try !current.documentos.contains(kept) && !(current.documentos.first { $0.folio == kept.folio }.map(restored) ?? false)
        }.map(\.folio)
        let added = try current.documentos.filter { entry in
            try !committed.documentos.contains { $0.folio == entry.folio } && !restored(entry)
        }.map(\.folio)
        guard !changed.isEmpty || !added.isEmpty else { return }
        let what = changed.isEmpty
            ? "tiene entradas que folio no escribió: \(added.map { "folio \($0)" }.joined(separator: ", "))"
            : "se editó a mano: \(changed.map { "folio \($0)" }.joined(separator: ", ")) ya no \(changed.count == 1 ? "está" : "están") como se archivó"
        throw CasebookError.invalidFile(file: file, reason: what, fix: fix)
    }

    /// The case's index in the work tree; nil when it has none.
    func workTreeIndex(_ path: String) throws -> ArchiveIndex? {
        let file = "\(path)/\(ArchiveIndex.fileName)"
        guard let data = FileManager.default.contents(atPath: "\(root)/\(file)") else { return nil }
        return try ArchiveIndex.parse(String(decoding: data, as: UTF8.self), file: file)
    }

    private func newIndex(id: String, path: String, definition: ProcedureDefinition) throws -> ArchiveIndex {
        let settings = try settings(at: try repository.headCommit())
        let expediente = (try? caseDocument("expediente.md", in: path)) ?? nil
        let unit = expediente?["unidad_ejecutora"].map { Requirement.text($0) } ?? ""
        return ArchiveIndex(identificador: id, organo: "\(settings.department), \(settings.institution)",
                            apertura: expediente?["abierto"].map { Requirement.text($0) } ?? clock.today,
                            procedimiento: definition.number, nombre_procedimiento: definition.name,
                            version_procedimiento: definition.version, estado: CaseState.open.label,
                            interesados: unit.isEmpty ? [] : [unit], documentos: [])
    }

    /// Rewrites the index's derived state, when the case has an index, with the step's commit.
    /// The whole file is written again from its front matter when it differs (a table edited by
    /// hand is put right by the next commit folio makes in the case).
    /// `state` nil keeps the state written (a note does not move the case).
    func refreshIndexState(path: String, state: CaseState?, edit: WorkTreeEdit) throws {
        guard var index = try workTreeIndex(path) else { return }
        if let state { index.estado = state.label }
        let file = "\(path)/\(ArchiveIndex.fileName)"
        let text = index.text
        guard FileManager.default.contents(atPath: "\(root)/\(file)") != Data(text.utf8) else { return }
        try edit.write(Data(text.utf8), to: file)
    }

    /// The documents of the case in `folder`, as its index committed at HEAD lists them (folio
    /// order): what `folio status ID` shows. None when the case has no index yet; an index that
    /// does not parse is said as the refusal `verify` gives of it.
    public func documents(inFolder folder: String) throws -> [ArchivedDocument] {
        let file = "\(folder)/\(ArchiveIndex.fileName)"
        guard let head = try repository.headCommit(), let data = try repository.file(at: file, in: head) else { return [] }
        return try ArchiveIndex.parse(String(decoding: data, as: UTF8.self), file: file).documentos.sorted { $0.folio < $1.folio }
    }

    /// Every indexed file checked against its SHA-256 (the work tree's copy, or the committed one
    /// in a bare repository), and files in the archive folders that the index does not know.
    func archiveFindings(at head: OID) throws -> [Violation] {
        var found: [Violation] = []
        for year in try repository.entries(at: "cases", in: head) where year.kind == .tree {
            for folder in try repository.entries(at: "cases/\(year.name)", in: head) where folder.kind == .tree {
                let path = "cases/\(year.name)/\(folder.name)"
                // A case without an index still has its archive folders checked for unindexed files.
                let data = try repository.file(at: "\(path)/\(ArchiveIndex.fileName)", in: head)
                guard data != nil || repository.workdir != nil else { continue }
                func flag(_ message: String, _ fix: String, _ severity: Severity = .error) {
                    found.append(Violation(commit: head.hex, caseID: folder.name, step: nil, rule: .archive, message: message, fix: fix,
                                           severity: severity))
                }
                let index: ArchiveIndex
                do {
                    index = try data.map { try ArchiveIndex.parse(String(decoding: $0, as: UTF8.self), file: "\(path)/\(ArchiveIndex.fileName)") }
                        ?? ArchiveIndex(identificador: folder.name, organo: "", apertura: "", procedimiento: 0, nombre_procedimiento: "",
                                        version_procedimiento: "", estado: "", interesados: [], documentos: [])
                } catch {
                    flag("\(error)", "Restaure el índice registrado.")
                    continue
                }
                // The table for people is the front matter's rendering: an edit of it alone is said, and undone by folio's next commit.
                if let data, String(decoding: data, as: UTF8.self) != index.text {
                    flag("\(path)/\(ArchiveIndex.fileName) no es lo que folio escribe a partir de su encabezado (la tabla, o el formato, se editó a mano): la tabla no dice lo que registra el encabezado.",
                         "El próximo registro de folio en el expediente lo escribe de nuevo ('folio note \(folder.name) -m TEXTO'); el encabezado es el registro.",
                         .warning)
                }
                for d in index.documentos {
                    let file = "\(path)/\(d.archivo)"
                    let actual: String?
                    if repository.workdir != nil {
                        actual = FileManager.default.fileExists(atPath: "\(root)/\(file)") ? try Digest.sha256(ofFile: "\(root)/\(file)").sha256 : nil
                    } else {
                        actual = try repository.fileID(at: file, in: head).map { try Digest.sha256(ofBlob: $0, in: repository) }
                    }
                    guard let actual else {
                        flag("Falta \(file) (folio \(d.folio)).", try restoreHint(file: file, document: d, caseID: folder.name, head: head))
                        continue
                    }
                    if actual != d.sha256 {
                        flag("\(file) (folio \(d.folio)) no coincide con su SHA-256 del índice: el documento cambió después de archivarse.",
                             try restoreHint(file: file, document: d, caseID: folder.name, head: head)
                                + " Una versión nueva se incorpora desde otro archivo como folio nuevo: 'folio attach \(folder.name) OTRO-ARCHIVO --replaces \(d.folio)'.")
                    }
                }
                if repository.workdir != nil {
                    let known = Set(index.documentos.map(\.archivo))
                    for sub in ["dependencias", "anexos"] {
                        // Markdown files there are the case's working documents (the POA reviews), kept by git.
                        for file in workTreeFiles(under: "\(path)/\(sub)")
                        where !file.hasSuffix(".md") && !known.contains(GitPath.relative(file, to: path) ?? file) {
                            flag("\(file) está en la carpeta del archivo pero el índice no lo conoce.",
                                 "Incorpórelo donde está con 'folio attach \(folder.name) \(SafeText.shellWord(file)) --as PERSONA' (desde la raíz del repositorio), o quítelo.",
                                 .warning)
                        }
                    }
                }
            }
        }
        return found
    }

    /// A fix that works from the state found: `git restore` when HEAD holds the archived version,
    /// else the case's commit that holds it, else incorporating the document again.
    private func restoreHint(file: String, document: ArchivedDocument, caseID: String, head: OID) throws -> String {
        if let blob = try repository.fileID(at: file, in: head), try Digest.sha256(ofBlob: blob, in: repository) == document.sha256 {
            return "Restaure la versión archivada: '\(ArchiveIndex.restoreCommand(file))'."
        }
        var seen: Set<OID> = []
        for record in try loadHistory(at: head).records(of: caseID).reversed() {
            guard let blob = try repository.fileID(at: file, in: record.commit), seen.insert(blob).inserted else { continue }
            if try Digest.sha256(ofBlob: blob, in: repository) == document.sha256 {
                return "La versión registrada en HEAD tampoco es la archivada; la archivada está en el commit \(record.commit.short): "
                    + "'git checkout \(record.commit.short) -- \(SafeText.shellWord(file))' y luego 'folio note \(caseID) -m \"Restaura el folio \(document.folio)\" --as PERSONA'."
            }
        }
        return "Ningún commit del expediente guarda la versión archivada: incorpore el documento original de nuevo con 'folio attach \(caseID) ARCHIVO --replaces \(document.folio)'."
    }

    func workTreeFiles(under folder: String) -> [String] {
        FolderWalk("\(root)/\(folder)").compactMap { entry in
            entry.isFolder || entry.relative.hasSuffix(".folio-tmp") ? nil : "\(folder)/\(entry.relative)"
        }
    }
}
