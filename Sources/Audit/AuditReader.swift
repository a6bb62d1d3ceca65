import Foundation
import MohurCore
import Storage

/// RFC 9162 §2.1.3 inclusion proof of one entry in the tree of `size` entries.
public struct InclusionProof: Sendable, Hashable, Codable {
    public let index: Int64
    public let size: Int64
    public let leafHash: [UInt8]
    public let hashes: [[UInt8]]

    /// The root this proof leads to, or nil if it is malformed (RFC 9162 §2.1.3.2).
    public var root: [UInt8]? {
        MerkleVerification.rootFromInclusionProof(index: index, size: size, leafHash: leafHash, proof: hashes)
    }
}

/// RFC 9162 §2.1.4 consistency proof between two tree sizes.
public struct ConsistencyProof: Sendable, Hashable, Codable {
    public let from: Int64
    public let to: Int64
    public let hashes: [[UInt8]]
}

/// Read access to a journal: entries, tree heads and proofs, each from O(log n) stored subtree
/// hashes. Needs no key: anything it returns is checked against signed checkpoints.
public struct AuditReader: Sendable {
    let store: AuditStore
    /// The database the journal lives in.
    public var database: Database { store.database }

    /// Opens the journal in `database` (its schema is brought up to date first).
    public init(database: Database) throws {
        try database.migrate(AuditSchema.migrations)
        store = AuditStore(database: database)
        guard try store.meta("origin") != nil else {
            throw MohurError.notFound("the database \(database.path) holds no audit journal", hint: "run `mohur init`")
        }
    }

    /// The log's origin line and checkpoint key name.
    public func origin() throws -> String { try store.meta("origin") ?? "" }

    /// The journal key as a signed-note verifier key, as stored at creation.
    public func verifierKey() throws -> NoteVerifierKey {
        guard let text = try store.meta("vkey") else { throw MohurError.system("the journal records no verifier key") }
        return try NoteVerifierKey(vkey: text)
    }

    /// Where the journal key lives (an RFC 7512 URI or a software key path).
    public func keyReference() throws -> String? { try store.meta("key_ref") }

    public func size() throws -> Int64 { try store.size() }

    public func latestCheckpoint() throws -> StoredCheckpoint? { try store.latestCheckpoint() }

    public func checkpoints() throws -> [StoredCheckpoint] { try store.checkpoints() }

    /// Entries with index in `range`, decoded; undecodable ones are reported by `verify`.
    public func entries(_ range: Range<Int64>) throws -> [(index: Int64, entry: AuditEntry)] {
        try store.entries(range).map { (index: $0.0, entry: try AuditEntry(decoding: $0.1)) }
    }

    /// The next batch to forward to the central service, which holds `held` entries of this
    /// journal: entries `[held, c)` and the signed checkpoint of size `c`, where `c` is the
    /// largest checkpoint size within `maxEntries` of `held` (or, when checkpoints are sparser,
    /// the first one after `held`). Nil when no checkpoint goes beyond `held` yet.
    public func forwardBatch(after held: Int64, maxEntries: Int64) throws -> ForwardedEntries? {
        let later = try store.checkpoints(after: held)
        guard let target = later.last(where: { $0.size <= held + maxEntries }) ?? later.first else { return nil }
        let entries = try store.entries(held..<target.size).map(\.1)
        guard entries.count == Int(target.size - held) else {
            throw MohurError.system("the journal lacks entries below its checkpoint of size \(target.size); run mohur audit verify")
        }
        return ForwardedEntries(checkpoint: target.note, from: held, entries: entries)
    }

    /// MTH of the first `size` entries from stored subtree hashes.
    public func root(size: Int64) throws -> [UInt8] {
        try checkedSize(size)
        return try MerkleTree.prefetched(store.nodes) { try MerkleTree.root(size: size, $0) }
    }

    public func inclusionProof(index: Int64, size: Int64) throws -> InclusionProof {
        try checkedSize(size)
        guard index >= 0, index < size else {
            throw MohurError.badInput("entry \(index) is not in a tree of \(size) entries", hint: "use an index below the size")
        }
        return try MerkleTree.prefetched(store.nodes) { node in
            InclusionProof(index: index, size: size, leafHash: try node(NodeID(level: 0, index: index)),
                           hashes: try MerkleTree.inclusionPath(index: index, size: size, node))
        }
    }

    public func consistencyProof(from: Int64, to: Int64) throws -> ConsistencyProof {
        try checkedSize(to)
        guard from >= 0, from <= to else { throw MohurError.badInput("consistency needs 0 ≤ from (\(from)) ≤ to (\(to))") }
        return ConsistencyProof(from: from, to: to,
                                hashes: try MerkleTree.prefetched(store.nodes) { try MerkleTree.consistencyPath(from: from, to: to, $0) })
    }

    private func checkedSize(_ size: Int64) throws {
        let current = try store.size()
        guard size >= 0, size <= current else {
            throw MohurError.badInput("the journal has \(current) entries, not \(size)", hint: "ask for a size up to \(current)")
        }
    }
}
