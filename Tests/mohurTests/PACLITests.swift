import Foundation
import MohurTestSupport
import Testing

/// `mohur trust …` and `mohur pa verify` as a border post runs them: only `--state`, no CA.
@Suite("mohur trust and pa at a border post", .serialized)
struct PACLITests {
    let state: TemporaryDirectory
    init() throws { state = try TemporaryDirectory("mohur-pa-cli") }

    func mohur(_ arguments: [String]) throws -> ProcessResult {
        try run(try CLITests.binary, arguments + ["--state", state.path("post")])
    }

    func vector(_ path: String) -> String { Vectors.root.appendingPathComponent(path).path }

    @Test func importsMasterListThenVerifiesAGermanPassport() throws {
        let imported = try mohur(["trust", "import", "--ml-root", vector("gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer"),
                                  vector("gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml"), "--json"])
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.stdout.contains("\"added\" : 588"))
        let valid = try mohur(["pa", "verify", "--sod", vector("gmrtd/sod/DE/EF_SOD.bin"), "--at", "2024-01-01"])
        #expect(valid.status == 0, "\(valid.output)")
        #expect(valid.stdout.hasPrefix("verdict: valid"))
        let corrupted = try mohur(["pa", "verify", "--sod", vector("gmrtd/negative/DE_EF_SOD_sig_corrupted_lastbyte.bin"),
                                   "--at", "2024-01-01", "--json"])
        #expect(corrupted.status == 1)
        #expect(corrupted.stdout.contains("\"verdict\" : \"invalid\""))
    }

    @Test func unknownCSCAExitsOneAndBadInputExitsTwo() throws {
        let unknown = try mohur(["pa", "verify", "--sod", vector("gmrtd/sod/FR/EF_SOD.bin")])
        #expect(unknown.status == 1)
        #expect(unknown.stdout.hasPrefix("verdict: indeterminate"))
        let bad = try mohur(["pa", "verify", "--sod", vector("gmrtd/sod/FR/DSC.der")])
        #expect(bad.status == 2, "\(bad.output)")
        let refused = try mohur(["trust", "import", vector("gmrtd/masterlists/NL_ML_2026-07-22.ml")])
        #expect(refused.status == 1, "a master list without a trusted root is refused: \(refused.output)")
    }

    @Test func flagsAnUnlistedDataGroup() throws {
        let dir = "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset"
        let result = try mohur(["pa", "verify", "--sod", vector("\(dir)/EF_SOD.bin"), "--dg", "1=\(vector("\(dir)/Datagroup1.bin"))",
                                "--dg", "15=\(vector("\(dir)/Datagroup15.bin"))"])
        #expect(result.stdout.contains("[PASS] data-group-hash: DG1"))
        #expect(result.stdout.contains("[FAIL] data-group-not-listed: DG15") && result.stdout.hasPrefix("verdict: invalid"), "\(result.output)")
        #expect(result.status == 1)
    }

    @Test("a data group EF.SOD does not list makes a valid German passport invalid; the lab switch makes it a warning")
    func injectedDataGroupIsInvalid() throws {
        let imported = try mohur(["trust", "import", "--ml-root", vector("gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer"),
                                  vector("gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml")])
        #expect(imported.status == 0, "\(imported.output)")
        let base = ["pa", "verify", "--sod", vector("gmrtd/sod/DE/EF_SOD.bin"), "--at", "2024-01-01"]
        #expect(try mohur(base).stdout.hasPrefix("verdict: valid"))
        // DG13 (optional details) read from the chip, but this SOD lists no DG13.
        let injected = base + ["--dg", "13=\(vector("gmrtd/icao9303_p10_worked_examples/EF_DG13.bin"))"]
        let refused = try mohur(injected)
        #expect(refused.status == 1 && refused.stdout.hasPrefix("verdict: invalid")
                && refused.stdout.contains("[FAIL] data-group-not-listed: DG13") && refused.stdout.contains("injected"), "\(refused.output)")
        let lab = try mohur(injected + ["--allow-unlisted-dg"])
        #expect(lab.status == 0 && lab.stdout.hasPrefix("verdict: valid") && lab.stdout.contains("[WARN] data-group-not-listed: DG13"), "\(lab.output)")
    }

    @Test("--ml-root-sha256 pins a master list's root by the fingerprint openssl prints; a wrong pin is refused and imports nothing")
    func pinnedMasterListRoot() throws {
        let root = vector("gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer")
        let printed = try openssl(["x509", "-inform", "DER", "-in", root, "-noout", "-fingerprint", "-sha256"]).stdout
        let fingerprint = try #require(printed.split(separator: "=").last).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(fingerprint.contains(":"), "openssl prints colon-separated upper-case hex: \(printed)")
        let list = vector("gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml")
        let wrong = try mohur(["trust", "import", "--ml-root-sha256", String(repeating: "ab", count: 32), list])
        #expect(wrong.status == 1 && wrong.output.contains("pinned SHA-256 fingerprint"), "\(wrong.output)")
        #expect(try mohur(["trust", "list"]).stdout.contains("CSCA") == false, "nothing was imported")
        let malformed = try mohur(["trust", "import", "--ml-root-sha256", "12:34", list])
        #expect(malformed.status == 2 && malformed.stderr.contains("--ml-root-sha256 12:34"), "\(malformed.output)")
        let pinned = try mohur(["trust", "import", "--ml-root-sha256", fingerprint, list, "--json"])
        #expect(pinned.status == 0 && pinned.stdout.contains("\"added\" : 588"), "\(pinned.output)")
        let valid = try mohur(["pa", "verify", "--sod", vector("gmrtd/sod/DE/EF_SOD.bin"), "--at", "2024-01-01"])
        #expect(valid.stdout.hasPrefix("verdict: valid"), "\(valid.output)")
    }

    @Test("a valid passport without a CRL of its CSCA says revocation unknown; --require-revocation makes that exit 1")
    func revocationUnknownIsVisible() throws {
        #expect(try mohur(["trust", "import", "--ml-root", vector("gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer"),
                           vector("gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml")]).status == 0)
        let base = ["pa", "verify", "--sod", vector("gmrtd/sod/DE/EF_SOD.bin"), "--at", "2024-01-01"]
        let plain = try mohur(base)
        #expect(plain.status == 0 && plain.stdout.hasPrefix("verdict: valid, revocation unknown"), "\(plain.output)")
        let json = try JSONSerialization.jsonObject(with: Data(try mohur(base + ["--json"]).stdout.utf8)) as? [String: Any]
        #expect(json?["verdict"] as? String == "valid" && json?["revocation"] as? String == "unknown", "\(String(describing: json))")
        let strict = try mohur(base + ["--require-revocation"])
        #expect(strict.status == 1 && strict.stdout.hasPrefix("verdict: valid, revocation unknown"), "\(strict.output)")
    }

    @Test("pa verify --mrz compares DG1 with the page's MRZ lines; a page of another document is invalid; a malformed MRZ exits 2")
    func mrzAgainstThePage() throws {
        let dir = "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset"
        let dg1 = Array(try Data(contentsOf: URL(fileURLWithPath: vector("\(dir)/Datagroup1.bin"))))
        // DG1 is 61 L 5F1F L MRZ: the MRZ is its last 88 (TD3), 90 (TD1) or 72 (TD2) characters.
        let length = Int(dg1[dg1.count > 4 ? 4 : 0])
        let mrz = String(decoding: dg1.suffix(length), as: UTF8.self)
        let lineLength = length == 90 ? 30 : length / 2
        let lines = stride(from: 0, to: mrz.count, by: lineLength).map { String(Array(mrz)[$0..<min($0 + lineLength, mrz.count)]) }
        let base = ["pa", "verify", "--sod", vector("\(dir)/EF_SOD.bin"), "--dg", "1=\(vector("\(dir)/Datagroup1.bin"))"]
        let same = try mohur(base + lines.flatMap { ["--mrz", $0] })
        #expect(same.stdout.contains("[PASS] mrz-match"), "\(same.output)")
        // The page of another document: the first digit of the MRZ (in the document number) changed.
        var other = lines
        let row = try #require(other.firstIndex { $0.contains { $0.isNumber } })
        var characters = Array(other[row])
        let digit = try #require(characters.firstIndex { $0.isNumber })
        characters[digit] = characters[digit] == "1" ? "2" : "1"
        other[row] = String(characters)
        let differs = try mohur(base + other.flatMap { ["--mrz", $0] })
        #expect(differs.status == 1 && differs.stdout.hasPrefix("verdict: invalid") && differs.stdout.contains("[FAIL] mrz-match"), "\(differs.output)")
        let malformed = try mohur(base + ["--mrz", "P<AZE"])
        #expect(malformed.status == 2 && malformed.stderr.contains("--mrz"), "\(malformed.output)")
    }
}
