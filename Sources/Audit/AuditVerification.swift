import Foundation
import MohurCore

/// What `verify` found. Expected tampering is a result, not a throw.
public struct AuditVerificationReport: Sendable {
    public var size: Int64 = 0
    public var checkpointsVerified = 0
    /// The earliest position found bad, if any.
    public var firstBadEntry: Int64?
    /// Human findings, earliest position first.
    public var problems: [String] = []
    public var isValid: Bool { problems.isEmpty }

    /// The start of the earliest range a checkpoint mismatch narrowed the damage to; used as
    /// the first bad entry only when no entry was found bad by its own hash.
    var rangeStart: Int64?

    mutating func flag(_ index: Int64, _ problem: String) {
        firstBadEntry = min(firstBadEntry ?? index, index)
        problems.append(problem)
    }
}

extension AuditReader {
    /// Recomputes the whole tree from the entries and checks it against the stored subtree
    /// hashes, every stored checkpoint and any `extraCheckpoints` (notes an investigator kept),
    /// each opened with `key` (default: the key recorded in the journal — pass the published
    /// one to rule out a replaced key).
    public func verify(key: NoteVerifierKey? = nil, extraCheckpoints: [String] = []) throws -> AuditVerificationReport {
        var report = AuditVerificationReport()
        let key = try key ?? verifierKey()
        var heads: [Int64: [UInt8]] = [:]
        for note in try store.checkpoints().map(\.note) + extraCheckpoints {
            do {
                let checkpoint = try key.open(note)
                if let other = heads[checkpoint.size], other != checkpoint.rootHash {
                    report.problems.append("two signed checkpoints of size \(checkpoint.size) differ: the journal was forked")
                }
                heads[checkpoint.size] = checkpoint.rootHash
                report.checkpointsVerified += 1
            } catch {
                report.problems.append("a checkpoint does not verify with \(key.name): \(error)")
            }
        }
        let sizes = heads.keys.sorted()
        var nextHead = 0
        var lastGoodHead: Int64 = 0
        var tree = try CompactRange(size: 0, nodes: [:])
        let chunk: Int64 = 65_536
        var expected: Int64 = 0
        while true {
            let rows = try store.entries(from: expected, limit: chunk)
            if rows.isEmpty { break }
            var produced: [NodeID: [UInt8]] = [:]
            for (index, bytes) in rows {
                if index != expected {
                    report.flag(expected, "entry \(expected) is missing (next stored entry is \(index)): entries were removed")
                    return finish(report, size: index)
                }
                if (try? AuditEntry(decoding: bytes)) == nil {
                    report.flag(index, "entry \(index) is not a canonical journal entry")
                }
                for (id, hash) in tree.append(leafHash: MerkleHash.leaf(bytes)) { produced[id] = hash }
                expected += 1
                while nextHead < sizes.count, sizes[nextHead] == expected {
                    if tree.root == heads[expected] {
                        lastGoodHead = expected
                    } else {
                        report.rangeStart = min(report.rangeStart ?? lastGoodHead, lastGoodHead)
                        report.problems.append("the tree of the first \(expected) entries differs from its signed checkpoint: "
                                    + "an entry in \(lastGoodHead)..<\(expected) was changed, inserted, removed or reordered")
                    }
                    nextHead += 1
                }
            }
            try compare(produced, with: store, into: &report)
        }
        return finish(report, size: expected, heads: sizes.dropFirst(nextHead))
    }

    private func finish(_ report: AuditVerificationReport, size: Int64, heads: ArraySlice<Int64> = []) -> AuditVerificationReport {
        var report = report
        report.size = size
        if report.firstBadEntry == nil { report.firstBadEntry = report.rangeStart }
        if let beyond = heads.last, beyond > size {
            report.flag(size, "a signed checkpoint covers \(beyond) entries but the journal holds \(size): "
                        + "entries \(size)..<\(beyond) were removed or the tree was rolled back")
        }
        return report
    }

    /// Compares recomputed subtree hashes with the stored ones. A changed entry shows as a
    /// differing leaf hash (and, as a consequence, differing ancestors, which are then not
    /// reported); a differing interior hash over matching leaves means the node was edited.
    private func compare(_ produced: [NodeID: [UInt8]], with store: AuditStore, into report: inout AuditVerificationReport) throws {
        let byLevel = Dictionary(grouping: produced.keys, by: \.level)
        for level in byLevel.keys.sorted() {
            guard let ids = byLevel[level], let low = ids.map(\.index).min(), let high = ids.map(\.index).max() else { continue }
            let stored = Dictionary(try store.nodes(level: level, low..<(high + 1)), uniquingKeysWith: { first, _ in first })
            if level > 0, report.firstBadEntry != nil { return }
            for id in ids.sorted() where stored[id.index] != produced[id] {
                let leaf = id.index << id.level
                report.flag(leaf, level == 0
                    ? "entry \(leaf) does not match the tree's leaf hash: it was changed, inserted or reordered"
                    : "stored subtree hash (level \(level), index \(id.index)) over entries from \(leaf) does not match the entries")
                break
            }
        }
    }
}
