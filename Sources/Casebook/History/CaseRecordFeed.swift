import Foundation
import GitStore

/// The records of a list of cases, read again from their commits on a thread of their own with a
/// `Repository` of its own (libgit2 handles are used by one thread at a time), at most `ahead`
/// cases before the one the replay asks for: a whole-history status reads them on the second
/// core while the first replays (`Casebook.forEachCase`). A thread that cannot open the
/// repository, or a case it cannot read, gives nil: the caller then reads that case itself.
final class CaseRecordFeed: @unchecked Sendable {
    private var slots: [[StepRecord]?]
    private var produced = 0
    private var consumed = 0
    private var stopped = false
    private let condition = NSCondition()
    private static let ahead = 64

    init(cases: [[OID]], gitdir: String) {
        slots = Array(repeating: nil, count: cases.count)
        let thread = Thread { [self] in
            let repository = try? Repository(at: gitdir)
            for (index, commits) in cases.enumerated() {
                condition.lock()
                while !stopped && produced - consumed >= Self.ahead { condition.wait() }
                let stop = stopped
                condition.unlock()
                if stop { return }
                var records: [StepRecord]? = []
                for commit in commits {
                    guard let info = try? repository?.commit(commit), let record = try? StepRecord(info) else { records = nil; break }
                    records?.append(record)
                }
                condition.lock()
                slots[index] = records
                produced = index + 1
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.start()
    }

    /// Lets the thread stop (the thread holds the feed until then): a replay that ends early, on
    /// an error, does not leave it waiting.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// The records of case `index`, oldest first, once the thread has read them (handed over once).
    func records(_ index: Int) -> [StepRecord]? {
        condition.lock()
        defer { condition.unlock() }
        while produced <= index { condition.wait() }
        consumed = index + 1
        condition.broadcast()
        defer { slots[index] = nil }
        return slots[index]
    }
}
