import Casebook
import Foundation
import GitStore
import Procedures

/// What every page reads of the repository at one HEAD: derived once per HEAD and shared by the
/// requests until the branch moves (a push to the shared repository, a step in the clone).
struct Snapshot: Sendable {
    var head: String
    var today: String
    var roster: Roster
    var definitions: [ProcedureDefinition]
    var statuses: [CaseStatus]
    var pending: [DueItem]
    var byID: [String: Int]

    func status(_ id: String) -> CaseStatus? { byID[id.uppercased()].map { statuses[$0] } }
}

/// The repository seen by the dashboard: a reader that never writes the work tree, the index or
/// any ref. Opens the repository per derivation (a `Casebook` is not `Sendable`), keeps the
/// snapshot of the current HEAD, and runs `verify` in the background once per HEAD.
actor RepositoryView {
    let path: String
    let now: @Sendable () -> Date
    private var snapshot: Snapshot?
    private var verified: (head: String, report: VerifyReport)?
    private var verifying: String?
    /// Pages already drawn for the current HEAD, by viewer and address (bounded).
    private var pages: [String: String] = [:]
    private var pagesHead = ""

    init(path: String, now: @escaping @Sendable () -> Date) {
        self.path = path
        self.now = now
    }

    /// A reader of the repository, for the files of one request.
    nonisolated func open() throws -> Casebook {
        try Casebook.openForReading(at: path, clock: Clock(now: now()))
    }

    /// The snapshot of HEAD now; derived again when HEAD moved or the day changed.
    func current() throws -> Snapshot {
        let book = try open()
        guard let head = try book.repository.headCommit() else { throw CasebookError.emptyRepository }
        let today = book.clock.today
        if let snapshot, snapshot.head == head.hex, snapshot.today == today { return snapshot }
        let statuses = try book.statusOfAll()
        let fresh = Snapshot(head: head.hex, today: today, roster: try book.roster(at: head), definitions: try book.definitions(at: head),
                             statuses: statuses, pending: try book.pending(in: statuses),
                             byID: Dictionary(statuses.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a }))
        snapshot = fresh
        startVerify(head: head.hex)
        return fresh
    }

    /// A page drawn earlier for the same HEAD, viewer and address.
    func page(_ key: String, head: String) -> String? {
        pagesHead == head ? pages[key] : nil
    }

    func store(_ html: String, key: String, head: String) {
        if pagesHead != head || pages.count >= 2000 {
            pages = [:]
            pagesHead = head
        }
        pages[key] = html
    }

    /// verify's report for `head`, when the background run has finished.
    func report(for head: String) -> VerifyReport? {
        verified?.head == head ? verified?.report : nil
    }

    private func startVerify(head: String) {
        guard verifying != head, verified?.head != head else { return }
        verifying = head
        let path = self.path, now = self.now
        Task.detached(priority: .utility) {
            let report = try? Casebook.openForReading(at: path, clock: Clock(now: now())).verify(range: head)
            await self.finishVerify(head: head, report: report)
        }
    }

    private func finishVerify(head: String, report: VerifyReport?) {
        if let report { verified = (head, report) }
        if verifying == head { verifying = nil }
    }
}
