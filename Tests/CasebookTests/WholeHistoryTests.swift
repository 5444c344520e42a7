@testable import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport

/// A whole-history status or verify holds one case's records at a time: the walk keeps commit ids
/// and verdicts, each case's records are read again (on a thread of their own for status), and the
/// history cache is written case by case. What it derives must be what the whole history says.
@Suite("Whole-history commands read history case by case")
struct WholeHistoryTests {
    let cache = CacheTests()

    /// A step 03 of `id` committed with plain git by `person`, who is no jefe: a forgery.
    func forge(_ repo: CaseRepo, _ id: String, by person: String) throws {
        try repo.git(["commit", "-q", "--allow-empty", "-m", "x\n\nExpediente: \(id)\nProcedimiento: 7\nPaso: 03\nRol: jefe\nSigned-off-by: \(person)",
                      "--author", person])
    }

    /// `cases` cases at step 02, then a step 03 of case `stepped` (after the others were opened)
    /// and a forged step 03 of case `forged`.
    func arranged(cases: Int, stepped: Int, forged: Int, by person: String) throws -> (CaseRepo, [String]) {
        let repo = try CaseRepo()
        let ids = try cache.work(repo, cases: cases)
        try repo.step(ids[stepped], as: "mrodriguez")
        try forge(repo, ids[forged], by: person)
        return (repo, ids)
    }

    @Test("the first run writes the history cache case by case, each case's lines together in the order the cases were opened, and later runs read it as history says")
    func cacheWrittenCaseByCase() throws {
        // The first case's steps come before and after the others' in history; a forged step of
        // the second case (plain git) must stay out of the status.
        let (repo, ids) = try arranged(cases: 3, stepped: 0, forged: 1, by: "Ana López <alopez@igss.gob.gt>")
        #expect(!FileManager.default.fileExists(atPath: cache.cacheFile(repo)))
        let first = try cache.warm(repo)
        #expect(first == (try cache.cold(repo)).0)
        let lines = try String(contentsOfFile: cache.cacheFile(repo), encoding: .utf8).split(separator: "\n").map(String.init)
        let owners = lines.filter { $0.hasPrefix("R\t") }.map { $0.components(separatedBy: "\t")[12] }
        var runs: [String] = []
        for id in owners where runs.last != id { runs.append(id) }
        #expect(runs == ids, "each case's lines together, in the order the cases were opened: \(owners)")
        #expect(owners.count == 3 * 2 + 2, "every step commit of the three cases, the forged one too: \(owners)")
        // Each record's verdict follows its case's records: the forged step's says it does not count.
        let forged = try repo.git(["rev-parse", "HEAD"])
        #expect(lines.contains { $0.hasPrefix("A\t\(forged)\t0\t") }, "\(lines.filter { $0.hasPrefix("A\t") })")
        #expect(lines.filter { $0.hasPrefix("A\t") }.count == owners.count)
        // The whole file and the offset table read back what the walk saw.
        let whole = try #require(HistoryCache.load(cache.cacheFile(repo)))
        #expect(Set(whole.records.map(\.commit.hex)).count == owners.count)
        #expect(whole.authorized[OID(hex: forged)!] == false)
        // Read through the cache (extended by a new step), the answers are a cold replay's.
        try repo.step(ids[2], as: "mrodriguez")
        #expect(try cache.warm(repo) == (try cache.cold(repo)).0)
        #expect(try Casebook.open(at: repo.path, clock: repo.book.clock).status(of: ids[1]).lastStep == "02")
        #expect(try Casebook.open(at: repo.path, clock: repo.book.clock).status(of: ids[0]).lastStep == "03")
    }

