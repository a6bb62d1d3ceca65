import Foundation
import MohurTestSupport
import OpenSSLKit
import Testing

/// Officers, permission certificates and the decision point through the officer's commands.
@Suite("mohur officers and permissions", .serialized)
struct OfficerCLITests {
    let cli: CLITests

    init() throws { cli = try CLITests() }

    func entries() throws -> [String] {
        (try cli.json(try cli.mohur(["audit", "tail", "--json", "-c", "200"])) as? [[String: Any]] ?? []).compactMap { $0["entry"] as? String }
    }

    func fingerprint(_ pemPath: String) throws -> String {
        let certificate = try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: pemPath))))
        return Digest.hex(certificate.fingerprintSHA256)
    }

    @Test("after an officer logs in, journal entries name that officer; log-out is journaled; an SBS officer reading the journal is refused and the refusal is journaled")
    func sessionsNameTheOfficerAndAnnexTwoGuardsTheJournal() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let officer = try cli.enrollOfficer("Kamran Guliyev", agency: "MIA", role: "security-officer")
        let login = try cli.mohur(["login", "--as", officer.certificate, "--key", officer.key])
        #expect(login.status == 0 && login.stdout.contains("Kamran Guliyev"), "\(login.output)")
        let whoami = try cli.mohur(["whoami"])
        #expect(whoami.stdout.contains("security-officer") && whoami.stdout.contains("op:cert-manage"), "\(whoami.output)")
        #expect(try cli.mohur(["crl", "issue", "--ca", "segment-SBS"]).status == 0)
        #expect(try cli.mohur(["logout"]).status == 0)
        let kamran = try fingerprint(officer.certificate)
        let journal = try entries()
        let crl = try #require(journal.last { $0.contains(#""op":"ca.crl""#) })
        #expect(crl.contains(#""cert":"\#(kamran)""#) && crl.contains(#""agency":"MIA""#), "\(crl)")
        #expect(journal.contains { $0.contains(#""op":"session.logout""#) && $0.contains(kamran) })

        let border = try cli.mohur(["officer", "enroll", "--agency", "SBS", "--name", "Border Officer", "--role", "border-officer",
                                    "--csr", cli.state.path("Kamran-Guliyev.csr"), "--out", cli.state.path("sbs.pem")])
        #expect(border.status == 0, "\(border.output)")
        let refused = try cli.mohur(["audit", "tail", "--as", cli.state.path("sbs.pem"), "--as-key", officer.key])
        #expect(refused.status == 1 && refused.stderr.contains("may not use audit-read"), "\(refused.output)")
        let sbs = try fingerprint(cli.state.path("sbs.pem"))
        let refusal = try #require(try entries().last { $0.contains(#""op":"authz.audit-read""#) })
        #expect(refusal.contains(#""category":"permission-exceeded""#) && refusal.contains(sbs) && refusal.contains(#""agency":"SBS""#), "\(refusal)")
        // The journal still verifies, and its proof for the refusal too.
        #expect(try cli.mohur(["audit", "verify"]).status == 0)
    }

    @Test("perm issue, show and check: the agency's row by default, more is refused (exit 1), bad input exits 2 naming it")
    func permissionCertificates() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let (_, csr) = try cli.keyAndRequest("gw", commonName: "border-gateway")
        let out = cli.state.path("gw.pem")
        let subject = "CN=border-gateway,OU=SBS,O=IAMAS,C=AZ"
        let issued = try cli.mohur(["perm", "issue", "--agency", "SBS", "--subject", subject, "--csr", csr, "--out", out])
        #expect(issued.status == 0, "\(issued.output)")
        let show = try cli.json(try cli.mohur(["perm", "show", out, "--json"])) as? [String: Any]
        #expect(show?["agency"] as? String == "SBS" && (show?["rights"] as? String)?.contains("BCR:write") == true, "\(String(describing: show))")
        // The default is the annex-2 row only: a system gets no Mohur operation it was not given by name.
        #expect((show?["rights"] as? String)?.contains("op:") == false, "\(String(describing: show))")
        let read = try cli.mohur(["perm", "check", out, "--resource", "BCR", "--right", "read"])
        #expect(read.status == 0 && read.stdout.hasPrefix("allowed"), "\(read.output)")
        let audit = try cli.mohur(["perm", "check", out, "--operation", "audit-read"])
        #expect(audit.status == 1 && audit.stdout.hasPrefix("refused"), "\(audit.output)")

        let more = try cli.mohur(["perm", "issue", "--agency", "SBS", "--subject", subject, "--csr", csr, "--rights", "CIT:read,AUD:write"])
        #expect(more.status == 1 && more.stderr.contains("AUD:write"), "\(more.output)")
        #expect(try entries().last?.contains(#""category":"permission-exceeded""#) == true)
        for (arguments, named) in [(["--agency", "XYZ", "--rights", "CIT:read"], "XYZ"), (["--agency", "SBS", "--rights", "QQQ:read"], "QQQ"),
                                   (["--agency", "SBS", "--rights", "CIT:erase"], "erase")] {
            let bad = try cli.mohur(["perm", "issue", "--subject", subject, "--csr", csr] + arguments)
            #expect(bad.status == 2 && bad.stderr.contains(named), "\(bad.output)")
        }
        let badRole = try cli.mohur(["officer", "enroll", "--agency", "SBS", "--name", "X", "--role", "janitor", "--csr", csr])
        #expect(badRole.status == 2 && badRole.stderr.contains("janitor"), "\(badRole.output)")
        // A request whose signature does not verify: the public key of another request spliced in.
        var tampered = try CertificationRequestBytes.der(csr)
        tampered[tampered.count - 5] ^= 0x01
        let forged = try cli.state.write("forged.csr", tampered)
        let pop = try cli.mohur(["perm", "issue", "--agency", "SBS", "--subject", subject, "--csr", forged])
        #expect(pop.status == 2 && pop.stderr.contains("proof of possession"), "\(pop.output)")
    }
}

enum CertificationRequestBytes {
    /// The DER of a PEM certification request, through the openssl CLI.
    static func der(_ path: String) throws -> [UInt8] {
        let result = try openssl(["req", "-in", path, "-outform", "DER"])
        guard result.status == 0 else { throw TestFailure(result.output) }
        return result.stdoutData
    }
}
