import Audit
import Foundation
import MohurCore
import Storage
import Testing

/// An administrator edits the journal tables directly; `verify` must fail and name where.
@Suite("audit verify finds tampering")
struct TamperTests {
    /// 40 entries with checkpoints at 1 (the first append signs at once), 10, 20, 30 and 40.
    func journal() throws -> JournalFixture {
        let journal = try JournalFixture()
        for block in 0..<4 {
            try journal.append(10, from: block * 10)
            try journal.log.checkpoint()
        }
        #expect(try journal.reader.verify().isValid)
        return journal
    }

    func foreignEntry(_ n: Int) throws -> [UInt8] {
        AuditEntry(try JournalFixture.action(n, operation: "forged"), at: Date()).encoded
    }

    @Test("an untouched journal verifies against all its checkpoints")
    func untouchedVerifies() throws {
        let report = try journal().reader.verify()
        #expect(report.isValid && report.size == 40 && report.checkpointsVerified == 5, "\(report.problems)")
    }

    @Test("a changed entry is named")
    func changedEntry() throws {
        let j = try journal()
        try j.tamper("UPDATE audit_entries SET entry = ? WHERE idx = 17", [try foreignEntry(17)])
        let report = try j.reader.verify()
        #expect(!report.isValid && report.firstBadEntry == 17, "\(report.problems)")
        #expect(report.problems.contains { $0.contains("entry 17") })
    }

    @Test("a removed entry is named")
    func removedEntry() throws {
        let j = try journal()
        try j.tamper("DELETE FROM audit_entries WHERE idx = 23")
        let report = try j.reader.verify()
        #expect(report.firstBadEntry == 23, "\(report.problems)")
    }

    @Test("two swapped entries are named at the first position")
    func reorderedEntries() throws {
        let j = try journal()
        let rows = try j.database.query("SELECT idx, entry FROM audit_entries WHERE idx IN (12, 13) ORDER BY idx")
        try j.tamper("UPDATE audit_entries SET entry = ? WHERE idx = 12", [try rows[1].blob("entry")])
        try j.database.execute("UPDATE audit_entries SET entry = ? WHERE idx = 13", [try rows[0].blob("entry")])
        let report = try j.reader.verify()
        #expect(report.firstBadEntry == 12, "\(report.problems)")
    }

    @Test("an inserted entry is named")
    func insertedEntry() throws {
        let j = try journal()
        try j.tamper("UPDATE audit_entries SET idx = idx + 1000 WHERE idx >= 20")
        try j.database.execute("UPDATE audit_entries SET idx = idx - 999 WHERE idx >= 1000")
        try j.database.execute("INSERT INTO audit_entries(idx, entry) VALUES (20, ?)", [try foreignEntry(99)])
        let report = try j.reader.verify()
        #expect(report.firstBadEntry == 20, "\(report.problems)")
    }

    @Test("an entry rewritten together with every subtree hash is caught by the checkpoints")
    func consistentRewrite() throws {
        let j = try journal()
        // Rebuild the whole stored tree over a changed entry 25, as a careful administrator would.
        try j.tamper("UPDATE audit_entries SET entry = ? WHERE idx = 25", [try foreignEntry(25)])
        let entries = try j.database.query("SELECT entry FROM audit_entries ORDER BY idx").map { try $0.blob("entry") }
        try j.database.execute("DELETE FROM audit_nodes")
        var level = entries.map { MerkleHash.leaf($0) }
        var height = 0
        while !level.isEmpty {
            for (index, hash) in level.enumerated() {
                try j.database.execute("INSERT INTO audit_nodes(level, idx, hash) VALUES (?, ?, ?)", [height, index, hash])
            }
            level = stride(from: 0, to: level.count - 1, by: 2).map { MerkleHash.node(level[$0], level[$0 + 1]) }
            height += 1
        }
        let report = try j.reader.verify()
        #expect(!report.isValid && report.firstBadEntry == 20, "\(report.problems)")
        #expect(report.problems.contains { $0.contains("20..<30") })
    }

    @Test("a rolled-back tree is named at the first missing entry, also when its checkpoints were deleted")
    func rolledBack() throws {
        let j = try journal()
        let kept = try #require(try j.reader.latestCheckpoint()).note
        try j.tamper("DELETE FROM audit_entries WHERE idx >= 30")
        try j.database.execute("DELETE FROM audit_nodes WHERE (idx + 1) << level > 30")
        let report = try j.reader.verify()
        #expect(report.firstBadEntry == 30, "\(report.problems)")
        try j.database.execute("DELETE FROM audit_checkpoints WHERE size > 30")
        #expect(try j.reader.verify().isValid, "without the later checkpoint the shorter tree is self-consistent")
        let withKept = try j.reader.verify(extraCheckpoints: [kept])
        #expect(withKept.firstBadEntry == 30, "\(withKept.problems)")
    }

    @Test("a journal that no longer matches its latest checkpoint refuses to open for appending")
    func refusesToAppendAfterTampering() throws {
        let j = try JournalFixture()
        try j.append(5)
        try j.log.checkpoint()
        try j.tamper("UPDATE audit_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = 4")
        let key = try SoftwareKeyFile.signer(j)
        #expect(throws: MohurError.self) { _ = try AuditLog(database: j.database, signer: key) }
    }
}
