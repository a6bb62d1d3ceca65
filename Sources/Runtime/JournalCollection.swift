import Audit
import Foundation
import MohurCore

/// The central service's side of store-and-forward journaling (rules §5.2.4.5) and the node's
/// side: registering nodes, receiving their batches, and planning what a node sends next.
extension MohurRuntime {
    /// The central copies of other nodes' journals, in this state's journal database.
    public var nodeCollection: NodeCollection { NodeCollection(database: journal.reader.database) }

    /// Registers a node's journal key; journaled as a security action of `actor`.
    public func registerNode(vkey: String, label: String, actor: AuditActor, requestID: String? = nil) throws -> RemoteNode {
        let node = try nodeCollection.register(vkey: vkey, label: label, at: pki.clock.now())
        try pki.audit.journal(try AuditAction(.securityAction, operation: "audit.node.register", actor: actor, target: node.origin,
                                              outcome: .success, requestID: requestID, details: ["label": .text(label)]),
                              "node \(node.origin) was registered")
        return node
    }

    /// Verifies and stores a node's batch. An accepted checkpoint goes into this journal too
    /// (the central log includes each node's checkpoints); a fork or shrink is refused and
    /// journaled as a threat (§6.9.1.6), and recorded on the node's row.
    public func receiveForwarded(_ batch: ForwardedEntries, actor: AuditActor, requestID: String? = nil) throws -> NodeCollection.Outcome {
        let collection = nodeCollection
        let now = pki.clock.now()
        do {
            let outcome = try collection.receive(batch, at: now)
            if case .accepted(let origin, let from, let size, let checkpoint) = outcome {
                try pki.audit.journal(try AuditAction(
                    .securityAction, operation: "audit.node.checkpoint", actor: actor, target: origin, outcome: .success, requestID: requestID,
                    details: ["from": .integer(from), "size": .integer(size), "root": .text(Data(checkpoint.rootHash).base64EncodedString()),
                              "note": .text(batch.checkpoint)]), "node \(origin)'s entries were stored")
            }
            return outcome
        } catch let forked as NodeForked {
            try? collection.recordRefusal(origin: forked.origin, reason: forked.reason, at: now)
            try pki.audit.journal(try AuditAction(
                .threat, operation: "audit.node.forked", actor: actor, target: forked.origin, outcome: .refused, requestID: requestID,
                details: ["reason": .text(forked.reason), "note": .text(batch.checkpoint)]), "a forked node log was refused")
            throw forked
        }
    }

    /// What this node sends next to a central service that holds `held` of its entries.
    public func nextForwardBatch(after held: Int64, maxEntries: Int64 = 2_000) throws -> ForwardedEntries? {
        // Sign a checkpoint of everything journaled so far, so that the batch reaches the end.
        try journal.checkpoint()
        return try journal.reader.forwardBatch(after: held, maxEntries: maxEntries)
    }
}
