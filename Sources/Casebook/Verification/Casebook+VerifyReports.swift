import Crypto
import Foundation
import GitStore
import Procedures

/// A yearly report sent stays as it was sent (P1-14, "Traslada informe a la Subgerencia"): the
/// documents a cycle's last step requires are kept, from that step on, byte for byte.
extension Casebook {
    /// The documents each recorded round's last step sent, with the blob each held then.
    func sentReports(_ replay: CaseReplay, path: String) throws -> [(file: String, blob: OID, sentBy: StepRecord)] {
        guard let cycle = replay.definition.cycle else { return [] }
        let documents = replay.definition.requirements(for: cycle.last).flatMap(\.requirement.documents)
        guard !documents.isEmpty else { return [] }
        var sent: [(file: String, blob: OID, sentBy: StepRecord)] = []
        var accepted: [StepRecord] = []
        for record in replay.steps {
            if record.step.map(ProcedureDefinition.normalize(step:)) == cycle.last {
                // The round's year as the step saw it when it was recorded (`recordStepLocked`).
                let calendar = calendar(replay.id, definition: replay.definition, steps: accepted, month: nil)
                let year = replay.definition.cycleYear(calendar: calendar, today: clock.day(effectiveDate(record)))
                for document in documents {
                    let file = "\(path)/\(document.path(dependency: nil, year: year))"
                    if let blob = try repository.entryID(at: file, in: record.commit) { sent.append((file, blob, record)) }
                }
            }
            accepted.append(record)
        }
        return sent
    }

    /// Verify: every report sent is, at `tip`, what its round's last step sent (cases in `only`, when given).
    func sentReportFindings(at tip: OID, history: History, only: Set<String>? = nil, paths known: [String: String]? = nil) throws -> [Violation] {
        var found: [Violation] = []
        let paths = try known ?? casePaths(at: tip)
        for id in history.caseIDs where only?.contains(id) ?? true {
            // Only procedures with a yearly cycle are replayed again; a case whose definition cannot
            // be read is verify's finding elsewhere.
            guard let path = paths[id], let first = history.records(of: id).first, let number = first.procedure.flatMap(Int.init),
                  (try? definition(number, at: first.commit))??.cycle != nil,
                  let replay = try? replay(id, in: history) else { continue }
            for report in try sentReports(replay, path: path) where try repository.entryID(at: report.file, in: tip) != report.blob {
                let missing = try repository.entryID(at: report.file, in: tip) == nil
                found.append(Violation(
                    commit: tip.hex, caseID: id, step: report.sentBy.step, rule: .sentReport,
                    message: "\(report.file) se trasladó con el paso \(report.sentBy.step ?? "") (commit \(report.sentBy.commit.short), "
                        + "\(clock.day(report.sentBy.author.date))) y \(missing ? "ya no está" : "cambió después"): un informe trasladado no se modifica.",
                    fix: "Restaure el informe trasladado: 'git restore --source=\(report.sentBy.commit.short) -- \(report.file)' y regístrelo con 'folio note'."))
            }
        }
        return found
    }

    /// A step or a note refuses to commit a sent report changed (or deleted) in the work tree.
    func refuseChangedSentReports(_ replay: CaseReplay, path: String) throws {
        guard replay.definition.cycle != nil else { return }
        for report in try sentReports(replay, path: path) {
            let data = FileManager.default.contents(atPath: "\(root)/\(report.file)")
            guard data.map(Self.gitBlobID) != report.blob.hex else { continue }
            throw CasebookError.invalidFile(
                file: report.file,
                reason: "se trasladó con el paso \(report.sentBy.step ?? "") (commit \(report.sentBy.commit.short), \(clock.day(report.sentBy.author.date))) "
                    + "y \(data == nil ? "falta" : "cambió"): un informe trasladado no se modifica",
                fix: "Restáurelo con 'git restore --source=\(report.sentBy.commit.short) -- \(report.file)'; lo nuevo va en el informe del año siguiente.")
        }
    }

    /// The id git gives `data` as a blob (SHA-1 of `blob <size>\0` and the bytes).
    static func gitBlobID(_ data: Data) -> String {
        var hasher = Insecure.SHA1()
        hasher.update(data: Data("blob \(data.count)\u{0}".utf8))
        hasher.update(data: data)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
