import Foundation
import MohurTestSupport
import OpenSSLKit
import Testing

/// `mohur sod show` on every real EF.SOD among the vectors, and `mohur sod sign` end to end.
@Suite("mohur sod", .serialized)
struct SODCLITests {
    /// Every real SOD, with the files that give its expected data group hashes: `DGn.hash`
    /// beside the gmrtd SODs, otherwise the data group files hashed by `openssl dgst`.
    static let sods: [(sod: String, expected: [Int: String])] = {
        let gmrtd = ["AT", "AU", "CN", "DE", "FI", "FR", "MY", "NZ", "PH", "RU", "US"].map {
            ("gmrtd/sod/\($0)/EF_SOD.bin", [1: "gmrtd/sod/\($0)/DG1.hash", 2: "gmrtd/sod/\($0)/DG2.hash"])
        }
        let bsi = "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset/"
        let nl = "jmrtd/loes2006_nl_sdu_test/"
        return gmrtd + [
            ("gmrtd/sod/ID/EF_SOD.bin", [:]),
            ("gmrtd/negative/DE_EF_SOD_sig_corrupted_lastbyte.bin", [1: "gmrtd/sod/DE/DG1.hash", 2: "gmrtd/sod/DE/DG2.hash"]),
            ("port-py-server/lds/ef.sod_de_9712AB14.bin", [:]),
            ("port-py-server/lds/ef.sod_si_454CB206.bin", [15: "port-py-server/lds/ef.dg15_ef.sod_si_454CB206.bin"]),
            ("jmrtd/bsi2008/EF_SOD.bin", [1: "jmrtd/bsi2008/Datagroup1.bin", 2: "jmrtd/bsi2008/Datagroup2.bin",
                                          3: "jmrtd/bsi2008/Datagroup3.bin", 14: "jmrtd/bsi2008/Datagroup14.bin"]),
            ("\(nl)ef011D.bin", [1: "\(nl)ef0101.bin", 2: "\(nl)ef0102.bin", 15: "\(nl)ef010F.bin"]),
            ("\(bsi)EF_SOD.bin", [1: "\(bsi)Datagroup1.bin", 2: "\(bsi)Datagroup2.bin", 3: "\(bsi)Datagroup3.bin",
                                  4: "\(bsi)Datagroup4.bin", 14: "\(bsi)Datagroup14.bin"]),
        ]
    }()

    func mohur(_ arguments: [String], state: TemporaryDirectory? = nil) throws -> ProcessResult {
        let root = Vectors.repositoryRoot.path
        let stateArguments = state.map { ["--state", $0.path("s"), "--profiles", "\(root)/CA/hierarchy.json",
                                          "--access-matrix", "\(root)/CA/agency-access.tsv"] } ?? []
        return try run(try CLITests.binary, arguments + stateArguments, environment: ["MOHUR_HSM_PIN": ""])
    }

    /// The `dataGroupHashes` of `sod show --json`, data group → hex.
    func shownHashes(_ path: String) throws -> [Int: String] {
        let result = try mohur(["sod", "show", path, "--json"])
        #expect(result.status == 0, "\(path): \(result.output)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let list = object?["dataGroupHashes"] as? [[String: Any]] ?? []
        return Dictionary(list.compactMap { entry in
            (entry["dataGroup"] as? Int).flatMap { n in (entry["hash"] as? String).map { (n, $0) } }
        }, uniquingKeysWith: { first, _ in first })
    }

    @Test("sod show decodes every real SOD and prints the DG hashes recorded beside it", arguments: sods)
    func showsRealSODs(sod: String, expected: [Int: String]) throws {
        let path = Vectors.root.appendingPathComponent(sod).path
        let shown = try shownHashes(path)
        #expect(shown.count >= 2, "\(sod)")
        let text = try mohur(["sod", "show", path])
        #expect(text.status == 0 && text.stdout.contains("DG1") && text.stdout.contains("signer"), "\(text.output)")
        for (number, file) in expected {
            let bytes = try Vectors.bytes(file)
            let want = file.hasSuffix(".hash") ? Digest.hex(bytes)
                : Digest.hex(try Digest.hash(shown[number]?.count == 40 ? .sha1 : .sha256, bytes))
            #expect(shown[number] == want, "\(sod) DG\(number)")
        }
    }

