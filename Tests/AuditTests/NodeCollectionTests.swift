import Audit
import Foundation
import HSM
import MohurCore
import MohurTestSupport
import OpenSSLKit
import Testing

/// Store and forward of node journals to the central service (rules §5.2.4.5).
@Suite("The journal kept centrally: nodes forward, the centre verifies")
struct NodeCollectionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A node's journal and the central one, with the node registered there.
    func setUp(signer: (any Signer)? = nil) throws -> (node: JournalFixture, central: JournalFixture, collection: NodeCollection) {
        let node = try JournalFixture(signer: signer)
        let central = try JournalFixture()
        let collection = NodeCollection(database: central.database)
        _ = try collection.register(vkey: try node.reader.verifierKey().vkey, label: "SBS border post", at: now)
        return (node, central, collection)
    }

    /// Forwards everything the node has signed, in batches of at most `maxEntries`.
    @discardableResult
    func forwardAll(_ node: JournalFixture, to collection: NodeCollection, maxEntries: Int64 = 300) throws -> Int {
        let origin = try node.reader.origin()
        var requests = 0
        while let batch = try node.reader.forwardBatch(after: try collection.node(origin: origin)?.size ?? 0, maxEntries: maxEntries) {
            _ = try collection.receive(batch, at: now)
            requests += 1
        }
        return requests
    }

    @Test("1,000 entries journaled offline reach the centre in batches under the node's checkpoints, byte for byte")
    func offlineCatchUp() throws {
        let (node, _, collection) = try setUp()
        // Offline for days: entries with a checkpoint now and then.
        for round in 0..<10 {
            try node.append(100, from: round * 100)
            try node.log.checkpoint()
        }
        let origin = try node.reader.origin()
        #expect(try forwardAll(node, to: collection) == 4, "1,000 entries under checkpoints every 100, at most 300 per batch")
        #expect(try collection.node(origin: origin)?.size == 1000)
        #expect(try collection.entries(origin: origin, 0..<1000) == node.reader.entries(0..<1000).map(\.entry.encoded))
        #expect(try collection.checkpoints(origin: origin).last == node.reader.latestCheckpoint()?.note)
        // The centre's copy has the node's root: an independent recomputation agrees.
        let copied = try collection.entries(origin: origin, 0..<1000)
        #expect(Self.mth(copied.map(MerkleHash.leaf)[...]) == (try node.reader.root(size: 1000)))
        // More later, and a retry of the last batch changes nothing.
        try node.append(5, from: 1000)
        try node.log.checkpoint()
        let last = try #require(try node.reader.forwardBatch(after: 1000, maxEntries: 300))
        guard case .accepted(origin, 1000, 1005, let checkpoint) = try collection.receive(last, at: now) else {
            Issue.record("the batch of 5 new entries was not accepted")
            return
        }
        #expect(checkpoint.rootHash == (try node.reader.root(size: 1005)))
        #expect(try collection.receive(last, at: now) == .unchanged(origin: origin, size: 1005))
    }

    /// RFC 9162 §2.1.1 MTH, written out here from the RFC's definition.
    static func mth(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        guard leaves.count > 1 else { return leaves.first ?? Digest.sha256([]) }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let split = leaves.startIndex + k
        return Digest.sha256([0x01] + mth(leaves[..<split]) + mth(leaves[split...]))
    }

    @Test("a node whose log forked or shrank is refused, and the refusal is recorded on it")
    func forkRefused() throws {
        let key = try SoftwareKeySigner.generate(.ec(.p256), path: FileManager.default.temporaryDirectory.path + "/fork-\(UUID()).pem", passphrase: "x")
        let (node, _, collection) = try setUp(signer: key)
        try node.append(50)
        try node.log.checkpoint()
        try forwardAll(node, to: collection)
        let origin = try node.reader.origin()

        // The same key and origin, another history: a fork of the node's log.
        let rewritten = try JournalFixture(signer: key)
        try rewritten.append(49)
        try rewritten.log.append(try JournalFixture.action(999, operation: "test.rewritten"))
        try rewritten.append(10, from: 50)
        try rewritten.log.checkpoint()
        let fork = try #require(try rewritten.reader.forwardBatch(after: 50, maxEntries: 100))
        #expect(throws: NodeForked.self) { try collection.receive(fork, at: now) }
        // Resending the whole rewritten history is refused where it differs.
        let whole = try #require(try rewritten.reader.forwardBatch(after: 0, maxEntries: 100))
        let refusal = #expect(throws: NodeForked.self) { try collection.receive(whole, at: now) }
        #expect(refusal?.reason.contains("differs from the one it forwarded before") == true, "\(String(describing: refusal))")

        // A shrunk log: a checkpoint smaller than what was accepted.
        let short = try JournalFixture(signer: key)
        try short.append(20)
        try short.log.checkpoint()
        let shrunk = try #require(try short.reader.forwardBatch(after: 0, maxEntries: 100))
        #expect(throws: NodeForked.self) { try collection.receive(shrunk, at: now) }
        #expect(try collection.node(origin: origin)?.size == 50, "nothing of a refused batch is stored")
    }

    @Test("a checkpoint under another key, an unregistered node or a gap is refused with an error that says so")
    func badBatches() throws {
        let (node, _, collection) = try setUp()
        try node.append(10)
        try node.log.checkpoint()
        let batch = try #require(try node.reader.forwardBatch(after: 0, maxEntries: 100))

        let stranger = try JournalFixture()
        try stranger.append(10)
        try stranger.log.checkpoint()
        let forged = try #require(try stranger.reader.forwardBatch(after: 0, maxEntries: 100))
        // The stranger's note names the same origin (fixtures share it) but is signed by another key.
        let error = #expect(throws: MohurError.self) { try collection.receive(forged, at: now) }
        #expect(error?.code == .refusedByPolicy && error?.reason.contains("registered journal key") == true)

        let gap = ForwardedEntries(checkpoint: batch.checkpoint, from: 5, entries: Array(batch.entries.dropFirst(5)))
        let gapError = #expect(throws: MohurError.self) { try collection.receive(gap, at: now) }
        #expect(gapError?.code == .badInput && gapError?.reason.contains("send from 0") == true)

        let negative = ForwardedEntries(checkpoint: batch.checkpoint, from: -1, entries: batch.entries)
        #expect(throws: MohurError.self) { try collection.receive(negative, at: now) }
        #expect(try collection.node(origin: try node.reader.origin())?.refusal == nil, "a malformed batch is no fork")

        let other = NodeCollection(database: try JournalFixture().database)
        let unknown = #expect(throws: MohurError.self) { try other.receive(batch, at: now) }
        #expect(unknown?.code == .notFound)
        #expect(try collection.receive(batch, at: now) != .unchanged(origin: "", size: 0))
    }
}
