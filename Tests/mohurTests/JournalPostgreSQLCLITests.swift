import Foundation
import MohurTestSupport
import Testing

/// `mohur init --journal-database`: the central complex's journal in PostgreSQL.
@Suite("The journal in PostgreSQL, from the CLI", .serialized)
struct JournalPostgreSQLCLITests {
    @Test("init records the database; the journal's entries are in PostgreSQL, not in a file; verify passes; a password is refused")
    func journalInPostgreSQL() throws {
        let server = try PostgresServer()
        let cli = try CLITests()
        let withPassword = try cli.mohur(["init", "--journal-database", "postgresql://mohur:secret@127.0.0.1:\(server.port)/mohur"])
        #expect(withPassword.status == 2 && withPassword.stderr.contains("password") && !withPassword.output.contains("secret"), "\(withPassword.output)")
        #expect(!FileManager.default.fileExists(atPath: cli.state.path("s")), "a refused init creates nothing")

        let created = try cli.mohur(["init", "--journal-database", server.conninfo])
        #expect(created.status == 0, "\(created.output)")
        #expect(!FileManager.default.fileExists(atPath: cli.state.path("s/audit.sqlite")))
        func rows() throws -> Int { Int(try server.psql("SELECT count(*) FROM audit_entries").stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }
        #expect(try rows() >= 1, "init is journaled in PostgreSQL")
        let tail = try cli.json(try cli.mohur(["audit", "tail", "--json"])) as? [[String: Any]] ?? []
        let total = try rows()
        #expect(!tail.isEmpty && tail.count <= total)
        #expect(try cli.mohur(["audit", "checkpoint"]).status == 0)
        let verified = try cli.mohur(["audit", "verify"])
        let counted = try rows()
        #expect(verified.status == 0 && verified.stdout.contains("\(counted) entries"), "\(counted): \(verified.output)")
        // The service journals into PostgreSQL too, and serves its checkpoints from there.
        let auditor = try Subsystem(cli, agency: "MIA", name: "audit-collector", rights: "AUD:read,op:audit-read")
        let service = try ServiceProcess(cli: cli, role: "central")
        let checkpoint = try cli.mohur(["request", "send", "GET", "\(service.base)/v1/audit/checkpoint"] + auditor.signing)
        #expect(checkpoint.status == 0 && checkpoint.stdout.contains("iamas.az/mohur/audit/"), "\(checkpoint.output)")
        #expect(service.stop() == 0)
        #expect(try rows() > counted, "the service's own entries are in PostgreSQL")

        // Another init cannot move the journal.
        let moved = try cli.mohur(["init", "--journal-database", "host=127.0.0.1 port=1 dbname=other"])
        #expect(moved.status == 2 && moved.stderr.contains("already keeps its journal"), "\(moved.output)")
    }
}
