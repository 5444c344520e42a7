import Foundation
import GitStore

extension Casebook {
    /// An archived document stays as it was incorporated, commit by commit (not only at the tip:
    /// the shared repository's hook sees a push, not the history). Every commit that changes a
    /// case folder:
    /// - keeps the index (`indice.md`) its parent had, each of its entries as it was (a folio is
    ///   never renumbered, renamed, rehashed or dropped), and each document's bytes;
    /// - adds entries only as folio adds them: with folio's trailers, numbered after the last
    ///   folio, by the commit's author at the commit's date, each naming a file of its own that the
    ///   commit holds with the SHA-256 written, and replacing only an earlier folio.
    /// An entry or a document put back exactly as it was first archived is a restoration, not a
    /// finding. A new version is a new folio (`folio attach --replaces`). Whoever authors the
    /// commit, with or without trailers: `folio note` and `folio step` refuse the same (FOLIO-E009).
    func ruleArchive(_ facts: CommitFacts) throws -> [Violation] {
        let commit = facts.commit.id
        // Which folders hold an index is known without reading the parent's folders (cold trees:
        // a whole history's verify took a third longer) when this casebook judged every commit
        // of the line before this one, from the root.
        let parent = facts.commit.parents.first
        // (A year folder or a case folder that became a file, or the other way round, changes
        // folders the case-folder units do not name.)
        let known = (parent == nil || (parent == archiveChain && archiveChain != nil))
            && !facts.units.contains { !$0.isCaseFolder && $0.path.hasPrefix("cases") }
        let withIndex = known ? foldersWithIndex : []
        if !known { foldersWithIndex = [] }
        archiveChain = known ? commit : nil
        var found: [Violation] = []
        for folder in facts.caseFolders {
            let indexPath = "\(folder)/\(ArchiveIndex.fileName)"
            // The commit's own folder is at hand (the case-file rule read it).
            let after = try repository.fileID(at: indexPath, in: commit)
            if known {
                if after != nil { foldersWithIndex.insert(folder) } else { foldersWithIndex.remove(folder) }
            }
            // Most commits change no index: the index the content check just read is kept for the next commit.
            defer { if !indexesParsed.isEmpty, let after, let read = indexesParsed[after] { rememberArchive(folder, index: after, documents: read) } }
            guard let parent else { continue }
            let before = known && !withIndex.contains(folder) ? nil : try repository.fileID(at: indexPath, in: parent)
            // Nothing to check without an index on either side.
            guard before != nil || after != nil,
                  // A folder the commit removes is `ruleCaseFile`'s finding.
                  try repository.entry(at: folder, in: commit)?.mode == 0o040000 else { continue }
            // An index that cannot be read is the content check's finding, at the commit that damaged it.
            guard let documents = try before.map({ try archivedDocuments(folder: folder, index: $0) }) ?? [] else { continue }
            let id = GitPath.name(folder)
            func flag(_ message: String, restoring file: String, folio: Int?) {
                let restore = "Restaure lo archivado tal como estaba ('git checkout \(parent.short) -- \(SafeText.shellWord(file))') "
                    + "y registre la restauración con 'folio note \(id) -m \"Se restaura\"'."
                let version = folio.map { " Una versión nueva se incorpora como folio nuevo: 'folio attach \(id) ARCHIVO --replaces \($0)'." } ?? ""
                found.append(Violation(commit: commit.hex, caseID: id, step: facts.record?.step, rule: .archive, message: message,
                                       fix: restore + version + " Si ya se restauró, este hallazgo queda como constancia."))
            }
            guard let after else {
                if !documents.isEmpty {
                    flag("El commit quita \(indexPath), el índice de los \(documents.count) documentos archivados del expediente: un archivo no se borra.",
                         restoring: indexPath, folio: nil)
                }
                continue
            }
            // Entries the commit puts back as first archived, where an earlier commit had changed them.
            var restored: [Int: ArchivedDocument] = [:]
            if after != before, let now = try archivedDocuments(folder: nil, index: after) {
                // Every entry of the parent's index is still there, once and as it was (or as first archived).
                for document in documents {
                    let kept = now.filter { $0.folio == document.folio }
                    if kept.isEmpty {
                        flag("El commit quita de \(indexPath) el folio \(document.folio) (\(document.archivo)): un documento archivado no sale del índice.",
                             restoring: indexPath, folio: document.folio)
                    } else if kept.count == 1, kept[0] != document, try firstArchived(document.folio, in: folder, before: parent) == kept[0] {
                        restored[document.folio] = kept[0]
                    } else if kept != [document] {
                        flag("El commit cambia en \(indexPath) la entrada del folio \(document.folio) (\(document.archivo)): "
                            + (kept.count > 1 ? "el número de folio se repite." : "lo registrado al archivar (archivo, título, SHA-256, fecha, autor) no cambia."),
                             restoring: indexPath, folio: document.folio)
                    }
                }
                found += try addedEntries(now.filter { entry in !documents.contains { $0.folio == entry.folio } }, index: now, after: documents,
                                          folder: folder, facts: facts).map { message in
                    Violation(commit: commit.hex, caseID: id, step: facts.record?.step, rule: .archive, message: message,
                              fix: "Las entradas del índice las escribe folio al incorporar un documento: quite la entrada "
                                + "('git checkout \(parent.short) -- \(indexPath)') e incorpore el documento con 'folio attach \(id) ARCHIVO'. "
                                + "Si ya se publicó, este hallazgo queda como constancia.")
                }
            }
            // Each document's bytes: unchanged, or put back as archived. Only documents under the
            // folder's entries the commit changed can have changed (a step changes a few files at
            // the top of the folder; a case may hold hundreds of documents).
            let changed = Set(try repository.changedEntries(at: folder, from: parent, to: commit))
            for earlier in documents {
                let document = restored[earlier.folio] ?? earlier
                guard document != earlier || changed.contains(GitPath.components(earlier.archivo).first ?? "") else { continue }
                let file = "\(folder)/\(document.archivo)"
                let was = try repository.fileID(at: file, in: parent)
                let now = try repository.fileID(at: file, in: commit)
                guard now != was || document != earlier else { continue }
                guard let now else {
                    flag("El commit quita \(file), el folio \(document.folio) del archivo del expediente: un documento archivado no se borra ni se renombra.",
                         restoring: file, folio: document.folio)
                    continue
                }
                if try Digest.sha256(ofBlob: now, in: repository) != document.sha256 {
                    flag("El commit cambia \(file), el folio \(document.folio) del archivo del expediente: ya no tiene el SHA-256 con que se archivó (\(document.sha256.prefix(16))…).",
                         restoring: file, folio: document.folio)
                }
            }
        }
        return found
    }

