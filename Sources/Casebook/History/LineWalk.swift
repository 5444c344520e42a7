import Foundation
import GitStore

/// What a walk learnt of one part of a history's line, joined to what it learnt of the part
/// before (`Casebook.walk(_:reading:)`).
protocol WalkedPart: Sendable {
    init()
    /// Adds what was learnt of the part that comes right after this one in the line, emptying
    /// `later` as it goes (memory holds one copy of each step).
    mutating func append(consuming later: inout Self)
}

/// Each case's steps as a walk met them, and the cases in the order it first met them.
///
/// A whole history's steps are held until the walk ends: each case's list grows by a quarter at a
/// time, not doubling as `Array.append` does (a case of ten steps held room for sixteen; at 30k
/// cases, about 10 MB of a full verify's peak held empty).
struct StepsByCase<Step: Sendable>: Sendable {
    private(set) var ids: [String] = []
    private var steps: [String: [Step]] = [:]

    mutating func add(_ step: Step, of id: String) {
        if steps[id] == nil { ids.append(id) }
        Self.append(step, to: &steps[id, default: []])
    }

    private static func append(_ step: Step, to list: inout [Step]) {
        if list.count == list.capacity { list.reserveCapacity(list.count + max(1, list.count / 4)) }
        list.append(step)
    }

    /// Adds the steps met later in the line, emptying `later` as it goes.
    mutating func append(consuming later: inout StepsByCase<Step>) {
        for id in later.ids {
            if steps[id] == nil { ids.append(id) }
            let theirs = later.steps.removeValue(forKey: id) ?? []
            Self.join(theirs, to: &steps[id, default: []])
        }
        later.ids = []
    }

    private static func join(_ more: [Step], to list: inout [Step]) {
        if list.isEmpty {
            list = more
            return
        }
        list.reserveCapacity(list.count + more.count)
        list += more
    }

    /// The room each case's list holds (for a test of the growth).
    var capacities: [String: Int] { steps.mapValues(\.capacity) }

    /// Each case with its steps, in order; each case's steps let go as they are handed over.
    mutating func takeAll() -> [(String, [Step])] {
        ids.map { ($0, steps.removeValue(forKey: $0) ?? []) }
    }
}

/// Which configuration is in force in the first parent of each step of a walked line (the commit
/// whose `roles.yaml`, and so the roster the step is judged by, rules there:
/// `configurationSource(after:)`), kept as the places in the line where it changes: a few entries
/// for a history of any length, where an id per step would be 20 bytes a step. A step's is the
/// last one noted at or before its place; a walk notes every step's, so a step never takes an
/// earlier step's. The steps that may change the configuration themselves (a file beside the case
/// folders, or the root) are kept apart: after them, the configuration in force is found from history.
struct ConfigurationLine: Sendable {
    enum Source: Equatable, Sendable {
        /// The commit whose configuration is in force in the parent.
        case read(source: OID)
        /// The parent's roster could not be read: the step's roster is read again when it is checked.
        case unread
    }

    private var places: [Int] = []
    private var sources: [Source] = []
    /// The places of the steps that may change the configuration, in increasing order.
    private var changers: [Int] = []

    /// The configuration in force in the parent of the step at `place` (places noted in increasing
    /// order); `changes`: whether the step may change the configuration in force after it.
    mutating func note(_ source: Source, at place: Int, changes: Bool = false) {
        if changes { changers.append(place) }
        guard sources.last != source else { return }
        places.append(place)
        sources.append(source)
    }

    /// The places of a later part of the line, after this one's.
    mutating func append(_ later: ConfigurationLine) {
        for (place, source) in zip(later.places, later.sources) { note(source, at: place) }
        changers += later.changers
    }

    /// The configuration in force in the parent of the step at `place`; nil before the first place noted.
    func source(at place: Int) -> Source? {
        let low = Self.count(places, upTo: place)
        return low == 0 ? nil : sources[low - 1]
    }

    /// Whether the step at `place` was noted as one that may change the configuration.
    func changes(at place: Int) -> Bool {
        let low = Self.count(changers, upTo: place)
        return low > 0 && changers[low - 1] == place
    }

