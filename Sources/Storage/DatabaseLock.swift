import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock serialising all use of one SQLite connection; the thread already holding it may re-enter.
///
/// Why re-entrant: `Database.transaction` holds the lock for its whole body, so that no other task's
/// statements can slip into the open transaction (a connection has exactly one transaction). The body
/// then calls `execute`/`query` on the same `Database`, often through the captured outer reference
/// rather than the parameter, and those calls take the lock again. The lock itself is not
/// recursive, so it remembers which thread holds it.
///
/// Why `NSLock` (a plain pthread mutex) and not `Synchronization.Mutex`: on Linux the latter spins
/// before it sleeps on a priority-inheritance futex. With more pool threads than cores, waiters
/// spun while the holder waited for a core: 8 threads checking callers' certificates on 2 cores
/// spent a sixth of their time spinning here, and the signed-request path ran at 4.4–5.1k/s
/// against 7.0–7.9k/s with a sleeping lock (`make bench`, "from 8 threads on 2 cores").
///
/// Why thread identity is sound here: every closure run under the lock is synchronous, so a Swift
/// task cannot suspend while holding it: it can neither hop to another thread nor let another task run
/// on this one. So if `owner` equals the current thread, this very call stack is inside `withLock`.
/// `owner` is written only by the holder, which clears it before unlocking; a thread therefore never
/// sees its own identity there unless it is the holder, and relaxed ordering suffices.
struct DatabaseLock: ~Copyable, Sendable {
    private let mutex = NSLock()
    private let owner = Atomic<UInt>(0)

    func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        let current = Self.currentThread()
        if owner.load(ordering: .relaxed) == current {
            return try body()
        }
        mutex.lock()
        owner.store(current, ordering: .relaxed)
        defer {
            owner.store(0, ordering: .relaxed)
            mutex.unlock()
        }
        return try body()
    }

    /// Whether the calling thread holds the lock (is inside `withLock`).
    var isHeldByCurrentThread: Bool { owner.load(ordering: .relaxed) == Self.currentThread() }

    /// A non-zero identifier of the calling thread, unique among live threads.
    private static func currentThread() -> UInt {
        #if canImport(Darwin)
        UInt(bitPattern: pthread_self())
        #else
        UInt(pthread_self())
        #endif
    }
}
