import Foundation
import GitStore
import Procedures

/// Where the dependencies a round expects stand (P2's POAs, P3's and P5's months).
public struct RoundStatus: Sendable {
    /// Codes expected: `dependencias_esperadas` of `expediente.md`, or else the codes of the
    /// contacts registered in `roles.yaml` with the role of the round's first step.
    public var expected: [String]
    /// Expected dependencies that have not finished their part, and are not excused.
    public var missing: [String]
    /// Dependencies the jefe closed the round without, with the reason.
    public var excused: [(code: String, reason: String)]
}

/// What a version of an `expediente.md` lists in `dependencias_esperadas`: the codes (nil when
/// it lists none) and its first item that names no dependency (`Casebook.badExpectedItem(in:)`).
struct ExpectedList: Sendable {
    var codes: Set<String>?
    var bad: String?

    init() {}

    init(_ listed: (codes: [String]?, bad: String?)) {
        codes = listed.codes.map(Set.init)
        bad = listed.bad
    }
}

/// A change of `dependencias_esperadas` committed after a case's last record by someone who is not
/// a jefe: with plain git, since folio's step and note refuse it. Verify reports that commit [role]
/// and the shared repository refuses it; until it leaves the branch (or a jefe reverts it), the
/// round expects what the last record left listed, status shows the case as damaged with nothing
/// to do, and folio records no step, note or excuse of the case on top of it, but a jefe's note
/// that writes the list anew. attack18: the clone's status showed the shorter list, and folio's
/// own closing step was judged on it; staff21: a jefe's excuse on top of it hid it.
struct ForeignListChange: Sendable {
    /// The commit that changed the list, and its author (a persona's id, or name and email).
    var commit: OID
    var author: String
    /// The codes listed at the last record (nil: none written, the roster's contacts are expected)
    /// and after the change.
    var listed: [String]?
    var changed: Set<String>?

    /// The verdict's words, for status and for the refusal.
    func reason(_ id: String) -> String {
        let show = { (codes: [String]?) in codes.map { $0.isEmpty ? "ninguna" : $0.joined(separator: ", ") } ?? "los enlaces de roles.yaml" }
        return "el commit \(commit.short) cambió '\(Casebook.expectedField)' (de \(show(listed)) a \(show(changed?.sorted()))) y su autor, "
            + "\(author), no es jefe: qué dependencias espera la ronda lo dice el jefe, y el repositorio compartido rechaza ese commit [role]. "
            + "Hasta que salga de la rama, la ronda de \(id) espera \(show(listed)), y folio no registra pasos, notas ni excusas del expediente"
    }

    /// The verdict and its fix in one text, as status's damage and check's problem say it.
    func text(_ id: String) -> String { reason(id) + ". " + fix }

    var fix: String {
        // A jefe's note takes a list written anew, not the same one (attack35: "the list that
        // corresponds" was offered and the same list refused), and an unpublished commit is dropped,
        // not reverted (staff35: the push still carries it): out of the branch first, then the list.
        dropFix(commit.hex) + "; si ya se publicó, un jefe lo revierte ('git revert \(commit.short)'). Después, la lista que corresponda "
            + "(aunque sea la de ese commit) la escribe el jefe y la registra con 'folio note'. Para cerrar sin una dependencia, el jefe usa 'folio excusar'."
    }
}

extension Casebook {
    /// The role whose registered contacts a round expects: the external role of the round's first
    /// step (P3: dependencia, P5: unidad-ejecutora); P2's POAs come from the dependencias.
    func expectedRole(_ definition: ProcedureDefinition) -> Role? {
        guard let first = definition.dependencyBlock?.first else { return nil }
        return first.roles.first(where: \.isExternal) ?? .dependencia
    }

    /// What the round's parties are called: executing units in P5, dependencies elsewhere.
    func partyNoun(_ definition: ProcedureDefinition) -> (one: String, many: String) {
        expectedRole(definition) == .unidadEjecutora ? ("unidad ejecutora", "unidades ejecutoras") : ("dependencia", "dependencias")
    }

    /// Where the round of a case stands, by its replayed history, the work tree's `expediente.md`
    /// and `roster`.
    /// A round that has ended keeps the dependencies expected as of the commit that ended it (its
    /// last step or the jefe's last excuse): a contact registered later does not reopen it.
    /// With `foreign`, the round expects what the case's last record left listed.
    func roundStatus(_ replay: CaseReplay, path: String, roster current: Roster, foreign: ForeignListChange? = nil) -> RoundStatus? {
        guard let role = expectedRole(replay.definition) else { return nil }
        // The excuses the round accepted (made by a jefe, of a pending dependency, while it was open).
        let excused = replay.excuses.compactMap { record in record.excuse.flatMap(CaseID.dependencyCode).map { ($0, record.text) } }
        let listed: [String]?
        if let foreign {
            listed = foreign.listed
        } else {
            // Stamped before it is read: an edit made while it is read changes the stamp.
            workTreeFiles[path + "/expediente.md"] = fileStamp(path + "/expediente.md")
            listed = Self.listedCodes(((try? caseDocument("expediente.md", in: path)) ?? nil)?[Self.expectedField])
        }
        let expected = Self.expectedCodes(listed: listed, roster: roundRoster(replay, current: current), role: role)
        let finished = Set(replay.machine.threads.filter { $0.next == nil }.map(\.code))
        let excusedCodes = Set(excused.map(\.0))
        let missing = expected.filter { !finished.contains($0) && !excusedCodes.contains($0) }
        return RoundStatus(expected: expected, missing: missing, excused: excused)
    }

