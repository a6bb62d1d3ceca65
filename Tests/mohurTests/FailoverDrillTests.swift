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
        let load = try SODLoad(issuing: issuing, caller: centre, seconds: 7)
        sleep(2)
        let pid = try #require(Int32(try String(contentsOfFile: primary.dataDirectory + "/postmaster.pid", encoding: .utf8)
            .split(separator: "\n")[0]))
        let killed = Date().timeIntervalSince1970
        #expect(kill(pid, SIGKILL) == 0)
        try standby.promote()
        let report = load.finish()
        #expect(issuing.stop() == 0)
        #expect(!issuing.log.contains("transaction is already open"), "a dead connection must not block the next transaction")
        let outcome = try DrillOutcome(report: report, killed: killed, psql: standby.psql)
        print("failover drill (EF.SOD through the service): \(outcome.summary)")
        outcome.check(rtoGoal: 15)
        let verified = try cli.mohur(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.output)")
    }
}

/// The drills' load: `Judges/sod_load.py`, an independent RFC 9421 client, with 8 callers
/// signing one EF.SOD at a time through the issuing service, retrying under the same request id.
struct SODLoad {
    let process = Process()
    /// The report goes to a file, not a pipe: a server the test starts during the load (a
    /// network HSM brought back) inherits the pipe's write end and would keep it open.
    let output: String

    init(issuing: ServiceProcess, caller: Subsystem, seconds: Int) throws {
        process.executableURL = URL(fileURLWithPath: try Judge.python)
        process.arguments = [Vectors.repositoryRoot.appendingPathComponent("Tests/mohurTests/Judges/sod_load.py").path,
                             "--url", "\(issuing.base)/v1/documents/sod", "--cert", caller.certificate, "--key", caller.key,
                             "--seconds", "\(seconds)", "--threads", "8"]
        output = FileManager.default.temporaryDirectory.appendingPathComponent("sod-load-\(UUID().uuidString).json").path
        guard FileManager.default.createFile(atPath: output, contents: nil) else { throw TestFailure("cannot create \(output)") }
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = file
        try process.run()
        try file.close()
    }

    /// Waits for the load to end; its JSON report.
    func finish() -> [String: Any] {
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(atPath: output) }
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output)))) as? [String: Any] ?? [:]
    }
}

/// What a drill shows, read from the new primary with psql: every acknowledged request's
/// issuance (RPO), none signed twice, each journaled, and the RTO from the kill to the first
/// success after the last failure.
struct DrillOutcome {
    let acknowledged: [[String: Any]]
    let failures: Int
    let replays: Int
    let lost: [[String: Any]]
    let twice: [String: [String]]
    let documents: Int
    let issuances: Int
    let journaled: Int
    let rto: Double

    init(report: [String: Any], killed: Double, psql: (String, String) throws -> ProcessResult) throws {
        acknowledged = report["acknowledged"] as? [[String: Any]] ?? []
        let failed = report["failures"] as? [[String: Any]] ?? []
        failures = failed.count
        replays = report["replays"] as? Int ?? 0
        let afterKill = acknowledged.compactMap { $0["at"] as? Double }.filter { $0 > killed }.sorted()
        let lastFailure = failed.compactMap { $0["at"] as? Double }.max() ?? killed
        rto = (afterKill.first { $0 >= lastFailure } ?? afterKill.first ?? .infinity) - killed
        let rows = try psql("SELECT request_id || '|' || sod_sha256 FROM sod_issuances WHERE request_id IS NOT NULL", "mohur").stdout
            .split(separator: "\n").map(String.init)
        var stored: [String: [String]] = [:]
        for row in rows {
            let parts = row.split(separator: "|").map(String.init)
            if parts.count == 2 { stored[parts[0], default: []].append(parts[1]) }
        }
        lost = acknowledged.filter { ack in stored[ack["requestId"] as? String ?? ""]?.contains(ack["sodSHA256"] as? String ?? "") != true }
        twice = stored.filter { $0.value.count > 1 }
        issuances = stored.count
        documents = Int(try psql("SELECT count(DISTINCT document_number) FROM sod_issuances", "mohur").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        journaled = Int(try psql("SELECT count(*) FROM audit_entries WHERE convert_from(entry, 'UTF8') LIKE '%\"op\":\"sod.sign%\"outcome\":\"success\"%'", "mohur")
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    var summary: String {
        String(format: "%d acknowledged (%d answered from a stored issuance), RPO %d lost, RTO %.2f s, %d failed attempts, %d signed twice, %d journaled",
               acknowledged.count, replays, lost.count, rto, failures, twice.count, journaled)
    }

    func check(rtoGoal: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(acknowledged.count > 20, "the load ran", sourceLocation: sourceLocation)
        #expect(lost.isEmpty, "acknowledged SODs missing on the new primary: \(lost.prefix(5))", sourceLocation: sourceLocation)
        #expect(twice.isEmpty, "a request was signed twice: \(twice.prefix(5))", sourceLocation: sourceLocation)
        #expect(documents == issuances, "one issuance per document", sourceLocation: sourceLocation)
        #expect(journaled >= acknowledged.count, "every answered request is journaled (a retry answered from the store as sod.sign.replayed)",
                sourceLocation: sourceLocation)
        #expect(rto < rtoGoal, "RTO \(rto) s", sourceLocation: sourceLocation)
    }
}
