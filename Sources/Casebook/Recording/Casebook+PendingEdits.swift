import Foundation
import GitStore
import Procedures

/// The edits of a case that differ from HEAD before a record (staged, unstaged or new), and what
/// a hand edit added to its routing slip: what `recordedNotices` compares the record with.
struct PendingEdits {
    var changes: [FileChange] = []
    /// The lines a hand edit added to `hoja-de-ruta.md`, which folio writes anew at every record.
    var slipLines: [String] = []
}

extension Casebook {
    func pendingEdits(in path: String, head: OID) throws -> PendingEdits {
        var pending = PendingEdits(changes: try repository.changes(side: .both, in: [path], untracked: true))
        let slip = "\(path)/\(RoutingSlip.fileName)"
        if pending.changes.contains(where: { $0.path == slip }), let now = FileManager.default.contents(atPath: "\(root)/\(slip)") {
            let before = Set(String(decoding: try repository.file(at: slip, in: head) ?? Data(), as: UTF8.self).split(separator: "\n"))
            pending.slipLines = String(decoding: now, as: UTF8.self).split(separator: "\n")
                .filter { !before.contains($0) && !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init)
        }
        return pending
    }

    /// What a step, note, attach or excuse did with the edits pending in its case before it, said
    /// after the commit as a careful clerk would (staff30, staff35): the documents it incorporated
    /// that were lying in the case's folders (`incorporated`: those the command was given), the edits
    /// an attach took besides its documents, the edits it left because they are not its own (a
    /// dependency's step takes that dependency's files only; an excuse, the slip) with who records
    /// them, and a hand edit of the routing slip, quoted, which folio wrote anew. `scope` is what the
    /// commit took; `head` its parent. Paths are the repository's, to paste into git.
    func recordedNotices(_ pending: PendingEdits, id: String, path: String, definition: ProcedureDefinition, persona: Persona,
                         scope: [String], head: OID, commit: OID, incorporated: [ArchivedDocument] = [], attach: Bool) throws -> [String] {
        guard !pending.changes.isEmpty else { return [] }
        func listed(_ changes: [FileChange]) -> String {
            Spanish.list(changes.map { SafeText.visible($0.path) + ($0.kind == .deleted ? " (borrado)" : "") })
        }
        var notices: [String] = []
        let slip = "\(path)/\(RoutingSlip.fileName)", index = "\(path)/\(ArchiveIndex.fileName)"
        if pending.changes.contains(where: { $0.path == slip }) {
            let quoted = pending.slipLines.prefix(2).map { "\"\(SafeText.terminal(String($0.prefix(80))))\"" }
            notices.append("Aviso: \(slip) lo escribe folio en cada registro, y lo editado a mano en él se reemplazó"
                           + (quoted.isEmpty ? "" : " (\(quoted.joined(separator: ", "))\(pending.slipLines.count > 2 ? " y \(pending.slipLines.count - 2) líneas más" : ""))")
                           + "; lo que quería dejar dicho va en el texto de un registro ('folio note \(id) -m TEXTO') o en otro archivo del expediente.")
        }
        // Documents the record found in the case's folders and gave a folio (`adoptDropped`).
        func documents(at commit: OID) throws -> [ArchivedDocument] {
            try repository.file(at: index, in: commit)
                .flatMap { try? ArchiveIndex.parse(String(decoding: $0, as: UTF8.self), file: index) }?.documentos ?? []
        }
        let before = Set(try documents(at: head).map(\.folio)), given = Set(incorporated.map(\.folio))
        let adopted = try documents(at: commit).filter { !before.contains($0.folio) && !given.contains($0.folio) }
        if !adopted.isEmpty {
            notices.append("Se incorporaron al índice documentos que estaban en la carpeta del expediente: "
                           + adopted.map { "\(SafeText.visible("\(path)/\($0.archivo)")) (folio \($0.folio))" }.joined(separator: ", ") + ".")
        }
        let taken = { (file: String) in scope.contains { GitPath.isWithin(file, $0) } }
        let adoptedPaths = Set(adopted.map { "\(path)/\($0.archivo)" })
        let rest = pending.changes.filter { $0.path != slip && !adoptedPaths.contains($0.path) }
        if attach {
            let own = Set(incorporated.map { "\(path)/\($0.archivo)" })
            let also = rest.filter { taken($0.path) && $0.path != index && !own.contains($0.path) }
            if !also.isEmpty {
                notices.append("También quedaron registrados cambios que ya estaban en el expediente: \(listed(also)) "
                               + "(el registro toma lo pendiente del expediente; lo que no debía entrar se corrige con otra nota).")
            }
        }
        let left = rest.filter { !taken($0.path) }
        guard !left.isEmpty else { return notices }
        // Who records what was left: a dependency's files, its contact or a step of that dependency;
        // the rest of the case, the department's note.
        let noun = partyNoun(definition)
        let codes = Set(left.compactMap { Self.dependencyOwning($0.path, in: path) }).sorted()
        let others = left.contains { Self.dependencyOwning($0.path, in: path) == nil }
        var who: [String] = []
        if !codes.isEmpty {
            who.append("lo de \(codes.joined(separator: ", ")) lo registra su enlace ('folio note \(id) -m TEXTO') o un paso de esa \(noun.one)")
        }
        if others {
            who.append((persona.isOnlyContact ? "lo demás lo registra el Departamento" : "lo demás, una nota") + " ('folio note \(id) -m TEXTO')")
        }
        notices.append("Quedan sin registrar, porque no son parte de este registro: \(listed(left)). "
                       + who.joined(separator: "; ").prefix(1).uppercased() + who.joined(separator: "; ").dropFirst() + ".")
        return notices
    }

    /// The dependency a file of the case at `path` belongs to: its folder (`dependencias/CODE/`), its
    /// data (`produccion/CODE.csv`, `avance/CODE.csv`) or its review (`produccion/CODE-revision.md`).
    static func dependencyOwning(_ file: String, in path: String) -> String? {
        let parts = GitPath.components(GitPath.relative(file, to: path) ?? file)
        guard parts.count >= 2 else { return nil }
        if parts[0] == "dependencias" { return CaseID.dependencyCode(parts[1]) }
        guard parts.count == 2, dependencyDataFolders.contains(parts[0]) else { return nil }
        if isDependencyData(parts[1]) { return String(parts[1].dropLast(4)) }
        if isDependencyReview(parts[1]) { return String(parts[1].dropLast("-revision.md".count)) }
        return nil
    }
}