    /// The roster a round's expected dependencies are read from: `current`, or for a round that
    /// has ended the one of the commit that ended it (its last step or the jefe's last excuse).
    func roundRoster(_ replay: CaseReplay, current: Roster) -> Roster {
        let accepted = Set(replay.steps.map(\.commit))
        let lastExcuse = replay.excuses.last?.commit
        guard replay.machine.state == .closed,
              let ended = replay.records.last(where: { accepted.contains($0.commit) || $0.commit == lastExcuse }),
              let then = try? roster(at: ended.commit) else { return current }
        return then
    }

    /// The codes a round expects, each once: those `dependencias_esperadas` lists (`listedCodes`),
    /// or else the codes of `roster`'s contacts holding `role`.
    static func expectedCodes(listed: [String]?, roster: Roster, role: Role) -> [String] {
        let expected = listed
            ?? roster.personas.filter { $0.holds(role) }.compactMap { $0.dependency.flatMap(CaseID.dependencyCode) }
        var seen: Set<String> = []
        return expected.filter { seen.insert($0).inserted }
    }

    /// The codes `dependencias_esperadas` writes (a list, or "HGE, HRO" as text); nil when it is
    /// not written (the roster's contacts are expected then).
    static func listedCodes(_ listed: (any Sendable)?) -> [String]? {
        if let list = listed as? [any Sendable] {
            return list.compactMap { CaseID.dependencyCode(Requirement.text($0)) }
        } else if let text = listed as? String, !text.isEmpty {
            return listedWords(text).compactMap { CaseID.dependencyCode($0) }
        }
        return nil
    }

    /// The field of `expediente.md` that says which dependencies a round expects.
    static let expectedField = "dependencias_esperadas"

    /// Whether a version of `expediente.md` may write `dependencias_esperadas`: its bytes name the
    /// field, or hold a backslash, with which a quoted key spells it otherwise
    /// (`"dependencias\x5fesperadas"`, attack21: committed readers saw no list where the work
    /// tree's parser saw one). Files that do not are not parsed for it.
    static func mayListExpected(_ data: Data) -> Bool {
        // In the bytes where they lie (`ByteSearch`): a full verify asks it of every version of every expediente.md.
        data.withUnsafeBytes { bytes in
            bytes.contains(UInt8(ascii: "\\")) || ByteSearch.contains(expectedFieldBytes, in: bytes)
        }
    }
    private static let expectedFieldBytes = Array(expectedField.utf8)

    /// The expected codes an `expediente.md` lists (`listedCodes`); nil when it lists none or
    /// cannot be read. Files that do not mention the field are not parsed.
    static func listedCodes(in data: Data?, file: String) -> [String]? {
        guard let data, mayListExpected(data) else { return nil }
        return (try? checkedListedCodes(in: data, file: file))?.codes
    }

    /// `FrontMatterDocument.check(data:file:)` of an `expediente.md`, the codes it lists and its
    /// first item that names no dependency (`badExpectedItem(in:)`): read in the same reading of its
    /// events when that decides (a list or a text of words, as folio writes it), else from the file
    /// loaded. The content check judges each committed version so, and a step the work tree's.
    static func checkedListedCodes(in data: Data, file: String) throws -> (codes: [String]?, bad: String?) {
        let mentioned = mayListExpected(data)
        let captured = try FrontMatterDocument.check(data: data, file: file, capturing: mentioned ? expectedField : nil)
        guard mentioned else { return (nil, nil) }
        switch captured {
        case .absent: return (nil, nil)
        case .text(let text): return (listedCodes(text), badExpectedItem(in: text))
        case .list(let items): return (listedCodes(items.map { $0 as any Sendable }), badExpectedItem(in: items))
        case .undecided:
            guard let listed = (try? FrontMatterDocument.parse(data: data, file: file))?.fields[expectedField] else { return (nil, nil) }
            return (listedCodes(FrontMatterDocument.plain(listed)), badExpectedItem(in: listed))
        }
    }

    /// How the work tree's `expediente.md` of the case at `path` changes the list HEAD commits:
    /// (before, after), or nil when it does not.
    func workTreeListChange(path: String, head: OID) throws -> (before: Set<String>?, after: Set<String>?)? {
        let file = "\(path)/expediente.md"
        let before = Self.listedCodes(in: try repository.file(at: file, in: head), file: file).map(Set.init)
        let after = Self.listedCodes(in: FileManager.default.contents(atPath: "\(root)/\(file)"), file: file).map(Set.init)
        return before == after ? nil : (before, after)
    }

