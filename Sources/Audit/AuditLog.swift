import Foundation
import MohurCore
import Storage

/// The append side of the journal: group commit, stored subtree hashes, signed checkpoints.
///
/// ## Group commit
/// `record`/`append` may be called from many threads. Callers queue their encoded entry; one of
/// them becomes the leader, takes the whole queue and commits it in one transaction while the
/// others wait; then everyone whose entry was committed returns. A call returns only after
/// its transaction committed, so a returned append is durable.
///
/// ## Durability
/// The database must be opened with `synchronous = FULL` (`openDatabase(path:)` does): with WAL,
/// FULL syncs the log at every commit, so a returned append survives power loss, not only a
/// process crash. NORMAL would be faster but could lose the last commits on power loss — after
/// they were reported durable, and possibly after a checkpoint covering them was published,
/// which would make the journal look forked. Group commit pays one fsync per batch instead.
///
/// ## Checkpoints
/// After a commit, if the last checkpoint is a second old or more (or there is none), the
/// leader signs a new one (c2sp.org/tlog-checkpoint), first proving it consistent with the
/// previous stored checkpoint (RFC 9162 §2.1.4.2). `checkpoint()` signs one on demand.
public final class AuditLog: AuditSink, @unchecked Sendable {
    // @unchecked: `queue`, `results`, `nextTicket` and `leading` are touched only with
    // `condition` locked; `tree` and `lastSigned` only by the thread that set `leading`
    // (handed over under the lock). Everything else is immutable.
    public let reader: AuditReader
    public let verifierKey: NoteVerifierKey
    let store: AuditStore
    let signer: any Signer
    let clock: any WallClock
    let checkpointInterval: TimeInterval
    static let maxBatch = 8192

    private let condition = NSCondition()
    private var queue: [(ticket: UInt64, entry: AuditEntry)] = []
    private var results: [UInt64: Result<Int64, any Error>] = [:]
    private var nextTicket: UInt64 = 0
    private var leading = false
    /// Entries in the previous batch: a sign of how many writers are active.
    private var lastBatchSize = 1
    private var tree: CompactRange
    private var lastSigned: (size: Int64, at: Date)?

    /// Opens a journal database with the durability the journal needs.
    public static func openDatabase(path: String) throws -> Database {
        try Database(path: path, synchronous: .full)
    }

    /// Creates the journal in `database`, bound to `signer` (the journal key) under `origin`.
    public static func create(database: Database, origin: String, signer: any Signer) throws {
        try database.migrate(AuditSchema.migrations)
        let key = try NoteVerifierKey(name: origin, subjectPublicKeyInfo: try signer.publicKey.subjectPublicKeyInfo())
        guard case .ec(.p256) = signer.spec else {
            throw MohurError.badInput("the journal key must be ECDSA P-256 (signed-note type 0x02), not \(signer.spec)")
        }
        try database.transaction { db in
            let store = AuditStore(database: db)
            guard try store.meta("origin") == nil else {
                throw MohurError.refused("\(database.path) already holds an audit journal", hint: "a journal is never re-created")
            }
            try store.setMeta("origin", origin)
            try store.setMeta("vkey", key.vkey)
            try store.setMeta("key_ref", signer.keyReference)
        }
    }

    /// Opens an existing journal for appending. Refuses a `signer` other than the journal key and
    /// a tree that does not match its latest checkpoint (after a crash the tree may be longer
    /// than the checkpoint, never different).
    public init(database: Database, signer: any Signer, clock: any WallClock = SystemWallClock(),
                checkpointInterval: TimeInterval = 1) throws {
        reader = try AuditReader(database: database)
        store = reader.store
        verifierKey = try reader.verifierKey()
        guard try signer.publicKey.subjectPublicKeyInfo() == verifierKey.subjectPublicKeyInfo else {
            throw MohurError.system("the key \(signer.keyReference) is not the journal key \(verifierKey.vkey)",
                                    hint: "open the journal with the key recorded at init")
        }
        self.signer = signer
        self.clock = clock
        self.checkpointInterval = checkpointInterval
        let size = try store.size()
        tree = try CompactRange(size: size, nodes: try store.nodes(Set(CompactRange.nodeIDs(size: size))))
        if let latest = try store.latestCheckpoint() {
            let signed = try verifierKey.open(latest.note)
            guard signed.size <= size, try reader.root(size: signed.size) == signed.rootHash else {
                throw MohurError.system("the journal does not match its latest checkpoint (size \(signed.size))",
                                        hint: "run `mohur audit verify` to find the damaged entry")
            }
            lastSigned = (signed.size, latest.signedAt)
        }
    }

