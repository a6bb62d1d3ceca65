import Authz
import CA
import HSM
import Foundation
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PKITestSupport
import Testing

/// Annex 2 through the decision point: certificates issued from the matrix, judged cell by
/// cell against the rules' own table read independently of Mohur's parser.
@Suite("Permission certificates and the decision point", .serialized)
struct PermissionMatrixTests {
    /// Annex 2 as `../shared/docs/agency-access.tsv` states it, read without Mohur's code:
    /// agency → resource → rights.
    static func annexTwo() throws -> [String: [String: Set<String>]] {
        let path = Vectors.root.deletingLastPathComponent().appendingPathComponent("docs/agency-access.tsv").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw TestFailure("\(path) is missing") }
        var table: [String: [String: Set<String>]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("code\t") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var row: [String: Set<String>] = [:]
            for (column, right) in [(3, "write"), (4, "read"), (5, "read-restricted")] where f[column] != "-" {
                for resource in f[column].split(separator: ",") { row[String(resource), default: []].insert(right) }
            }
            table[f[0]] = row
        }
        return table
    }

    /// A key on the fixture's token for a certificate's holder.
    static func tokenKey(_ f: PKIFixture, _ label: String) throws -> String {
        try f.pki.keys.generate(.ec(.p256), label: "\(label)-\(Digest.hex(try randomBytes(3)))").keyReference
    }

    @Test("certificates for all 15 agencies allow exactly the annex-2 cells: every agency × resource × right")
    func everyCellOfAnnexTwo() throws {
        let f = try PKIFixture()
        let authorizer = try Authorizer(pki: f.pki)
        let table = try Self.annexTwo()
        #expect(table.count == 15)
        var checked = 0
        for (code, row) in table.sorted(by: { $0.key < $1.key }) {
            let record = try f.pki.issuePermissionCertificate(PermissionIssuanceRequest(
                agency: code, holder: .subsystem(subject: try DistinguishedName(parsing: "CN=\(code.lowercased())-gateway,OU=\(code),O=IAMAS,C=AZ")),
                key: .keyReference(try Self.tokenKey(f, "sub-\(code)"))))
            let identity = try authorizer.validate(try Certificate(derEncoded: record.der))
            #expect(identity.agency == code)
            for resource in InformationResource.allCases {
                for right in PermissionRight.allCases {
                    let expected = row[resource.rawValue]?.contains(right.rawValue) ?? false
                    let decision = authorizer.decide(identity, .resource(resource, right))
                    #expect(decision.allowed == expected, "\(code) \(right.rawValue) \(resource.rawValue): \(decision.reason)")
                    checked += 1
                }
            }
        }
        #expect(checked == 15 * 6 * 3)
    }

    @Test("a subsystem certificate asking for more than its agency row is refused, journaled, and nothing is stored")
    func refusesExcessAtIssuance() throws {
        let sink = RecordingAuditSink()
        let f = try PKIFixture(audit: sink)
        let before = try f.repository.certificates().count
        let request = PermissionIssuanceRequest(
            agency: "SBS", holder: .subsystem(subject: try DistinguishedName(parsing: "C=AZ, O=IAMAS, OU=SBS, CN=gateway")),
            key: .keyReference(try Self.tokenKey(f, "sbs")), permissions: try PermissionSet.parse(specification: "BCR:write,AUD:write"))
        let error = try #require(throws: MohurError.self) { try f.pki.issuePermissionCertificate(request) }
        #expect(error.code == .refusedByPolicy && error.reason.contains("AUD:write") && !error.reason.contains("BCR"), "\(error)")
        #expect(try f.repository.certificates().count == before)
        let refusal = try #require(sink.actions.last)
        #expect(refusal.category == .permissionExceeded && refusal.operation == "perm.issue" && refusal.outcome == .refused)
        // An officer role narrows further: a border officer may not hold audit operations.
        let officer = PermissionIssuanceRequest(agency: "MIA", holder: .officer(name: "Test Officer", role: .borderOfficer),
                                                key: .keyReference(try Self.tokenKey(f, "off")),
                                                permissions: try PermissionSet.parse(specification: "CIT:read,op:audit-read"))
        #expect(throws: MohurError.self) { try f.pki.issuePermissionCertificate(officer) }
    }

    @Test("unknown agencies, resources, rights and roles are bad input naming them")
    func badInputNamesTheProblem() throws {
        let f = try PKIFixture()
        let unknownAgency = PermissionIssuanceRequest(agency: "XYZ", holder: .subsystem(subject: try DistinguishedName(parsing: "C=AZ, O=IAMAS, CN=x")),
                                                      key: .keyReference(try Self.tokenKey(f, "x")))
        let error = try #require(throws: MohurError.self) { try f.pki.issuePermissionCertificate(unknownAgency) }
        #expect(error.code == .badInput && error.reason.contains("XYZ"))
        for (spec, named) in [("ZZZ:read", "ZZZ"), ("CIT:erase", "erase"), ("op:launch", "launch"), ("CIT", "CIT")] {
            let e = try #require(throws: MohurError.self) { try PermissionSet.parse(specification: spec) }
            #expect(e.code == .badInput && e.reason.contains(named), "\(e)")
        }
        #expect(throws: MohurError.self) { try OfficerRole.parse("janitor") }
        // A subject outside O=IAMAS is refused: the national PKI's names are not IAMAS's to give.
        let outside = PermissionIssuanceRequest(agency: "SBS", holder: .subsystem(subject: try DistinguishedName(parsing: "C=AZ, O=Other, CN=x")),
                                                key: .keyReference(try Self.tokenKey(f, "o")))
        #expect(throws: MohurError.self) { try f.pki.issuePermissionCertificate(outside) }
    }

    @Test("the extension round-trips, is critical, and openssl shows and parses it")
    func extensionIsCriticalAndOpenSSLParsesIt() throws {
        let f = try PKIFixture()
        let record = try f.pki.issuePermissionCertificate(PermissionIssuanceRequest(
            agency: "SBS", holder: .subsystem(subject: try DistinguishedName(parsing: "CN=border-gateway,OU=SBS,O=IAMAS,C=AZ")),
            key: .keyReference(try Self.tokenKey(f, "sbs")), permissions: try PermissionSet.parse(specification: "CIT:read,BCR:write,op:pa-verify")))
        let certificate = try Certificate(derEncoded: record.der)
        #expect(certificate.subject.description == "C=AZ, O=IAMAS, OU=SBS, CN=border-gateway")
        let permissions = try #require(try AgencyPermissions(certificate: certificate))
        #expect(permissions.agency == "SBS" && permissions.permissions.specification == "BCR:write,CIT:read,op:pa-verify" && permissions.role == nil)
        let text = try openssl(["x509", "-noout", "-text", "-in", try f.pemFile("sbs.pem", [certificate])])
        #expect(text.status == 0 && text.stdout.contains("1.3.6.1.4.1.59599.1.2: critical"), "\(text.output)")
        let ext = try #require(certificate.extension(AgencyPermissions.oid))
        let parsed = try openssl(["asn1parse", "-inform", "DER", "-in", try f.directory.write("ext.der", ext.value)])
        #expect(parsed.status == 0 && parsed.stdout.contains("PRINTABLESTRING   :SBS") && parsed.stdout.contains("PRINTABLESTRING   :BCR")
                && parsed.stdout.contains("BIT STRING"), "\(parsed.output)")
        // The segment CA carries the agency's whole row, critical too.
        let segment = try #require(try AgencyPermissions(certificate: try f.certificate("segment-SBS")))
        #expect(segment.permissions.specification == "BCR:write,BCR:read,CIT:read,FOR:read,RST:write,RST:read-restricted,op:pa-verify,op:trust-manage,op:journal-forward")
        // Unknown bits are refused, not ignored: rights a decoder cannot read it cannot bound.
        var tampered = ext.value
        let last = tampered.count - 1
        tampered[last] |= 0x01
        #expect(throws: MohurError.self) { try AgencyPermissions(extensionValue: tampered) }
    }

    @Test("a certificate made with the openssl CLI under a segment key, claiming AUD write for SBS, is refused at verification")
    func refusesForgedClaim() throws {
        let keysDirectory = try TemporaryDirectory("mohur-softkeys")
        let f = try PKIFixture(keys: SoftwareKeyStore(directory: keysDirectory.path(""), passphrase: "test-passphrase"))
        let authorizer = try Authorizer(pki: f.pki)
        let segment = try f.pki.authority(named: "segment-SBS")
        let segmentKey = String(segment.record.keyRef.dropFirst("file:".count))
        let segmentPEM = try f.pemFile("segment.pem", [try f.certificate("segment-SBS")])
        func forge(_ name: String, _ spec: String) throws -> Certificate {
            let key = f.directory.path("\(name).key"), csr = f.directory.path("\(name).csr"), out = f.directory.path("\(name).pem")
            let request = try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                                       "-out", csr, "-subj", "/C=AZ/O=IAMAS/OU=SBS/CN=\(name)"])
            guard request.status == 0 else { throw TestFailure(request.output) }
            let value = try AgencyPermissions(agency: "SBS", permissions: try PermissionSet.parse(specification: spec)).certificateExtension().value
            let extensions = try f.directory.write("\(name).cnf", """
                basicConstraints = critical,CA:FALSE
                keyUsage = critical,digitalSignature
                authorityKeyIdentifier = keyid
                1.3.6.1.4.1.59599.1.2 = critical,DER:\(Digest.hex(value))
                """)
            let sign = try openssl(["x509", "-req", "-in", csr, "-CA", segmentPEM, "-CAkey", segmentKey, "-passin", "pass:test-passphrase",
                                    "-set_serial", "4242", "-days", "10", "-extfile", extensions, "-out", out])
            guard sign.status == 0 else { throw TestFailure(sign.output) }
            return try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: out))))
        }
        // Within the segment's row: the same construction validates, so the refusal below is the claim's.
        let honestCertificate = try forge("honest", "CIT:read,op:pa-verify")
        let forged = try forge("forged", "CIT:read,AUD:write")
        f.clock.advance(seconds: 600)  // the openssl CLI dates its certificates from the moment it ran
        let honest = try authorizer.validate(honestCertificate)
        #expect(honest.agency == "SBS" && authorizer.decide(honest, .operation(.paVerify)).allowed)
        let error = try #require(throws: MohurError.self) { try authorizer.validate(forged) }
        #expect(error.code == .refusedByPolicy && error.reason.contains("AUD:write beyond what its issuer holds"), "\(error)")
    }

    @Test("revoked and expired certificates hold no rights; a refusal is journaled with fingerprint, agency and action")
    func revokedAndExpiredHoldNothing() throws {
        let sink = RecordingAuditSink()
        let f = try PKIFixture(audit: sink)
        let authorizer = try Authorizer(pki: f.pki)
        let record = try f.pki.issuePermissionCertificate(PermissionIssuanceRequest(
            agency: "MIA", holder: .subsystem(subject: try DistinguishedName(parsing: "C=AZ, O=IAMAS, OU=MIA, CN=passport-system")),
            key: .keyReference(try Self.tokenKey(f, "mia")), permissions: try PermissionSet.parse(specification: "CIT:write,op:sod-sign")))
        let certificate = try Certificate(derEncoded: record.der)
        #expect(try authorizer.authorize(certificate, .operation(.sodSign)).agency == "MIA")
        // Expired: 31 days later (subsystem certificates last 30 days by default).
        let later = TestClock(f.clock.now().addingTimeInterval(31 * 86_400))
        let laterAuthorizer = try Authorizer(pki: f.at(later))
        let expired = try #require(throws: MohurError.self) { try laterAuthorizer.authorize(certificate, .operation(.sodSign)) }
        #expect(expired.reason.contains("outside its validity"))
        try f.pki.revoke(serial: record.serial, reason: .keyCompromise)
        let revoked = try #require(throws: MohurError.self) { try authorizer.authorize(certificate, .operation(.sodSign)) }
        #expect(revoked.code == .refusedByPolicy && revoked.reason.contains("revoked"))
        let refusal = try #require(sink.actions.last)
        #expect(refusal.category == .permissionExceeded && refusal.operation == "authz.sod-sign")
        #expect(refusal.actor.certificateFingerprint == record.fingerprint && refusal.actor.agency == "MIA")
    }
}
