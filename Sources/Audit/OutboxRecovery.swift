import Foundation
import MohurCore
import Storage

extension AuditLog {
    /// Appends the entries operations staged in `outbox` before `cutoff` that this journal does
    /// not already hold: left by a process that stopped between its commit and its append, or
    /// appended and not yet deleted from the outbox (those are not appended twice). Returns how
    /// many were appended.
    ///
    /// An entry is "held" when the journal has the same bytes: a staged entry carries its time
    /// to the millisecond and its whole record, so equal bytes are the same entry.
    public func recoverStaged(from outbox: AuditOutbox, stagedBefore cutoff: Date) throws -> Int {
        let rows = try outbox.pending(stagedBefore: cutoff)
        guard let oldest = rows.map(\.stagedAt).min() else { return 0 }
        // The journal decides what it lacks inside its own write transaction; no transaction of
        // the PKI store is open meanwhile (in one PostgreSQL database both take the writers'
        // lock, and a connection waiting for it while another of this process holds it would
        // wait forever).
        let appended = try appendMissing(stamped: rows.map(\.entry), since: oldest.addingTimeInterval(-5))
        try outbox.removeStaged(rows.map(\.id))
        return appended
    }
}

extension AuditReader {
    /// The bytes of the entries stamped at or after `time`, read backwards from the end (queries
    /// keep only their day, so the scan stops at the first chunk of only older actions).
    func entryBytes(since time: Date) throws -> Set<[UInt8]> {
        var end = try size()
        var found = Set<[UInt8]>()
        while end > 0 {
            let start = max(0, end - 1000)
            let chunk = try entries(start..<end)
            for (_, entry) in chunk { found.insert(entry.encoded) }
            if chunk.allSatisfy({ ($0.entry.time ?? .distantFuture) < time }) { break }
            end = start
        }
        return found
    }
}
