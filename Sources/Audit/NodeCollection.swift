import Foundation
import MohurCore
import Storage

/// Where one node's journal stands at the central service.
public struct RemoteNode: Sendable, Codable, Hashable {
    public let origin: String
    public let vkey: String
    public let label: String
    public let registeredAt: Date
    /// Entries received and verified so far (the size of the node's latest accepted checkpoint).
    public let size: Int64
    public let receivedAt: Date?
    public let refusedAt: Date?
    public let refusal: String?
}

/// What a node forwards: its entries `[from, checkpoint size)` and the signed checkpoint that
/// covers them (c2sp.org/tlog-checkpoint, signed by the node's journal key).
public struct ForwardedEntries: Sendable {
    public let checkpoint: String
    public let from: Int64
    public let entries: [[UInt8]]

    public init(checkpoint: String, from: Int64, entries: [[UInt8]]) {
        self.checkpoint = checkpoint
        self.from = from
        self.entries = entries
    }
}

/// The central copy of every node's journal (rules §5.2.4.5: audit journals kept centrally).
///
/// Each node (issuing centre, border post, segment) keeps its own journal and forwards its
/// entries with signed checkpoints whenever it can reach the centre, so that a post offline
/// for days catches up. A batch is accepted only if the entries, appended to what the centre
/// already holds of that node, produce exactly the root of the node's new checkpoint: the
/// recomputation proves that the new tree extends the old one (what an RFC 9162 §2.1.4
/// consistency proof proves, without trusting hashes the node chose). A node whose log
/// shrank, or whose entries or checkpoint disagree with what it sent before, has forked:
/// the batch is refused, the node row records why, and the caller journals it as a threat.
public struct NodeCollection: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public enum Outcome: Sendable, Equatable {
        /// New entries stored up to `size`.
        case accepted(origin: String, from: Int64, size: Int64, checkpoint: Checkpoint)
        /// Nothing new (a retry of a batch already stored).
        case unchanged(origin: String, size: Int64)
    }

    /// Registers a node by its journal's verifier key (`mohur audit key` on the node).
    public func register(vkey: String, label: String, at now: Date) throws -> RemoteNode {
        let key = try NoteVerifierKey(vkey: vkey)
        guard !label.isEmpty else { throw MohurError.badInput("a node needs a label (which post or centre it is)") }
        if let known = try node(origin: key.name) {
            guard known.vkey == key.vkey else {
                throw MohurError.refused("node \(key.name) is registered with another key (\(known.vkey))",
                                                 hint: "a node's journal key never changes; a new key is a new node")
            }
            return known
        }
        try database.execute("INSERT INTO audit_remote_nodes(origin, vkey, label, registered_at) VALUES (?, ?, ?, ?)",
                             [key.name, key.vkey, label, now])
        guard let stored = try node(origin: key.name) else { throw MohurError.system("node \(key.name) was not stored") }
        return stored
    }

    public func nodes() throws -> [RemoteNode] {
        try database.query("SELECT * FROM audit_remote_nodes ORDER BY origin").map(Self.node)
    }

    public func node(origin: String) throws -> RemoteNode? {
        try database.queryOne("SELECT * FROM audit_remote_nodes WHERE origin = ?", [origin]).map(Self.node)
    }

    /// Entries `[from, to)` of a node as received.
    public func entries(origin: String, _ range: Range<Int64>) throws -> [[UInt8]] {
        try database.query("SELECT entry FROM audit_remote_entries WHERE origin = ? AND idx >= ? AND idx < ? ORDER BY idx",
                           [origin, range.lowerBound, range.upperBound]).map { try $0.blob("entry") }
    }

    /// The node's accepted checkpoints, oldest first.
    public func checkpoints(origin: String) throws -> [String] {
        try database.query("SELECT note FROM audit_remote_checkpoints WHERE origin = ? ORDER BY size", [origin]).map { try $0.text("note") }
    }

    /// Verifies and stores a forwarded batch. Throws `.badInput` for a batch that does not
    /// start where the centre stands (the node asks again and resends), `.notFound` for an
    /// unregistered node, `.refused` for a checkpoint not signed by the node's registered key,
    /// and `NodeForked` when the node's log contradicts what it sent before.
    public func receive(_ batch: ForwardedEntries, at now: Date) throws -> Outcome {
        guard batch.from >= 0 else { throw MohurError.badInput("field 'from' is negative") }
        let checkpoint = try Self.checkpoint(in: batch.checkpoint)
        guard let node = try node(origin: checkpoint.origin) else {
            throw MohurError.notFound("no node with journal origin \(checkpoint.origin) is registered",
                                      hint: "register it on the central service: mohur audit nodes add --vkey VKEY --label TEXT")
        }
        let key = try NoteVerifierKey(vkey: node.vkey)
        let signed: Checkpoint
        do { signed = try key.open(batch.checkpoint) } catch {
            throw MohurError.refused("the checkpoint is not signed by node \(node.origin)'s registered journal key: \(error)")
        }
        let origin = node.origin
        return try database.transaction { db in
            // Read inside the write transaction: two deliveries of one node serialise here.
            guard let row = try db.queryOne("SELECT size, frontier FROM audit_remote_nodes WHERE origin = ?", [origin]) else {
                throw MohurError.notFound("node \(origin) is no longer registered")
            }
            let held = try row.int("size")
            let frontier = try CompactRange(size: held, hashes: Self.split(try row.blob("frontier")))
            if signed.size < held {
                throw NodeForked(origin: origin, reason: "its checkpoint of size \(signed.size) is smaller than the \(held) entries it forwarded before: the log shrank")
            }
            guard batch.from <= held else {
                throw MohurError.badInput("node \(origin): the batch starts at entry \(batch.from) but the central service holds \(held); send from \(held)")
            }
            guard batch.from + Int64(batch.entries.count) == signed.size else {
                throw MohurError.badInput("node \(origin): \(batch.entries.count) entries from \(batch.from) do not end at the checkpoint's size \(signed.size)")
            }
            // Entries the centre already holds must be the same bytes (a retry), else the log forked.
            let overlap = Int(held - batch.from)
            if overlap > 0 {
                let stored = try db.query("SELECT entry FROM audit_remote_entries WHERE origin = ? AND idx >= ? AND idx < ? ORDER BY idx",
                                          [origin, batch.from, held]).map { try $0.blob("entry") }
                if let first = zip(stored, batch.entries).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                    throw NodeForked(origin: origin, reason: "entry \(batch.from + Int64(first)) differs from the one it forwarded before")
                }
            }
            var extended = frontier
            for entry in batch.entries.dropFirst(overlap) { _ = extended.append(leafHash: MerkleHash.leaf(entry)) }
            guard extended.root == signed.rootHash else {
                throw NodeForked(origin: origin, reason: held == signed.size
                    ? "its checkpoint of size \(signed.size) has another root than the one accepted before"
                    : "its checkpoint of size \(signed.size) does not extend the \(held) entries accepted before with the entries sent")
            }
            guard signed.size > held else {
                try db.execute("INSERT OR IGNORE INTO audit_remote_checkpoints(origin, size, root, note, received_at) VALUES (?, ?, ?, ?, ?)",
                               [origin, signed.size, signed.rootHash, batch.checkpoint, now])
                return .unchanged(origin: origin, size: held)
            }
            for (offset, entry) in batch.entries.enumerated().dropFirst(overlap) {
                try db.execute("INSERT INTO audit_remote_entries(origin, idx, entry) VALUES (?, ?, ?)",
                               [origin, batch.from + Int64(offset), entry])
            }
            try db.execute("INSERT INTO audit_remote_checkpoints(origin, size, root, note, received_at) VALUES (?, ?, ?, ?, ?)",
                           [origin, signed.size, signed.rootHash, batch.checkpoint, now])
            try db.execute("UPDATE audit_remote_nodes SET size = ?, frontier = ?, received_at = ? WHERE origin = ?",
                           [signed.size, extended.hashes.flatMap { $0 }, now, origin])
            return .accepted(origin: origin, from: held, size: signed.size, checkpoint: signed)
        }
    }

    /// Records on the node's row why its last delivery was refused (shown by `audit nodes`).
    public func recordRefusal(origin: String, reason: String, at now: Date) throws {
        try database.execute("UPDATE audit_remote_nodes SET refused_at = ?, refusal = ? WHERE origin = ?", [now, reason, origin])
    }

    // MARK: - Internals

    /// The origin line of a note, before its signature is checked (to find the node's key).
    static func checkpoint(in note: String) throws -> Checkpoint {
        guard let end = note.range(of: "\n\n") else { throw MohurError.badInput("the checkpoint is not a signed note (no blank line)") }
        return try Checkpoint(body: String(note[..<end.lowerBound]) + "\n")
    }

    static func split(_ frontier: [UInt8]) -> [[UInt8]] {
        stride(from: 0, to: frontier.count, by: 32).map { Array(frontier[$0..<min($0 + 32, frontier.count)]) }
    }

    static func node(_ row: Row) throws -> RemoteNode {
        RemoteNode(origin: try row.text("origin"), vkey: try row.text("vkey"), label: try row.text("label"),
                   registeredAt: try row.date("registered_at"), size: try row.int("size"), receivedAt: try row.optionalDate("received_at"),
                   refusedAt: try row.optionalDate("refused_at"), refusal: try row.optionalText("refusal"))
    }
}

/// A node's log contradicts what it forwarded before (a fork, a rewrite or a shrink): a threat
/// (rules §6.9.1.6), refused and journaled.
public struct NodeForked: Error, CustomStringConvertible, Sendable {
    public let origin: String
    public let reason: String
    public var description: String { "node \(origin) forked: \(reason)" }
}
