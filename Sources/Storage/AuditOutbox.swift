import Foundation
import Synchronization

/// The journal's outbox in the PKI database (table `audit_outbox`): an operation stages its
/// journal entries inside its own transaction, so that they commit with it or not at all,
/// whether the journal lives in another SQLite file or in the same PostgreSQL database.
///
/// After the commit the entries are appended to the journal and `confirm`ed; confirmed rows
/// are deleted by the next staging transaction (no transaction of their own). A process that
/// dies between commit and append leaves its rows; `pending` finds them for recovery at the
/// next start, which appends those the journal does not already hold.
///
/// Never append to the journal while a transaction of this database is open: with both in one
/// PostgreSQL database, the journal's transaction would wait for the writers' lock that the
/// open one holds.
public final class AuditOutbox: Sendable {
    let database: Database
    private let confirmed = Mutex<[Int64]>([])
    /// Confirmed rows beyond this are deleted at once rather than by the next staging.
    static let confirmedLimit = 512

    public init(database: Database) {
        self.database = database
    }

    /// Stages `entries`; call inside the operation's `database.transaction`. Returns row ids.
    public func stage(_ entries: [[UInt8]], at now: Date) throws -> [Int64] {
        guard !entries.isEmpty else { return [] }
        try deleteConfirmed()
        var ids: [Int64] = []
        for start in stride(from: 0, to: entries.count, by: 200) {
            let chunk = entries[start..<min(start + 200, entries.count)]
            let values = repeatElement("(?, ?)", count: chunk.count).joined(separator: ", ")
            let rows = try database.query("INSERT INTO audit_outbox(entry, staged_at) VALUES \(values) RETURNING id",
                                          chunk.flatMap { [$0, now] as [any SQLValueConvertible] })
            ids += try rows.map { try $0.int("id") }
        }
        return ids
    }

    /// The journal holds the entries of `ids` now.
    public func confirm(_ ids: [Int64]) {
        guard !ids.isEmpty else { return }
        let backlog = confirmed.withLock { list in
            list.append(contentsOf: ids)
            return list.count
        }
        if backlog > Self.confirmedLimit { try? database.transaction { _ in try deleteConfirmed() } }
    }

    /// Rows staged before `cutoff`, oldest first: left behind by a process that stopped between
    /// its commit and its journal append (or confirmed but not yet deleted).
    public func pending(stagedBefore cutoff: Date) throws -> [(id: Int64, entry: [UInt8], stagedAt: Date)] {
        try database.query("SELECT id, entry, staged_at FROM audit_outbox WHERE staged_at < ? ORDER BY id", [cutoff]).map {
            (try $0.int("id"), try $0.blob("entry"), try $0.date("staged_at"))
        }
    }

    /// Deletes recovered rows, in a transaction of their own.
    public func removeStaged(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try database.transaction { _ in try remove(ids) }
    }

    public func remove(_ ids: [Int64]) throws {
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ ids[$0..<min($0 + 500, ids.count)] }) {
            try database.execute("DELETE FROM audit_outbox WHERE id IN (\(chunk.map(String.init).joined(separator: ",")))")
        }
    }

    /// Deletes the confirmed rows inside the caller's transaction. If that transaction rolls
    /// back, the rows stay and recovery finds their entries already in the journal.
    private func deleteConfirmed() throws {
        let done = confirmed.withLock { list in
            defer { list.removeAll() }
            return list
        }
        try remove(done)
    }
}
