import CA
import Foundation
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PKITestSupport
import Storage
import Testing

/// Reads issued certificates back with OpenSSL and checks the Doc 9303-12 figures of DOMAIN.md.
@Suite("Doc 9303-12 profile conformance", .serialized)
struct ProfileConformanceTests {
    static let year: TimeInterval = 365.25 * 86_400

    func usagePeriod(_ certificate: Certificate) throws -> (Date, Date) {
        let ext = try #require(certificate.extension(OID.privateKeyUsagePeriod), "PrivateKeyUsagePeriod missing")
        let period = try Extensions.decodePrivateKeyUsagePeriod(ext.value)
        return (try #require(period.notBefore), try #require(period.notAfter))
    }

    @Test("CSCA: key use 3–5 years, certificate 13–15 years, keyCertSign+cRLSign critical, cA pathLen 0, explicit EC, AZ")
    func csca() throws {
        let f = try PKIFixture()
        let csca = try f.certificate("csca-1")
        let (start, end) = try usagePeriod(csca)
        #expect((3 * Self.year...5 * Self.year + 86_400).contains(end.timeIntervalSince(start)))
        #expect((13 * Self.year...15 * Self.year + 86_400).contains(csca.notAfter.timeIntervalSince(csca.notBefore)))
        #expect(csca.keyUsageBits == 0x06)  // KU_KEY_CERT_SIGN | KU_CRL_SIGN
        #expect(csca.extension(OID.keyUsage)?.critical == true)
        #expect(csca.isCA && csca.pathLengthConstraint == 0)
        #expect(csca.extension(OID.basicConstraints)?.critical == true)
        let cscaKey = try csca.publicKey()
        #expect(csca.isSelfIssued && csca.isSignatureValid(issuerKey: cscaKey))
        #expect(csca.subject.value(of: "C") == "AZ")
        #expect(try csca.text().contains("Field Type: prime-field"))
        #expect(csca.extension(OID.crlDistributionPoints) != nil)
    }

    @Test("DS: digitalSignature only, DocumentTypeList, key use ≤ 3 months, certificate = key use + 10 years, AKI = CSCA SKI")
    func documentSigner() throws {
        let f = try PKIFixture()
        let ds = try f.certificate("ds-1")
        let csca = try f.certificate("csca-1")
        #expect(ds.keyUsageBits == 0x80)  // KU_DIGITAL_SIGNATURE
        #expect(ds.extension(OID.keyUsage)?.critical == true)
        #expect(!ds.isCA)
        let (start, end) = try usagePeriod(ds)
        #expect(end.timeIntervalSince(start) <= 92 * 86_400)
        let expected = end.addingTimeInterval(10 * Self.year)
        #expect(abs(ds.notAfter.timeIntervalSince(expected)) < 2 * 86_400)
        let types = try Extensions.decodeDocumentTypeList(try #require(ds.extension(OID.documentTypeList)).value)
        #expect(Set(types) == ["P", "I"])  // DER sorts SET OF members
        #expect(ds.authorityKeyIdentifier == csca.subjectKeyIdentifier)
        #expect(ds.subjectKeyIdentifier == (try ds.publicKey().keyIdentifier()))
    }

    @Test("MLS and DLS carry their ICAO extended key usages and digitalSignature only")
    func listSigners() throws {
        let f = try PKIFixture()
        let mls = try f.certificate("mls-1")
        let dls = try f.certificate("dls-1")
        #expect(mls.keyUsageBits == 0x80 && dls.keyUsageBits == 0x80)
        #expect(mls.extension(OID.extendedKeyUsage)?.value.suffix(6) == [0x67, 0x81, 0x08, 0x01, 0x01, 0x03])
        #expect(dls.extension(OID.extendedKeyUsage)?.value.suffix(6) == [0x67, 0x81, 0x08, 0x01, 0x01, 0x08])
    }

    @Test("serial numbers are positive, at most 20 octets, and unique across the hierarchy")
    func serials() throws {
        let f = try PKIFixture()
        let records = try f.repository.certificates()
        #expect(records.count == 21, "20 authorities and the first security officer")
        for record in records {
            let certificate = try Certificate(derEncoded: record.der)
            let bytes = certificate.serialNumberBytes
            #expect(bytes.count <= 20 && (bytes.first ?? 0x80) & 0x80 == 0, "\(record.subject)")
        }
        #expect(Set(records.map(\.serial)).count == records.count)
    }

    @Test("profiles that break Doc 9303-12 figures are refused with a message naming the field")
    func badProfilesRefused() throws {
        var profile = try HierarchyProfile.load(path: PKIFixture.profilePath)
        profile.documentSigner.privateKeyUsageDays = 120
        #expect(throws: MohurError.self) { try profile.validate(source: "t") }
        do { try profile.validate(source: "t") } catch let e as MohurError {
            #expect(e.description.contains("documentSigner.privateKeyUsageDays"))
        }
        profile = try HierarchyProfile.load(path: PKIFixture.profilePath)
        profile.csca.crlNextUpdateDays = 120
        #expect(throws: MohurError.self) { try profile.validate(source: "t") }
        profile = try HierarchyProfile.load(path: PKIFixture.profilePath)
        profile.csca.key = "rsa1024"
        #expect(throws: MohurError.self) { try profile.validate(source: "t") }
        #expect(throws: MohurError.self) { try HierarchyProfile.decode(Array("{\"formatVersion\":1}".utf8), source: "t") }
    }
}
