import Foundation
import GitStore

/// Values computed in order, `0..<count`, on a thread of their own with a `Repository` of its own
/// (libgit2 handles are used by one thread at a time), at most `ahead` values before the last one
/// taken, while the caller's thread works on the ones before: the second core checks a history's
/// signatures while the walk reads it (`SignatureFeed`), and derives or checks every other case
/// while the caller's thread does the rest (`Casebook.secondCasebook`). A value the thread cannot
/// compute, or every value when it cannot open the repository, is nil: the caller then computes
/// it itself.
final class OrderedFeed<Value: Sendable>: @unchecked Sendable {
    private var slots: [Value?]
    private var produced = 0
    private var consumed = 0
    private var stopped = false
    private let condition = NSCondition()

    /// `start` runs on the thread with its repository (`open`'s, nil when it cannot be opened) and
    /// returns the function that computes value `index` (with whatever state the thread keeps).
    init(count: Int, ahead: Int = .max, open: @escaping @Sendable () -> Repository?,
         start: @escaping @Sendable (Repository?) -> (Int) -> Value?) {
        slots = Array(repeating: nil, count: count)
        let thread = Thread { [self] in
            let compute = start(open())
            for index in 0..<count {
                condition.lock()
                while !stopped && produced - consumed >= ahead { condition.wait() }
                let stop = stopped
                condition.unlock()
                if stop { return }
                let value = compute(index)
                condition.lock()
                slots[index] = value
                produced = index + 1
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.start()
    }

    /// Value `index` once the thread has computed it, handed over once (nil when the feed was
    /// stopped before the thread reached it).
    func take(_ index: Int) -> Value? {
        condition.lock()
        defer { condition.unlock() }
        while produced <= index && !stopped { condition.wait() }
        guard produced > index else { return nil }
        consumed = max(consumed, index + 1)
        condition.broadcast()
        defer { slots[index] = nil }
        return slots[index]
    }

    /// Whether the thread has computed every value (`waiting`: once it has, or has stopped).
    func isComplete(waiting: Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while waiting && produced < slots.count && !stopped { condition.wait() }
        return produced == slots.count
    }

    /// Lets the thread stop (it holds the feed until then; every caller stops its feed when done):
    /// a caller that ends early, on an error, does not leave it waiting or working for nothing.
    /// The thread computes no value after the one it is computing.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
