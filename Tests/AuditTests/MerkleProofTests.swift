import Audit
import MohurCore
import OpenSSLKit
import Testing

/// RFC 9162 §2.1 written out as directly as the RFC states it, over an array of entries — no
/// stored subtrees, no shortcuts — to judge the journal's proofs.
enum ReferenceTree {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Digest.sha256(bytes) }
    static func largestPowerOfTwoBelow(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    static func mth(_ d: ArraySlice<[UInt8]>) -> [UInt8] {
        switch d.count {
        case 0: return sha256([])
        case 1: return sha256([0x00] + d[d.startIndex])
        default:
            let k = largestPowerOfTwoBelow(d.count)
            return sha256([0x01] + mth(d.prefix(k)) + mth(d.dropFirst(k)))
        }
    }

    static func path(_ m: Int, _ d: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard d.count > 1 else { return [] }
        let k = largestPowerOfTwoBelow(d.count)
        return m < k ? path(m, d.prefix(k)) + [mth(d.dropFirst(k))] : path(m - k, d.dropFirst(k)) + [mth(d.prefix(k))]
    }

    static func subproof(_ m: Int, _ d: ArraySlice<[UInt8]>, _ b: Bool) -> [[UInt8]] {
        if m == d.count { return b ? [] : [mth(d)] }
        let k = largestPowerOfTwoBelow(d.count)
        return m <= k ? subproof(m, d.prefix(k), b) + [mth(d.dropFirst(k))] : subproof(m - k, d.dropFirst(k), false) + [mth(d.prefix(k))]
    }
}

@Suite("RFC 9162 proofs from stored subtree hashes")
struct MerkleProofTests {
    @Test("inclusion and consistency proofs match the RFC's definitions for every (index, size) and (m, n) up to 64 leaves, and verify")
    func proofsMatchReferenceUpTo64() throws {
        let journal = try JournalFixture()
        try journal.append(64)
        let entries = try journal.reader.entries(0..<64).map(\.entry.encoded)
        for n in 0...64 {
            let d = entries.prefix(n)
            let root = ReferenceTree.mth(d)
            #expect(try journal.reader.root(size: Int64(n)) == root, "root at \(n)")
            for m in 0..<n {
                let proof = try journal.reader.inclusionProof(index: Int64(m), size: Int64(n))
                #expect(proof.hashes == ReferenceTree.path(m, d), "PATH(\(m), D[\(n)])")
                #expect(proof.leafHash == ReferenceTree.mth(d.dropFirst(m).prefix(1)))
                #expect(proof.root == root, "inclusion \(m) in \(n) verifies")
                if m + 1 < n {
                    #expect(MerkleVerification.rootFromInclusionProof(index: Int64(m + 1), size: Int64(n), leafHash: proof.leafHash,
                                                                       proof: proof.hashes) != root, "proof does not move to \(m + 1)")
                }
            }
            for m in 0...n {
                let proof = try journal.reader.consistencyProof(from: Int64(m), to: Int64(n))
                let expected = (m == 0 || m == n) ? [] : ReferenceTree.subproof(m, d, true)
                #expect(proof.hashes == expected, "PROOF(\(m), D[\(n)])")
                let oldRoot = ReferenceTree.mth(entries.prefix(m))
                #expect(MerkleVerification.isConsistent(oldSize: Int64(m), oldRoot: oldRoot, newSize: Int64(n), newRoot: root,
                                                        proof: proof.hashes), "consistency \(m) → \(n)")
                if m > 0, m < n {
                    var wrong = oldRoot
                    wrong[0] ^= 1
                    #expect(!MerkleVerification.isConsistent(oldSize: Int64(m), oldRoot: wrong, newSize: Int64(n), newRoot: root,
                                                             proof: proof.hashes))
                }
            }
        }
    }
}
