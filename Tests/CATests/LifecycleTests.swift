import CA
import Foundation
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PKITestSupport
import Storage
import Testing

@Suite("Revocation, CRLs, rollover and rotation", .serialized)
struct LifecycleTests {
    @Test("a revoked DS appears in the next CSCA CRL without a reason code, and openssl accepts the CRL")
    func revocationReachesCSCACRL() throws {
        let f = try PKIFixture()
        let ds = try f.pki.authority(named: "ds-1").certificate
        try f.pki.revoke(serial: ds.serial, reason: .keyCompromise)
        let record = try f.pki.issueCRL(authority: "csca-1")
        let crl = try CRL(derEncoded: record.der)
        #expect(crl.revokedEntries.map(\.serialHex) == [ds.serial])
        #expect(crl.revokedEntries.first?.reasonCode == nil)
        #expect(crl.crlNumber == 1)
        #expect(crl.authorityKeyIdentifier == (try f.certificate("csca-1").subjectKeyIdentifier))
        let next = try #require(crl.nextUpdate)
        #expect(next.timeIntervalSince(crl.thisUpdate) <= 90 * 86_400)
        #expect(crl.isSignatureValid(issuerKey: try f.certificate("csca-1").publicKey()))
        #expect(try f.repository.certificates(serial: ds.serial).first?.revocation?.reason == "keyCompromise")
        let result = try openssl(["crl", "-inform", "DER", "-in", try f.directory.write("csca.crl", record.der),
                                  "-CAfile", try f.pemFile("csca.pem", [try f.certificate("csca-1")]), "-noout"])
        #expect(result.output.contains("verify OK"), "\(result.output)")
    }

    @Test("a segment CA's CRL keeps the reason code and verifies with openssl")
    func segmentCRLCarriesReason() throws {
        let f = try PKIFixture()
        let csr = try makeCSR(f, subject: "/CN=border-post-17.sbs")
        let issued = try f.pki.issue(fromRequest: try CertificationRequest(pemOrDER: csr.utf8Bytes()),
                                     authority: "segment-SBS", role: .agencyEndpoint)
        try f.pki.revoke(serial: issued.serial, reason: .superseded)
        let record = try f.pki.issueCRL(authority: "segment-SBS")
        let crl = try CRL(derEncoded: record.der)
        #expect(crl.revokedEntries.first?.reasonCode == RevocationReason.superseded.code)
        let result = try openssl(["crl", "-inform", "DER", "-in", try f.directory.write("s.crl", record.der),
                                  "-CAfile", try f.pemFile("seg.pem", [try f.certificate("segment-SBS")]), "-noout"])
        #expect(result.output.contains("verify OK"), "\(result.output)")
    }

    @Test("CSCA CRLs: at most one per 48 h without a new revocation; cRLNumber increases; double revocation refused")
    func cscaCRLCadence() throws {
        let f = try PKIFixture()
        _ = try f.pki.issueCRL(authority: "csca-1")
        #expect(throws: MohurError.self) { try f.pki.issueCRL(authority: "csca-1") }
        #expect(try f.pki.issueCRL(authority: "csca-1", force: true).crlNumber == 2)
        f.clock.advance(days: 3)
        #expect(try f.pki.issueCRL(authority: "csca-1").crlNumber == 3)
        let serial = try f.pki.authority(named: "mls-1").certificate.serial
        try f.pki.revoke(serial: serial, reason: .superseded)
        #expect(try f.pki.issueCRL(authority: "csca-1").crlNumber == 4)
        #expect(throws: MohurError.self) { try f.pki.revoke(serial: serial, reason: .superseded) }
        #expect(throws: MohurError.self) { try f.pki.revoke(serial: "00ff", reason: .superseded) }
        #expect(throws: MohurError.self) { try f.pki.issueCRL(authority: "ds-1") }
    }