    /// Which dependencies a round expects is the jefe's to say: once the case is open, only a
    /// jefe (of `roster`) changes `dependencias_esperadas`, which opens or closes a round as an
    /// excuse does (attack16v: an analyst's note dropped a dependency that had not reported, and
    /// the month closed with no excuse and no reason); nor does anyone else write it when opening
    /// the case (attack16w: a month opened with a short list closed the same way). The change as
    /// (before, after), or nil when the list did not change or `author` is a jefe.
    func expectedListChange(_ file: String, from parent: OID, to commit: OID, author: Persona?) throws -> (before: Set<String>?, after: Set<String>?)? {
        guard author?.holds(.jefe) != true else { return nil }
        let old = try repository.entry(at: file, in: parent)
        let new = try repository.entry(at: file, in: commit)
        guard old?.id != new?.id else { return nil }
        let before = try expectedList(file, at: old).codes, after = try expectedList(file, at: new).codes
        return before == after ? nil : (before, after)
    }

    /// What a version of an `expediente.md` lists in `dependencias_esperadas`: as the content check
    /// read it, when it did (`ContentMemo.list(of:)`), else read here; a folder, link or submodule of
    /// that name lists nothing (it is the rule expediente's finding). A walk meets each version twice
    /// (as a commit's and as its child's parent's): the last one read here per file is kept.
    func expectedList(_ file: String, at entry: (id: OID, mode: UInt32)?) throws -> ExpectedList {
        guard let entry, entry.mode == 0o100644 || entry.mode == 0o100755 else { return ExpectedList() }
        if let read = contentMemo.list(of: entry.id) { return read }
        if let seen = expectedListsSeen[file], seen.blob == entry.id { return seen.list }
        let data = try repository.blob(entry.id)
        // Files that do not mention the field are not read further.
        let list = !Self.mayListExpected(data) ? ExpectedList()
            : (try? Self.checkedListedCodes(in: data, file: file)).map(ExpectedList.init) ?? ExpectedList()
        expectedListsSeen[file] = (entry.id, list)
        return list
    }

    /// The first item of the work tree's `dependencias_esperadas` list (at `path`) that is no
    /// dependency code, as written: `[OBRAS EQUIPO]` (a comma left out) would otherwise be read as
    /// a round that expects no one, which closes at once. nil when every item is a code.
    func badExpectedItem(path: String) -> String? {
        let file = "\(path)/expediente.md"
        guard let data = FileManager.default.contents(atPath: "\(root)/\(file)") else { return nil }
        return (try? Self.checkedListedCodes(in: data, file: file))?.bad
    }

    /// The first item of a `dependencias_esperadas` value, as loaded (nulls kept), that names no
    /// dependency: an empty or null item of a list (`[null]`, a `-` with nothing after it), an
    /// item that is no code, or a text whose words are not codes or that has none (`"-"`). A
    /// value not written, or written empty, says the roster's contacts; `[]` (or "[]") says no one.
    static func badExpectedItem(in listed: Any) -> String? {
        if let list = listed as? [Any] {
            for item in list {
                guard let plain = FrontMatterDocument.plain(item) else { return "" }
                let text = Requirement.text(plain)
                if CaseID.dependencyCode(text) == nil { return text }
            }
            return nil
        }
        // A mapping (`{XYZ: 1}`) or a truth value is no list of codes, and would otherwise be read as
        // no list at all, the roster's contacts expected instead (attack34).
        if let map = listed as? [String: Any] { return "{" + map.keys.sorted().joined(separator: ", ") + "}" }
        if let truth = listed as? Bool { return truth ? "true" : "false" }
        // "[]" as a text is how `--set dependencias_esperadas=[]` writes the empty list.
        guard let text = listed as? String, !["", "[]"].contains(text.filter { !$0.isWhitespace }) else { return nil }
        let words = listedWords(text)
        return words.isEmpty ? text : words.first { CaseID.dependencyCode($0) == nil }
    }

