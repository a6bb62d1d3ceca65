import Foundation
import MohurCore
import Storage

/// A stored, signed tree head.
public struct StoredCheckpoint: Sendable, Hashable {
    public let size: Int64
    public let rootHash: [UInt8]
    /// The whole signed note.
    public let note: String
    public let signedAt: Date
}

/// SQL of the journal tables. Every method is one statement or one transaction.
struct AuditStore: Sendable {
    let database: Database

    func meta(_ key: String) throws -> String? {
        try database.queryOne("SELECT value FROM audit_meta WHERE key = ?", [key]).map { try $0.text("value") }
    }

    func setMeta(_ key: String, _ value: String) throws {
        try database.execute("INSERT INTO audit_meta(key, value) VALUES (?, ?)", [key, value])
    }

    /// Number of entries: one past the highest index (gaps are for `verify` to find).
    func size() throws -> Int64 {
        try database.queryOne("SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM audit_entries").map { try $0.int("n") } ?? 0
    }

    /// Entries and subtree hashes of one batch, in one transaction.
    func append(entries: [(Int64, [UInt8])], nodes: [(NodeID, [UInt8])]) throws {
        try database.transaction { db in
            for (index, bytes) in entries {
                try db.execute("INSERT INTO audit_entries(idx, entry) VALUES (?, ?)", [index, bytes])
            }
            for (id, hash) in nodes {
                try db.execute("INSERT INTO audit_nodes(level, idx, hash) VALUES (?, ?, ?)", [id.level, id.index, hash])
            }
        }
    }

    /// Stored hashes of `ids`: one primary-key lookup each on a cached statement. (A row-value
    /// `IN (VALUES …)` list looked like one round trip but makes SQLite scan the whole table.)
    func nodes(_ ids: Set<NodeID>) throws -> [NodeID: [UInt8]] {
        var found: [NodeID: [UInt8]] = [:]
        for id in ids {
            if let row = try database.queryOne("SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?", [id.level, id.index]) {
                found[id] = try row.blob("hash")
            }
        }
        return found
    }

    /// Stored nodes of one level with indices in `range`, in index order.
    func nodes(level: Int, _ range: Range<Int64>) throws -> [(Int64, [UInt8])] {
        try database.query("SELECT idx, hash FROM audit_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
                           [level, range.lowerBound, range.upperBound]).map { (try $0.int("idx"), try $0.blob("hash")) }
    }

    func entries(_ range: Range<Int64>) throws -> [(Int64, [UInt8])] {
        try database.query("SELECT idx, entry FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                           [range.lowerBound, range.upperBound]).map { (try $0.int("idx"), try $0.blob("entry")) }
    }

    /// Up to `limit` entries from index `from` on, in index order (gaps show as jumps).
    func entries(from: Int64, limit: Int64) throws -> [(Int64, [UInt8])] {
        try database.query("SELECT idx, entry FROM audit_entries WHERE idx >= ? ORDER BY idx LIMIT ?", [from, limit])
            .map { (try $0.int("idx"), try $0.blob("entry")) }
    }

    func insertCheckpoint(_ checkpoint: StoredCheckpoint) throws {
        try database.execute("INSERT INTO audit_checkpoints(size, root, note, signed_at) VALUES (?, ?, ?, ?)",
                             [checkpoint.size, checkpoint.rootHash, checkpoint.note, checkpoint.signedAt])
    }

    func latestCheckpoint() throws -> StoredCheckpoint? {
        try database.queryOne("SELECT * FROM audit_checkpoints ORDER BY size DESC LIMIT 1").map(Self.checkpoint)
    }

    func checkpoints() throws -> [StoredCheckpoint] {
        try database.query("SELECT * FROM audit_checkpoints ORDER BY size").map(Self.checkpoint)
    }

    private static func checkpoint(_ row: Row) throws -> StoredCheckpoint {
        StoredCheckpoint(size: try row.int("size"), rootHash: try row.blob("root"), note: try row.text("note"),
                         signedAt: try row.date("signed_at"))
    }
}
