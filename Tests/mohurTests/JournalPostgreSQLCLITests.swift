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

    @Test("init --database: the PKI store and the journal in PostgreSQL; certificates, EF.SOD and officers work; openssl verifies the SOD")
    func wholeStateInPostgreSQL() throws {
        let server = try PostgresServer()
        let cli = try CLITests()
        let created = try cli.mohur(["init", "--database", server.conninfo])
        #expect(created.status == 0, "\(created.output)")
        #expect(!FileManager.default.fileExists(atPath: cli.state.path("s/mohur.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: cli.state.path("s/audit.sqlite")))
        let listed = try cli.mohur(["ca", "list"])
        #expect(listed.status == 0 && listed.stdout.contains("CSCA"), "\(listed.output)")
        func count(_ table: String) throws -> Int {
            Int(try server.psql("SELECT count(*) FROM \(table)").stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        #expect(try count("authorities") >= 4)

        // EF.SOD signed with the state in PostgreSQL; openssl checks it against the DS certificate.
        let worked = Vectors.root.appendingPathComponent("gmrtd/icao9303_p10_worked_examples").path
        let out = cli.state.path("EF_SOD.bin")
        let signed = try cli.mohur(["sod", "sign", "--doc-type", "P", "--doc-number", "C01234567", "--fin", "5ZK2M7A",
                                    "--dg", "1=\(worked)/EF_DG1.bin", "--dg", "2=\(worked)/EF_DG2.bin", "--out", out])
        #expect(signed.status == 0, "\(signed.output)")
        #expect(try count("sod_issuances") == 1)
        let shown = try server.psql("SELECT document_number, fin FROM sod_issuances")
        #expect(shown.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "C01234567|5ZK2M7A", "\(shown.output)")
        // Strip the 77 wrapper as a border post would.
        let sod = Array(try Data(contentsOf: URL(fileURLWithPath: out)))
        let content = try cli.state.write("sod.p7", Array(sod[(sod[1] < 0x80 ? 2 : 2 + Int(sod[1] & 0x7f))...]))
        let verified = try openssl(["cms", "-verify", "-inform", "DER", "-in", content, "-noverify", "-out", "/dev/null"])
        #expect(verified.status == 0, "\(verified.output)")

        // Permission certificates, a revocation (the authorization trigger), and the journal.
        let gateway = try Subsystem(cli, agency: "SBS", name: "border-gateway", rights: "op:pa-verify")
        #expect(try cli.mohur(["cert", "revoke", gateway.serial, "--reason", "keyCompromise"]).status == 0)
        #expect(try server.psql("SELECT value FROM authorization_generation").stdout.trimmingCharacters(in: .whitespacesAndNewlines) != "0")
        let checked = try cli.mohur(["perm", "check", gateway.certificate, "--operation", "pa-verify"])
        #expect(checked.status == 1, "a revoked certificate holds no rights: \(checked.output)")
        #expect(try cli.mohur(["audit", "verify"]).status == 0)

        // The replay cache is in PostgreSQL, shared by main and reserve: a request accepted by one
        // service is refused by another that has no local ledger (a second machine).
        let auditor = try Subsystem(cli, agency: "MIA", name: "audit-collector", rights: "AUD:read,op:audit-read")
        var service = try ServiceProcess(cli: cli, role: "central", extra: ["--public-url", "http://mohur.central:8443"])
        let url = "http://mohur.central:8443/v1/audit/checkpoint"
        let headers = try cli.mohur(["request", "sign", "GET", url] + auditor.signing).stdout
            .split(separator: "\n").flatMap { ["-H", String($0)] }
        func send() throws -> String {
            try run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}"] + headers + ["\(service.base)/v1/audit/checkpoint"]).stdout
        }
        #expect(try send() == "200")
        #expect(service.stop() == 0)
        #expect(Int(try server.psql("SELECT count(*) FROM request_nonces").stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 >= 1)
        try? FileManager.default.removeItem(atPath: cli.state.path("s/replay"))
        service = try ServiceProcess(cli: cli, role: "central", extra: ["--public-url", "http://mohur.central:8443"])
        #expect(try send() == "401", "the replay reached another service")
        #expect(service.stop() == 0)
    }

    @Test("the central trust store lives in PostgreSQL: imports land there, pa verify reads it, and a running service sees a new import")
    func trustStoreInPostgreSQL() throws {
        let server = try PostgresServer()
        let cli = try CLITests()
        #expect(try cli.mohur(["init", "--database", server.conninfo]).status == 0)
        let reader = try Subsystem(cli, agency: "SBS", name: "astara-post", rights: "op:pa-verify")
        let service = try ServiceProcess(cli: cli, role: "border")
        func status() throws -> [String: Any] {
            let answer = try cli.mohur(["request", "send", "GET", "\(service.base)/v1/trust/status"] + reader.signing)
            return (try? cli.json(answer)) as? [String: Any] ?? ["error": answer.output]
        }
        let empty = try status()
        #expect(empty["csca"] as? Int ?? 0 == 0, "\(empty)")

        let root = Vectors.root.appendingPathComponent("gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer").path
        let list = Vectors.root.appendingPathComponent("gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml").path
        let imported = try cli.mohur(["trust", "import", "--ml-root", root, list, "--json"])
        #expect(imported.status == 0 && imported.stdout.contains("\"added\" : 588"), "\(imported.output)")
        #expect(!FileManager.default.fileExists(atPath: cli.state.path("s/trust.sqlite")), "no state file: the store is the database's")
        let rows = Int(try server.psql("SELECT count(*) FROM trust_certificates").stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(rows >= 588)
        let sod = Vectors.root.appendingPathComponent("gmrtd/sod/DE/EF_SOD.bin").path
        let valid = try cli.mohur(["pa", "verify", "--sod", sod, "--at", "2024-01-01"])
        #expect(valid.status == 0 && valid.stdout.hasPrefix("verdict: valid"), "\(valid.output)")
        // The running service reads the same store and notices the import (within its 1 s check).
        usleep(1_100_000)
        let counted = try status()
        #expect((counted["csca"] as? Int ?? 0) + (counted["link"] as? Int ?? 0) >= 1, "\(counted)")
        // Bundles are for border posts' files, not for the central copy; the central copy in
        // PostgreSQL exports one, which a border post installs and verifies a passport with.
        let junk = try cli.state.write("bundle.bin", "not a bundle")
        let refused = try cli.mohur(["trust", "import-bundle", "--root", root, junk])
        #expect(refused.status == 1 && refused.stderr.contains("PostgreSQL"), "\(refused.output)")
        let bundle = cli.state.path("central.bundle"), iamasRoot = cli.state.path("iamas-root.pem")
        let exported = try cli.mohur(["trust", "export", "--out", bundle])
        #expect(exported.status == 0 && exported.stdout.contains("version 1"), "\(exported.output)")
        #expect(try cli.mohur(["ca", "export", "root", "--out", iamasRoot]).status == 0)
        let post = cli.state.path("post")
        let installed = try run(try CLITests.binary, ["trust", "import-bundle", "--root", iamasRoot, bundle, "--state", post])
        #expect(installed.status == 0 && installed.stdout.contains("version 1"), "\(installed.output)")
        let checked = try run(try CLITests.binary, ["pa", "verify", "--sod", sod, "--at", "2024-01-01", "--state", post])
        #expect(checked.status == 0 && checked.stdout.hasPrefix("verdict: valid"), "\(checked.output)")
        #expect(service.stop() == 0)
    }

    @Test("with the PKI store and the journal in one PostgreSQL database, outbox recovery at start appends what the journal lacks, once, without deadlocking")
    func outboxRecoveryInOneDatabase() throws {
        let server = try PostgresServer()
        let cli = try CLITests()
        #expect(try cli.mohur(["init", "--database", server.conninfo]).status == 0)
        let worked = Vectors.root.appendingPathComponent("gmrtd/icao9303_p10_worked_examples").path
        let signed = try cli.mohur(["sod", "sign", "--doc-type", "P", "--doc-number", "C01234567", "--dg", "1=\(worked)/EF_DG1.bin",
                                    "--dg", "2=\(worked)/EF_DG2.bin", "--out", cli.state.path("EF_SOD.bin")])
        #expect(signed.status == 0, "\(signed.output)")
        func count(_ sql: String) throws -> Int { Int(try server.psql(sql).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
        let signing = "convert_from(entry, 'UTF8') LIKE '%\"op\":\"sod.sign\"%'"
        #expect(try count("SELECT count(*) FROM audit_entries WHERE \(signing)") == 1)
        // A process that died after its commit: an entry staged but never appended (another
        // document's), beside the rows whose entries were appended; all older than the recovery age.
        let staged = try server.psql("""
            INSERT INTO audit_outbox(entry, staged_at)
            SELECT convert_to(replace(convert_from(entry, 'UTF8'), 'document:P:C01234567', 'document:P:C07654321'), 'UTF8'), staged_at
            FROM audit_outbox WHERE \(signing)
            """)
        #expect(staged.status == 0, "\(staged.output)")
        #expect(try server.psql("UPDATE audit_outbox SET staged_at = staged_at - 120000").status == 0)
        let pending = try count("SELECT count(*) FROM audit_outbox")
        #expect(pending >= 2)

        let tail = try cli.mohur(["audit", "tail", "-c", "5"], timeout: 60)
        #expect(tail.status == 0, "the start recovers and goes on: \(tail.output)")
        #expect(tail.stdout.contains("document:P:C07654321") && tail.stdout.contains(#""op":"audit.outbox.recovered""#), "\(tail.stdout)")
        #expect(try count("SELECT count(*) FROM audit_entries WHERE \(signing)") == 2, "the lost entry once, the appended one not again")
        #expect(try count("SELECT count(*) FROM audit_outbox") == 0)
        #expect(try cli.mohur(["audit", "verify"], timeout: 60).status == 0)
    }
}
