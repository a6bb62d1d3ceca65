import Foundation
import MohurCore
import Storage
import Synchronization

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
    /// Hashes of complete subtrees never change once stored, so the upper levels — few nodes,
    /// read by every proof — are kept in memory. `verify` reads through `nodes(level:_:)`,
    /// which never uses this cache, so it always sees what the database holds.
    let upperLevels = SubtreeHashCache()

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

    /// Entries and subtree hashes of one batch, inside the caller's transaction (`AuditLog`
    /// commits them with the frontier it read). Rows go in multi-row INSERTs of up to 200: on
    /// PostgreSQL every statement is a round trip, and a batch completes about as many nodes.
    func append(entries: [(Int64, [UInt8])], nodes: [(NodeID, [UInt8])]) throws {
        for chunk in stride(from: 0, to: entries.count, by: 200).map({ entries[$0..<min($0 + 200, entries.count)] }) {
            try database.execute("INSERT INTO audit_entries(idx, entry) VALUES " + Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", "),
                                 chunk.flatMap { [$0.0, $0.1] as [any SQLValueConvertible] })
        }
        for chunk in stride(from: 0, to: nodes.count, by: 200).map({ nodes[$0..<min($0 + 200, nodes.count)] }) {
            try database.execute("INSERT INTO audit_nodes(level, idx, hash) VALUES " + Array(repeating: "(?, ?, ?)", count: chunk.count).joined(separator: ", "),
                                 chunk.flatMap { [$0.0.level, $0.0.index, $0.1] as [any SQLValueConvertible] })
        }
    }

    /// Stored hashes of `ids`: upper levels from memory, the rest in one statement whose OR of
    /// primary-key terms SQLite answers with one index lookup per term (the OR-by-union plan).
    /// A row-value `IN (VALUES …)` list looked equivalent but makes SQLite scan the whole table.
    func nodes(_ ids: Set<NodeID>) throws -> [NodeID: [UInt8]] {
        var found = upperLevels.lookup(ids)
        let missing = ids.filter { found[$0] == nil }.sorted()
        var start = 0
        while start < missing.count {
            let chunk = missing[start..<min(start + 64, missing.count)]
            start += chunk.count
            let terms = Array(repeating: "(level = ? AND idx = ?)", count: chunk.count).joined(separator: " OR ")
            var arguments: [any SQLValueConvertible] = []
            for id in chunk { arguments.append(id.level); arguments.append(id.index) }
            for row in try database.query("SELECT level, idx, hash FROM audit_nodes WHERE \(terms)", arguments) {
                let id = NodeID(level: Int(try row.int("level")), index: try row.int("idx"))
                let hash = try row.blob("hash")
                found[id] = hash
                upperLevels.remember(id, hash)
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

    /// Checkpoints larger than `size`, smallest first.
    func checkpoints(after size: Int64) throws -> [StoredCheckpoint] {
        try database.query("SELECT * FROM audit_checkpoints WHERE size > ? ORDER BY size", [size]).map(Self.checkpoint)
    }

    private static func checkpoint(_ row: Row) throws -> StoredCheckpoint {
        StoredCheckpoint(size: try row.int("size"), rootHash: try row.blob("root"), note: try row.text("note"),
                         signedAt: try row.date("signed_at"))
    }
}

/// In-memory copies of stored subtree hashes at level ≥ `minimumLevel` (each covers at least
/// 2^minimumLevel entries, so there are at most size / 2^minimumLevel of them), bounded by
/// `capacity` entries.
final class SubtreeHashCache: Sendable {
    static let minimumLevel = 6
    static let capacity = 1 << 20
    private let hashes = Mutex<[NodeID: [UInt8]]>([:])

    func lookup(_ ids: Set<NodeID>) -> [NodeID: [UInt8]] {
        hashes.withLock { cached in
            var found: [NodeID: [UInt8]] = [:]
            for id in ids where id.level >= Self.minimumLevel {
                if let hash = cached[id] { found[id] = hash }
            }
            return found
        }
    }

    func remember(_ id: NodeID, _ hash: [UInt8]) {
        guard id.level >= Self.minimumLevel else { return }
        hashes.withLock { cached in
            if cached.count < Self.capacity { cached[id] = hash }
        }
    }
}
