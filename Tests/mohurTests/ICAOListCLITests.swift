import Foundation
import MohurTestSupport
import Testing

/// Level 4 outward: our CSCA master list (`mohur ml sign`) and the ICAO PKD upload package
/// (`mohur pkd export`), judged by openssl, `sha256sum -c` and a fresh Mohur border post that
/// holds nothing but our CSCA.
@Suite("mohur ml sign and pkd export", .serialized)
struct ICAOListCLITests {
    let cli: CLITests
    init() throws { cli = try CLITests() }

    func vector(_ path: String) -> String { Vectors.root.appendingPathComponent(path).path }

    /// `mohur` on a second, CA-less state: a border post elsewhere.
    func border(_ name: String, _ arguments: [String]) throws -> ProcessResult {
        try run(try CLITests.binary, arguments + ["--state", cli.state.path(name)])
    }

    func fingerprints(_ result: ProcessResult) throws -> Set<String> {
        let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        return Set(rows.compactMap { $0["sha256"] as? String })
    }

    @Test("our master list verifies with openssl against our CSCA, re-imports into a post whose only root is our CSCA, and a passport we signed passes there")
    func ownMasterList() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let csca = cli.state.path("csca.pem"), list = cli.state.path("AZ.ml")
        #expect(try cli.mohur(["ca", "export", "csca-1", "--out", csca]).status == 0)
        let signed = try cli.mohur(["ml", "sign", "--out", list, "--json"])
        #expect(signed.status == 0 && signed.stdout.contains("\"certificates\" : 1"), "\(signed.output)")
        // The default ICAO profile uses explicit EC domain parameters, which openssl's chain
        // check refuses by policy: openssl judges the signature and the content type here, and
        // the whole chain under a named-curve profile below.
        let content = cli.state.path("content.der")
        let verified = try openssl(["cms", "-verify", "-inform", "DER", "-in", list, "-noverify", "-out", content])
        #expect(verified.status == 0 && verified.stderr.contains("Verification successful"), "\(verified.output)")
        let printed = try openssl(["cms", "-cmsout", "-print", "-inform", "DER", "-in", list])
        #expect(printed.stdout.contains("2.23.136.1.1.2") && printed.stdout.contains("signingTime")
                && printed.stdout.contains("Master List Signer") && printed.stdout.contains("CSCA Azerbaijan"), "\(printed.output)")
        let parsed = try openssl(["asn1parse", "-inform", "DER", "-in", content])
        #expect(parsed.stdout.contains("INTEGER           :00") && parsed.stdout.contains("SET"), "\(parsed.output)")

        let imported = try border("post", ["trust", "import", "--ml-root", csca, list, "--json"])
        #expect(imported.status == 0 && imported.stdout.contains("\"added\" : 1"), "\(imported.output)")
        let worked = vector("gmrtd/icao9303_p10_worked_examples")
        let sod = cli.state.path("EF_SOD.bin")
        #expect(try cli.mohur(["sod", "sign", "--doc-type", "P", "--doc-number", "C01234567", "--dg", "1=\(worked)/EF_DG1.bin",
                               "--dg", "2=\(worked)/EF_DG2.bin", "--out", sod]).status == 0)
        let checked = try border("post", ["pa", "verify", "--sod", sod, "--dg", "1=\(worked)/EF_DG1.bin", "--dg", "2=\(worked)/EF_DG2.bin"])
        #expect(checked.status == 0 && checked.stdout.contains("valid") && !checked.stdout.contains("invalid"), "\(checked.output)")
        // An output named through a link, or a FIFO, is written where it leads, never replaced.
        let real = cli.state.path("real.ml"), link = cli.state.path("link.ml")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        #expect(try cli.mohur(["ml", "sign", "--out", link]).status == 0)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == real)
        #expect(try openssl(["cms", "-verify", "-noverify", "-inform", "DER", "-in", real, "-out", "/dev/null"]).status == 0)
        let fifo = cli.state.path("fifo"), copy = cli.state.path("copy.ml")
        #expect(try run("mkfifo", [fifo]).status == 0)
        let root = Vectors.repositoryRoot.path
        let piped = try run("sh", ["-c", "cat '\(fifo)' > '\(copy)' & MOHUR_HSM_PIN= '\(try CLITests.binary)' ml sign --out '\(fifo)' --state '\(cli.state.path("s"))' "
                                   + "--profiles '\(root)/CA/hierarchy.json' --access-matrix '\(root)/CA/agency-access.tsv'; wait"])
        #expect(piped.status == 0, "\(piped.output)")
        let attributes = try FileManager.default.attributesOfItem(atPath: fifo)
        #expect(attributes[.type] as? FileAttributeType != .typeRegular, "the FIFO was replaced by a file")
        #expect(try openssl(["cms", "-verify", "-noverify", "-inform", "DER", "-in", copy, "-out", "/dev/null"]).status == 0)
        // A post without our list cannot decide.
        let stranger = try border("stranger", ["pa", "verify", "--sod", sod, "--dg", "1=\(worked)/EF_DG1.bin"])
        #expect(stranger.status != 0, "\(stranger.output)")
    }

    @Test("with named curves, openssl cms -verify checks the whole chain of our master list up to our CSCA")
    func opensslChainWithNamedCurves() throws {
        let root = Vectors.repositoryRoot.path
        let profile = try String(contentsOfFile: "\(root)/CA/hierarchy.json", encoding: .utf8)
            .replacingOccurrences(of: "\"explicitECParameters\": true", with: "\"explicitECParameters\": false")
        let profileFile = try cli.state.write("named.json", profile)
        let arguments = ["--state", cli.state.path("named"), "--profiles", profileFile, "--access-matrix", "\(root)/CA/agency-access.tsv"]
        func mohur(_ command: [String]) throws -> ProcessResult {
            try run(try CLITests.binary, command + arguments, environment: ["MOHUR_HSM_PIN": ""])
        }
        #expect(try mohur(["init"]).status == 0)
        let csca = cli.state.path("named-csca.pem"), list = cli.state.path("named.ml")
        #expect(try mohur(["ca", "export", "csca-1", "--out", csca]).status == 0)
        #expect(try mohur(["ml", "sign", "--out", list]).status == 0)
        // The Master List Signer's EKU is ICAO's, not S/MIME's: hence -purpose any.
        let verified = try openssl(["cms", "-verify", "-inform", "DER", "-in", list, "-CAfile", csca, "-purpose", "any", "-out", "/dev/null"])
        #expect(verified.status == 0 && verified.stderr.contains("Verification successful"), "\(verified.output)")
        let otherCSCA = cli.state.path("other.pem")
        _ = try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", cli.state.path("o.key"),
                         "-out", otherCSCA, "-subj", "/C=XX/CN=Other CSCA", "-days", "30"])
        let wrongRoot = try openssl(["cms", "-verify", "-inform", "DER", "-in", list, "-CAfile", otherCSCA, "-purpose", "any", "-out", "/dev/null"])
        #expect(wrongRoot.status != 0, "\(wrongRoot.output)")
    }

    @Test("the DE master list's CSCAs, re-signed into our list, come back with the same count and fingerprints")
    func germanListResigned() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let imported = try cli.mohur(["trust", "import", "--ml-root", vector("gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer"),
                                      vector("gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml")])
        #expect(imported.status == 0, "\(imported.output)")
        let original = try fingerprints(try cli.mohur(["trust", "list", "--json"]))
        #expect(original.count > 100)
        let csca = cli.state.path("csca.pem"), list = cli.state.path("AZ-DE.ml")
        #expect(try cli.mohur(["ca", "export", "csca-1", "--out", csca]).status == 0)
        let signed = try cli.mohur(["ml", "sign", "--include-trusted", "--out", list, "--json"])
        #expect(signed.status == 0 && signed.stdout.contains("\"certificates\" : \(original.count + 1)"), "\(signed.output)")
        let back = try border("post", ["trust", "import", "--ml-root", csca, list, "--json"])
        #expect(back.status == 0 && back.stdout.contains("\"rejected\" : 0"), "\(back.output)")
        let ours = try openssl(["x509", "-in", csca, "-noout", "-fingerprint", "-sha256"]).stdout
            .split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").lowercased().trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        let returned = try fingerprints(try border("post", ["trust", "list", "--json"]))
        #expect(returned.subtracting([ours]) == original, "missing \(original.subtracting(returned).count), extra \(returned.subtracting(original).subtracting([ours]).count)")
        #expect(returned.contains(ours))
        let refused = try cli.mohur(["ml", "sign", "--include-country", "ZZ", "--out", cli.state.path("zz.ml")])
        #expect(refused.status == 2 && refused.stderr.contains("ZZ"), "\(refused.output)")
    }

    @Test("pkd export refuses a missing CRL, then writes DER files openssl parses, hashes sha256sum confirms, and an LDIF that re-imports with the same counts")
    func pkdPackage() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let out = cli.state.path("pkd")
        let noCRL = try cli.mohur(["pkd", "export", "--out", out])
        #expect(noCRL.status == 1 && noCRL.stderr.contains("csca-1 has issued no CRL"), "\(noCRL.output)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try cli.mohur(["crl", "issue", "--due"]).status == 0)
        #expect(try cli.mohur(["ds", "rotate"]).status == 0)
        let exported = try cli.mohur(["pkd", "export", "--out", out, "--json"])
        #expect(exported.status == 0, "\(exported.output)")
        let manifest = try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: Any]
        let files = manifest?["files"] as? [[String: Any]] ?? []
        func count(_ kind: String) -> Int { files.filter { $0["kind"] as? String == kind }.count }
        #expect(count("csca") == 1 && count("dsc") == 2 && count("crl") == 1 && count("master-list") == 1 && count("ldif") == 1)

        let sums = try run("sh", ["-c", "cd '\(out)' && sha256sum -c SHA256SUMS"])
        #expect(sums.status == 0 && sums.stdout.components(separatedBy: ": OK").count - 1 == files.count, "\(sums.output)")
        for file in files {
            let path = "\(out)/\(file["path"] as? String ?? "")"
            switch file["kind"] as? String {
            case "csca", "link", "dsc": #expect(try openssl(["x509", "-inform", "DER", "-in", path, "-noout"]).status == 0, "\(path)")
            case "crl": #expect(try openssl(["crl", "-inform", "DER", "-in", path, "-noout"]).status == 0, "\(path)")
            case "master-list": #expect(try openssl(["cms", "-verify", "-noverify", "-inform", "DER", "-in", path, "-out", "/dev/null"]).status == 0)
            default: break
            }
        }
        let csca = cli.state.path("csca.pem")
        #expect(try cli.mohur(["ca", "export", "csca-1", "--out", csca]).status == 0)
        let reimported = try border("post", ["trust", "import", "--ml-root", csca, "\(out)/AZ.ldif", "--json"])
        #expect(reimported.status == 0 && reimported.stdout.contains("\"rejected\" : 0"), "\(reimported.output)")
        let listed = try border("post", ["trust", "list"])
        #expect(listed.stdout.contains("1 crl, 1 csca, 2 dsc"), "\(listed.output)")

        let again = try cli.mohur(["pkd", "export", "--out", out])
        #expect(again.status == 1 && again.stderr.contains("not empty"), "\(again.output)")
        // A revocation since the CRL makes it stale: nothing stale leaves.
        let ds = try cli.json(try cli.mohur(["ca", "show", "ds-1", "--json"])) as? [String: Any]
        let serial = try #require((ds?["certificate"] as? [String: Any])?["serial"] as? String)
        #expect(try cli.mohur(["cert", "revoke", serial, "--reason", "superseded"]).status == 0)
        let stale = try cli.mohur(["pkd", "export", "--out", cli.state.path("pkd2")])
        #expect(stale.status == 1 && stale.stderr.contains("stale"), "\(stale.output)")
    }

    @Test("a deviation list round-trips, and a declared DG2 hash fault becomes a named warning instead of a failure; nothing else is excused")
    func deviationList() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let csca = cli.state.path("csca.pem"), list = cli.state.path("AZ.ml"), dvl = cli.state.path("AZ.dvl")
        #expect(try cli.mohur(["ca", "export", "csca-1", "--out", csca]).status == 0)
        #expect(try cli.mohur(["ml", "sign", "--out", list]).status == 0)
        let worked = vector("gmrtd/icao9303_p10_worked_examples")
        let sod = cli.state.path("EF_SOD.bin")
        #expect(try cli.mohur(["sod", "sign", "--doc-type", "I", "--doc-number", "D23145890", "--dg", "1=\(worked)/EF_DG1.bin",
                               "--dg", "2=\(worked)/EF_DG2.bin", "--out", sod]).status == 0)
        var dg2 = try Vectors.bytes("gmrtd/icao9303_p10_worked_examples/EF_DG2.bin")
        dg2[dg2.count / 2] ^= 0x01
        let badDG2 = try cli.state.write("DG2-bad.bin", dg2)
        let ds = try cli.json(try cli.mohur(["ca", "show", "ds-1", "--json"])) as? [String: Any]
        let serial = try #require((ds?["certificate"] as? [String: Any])?["serial"] as? String)
        let declarations = """
            {"deviations":[{"documentType":"I","documentSigner":"\(serial)","documentNumbers":["D23145890"],
              "descriptions":[{"type":"dg-hash-wrong","dataGroup":2,"description":"DG2 rewritten after personalisation"},
                              {"type":"sod-signature-wrong"}]}]}
            """
        let from = try cli.state.write("deviations.json", declarations)
        let signed = try cli.mohur(["dl", "sign", "--from", from, "--out", dvl])
        #expect(signed.status == 0 && signed.stdout.contains("1 deviations"), "\(signed.output)")
        let content = cli.state.path("dvl.der")
        #expect(try openssl(["cms", "-verify", "-noverify", "-inform", "DER", "-in", dvl, "-out", content]).status == 0)
        #expect(try openssl(["cms", "-cmsout", "-print", "-inform", "DER", "-in", dvl]).stdout.contains("2.23.136.1.1.7"))
        #expect(try openssl(["asn1parse", "-inform", "DER", "-in", content]).stdout.contains("2.23.136.1.1.7.2.2"))

        let dg = ["--dg", "1=\(worked)/EF_DG1.bin", "--dg", "2=\(badDG2)"]
        #expect(try border("post", ["trust", "import", "--ml-root", csca, list]).status == 0)
        let before = try border("post", ["pa", "verify", "--sod", sod] + dg)
        #expect(before.status != 0 && before.stdout.contains("verdict: invalid"), "\(before.output)")
        let imported = try border("post", ["trust", "import", dvl, "--json"])
        #expect(imported.status == 0 && imported.stdout.contains("deviation-list") && imported.stdout.contains("\"added\" : 1"), "\(imported.output)")
        let listed = try border("post", ["trust", "deviations", "--json"])
        let entries = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(entries.count == 1 && entries.first?["documentType"] as? String == "I" && entries.first?["country"] as? String == "AZ"
                && (entries.first?["documentNumbers"] as? [String]) == ["D23145890"]
                && (entries.first?["documentSigner"] as? String) == "serial \(serial)", "\(listed.output)")
        let items = entries.first?["descriptions"] as? [[String: Any]] ?? []
        #expect(Set(items.compactMap { $0["type"] as? String }) == ["dg-hash-wrong", "sod-signature-wrong"]
                && items.contains { $0["parameter"] as? Int == 2 && $0["description"] as? String == "DG2 rewritten after personalisation" })

        let after = try border("post", ["pa", "verify", "--sod", sod] + dg)
        #expect(after.status == 0 && after.stdout.contains("verdict: valid"), "\(after.output)")
        #expect(after.stdout.contains("[WARN] deviation: id-Deviation-LDS-DGHashWrong (DG2) declared by AZ's deviation list")
                && after.stdout.contains("DG2 rewritten after personalisation")
                && after.stdout.contains("id-Deviation-LDS-SODSignatureWrong") && after.stdout.contains("not accepted"), "\(after.output)")
        // Without DG1 the document number cannot be matched: nothing is excused.
        let unmatched = try border("post", ["pa", "verify", "--sod", sod, "--dg", "2=\(badDG2)"])
        #expect(unmatched.stdout.contains("verdict: invalid") && !unmatched.stdout.contains("deviation:"), "\(unmatched.output)")

        // A State without an anchor cannot declare deviations; bad declarations name the problem.
        let stranger = try border("stranger", ["trust", "import", dvl])
        #expect(stranger.status == 1 && stranger.stderr.contains("does not chain"), "\(stranger.output)")
        let unknown = try cli.state.write("bad.json", #"{"deviations":[{"documentNumbers":["X1"],"descriptions":[{"type":"dg-wrong"}]}]}"#)
        let refused = try cli.mohur(["dl", "sign", "--from", unknown, "--out", cli.state.path("bad.dvl")])
        #expect(refused.status == 2 && refused.stderr.contains("'dg-wrong' is unknown"), "\(refused.output)")
        let noDocuments = try cli.state.write("all.json", #"{"deviations":[{"descriptions":[{"type":"chip"}]}]}"#)
        let everything = try cli.mohur(["dl", "sign", "--from", noDocuments, "--out", cli.state.path("all.dvl")])
        #expect(everything.status == 2 && everything.stderr.contains("names no documents"), "\(everything.output)")
    }
}
