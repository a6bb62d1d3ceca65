import Foundation
import OpenSSLKit
import MohurTestSupport
import Testing

/// Store and forward through real processes: a node's journal (an issuing centre that worked
/// offline) reaches `mohur serve --role central` by `mohur audit forward`, over signed requests.
@Suite("Journals forwarded to the central service", .serialized)
struct JournalForwardCLITests {
    @Test("a node's 1,000 offline entries reach the centre and match; a rewritten batch is refused (403) and journaled as a threat")
    func forwardAndRefuseFork() throws {
        let central = try CLITests()
        let post = try CLITests()
        #expect(try central.mohur(["init"]).status == 0)
        #expect(try post.mohur(["init"]).status == 0)
        // Offline for a while: the post (here an issuing centre abroad) signs a personalisation batch
        // of 1,000 documents, each journaled.
        let documents = (0..<1000).map { n in
            #"{"docType": "P", "docNumber": "C\#(String(format: "%08d", n))", "dgHash": {"1": "\#(String(repeating: "1", count: 63))\#(n % 10)", "2": "\#(String(repeating: "2", count: 64))"}}"#
        }
        let manifest = try post.state.write("batch.json", #"{"hash": "sha256", "documents": [\#(documents.joined(separator: ","))]}"#)
        let signed = try post.mohur(["sod", "sign-batch", manifest, "--out-dir", post.state.path("sods")])
        #expect(signed.status == 0, "\(signed.output)")
        #expect(try post.mohur(["audit", "checkpoint"]).status == 0)
        let postJournal = post.state.path("s/audit.sqlite")
        func sql(_ query: String) throws -> String {
            try run("sqlite3", [postJournal, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let postSize = Int(try sql("SELECT max(size) FROM audit_checkpoints")) ?? 0
        #expect(postSize >= 1000)

        // The centre registers the post's journal key and issues its forwarding identity.
        let vkey = try post.mohur(["audit", "key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let added = try central.mohur(["audit", "nodes", "add", "--vkey", vkey, "--label", "MFA consular centre Paris"])
        #expect(added.status == 0, "\(added.output)")
        let identity = try Subsystem(central, agency: "MFA", name: "paris-centre", rights: "op:journal-forward")
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
        #expect(held >= postSize, "\(nodes)")
        #expect(node["refusal"] == nil, "\(node)")
        let listed = try central.mohur(["audit", "nodes"])
        #expect(listed.status == 0 && listed.stdout.contains("MFA consular centre Paris") && listed.stdout.contains("entries \(held)"), "\(listed.output)")
        // A second run sends only what is new (the post's own `audit forward` entries are not journaled).
        let again = try post.mohur(["audit", "forward", "--central", service.base] + identity.signing)
        #expect(again.status == 0 && again.stdout.contains("(0 sent now)"), "\(again.output)")

        // A subsystem without journal-forward is refused.
        let origin = try sql("SELECT value FROM audit_meta WHERE key = 'origin'")
        let position = "\(service.base)/v1/journal/position?origin=\(origin.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        let unauthorised = try central.mohur(["request", "send", "GET", position] + reader.signing)
        #expect(unauthorised.status == 1 && unauthorised.stdout.contains("journal-forward"), "\(unauthorised.output)")

        // The post's history rewritten: one entry changed under a checkpoint signed by its key.
        // Read with the sqlite3 CLI: the post's latest checkpoint and the entries under it.
        let note = try sql("SELECT note FROM audit_checkpoints WHERE size = \(postSize)") + "\n"
        let stored = try sql("SELECT hex(entry) FROM audit_entries WHERE idx < \(postSize) ORDER BY idx").split(separator: "\n")
        var entries = stored.compactMap { Digest.bytes(fromHex: $0.lowercased()) }
        #expect(entries.count == postSize)
        let original = entries[3]
        entries[3] = Array(String(decoding: entries[3], as: UTF8.self).replacingOccurrences(of: "\"success\"", with: "\"failed\"").utf8)
        #expect(entries[3] != original)
        let body = try JSONSerialization.data(withJSONObject: [
            "checkpoint": note, "from": 0, "entries": entries.map { Data($0).base64EncodedString() },
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
