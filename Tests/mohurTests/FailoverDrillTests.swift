import Foundation
import MohurTestSupport
import Testing

/// The failover drill of the central complex (rules §5.2.1.2, §5.2.4.3): EF.SOD signing through
/// `mohur serve` with the whole state in PostgreSQL on a primary with a synchronous standby;
/// under load from an independent client, the primary is killed with SIGKILL and the standby
/// promoted; the service carries on through its multi-host connection string.
@Suite("Failover drill: EF.SOD through the service, primary killed", .serialized)
struct FailoverDrillTests {
    @Test("RPO 0 (every acknowledged SOD has its record and journal entry on the new primary), none signed twice, RTO under 15 s")
    func drill() throws {
        let primary = try PostgresServer()
        let standby = try PostgresServer(standbyOf: primary)
        let conninfo = PostgresServer.failoverConninfo(primary, standby)
        let cli = try CLITests()
        let created = try cli.mohur(["init", "--database", conninfo])
        #expect(created.status == 0, "\(created.output)")
        let centre = try Subsystem(cli, agency: "MIA", name: "passport-centre", rights: "CIT:write,op:sod-sign")
        let issuing = try ServiceProcess(cli: cli, role: "issuing")

        // The load, from a second process that shares no code with Mohur.
        let load = Process()
        load.executableURL = URL(fileURLWithPath: try Judge.python)
        load.arguments = [Vectors.repositoryRoot.appendingPathComponent("Tests/mohurTests/Judges/sod_load.py").path,
                          "--url", "\(issuing.base)/v1/documents/sod", "--cert", centre.certificate, "--key", centre.key,
                          "--seconds", "7", "--threads", "8"]
        let output = Pipe()
        load.standardOutput = output
        try load.run()
        sleep(2)
        let pid = try #require(Int32(try String(contentsOfFile: primary.dataDirectory + "/postmaster.pid", encoding: .utf8)
            .split(separator: "\n")[0]))
        let killed = Date().timeIntervalSince1970
        #expect(kill(pid, SIGKILL) == 0)
        try standby.promote()
        let report = try JSONSerialization.jsonObject(with: output.fileHandleForReading.readDataToEndOfFile()) as? [String: Any] ?? [:]
        load.waitUntilExit()
        #expect(issuing.stop() == 0)
        #expect(!issuing.log.contains("transaction is already open"), "a dead connection must not block the next transaction")

        let acknowledged = report["acknowledged"] as? [[String: Any]] ?? []
        let failures = report["failures"] as? [[String: Any]] ?? []
        let afterKill = acknowledged.compactMap { $0["at"] as? Double }.filter { $0 > killed }.sorted()
        let lastFailure = failures.compactMap { $0["at"] as? Double }.max() ?? killed
        let rto = (afterKill.first { $0 >= lastFailure } ?? afterKill.first ?? .infinity) - killed

        // On the new primary: each acknowledged request exactly once, with the same EF.SOD.
        let rows = try standby.psql("SELECT request_id || '|' || sod_sha256 FROM sod_issuances WHERE request_id IS NOT NULL").stdout
            .split(separator: "\n").map(String.init)
        var stored: [String: [String]] = [:]
        for row in rows {
            let parts = row.split(separator: "|").map(String.init)
            if parts.count == 2 { stored[parts[0], default: []].append(parts[1]) }
        }
        let lost = acknowledged.filter { ack in stored[ack["requestId"] as? String ?? ""]?.contains(ack["sodSHA256"] as? String ?? "") != true }
        let twice = stored.filter { $0.value.count > 1 }
        let documents = Int(try standby.psql("SELECT count(DISTINCT document_number) FROM sod_issuances").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        let journaled = Int(try standby.psql("SELECT count(*) FROM audit_entries WHERE convert_from(entry, 'UTF8') LIKE '%\"op\":\"sod.sign%\"outcome\":\"success\"%'")
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        print(String(format: "failover drill (EF.SOD through the service): %d acknowledged (%d answered from a stored issuance), RPO %d lost, "
                     + "RTO %.2f s, %d failed attempts, %d signed twice, %d journaled", acknowledged.count, report["replays"] as? Int ?? 0,
                     lost.count, rto, failures.count, twice.count, journaled))
        #expect(acknowledged.count > 20, "the load ran: \(report)")
        #expect(lost.isEmpty, "acknowledged SODs missing on the new primary: \(lost.prefix(5))")
        #expect(twice.isEmpty, "a request was signed twice: \(twice.prefix(5))")
        #expect(documents == stored.count, "one issuance per document")
        #expect(journaled >= acknowledged.count, "every answered request is journaled (a retry answered from the store as sod.sign.replayed)")
        #expect(rto < 15, "RTO \(rto) s")
        let verified = try cli.mohur(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.output)")
    }
}