    /// Appends `record` (AuditSink).
    public func record(_ record: AuditRecord) throws { _ = try append(record) }

    /// ``AuditSink`` conformance for a batch: one durable commit for all of `records`.
    public func record(contentsOf records: [AuditRecord]) throws { _ = try append(contentsOf: records) }

    /// Appends `record` and returns its index once it is durable.
    @discardableResult
    public func append(_ record: AuditRecord) throws -> Int64 {
        try append(contentsOf: [record])
    }

    /// Appends `records` in order (consecutive indices) and returns the first index once all
    /// are durable.
    @discardableResult
    public func append(contentsOf records: [AuditRecord]) throws -> Int64 {
        let now = clock.now()
        return try append(entries: records.map { AuditEntry($0, at: now) })
    }

    /// ``AuditSink``: the entries `records` become when appended now.
    public func stamp(_ records: [AuditRecord]) -> [[UInt8]] {
        let now = clock.now()
        return records.map { AuditEntry($0, at: now).encoded }
    }

    /// ``AuditSink``: appends entries stamped earlier (an outbox's), refusing bytes that are not
    /// a canonical entry.
    public func append(stamped entries: [[UInt8]]) throws {
        _ = try append(entries: try entries.map { try AuditEntry(decoding: $0) })
    }

    /// Appends `entries` in order through the group commit; returns the first index.
    private func append(entries: [AuditEntry]) throws -> Int64 {
        guard !entries.isEmpty else { return try store.size() }
        condition.lock()
        let tickets = nextTicket..<(nextTicket + UInt64(entries.count))
        nextTicket += UInt64(entries.count)
        queue.append(contentsOf: zip(tickets, entries).map { (ticket: $0, entry: $1) })
        var first: Int64?
        var remaining = entries.count
        while true {
            for ticket in tickets where results[ticket] != nil {
                guard let result = results.removeValue(forKey: ticket) else { continue }
                remaining -= 1
                switch result {
                case .success(let index): if ticket == tickets.lowerBound { first = index }
                case .failure(let error):
                    for other in tickets { results[other] = nil }
                    condition.unlock()
                    throw error
                }
            }
            if remaining == 0, let first {
                condition.unlock()
                return first
            }
            if !leading {
                leading = true
                gatherCompanions()
                let batch = Array(queue.prefix(Self.maxBatch))
                queue.removeFirst(batch.count)
                condition.unlock()
                let outcome = Result { try commit(batch.map(\.entry)).first }
                condition.lock()
                for (offset, item) in batch.enumerated() { results[item.ticket] = outcome.map { $0 + Int64(offset) } }
                lastBatchSize = batch.count
                leading = false
                condition.broadcast()
                continue
            }
            condition.wait()
        }
    }

    /// Commit delay (the idea of PostgreSQL's commit_delay/commit_siblings): when the previous
    /// batch showed several concurrent writers, the new leader waits up to `commitDelay` for as
    /// many entries to queue before committing, so that one fsync serves them all instead of
    /// the first writer to come back paying for a batch of one. A lone writer never waits.
    /// Called with `condition` locked; it is released between short polls (enqueuing writers do
    /// not signal, so that the waiting writers are not woken for every arrival).
    private func gatherCompanions() {
        guard lastBatchSize > 1 else { return }
        let target = min(lastBatchSize, Self.maxBatch)
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.commitDelayNanoseconds
        while queue.count < target, DispatchTime.now().uptimeNanoseconds < deadline {
            condition.unlock()
            usleep(10)
            condition.lock()
        }
    }

    /// How long a leader waits for companions: well under one fsync.
    static let commitDelayNanoseconds: UInt64 = 200_000

    /// Signs a checkpoint of the whole tree now, unless the latest one already covers it;
    /// returns the latest signed note (nil only for an empty journal).
    @discardableResult
    public func checkpoint() throws -> String? {
        try asLeader { try signIfNeeded(force: true) }
        return try store.latestCheckpoint()?.note
    }

