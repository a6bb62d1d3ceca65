import Foundation
import MohurTestSupport
import OpenSSLKit
import Testing

/// Load and faults on loopback, judged by clients that share no code with Mohur
/// (`Judges/mixed_load.py`, `Judges/sod_load.py`).
@Suite("load and HSM faults through the service", .serialized)
struct LoadFaultTests {
    @Test("issuing, border and central services on one SQLite state under mixed signed load: no error, no SQLITE_BUSY")
    func mixedLoad() throws {
        let cli = try CLITests()
        #expect(try cli.mohur(["init"]).status == 0)
        let fr = Vectors.root.appendingPathComponent("gmrtd/sod/FR").path
        #expect(try cli.mohur(["trust", "import", "\(fr)/CSCA.der"]).status == 0)
        let centre = try Subsystem(cli, agency: "MIA", name: "passport-centre", rights: "CIT:write,op:sod-sign")
        let border = try Subsystem(cli, agency: "SBS", name: "border-gateway", rights: "BCR:write,op:pa-verify")
        let presented = try cli.state.write("presented.json",
                                            #"{"sod":"\#(Data(try Vectors.bytes("gmrtd/sod/FR/EF_SOD.bin")).base64EncodedString())","at":"2018-01-01T00:00:00Z"}"#)
        let borderDER = Data(try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: border.certificate)))).derEncoded)
        let ask = try cli.state.write("ask.json", #"{"certificate":"\#(borderDER.base64EncodedString())","operation":"pa-verify"}"#)
        let services = try ["issuing", "border", "central"].map { try ServiceProcess(cli: cli, role: $0) }
        let routes: [[String: Any]] = [
            ["name": "sod", "url": "\(services[0].base)/v1/documents/sod", "cert": centre.certificate, "key": centre.key, "expect": "sodSHA256"],
            ["name": "verify", "url": "\(services[1].base)/v1/documents/verify", "cert": border.certificate, "key": border.key,
             "body": presented, "expect": "verdict", "equals": "valid"],
            ["name": "authorize", "url": "\(services[2].base)/v1/authorize", "cert": border.certificate, "key": border.key,
             "body": ask, "expect": "allowed", "equals": true],
        ]
        let routesFile = try cli.state.write("routes.json", String(decoding: try JSONSerialization.data(withJSONObject: routes), as: UTF8.self))
        let script = Vectors.repositoryRoot.appendingPathComponent("Tests/mohurTests/Judges/mixed_load.py").path
        let loaded = try run(try Judge.python, [script, "--routes", routesFile, "--seconds", "5", "--threads", "3"])
        for service in services { #expect(service.stop() == 0) }
        let report = try #require(try JSONSerialization.jsonObject(with: Data(loaded.stdout.utf8)) as? [String: [String: Any]],
                                  "the load did not report: \(loaded.output)")
        for name in ["sod", "verify", "authorize"] {
            let route = report[name] ?? [:]
            #expect((route["count"] as? Int ?? 0) >= 10, "\(name) ran: \(route)")
            #expect(route["errors"] as? Int == 0, "\(name): \(route["examples"] ?? "")")
            print(String(format: "mixed load, %@: %d requests, %d errors, p50 %.1f ms, p99 %.1f ms", name, route["count"] as? Int ?? 0,
                         route["errors"] as? Int ?? -1, route["p50"] as? Double ?? .nan, route["p99"] as? Double ?? .nan))
        }
        for service in services {
            let log = service.log
            #expect(!log.contains("SQLITE_BUSY") && !log.contains("database is locked"), "\(log.suffix(2000))")
        }
        let issued = try run("sqlite3", [cli.state.path("s/mohur.sqlite"), "SELECT count(*) FROM sod_issuances"]).stdout
        #expect(Int(issued.trimmingCharacters(in: .whitespacesAndNewlines)) == report["sod"]?["count"] as? Int)
        let verified = try cli.mohur(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.output)")
    }

    @Test("the HSM taken away under EF.SOD load: 503 with Retry-After, then the service reconnects by itself; nothing acknowledged is lost")
    func hsmOutage() throws {
        let cli = try CLITests()
        #expect(try cli.mohur(["init"]).status == 0)
        let centre = try Subsystem(cli, agency: "MIA", name: "passport-centre", rights: "CIT:write,op:sod-sign")
        let hsm = try NetworkHSM(state: cli.state.path("s"))
        try hsm.serveState()
        let issuing = try ServiceProcess(cli: cli, role: "issuing", environment: hsm.clientEnvironment)
        let load = try SODLoad(issuing: issuing, caller: centre, seconds: 9)
        sleep(2)
        func health() throws -> String {
            try run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(issuing.base)/healthz"]).stdout
        }
        #expect(try health() == "204")
        hsm.stop()
        let takenAway = Date().timeIntervalSince1970
        sleep(2)
        #expect(try health() == "503", "a load balancer must see the HSM gone")
        sleep(1)
        try hsm.start()
        let back = Date().timeIntervalSince1970
        let report = load.finish()
        #expect(try health() == "204")
        #expect(issuing.stop() == 0)

        let acknowledged = report["acknowledged"] as? [[String: Any]] ?? []
        let failures = report["failures"] as? [[String: Any]] ?? []
        #expect(!failures.isEmpty, "the outage was not seen")
        let unexpected = failures.filter { $0["status"] as? Int != 503 || $0["retryAfter"] as? String == nil }
        #expect(unexpected.isEmpty, "failures other than 503 with Retry-After: \(unexpected.prefix(3))")
        let during = acknowledged.filter { ($0["at"] as? Double ?? 0) > takenAway + 0.5 && ($0["at"] as? Double ?? 0) < back }
        #expect(during.isEmpty, "signed while the HSM was away: \(during.prefix(2))")
        let after = acknowledged.compactMap { $0["at"] as? Double }.filter { $0 > back }
        let recovery = (after.min() ?? .infinity) - back
        #expect(after.count >= 10 && recovery < 5, "the service did not recover by itself: \(after.count) signed after, first after \(recovery) s")
        let stored = try StoredSODs(cli, acknowledged: acknowledged)
        stored.check()
        let verified = try cli.mohur(["audit", "verify"], environment: hsm.clientEnvironment)
        #expect(verified.status == 0, "\(verified.output)")
        print(String(format: "HSM outage under load: %d acknowledged, %d answered 503 with Retry-After, first signature %.2f s after the HSM returned",
                     acknowledged.count, failures.count, recovery))
    }
}
