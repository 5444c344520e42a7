import Foundation
import GitStore
import Procedures

/// One case whose routing slip `folio hoja-de-ruta` wrote.
public struct SlipWritten: Sendable {
    public var caseID: String
    public var path: String
    public var commit: OID
}

extension Casebook {
    /// Writes the routing slip of each case (`ids`, or every case) whose committed slip is missing
    /// or differs from its history, in one commit per case authored by a jefe: a repository kept
    /// with an older folio gets its slips, and a hand-edited slip is put right.
    public func writeSlips(ids: [String]?, persona key: String?) throws -> [SlipWritten] {
        try writing { try writeSlipsLocked(ids: ids, persona: key) }
    }

    func writeSlipsLocked(ids: [String]?, persona key: String?) throws -> [SlipWritten] {
        var head = try checkWritable()
        let roster = try roster(at: head)
        let persona = try self.persona(key, in: roster)
        guard persona.holds(.jefe) else { throw CasebookError.notJefe(persona: persona.id, action: "escribir las hojas de ruta") }
        let history = try loadHistory(at: head)
        let paths = try casePaths(at: head)
        var targets: [(String, String)] = []
        if let ids {
            for raw in ids { targets.append(try locate(raw, head: head)) }
        } else {
            targets = history.caseIDs.compactMap { id in paths[id].map { (id, $0) } }.sorted { $0.1 < $1.1 }
        }
        var written: [SlipWritten] = []
        for (id, path) in targets {
            guard let replay = try replay(id, in: history) else { throw CasebookError.unknownCase(id) }
            let file = "\(path)/\(RoutingSlip.fileName)"
            let committed = try repository.fileID(at: file, in: head)
            // Byte for byte, by ids, as verify compares them.
            if committed == OID.blob(of: RoutingSlip.render(caseID: id, definition: replay.definition, records: replay.records)) { continue }
            let plan = CommitPlan.slip(id, procedure: replay.definition.number)
            let text = committed == nil ? "Escribe la hoja de ruta a partir de la historia del expediente."
                : "Escribe de nuevo la hoja de ruta a partir de la historia del expediente (la registrada no coincidía)."
            head = try recording { edit in
                try writeSlip(id: id, path: path, definition: replay.definition, earlier: replay.records, author: persona,
                              trailers: plan.trailers, text: text, edit: edit)
                // Only the slip: whatever else is being edited in the case stays for its own step.
                return try commit(plan, paths: [file], parent: head, author: persona, roster: roster, text: text)
            }
            written.append(SlipWritten(caseID: id, path: path, commit: head))
        }
        return written
    }
}