    /// Leader only: commits `entries` in one transaction; returns the first index.
    ///
    /// Another process (the CLI beside `mohur serve`) may have appended since this one last
    /// did: the frontier is re-read inside the write transaction, whose `BEGIN IMMEDIATE`
    /// serialises writers across processes, so every process computes the same roots.
    ///
    /// With `skippingHeldSince`, entries the journal already holds (the same bytes among those
    /// stamped since that time) are left out, decided inside the write transaction: what
    /// outbox recovery needs so that two processes recovering at once append each entry once.
    private func commit(_ entries: [AuditEntry], skippingHeldSince since: Date? = nil) throws -> (first: Int64, count: Int) {
        var next = tree
        var entries = entries
        let first = try store.database.transaction { _ in
            let size = try store.size()
            if size != next.size {
                next = try CompactRange(size: size, nodes: try store.nodes(Set(CompactRange.nodeIDs(size: size))))
            }
            if let since {
                let held = try reader.entryBytes(since: since)
                entries.removeAll { held.contains($0.encoded) }
            }
            let first = next.size
            var rows: [(Int64, [UInt8])] = []
            var nodes: [(NodeID, [UInt8])] = []
            rows.reserveCapacity(entries.count)
            nodes.reserveCapacity(entries.count * 2)
            for entry in entries {
                rows.append((next.size, entry.encoded))
                nodes.append(contentsOf: next.append(leafHash: entry.leafHash))
            }
            try store.append(entries: rows, nodes: nodes)
            return first
        }
        tree = next
        // The entries are durable whatever happens to the checkpoint; a failed signature is
        // retried after the next commit or by `checkpoint()`.
        try? signIfNeeded(force: false)
        return (first, entries.count)
    }

    /// Leader only.
    private func signIfNeeded(force: Bool) throws {
        let now = clock.now()
        if let last = lastSigned, !force, now.timeIntervalSince(last.at) < checkpointInterval { return }
        // Another process may have appended or signed since: sign what is stored now.
        let size = try store.size()
        if size != tree.size {
            tree = try CompactRange(size: size, nodes: try store.nodes(Set(CompactRange.nodeIDs(size: size))))
        }
        guard tree.size > 0 else { return }
        if let latest = try store.latestCheckpoint(), latest.size >= tree.size {
            lastSigned = (latest.size, latest.signedAt)
            return
        }
        let checkpoint = Checkpoint(origin: verifierKey.name, size: tree.size, rootHash: tree.root)
        if let previous = try store.latestCheckpoint() {
            let signed = try verifierKey.open(previous.note)
            let proof = try reader.consistencyProof(from: signed.size, to: checkpoint.size)
            guard MerkleVerification.isConsistent(oldSize: signed.size, oldRoot: signed.rootHash, newSize: checkpoint.size,
                                                  newRoot: checkpoint.rootHash, proof: proof.hashes) else {
                throw MohurError.system("refusing to sign tree head \(checkpoint.size): it is not consistent with checkpoint \(signed.size)",
                                        hint: "the stored tree was altered; run `mohur audit verify`")
            }
        }
        let note = try NoteVerifierKey.sign(checkpoint, name: verifierKey.name, signer: signer)
        guard try verifierKey.open(note) == checkpoint else {
            throw MohurError.system("the journal key produced a checkpoint signature that does not verify")
        }
        try store.insertCheckpoint(StoredCheckpoint(size: checkpoint.size, rootHash: checkpoint.rootHash, note: note, signedAt: now))
        lastSigned = (checkpoint.size, now)
    }

    /// Appends those of `stamped` (entries stamped earlier) that the journal does not hold among
    /// the entries stamped since `since`; returns how many it appended.
    func appendMissing(stamped: [[UInt8]], since: Date) throws -> Int {
        let entries = try stamped.map { try AuditEntry(decoding: $0) }
        return try asLeader { try commit(entries, skippingHeldSince: since).count }
    }

    private func asLeader<T>(_ body: () throws -> T) throws -> T {
        condition.lock()
        while leading { condition.wait() }
        leading = true
        condition.unlock()
        defer {
            condition.lock()
            leading = false
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
