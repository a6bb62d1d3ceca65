import Audit
import Foundation
import HSM
import MohurCore
import MohurTestSupport
import Storage
import Testing

/// The audit journal on PostgreSQL (the central complex), on a server started for the suite.
@Suite("The audit journal on PostgreSQL", .serialized)
struct PostgreSQLJournalTests {
    let server: PostgresServer
    let key: any Signer
    let keyDirectory: TemporaryDirectory

    init() throws {
        server = try PostgresServer()
        keyDirectory = try TemporaryDirectory("mohur-pg-key")
        key = try SoftwareKeySigner.generate(.ec(.p256), path: keyDirectory.path("journal.p8.pem"), passphrase: "test")
    }

    func journal() throws -> AuditLog {
        let database = try Database(postgresql: server.conninfo)
        if (try? AuditReader(database: database)) == nil {
            try AuditLog.create(database: database, origin: "iamas.az/mohur/audit-pg", signer: key)
        }
        return try AuditLog(database: database, signer: key)
    }

    @Test("appends from 8 tasks on two connections (two services) make one tree; proofs and verification hold")
    func concurrentAppends() async throws {
        let logs = try [journal(), journal()]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for n in 0..<50 { try logs[task % 2].append(try JournalFixture.action(task * 1000 + n)) }
                }
            }
            try await group.waitForAll()
        }
        try logs[0].checkpoint()
        let reader = logs[1].reader
        #expect(try reader.size() == 400)
        let report = try reader.verify()
        #expect(report.isValid && report.checkpointsVerified >= 1, "\(report.problems)")
        let proof = try reader.inclusionProof(index: 123, size: 400)
        #expect(proof.root == (try reader.root(size: 400)))
        // The same rows as psql sees them: every index once, 0 to 399.
        let counted = try server.psql("SELECT count(*), min(idx), max(idx), count(DISTINCT idx) FROM audit_entries")
        #expect(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "400|0|399|400", "\(counted.output)")
    }

    @Test("the journal is append-only: the trigger refuses UPDATE, DELETE and TRUNCATE; the writer role has no such grant")
    func appendOnly() throws {
        let log = try journal()
        try log.append(try JournalFixture.action(1))
        for statement in ["UPDATE audit_entries SET entry = '\\x00'", "DELETE FROM audit_entries", "TRUNCATE audit_checkpoints"] {
            let refused = try server.psql(statement)
            #expect(refused.status != 0 && refused.stderr.contains("append-only"), "\(statement): \(refused.output)")
        }
        // The deployment's writer role (README): INSERT and SELECT only.
        let roles = try server.psql("""
            CREATE ROLE mohur_journal LOGIN;
            GRANT SELECT, INSERT ON audit_meta, audit_entries, audit_nodes, audit_checkpoints TO mohur_journal;
            """)
        #expect(roles.status == 0, "\(roles.output)")
        let denied = try server.psql("DELETE FROM audit_entries", user: "mohur_journal")
        #expect(denied.status != 0 && denied.stderr.contains("permission denied"), "\(denied.output)")
        let inserted = try server.psql("SELECT count(*) FROM audit_entries", user: "mohur_journal")
        #expect(inserted.status == 0 && inserted.stdout.hasPrefix("1"), "\(inserted.output)")
    }

    @Test("nodes' journals are collected on PostgreSQL too: a batch is accepted, a fork refused")
    func collection() throws {
        let central = try journal()
        let collection = NodeCollection(database: central.reader.database)
        let node = try JournalFixture()
        try node.append(30)
        try node.log.checkpoint()
        _ = try collection.register(vkey: try node.reader.verifierKey().vkey, label: "border post", at: Date())
        let batch = try #require(try node.reader.forwardBatch(after: 0, maxEntries: 100))
        _ = try collection.receive(batch, at: Date())
        #expect(try collection.node(origin: try node.reader.origin())?.size == 30)
        var forged = batch.entries
        forged[7] = forged[7] + [0x20]
        #expect(throws: NodeForked.self) {
            try collection.receive(ForwardedEntries(checkpoint: batch.checkpoint, from: 0, entries: forged), at: Date())
        }
    }
}
