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
}
