import Foundation
import GitStore

/// Every expediente commit reachable from a tip, in history order (parents first), grouped by case.
///
/// Built by one revwalk along the line of first parents that reads trailers only: no diff, no
/// subprocess. A merge's other parents are not part of the shared line (verify flags the merge).
public struct History: Sendable {
    public private(set) var records: [StepRecord] = []
    /// Case ids in the order they first appear.
    public private(set) var caseIDs: [String] = []
    private var indices: [String: [Int]] = [:]
    /// Commits walked in all, with or without trailers.
    public private(set) var commitCount = 0

    init() {}

    /// A history from the cache's records, plus what a walk adds.
    init(cached: HistoryCache) {
        commitCount = cached.commitCount
        for record in cached.records { add(record) }
    }

    /// The step records, oldest first (what the cache stores).
    var allRecords: [StepRecord] { records }

    public init(repository: Repository, tip: OID?) throws {
        guard let tip else { return }
        try repository.walk(from: tip, firstParent: true) { commit in
            add(commit: commit)
            if let record = try StepRecord(commit) { add(record) }
        }
    }

    mutating func add(commit _: CommitInfo) {
        commitCount += 1
    }

    /// Adds the commits reachable from `tip` and not from `known`, parents first (of the cases
    /// `only`, when given).
    mutating func extend(repository: Repository, tip: OID, hiding known: OID, only: Set<String>? = nil) throws {
        try repository.walk(from: tip, hiding: known, firstParent: true) { commit in
            add(commit: commit)
            if let record = try StepRecord(commit), only?.contains(record.caseID) ?? true { add(record) }
        }
    }

    mutating func add(_ record: StepRecord) {
        if indices[record.caseID] == nil { caseIDs.append(record.caseID) }
        indices[record.caseID, default: []].append(records.count)
        records.append(record)
    }

    /// The commits of one case, oldest first.
    public func records(of caseID: String) -> [StepRecord] {
        (indices[caseID] ?? []).map { records[$0] }
    }
}
