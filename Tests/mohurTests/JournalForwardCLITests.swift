import Audit
import Foundation
import MohurCore
import MohurTestSupport
import Runtime
import Testing

/// Store and forward through real processes: a border post's journal reaches `mohur serve
/// --role central` by `mohur audit forward`, over signed requests.
@Suite("Journals forwarded to the central service", .serialized)
struct JournalForwardCLITests {
    @Test("a post's 1,000 offline entries reach the centre and match; a rewritten batch is refused (403) and journaled as a threat")
    func forwardAndRefuseFork() throws {
        let central = try CLITests()
        let post = try CLITests()
        #expect(try central.mohur(["init"]).status == 0)
        #expect(try post.mohur(["init"]).status == 0)
        // Offline for a while: the post journals 1,000 entries, signing a checkpoint now and then.
        let runtime = try MohurRuntime.open(RuntimeConfiguration(statePath: post.state.path("s")))
        for round in 0..<10 {
            try runtime.pki.audit.record(contentsOf: try (0..<100).map { n in
                .action(try AuditAction(.moduleResult, operation: "pa.verify", actor: .localOfficer, target: "document-\(round * 100 + n)",
                                        outcome: .success))
            })
            try runtime.journal.checkpoint()
        }
        let postSize = try runtime.journal.reader.size()
        #expect(postSize >= 1000)

        // The centre registers the post's journal key and issues its forwarding identity.
        let vkey = try post.mohur(["audit", "key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let added = try central.mohur(["audit", "nodes", "add", "--vkey", vkey, "--label", "SBS border post Astara"])
        #expect(added.status == 0, "\(added.output)")
        let identity = try Subsystem(central, agency: "SBS", name: "astara-post", rights: "op:journal-forward")
        let reader = try Subsystem(central, agency: "SBS", name: "astara-reader", rights: "op:pa-verify")
        let service = try ServiceProcess(cli: central, role: "central")

        // Unreachable centre: a clear error, exit 3, nothing lost on the post.
        let down = try post.mohur(["audit", "forward", "--central", "http://127.0.0.1:9"] + identity.signing)
        #expect(down.status == 3 && down.stderr.contains("cannot reach"), "\(down.output)")

        let forwarded = try post.mohur(["audit", "forward", "--central", service.base, "--batch", "300"] + identity.signing)
        #expect(forwarded.status == 0, "\(forwarded.output)")
        let nodes = try central.json(try central.mohur(["audit", "nodes", "--json"])) as? [[String: Any]] ?? []
        let node = try #require(nodes.first)
        let held = try #require(node["size"] as? Int)
        let current = Int(try runtime.journal.reader.size())
        #expect(held >= 1000 && held <= current, "\(nodes)")
        #expect(node["refusal"] == nil, "\(node)")
        let listed = try central.mohur(["audit", "nodes"])
        #expect(listed.status == 0 && listed.stdout.contains("SBS border post Astara") && listed.stdout.contains("entries \(held)"), "\(listed.output)")
        // A second run sends only what is new (the post's own `audit forward` entries are not journaled).
        let again = try post.mohur(["audit", "forward", "--central", service.base] + identity.signing)
        #expect(again.status == 0 && again.stdout.contains("(0 sent now)"), "\(again.output)")

        // A subsystem without journal-forward is refused.
        let position = "\(service.base)/v1/journal/position?origin=\(try runtime.journal.reader.origin().addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        let unauthorised = try central.mohur(["request", "send", "GET", position] + reader.signing)
        #expect(unauthorised.status == 1 && unauthorised.stdout.contains("journal-forward"), "\(unauthorised.output)")

        // The post's history rewritten: one entry changed under a checkpoint signed by its key.
        let batch = try #require(try runtime.journal.reader.forwardBatch(after: 0, maxEntries: 5_000))
        var entries = batch.entries
        entries[3] = Array(String(decoding: entries[3], as: UTF8.self).replacingOccurrences(of: "\"success\"", with: "\"failed\"").utf8)
        #expect(entries[3] != batch.entries[3])
        let body = try JSONSerialization.data(withJSONObject: [
            "checkpoint": batch.checkpoint, "from": 0, "entries": entries.map { Data($0).base64EncodedString() },
        ] as [String: Any])
        let file = try central.state.write("forged.json", String(decoding: body, as: UTF8.self))
        let forged = try central.mohur(["request", "send", "POST", "\(service.base)/v1/journal/forward", "--body", file] + identity.signing)
        #expect(forged.status == 1 && forged.stdout.contains("forked"), "\(forged.output)")
        #expect(service.stop() == 0)

        let journal = (try central.json(try central.mohur(["audit", "tail", "--json", "-c", "50"])) as? [[String: Any]] ?? [])
            .compactMap { $0["entry"] as? String }
        #expect(journal.contains { $0.contains(#""op":"audit.node.checkpoint""#) })
        #expect(journal.contains { $0.contains(#""op":"audit.node.forked""#) && $0.contains(#""category":"threat""#) })
        let refused = try central.json(try central.mohur(["audit", "nodes", "--json"])) as? [[String: Any]] ?? []
        #expect((refused.first?["refusal"] as? String)?.contains("differs") == true, "\(refused)")
        #expect(try central.mohur(["audit", "verify"]).status == 0)
    }
}
