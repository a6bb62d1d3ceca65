import Foundation
import MohurTestSupport
import Testing

/// The journal through the officer's commands, on a real SoftHSM2 journal key.
@Suite("mohur audit", .serialized)
struct AuditCLITests {
    let cli: CLITests

    init() throws { cli = try CLITests() }

    @Test("operations and refusals are journaled; key, checkpoint, proofs, verify and an offline-verified export work")
    func journalEndToEnd() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        // Refused: a second CSCA CRL within 48 hours without revocations.
        #expect(try cli.mohur(["crl", "issue", "--ca", "csca-1"]).status == 0)
        #expect(try cli.mohur(["crl", "issue", "--ca", "csca-1"]).status == 1)
        let tail = try cli.json(try cli.mohur(["audit", "tail", "--count", "200", "--json"])) as? [[String: Any]] ?? []
        let entries = tail.compactMap { $0["entry"] as? String }
        // init (its summary, then each key and certificate it made), the development officers'
        // enrolment (and their keys and certificates), the automatic log-in, the CRL and the refusal.
        let objects = entries.filter { $0.contains(#""op":"hsm.key.generate""#) || $0.contains(#""op":"ca.certificate.issue""#) }.count
        let size = entries.count
        #expect(size == 5 + objects && objects >= 40, "\(entries)")
        #expect(entries.first?.contains(#""op":"pki.init""#) == true)
        #expect(entries[size - 3].contains(#""op":"session.login""#) && entries[size - 2].contains(#""op":"ca.crl""#)
                && entries[size - 2].contains(#""agency":"MIA""#))
        #expect(entries.last?.contains(#""category":"permission-exceeded""#) == true && entries.last?.contains(#""outcome":"refused""#) == true)

        let vkey = try cli.mohur(["audit", "key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(vkey.hasPrefix("iamas.az/mohur/audit/") && vkey.split(separator: "+", maxSplits: 2).count == 3, "\(vkey)")
        let note = try cli.mohur(["audit", "checkpoint"])
        #expect(note.status == 0 && note.stdout.contains("\n\(size)\n") && note.stdout.contains("\n\n\u{2014} iamas.az/mohur/audit/"), "\(note.output)")

        let inclusion = try cli.json(try cli.mohur(["audit", "proof", "inclusion", "--index", "1", "--json"])) as? [String: Any]
        #expect(inclusion?["size"] as? Int == size && (inclusion?["hashes"] as? [String])?.count == Int(log2(Double(size)).rounded(.up)))
        let consistency = try cli.json(try cli.mohur(["audit", "proof", "consistency", "--from", "1", "--to", "3", "--json"])) as? [String: Any]
        #expect((consistency?["hashes"] as? [String])?.count == 2)

        let verify = try cli.mohur(["audit", "verify", "--vkey", vkey])
        #expect(verify.status == 0 && verify.stdout.contains("journal verified: \(size) entries"), "\(verify.output)")

        let bundle = cli.state.path("bundle.json")
        #expect(try cli.mohur(["audit", "export", "--from", "0", "--to", "3", "--out", bundle]).status == 0)
        let offline = try cli.mohur(["audit", "verify", "--bundle", bundle, "--vkey", vkey])
        #expect(offline.status == 0 && offline.stdout.contains("bundle verified: 3 entries"), "\(offline.output)")
    }

    @Test("SOD signing, trust import and passive authentication are journaled without personal data")
    func documentOperationsJournaled() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let bsi = Vectors.root.appendingPathComponent("worldfnd-icao-9303/bsi_tr03105-5_reference_dataset").path
        let signed = try cli.mohur(["sod", "sign", "--doc-type", "P", "--doc-number", "C01234567", "--fin", "5ZJ3K8P",
                                    "--dg", "1=\(bsi)/Datagroup1.bin", "--dg", "2=\(bsi)/Datagroup2.bin",
                                    "--out", cli.state.path("sod.bin")])
        #expect(signed.status == 0, "\(signed.output)")
        let fr = Vectors.root.appendingPathComponent("gmrtd/sod/FR").path
        #expect(try cli.mohur(["trust", "import", "\(fr)/CSCA.der"]).status == 0)
        #expect(try cli.mohur(["pa", "verify", "--sod", "\(fr)/EF_SOD.bin", "--at", "2018-01-01"]).status == 0)
        let tail = try cli.json(try cli.mohur(["audit", "tail", "--json"])) as? [[String: Any]] ?? []
        let entries = tail.compactMap { $0["entry"] as? String }
        for op in ["sod.sign", "trust.import", "pa.verify"] {
            #expect(entries.contains { $0.contains(#""op":"\#(op)""#) }, "\(op) missing from \(entries)")
        }
        #expect(!entries.contains { $0.contains("5ZJ3K8P") }, "the holder's FIN reached the journal")
        #expect(try cli.mohur(["audit", "verify"]).status == 0)
    }
}
