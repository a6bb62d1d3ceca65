import OpenSSLKit

/// RFC 9162 §2.1.1 hashing with SHA-256: leaves are prefixed 0x00 and interior nodes 0x01,
/// so that no leaf can be passed off as a node (second-preimage resistance of the tree).
public enum MerkleHash {
    /// MTH({}) = SHA-256() — the root of the empty tree.
    public static let empty: [UInt8] = Digest.sha256([])

    /// MTH({d(0)}) = SHA-256(0x00 ‖ d(0)).
    public static func leaf(_ entry: [UInt8]) -> [UInt8] {
        var input = [UInt8](repeating: 0, count: entry.count + 1)
        input.replaceSubrange(1..., with: entry)
        return Digest.sha256(input)
    }

    /// SHA-256(0x01 ‖ left ‖ right).
    public static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        Digest.sha256([0x01] + left + right)
    }
}

/// A complete, aligned subtree: the 2^level leaves starting at `index · 2^level`. The journal
/// stores the hash of every such subtree once all its leaves exist; any tree head and proof is
/// a combination of O(log n) of them.
public struct NodeID: Hashable, Sendable, Comparable {
    public let level: Int
    public let index: Int64

    public init(level: Int, index: Int64) {
        self.level = level
        self.index = index
    }

    public static func < (a: NodeID, b: NodeID) -> Bool { (a.level, a.index) < (b.level, b.index) }
}

/// Tree heads and proofs of RFC 9162 §2.1 computed from stored subtree hashes. Each function
/// follows the RFC's recursive definition over D[start ..< start+n]; the recursion only ever
/// asks for ranges that split into aligned complete subtrees, so `node` is asked O(log n) times.
public enum MerkleTree {
    public typealias Lookup = (NodeID) throws -> [UInt8]

    /// The largest power of two smaller than `n` (n > 1): RFC 9162 §2.1.1's k.
    static func split(_ n: Int64) -> Int64 { Int64(1) << (63 - (n - 1).leadingZeroBitCount) }

    /// MTH(D[start ..< start+count]) where `start` is a multiple of a power of two ≥ count.
    static func rangeHash(start: Int64, count: Int64, _ node: Lookup) throws -> [UInt8] {
        if count == 0 { return MerkleHash.empty }
        if count & (count - 1) == 0 && start % count == 0 {
            let level = count.trailingZeroBitCount
            return try node(NodeID(level: level, index: start >> level))
        }
        let k = split(count)
        return MerkleHash.node(try rangeHash(start: start, count: k, node), try rangeHash(start: start + k, count: count - k, node))
    }

    /// MTH(D[0 ..< size]) (RFC 9162 §2.1.1).
    public static func root(size: Int64, _ node: Lookup) throws -> [UInt8] {
        try rangeHash(start: 0, count: size, node)
    }

    /// PATH(index, D[0 ..< size]) (RFC 9162 §2.1.3.1).
    public static func inclusionPath(index: Int64, size: Int64, _ node: Lookup) throws -> [[UInt8]] {
        func path(_ m: Int64, _ start: Int64, _ n: Int64) throws -> [[UInt8]] {
            if n <= 1 { return [] }
            let k = split(n)
            return m < k
                ? try path(m, start, k) + [try rangeHash(start: start + k, count: n - k, node)]
                : try path(m - k, start + k, n - k) + [try rangeHash(start: start, count: k, node)]
        }
        return try path(index, 0, size)
    }

    /// PROOF(from, D[0 ..< to]) = SUBPROOF(from, D[0 ..< to], true) (RFC 9162 §2.1.4.1).
    public static func consistencyPath(from m: Int64, to n: Int64, _ node: Lookup) throws -> [[UInt8]] {
        func subproof(_ m: Int64, _ start: Int64, _ n: Int64, _ complete: Bool) throws -> [[UInt8]] {
            if m == n { return complete ? [] : [try rangeHash(start: start, count: m, node)] }
            let k = split(n)
            return m <= k
                ? try subproof(m, start, k, complete) + [try rangeHash(start: start + k, count: n - k, node)]
                : try subproof(m - k, start + k, n - k, false) + [try rangeHash(start: start, count: k, node)]
        }
        guard m > 0, m < n else { return [] }
        return try subproof(m, 0, n, true)
    }

    /// Runs `compute` once to learn which subtrees it needs, fetches them all with one call
    /// to `fetch`, and runs it again on the fetched hashes — the shape of every computation here
    /// depends only on sizes and indices, never on hash values.
    public static func prefetched<T>(_ fetch: (Set<NodeID>) throws -> [NodeID: [UInt8]], _ compute: (Lookup) throws -> T) throws -> T {
        var wanted = Set<NodeID>()
        let placeholder = [UInt8](repeating: 0, count: 32)
        _ = try compute { id in wanted.insert(id); return placeholder }
        let fetched = try fetch(wanted)
        return try compute { id in
            guard let hash = fetched[id] else { throw MerkleError.missingNode(id) }
            return hash
        }
    }
}

public enum MerkleError: Error, Sendable, Equatable {
    /// The store lacks a subtree hash the tree of this size must have.
    case missingNode(NodeID)
}
