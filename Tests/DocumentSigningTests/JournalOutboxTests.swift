import Audit
import CA
import DocumentSigning
import Foundation
import HSM
import MohurCore
import MohurTestSupport
import Storage
import Synchronization
import Testing

/// A journal whose appends can be made to fail, as a journal database that is down would.
final class FlakyJournal: AuditSink {
    let log: AuditLog
    let failing = Mutex(false)

    init(_ log: AuditLog) { self.log = log }

    private func check() throws { if failing.withLock({ $0 }) { throw MohurError.system("the journal database is unreachable") } }
    func record(_ record: AuditRecord) throws { try check(); try log.record(record) }
    func record(contentsOf records: [AuditRecord]) throws { try check(); try log.record(contentsOf: records) }
    func stamp(_ records: [AuditRecord]) -> [[UInt8]] { log.stamp(records) }
    func append(stamped entries: [[UInt8]]) throws { try check(); try log.append(stamped: entries) }
}

@Suite("An operation and its journal entry commit together (the outbox)")
struct JournalOutboxTests {
    /// A journal in its own SQLite file, as a state keeps it, with a software checkpoint key.
    static func journal() throws -> (TemporaryDirectory, AuditLog) {
        let directory = try TemporaryDirectory("mohur-outbox")
        let database = try AuditLog.openDatabase(path: directory.path("audit.sqlite"))
        let key = try SoftwareKeySigner.generate(.ec(.p256), path: directory.path("journal.p8.pem"), passphrase: "test")
        try AuditLog.create(database: database, origin: "iamas.az/mohur/audit-outbox-test", signer: key)
        return (directory, try AuditLog(database: database, signer: key))
    }

    func sodEntries(_ log: AuditLog) throws -> [String] {
        try log.reader.entries(0..<log.reader.size()).map { String(decoding: $0.entry.encoded, as: UTF8.self) }.filter { $0.contains(#""op":"sod.sign""#) }
    }

    @Test("an EF.SOD signed while the journal is down keeps its entry in the outbox, committed with its record; recovery appends it once")
    func stagedWithRecord() throws {
        let (directory, log) = try Self.journal()
        _ = directory
        let journal = FlakyJournal(log)
        let fixture = try SigningFixture(audit: journal)
        let repository = fixture.pki.repository

        // Journal up: the record and the entry, nothing left behind but a confirmed row.
        let first = try fixture.service.sign(try fixture.request(number: "C00000001"))
        #expect(try sodEntries(log).count == 1)
        #expect(try sodEntries(log)[0].contains(first.record.sodSHA256))

        // Journal down: the document is signed and recorded, and its entry waits in the outbox.
        journal.failing.withLock { $0 = true }
        let error = #expect(throws: MohurError.self) { try fixture.service.sign(try fixture.request(number: "C00000002")) }
        #expect(error?.code == .system && error?.reason.contains("kept in the outbox") == true, "\(String(describing: error))")
        let recorded = try repository.sodIssuances(documentNumber: "C00000002")
        #expect(recorded.count == 1)
        let waiting = try repository.outbox.pending(stagedBefore: Date.distantFuture)
        let staged = try #require(waiting.last)
        let entry = try AuditEntry(decoding: staged.entry)
        guard case .action(let action) = entry.record else { Issue.record("a staged query"); return }
        #expect(action.operation == "sod.sign" && action.target == "document:P:C00000002")
        #expect(action.details["sod_sha256"] == .text(try #require(recorded.first).sodSHA256))
        #expect(try sodEntries(log).count == 1, "not in the journal yet")

        // The next start: recovery appends what is missing, once, with the operation's own time.
        journal.failing.withLock { $0 = false }
        let sizeBefore = try log.reader.size()
        #expect(try log.recoverStaged(from: repository.outbox, stagedBefore: Date.distantFuture) == 1, "the first, appended, is not appended again")
        #expect(try log.reader.size() == sizeBefore + 1)
        #expect(try sodEntries(log).count == 2)
        #expect(try log.reader.entries(sizeBefore..<(sizeBefore + 1)).first?.entry.encoded == staged.entry)
        #expect(try repository.outbox.pending(stagedBefore: Date.distantFuture).isEmpty)
        #expect(try log.recoverStaged(from: repository.outbox, stagedBefore: Date.distantFuture) == 0)
        #expect(try log.reader.verify().isValid)
    }

    @Test("a batch's records and entries commit in one transaction; a failed CA operation stages nothing")
    func batchAndFailures() throws {
        let (directory, log) = try Self.journal()
        _ = directory
        let journal = FlakyJournal(log)
        let fixture = try SigningFixture(audit: journal)
        journal.failing.withLock { $0 = true }
        let requests = try (1...5).map { try fixture.request(number: "C1000000\($0)") }
        #expect(throws: MohurError.self) { try fixture.service.sign(batch: requests) }
        let staged = try fixture.pki.repository.outbox.pending(stagedBefore: Date.distantFuture)
            .map { String(decoding: $0.entry, as: UTF8.self) }.filter { $0.contains(#""op":"sod.sign""#) }
        #expect(staged.count == 5)
        for n in 1...5 { #expect(try fixture.pki.repository.sodIssuances(documentNumber: "C1000000\(n)").count == 1) }
        journal.failing.withLock { $0 = false }
        #expect(try log.recoverStaged(from: fixture.pki.repository.outbox, stagedBefore: Date.distantFuture) >= 5)
        #expect(try sodEntries(log).count == 5)

        // A revocation that fails (no such serial) rolls back and stages nothing.
        let before = try fixture.pki.repository.outbox.pending(stagedBefore: Date.distantFuture).count
        #expect(throws: (any Error).self) { try fixture.pki.pki.revoke(serial: "00DEADBEEF", reason: .keyCompromise) }
        #expect(try fixture.pki.repository.outbox.pending(stagedBefore: Date.distantFuture).count == before)
    }
}