    /// The words of `dependencias_esperadas` written as a text (`HGE, HRO`, `HGE HRO`).
    static func listedWords(_ text: String) -> [String] {
        text.components(separatedBy: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_")).inverted).filter { !$0.isEmpty }
    }

    /// The item naming no dependency that `commit` writes into the list of `file` (`badExpectedItem(in:)`),
    /// when its parent's version did not hold the same: the commit that wrote it is named, not
    /// every later one that edits the file. The content check has read each changed version once.
    func newBadExpectedItem(_ file: String, from parent: OID, to commit: OID) throws -> String? {
        let old = try repository.entry(at: file, in: parent)
        guard let new = try repository.entry(at: file, in: commit), new.id != old?.id,
              let bad = try expectedList(file, at: new).bad else { return nil }
        return try expectedList(file, at: old).bad == bad ? nil : bad
    }

    /// Why `item` of `dependencias_esperadas` is refused, and how to write it.
    static func badExpectedItemText(_ item: String) -> (reason: String, fix: String) {
        // Codes written without their commas (`HGE HRO`): the item's own codes, as they go (staff34:
        // the example alone, copied, dropped a dependency).
        let words = listedWords(item)
        let own = words.count > 1 && words.allSatisfy { CaseID.dependencyCode($0) == $0 }
            ? " Donde dice \(SafeText.terminal(item).debugDescription), escriba \(words.joined(separator: ", "))." : ""
        return ("'\(expectedField)' lista \(SafeText.terminal(item).debugDescription), que no es el código de una dependencia (letras sin tilde, "
                    + "números, '-' o '_', hasta 20), y la ronda no la esperaría",
                "Escriba un código por elemento, separados por comas: \(expectedField): [HGE, HRO].\(own)")
    }

    /// The change of `dependencias_esperadas` made since the case's last record (its newest step,
    /// note or excuse that the replay accepted) by someone who is not a jefe, as of `head`; nil
    /// when the list is the one that record left, or each change since was a jefe's. Only a round
    /// still to be judged is read: an open case, or a closed one a new dependency could open (P2).
    /// The record's version and HEAD's are compared first; the commits since are read only when
    /// the lists differ (a jefe's change with plain git, until the case's next record, or this).
    func foreignListChange(_ replay: CaseReplay, path: String, head: OID) throws -> ForeignListChange? {
        guard !path.isEmpty, expectedRole(replay.definition) != nil,
              replay.machine.state != .closed || replay.machine.allowedNext.contains(where: \.startsDependency) else { return nil }
        let key = "\(replay.id) \(head.hex)"
        if let known = foreignListChanges[key] { return known }
        let found = try findForeignListChange(replay, path: path, head: head)
        foreignListChanges[key] = .some(found)
        return found
    }

    private func findForeignListChange(_ replay: CaseReplay, path: String, head: OID) throws -> ForeignListChange? {
        // The list is the jefe's as of the case's opening (only a jefe writes one there) and as of
        // each record of a jefe; a record of anyone else may stand on a change it did not make
        // (attack21: a note cherry-picked on top of the analyst's change).
        let refused = Set(replay.refused.map(\.record.commit))
        let records = replay.records.filter { !refused.contains($0.commit) }
        guard let anchor = records.last(where: { $0.role == Role.jefe.rawValue }) ?? records.first, anchor.commit != head else { return nil }
        let file = "\(path)/expediente.md"
        func version(at commit: OID) throws -> (file: String, entry: (id: OID, mode: UInt32)?) {
            if let entry = try repository.entry(at: file, in: commit) { return (file, entry) }
            // (Where the case was then: a case moved to another year's folder is read where it was.)
            let there = "\(try casePath(replay.id, at: commit) ?? path)/expediente.md"
            return (there, try repository.entry(at: there, in: commit))
        }
        let then = try version(at: anchor.commit)
        let now = try repository.entry(at: file, in: head)
        let listed = try expectedList(then.file, at: then.entry).codes
        guard then.entry?.id != now?.id, try listed != expectedList(file, at: now).codes else { return nil }
        // Rare (a jefe's change with plain git, or this): what counts is the last change, read in
        // the newest stretch between two records of the case (or the last one and HEAD) where the
        // list changed, not in every commit since the anchor. An earlier change by someone else that
        // a jefe's later one replaced is verify's finding, not the list's.
        var checkpoints: [(commit: OID, codes: Set<String>?)] = [(anchor.commit, listed)]
        for record in records.drop(while: { $0.commit != anchor.commit }).dropFirst() {
            let at = try version(at: record.commit)
            checkpoints.append((record.commit, try expectedList(at.file, at: at.entry).codes))
        }
        checkpoints.append((head, try expectedList(file, at: now).codes))
        guard let (from, to) = zip(checkpoints, checkpoints.dropFirst()).reversed().first(where: { $0.codes != $1.codes }) else { return nil }
        var previous = try version(at: from.commit).entry
        var last: CommitInfo?
        _ = try walkLine(after: from.commit, to: to.commit) { commit in
            let entry = try repository.entry(at: file, in: commit.id)
            defer { previous = entry }
            if entry?.id != previous?.id, commit.parents.first != nil,
               try expectedList(file, at: previous).codes != expectedList(file, at: entry).codes { last = commit }
        }
        guard let last, let parent = last.parents.first else { return nil }
        // The author is who the signature says when signatures count: a change authored as the jefe
        // and signed with another key is not the jefe's (attack21), as verify's rule signature says.
        let signed = try ruleSignature(facts(of: last, record: nil, isRoot: false, previousInCase: nil)).isEmpty
        let author = signed ? (try? roster(at: parent))?.find(last.author.email) : nil
        guard let change = try expectedListChange(file, from: parent, to: last.id, author: author) else { return nil }
        let declared = "\(last.author.name) <\(last.author.email)>" + (signed ? "" : " (su firma no es la de esa persona en roles.yaml)")
        let found = ForeignListChange(commit: last.id, author: author?.id ?? declared,
                                      listed: try then.entry.flatMap { Self.listedCodes(in: try repository.blob($0.id), file: then.file) },
                                      changed: change.after)
        return found
    }

    /// A step, note or excuse of a case whose `dependencias_esperadas` someone who is not a jefe
    /// changed since its last record (`foreignListChange`) is refused: it would be judged on that
    /// list, published on top of a commit the shared repository refuses, and, as a new last
    /// record, hide that change. Only a jefe's note that writes the list anew is taken.
    func refuseForeignListChange(_ replay: CaseReplay, path: String, head: OID) throws {
        guard let foreign = try foreignListChange(replay, path: path, head: head) else { return }
        throw CasebookError.invalidFile(file: "\(path)/expediente.md", reason: foreign.reason(replay.id), fix: foreign.fix)
    }

    /// A step or note by someone who is not a jefe refuses a changed `dependencias_esperadas`
    /// in the work tree (`expectedListChange`); anyone's refuses a listed item that is no code.
    func checkExpectedList(path: String, persona: Persona, head: OID) throws {
        if let item = badExpectedItem(path: path) {
            let text = Self.badExpectedItemText(item)
            throw CasebookError.invalidFile(file: "\(path)/expediente.md", reason: text.reason, fix: text.fix)
        }
        guard !persona.holds(.jefe), let (before, after) = try workTreeListChange(path: path, head: head) else { return }
        throw CasebookError.invalidFile(
            file: "\(path)/expediente.md",
            reason: "cambia '\(Self.expectedField)' (de \(before.map { $0.sorted().joined(separator: ", ") } ?? "los enlaces de roles.yaml") "
                + "a \(after.map { $0.sorted().joined(separator: ", ") } ?? "los enlaces de roles.yaml")): qué dependencias espera la ronda lo dice el jefe",
            fix: "Deshaga ese cambio ('git restore \(SafeText.shellWord("\(path)/expediente.md"))' si no hay otro) y pida al jefe que lo registre con 'folio note'; "
                + "para cerrar sin una dependencia, el jefe usa 'folio excusar'.")
    }

    /// Whether a round had closed at `parent`, for a new dependency's first step on top of it in a
    /// round whose end closes the case (P2: every POA archived): every dependency it expected, as
    /// committed at `parent` (`dependencias_esperadas`, or the contacts of the roster where the
    /// round ended), had finished or been excused. Such a step would open the round again, which neither
    /// folio nor the shared repository takes (attack16r); a jefe who expects one more POA lists it
    /// in `dependencias_esperadas` first.
    func roundClosed(at parent: OID, in replay: CaseReplay) throws -> Bool {
        guard replay.machine.state == .closed, replay.machine.allowedNext.contains(where: \.startsDependency) else { return false }
        return try committedMissing(replay, at: parent)?.isEmpty == true
    }

    /// The dependencies a round expects as committed at `commit` (`dependencias_esperadas` of its
    /// `expediente.md`, or the contacts of the roster: `commit`'s, or where the round ended) that
    /// have neither finished nor been excused; nil for a case without a round.
    func committedMissing(_ replay: CaseReplay, at commit: OID) throws -> [String]? {
        guard let role = expectedRole(replay.definition) else { return nil }
        let listed = try casePath(replay.id, at: commit).flatMap { path in
            Self.listedCodes(in: try repository.file(at: "\(path)/expediente.md", in: commit), file: "\(path)/expediente.md")
        }
        let expected = Self.expectedCodes(listed: listed, roster: roundRoster(replay, current: try roster(at: commit)), role: role)
        let finished = Set(replay.machine.threads.filter { $0.next == nil }.map(\.code))
        let excused = Set(replay.machine.excused)
        return expected.filter { !finished.contains($0) && !excused.contains($0) }
    }

    /// Why the step closing a month's round (P3-06, P5-02) may not be recorded yet, judged on
    /// what is committed before it, as folio's step judges it (`checkClosing`): dated before the
    /// month ended, or an expected dependency has not finished and is not excused. A commit made
    /// with plain git that closes early is refused by verify and the hook as folio refuses it.
    func closingRefusal(_ record: StepRecord, in replay: CaseReplay) throws -> ProcedureError? {
        guard let number = record.step.map(ProcedureDefinition.normalize(step:)), number == replay.definition.roundExit,
              let first = replay.definition.dependencyBlock?.first?.number else { return nil }
        let parent = record.parent ?? record.commit
        if replay.definition.monthly, let path = try casePath(replay.id, at: parent), let month = try committedMonth(replay.id, path: path, at: parent) {
            let firstDay = month.monthStart(adding: 1)
            if clock.day(record.author.date) < firstDay {
                return .monthNotEnded(step: number, month: String(month.description.prefix(7)), from: firstDay.description)
            }
        }
        guard let missing = try committedMissing(replay, at: parent), !missing.isEmpty else { return nil }
        return .dependenciesPending(step: number, pending: missing.map { code in
            (code, replay.machine.threads.first { $0.code == code }?.next ?? first)
        }, firstStep: first)
    }

    /// An excuse counts only when a jefe of the parent commit's roster made it.
    func isAuthorizedExcuse(_ record: StepRecord) throws -> Bool {
        try roster(at: record.parent ?? record.commit).find(record.author.email)?.holds(.jefe) == true
    }

    /// The state a person is told: a case whose round has ended for the dependencies that started
    /// (P2 after the last POA archived) stays open while an expected dependency is missing.
    func effectiveState(_ replay: CaseReplay, path: String, roster: Roster, foreign: ForeignListChange? = nil) -> CaseState {
        let state = replay.machine.state
        guard state == .closed, replay.machine.allowedNext.contains(where: \.startsDependency),
              let round = roundStatus(replay, path: path, roster: roster, foreign: foreign), !round.missing.isEmpty else { return state }
        return .open
    }

    /// The step that closes the round (P3-06, P5-02) is refused while the month has not ended or
    /// an expected dependency has not finished and is not excused.
    func checkClosing(_ step: StepDefinition, replay: CaseReplay, path: String, roster: Roster) throws {
        guard let block = replay.definition.dependencyBlock, let last = block.last,
              case .step(let exit) = replay.definition.transition(after: last, decision: nil), exit == step.number else { return }
        if replay.definition.monthly, let month = caseMonth(replay.id, path: path) {
            let firstDay = month.monthStart(adding: 1)
            if clock.day(clock.now) < firstDay {
                throw CasebookError.monthNotEnded(caseID: replay.id, step: step.number, month: String(month.description.prefix(7)),
                                                  from: firstDay.description)
            }
        }
        // As the work tree lists them, and as committed (what verify and the hook judge by). (A change
        // of the list by someone who is not a jefe refused the step before: refuseForeignListChange.)
        var missing = roundStatus(replay, path: path, roster: roster)?.missing ?? []
        if let head = try repository.headCommit() {
            missing += try (committedMissing(replay, at: head) ?? []).filter { !missing.contains($0) }
        }
        // A P5 month's figures are read as the closing step leaves them: a project two units report
        // is refused here, where it can still be mended (attack36; `progressReport`).
        if replay.definition.progress != nil, missing.isEmpty, let head = try repository.headCommit() {
            _ = try progressReport(id: replay.id, path: path, definition: replay.definition, head: head, source: .commit(head),
                                   excused: try excusedDependencies(replay.id, path: path, head: head))
        }
        guard !missing.isEmpty else { return }
        throw CasebookError.roundIncomplete(caseID: replay.id, step: step.number, noun: partyNoun(replay.definition).many, missing: missing.map { code in
            let thread = replay.machine.threads.first { $0.code == code }
            return thread.map { "\(code) (va en el paso \($0.lastStep))" } ?? "\(code) (no ha empezado)"
        }, firstCode: missing.first { replay.approval(of: $0) == nil } ?? missing[0], jefes: roster.holders(of: [.jefe]))
    }

    /// The jefe closes a round without an expected dependency, with the reason: a commit of the
    /// case with the `Excusa: CODE` trailer (`folio excusar`).
    public func excuse(caseID: String, dependency raw: String, reason: String, persona key: String?) throws -> RecordedCommit {
        try writing { try excuseLocked(caseID: caseID, dependency: raw, reason: reason, persona: key) }
    }

    func excuseLocked(caseID: String, dependency raw: String, reason: String, persona key: String?) throws -> RecordedCommit {
        try checkRecordText(reason, option: "-m")
        let head = try checkWritable()
        let roster = try roster(at: head)
        let persona = try self.persona(key, in: roster)
        let (id, path) = try locate(caseID, head: head, writing: true)
        guard let code = CaseID.dependencyCode(raw) else { throw CasebookError.invalidDependency(raw) }
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw CasebookError.invalidValue(option: "-m", reason: "falta el motivo", fix: "Indique por qué se cierra sin \(code): -m \"MOTIVO\".")
        }
        let history = try loadHistory(of: [id], at: head)
        let replayed = try replay(id, in: history)
        let noun = replayed.map { partyNoun($0.definition) } ?? (one: "dependencia", many: "dependencias")
        guard persona.holds(.jefe) else { throw CasebookError.notJefe(persona: persona.id, action: "cerrar una ronda sin una \(noun.one)") }
        if let replay = replayed { try refuseForeignListChange(replay, path: path, head: head) }
        guard let replay = replayed, let round = roundStatus(replay, path: path, roster: roster) else {
            throw CasebookError.invalidFile(file: path, reason: "el expediente no tiene pasos por dependencia",
                                            fix: "Solo los procedimientos 2, 3 y 5 esperan a varias dependencias.")
        }
        guard round.missing.contains(code) else {
            throw CasebookError.invalidFile(
                file: path, reason: "\(code) no es una \(noun.one) pendiente de \(id)",
                fix: round.missing.isEmpty ? "No falta ninguna \(noun.one)." : "Pendientes: \(round.missing.joined(separator: ", ")).")
        }
        guard replay.machine.state != .returned, !replay.machine.allowedNext.isEmpty else {
            throw CasebookError.procedure(.caseEnded(step: "de cierre", state: replay.machine.state))
        }
        try checkClean(outside: path)
        let plan = CommitPlan.excuse(id, procedure: replay.definition.number, code: code)
        let trailers = plan.trailers, subject = plan.subject
        var after = replay
        var pending = RoutingSlip.pending(caseID: id, procedure: replay.definition.number, author: signature(of: persona), trailers: trailers,
                                          text: reason)
        pending.parent = head
        after.records.append(pending)
        do throws(ProcedureError) {
            if let approved = replay.approval(of: code) { throw approved }
            try after.machine.excuse(dependency: code)
        } catch {
            throw CasebookError.procedure(error)
        }
        after.excuses.append(pending)
        let state = effectiveState(after, path: path, roster: roster)
        try requireIndexAsCommitted(id: id, path: path)
        let edits = try pendingEdits(in: path, head: head)
        let scope = ["\(path)/\(RoutingSlip.fileName)", "\(path)/\(ArchiveIndex.fileName)"]
        let commit = try recording { edit in
            try writeSlip(id: id, path: path, definition: replay.definition, earlier: replay.records, author: persona, trailers: trailers,
                          text: reason, edit: edit)
            try refreshIndexState(path: path, state: state, edit: edit)
            return try self.commit(plan, paths: scope, parent: head, author: persona, roster: roster, text: reason)
        }
        let calendar = calendar(of: replay, month: try caseFields(path, at: commit)?.month)
        return RecordedCommit(commit: commit, caseID: id, path: path, step: nil, subject: subject, state: state,
                              next: nextSteps(replay.machine, roster: roster, calendar: calendar),
                              notices: try recordedNotices(edits, id: id, path: path, definition: replay.definition, persona: persona,
                                                               scope: scope, head: head, commit: commit, attach: false))
    }
}