    @Test("CSCA rollover: the link certificate verifies old → new; a DS under the new CSCA chains to the old root in openssl")
    func cscaRollover() throws {
        let f = try PKIFixture(mutate: PKIFixture.rsaICAO)
        let old = try f.certificate("csca-1")
        let result = try f.pki.rolloverCSCA()
        let link = try Certificate(derEncoded: result.link.der)
        let new = try f.certificate(result.newCSCA.record.name)
        #expect(result.retired == "csca-1" && result.newCSCA.record.name == "csca-2")
        #expect(link.isSignatureValid(issuerKey: try old.publicKey()))
        #expect(try link.publicKey() == (try new.publicKey()))
        #expect(link.authorityKeyIdentifier == old.subjectKeyIdentifier)
        #expect(link.subjectKeyIdentifier == new.subjectKeyIdentifier)
        #expect(link.subject == new.subject && link.issuer == old.subject)
        #expect(try f.pki.authority(named: "csca-1").record.status == "retired")
        let rotated = try f.pki.rotateSigner(.documentSigner)
        let ds = try f.certificate(rotated.created.record.name)
        #expect(ds.authorityKeyIdentifier == new.subjectKeyIdentifier)
        let verify = try openssl(["verify", "-x509_strict", "-CAfile", try f.pemFile("old.pem", [old]),
                                  "-untrusted", try f.pemFile("link.pem", [link]), try f.pemFile("ds.pem", [ds])])
        #expect(verify.status == 0, "\(verify.output)")
        // The retired CSCA still signs CRLs for what it certified, and issues nothing new.
        #expect(try f.pki.issueCRL(authority: "csca-1").crlNumber == 1)
    }

    @Test("a Document Signer past its private key usage period is refused with a clear message; rotation restores signing")
    func documentSignerUsagePeriod() throws {
        let f = try PKIFixture()
        #expect(try f.pki.documentSigner(for: "P").record.name == "ds-1")
        let later = TestClock(f.clock.now().addingTimeInterval(100 * 86_400))
        let pkiLater = f.at(later)
        do {
            _ = try pkiLater.documentSigner(for: "P")
            Issue.record("an expired DS key was allowed to sign")
        } catch let error as MohurError {
            #expect(error.code == .refusedByPolicy)
            #expect(error.description.contains("ds-1's private key usage period ended"), "\(error)")
            #expect(error.description.contains("mohur ds rotate"))
        }
        #expect(throws: MohurError.self) { try f.pki.documentSigner(for: "V") }
        let rotated = try pkiLater.rotateSigner(.documentSigner)
        #expect(rotated.retired == "ds-1")
        #expect(try pkiLater.documentSigner(for: "P").record.name == rotated.created.record.name)
    }

    @Test("issuing from a CSR checks proof of possession and the issuer's role")
    func issueFromCSR() throws {
        let f = try PKIFixture()
        let csr = try CertificationRequest(pemOrDER: Array(try makeCSR(f, subject: "/O=MIA/CN=Document Signer Nakhchivan").utf8))
        let ds = try f.pki.issue(fromRequest: csr, authority: "csca-1", role: .documentSigner)
        let cert = try Certificate(derEncoded: ds.der)
        #expect(cert.subject.value(of: "C") == "AZ")
        #expect(cert.isSignatureValid(issuerKey: try f.certificate("csca-1").publicKey()))
        #expect(cert.extension(OID.documentTypeList) != nil)
        #expect(throws: MohurError.self) { try f.pki.issue(fromRequest: csr, authority: "segment-MIA", role: .documentSigner) }
        #expect(throws: MohurError.self) { try f.pki.issue(fromRequest: csr, authority: "ds-1", role: .agencyEndpoint) }
    }

    func makeCSR(_ f: PKIFixture, subject: String) throws -> String {
        let key = f.directory.path("csr-key-\(UUID().uuidString).pem")
        let out = f.directory.path("req-\(UUID().uuidString).csr")
        let result = try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                  "-keyout", key, "-subj", subject, "-out", out])
        guard result.status == 0 else { throw TestFailure("openssl req failed: \(result.output)") }
        return String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self)
    }
}

extension String {
    func utf8Bytes() -> [UInt8] { Array(utf8) }
}