    /// What is wrong with the entries a commit adds to a case's index (`added`, of the new index
    /// `index`; `earlier` are the parent's): each as `incorporate` writes it, or one put back
    /// exactly as first archived (a restoration).
    private func addedEntries(_ added: [ArchivedDocument], index: [ArchivedDocument], after earlier: [ArchivedDocument],
                              folder: String, facts: CommitFacts) throws -> [String] {
        var problems: [String] = []
        var next = (earlier.map(\.folio).max() ?? 0) + 1
        let persona = facts.roster?.find(facts.commit.author.email)
        let author = persona?.id
        for entry in added.sorted(by: { $0.folio < $1.folio }) {
            defer { next = max(next, entry.folio + 1) }
            let file = "\(folder)/\(entry.archivo)"
            var wrong: [String] = []
            if facts.record == nil { wrong.append("la agrega un commit sin los trailers de folio") }
            if !ArchiveIndex.isDocumentPath(entry.archivo) {
                wrong.append("'\(entry.archivo)' no es la ruta de un documento dentro de la carpeta (sin '//', '.' ni '..', y no uno de los archivos de folio)")
            }
            if entry.folio != next { wrong.append("el folio \(entry.folio) no sigue al último del índice (\(next - 1))") }
            if entry.por != author { wrong.append("dice 'por: \(entry.por)', y el commit es de \(author ?? facts.author)") }
            if Clock.parse(entry.incorporado).map({ abs($0.timeIntervalSince(facts.commit.author.date)) >= 1 }) ?? true {
                wrong.append("dice 'incorporado: \(entry.incorporado)', y el commit es del \(clock.iso(facts.commit.author.date))")
            }
            if index.contains(where: { $0.archivo == entry.archivo && $0.folio != entry.folio }) { wrong.append("\(entry.archivo) ya es otro folio") }
            // The same bytes again: only as a new version of a folio with them (a corrected title), or from another dependency.
            if let copy = ArchiveIndex.copied(in: index.filter { $0.folio < entry.folio }, sha256: entry.sha256, dependency: entry.dependencia,
                                              replacing: entry.reemplaza) {
                wrong.append("tiene el contenido del folio \(copy.folio) (\(copy.archivo)): es una copia")
            }
            if let old = entry.reemplaza, !index.contains(where: { $0.folio == old && old < entry.folio }) {
                wrong.append("reemplaza el folio \(old), que no es un folio anterior del índice")
            }
            // A version chain is a line: one new version per folio.
            if let old = entry.reemplaza, let first = index.first(where: { $0.reemplaza == old && $0.folio < entry.folio }) {
                wrong.append("reemplaza el folio \(old), que ya reemplazó el folio \(first.folio): una versión nueva reemplaza la última")
            }
            // A new version stays with its document's dependency.
            if let old = entry.reemplaza, let replaced = index.first(where: { $0.folio == old }), replaced.dependencia != entry.dependencia {
                wrong.append("reemplaza el folio \(old), \(replaced.dependencia.map { "de \($0)" } ?? "del Departamento"), y dice "
                             + (entry.dependencia.map { "'dependencia: \($0)'" } ?? "que es del Departamento") + ": una versión nueva queda con su documento")
            }
            // A dependency's contact incorporates nothing into another dependency's folder, nor as another's (`outsideCommit`).
            if let persona, persona.isOnlyContact,
               let own = persona.dependency.flatMap(CaseID.dependencyCode),
               (Self.dependencyFolder(entry.archivo).map { $0 != own } ?? false) || (entry.dependencia.map { $0 != own } ?? false) {
                wrong.append("la agrega el enlace de \(own) en \(entry.archivo)" + (entry.dependencia.map { ", como de \($0)" } ?? "")
                             + ": un enlace incorpora solo en dependencias/\(own)/")
            }
            // A dependency's contact versions only its own documents (`ArchiveIndex.mayReplace`).
            if let persona, let old = entry.reemplaza, let replaced = index.first(where: { $0.folio == old }),
               !ArchiveIndex.mayReplace(replaced, persona) {
                let own = persona.dependency.flatMap(CaseID.dependencyCode) ?? "su dependencia"
                wrong.append("reemplaza el folio \(old) (\(replaced.archivo)), que no es de \(own) ni lo incorporó su autor, el enlace de \(own)")
            }
            if let blob = try repository.fileID(at: file, in: facts.commit.id) {
                if try Digest.sha256(ofBlob: blob, in: repository) != entry.sha256 { wrong.append("\(file) no tiene el SHA-256 escrito") }
            } else {
                wrong.append("\(file) no está en el commit")
            }
            guard !wrong.isEmpty else { continue }
            // Put back as first archived (after an accident): a restoration, if the bytes are the archived ones too.
            if try firstArchived(entry.folio, in: folder, before: facts.commit.parents[0]) == entry,
               wrong.allSatisfy({ !$0.hasPrefix(file) && !$0.contains("ya es otro folio") && !$0.contains("no es la ruta") && !$0.contains("es una copia") }) { continue }
            problems.append("El commit agrega al índice \(folder)/\(ArchiveIndex.fileName) el folio \(entry.folio) (\(entry.archivo)) "
                + "que folio no escribió: " + wrong.joined(separator: "; ") + ".")
        }
        return problems
    }

