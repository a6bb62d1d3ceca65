/// The right edge of the tree: the hashes of the complete aligned subtrees that make up the
/// first `size` leaves, largest first (one per set bit of `size`). Appending a leaf merges equal
/// neighbours into their parent, yielding exactly the subtree hashes that became complete —
/// which is what the journal stores — and the tree head follows from these alone
/// (RFC 9162 §2.1.1, MTH over D[0:k] and D[k:n]).
struct CompactRange: Sendable {
    private(set) var size: Int64
    private var stack: [(NodeID, [UInt8])]

    /// The subtrees of the range of `size` leaves, largest first.
    static func nodeIDs(size: Int64) -> [NodeID] {
        var ids: [NodeID] = []
        var start: Int64 = 0
        for level in stride(from: 62, through: 0, by: -1) where size & (Int64(1) << level) != 0 {
            ids.append(NodeID(level: level, index: start >> level))
            start += Int64(1) << level
        }
        return ids
    }

    init(size: Int64, nodes: [NodeID: [UInt8]]) throws(MerkleError) {
        self.size = size
        stack = try Self.nodeIDs(size: size).map { id throws(MerkleError) in
            guard let hash = nodes[id] else { throw .missingNode(id) }
            return (id, hash)
        }
    }

    /// The subtree hashes, largest first (the order of `nodeIDs(size:)`).
    var hashes: [[UInt8]] { stack.map(\.1) }

    /// The range of `size` leaves from its subtree hashes in the order of `nodeIDs(size:)`.
    init(size: Int64, hashes: [[UInt8]]) throws(MerkleError) {
        let ids = Self.nodeIDs(size: size)
        guard ids.count == hashes.count else { throw .missingNode(ids.first ?? NodeID(level: 0, index: 0)) }
        try self.init(size: size, nodes: Dictionary(uniqueKeysWithValues: zip(ids, hashes)))
    }

    /// Adds a leaf; returns the leaf and every subtree hash it completed.
    mutating func append(leafHash: [UInt8]) -> [(NodeID, [UInt8])] {
        var id = NodeID(level: 0, index: size)
        var hash = leafHash
        var completed = [(id, hash)]
        while id.index & 1 == 1, let (_, left) = stack.popLast() {
            hash = MerkleHash.node(left, hash)
            id = NodeID(level: id.level + 1, index: id.index >> 1)
            completed.append((id, hash))
        }
        stack.append((id, hash))
        size += 1
        return completed
    }

    /// MTH(D[0:size]).
    var root: [UInt8] {
        guard var hash = stack.last?.1 else { return MerkleHash.empty }
        for (_, left) in stack.dropLast().reversed() { hash = MerkleHash.node(left, hash) }
        return hash
    }
}