extension Casebook {
    /// The dependency codes the department knows for a case at `commit` (HEAD, for a command): its
    /// contacts' in `roster` (`roles.yaml`), those the case's `dependencias_esperadas` lists as
    /// committed (not as the work tree has it: a list changed there and never committed would let
    /// a step for a code no one registered through, attack33) and as the newest jefe's record left
    /// it (`listedByJefe`), and those its history already acted for or excused (a contact removed
    /// since keeps their code known).
    ///
    /// `jefeList`: a jefe's command that commits the case's `expediente.md` records the work tree's
    /// list with it, so its codes are known too (staff34: a jefe's note that lists a new hospital
    /// and brings its first document was refused).
    ///
    /// `upTo`: the record being judged, for the replay (`knewDependency`): the jefe's list as of it.
    func knownDependencies(_ replay: CaseReplay, path: String, roster: Roster, at commit: OID, upTo record: StepRecord? = nil,
                           jefeList: Bool = false) throws -> [String] {
        let file = "\(path)/expediente.md"
        let committed = try expectedList(file, at: repository.entry(at: file, in: commit)).codes ?? []
        var listed = try committed.intersection(listedByJefe(replay, upTo: record) ?? []).sorted()
        if jefeList { listed += workTreeListed(path: path).filter { !listed.contains($0) }.sorted() }
        let codes = roster.personas.compactMap { $0.dependency.flatMap(CaseID.dependencyCode) } + listed
            + replay.machine.threads.map(\.code) + replay.excuses.compactMap { $0.excuse.flatMap(CaseID.dependencyCode) }
        var seen: Set<String> = []
        return codes.filter { seen.insert($0).inserted }
    }