    /// How many of `sorted` are at or before `place`.
    private static func count(_ sorted: [Int], upTo place: Int) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] <= place { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// The commit of a case whose declared date bounds the next commit's (`ruleDate`), fed the
/// case's records in history order. A step of the case follows every commit of the case; one
/// dependency's step follows the case's own steps and that dependency's commits, not another
/// dependency's (the dependencies of a round record in their own clones, and their work is
/// published in the order it arrives); a note follows the case's own steps (two clones attach
/// documents offline).
struct DateBounds {
    /// A commit of a case, by its declared date: what a bound needs (a few bytes, not the record).
    struct Dated: Equatable, Sendable {
        var commit: OID
        var date: Date
    }

    /// One case's bounds: its last commit, its last step of its own (or its opening), and each
    /// dependency's last commit. Keyed by the records' own case id (no new string per key).
    private struct Case {
        var any: Dated
        var own: Dated?
        var dependencies: [String: Dated] = [:]
    }

    private var cases: [String: Case] = [:]

    init() {}

    init(_ records: some Sequence<StepRecord>) {
        for record in records { add(record) }
    }

    func bound(for record: StepRecord) -> Dated? {
        guard let known = cases[record.caseID] else { return nil }
        if let dependency = record.dependency {
            let theirs = known.dependencies[dependency]
            guard let own = known.own, let theirs else { return known.own ?? theirs }
            return theirs.date > own.date ? theirs : own
        }
        return record.step == nil ? known.own : known.any
    }

    mutating func add(_ record: StepRecord) {
        let dated = Dated(commit: record.commit, date: record.author.date)
        guard var known = cases[record.caseID] else {
            var opened = Case(any: dated, own: dated)
            if let dependency = record.dependency { opened.dependencies[dependency] = dated }
            cases[record.caseID] = opened
            return
        }
        known.any = dated
        if let dependency = record.dependency {
            known.dependencies[dependency] = dated
        } else if record.step != nil {
            known.own = dated
        }
        cases[record.caseID] = known
    }
}

/// One commit of a walk, as the walk hands it to its visitor.
struct WalkedCommit {
    /// Its place in the line (0: the oldest commit walked).
    var position: Int
    var commit: CommitInfo
    var record: StepRecord?
    /// The record of the same case before this one in the line (or in `earlier`) that bounds its date (`DateBounds`).
    var previousInCase: DateBounds.Dated?
    /// The commit before this one in the line (its first parent, on a first-parent line).
    var previous: CommitInfo?
}

extension Casebook {
    /// Visits the commits of `line` (a first-parent line, oldest first) in order, each with its
    /// step record, its case's record before it and the commit before it, `visit` gathering what
    /// it learns into a `Part`. `earlier` holds each case's last record before the line (a range).
    ///
    /// A long line (`splitWalkThreshold` commits or more: a whole history) whose signatures are
    /// known (cached, or checked before the walk) is walked in two halves at once: the later half
    /// on the second core by a casebook of its own (`secondCasebook`, handed the signature verdicts
    /// and reception stamps this one has), which first reads the earlier half's records (each
    /// case's previous step) and then visits its own commits. Each commit is visited once, by one
    /// casebook, with what one walk would have given it; the two parts are joined in the line's
    /// order. If the second casebook cannot walk its half, this one walks it after its own. While a
    /// thread checks signatures beside the walk (`SignatureFeed`), the second core is taken: one
    /// walk (two walks and the signatures on two cores took longer, measured at 10k cases), until
    /// that thread has checked them all; then half of what is left of the line goes to the second
    /// core the same way (handed the feed, whose verdicts each walk takes for its own commits, and
    /// the records of the commits before its part, from where this walk is).
    func walk<Part: WalkedPart>(_ line: [OID], reading tip: OID, after earlier: DateBounds = DateBounds(),
                                visit: @escaping @Sendable (Casebook, WalkedCommit, inout Part) throws -> Void) throws -> Part {
        let long = line.count >= splitWalkThreshold
        let feed = signatureFeed
        var end = long && feed == nil ? line.count / 2 + line.count / 32 : line.count
        var later: OrderedFeed<Part>?
        if end < line.count {
            later = walkBeside(line, end..<line.count, reading: tip, from: 0, after: earlier, previous: nil, visit: visit)
        }
        defer { later?.stop() }
        var part = Part()
        var lastInCase = earlier
        var previous: CommitInfo?
        var position = 0
        var waits = restSplitWaits
        while position < end {
            // While the signature thread works, the walk looks every `restSplitEvery` commits whether it is done.
            let looks = later == nil && long && feed != nil
            let stop = looks ? min(end, position + max(1, restSplitEvery)) : end
            try walk(line, position..<stop, into: &part, lastInCase: &lastInCase, previous: &previous, visit: visit)
            position = stop
            let left = end - position
            guard looks, left >= max(2, splitWalkThreshold / 2), let feed, feed.isComplete(waiting: waits) else { waits = false; continue }
            // The second core's part starts a little later than half: it first reads the records before it.
            let middle = min(end - 1, position + left / 2 + left / 32)
            later = walkBeside(line, middle..<end, reading: tip, from: position, after: lastInCase, previous: previous, visit: visit)
            end = middle
            restsWalkedBeside += 1
        }
        if later != nil {
            // Each case's bounds are let go while the later half is walked (at 30k cases, 5 MB of
            // the peak): they are needed again only if that walk fails.
            lastInCase = DateBounds()
            Self.giveBackFreedMemory()
        }
        if var done = later?.take(0) {
            // The halves are joined once what both walks freed is given back (the join's copies
            // would otherwise add to two heaps' high-water marks).
            Self.giveBackFreedMemory()
            part.append(consuming: &done)
            halvesWalkedBeside += 1
        } else if end < line.count {
            if later != nil { lastInCase = try recordBounds(line[..<end], after: earlier) }
            try walk(line, end..<line.count, into: &part, lastInCase: &lastInCase, previous: &previous, visit: visit)
        }
        return part
    }

    /// The walk of `line[range]` on the second core (`walk(_:reading:)`), by a casebook handed this
    /// one's signature verdicts, signature thread and reception stamps. It first reads the records
    /// of `line[start..<range.lowerBound]`, after `earlier` (each case's records before `start`) and
    /// `previous` (the commit before `start`).
    private func walkBeside<Part: WalkedPart>(_ line: [OID], _ range: Range<Int>, reading tip: OID, from start: Int, after earlier: DateBounds,
                                              previous: CommitInfo?,
                                              visit: @escaping @Sendable (Casebook, WalkedCommit, inout Part) throws -> Void) -> OrderedFeed<Part> {
        let (cache, verdicts, feed, stamps, bad) = (signatureCache, signatureVerdicts, signatureFeed, try? receptionStamps(), badStamps)
        let (before, fails) = (previous, walksBesideFail)
        return secondCasebook(count: 1, reading: tip, prepare: { book in
            (book.signatureCache, book.signatureVerdicts, book.signatureFeed) = (cache, verdicts, feed)
            (book.stampsCache, book.badStamps) = (stamps, bad)
        }) { book, _ in
            if fails { throw CancellationError() }
            // The records before its part, for each case's step before the part's.
            var lastInCase = try book.recordBounds(line[start..<range.lowerBound], after: earlier)
            var previous = try range.lowerBound > start ? book.repository.commit(line[range.lowerBound - 1]) : before
            var part = Part()
            try book.walk(line, range, into: &part, lastInCase: &lastInCase, previous: &previous, visit: visit)
            lastInCase = DateBounds()
            // The verdicts it checked from the thread's, for the next run (as the first walk's are).
            book.signatureFeed = nil
            book.saveSignatureCache()
            Casebook.giveBackFreedMemory()
            return part
        }
    }

    /// Each case's bounds after the records of `commits`, read in order after `earlier`.
    private func recordBounds(_ commits: ArraySlice<OID>, after earlier: DateBounds) throws -> DateBounds {
        var bounds = earlier
        for id in commits {
            if let record = try StepRecord(repository.commit(id)) { bounds.add(record) }
        }
        return bounds
    }

    /// Visits the commits of `line` in `range`, in order (`walk(_:reading:)`).
    private func walk<Part>(_ line: [OID], _ range: Range<Int>, into part: inout Part, lastInCase: inout DateBounds,
                            previous: inout CommitInfo?, visit: (Casebook, WalkedCommit, inout Part) throws -> Void) throws {
        for position in range {
            // What the walk freed goes back to the system now and then: each thread's heap keeps its
            // high-water mark, and a walk's churn (commits, trees, YAML) would add up on two heaps.
            if position % 2048 == 2047 { Self.giveBackFreedMemory() }
            let commit = try repository.commit(line[position])
            defer { previous = commit }
            let record = try StepRecord(commit)
            let before = record.flatMap { lastInCase.bound(for: $0) }
            if let record { lastInCase.add(record) }
            try visit(self, WalkedCommit(position: position, commit: commit, record: record, previousInCase: before, previous: previous), &part)
        }
    }
}
