import Foundation
import MohurTestSupport
import OpenSSLKit
import Testing

/// Drives the built `mohur` binary as an officer would, each run in its own process (and so
/// with its own SoftHSM2 token under a temporary state directory).
@Suite("mohur officer CLI", .serialized)
struct CLITests {
    static var binary: String {
        get throws {
            let candidates = [
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mohur").path,
                Vectors.repositoryRoot.appendingPathComponent(".build/debug/mohur").path,
            ]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw TestFailure("the mohur binary was not built (looked in \(candidates)); run `swift build` first")
            }
            return found
        }
    }

    let state: TemporaryDirectory

    init() throws { state = try TemporaryDirectory("mohur-cli") }

    /// Runs `mohur` on this state; with `timeout`, killed after that many seconds (exit 124), so
    /// that a test of something that could hang fails instead.
    @discardableResult
    func mohur(_ arguments: [String], timeout: Int? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
        let root = Vectors.repositoryRoot.path
        let command = [try Self.binary] + arguments + ["--state", state.path("s"), "--profiles", "\(root)/CA/hierarchy.json",
                                                        "--access-matrix", "\(root)/CA/agency-access.tsv"]
        let limited = timeout.map { ["timeout", "-s", "KILL", "\($0)"] + command } ?? command
        return try run(limited[0], Array(limited.dropFirst()), environment: ["MOHUR_HSM_PIN": ""].merging(environment) { $1 })
    }

    /// A P-256 key and a PKCS#10 request for it, made by the openssl CLI, under the state's
    /// temporary directory as `<tag>.key` and `<tag>.csr`.
    func keyAndRequest(_ tag: String, commonName: String) throws -> (key: String, csr: String) {
        let key = state.path("\(tag).key"), csr = state.path("\(tag).csr")
        let request = try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                                   "-out", csr, "-subj", "/CN=\(commonName)"])
        guard request.status == 0 else { throw TestFailure(request.output) }
        return (key, csr)
    }

    /// Enrols an officer whose key the openssl CLI made (a file key, as development allows).
    func enrollOfficer(_ name: String, agency: String, role: String) throws -> (certificate: String, key: String) {
        let tag = name.replacingOccurrences(of: " ", with: "-")
        let (key, csr) = try keyAndRequest(tag, commonName: name)
        let certificate = state.path("\(tag).pem")
        let enrolled = try mohur(["officer", "enroll", "--agency", agency, "--name", name, "--role", role, "--csr", csr, "--out", certificate])
        guard enrolled.status == 0 else { throw TestFailure(enrolled.output) }
        return (certificate, key)
    }

    func json(_ result: ProcessResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    @Test("init creates the hierarchy in a SoftHSM2 token, a second init reuses it, and hsm status shows non-extractable keys")
    func initAndReuse() throws {
        let first = try mohur(["init"])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.stdout.contains("Created the IAMAS hierarchy"))
        #expect(first.stdout.contains("IAMAS Central Root CA") && first.stdout.contains("segment-MIA") && first.stdout.contains("csca-1"))
        let second = try mohur(["init"])
        #expect(second.status == 0 && second.stdout.contains("Reusing existing state"), "\(second.output)")
        let list = try json(try mohur(["ca", "list", "--json"])) as? [[String: Any]]
        #expect(list?.count == 20)
        let status = try mohur(["hsm", "status", "--json"])
        #expect(status.status == 0, "\(status.output)")
        let keys = (try json(status) as? [String: Any])?["keys"] as? [[String: Any]] ?? []
        #expect(keys.count == 25, "20 authority keys, the journal key and the four development officers' keys")
        #expect(keys.allSatisfy { $0["extractable"] as? Bool == false && $0["sensitive"] as? Bool == true && $0["present"] as? Bool == true })
        // The PIN never reaches the database.
        let pin = try String(contentsOfFile: state.path("s/dev-user-pin"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let db = try Data(contentsOf: URL(fileURLWithPath: state.path("s/mohur.sqlite")))
        #expect(db.range(of: Data(pin.utf8)) == nil)
    }

    @Test("export, revoke and CRL issue work end to end; openssl accepts the exported chain and the CRL")
    func exportRevokeCRL() throws {
        try mohur(["init"])
        let chain = state.path("segment-chain.pem")
        #expect(try mohur(["ca", "export", "segment-MFA", "--chain", "--out", chain]).status == 0)
        let split = try Certificate.parseAllPEM(Array(try Data(contentsOf: URL(fileURLWithPath: chain))))
        #expect(split.count == 2)
        let rootPEM = try state.write("root.pem", try split[1].pem())
        let leafPEM = try state.write("leaf.pem", try split[0].pem())
        // The segment carries the critical IAMAS permission extension: a relying party that does not
        // understand it must refuse the certificate (RFC 5280 §4.2), and OpenSSL does.
        let strict = try openssl(["verify", "-CAfile", rootPEM, leafPEM])
        #expect(strict.status != 0 && strict.output.contains("unhandled critical extension"), "\(strict.output)")
        #expect(try openssl(["verify", "-ignore_critical", "-CAfile", rootPEM, leafPEM]).status == 0)

        let ds = (try json(try mohur(["ca", "show", "ds-1", "--json"])) as? [String: Any])?["certificate"] as? [String: Any]
        let serial = try #require(ds?["serial"] as? String)
        let revoke = try mohur(["cert", "revoke", serial, "--reason", "keyCompromise"])
        #expect(revoke.status == 0, "\(revoke.output)")
        let again = try mohur(["cert", "revoke", serial, "--reason", "keyCompromise"])
        #expect(again.status == 1 && again.stderr.contains("already revoked"), "\(again.output)")
        let crlPath = state.path("csca.crl")
        let crl = try mohur(["crl", "issue", "--ca", "csca-1", "--out", crlPath])
        #expect(crl.status == 0, "\(crl.output)")
        let cscaPEM = state.path("csca.pem")
        #expect(try mohur(["ca", "export", "csca-1", "--out", cscaPEM]).status == 0)
        let check = try openssl(["crl", "-in", crlPath, "-CAfile", cscaPEM, "-noout", "-text"])
        #expect(check.output.contains("verify OK") && check.output.uppercased().contains(serial.uppercased()), "\(check.output)")
        let tooSoon = try mohur(["crl", "issue", "--ca", "csca-1"])
        #expect(tooSoon.status == 1 && tooSoon.stderr.contains("48 hours"), "\(tooSoon.output)")
    }

    @Test("rollover under dual control and rotation through the CLI; bad input exits 2 naming the input")
    func rolloverRotateAndErrors() throws {
        try mohur(["init"])
        let link = state.path("link.pem")
        let rollover = try mohur(["csca", "rollover"])
        #expect(rollover.status == 0 && rollover.stdout.contains("pending: 1 of 2 approvals"), "\(rollover.output)")
        let second = try enrollOfficer("Second Officer", agency: "MIA", role: "security-officer")
        let granted = try mohur(["approve", "grant", "1", "--out", link, "--as", second.certificate, "--as-key", second.key])
        #expect(granted.status == 0 && granted.stdout.contains("csca-2 created"), "\(granted.output)")
        #expect(try openssl(["x509", "-in", link, "-noout"]).status == 0)
        let rotate = try mohur(["ds", "rotate", "--json"])
        #expect(rotate.status == 0, "\(rotate.output)")
        #expect(try mohur(["ds", "status", "--doc-type", "P"]).stdout.contains("ds-2"))
        let unknown = try mohur(["ca", "show", "nosuch"])
        #expect(unknown.status == 2 && unknown.stderr.contains("nosuch"), "\(unknown.output)")
        let missing = try mohur(["cert", "issue", "--ca", "csca-2", "--role", "document-signer", "--csr", "/nonexistent.csr"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent.csr"), "\(missing.output)")
        let badRole = try mohur(["cert", "issue", "--ca", "csca-2", "--role", "emperor", "--csr", "x"])
        #expect(badRole.status == 2, "\(badRole.output)")
        let garbage = try state.write("garbage.csr", "not a request")
        let bad = try mohur(["cert", "issue", "--ca", "csca-2", "--role", "document-signer", "--csr", garbage])
        #expect(bad.status == 2, "\(bad.output)")
    }

    @Test("crl due lists what a fresh state must issue, crl issue --due issues it, and status stays healthy")
    func crlSchedule() throws {
        try mohur(["init"])
        let status = try mohur(["status"])
        #expect(status.status == 0 && status.stdout.hasPrefix("healthy"), "\(status.output)")
        let due = try mohur(["crl", "due"])
        #expect(due.status == 0 && due.stdout.contains("csca-1  csca  no CRL issued yet") && due.stdout.contains("root  root"), "\(due.output)")
        let issued = try mohur(["crl", "issue", "--due", "--json"])
        let records = (try? json(issued)) as? [[String: Any]] ?? []
        #expect(issued.status == 0 && records.count == due.stdout.split(separator: "\n").count, "\(issued.output)")
        #expect(records.contains { $0["authority"] as? String == "csca-1" && $0["crlNumber"] as? Int == 1 })
        #expect(try mohur(["crl", "due"]).stdout.contains("no CRL is due within 14 days"))
        let both = try mohur(["crl", "issue", "--ca", "csca-1", "--due"])
        #expect(both.status == 2 && both.stderr.contains("--ca NAME or --due"), "\(both.output)")
    }

    @Test("--help teaches the commands and exit codes")
    func help() throws {
        let help = try run(try Self.binary, ["--help"])
        #expect(help.status == 0)
        for word in ["init", "ca", "cert", "crl", "csca", "ds", "hsm", "Exit status", "MOHUR_HSM_PIN"] {
            #expect(help.stdout.contains(word), "--help lacks \(word)")
        }
    }
}

/// The binary carries its profile and tables: it works from any directory with no flags.
@Suite("mohur away from the repository")
struct DeployedCLITests {
    @Test("init and ca list work when run from / with only a state directory; the built-in tables equal the CA/ files")
    func runsFromRoot() throws {
        let state = try TemporaryDirectory("mohur-root")
        let binary = try CLITests.binary
        let initialised = try run(binary, ["init", "--state", state.path("s")], directory: "/")
        #expect(initialised.status == 0 && initialised.stdout.contains("Created the IAMAS hierarchy"), "\(initialised.output)")
        let list = try run(binary, ["ca", "list", "--state", state.path("s")], directory: "/")
        #expect(list.status == 0 && list.stdout.contains("segment-CCI"), "\(list.output)")
        // Stored paths are absolute: the state works from another directory too.
        let config = try String(contentsOfFile: state.path("s/config.json"), encoding: .utf8)
        #expect(config.contains("\"pinFile\" : \"/") && !config.contains("\"./"), "\(config)")
        let tmp = try run(binary, ["hsm", "status", "--state", state.path("s")], directory: NSTemporaryDirectory())
        #expect(tmp.status == 0, "\(tmp.output)")
    }
}

/// `make install` under a temporary prefix: the installed binary works from / with no flags.
@Suite("make install")
struct InstallTests {
    @Test("installed under a temporary prefix, mohur init and mohur ca list work from / with no flags; the unit names the installed binary")
    func installedBinaryRunsFromRoot() throws {
        let prefix = try TemporaryDirectory("mohur-prefix")
        let state = try TemporaryDirectory("mohur-installed-state")
        let installed = try run("make", ["-s", "-C", Vectors.repositoryRoot.path, "install-files", "PREFIX=\(prefix.path("usr"))",
                                         "MOHUR_BIN=\(try CLITests.binary)"])
        #expect(installed.status == 0, "\(installed.output)")
        let binary = prefix.path("usr/bin/mohur")
        let environment = ["MOHUR_STATE": state.path("s")]
        let initialised = try run(binary, ["init"], environment: environment, directory: "/")
        #expect(initialised.status == 0 && initialised.stdout.contains("Created the IAMAS hierarchy"), "\(initialised.output)")
        let list = try run(binary, ["ca", "list"], environment: environment, directory: "/")
        #expect(list.status == 0 && list.stdout.contains("csca-1") && list.stdout.contains("segment-SBS"), "\(list.output)")
        let unit = try String(contentsOfFile: prefix.path("usr/lib/systemd/system/mohur@.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=\(prefix.path("usr"))/bin/mohur serve --role %i"))
        #expect(FileManager.default.fileExists(atPath: prefix.path("usr/share/mohur/openapi.yaml")))
    }
}
