import Foundation
import GitStore
import Procedures

extension Casebook {
    /// Steps of a replayed case recorded outside their window: each is counted, and one without a
    /// justification is an error (the manual's internal control).
    func timingFindings(_ replay: CaseReplay, path: String?, at tip: OID, reported: Set<OID>?) throws -> ([Violation], [TimedStep]) {
        // Only a monthly procedure's deadlines count from the case's month (`dayOfCaseMonth`, which
        // a schema may use nowhere else): the other cases' expediente.md is not parsed for it.
        let month = replay.definition.monthly ? try path.flatMap { try caseFields($0, at: tip)?.month } : nil
        let timings = timings(of: replay, month: month)
        var found: [Violation] = []
        var timed: [TimedStep] = []
        for record in replay.steps where reported?.contains(record.commit) ?? true {
            guard let timing = timings[record.commit], timing.isOutOfWindow else { continue }
            timed.append(timedStep(record, timing: timing, replay: replay))
            if record.justification?.nilIfEmpty == nil {
                found.append(Violation(commit: record.commit.hex, caseID: replay.id, step: record.step, rule: .deadline,
                                       message: "El paso se registró \(timing.description) sin justificación.",
                                       fix: "Fuera de plazo un paso lleva 'Justificacion:'; folio step --justificacion TEXTO la escribe. "
                                           + "Lo ya publicado no se reescribe: el jefe deja constancia con 'folio note \(replay.id) -m ...'."))
            }
        }
        return (found, timed)
    }

    /// The department's register changes by a jefe's act: every entry a commit adds or changes in
    /// `schemas/registro.yaml` names that commit's author and its day.
    func registerFindings(_ commit: CommitInfo) throws -> [Violation] {
        let now = try configEntry(DepartmentRegister.fileName, in: commit.id)
        let before = try commit.parents.first.flatMap { try configEntry(DepartmentRegister.fileName, in: $0) }
        guard let now, now != before else { return [] }
        func flag(_ message: String, _ fix: String) -> Violation {
            Violation(commit: commit.id.hex, caseID: nil, step: nil, rule: .register, message: message, fix: fix)
        }
        let current: DepartmentRegister
        do {
            // The commit's own file (not the one in force after it, which this judgment decides).
            current = try configuration.register(at: commit.id)
        } catch {
            return [flag("\(DepartmentRegister.fileName) no se puede leer: \(error)", "Un jefe lo corrige; 'folio criterios' lo escribe.")]
        }
        let previous = commit.parents.first.map { try? configuration.register(at: $0) } ?? nil
        let base = commit.parents.first ?? commit.id
        let author = try roster(at: base).find(commit.author.email)
        let day = clock.day(commit.author.date).description
        var found: [Violation] = []
        let added = current.criteria.filter { !(previous?.criteria.contains($0) ?? false) }.map { ("el criterio «\($0.key)» del procedimiento \($0.procedure)", $0) }
            + current.interpretations.filter { !(previous?.interpretations.contains($0) ?? false) }
                .map { ("la interpretación del paso \($0.key) del procedimiento \($0.procedure)", $0) }
        for (what, entry) in added {
            guard let author, author.holds(.jefe), entry.adoption.by == author.id else {
                found.append(flag("\(DepartmentRegister.fileName) registra \(what) como adoptado por \(entry.adoption.by), pero el commit es de "
                                  + "\(commit.author.name) <\(commit.author.email)>: un criterio o una interpretación los adopta un jefe en su propio commit.",
                                  "El jefe lo adopta con 'folio criterios adoptar' o 'folio criterios resolver' (Artículo 3)."))
                continue
            }
            if entry.adoption.on != day {
                found.append(flag("\(DepartmentRegister.fileName) fecha \(what) el \(entry.adoption.on), pero el commit es del \(day).",
                                  "Use 'folio criterios', que escribe la fecha del commit."))
            }
        }
        return found
    }
}
