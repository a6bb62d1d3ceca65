import Foundation

/// Group commit for callers on many threads: each submits one item and blocks until it is
/// committed; whoever finds no commit in progress becomes the leader and commits everything
/// queued so far (up to `maxBatch`) in one call, so concurrent callers share one durable commit
/// instead of paying one each. A lone caller commits at once, without waiting for company.
///
/// The leader runs `commit` on its own thread: call `submit` from a thread pool, never from an
/// event loop.
public final class GroupCommitQueue<Item: Sendable, Output: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [(ticket: UInt64, item: Item)] = []
    private var results: [UInt64: Result<Output, any Error>] = [:]
    private var nextTicket: UInt64 = 0
    private var leading = false

    private let maxBatch: Int
    /// Commits items in order and returns one output per item, in the same order.
    private let commit: @Sendable ([Item]) throws -> [Output]

    public init(maxBatch: Int = 64, commit: @escaping @Sendable ([Item]) throws -> [Output]) {
        self.maxBatch = max(1, maxBatch)
        self.commit = commit
    }

    /// Commits `item` with whatever else is queued; returns its output once it is durable.
    public func submit(_ item: Item) throws -> Output {
        condition.lock()
        let ticket = nextTicket
        nextTicket += 1
        queue.append((ticket, item))
        while true {
            if let result = results.removeValue(forKey: ticket) {
                condition.unlock()
                return try result.get()
            }
            if !leading {
                leading = true
                let batch = Array(queue.prefix(maxBatch))
                queue.removeFirst(batch.count)
                condition.unlock()
                let outcome = Result { () throws -> [Output] in
                    let outputs = try commit(batch.map(\.item))
                    guard outputs.count == batch.count else {
                        throw MohurError.system("a group commit returned \(outputs.count) results for \(batch.count) items")
                    }
                    return outputs
                }
                condition.lock()
                for (offset, entry) in batch.enumerated() { results[entry.ticket] = outcome.map { $0[offset] } }
                leading = false
                condition.broadcast()
                continue
            }
            condition.wait()
        }
    }
}