    /// The entry of folio `folio` as `folder`'s index first held it in the line of first parents
    /// that ends at `commit`; nil when none did. Read only to tell a restoration from a change or
    /// a forged entry (rare), once per commit and folder: every index the folder had, each folio's
    /// oldest entry.
    func firstArchived(_ folio: Int, in folder: String, before commit: OID) throws -> ArchivedDocument? {
        let key = "\(commit.hex) \(folder)"
        if let known = firstEntries[key] { return known[folio] }
        var oldest: [Int: ArchivedDocument] = [:]
        var seen: Set<OID> = []
        var current: OID? = commit
        while let id = current {
            if let blob = try repository.fileID(at: "\(folder)/\(ArchiveIndex.fileName)", in: id), seen.insert(blob).inserted,
               let documents = try archivedDocuments(folder: nil, index: blob) {
                for document in documents { oldest[document.folio] = document }
            }
            current = try repository.commit(id).parents.first
        }
        if firstEntries.count >= 64 { firstEntries.removeAll() }
        firstEntries[key] = oldest
        return oldest[folio]
    }

    /// The documents of the archive index blob `index` (of `folder`, when it is that folder's last
    /// judged index, so that each index is parsed once); nil when it cannot be read.
    private func archivedDocuments(folder: String?, index: OID) throws -> [ArchivedDocument]? {
        if let folder, let seen = archiveSeen[folder], seen.index == index { return seen.documents }
        if let read = indexesParsed[index] { return read }
        guard let text = try? TextFile.decode(try repository.blob(index), file: ArchiveIndex.fileName),
              let parsed = try? ArchiveIndex.parse(text, file: ArchiveIndex.fileName) else { return nil }
        indexesParsed[index] = parsed.documentos
        return parsed.documentos
    }

    /// Keeps `folder`'s index as the commit just judged left it, for its next commit. Bounded: a
    /// whole history's folders with archives are not all held (a miss parses the index again).
    private func rememberArchive(_ folder: String, index: OID, documents: [ArchivedDocument]) {
        if archiveSeen.count >= 4096, archiveSeen[folder] == nil { archiveSeen.removeAll(keepingCapacity: true) }
        archiveSeen[folder] = (index, documents)
    }
}
