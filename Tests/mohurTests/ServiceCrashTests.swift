import Foundation
import MohurTestSupport
import Testing

/// The issuing service killed with SIGKILL under EF.SOD load (the embedded SQLite state of an
/// issuing centre): every SOD the independent client saw acknowledged has its issuance record
/// and, once Mohur starts again (the outbox is appended at start), its journal entry; none was
/// signed twice; the journal verifies.
@Suite("issuing service killed under load", .serialized)
struct ServiceCrashTests {
    @Test("SIGKILL mid-load loses no acknowledged EF.SOD, issuance or journal entry")
    func killedUnderLoad() throws {
        let cli = try CLITests()
        #expect(try cli.mohur(["init"]).status == 0)
        let centre = try Subsystem(cli, agency: "MIA", name: "passport-centre", rights: "CIT:write,op:sod-sign")
        let issuing = try ServiceProcess(cli: cli, role: "issuing")
        let load = try SODLoad(issuing: issuing, caller: centre, seconds: 4)
        sleep(2)
        #expect(kill(issuing.process.processIdentifier, SIGKILL) == 0)
        issuing.process.waitUntilExit()
        let report = load.finish()
        let acknowledged = report["acknowledged"] as? [[String: Any]] ?? []
        #expect(acknowledged.count > 20, "the load ran: \(report.keys)")

        // The next start (any command opening the state) appends what the outbox holds.
        let verified = try cli.mohur(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.output)")
        let stored = try StoredSODs(cli, acknowledged: acknowledged)
        stored.check()
        print("service killed under load: \(acknowledged.count) acknowledged, \(stored.lost.count) lost, \(stored.unjournaled.count) unjournaled")
    }
}

/// What an SQLite state holds of the EF.SODs a load saw acknowledged, read with sqlite3: the
/// issuance records by request id and the journal's successful `sod.sign` entries.
struct StoredSODs {
    /// Acknowledged without an issuance record.
    let lost: [[String: Any]]
    /// Request ids signed more than once.
    let twice: [String]
    /// Acknowledged without a journal entry.
    let unjournaled: [[String: Any]]

    init(_ cli: CLITests, acknowledged: [[String: Any]]) throws {
        func sqlite(_ file: String, _ sql: String) throws -> [String] {
            try run("sqlite3", [cli.state.path("s/\(file)"), sql]).stdout.split(separator: "\n").map(String.init)
        }
        var stored: [String: [String]] = [:]
        for row in try sqlite("mohur.sqlite", "SELECT request_id || '|' || sod_sha256 FROM sod_issuances WHERE request_id IS NOT NULL") {
            let parts = row.split(separator: "|").map(String.init)
            if parts.count == 2 { stored[parts[0], default: []].append(parts[1]) }
        }
        lost = acknowledged.filter { stored[$0["requestId"] as? String ?? ""]?.contains($0["sodSHA256"] as? String ?? "") != true }
        twice = stored.filter { $0.value.count > 1 }.map(\.key)
        let journaled = Set(try sqlite("audit.sqlite", "SELECT CAST(entry AS TEXT) FROM audit_entries").filter {
            $0.contains(#""op":"sod.sign"#) && $0.contains(#""outcome":"success""#)
        }.compactMap { entry -> String? in
            guard let range = entry.range(of: #""sod_sha256":""#) else { return nil }
            return String(entry[range.upperBound...].prefix(64))
        })
        unjournaled = acknowledged.filter { !journaled.contains($0["sodSHA256"] as? String ?? "") }
    }

    func check() {
        #expect(lost.isEmpty, "acknowledged SODs without an issuance record: \(lost.prefix(3))")
        #expect(twice.isEmpty, "requests signed twice: \(twice.prefix(3))")
        #expect(unjournaled.isEmpty, "\(unjournaled.count) acknowledged SODs have no journal entry: \(unjournaled.prefix(3))")
    }
}