    /// Whether the department knew dependency `code` when `record` (its first step in the case)
    /// was made, as folio's step judges it (`knownDependencies`): a contact of the parent's roster,
    /// acted for or excused before in the case, or in `dependencias_esperadas` as the commit has
    /// it and as the newest jefe's record left it (`listedByJefe`: a jefe who lists a code and
    /// records its step in one commit is taken; a list anyone else changed is not). A roster that
    /// cannot be read is the rule rol's finding.
    func knewDependency(_ code: String, record: StepRecord, replay: CaseReplay) throws -> Bool {
        guard let roster = try? roster(at: record.parent ?? record.commit) else { return true }
        // The roster's contacts first: every code of most histories, without reading the list.
        if roster.personas.contains(where: { $0.dependency.flatMap(CaseID.dependencyCode) == code }) { return true }
        guard let path = try casePath(replay.id, at: record.commit) else { return true }
        return try knownDependencies(replay, path: path, roster: roster, at: record.commit, upTo: record).contains(code)
    }

    /// `dependencias_esperadas` as the newest record of the case made by a jefe (in the roster of
    /// its parent) left it, at or before `record` (of all, when nil): a list someone else changed
    /// since, with plain git (the rule rol's finding, refused by the hook) or in a clone without
    /// it, lets no step for a code it added count, even after the jefe puts the list back
    /// (attack34). nil when no jefe recorded anything in the case.
    func listedByJefe(_ replay: CaseReplay, upTo record: StepRecord?) throws -> Set<String>? {
        let end = record.flatMap { r in replay.records.firstIndex { $0.commit == r.commit } } ?? replay.records.count - 1
        guard end >= 0 else { return nil }
        for earlier in replay.records[...end].reversed() {
            guard (try? roster(at: earlier.parent ?? earlier.commit))?.find(earlier.author.email)?.holds(.jefe) == true else { continue }
            guard let path = try casePath(replay.id, at: earlier.commit) else { return nil }
            let file = "\(path)/expediente.md"
            return try expectedList(file, at: repository.entry(at: file, in: earlier.commit)).codes
        }
        return nil
    }

