import Audit
import Foundation
import MohurCore
import Synchronization
import Testing

@Suite("journal entries and group commit")
struct JournalTests {
    @Test("concurrent appends from 8 threads get distinct consecutive indices and the journal verifies")
    func concurrentAppends() throws {
        let journal = try JournalFixture(checkpointInterval: 0.01)
        let indices = Mutex<[Int64]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { writer in
            for n in 0..<100 {
                do {
                    let index = try journal.log.append(try JournalFixture.action(writer * 1000 + n))
                    indices.withLock { $0.append(index) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(indices.withLock { $0.sorted() } == Array(0..<800))
        try journal.log.checkpoint()
        let report = try journal.reader.verify()
        #expect(report.isValid && report.size == 800, "\(report.problems)")
        #expect(try journal.reader.latestCheckpoint()?.size == 800)
    }

    @Test("a query entry holds only the day, the registration number and the hit flag")
    func queryEntryHoldsThreeFacts() throws {
        let query = try InformationQuery(date: Date(timeIntervalSince1970: 1_700_000_000), registrationNumber: "Q-2023/118", hit: true)
        let entry = AuditEntry(.query(query), at: Date())
        #expect(String(decoding: entry.encoded, as: UTF8.self)
                == #"{"category":"state-body-query","date":"2023-11-14","hit":true,"reg":"Q-2023/118","v":1}"#)
        #expect(throws: MohurError.self) { _ = try InformationQuery(date: Date(), registrationNumber: "select * from citizens", hit: false) }
        #expect(try AuditEntry(decoding: entry.encoded) == entry)
    }

    @Test("entries decode only from their canonical encoding")
    func canonicalOnly() throws {
        let entry = AuditEntry(try JournalFixture.action(1), at: Date(timeIntervalSince1970: 1_700_000_000.123))
        #expect(try AuditEntry(decoding: entry.encoded) == entry)
        let text = String(decoding: entry.encoded, as: UTF8.self)
        #expect(text.hasPrefix(#"{"actor":{},"category":"security-action","details":{"n":1},"op":"test.append","#))
        #expect(throws: MohurError.self) { _ = try AuditEntry(decoding: Array(text.replacingOccurrences(of: ",", with: ", ").utf8)) }
    }

    @Test("the schema refuses UPDATE and DELETE on entries, subtree hashes and checkpoints")
    func appendOnlySchema() throws {
        let journal = try JournalFixture()
        try journal.append(2)
        for sql in ["UPDATE audit_entries SET entry = x'00'", "DELETE FROM audit_entries", "UPDATE audit_nodes SET hash = x'00'",
                    "DELETE FROM audit_nodes", "UPDATE audit_checkpoints SET note = ''", "DELETE FROM audit_checkpoints"] {
            #expect(throws: (any Error).self, "\(sql)") { try journal.database.execute(sql) }
        }
        #expect(try journal.reader.verify().isValid)
    }
}