    @Test("the second casebook computes values in order on a repository and memos of its own, with the caller's settings; a value it cannot compute, or any once stopped, is nil")
    func secondCasebook() throws {
        let repo = try CaseRepo()
        let ids = try cache.work(repo, cases: 3)
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        book.usesCache = false
        let caller = ObjectIdentifier(book)
        let head = try #require(try book.repository.headCommit())
        let feed = book.secondCasebook(count: 4, reading: head, prepare: { $0.fieldsLearnt = [:] }) { other, index in
            if index == 2 { throw CasebookError.emptyRepository }
            guard let head = try other.repository.headCommit() else { throw CasebookError.emptyRepository }
            let path = try other.casePath(ids[index % 3], at: head) ?? ""
            return (ObjectIdentifier(other) != caller, other.usesCache, other.fieldsLearnt != nil, path, other.clock.today)
        }
        defer { feed.stop() }
        for index in [0, 1, 3] {
            let value = try #require(feed.take(index))
            #expect(value.0 && !value.1 && value.2 && value.4 == book.clock.today)
            let path = try book.casePath(ids[index % 3], at: head)
            #expect(path != nil && value.3 == path)
        }
        // A repository the thread cannot open: every value is nil, and the caller computes it.
        let missing = repo.box.path + "/no-existe"
        let elsewhere = OrderedFeed<Int>(count: 2, open: { try? Repository(at: missing) }) { repository in { repository == nil ? nil : $0 } }
        #expect(elsewhere.take(0) == nil && elsewhere.take(1) == nil)
        // Stopped before every value was asked for: the thread does not stay waiting.
        // A casebook that cannot read the caller's tip (a hook's pushed objects it would not see)
        // computes nothing: its errors would read as damage.
        let blind = book.secondCasebook(count: 2, reading: try #require(OID(hex: String(repeating: "ab", count: 20)))) { _, index in index }
        #expect(blind.take(0) == nil && blind.take(1) == nil)
        let many = book.secondCasebook(count: 500, reading: head) { _, index in index }
        #expect(many.take(0) == 0)
        many.stop()
        #expect(many.take(499) == nil, "a value never computed once stopped is nil, not a wait")
        #expect(feed.take(2) == nil, "a value whose work failed is nil")
    }

    @Test("a long history is walked in two halves at once, the later on the second core: verify and status of all say, at every tip, what one walk says, forged steps, edits outside folio and cases that span both halves included")
    func lineInHalves() throws {
        let repo = try CaseRepo()
        let ids = try cache.work(repo, cases: 4)
        try forge(repo, ids[0], by: "Jorge Pérez <jperez@igss.gob.gt>")
        let paths = try repo.book.casePaths(at: try #require(try repo.book.repository.headCommit()))
        // An edit outside folio (no trailers) of case 1's slip, and later steps of cases opened earlier.
        try repo.write(repo.read("\(paths[ids[1]]!)/\(RoutingSlip.fileName)") + "\nEditado a mano.\n", to: "\(paths[ids[1]]!)/\(RoutingSlip.fileName)")
        try repo.git(["commit", "-qam", "Edición a mano"])
        try repo.step(ids[2], as: "mrodriguez")
        try forge(repo, ids[3], by: "Ana López <alopez@igss.gob.gt>")
        try repo.step(ids[0], as: "mrodriguez")
        let line = try repo.git(["rev-list", "--first-parent", "HEAD"]).split(separator: "\n").map(String.init)
        // Every tip from the newest back (HEAD put there): each line is split at a different commit.
        for (back, tip) in line.prefix(9).enumerated() {
            try repo.git(["reset", "-q", "--hard", tip])
            func run(halves: Int) throws -> (VerifyReport, [CaseStatus], omitted: Int, halves: Int) {
                let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
                (book.usesCache, book.splitWalkThreshold) = (false, halves)
                let report = try book.verify()
                let other = try Casebook.open(at: repo.path, clock: repo.book.clock)
                (other.usesCache, other.splitWalkThreshold) = (false, halves)
                let statuses = try other.statusOfAll()
                return (report, statuses, other.omittedCommits, book.halvesWalkedBeside + other.halvesWalkedBeside)
            }
            let one = try run(halves: .max)
            let two = try run(halves: 1)
            #expect(one.halves == 0 && two.halves == 2, "HEAD~\(back): the later half was walked beside")
            #expect(two.0 == one.0, "HEAD~\(back)")
            #expect(two.1 == one.1 && two.omitted == one.omitted, "HEAD~\(back)")
            if back == 0 {
                #expect(one.0.violations.contains { $0.rule == "outside-folio" } && one.omitted == 2)
                #expect(one.1.map(\.lastStep) == ["03", "02", "03", "02"], "\(one.1.map(\.lastStep))")
            }
        }
    }

    @Test("verify's walk keeps each step in 48 bytes, and the case folder it found comes back as found: where the id puts it, nowhere, or anywhere else by commit")
    func walkedStepFolders() throws {
        #expect(MemoryLayout<Casebook.WalkedStep>.stride == 48)
        let id = "POA-2026-0007", commit = try #require(OID(hex: String(repeating: "ab", count: 20)))
        let usual: [String?] = ["cases/2026/POA-2026-0007", "cases/1999/POA-2026-0007", "cases/9999/POA-2026-0007"]
        for path in usual + [nil, "cases/0999/POA-2026-0007", "cases/26/POA-2026-0007", "cases/20260/POA-2026-0007", "cases/2026/POA-2026-00070",
                             "cases/2026/POA-2026-000", "cases/2026/POA-2026-0007/x", "casos/2026/POA-2026-0007", "cases/2026-POA-2026-0007",
                             "cases/２０２６/POA-2026-0007", "cases/2a26/POA-2026-0007", "otros/cases/2026/POA-2026-0007"] as [String?] {
            let year = Casebook.WalkedStep.folder(path, of: id)
            #expect((year != Casebook.WalkedStep.elsewhere && year != Casebook.WalkedStep.noFolder) == usual.contains(path), "\(path ?? "nil")")
            let step = Casebook.WalkedStep(commit: commit, slip: nil, breaksRule: false, folderYear: year, position: 0)
            #expect(step.folder(of: id, elsewhere: year == Casebook.WalkedStep.elsewhere ? [commit: path!] : [:]) == path, "\(path ?? "nil")")
        }
        // A forged id in two spellings Swift calls equal (helper119): the case's steps are grouped
        // under either, and the folder comes back byte for byte as the walk found it.
        let (nfc, nfd) = ("COOP-2026-\u{C9}", "COOP-2026-E\u{301}")
        let found = "cases/2026/\(nfc)"
        let year = Casebook.WalkedStep.folder(found, of: nfc)
        let step = Casebook.WalkedStep(commit: commit, slip: nil, breaksRule: false, folderYear: year, position: 0)
        #expect(step.folder(of: nfd, elsewhere: year == Casebook.WalkedStep.elsewhere ? [commit: found] : [:]).map { Array($0.utf8) } == Array(found.utf8))
    }

    @Test("when the second core cannot walk the later half, this casebook walks it after its own with each case's bounds read again: a step backdated before its case's step in the earlier half is still refused")
    func laterHalfWalkedHereWhenBesideFails() throws {
        let repo = try CaseRepo()
        let ids = try cache.work(repo, cases: 8)
        // A step of the first case (its step 02 is in the earlier half) declaring a date before it.
        let date = repo.book.clock.iso(repo.book.clock.now)
        let r = try Sandbox.git(["commit", "-q", "--allow-empty", "-m", "x\n\nExpediente: \(ids[0])\nProcedimiento: 7\nPaso: 03\nRol: jefe\nSigned-off-by: Mario Rodríguez <mrodriguez@igss.gob.gt>",
                                 "--author", "Mario Rodríguez <mrodriguez@igss.gob.gt>"],
                                in: repo.path, env: ["GIT_AUTHOR_DATE": "2020-01-01T10:00:00-06:00", "GIT_COMMITTER_DATE": date])
        #expect(r.ok, "\(r.err)")
        let backdated = try repo.git(["rev-parse", "HEAD"])
        let line = try repo.git(["rev-list", "--first-parent", "--reverse", "HEAD"]).split(separator: "\n").map(String.init)
        let previous = try #require(line.firstIndex(of: try repo.git(["log", "-1", "--format=%H", "--grep", "Paso: 02", "--", "cases/2026/\(ids[0])"])))
        #expect(previous < line.count / 2, "the case's step before is in the earlier half: \(previous) of \(line.count)")
        func run(halves: Int, failing: Bool) throws -> (VerifyReport, [CaseStatus], halves: Int) {
            let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
            (book.usesCache, book.splitWalkThreshold, book.walksBesideFail) = (false, halves, failing)
            let report = try book.verify()
            let other = try Casebook.open(at: repo.path, clock: repo.book.clock)
            (other.usesCache, other.splitWalkThreshold, other.walksBesideFail) = (false, halves, failing)
            return (report, try other.statusOfAll(), book.halvesWalkedBeside + other.halvesWalkedBeside)
        }
        let one = try run(halves: .max, failing: false)
        #expect(one.0.violations.contains { $0.commit == backdated && $0.kind == .date },
                "\(one.0.violations.map { "\($0.commit.prefix(7)) \($0.rule)" })")
        for failing in [false, true] {
            let two = try run(halves: 1, failing: failing)
            #expect(two.halves == (failing ? 0 : 2))
            #expect(two.0 == one.0, "failing: \(failing)")
            #expect(two.1 == one.1, "failing: \(failing)")
        }
    }

    @Test("a cold status and a full verify judge each step by the roster of its parent as the walk read it, not read again: a jefe's steps count until the jefe is removed, a step forged right after does not, in one walk and in halves, as each case's own status says")
    func rostersFromTheWalk() throws {
        let repo = try CaseRepo()
        let ids = try cache.work(repo, cases: 4)
        let rosa = "Rosa García <rgarcia@igss.gob.gt>"
        try repo.book.addPersona(Persona(id: "rgarcia", name: "Rosa García", email: "rgarcia@igss.gob.gt", roles: [.jefe], dependency: nil),
                                 actor: "mrodriguez")
        // A second jefe's steps: one with folio, one with plain git while still registered.
        try repo.step(ids[0], as: "rgarcia")
        try forge(repo, ids[1], by: rosa)
        // Removed: the step forged right after (its parent is the removal) is hers no more.
        try repo.book.removePersona("rgarcia", actor: "mrodriguez")
        try forge(repo, ids[2], by: rosa)
        let after = try repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try repo.step(ids[3], as: "mrodriguez")
        let before = try repo.git(["rev-parse", "HEAD~3"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let own = try ids.map { try Casebook.open(at: repo.path, clock: repo.book.clock).status(of: $0) }
        #expect(own.map(\.lastStep) == ["03", "03", "02", "03"], "\(own.map(\.lastStep))")
        for halves in [Int.max, 1] {
            let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
            (book.usesCache, book.splitWalkThreshold) = (false, halves)
            let all = try book.statusOfAll()
            #expect(all == own, "halves: \(halves)")
            #expect(book.omittedCommits == 1, "the step forged after the removal is left out")
            // Every record of the four cases (12: their openings and steps 02, three 03 and the forgery) took its roster from the walk.
            #expect(book.rostersFromTheWalk == 12, "\(book.rostersFromTheWalk)")
            #expect(book.halvesWalkedBeside == (halves == 1 ? 1 : 0))
            // verify: the step forged after the removal is an unregistered author's, the one before is hers.
            let checker = try Casebook.open(at: repo.path, clock: repo.book.clock)
            (checker.usesCache, checker.splitWalkThreshold) = (false, halves)
            let report = try checker.verify()
            let ruled = { (commit: String) in Set(report.violations.filter { $0.commit == commit }.map(\.rule)) }
            #expect(ruled(after).contains("author") && !ruled(before).contains("author") && !ruled(before).contains("role"),
                    "\(report.violations.map { "\($0.commit.prefix(7)) \($0.rule)" })")
            #expect(checker.rostersFromTheWalk > 0)
        }
    }

    @Sendable static func encode(_ status: CaseStatus) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(status)
    }

    @Test("every other case is derived by a second casebook: status of all, cold, first run and through the cache, says of each case what its own status says, and counts the steps left out and the damaged cases of both threads; verify finds each case's slip edited by hand")
    func casesOnTwoCores() throws {
        let repo = try CaseRepo()
        let ids = try cache.work(repo, cases: 5)
        // Forged steps of a case the caller derives (0) and of one the second casebook does (3).
        try forge(repo, ids[0], by: "Jorge Pérez <jperez@igss.gob.gt>")
        try forge(repo, ids[3], by: "Jorge Pérez <jperez@igss.gob.gt>")
        // Case 1's front matter cannot be read (a damaged case); the slips of cases 1 and 2 edited by hand.
        let paths = try repo.book.casePaths(at: try #require(try repo.book.repository.headCommit()))
        try repo.write("---\ntitulo: [sin cerrar\n---\n", to: "\(paths[ids[1]]!)/expediente.md")
        for id in [ids[1], ids[2]] {
            try repo.write(repo.read("\(paths[id]!)/\(RoutingSlip.fileName)") + "\nEditado a mano.\n", to: "\(paths[id]!)/\(RoutingSlip.fileName)")
        }
        try repo.git(["commit", "-qam", "Ediciones a mano"])
        let each = try ids.map { id in
            let single = try Casebook.open(at: repo.path, clock: repo.book.clock)
            single.usesCache = false
            return try single.status(of: id)
        }
        #expect(each[1].damage != nil && each[0].damage == nil)
        for usesCache in [false, true, true] {
            let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
            book.usesCache = usesCache
            let all = try book.statusOfAll()
            #expect(all == each, "usesCache \(usesCache)")
            #expect(book.omittedCommits == 2 && book.damagedCases.map(\.id) == [ids[1]])
            var encoded: [Data] = []
            let indexed = try Casebook.open(at: repo.path, clock: repo.book.clock)
            indexed.usesCache = usesCache
            try indexed.statusOfAll(encode: Self.encode) { encoded.append($0) }
            #expect(encoded == (try each.map(Self.encode)))
            #expect(indexed.omittedCommits == 2)
        }
        #expect(FileManager.default.fileExists(atPath: cache.cacheFile(repo)))
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        book.usesCache = false
        let report = try book.verify()
        // The forged steps left their slips behind (in history order), then the slips edited by hand, in case order.
        let slips = report.violations.filter { $0.rule == "routing-slip" && $0.isError }
        #expect(slips.map(\.caseID) == [ids[0], ids[3], ids[1], ids[2]])
        #expect(slips.suffix(2).allSatisfy { $0.message.contains("no coincide") })
        #expect(report.cases == 5 && report.steps == 10)
    }

    @Test("the signature verdicts file: the last line for a commit counts, a damaged or cut line does not, an unlisted commit has none")
    func signatureVerdicts() throws {
        let box = Sandbox()
        let path = box.path + "/firmas.cache"
        let ids = (0..<5).map { OID(hex: String(repeating: String($0 + 1), count: 40))! }
        var damaged = SignatureCache.line(ids[2], "k1", true)
        damaged.replace("k1 1", with: "k1 0")
        let lines = [
            SignatureCache.header,
            SignatureCache.line(ids[3], "k1", true),
            SignatureCache.line(ids[0], "k2", false),
            SignatureCache.line(ids[3], "k1", false),  // written later for the same commit
            damaged,
            SignatureCache.line(ids[1], "k2", true),
            String(SignatureCache.line(ids[4], "k1", true).dropLast(3)),  // cut by a crash
        ]
        try (lines.joined(separator: "\n")).write(toFile: path, atomically: true, encoding: .utf8)
        let verdicts = SignatureCache.load(path)
        #expect(verdicts[ids[3]]?.keyHash == "k1" && verdicts[ids[3]]?.good == false)
        #expect(verdicts[ids[0]]?.keyHash == "k2" && verdicts[ids[0]]?.good == false)
        #expect(verdicts[ids[1]]?.keyHash == "k2" && verdicts[ids[1]]?.good == true)
        #expect(verdicts[ids[2]] == nil)
        #expect(verdicts[ids[4]] == nil)
        #expect(verdicts[OID(hex: String(repeating: "f", count: 40))!] == nil)
        // Another header: nothing is believed.
        try (["folio-firmas 0"] + lines.dropFirst()).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(SignatureCache.load(path)[ids[1]] == nil)
        // Many commits, each written three times in a different order each round (more than a
        // sort's small runs): the last line of each counts.
        let many = (0..<3000).map { OID.blob(of: Data("v\($0)".utf8)) }
        let rounds = (0..<3).flatMap { round in
            (0..<many.count).map { ($0 * [7, 11, 13][round] % many.count, round) }
        }
        let text = ([SignatureCache.header] + rounds.map { SignatureCache.line(many[$0.0], "k\($0.1)", $0.1 != 1) }).joined(separator: "\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = SignatureCache.load(path)
        let wrong = many.filter { loaded[$0]?.keyHash != "k2" || loaded[$0]?.good != true }
        #expect(wrong.count == 0, "commits not read from their last line")
    }

    @Test("verdicts appended by several writers at once are all kept, each line whole; a cut last line is ended first; a link in the file's place is not written through")
    func signatureVerdictsAppended() throws {
        let box = Sandbox()
        let path = box.path + "/folio/firmas.cache"
        let ids = (0..<4000).map { OID.blob(of: Data("\($0)".utf8)) }
        // Eight writers, each 20 batches of 25, from a missing file: the first writes the header.
        DispatchQueue.concurrentPerform(iterations: 8) { writer in
            for batch in stride(from: writer * 500, to: writer * 500 + 500, by: 25) {
                SignatureCache.append((batch..<batch + 25).map { .init(commit: ids[$0], keyHash: "k\(writer)", good: writer % 2 == 0) }, to: path)
            }
        }
        var verdicts = SignatureCache.load(path)
        let lost = ids.indices.filter { verdicts[ids[$0]]?.keyHash != "k\($0 / 500)" || verdicts[ids[$0]]?.good != ($0 / 500 % 2 == 0) }
        #expect(lost.isEmpty, "\(lost.count) of 4000 verdicts lost or wrong")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix(SignatureCache.header + "\n") && text.split(separator: "\n").count == 4001)
        // A last line cut by a crash: the next writer ends it first, and its own line reads.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(text.utf8.count - 3))
        try handle.close()
        let more = OID.blob(of: Data("más".utf8))
        SignatureCache.append([.init(commit: more, keyHash: "k9", good: true)], to: path)
        verdicts = SignatureCache.load(path)
        #expect(verdicts[more]?.keyHash == "k9" && verdicts[ids[0]] != nil)
        // A link in the file's place is replaced by a file, not written through.
        let elsewhere = box.path + "/otro"
        try "ajeno".write(toFile: elsewhere, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: elsewhere)
        SignatureCache.append([.init(commit: more, keyHash: "k9", good: true)], to: path)
        #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == "ajeno")
        #expect(SignatureCache.load(path)[more]?.keyHash == "k9")
    }

    @Test("a full verify reports the findings of several cases in history order, as a range verify of each commit does")
    func findingsInHistoryOrder() throws {
        let repo = try CaseRepo()
        let ids = try cache.work(repo, cases: 2)
        var forged: [String] = []
        // Forged steps of both cases, interleaved (plain git, an author without the role).
        for id in [ids[1], ids[0], ids[1]] {
            try forge(repo, id, by: "Jorge Pérez <jperez@igss.gob.gt>")
            forged.append(try repo.git(["rev-parse", "HEAD"]))
        }
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        book.usesCache = false
        let report = try book.verify()
        let flagged = report.violations.map(\.commit).filter(forged.contains)
        var order: [String] = []
        for commit in flagged where order.last != commit { order.append(commit) }
        #expect(order == forged, "\(report.violations.map { ($0.commit.prefix(7), $0.rule) })")
        for commit in forged {
            let single = try book.verify(range: "\(commit)~1..\(commit)")
            #expect(Set(single.violations.map(\.rule)).isSubset(of: Set(report.violations.filter { $0.commit == commit }.map(\.rule))))
            #expect(!single.ok)
        }
    }

    @Test("a temporary cache file left by a folio that was stopped (Ctrl-C, kill) is removed by the next writer; a live process's is left alone")
    func abandonedTemporaryFiles() throws {
        let repo = try CaseRepo()
        _ = try cache.work(repo, cases: 2)
        let folder = repo.path + "/.git/folio"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A process that has ended: its id names no process now.
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let gone = ended.processIdentifier, live = getppid()
        let abandoned = ["historial.cache.\(gone).17.tmp", "estado.cache.\(gone).18.tmp"]
        // A live process's, a name not folio's, and a recent one: its writer may be alive where
        // this process cannot see it (another container sharing the folder).
        let kept = ["historial.cache.\(live).19.tmp", "historial.cache.notas.tmp", "otro.\(gone).1.tmp", "historial.cache.\(gone).20.tmp"]
        for name in abandoned + kept { try "x".write(toFile: folder + "/" + name, atomically: false, encoding: .utf8) }
        let hourAgo = Date().addingTimeInterval(-3600)
        for name in abandoned + kept.dropLast() {
            try FileManager.default.setAttributes([.modificationDate: hourAgo], ofItemAtPath: folder + "/" + name)
        }
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        book.usesCache = true
        try book.statusOfAll(encode: { try JSONEncoder().encode($0) }) { _ in }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        for name in abandoned { #expect(!names.contains(name), "\(name) in \(names)") }
        for name in kept { #expect(names.contains(name), "\(name) in \(names)") }
        #expect(names.contains("historial.cache") && names.contains("estado.cache"), "\(names)")
    }

    @Test("without a cache, a range verify and a step read only their cases' records (the case index's replay keeps the whole history), and verify reports what it reports through the cache")
    func rangeVerifyWithoutCache() throws {
        let (repo, ids) = try arranged(cases: 4, stepped: 1, forged: 2, by: "Jorge Pérez <jperez@igss.gob.gt>")
        let head = try #require(OID(hex: try repo.git(["rev-parse", "HEAD"])))
        let total = Int(try repo.git(["rev-list", "--count", "HEAD"]))!
        let cold = try Casebook.open(at: repo.path, clock: repo.book.clock)
        cold.usesCache = false
        let part = try cold.loadHistory(of: [ids[1]], at: head, keepingWhole: false)
        #expect(part.caseIDs == [ids[1]] && part.records(of: ids[1]).count == 3 && part.commitCount == total)
        #expect(try cold.loadHistory(of: [ids[1]], at: head).caseIDs == [ids[1]], "a step's reading keeps its case only")
        #expect(try cold.loadHistory(of: [ids[1]], at: head, keepingWhole: true).caseIDs == ids, "the case index's replay keeps every case")
        let withoutCache = try cold.verify(range: "HEAD~2..HEAD")
        #expect(!withoutCache.ok && withoutCache.commits == 2)
        let warm = try Casebook.open(at: repo.path, clock: repo.book.clock)
        warm.usesCache = true
        _ = try warm.statusOfAll()
        #expect(FileManager.default.fileExists(atPath: cache.cacheFile(repo)))
        let throughCache = try Casebook.open(at: repo.path, clock: repo.book.clock)
        throughCache.usesCache = true
        #expect(try throughCache.verify(range: "HEAD~2..HEAD") == withoutCache)
        #expect(try cold.verify(range: "HEAD~1..HEAD").violations.map(\.rule) == withoutCache.violations.filter { $0.caseID == ids[2] }.map(\.rule))
        // Many cases (more than a search of the table is worth): the cache file is read whole,
        // keeping their records only, and what came after its tip is added.
        try repo.step(ids[3], as: "mrodriguez")
        let newHead = try #require(OID(hex: try repo.git(["rev-parse", "HEAD"])))
        let many = Set([ids[1], ids[3]] + (1...40).map { "COOP-2099-\(String(format: "%04d", $0))" })
        let reader = try Casebook.open(at: repo.path, clock: repo.book.clock)
        reader.usesCache = true
        let read = try reader.loadHistory(of: many, at: newHead, keepingWhole: false)
        #expect(Set(read.caseIDs) == [ids[1], ids[3]] && read.commitCount == total + 1)
        #expect(read.records(of: ids[3]).map(\.step) == ["01", "02", "03"] && read.records(of: ids[1]).count == 3)
    }

    @Test("a cache written after a reading of the whole history keeps history's order, so that the next status judges the commits it lacks in that order")
    func cacheWrittenInHistoryOrder() throws {
        let repo = try CaseRepo()
        let ids = try cache.work(repo, cases: 3)
        try repo.step(ids[0], as: "mrodriguez")
        // A reading of the whole history with no cache (a report, the dossier, the case index's
        // replay), the cache written from it.
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        book.usesCache = true
        _ = try book.loadHistory(at: try repo.book.repository.headCommit())
        book.saveHistoryCache()
        #expect(try book.status(of: ids[1]).lastStep == "02")
        let lines = try String(contentsOfFile: cache.cacheFile(repo), encoding: .utf8).split(separator: "\n").map(String.init)
        let written = lines.filter { $0.hasPrefix("R\t") }.map { $0.components(separatedBy: "\t")[1] }
        let steps = try repo.git(["log", "--reverse", "--format=%H %(trailers:key=Expediente,valueonly,separator=)"]).split(separator: "\n")
            .filter { $0.split(separator: " ").count == 2 }.map { String($0.split(separator: " ")[0]) }
        #expect(written == steps, "history order, not case by case")
        // Only the replayed case has verdicts; the next status judges the rest and agrees with a cold replay.
        #expect(lines.filter { $0.hasPrefix("A\t") }.count == 2)
        #expect(try cache.warm(repo) == (try cache.cold(repo)).0)
    }

    @Test("a walk's steps by case keep the order met, across a join, and each case's list holds room for at most a quarter more than its steps, not double")
    func stepsByCaseGrowth() {
        var first = StepsByCase<Int>()
        var later = StepsByCase<Int>()
        for step in 0..<10 { first.add(step, of: "A") }
        first.add(100, of: "B")
        for step in 10..<21 { later.add(step, of: "A") }
        later.add(200, of: "C")
        for step in 0..<1000 { later.add(1000 + step, of: "D") }
        // Doubling would give A room for 16 steps in `first` and D room for 1024 in `later`.
        let counts = [("A", first, 10), ("B", first, 1), ("A", later, 11), ("C", later, 1), ("D", later, 1000)]
        for (id, part, count) in counts {
            let room = part.capacities[id]!
            #expect(room >= count && room <= count + count / 4 + 2, "\(id): room for \(room) steps, \(count) held")
        }
        first.append(consuming: &later)
        #expect(later.ids.isEmpty)
        #expect(first.capacities["A"]! <= 21 + 21 / 4 + 2)
        let all = first.takeAll()
        #expect(all.map(\.0) == ["A", "B", "C", "D"])
        #expect(all[0].1 == Array(0..<21))
        #expect(all[1].1 == [100] && all[2].1 == [200])
        #expect(all[3].1 == Array(1000..<2000))
    }

    @Test("a judged step keeps its place and verdict in four bytes: 24 bytes a step, every place and verdict as given")
    func judgedStepPacking() throws {
        let commit = try #require(OID(hex: String(repeating: "ab", count: 20)))
        #expect(MemoryLayout<Casebook.JudgedStep>.stride == 24)
        for position in [0, 1, 311_999, Int32.max] as [Int32] {
            for breaks in [false, true] {
                let step = Casebook.JudgedStep(commit: commit, position: position, breaksRule: breaks)
                #expect(step.position == position && step.breaksRule == breaks && step.commit == commit)
            }
        }
    }

    @Test("a step, a note, a status and a log of one case in a clone without the history cache walk the line for their case's records only: no whole history held, and what they say agrees with a cold replay")
    func writersWithoutCacheHoldOneCase() throws {
        let repo = try CaseRepo()
        let ids = try cache.work(repo, cases: 3)
        try? FileManager.default.removeItem(atPath: cache.cacheFile(repo))
        let book = try Casebook.open(at: repo.path, clock: repo.book.clock)
        let recorded = try book.recordStep(StepRequest(caseID: ids[1], step: nil, persona: "mrodriguez", decision: nil, dependency: nil,
                                                       sets: [], attachments: [], text: nil, justification: nil))
        #expect(!book.holdsWholeHistory, "the step read the whole history")
        #expect(!FileManager.default.fileExists(atPath: cache.cacheFile(repo)))
        let file = repo.path + "/cases/" + ids[2].split(separator: "-")[1] + "/" + ids[2] + "/expediente.md"
        try (String(contentsOfFile: file, encoding: .utf8) + "\nObservación añadida sin caché.\n").write(toFile: file, atomically: true, encoding: .utf8)
        _ = try book.recordNote(caseID: ids[2], persona: "mrodriguez", text: "Nota sin caché.")
        #expect(!book.holdsWholeHistory, "the note read the whole history")
        // The step went where the case's own records say (its third step), as with the cache.
        let log = try repo.git(["log", "-1", "--format=%(trailers:key=Expediente,valueonly)%(trailers:key=Paso,valueonly)", recorded.commit.description])
        #expect(log.contains(ids[1]) && log.contains("03"), "\(log)")
        #expect(try cache.warm(repo) == (try cache.cold(repo)).0)
        // A status and a log of one case read their case's records only too, and agree with a cold replay's.
        let reader = try Casebook.open(at: repo.path, clock: repo.book.clock)
        try? FileManager.default.removeItem(atPath: cache.cacheFile(repo))
        for id in ids {
            let one = try reader.status(of: id)
            let log = try reader.log(of: id)
            #expect(!reader.holdsWholeHistory, "status or log of \(id) read the whole history")
            let cold = try Casebook.open(at: repo.path, clock: repo.book.clock)
            cold.usesCache = false
            #expect(try cache.json([one]) == cache.json([try cold.status(of: id)]))
            #expect(log == (try cold.log(of: id)))
        }
        #expect(!FileManager.default.fileExists(atPath: cache.cacheFile(repo)))
        // The status of every case writes it, case by case, for the next.
        _ = try reader.statusOfAll()
        #expect(FileManager.default.fileExists(atPath: cache.cacheFile(repo)))
    }

    @Test("without any cache, after plain-git forgeries and a merge of another branch's step, status and log of each case, and a step, say what a cold replay says (the walk keeps first parents only)")
    func uncachedWalkAfterForgery() throws {
        let (repo, ids) = try arranged(cases: 3, stepped: 0, forged: 1, by: "Ana López <alopez@igss.gob.gt>")
        // A step of the third case on a side branch, merged in with plain git: the merge's second parent.
        let branch = try repo.git(["rev-parse", "--abbrev-ref", "HEAD"])
        try repo.git(["checkout", "-q", "-b", "lado", "HEAD~1"])
        try forge(repo, ids[2], by: "María Rodríguez <mrodriguez@igss.gob.gt>")
        try repo.git(["checkout", "-q", branch])
        try repo.git(["merge", "-q", "--no-ff", "-m", "fusión", "lado"])
        func compare() throws {
            let cold = try Casebook.open(at: repo.path, clock: repo.book.clock)
            cold.usesCache = false
            for id in ids {
                try? FileManager.default.removeItem(atPath: repo.path + "/.git/folio")
                let uncached = try Casebook.open(at: repo.path, clock: repo.book.clock)
                #expect(try cache.json([uncached.status(of: id)]) == cache.json([cold.status(of: id)]), "\(id)")
                #expect(try uncached.log(of: id) == cold.log(of: id), "\(id)")
                #expect(!uncached.holdsWholeHistory)
            }
        }
        try compare()
        #expect(try Casebook.open(at: repo.path, clock: repo.book.clock).status(of: ids[2]).lastStep == "02", "the merged step does not count")
        // A step of the forged case without any cache records the step a cold replay allows (03, as the forgery did not count).
        try? FileManager.default.removeItem(atPath: repo.path + "/.git/folio")
        let recorded = try repo.step(ids[1], as: "mrodriguez")
        #expect(recorded.step == "03")
        try compare()
    }

    @Test("one case's history, read again from its records, holds room for those records, not for a block of 4,096 (1.4 MB for each case of a status)")
    func oneCaseHistoryRoom() throws {
        let repo = try CaseRepo()
        let ids = try cache.work(repo, cases: 2)
        try repo.step(ids[0], as: "mrodriguez")
        let whole = try History(repository: repo.book.repository, tip: try repo.book.repository.headCommit())
        let records = whole.records(of: ids[0])
        #expect(records.count == 3)
        let one = History(records: records)
        #expect(one.blockCapacities.count == 1 && one.blockCapacities[0] >= 3 && one.blockCapacities[0] < 64,
                "room for \(one.blockCapacities) records")
        #expect(one.records(of: ids[0]).map(\.commit) == records.map(\.commit))
        // A history a walk builds keeps whole blocks (one array per 4,096 records, none copied as it grows).
        #expect(whole.blockCapacities.allSatisfy { $0 >= 4096 })
    }

    /// The walk's rules sort a commit's changed units into case folders and the rest, read in
    /// place; the definition is three components, none empty, under `cases`.
    @Test("a unit is a case folder exactly when it cuts into cases/<year>/<id>, none empty")
    func caseFolderUnits() {
        let units = ["cases/2026/PE-2026-0001", "cases/2026/PE-2026-0001/", "cases/2026", "cases//x", "cases/2026/", "cases/x/y/z",
                     "casesx/2026/a", "Cases/2026/a", "/cases/2026/a", "cases", "", "cases/\u{301}/a\u{600}", "roles.yaml", "cases/a/b"]
        for unit in units {
            let parts = GitPath.components(unit, omittingEmpty: false)
            let expected = parts.count == 3 && parts[0] == "cases" && !parts[1].isEmpty && !parts[2].isEmpty
            #expect(CommitFacts.isCaseFolder(unit) == expected, "\(unit.debugDescription)")
        }
        #expect(CommitFacts.isCaseFolder("cases/2026/PE-2026-0001") && !CommitFacts.isCaseFolder("cases/2026/PE-2026-0001/anexos"))
    }

    /// A case folder is a folder in a year folder: what else sits there (a file, a link, a
    /// submodule, a case folder turned into a file) is a change beside the case folders, which
    /// only a jefe makes; an edit inside a case folder is still one of that case (helper131: an
    /// analyst's `cases/2026/stray.txt` was taken for a case named stray.txt and only warned about).
    @Test("a file, link or submodule in a year folder, or a case folder turned into a file, is no case folder: a jefe's change, refused to anyone else")
    func strayEntriesInYearFolders() throws {
        let repo = try CaseRepo()
        let ids = try cache.work(repo, cases: 2)
        let ana = "Ana López <alopez@igss.gob.gt>"
        func units(_ rev: String) throws -> [ChangedUnit] {
            try repo.book.changedUnits(of: try repo.book.repository.commit(try #require(OID(hex: try repo.git(["rev-parse", rev])))))
        }
        func findings(_ rev: String) throws -> [Violation] {
            try repo.book.verify(range: "\(rev)~1..\(rev)").violations
        }
        func expectGuarded(_ unit: String, _ sourceLocation: SourceLocation = #_sourceLocation) throws {
            let changed = try units("HEAD")
            #expect(changed == [ChangedUnit(path: unit, isCaseFolder: false)], "\(changed)", sourceLocation: sourceLocation)
            let found = try findings("HEAD")
            #expect(found.contains { $0.kind == .guarded && $0.isError && $0.message.contains(unit) }, "\(found)", sourceLocation: sourceLocation)
            #expect(!found.contains { $0.kind == .outsideFolio }, "\(found)", sourceLocation: sourceLocation)
            // Undone (reset), so that each case below starts from the same history.
            try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        }
        try repo.write("hola\n", to: "cases/2026/LEEME.txt")
        try repo.plainCommit("suelto", author: ana)
        try expectGuarded("cases/2026/LEEME.txt")
        // A name with a control character is named as it is (helper132: the escape was dropped).
        try repo.write("hola\n", to: "cases/2026/a\u{1B}[31mb")
        try repo.plainCommit("suelto", author: ana)
        #expect(try findings("HEAD").contains { $0.kind == .guarded && $0.message.contains(SafeText.visible("cases/2026/a\u{1B}[31mb")) })
        try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        _ = try FileManager.default.createSymbolicLink(atPath: repo.path + "/cases/2026/enlace", withDestinationPath: "../../roles.yaml")
        try repo.plainCommit("enlace", author: ana)
        // The link is no case's either (helper132: its [symlink] finding was filed under a case "enlace").
        let link = try findings("HEAD")
        #expect(link.contains { $0.kind == .symlink && $0.caseID == nil }, "\(link)")
        try expectGuarded("cases/2026/enlace")
        let head = try repo.git(["rev-parse", "HEAD"])
        try repo.git(["update-index", "--add", "--cacheinfo", "160000,\(head),cases/2026/sub"])
        try repo.git(["commit", "-q", "--author", ana, "-m", "submódulo"])
        try expectGuarded("cases/2026/sub")
        try repo.git(["rm", "-r", "-q", "cases/2026/\(ids[1])"])
        try repo.write("ya no\n", to: "cases/2026/\(ids[1])")
        try repo.plainCommit("carpeta a archivo", author: ana)
        let swapped = try findings("HEAD")
        #expect(swapped.contains { $0.kind == .caseExists && $0.isError && $0.message.contains("quita la carpeta del expediente \(ids[1])") }, "\(swapped)")
        try expectGuarded("cases/2026/\(ids[1])")
        // By the jefe, whose changes beside the case folders count: still a case's removal
        // (helper132: no finding, and the hook took it), the year folder's too, one by one.
        for replaced in ["cases/2026/\(ids[1])", "cases/2026", "cases"] {
            try repo.git(["rm", "-r", "-q", replaced])
            try repo.write("ya no\n", to: replaced)
            try repo.plainCommit("reemplazo", author: CaseRepo.jefe)
            let found = try findings("HEAD")
            let gone = replaced.hasSuffix(ids[1]) ? [ids[1]] : ids
            #expect(Set(found.filter { $0.kind == .caseExists && $0.isError && $0.message.contains("quita la carpeta") }.compactMap(\.caseID)) == Set(gone),
                    "\(replaced): \(found)")
            // Taken out again in a second commit: the first one stays the one named.
            try repo.git(["rm", "-q", replaced])
            try repo.plainCommit("quita el archivo", author: CaseRepo.jefe)
            #expect(try findings("HEAD~1").contains { $0.kind == .caseExists })
            try repo.git(["reset", "-q", "--hard", "HEAD~2"])
        }

        // The older flows: an analyst's plain edit inside a case folder is that case's, a warning;
        // the same file put in a year folder by the jefe is no finding; steps go on after it.
        try repo.write("nota\n", to: "cases/2026/\(ids[0])/nota.md")
        try repo.plainCommit("nota", author: ana)
        #expect(try units("HEAD") == [ChangedUnit(path: "cases/2026/\(ids[0])", isCaseFolder: true)])
        #expect(try findings("HEAD").map(\.kind) == [.outsideFolio] && findings("HEAD").allSatisfy { $0.level == .warning })
        try repo.write("hola\n", to: "cases/2026/LEEME.txt")
        try repo.plainCommit("suelto", author: CaseRepo.jefe)
        #expect(try units("HEAD") == [ChangedUnit(path: "cases/2026/LEEME.txt", isCaseFolder: false)])
        #expect(try findings("HEAD").isEmpty)
        try repo.step(ids[0], as: "mrodriguez")
        #expect(try repo.book.verify().ok)
        // A folder in a year folder whose name is no case id: refused as no case; no finding sends
        // it to 'folio note', whose case does not exist (helper133).
        try repo.write("modelo\n", to: "cases/2026/plantillas/modelo.md")
        try repo.plainCommit("plantillas", author: CaseRepo.jefe)
        let noCase = try findings("HEAD")
        #expect(noCase.contains { $0.kind == .caseExists && $0.isError && $0.fix.contains("git rebase -i") && $0.fix.contains("folio attach") }, "\(noCase)")
        #expect(noCase.contains { $0.kind == .outsideFolio } && !noCase.contains { $0.fix.contains("folio note plantillas") }, "\(noCase)")
        try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        // A cases/ tree that lists the year folder twice (a copy without a case first, then the
        // real one), by the jefe: git never writes it, and verify refuses it (helper134).
        let realYear = try repo.git(["rev-parse", "HEAD:cases/2026"])
        let copy = try repo.git(["mktree"], input: try repo.git(["ls-tree", "HEAD:cases/2026"]).split(separator: "\n")
            .filter { !$0.hasSuffix("\t\(ids[1])") }.joined(separator: "\n") + "\n")
        var bytes = Data()
        for id in [copy, realYear] {
            bytes.append(contentsOf: Array("40000 2026".utf8) + [0])
            bytes.append(contentsOf: stride(from: 0, to: 40, by: 2).map { UInt8(String(Array(id)[$0..<$0 + 2]), radix: 16)! })
        }
        let file = repo.box.path + "/casos.bin"
        try bytes.write(to: URL(fileURLWithPath: file))
        let casesTree = try repo.git(["hash-object", "-t", "tree", "--literally", "-w", file])
        let top = try repo.git(["ls-tree", "HEAD"]).split(separator: "\n").filter { !$0.hasSuffix("\tcases") }.joined(separator: "\n")
            + "\n040000 tree \(casesTree)\tcases\n"
        let crafted = try repo.git(["commit-tree", try repo.git(["mktree"], input: top), "-p", "HEAD", "-m", "años"])
        try repo.git(["update-ref", "HEAD", crafted])
        #expect(try units("HEAD").contains { $0.path == "cases/2026" && $0.repeated && !$0.isCaseFolder })
        let twice = try findings("HEAD")
        #expect(twice.contains { $0.kind == .content && $0.isError && $0.message.contains("cases/2026 aparece dos veces") }, "\(twice)")
        try repo.git(["update-ref", "HEAD", "HEAD~1"])
        // The parent's entry first and a copy after it, in cases/ and in the top folder, and the top
        // folder out of git's order: each look-up reads the first, a clone checks out the other
        // (helper137: these passed while the copy came first).
        func rawTree(_ entries: [(mode: String, name: String, id: String)]) throws -> String {
            var bytes = Data()
            for entry in entries {
                bytes.append(contentsOf: Array("\(entry.mode) \(entry.name)".utf8) + [0])
                bytes.append(contentsOf: stride(from: 0, to: 40, by: 2).map { UInt8(String(Array(entry.id)[$0..<$0 + 2]), radix: 16)! })
            }
            try bytes.write(to: URL(fileURLWithPath: file))
            return try repo.git(["hash-object", "-t", "tree", "--literally", "-w", file])
        }
        let listed = try repo.git(["ls-tree", "HEAD"]).split(separator: "\n").map { line -> (mode: String, name: String, id: String) in
            let fields = line.split(separator: "\t", maxSplits: 1), head = fields[0].split(separator: " ")
            return (head[0] == "040000" ? "40000" : String(head[0]), String(fields[1]), String(head[2]))
        }
        let casesNow = try repo.git(["rev-parse", "HEAD:cases"])
        let copyOfCases = try rawTree([("40000", "2026", copy)])
        let yearTwice = try rawTree([("40000", "2026", realYear), ("40000", "2026", copy)])
        let variants: [(String, [(mode: String, name: String, id: String)])] = [
            ("cases/2026", listed.map { $0.name == "cases" ? ($0.mode, $0.name, yearTwice) : $0 }),
            ("cases", listed.flatMap { $0.name == "cases" ? [$0, ($0.mode, $0.name, copyOfCases)] : [$0] }),
            ("cases", listed.flatMap { $0.name == "cases" ? [$0, ($0.mode, $0.name, casesNow)] : [$0] }),
            ("cases", listed.filter { $0.name != "cases" } + listed.filter { $0.name == "cases" }),
        ]
        for (name, entries) in variants {
            let commit = try repo.git(["commit-tree", try rawTree(entries), "-p", "HEAD", "-m", "árbol"])
            try repo.git(["update-ref", "HEAD", commit])
            let found = try findings("HEAD")
            #expect(found.contains { $0.kind == .content && $0.isError && $0.message.contains("\(name) aparece dos veces") }, "\(name): \(found)")
            try repo.git(["update-ref", "HEAD", "HEAD~1"])
        }
        // A root commit of the same tree: every case folder is one, the file beside them is not.
        let orphan = try repo.git(["commit-tree", "HEAD^{tree}", "-m", "raíz"])
        let rootUnits = try repo.book.changedUnits(of: try repo.book.repository.commit(try #require(OID(hex: orphan))))
        #expect(rootUnits.filter(\.isCaseFolder).map(\.path) == ids.map { "cases/2026/\($0)" })
        #expect(rootUnits.filter { !$0.isCaseFolder }.map(\.path).contains("cases/2026/LEEME.txt"))
        #expect(rootUnits.filter { !$0.isCaseFolder }.map(\.path).contains("roles.yaml"))
    }
}
