import Foundation
import GitStore

/// Every expediente commit reachable from a tip, in history order (parents first), grouped by case.
///
/// Built by one revwalk along the line of first parents that reads trailers only: no diff, no
/// subprocess. A merge's other parents are not part of the shared line (verify flags the merge).
public struct History: Sendable {
    /// The records in blocks of 4,096, in the order they were added (history order from a walk,
    /// the file's order from the history cache; each case's oldest first): one array of a whole
    /// history doubled as it grew (at 10k cases a 45 MB buffer for 36 MB of records, and both
    /// buffers at each doubling).
    private var blocks: [[StepRecord]] = []
    private static let blockSize = 4096
    /// The room each new block starts with (a whole block, unless the records are known to be fewer).
    private var blockReserve = History.blockSize
    /// Every record, in the order they were added (each case's oldest first).
    public var records: FlattenSequence<[[StepRecord]]> { blocks.joined() }
    private var recordCount = 0
    /// Case ids in the order they first appear.
    public private(set) var caseIDs: [String] = []
    private var indices: [String: [Int]] = [:]
    /// Commits walked in all, with or without trailers.
    public internal(set) var commitCount = 0

    init() {}

    /// A history from the cache's records, plus what a walk adds.
    init(cached: HistoryCache) {
        commitCount = cached.commitCount
        for record in cached.records { add(record) }
    }

    /// A history of these records only (one case's, read again from their commits).
    init(records: [StepRecord]) {
        // One case's few records take a block of their size, not one of 4,096 (1.4 MB reserved
        // for each case a status or verify reads, 30,000 times at 30k cases).
        blockReserve = min(Self.blockSize, records.count)
        for record in records { add(record) }
    }

    /// The step records, as `records` (what the cache stores).
    var allRecords: FlattenSequence<[[StepRecord]]> { records }

    /// The history up to `tip` (of the cases `only`, when given), by one walk down the line of
    /// first parents (no revwalk: at 30k cases its node per commit took a step in a clone without
    /// the history cache to 330 MB). The cases `only` are kept as the walk goes, newest first, and
    /// put in history order at the end.
    public init(repository: Repository, tip: OID?, only: Set<String>? = nil) throws {
        guard let tip else { return }
        guard let only else {
            try repository.walkFirstParents(from: tip, oldestFirst: { try add(walked: $0) })
            return
        }
        var kept: [StepRecord] = []
        try repository.walkFirstParents(from: tip, newestFirst: { commit in
            commitCount += 1
            if let record = try StepRecord(commit), only.contains(record.caseID) { kept.append(record) }
        })
        blockReserve = min(Self.blockSize, max(1, kept.count))
        for record in kept.reversed() { add(record) }
    }

    mutating func add(commit _: CommitInfo) {
        commitCount += 1
    }

    /// Adds a commit a walk read, parents first, and its record (of the cases `only`, when given).
    mutating func add(walked commit: CommitInfo, only: Set<String>? = nil) throws {
        add(commit: commit)
        if let record = try StepRecord(commit), only?.contains(record.caseID) ?? true { add(record) }
    }

    /// Texts that repeat from record to record (people, sign-offs, case ids), kept once.
    private var shared: [String: String] = [:]
    private var sharedLists: [[String]: [String]] = [:]

    mutating func add(_ record: StepRecord) {
        // A history of 100,000 steps is the work of a few dozen people on some thousands of
        // cases: each record points to one copy of those texts, not to its own.
        var record = record
        func share(_ text: inout String) {
            guard text.utf8.count > 15 else { return }  // shorter ones are stored inline anyway
            if let known = shared[text] { text = known } else { shared[text] = text }
        }
        share(&record.author.name); share(&record.author.email)
        share(&record.committer.name); share(&record.committer.email)
        share(&record.caseID)
        if let known = sharedLists[record.signedOff] { record.signedOff = known } else { sharedLists[record.signedOff] = record.signedOff }
        if indices[record.caseID] == nil { caseIDs.append(record.caseID) }
        indices[record.caseID, default: []].append(recordCount)
        if recordCount % Self.blockSize == 0 {
            blocks.append([])
            blocks[blocks.count - 1].reserveCapacity(blockReserve)
        }
        blocks[blocks.count - 1].append(record)
        recordCount += 1
    }

    /// The room of each block (tests).
    var blockCapacities: [Int] { blocks.map(\.capacity) }

    /// The record at `index` of `records`.
    func record(at index: Int) -> StepRecord { blocks[index / Self.blockSize][index % Self.blockSize] }

    /// The commits of one case, oldest first.
    public func records(of caseID: String) -> [StepRecord] {
        (indices[caseID] ?? []).map(record(at:))
    }
}
