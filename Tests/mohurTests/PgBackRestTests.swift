import Foundation
import MohurTestSupport
import Testing

/// Reserve copies of the central complex's database (rules §5.2.4.2) with pgBackRest, the tool
/// the reference deployment ships (Deployment/patroni/pgbackrest.conf): a full backup plus the
/// archived WAL restore a lost database to its last archived commit, and Mohur verifies it.
@Suite("pgBackRest backs up and restores the central database", .serialized)
struct PgBackRestTests {
    /// `pgbackrest` as the PostgreSQL user, with this test's configuration.
    struct Repository {
        let directory: TemporaryDirectory
        let config: String

        init(server: PostgresServer) throws {
            directory = try TemporaryDirectory("mohur-pgbackrest")
            config = directory.path("pgbackrest.conf")
            try """
                [global]
                repo1-path=\(directory.path("repo"))
                repo1-retention-full=2
                log-path=\(directory.path("log"))
                lock-path=\(directory.path("lock"))
                spool-path=\(directory.path("spool"))
                log-level-console=warn
                start-fast=y
                compress-type=zst

                [mohur]
                pg1-path=\(server.dataDirectory)
                pg1-port=\(server.port)
                pg1-socket-path=\(server.directory.url.path)
                pg1-user=mohur

                """.write(toFile: config, atomically: true, encoding: .utf8)
            if getuid() == 0 {
                let chown = try MohurTestSupport.run("chown", ["-R", "postgres:postgres", directory.url.path])
                guard chown.status == 0 else { throw TestFailure("chown: \(chown.output)") }
            }
        }

        @discardableResult
        func run(_ arguments: [String]) throws -> ProcessResult {
            var command = ["pgbackrest", "--config=\(config)", "--stanza=mohur"] + arguments
            if getuid() == 0 { command = ["runuser", "-u", "postgres", "--"] + command }
            return try MohurTestSupport.run(command[0], Array(command.dropFirst()))
        }
    }

    func issuances(_ server: PostgresServer) throws -> Int {
        Int(try server.psql("SELECT count(*) FROM sod_issuances").stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    func signBatch(_ cli: CLITests, from: Int, count: Int) throws {
        let documents = (from..<(from + count)).map { n in
            #"{"docType": "P", "docNumber": "B\#(String(format: "%08d", n))", "dgHash": {"1": "\#(String(repeating: "1", count: 63))\#(n % 10)", "2": "\#(String(repeating: "2", count: 64))"}}"#
        }
        let manifest = try cli.state.write("batch-\(from).json", #"{"hash": "sha256", "documents": [\#(documents.joined(separator: ","))]}"#)
        let signed = try cli.mohur(["sod", "sign-batch", manifest, "--out-dir", cli.state.path("sods-\(from)")])
        #expect(signed.status == 0, "\(signed.output)")
    }

    @Test("a full backup and the WAL archive bring back every issuance and journal entry after the data directory is lost; audit verify passes")
    func backupAndRestore() throws {
        let server = try PostgresServer()
        let repository = try Repository(server: server)
        // WAL archiving into the repository: archive_mode needs a restart.
        for setting in ["archive_mode = on", "archive_command = 'pgbackrest --config=\(repository.config) --stanza=mohur archive-push %p'"] {
            let set = try server.psql("ALTER SYSTEM SET \(setting)")
            #expect(set.status == 0, "\(set.output)")
        }
        _ = try server.stop()
        #expect(try server.start().status == 0)
        let created = try repository.run(["stanza-create"])
        #expect(created.status == 0, "\(created.output)")
        let checked = try repository.run(["check"])
        #expect(checked.status == 0, "archiving works: \(checked.output)")

        let cli = try CLITests()
        #expect(try cli.mohur(["init", "--database", server.conninfo]).status == 0)
        try signBatch(cli, from: 0, count: 200)
        let backup = try repository.run(["--type=full", "backup"])
        #expect(backup.status == 0, "\(backup.output)")
        let info = try repository.run(["info", "--output=json"])
        #expect(info.status == 0 && info.stdout.contains("\"full\""), "\(info.output)")

        // Work after the backup reaches the repository only through the WAL archive.
        try signBatch(cli, from: 200, count: 150)
        #expect(try cli.mohur(["audit", "checkpoint"]).status == 0)
        let expectedIssuances = try issuances(server)
        #expect(expectedIssuances == 350)
        let expectedEntries = try server.psql("SELECT count(*) FROM audit_entries").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let switched = try server.psql("SELECT pg_switch_wal()")
        #expect(switched.status == 0)
        #expect(try repository.run(["check"]).status == 0, "the last WAL segment is archived")

        // The disk is lost.
        _ = try server.stop(immediate: true)
        try FileManager.default.removeItem(atPath: server.dataDirectory)
        let down = try cli.mohur(["ca", "list"])
        #expect(down.status != 0, "nothing answers: \(down.output)")

        let restored = try repository.run(["restore"])
        #expect(restored.status == 0, "\(restored.output)")
        #expect(try server.start().status == 0)
        var promoted = false
        for _ in 0..<100 where !promoted {
            promoted = try server.psql("SELECT pg_is_in_recovery()").stdout.hasPrefix("f")
            if !promoted { usleep(100_000) }
        }
        #expect(promoted, "recovery replays the archive to its end and opens for writes")
        #expect(try issuances(server) == expectedIssuances)
        #expect(try server.psql("SELECT count(*) FROM audit_entries").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expectedEntries)
        let verified = try cli.mohur(["audit", "verify"])
        #expect(verified.status == 0 && verified.stdout.contains("journal verified"), "\(verified.output)")
        // The restored state signs again with the keys the HSM kept.
        try signBatch(cli, from: 350, count: 1)
        #expect(try issuances(server) == expectedIssuances + 1)
    }
}