    /// The case's folders `dependencias/<CODE>/` on disk within `scope`, not committed at `head`,
    /// whose code the department does not know for it (`knownDependencies`; with `jefeList`, a
    /// jefe's work-tree list counts when `scope` commits `expediente.md`), each with the codes known.
    func unknownDependencyFolders(_ replay: CaseReplay, path: String, scope: [String], roster: Roster, head: OID,
                                  jefeList: Bool = false) throws -> [(folder: String, code: String, known: [String])] {
        let folder = "\(path)/dependencias"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)") else { return [] }
        let withList = jefeList && scope.contains { GitPath.isWithin("\(path)/expediente.md", $0) }
        var known: [String]?
        var found: [(folder: String, code: String, known: [String])] = []
        for name in names.sorted() {
            let sub = "\(folder)/\(name)"
            guard let code = CaseID.dependencyCode(name),
                  scope.contains(where: { GitPath.isWithin(sub, $0) || GitPath.isInside($0, sub) }),
                  try repository.entry(at: sub, in: head) == nil else { continue }
            let codes = try known ?? knownDependencies(replay, path: path, roster: roster, at: head, jefeList: withList)
            known = codes
            if !codes.contains(code) { found.append((sub, code, codes)) }
        }
        return found
    }

    /// A commit of `scope` would add the case's folder `dependencias/<CODE>/` for a code the
    /// department does not know for it: refused as `--dependency CODE` is (attack34: a document
    /// attached by its path there, or a note, was recorded as CODE's).
    func refuseUnknownDependencyFolders(_ replay: CaseReplay, path: String, scope: [String], roster: Roster, head: OID,
                                        jefeList: Bool = false) throws {
        guard let first = try unknownDependencyFolders(replay, path: path, scope: scope, roster: roster, head: head, jefeList: jefeList).first
        else { return }
        throw CasebookError.unknownDependency(first.code, known: first.known, noun: partyNoun(replay.definition).one, folder: first.folder,
                                              caseID: replay.id, unrecorded: workTreeListed(path: path).contains(first.code),
                                              contactOnly: Self.startsWithContact(replay.definition))
    }

    /// `raw` (`--dependency`) as a code of a dependency the department knows for the case at `head`
    /// (`knownDependencies`): a code that is not written as one, or that names no dependency (a
    /// typo, a unit not registered), is refused before anything is written. A contact's code is
    /// judged by their own registration instead (`wrongDependency`), so `persona` is skipped here
    /// when roles.yaml gives them one.
    func dependencyCode(_ raw: String, replay: CaseReplay, path: String, roster: Roster, head: OID, persona: Persona? = nil,
                        jefeList: Bool = false) throws -> String {
        guard let code = CaseID.dependencyCode(raw) else { throw CasebookError.invalidDependency(raw) }
        guard persona?.dependency == nil else { return code }
        let known = try knownDependencies(replay, path: path, roster: roster, at: head, jefeList: jefeList)
        guard known.contains(code) else {
            throw CasebookError.unknownDependency(code, known: known, noun: partyNoun(replay.definition).one, caseID: replay.id,
                                                  unrecorded: workTreeListed(path: path).contains(code),
                                                  contactOnly: Self.startsWithContact(replay.definition))
        }
        return code
    }

    /// Whether a dependency's part of the round starts with its contact's own step (P3-01, P5-01):
    /// then only a registered contact can start it.
    static func startsWithContact(_ definition: ProcedureDefinition) -> Bool {
        guard let first = definition.dependencyBlock?.first else { return false }
        return !first.roles.isEmpty && first.roles.allSatisfy(\.isExternal)
    }

    /// The codes the work tree's `expediente.md` of the case at `path` lists (none when it lists none).
    func workTreeListed(path: String) -> [String] {
        let file = "\(path)/expediente.md"
        return Self.listedCodes(in: FileManager.default.contents(atPath: "\(root)/\(file)"), file: file) ?? []
    }
}
