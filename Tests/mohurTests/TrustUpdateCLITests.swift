import Foundation
import MohurTestSupport
import Testing

/// Trust updates as a border post meets them: a State's master list arrives again, newer or
/// older. The newer version here is the real German list with every tenth CSCA left out and one
/// new German CSCA added, signed by openssl under a German test anchor; the older is the real
/// German list itself (signed 2026-05-28).
@Suite("trust list updates", .serialized)
struct TrustUpdateCLITests {
    let directory: TemporaryDirectory
    let german = Vectors.root.appendingPathComponent("gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml").path
    let germanRoot = Vectors.root.appendingPathComponent("gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer").path

    init() throws { directory = try TemporaryDirectory("mohur-trust-update") }

    func mohur(_ state: String, _ arguments: [String]) throws -> ProcessResult {
        try run(try CLITests.binary, arguments + ["--state", directory.path(state)])
    }

    /// The newer German list and its test anchor.
    func newerGermanList() throws -> (list: String, anchor: String) {
        let path = directory.path
        let content = path("de-content.der")
        #expect(try openssl(["cms", "-verify", "-noverify", "-inform", "DER", "-in", german, "-out", content]).status == 0)
        let anchor = path("anchor.pem"), anchorKey = path("anchor.key"), mls = path("mls.pem"), mlsKey = path("mls.key")
        try require(openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", anchorKey,
                             "-out", anchor, "-subj", "/C=DE/O=Test/CN=Test CSCA DE", "-days", "30",
                             "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]))
        let added = path("added.der")
        try require(openssl(["x509", "-in", anchor, "-outform", "DER", "-out", added]))
        try require(openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", mlsKey,
                             "-out", path("mls.csr"), "-subj", "/C=DE/O=Test/CN=Test Master List Signer"]))
        let extensions = try directory.write("mls.cnf", "keyUsage=critical,digitalSignature\nextendedKeyUsage=2.23.136.1.1.3\n")
        try require(openssl(["x509", "-req", "-in", path("mls.csr"), "-CA", anchor, "-CAkey", anchorKey, "-CAcreateserial",
                             "-out", mls, "-days", "10", "-extfile", extensions]))
        let newer = path("de-newer-content.der")
        let built = try run("python3", [Vectors.repositoryRoot.appendingPathComponent("Tests/mohurTests/Judges/ml_content.py").path,
                                        content, newer, "--drop-every", "10", "--add", added])
        #expect(built.status == 0 && built.stdout.hasPrefix("588 "), "\(built.output)")
        let list = path("de-newer.ml")
        try require(openssl(["cms", "-sign", "-binary", "-nodetach", "-econtent_type", "2.23.136.1.1.2", "-in", newer, "-signer", mls,
                             "-inkey", mlsKey, "-certfile", anchor, "-md", "sha256", "-outform", "DER", "-out", list]))
        return (list, anchor)
    }

    func require(_ result: ProcessResult) throws {
        guard result.status == 0 else { throw TestFailure(result.output) }
    }

    func summary(_ result: ProcessResult) throws -> [String: Any] {
        let all = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return try #require(all?.first)
    }

    @Test("an older German list after a newer one changes nothing and says so; the same list twice changes nothing")
    func olderAfterNewer() throws {
        let (newer, anchor) = try newerGermanList()
        #expect(try mohur("post", ["trust", "import", "--ml-root", anchor, newer]).status == 0)
        let before = try mohur("post", ["trust", "list"]).stdout.split(separator: "\n").last
        let older = try mohur("post", ["trust", "import", "--ml-root", germanRoot, german, "--json"])
        #expect(older.status == 0, "\(older.output)")
        let reason = try summary(older)["unchanged"] as? String ?? ""
        #expect(reason.contains("older than the one imported") && reason.contains("signed 2026-05-28") && reason.contains("nothing changed"), "\(reason)")
        #expect(try summary(older)["added"] as? Int == 0)
        #expect(try mohur("post", ["trust", "list"]).stdout.split(separator: "\n").last == before)
        let text = try mohur("post", ["trust", "import", "--ml-root", anchor, newer])
        #expect(text.stdout.contains("the same master-list of DE was imported") && text.stdout.contains("nothing changed"), "\(text.output)")
    }

    @Test("a newer German list after the older reports per country what it added and removed, and writes only that")
    func newerAfterOlder() throws {
        let (newer, anchor) = try newerGermanList()
        let first = try mohur("post", ["trust", "import", "--ml-root", germanRoot, german, "--json"])
        #expect(try summary(first)["added"] as? Int == 588, "\(first.output)")
        let update = try mohur("post", ["trust", "import", "--ml-root", anchor, newer, "--json"])
        #expect(update.status == 0, "\(update.output)")
        let result = try summary(update)
        #expect(result["added"] as? Int == 1 && result["alreadyPresent"] as? Int == 529, "\(update.output)")
        let changes = result["changes"] as? [[String: Any]] ?? []
        let removed = changes.reduce(0) { $0 + ($1["removed"] as? Int ?? 0) + ($1["superseded"] as? Int ?? 0) }
        #expect(removed == 59, "\(changes)")
        let germany = changes.first { $0["country"] as? String == "DE" }
        #expect(germany?["added"] as? Int == 1 && (germany?["details"] as? [String])?.contains { $0.contains("added CSCA C=DE, O=Test") } == true)
        #expect(changes.count > 20)
        // The officer's text names the States and the changed CSCAs.
        let text = try mohur("again", ["trust", "import", "--ml-root", germanRoot, german])
        #expect(text.status == 0)
        let printed = try mohur("again", ["trust", "import", "--ml-root", anchor, newer])
        #expect(printed.stdout.contains("  DE: 1 added") && printed.stdout.contains("removed CSCA"), "\(printed.output)")
        // The store still holds what the list left out: documents those CSCAs signed stay verifiable.
        let counts = try mohur("post", ["trust", "list", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(counts.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 589)
    }

    @Test("bundles are signed in the HSM by a trust-distribution certificate the root issued; versions only increase; a post refuses an older one, another root and a lookalike")
    func bundles() throws {
        let cli = try CLITests()
        #expect(try cli.mohur(["init"]).status == 0)
        #expect(try cli.mohur(["trust", "import", "--ml-root", germanRoot, german]).status == 0)
        let (first, second) = (directory.path("1.bundle"), directory.path("2.bundle"))
        let exported = try cli.mohur(["trust", "export", "--out", first])
        #expect(exported.status == 0 && exported.stdout.contains("version 1") && exported.stdout.contains("HSM"), "\(exported.output)")
        #expect(try cli.mohur(["trust", "export", "--out", second]).stdout.contains("version 2"))
        let root = directory.path("root.pem")
        #expect(try cli.mohur(["ca", "export", "root", "--out", root]).status == 0)
        // The signer is a level-1 certificate of the root, with the trust-distribution purpose only.
        let shown = try cli.json(try cli.mohur(["ca", "show", "trust-distribution-1", "--json"])) as? [String: Any]
        let serial = try #require((shown?["certificate"] as? [String: Any])?["serial"] as? String)
        let signer = directory.path("td.pem")
        #expect(try cli.mohur(["ca", "export", "trust-distribution-1", "--out", signer]).status == 0)
        let verified = try openssl(["verify", "-CAfile", root, "-purpose", "any", signer])
        #expect(verified.status == 0 && verified.stdout.contains("OK"), "\(verified.output)")
        let text = try openssl(["x509", "-in", signer, "-noout", "-text", "-serial"])
        #expect(text.stdout.contains("1.3.6.1.4.1.59599.1.3.1") && text.stdout.contains("serial=\(serial.uppercased())"), "\(text.output)")
        let tail = try cli.json(try cli.mohur(["audit", "tail", "--json"])) as? [[String: Any]] ?? []
        let entries = tail.compactMap { ($0["entry"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } }
        #expect(entries.contains { $0["op"] as? String == "ca.create" && $0["target"] as? String == "trust-distribution" }, "\(tail)")
        #expect(entries.filter { $0["op"] as? String == "trust.export" }.count == 2, "\(tail)")

        let noRoot = try mohur("post", ["trust", "import-bundle", second])
        #expect(noRoot.status == 2 && noRoot.stderr.contains("--root"), "\(noRoot.output)")
        let germanAsRoot = try mohur("post", ["trust", "import-bundle", "--root", germanRoot, second])
        #expect(germanAsRoot.status == 1 && germanAsRoot.stderr.contains("not certified by the root"), "\(germanAsRoot.output)")
        let installed = try mohur("post", ["trust", "import-bundle", "--root", root, second])
        #expect(installed.status == 0 && installed.stdout.contains("version 2"), "\(installed.output)")
        let older = try mohur("post", ["trust", "import-bundle", first])
        #expect(older.status == 1 && older.stderr.contains("not above the installed version 2"), "\(older.output)")
        let sod = Vectors.root.appendingPathComponent("gmrtd/sod/DE/EF_SOD.bin").path
        let checked = try mohur("post", ["pa", "verify", "--sod", sod, "--at", "2024-01-01"])
        #expect(checked.status == 0 && checked.stdout.hasPrefix("verdict: valid"), "\(checked.output)")
        var forged = try Array(Data(contentsOf: URL(fileURLWithPath: second)))
        forged[forged.count - 10] ^= 0x01
        let third = try directory.write("3.bundle", forged)
        let refused = try mohur("post", ["trust", "import-bundle", third])
        #expect(refused.status == 1, "\(refused.output)")
    }
}
