import Foundation
import MohurTestSupport
import Testing

/// Nothing unjournaled (rules §6.9): init journals every key and certificate it made; failures
/// of journaled operations are journaled whatever raised them; refused imports and bundles are
/// journaled as refusals, those whose signatures fail as threats, as is a passport whose
/// EF.SOD signature fails at a border post.
@Suite("journal coverage", .serialized)
struct JournalCoverageCLITests {
    func entries(_ cli: CLITests) throws -> [[String: Any]] {
        let tail = try cli.json(try cli.mohur(["audit", "tail", "--count", "500", "--json"])) as? [[String: Any]] ?? []
        return tail.compactMap { ($0["entry"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } }
    }

    @Test("init journals each key generation and certificate with its fingerprint; refusals and forgeries are journaled as such")
    func coverage() throws {
        let cli = try CLITests()
        #expect(try cli.mohur(["init"]).status == 0)
        var journal = try entries(cli)
        let keys = journal.filter { $0["op"] as? String == "hsm.key.generate" }
        let certificates = journal.filter { $0["op"] as? String == "ca.certificate.issue" }
        let storedKeys = try run("sqlite3", [cli.state.path("s/mohur.sqlite"), "SELECT count(*) FROM keys"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let storedCertificates = try run("sqlite3", [cli.state.path("s/mohur.sqlite"), "SELECT fingerprint FROM certificates ORDER BY id"]).stdout
            .split(separator: "\n").map(String.init)
        #expect(keys.count == Int(storedKeys) && keys.count >= 20, "\(keys.count) key entries, \(storedKeys) keys")
        let journaled = Set(certificates.compactMap { ($0["details"] as? [String: Any])?["fingerprint"] as? String })
        #expect(journaled == Set(storedCertificates) && !journaled.isEmpty, "\(journaled.count) of \(storedCertificates.count)")
        #expect(keys.allSatisfy { (($0["details"] as? [String: Any])?["public_key_sha256"] as? String)?.count == 64 })

        // A failure that is neither a refusal nor a system error is journaled as failed too.
        #expect(try cli.mohur(["cert", "revoke", "0badc0de", "--reason", "keyCompromise"]).status != 0)
        // A master list whose signature fails is a threat; unreadable input a refused action.
        var list = try Vectors.bytes("gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml")
        list[list.count - 20] ^= 0x01
        let forged = try cli.state.write("forged.ml", list)
        let root = Vectors.root.appendingPathComponent("gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer").path
        #expect(try cli.mohur(["trust", "import", "--ml-root", root, forged]).status == 1)
        #expect(try cli.mohur(["trust", "import", try cli.state.write("junk.der", [0x30, 0x03, 0x02, 0x01, 0x01])]).status == 2)
        // A bundle of another format at the post is refused.
        #expect(try cli.mohur(["trust", "import-bundle", "--root", root, try cli.state.write("old.bundle", "MOHUR-TRUST-BUNDLE-1\nold")]).status == 2)
        // A passport whose EF.SOD signature fails: a threat, not only a module result.
        #expect(try cli.mohur(["trust", "import", "--ml-root", root, Vectors.root.appendingPathComponent("gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml").path]).status == 0)
        let corrupted = Vectors.root.appendingPathComponent("gmrtd/negative/DE_EF_SOD_sig_corrupted_lastbyte.bin").path
        #expect(try cli.mohur(["pa", "verify", "--sod", corrupted, "--at", "2024-01-01"]).status == 1)
        #expect(try cli.mohur(["pa", "verify", "--sod", Vectors.root.appendingPathComponent("gmrtd/sod/DE/EF_SOD.bin").path, "--at", "2024-01-01"]).status == 0)

        journal = try entries(cli)
        func find(_ operation: String, _ predicate: ([String: Any]) -> Bool) -> Bool {
            journal.contains { $0["op"] as? String == operation && predicate($0) }
        }
        #expect(find("ca.revoke") { $0["outcome"] as? String == "failed" }, "a failed revocation is journaled")
        #expect(find("trust.import") { $0["category"] as? String == "threat" && $0["outcome"] as? String == "refused" && $0["target"] as? String == "file:forged.ml" })
        #expect(find("trust.import") { $0["category"] as? String == "security-action" && $0["outcome"] as? String == "refused" && $0["target"] as? String == "file:junk.der" })
        #expect(find("trust.import-bundle") { $0["outcome"] as? String == "refused" })
        #expect(find("pa.verify") { $0["category"] as? String == "threat" && ($0["details"] as? [String: Any])?["verdict"] as? String == "invalid" })
        #expect(find("pa.verify") { $0["category"] as? String == "module-result" && $0["outcome"] as? String == "success" })
        let verified = try cli.mohur(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.output)")
    }
}
