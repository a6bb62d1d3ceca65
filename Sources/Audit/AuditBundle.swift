import Foundation
import MohurCore

/// A range of entries with a signed checkpoint and an RFC 9162 §2.1.3 inclusion proof for
/// each, so that an investigator can check them offline with nothing but the verifier key.
public struct AuditBundle: Codable, Sendable {
    public struct Item: Codable, Sendable {
        public let index: Int64
        /// Canonical entry bytes, base64.
        public let entry: String
        /// Inclusion proof hashes against the checkpoint, base64.
        public let proof: [String]
    }

    public let origin: String
    public let vkey: String
    /// The signed note (c2sp.org/tlog-checkpoint) the proofs lead to.
    public let checkpoint: String
    public let entries: [Item]

    /// Entries `from ..< to` against the latest checkpoint that covers them.
    public init(reader: AuditReader, from: Int64, to: Int64) throws {
        guard from >= 0, from < to else { throw MohurError.badInput("export needs 0 ≤ from < to (got \(from), \(to))") }
        guard let head = try reader.latestCheckpoint(), head.size >= to else {
            throw MohurError.refused("no signed checkpoint covers entry \(to - 1) yet", hint: "run `mohur audit checkpoint` first")
        }
        origin = try reader.origin()
        vkey = try reader.verifierKey().vkey
        checkpoint = head.note
        entries = try reader.entries(from..<to).map { index, entry in
            let proof = try reader.inclusionProof(index: index, size: head.size)
            return Item(index: index, entry: Data(entry.encoded).base64EncodedString(),
                        proof: proof.hashes.map { Data($0).base64EncodedString() })
        }
    }

    /// Checks the bundle with `key` (the published verifier key, not the one in the bundle):
    /// the checkpoint signature, then every entry's proof to the checkpoint's root. Returns the
    /// problems found, each naming the entry.
    public func verify(key: NoteVerifierKey) -> [String] {
        let head: Checkpoint
        do { head = try key.open(checkpoint) } catch { return ["the checkpoint does not verify: \(error)"] }
        var problems: [String] = []
        for item in entries {
            guard let bytes = Data(base64Encoded: item.entry) else {
                problems.append("entry \(item.index) is not base64")
                continue
            }
            let proof = item.proof.compactMap { Data(base64Encoded: $0).map(Array.init) }
            let root = MerkleVerification.rootFromInclusionProof(index: item.index, size: head.size,
                                                                 leafHash: MerkleHash.leaf(Array(bytes)), proof: proof)
            if proof.count != item.proof.count || root != head.rootHash {
                problems.append("entry \(item.index) is not in the tree of checkpoint \(head.size)")
            }
        }
        return problems
    }
}
