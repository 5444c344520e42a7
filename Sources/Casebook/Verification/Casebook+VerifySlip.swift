import Foundation
import GitStore
import Procedures

extension Casebook {
    /// The routing slips of one case checked against its history: each folio commit of the case
    /// that carries a slip must carry the rendering of the records up to it (only those in
    /// `reported`, when given).
    func slipFindings(_ id: String, records: [StepRecord], definition: ProcedureDefinition, reported: Set<OID>?) throws -> [Violation] {
        var found: [Violation] = []
        let fix = "Escriba la hoja de ruta de nuevo desde la historia: 'folio hoja-de-ruta \(id) --as JEFE'."
        var path: String? = nil
        // Whether an earlier commit of the case carried a slip: only then can a later one have deleted it.
        var carried = false
        // Each commit's slip is the one before it and one row more: built so as the records go
        // (rendering each whole took a case of n steps n²/2 rows, a sixth of a full verify).
        var slip = RoutingSlip.header(caseID: id, definition: definition)
        for (k, record) in records.enumerated() {
            slip += RoutingSlip.row(k, record, definition: definition)
            guard reported?.contains(record.commit) ?? true else { continue }
            // What the walk saw at this commit (`rememberSlip`), else read now: an old commit's trees
            // are no longer in the tree cache, and reading them again for every step doubled verify.
            let seen = slipsSeen[record.commit]
            let seenPath = seen?.path
            if path == nil { path = try seenPath ?? casePath(id, at: record.commit) }
            guard let path else { continue }
            let file = "\(path)/\(RoutingSlip.fileName)"
            let blob = try seenPath == path ? seen?.blob : repository.fileID(at: file, in: record.commit)
            guard let blob else {
                // A case opened before routing slips has none; one its parent had is not deleted by a case's commit.
                if carried || reported != nil, let parent = record.parent, try repository.fileID(at: file, in: parent) != nil,
                   try repository.entry(at: path, in: record.commit) != nil {
                    found.append(Violation(commit: record.commit.hex, caseID: id, step: record.step, rule: .routingSlip,
                                           message: "El commit quita \(file): la hoja de ruta acompaña al expediente en cada paso.",
                                           fix: fix))
                }
                continue
            }
            carried = true
            // The same bytes or not, by their ids: the slip is not read from the pack (a step's
            // slip holds its case's every row; reading each one was a tenth of a case's checks).
            if OID.blob(of: slip) != blob {
                found.append(Violation(commit: record.commit.hex, caseID: id, step: record.step, rule: .routingSlip,
                                       message: "\(path)/\(RoutingSlip.fileName) de este commit no es la historia del expediente hasta él.",
                                       fix: fix))
            }
        }
        return found
    }

    /// Where the case of `record` is at `commit` and its routing slip's blob, read while the walk
    /// has `commit`'s trees at hand, for `slipFindings` (through `slipsSeen`, one case at a time).
    func walkedSlip(_ record: StepRecord, at commit: OID) throws -> (path: String?, blob: OID?) {
        guard let path = try casePath(record.caseID, at: commit) else { return (nil, nil) }
        return (path, try repository.fileID(at: "\(path)/\(RoutingSlip.fileName)", in: commit))
    }

    /// Whether the folder `path` holds a routing slip at `commit`: as the walk saw it (`slipsSeen`,
    /// when it found the case in that folder there), else read from `commit`'s trees.
    private func holdsSlip(_ path: String, at commit: OID) throws -> Bool {
        if let seen = slipsSeen[commit], seen.path == path { return seen.blob != nil }
        return try repository.fileID(at: "\(path)/\(RoutingSlip.fileName)", in: commit) != nil
    }

    /// At `tip` (a full verify), every case's slip must be the rendering of its whole history: a
    /// hand edit is a finding that `folio hoja-de-ruta` puts right.
    func slipTipFindings(at tip: OID, history: History, only: Set<String>? = nil, paths known: [String: String]? = nil) throws -> [Violation] {
        var found: [Violation] = []
        let paths = try known ?? casePaths(at: tip)
        for id in history.caseIDs where only?.contains(id) ?? true {
            guard let path = paths[id] else {
                // A case with a history whose folder is gone was deleted outside folio: nobody could act on it.
                // (A trailer naming a case no commit ever opened is `ruleCase`'s finding, not a deletion.)
                if let last = try lastFolder(of: id, records: history.records(of: id)) {
                    found.append(Violation(commit: tip.hex, caseID: id, step: nil, rule: .caseExists,
                                           message: "La carpeta del expediente \(id) ya no está en cases/: se borró o se movió fuera de folio (estaba en \(last.folder) en \(last.commit.short)).",
                                           fix: "Un expediente no se borra: " + Self.restoreFix(id, last)))
                }
                continue
            }
            guard let replay = try? replay(id, in: history) else { continue }
            found += try slipTipFinding(id, path: path, definition: replay.definition, records: replay.records, tip: tip)
        }
        return found
    }

    private func slipTipFinding(_ id: String, path: String, definition: ProcedureDefinition, records: [StepRecord],
                                tip: OID) throws -> [Violation] {
        var found: [Violation] = []
        let fix = "Escriba la hoja de ruta de nuevo desde la historia: 'folio hoja-de-ruta \(id) --as JEFE'."
        let file = "\(path)/\(RoutingSlip.fileName)"
        guard let blob = try repository.fileID(at: file, in: tip) else {
            // A case folio opened with its slip has lost it: deleted, not an older repository.
            if let last = records.last, try holdsSlip(path, at: last.commit) || (records.first.map { try holdsSlip(path, at: $0.commit) } ?? false) {
                found.append(Violation(commit: tip.hex, caseID: id, step: nil, rule: .routingSlip,
                                       message: "Falta \(file): el expediente la tenía y se borró fuera de folio.", fix: fix))
                return found
            }
            found.append(Violation(commit: tip.hex, caseID: id, step: nil, rule: .routingSlip,
                                   message: "El expediente no tiene hoja de ruta (\(file)): se abrió con una versión anterior de folio.",
                                   fix: "Un jefe escribe las hojas de ruta que faltan: 'folio hoja-de-ruta --todas --as JEFE'.",
                                   severity: .warning))
            return found
        }
        // Byte for byte, by their ids (two strings of other bytes can be equal as Swift strings:
        // another Unicode form), without reading the slip.
        if OID.blob(of: RoutingSlip.render(caseID: id, definition: definition, records: records)) != blob {
            found.append(Violation(commit: tip.hex, caseID: id, step: nil, rule: .routingSlip,
                                   message: "\(file) no coincide con la historia del expediente: se editó a mano o fuera de folio.",
                                   fix: fix))
        }
        return found
    }
}