    @Test("sod sign writes an SOD that sod show and openssl read; a bad FIN exits 2 naming it; an unreadable file exits 2")
    func signEndToEnd() throws {
        let state = try TemporaryDirectory("mohur-sod")
        #expect(try mohur(["init"], state: state).status == 0)
        let dg1 = Vectors.root.appendingPathComponent("gmrtd/icao9303_p10_worked_examples/EF_DG1.bin").path
        let dg2 = Vectors.root.appendingPathComponent("gmrtd/icao9303_p10_worked_examples/EF_DG2.bin").path
        let out = state.path("EF_SOD.bin")
        let base = ["sod", "sign", "--doc-type", "P", "--doc-number", "C01234567", "--dg", "1=\(dg1)", "--dg", "2=\(dg2)", "--out", out]

        let badFIN = try mohur(base + ["--fin", "12ab"], state: state)
        #expect(badFIN.status == 2 && badFIN.stderr.contains("FIN '12ab'"), "\(badFIN.output)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let missing = try mohur(["sod", "sign", "--doc-type", "P", "--doc-number", "C1", "--dg", "1=/nonexistent.bin",
                                 "--dg", "2=\(dg2)", "--out", out], state: state)
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent.bin"), "\(missing.output)")
        let swapped = try mohur(["sod", "sign", "--doc-type", "P", "--doc-number", "C1", "--dg", "1=\(dg2)", "--dg", "2=\(dg1)",
                                 "--out", out], state: state)
        #expect(swapped.status == 2 && swapped.stderr.contains("DG1"), "\(swapped.output)")

        let signed = try mohur(base + ["--fin", "5ZK2M7A", "--json"], state: state)
        #expect(signed.status == 0, "\(signed.output)")
        let view = try JSONSerialization.jsonObject(with: Data(signed.stdout.utf8)) as? [String: Any]
        let issuance = view?["issuance"] as? [String: Any]
        #expect(issuance?["fin"] as? String == "5ZK2M7A" && issuance?["dsAuthority"] as? String == "ds-1")
        let shown = try shownHashes(out)
        #expect(shown[1] == Digest.hex(try Digest.hash(.sha256, Array(try Data(contentsOf: URL(fileURLWithPath: dg1))))))
        #expect(shown[2] == Digest.hex(try Digest.hash(.sha256, Array(try Data(contentsOf: URL(fileURLWithPath: dg2))))))

        // Strip the 77 wrapper as a border post would, and let openssl check the signature.
        let sod = Array(try Data(contentsOf: URL(fileURLWithPath: out)))
        let headerLength = sod[1] < 0x80 ? 2 : 2 + Int(sod[1] & 0x7f)
        let p7 = try state.write("sod.p7", Array(sod[headerLength...]))
        let verify = try openssl(["cms", "-verify", "-inform", "DER", "-in", p7, "-noverify", "-out", state.path("c.bin")])
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test("sod sign-batch signs every good manifest entry, fails the bad ones alone with exit 2, and never overwrites")
    func signBatchEndToEnd() throws {
        let state = try TemporaryDirectory("mohur-sod-batch")
        #expect(try mohur(["init"], state: state).status == 0)
        let worked = Vectors.root.appendingPathComponent("gmrtd/icao9303_p10_worked_examples").path
        let dg2 = Array(try Data(contentsOf: URL(fileURLWithPath: "\(worked)/EF_DG2.bin")))
        try FileManager.default.createDirectory(atPath: state.path("batch"), withIntermediateDirectories: true)
        _ = try state.write("batch/EF_DG1.bin", Array(try Data(contentsOf: URL(fileURLWithPath: "\(worked)/EF_DG1.bin"))))
        _ = try state.write("batch/EF_DG2.bin", dg2)
        let dg2Hash = Digest.hex(try Digest.hash(.sha256, dg2))
        let manifest = """
            {"documents": [
              {"docType": "P", "docNumber": "C00000001", "fin": "5ZK2M7A", "dg": {"1": "EF_DG1.bin", "2": "EF_DG2.bin"}},
              {"docType": "P", "docNumber": "C00000002", "fin": "12ab", "dg": {"1": "EF_DG1.bin", "2": "EF_DG2.bin"}},
              {"docType": "P", "docNumber": "C00000003", "dg": {"1": "EF_DG1.bin", "2": "missing.bin"}},
              {"docType": "I", "docNumber": "C00000004", "hash": "sha512", "dg": {"1": "EF_DG1.bin", "2": "EF_DG2.bin"}},
              {"docType": "P", "docNumber": "C00000005", "dgHash": {"1": "\(Digest.hex(try Digest.hash(.sha256, Array(repeating: 1, count: 90))))", "2": "\(dg2Hash)"}}
            ]}
            """
        let path = try state.write("batch/manifest.json", Array(manifest.utf8))
        let out = state.path("sods")
        let run = try mohur(["sod", "sign-batch", path, "--out-dir", out, "--json"], state: state)
        #expect(run.status == 2, "\(run.output)")
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(report.count == 5)
        #expect(report.map { $0["error"] == nil } == [true, false, false, true, true], "\(run.stdout)")
        #expect((report[1]["error"] as? String)?.contains("FIN '12ab'") == true)
        #expect((report[2]["error"] as? String)?.contains("missing.bin") == true)

        for (index, name) in [(0, "P-C00000001"), (3, "I-C00000004"), (4, "P-C00000005")] {
            let file = "\(out)/\(name).EF_SOD.bin"
            #expect(report[index]["file"] as? String == file)
            let shown = try shownHashes(file)
            #expect(shown[2]?.count == (index == 3 ? 128 : 64) && (index == 3 || shown[2] == dg2Hash), "\(name): \(shown)")
            let sod = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            let headerLength = sod[1] < 0x80 ? 2 : 2 + Int(sod[1] & 0x7f)
            let p7 = try state.write("\(name).p7", Array(sod[headerLength...]))
            let verify = try openssl(["cms", "-verify", "-inform", "DER", "-in", p7, "-noverify", "-out", "/dev/null"])
            #expect(verify.status == 0, "\(name): \(verify.output)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(out)/P-C00000002.EF_SOD.bin"))

        // A second run finds the files of the first and leaves them as they were.
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(out)/P-C00000001.EF_SOD.bin"))
        let again = try mohur(["sod", "sign-batch", path, "--out-dir", out], state: state)
        #expect(again.status == 2 && again.stdout.contains("already exists") && again.stdout.contains("0 signed, 5 failed"), "\(again.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(out)/P-C00000001.EF_SOD.bin")) == before)

        let broken = try state.write("batch/broken.json", Array(#"{"documents": [{"docType": "P"}]}"#.utf8))
        let refused = try mohur(["sod", "sign-batch", broken, "--out-dir", out], state: state)
        #expect(refused.status == 2 && refused.stderr.contains("broken.json") && refused.stderr.contains("docNumber"), "\(refused.output)")
    }

    @Test("sod list answers which documents a Document Signer signed, with numbers and dates only, journaled")
    func listBySigner() throws {
        let state = try TemporaryDirectory("mohur-sod-list")
        #expect(try mohur(["init"], state: state).status == 0)
        let worked = Vectors.root.appendingPathComponent("gmrtd/icao9303_p10_worked_examples").path
        func sign(_ number: String) throws -> [String: Any] {
            let signed = try mohur(["sod", "sign", "--doc-type", "P", "--doc-number", number, "--fin", "5ZK2M7A", "--dg", "1=\(worked)/EF_DG1.bin",
                                    "--dg", "2=\(worked)/EF_DG2.bin", "--out", state.path("\(number).bin"), "--json"], state: state)
            #expect(signed.status == 0, "\(signed.output)")
            return (try JSONSerialization.jsonObject(with: Data(signed.stdout.utf8)) as? [String: Any])?["issuance"] as? [String: Any] ?? [:]
        }
        let first = try sign("C00000001")
        _ = try sign("C00000002")
        let serial = try #require(first["dsSerial"] as? String)
        #expect(try mohur(["ds", "rotate"], state: state).status == 0)
        let later = try sign("C00000003")
        #expect(later["dsSerial"] as? String != serial)

        // The serial as an officer may type it: upper case, with colons.
        let typed = stride(from: 0, to: serial.count, by: 2).map { i -> String in
            let start = serial.index(serial.startIndex, offsetBy: i)
            return String(serial[start..<serial.index(start, offsetBy: 2)]).uppercased()
        }.joined(separator: ":")
        let bySigner = try mohur(["sod", "list", "--signer", typed], state: state)
        #expect(bySigner.status == 0 && bySigner.stdout.contains("C00000001") && bySigner.stdout.contains("C00000002")
                && !bySigner.stdout.contains("C00000003") && bySigner.stdout.contains("2 documents signed by DS \(serial)"), "\(bySigner.output)")
        let all = try mohur(["sod", "list", "--json"], state: state)
        let listed = (try? JSONSerialization.jsonObject(with: Data(all.stdout.utf8))) as? [[String: Any]] ?? []
        #expect(listed.map { $0["documentNumber"] as? String } == ["C00000001", "C00000002", "C00000003"], "\(all.output)")
        #expect(!all.stdout.contains("5ZK2M7A") && !all.stdout.lowercased().contains("hash") && !all.stdout.contains("fin"),
                "no FIN, no data-group hashes: \(all.stdout)")
        let today = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        #expect(try mohur(["sod", "list", "--from", today, "--to", today], state: state).stdout.contains("3 documents"))
        #expect(try mohur(["sod", "list", "--from", "2000-01-01", "--to", "2000-12-31"], state: state).stdout.contains("0 documents"))
        let badSerial = try mohur(["sod", "list", "--signer", "xyz"], state: state)
        #expect(badSerial.status == 2 && badSerial.stderr.contains("--signer xyz"), "\(badSerial.output)")
        let backwards = try mohur(["sod", "list", "--from", "2026-02-01", "--to", "2026-01-01"], state: state)
        #expect(backwards.status == 2 && backwards.stderr.contains("before"), "\(backwards.output)")
        let journal = try mohur(["audit", "tail", "-c", "8"], state: state)
        #expect(journal.stdout.contains(#""op":"sod.list""#) && journal.stdout.contains(#""ds_serial":"\#(serial)""#), "\(journal.output)")
    }
}
