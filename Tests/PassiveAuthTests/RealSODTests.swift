import Foundation
import LDS
import MohurTestSupport
import OpenSSLKit
@testable import PassiveAuth
import Testing

@Suite("Passive authentication of real EF.SODs")
struct RealSODTests {
    static let countries = ["AT", "AU", "CN", "DE", "FI", "FR", "MY", "NZ", "PH", "RU", "US"]

    @Test("valid with the CSCA and DSC beside the SOD", arguments: countries)
    func validWithItsOwnCertificates(country: String) throws {
        let fixture = try TrustFixture()
        // AT and RU give a self-issued link CSCA: the root it links from comes from the DE master list.
        if ["AT", "RU"].contains(country) {
            try fixture.importing(TrustFixture.germanMasterList, roots: TrustFixture.germanRoot)
        }
        try fixture.importing(["gmrtd/sod/\(country)/CSCA.der", "gmrtd/sod/\(country)/DSC.der"])
        let sodPath = "gmrtd/sod/\(country)/EF_SOD.bin"
        let report = try fixture.authenticator().verify(encodedSOD: try Vectors.bytes(sodPath), at: try checkDate(forSOD: sodPath))
        #expect(report.verdict == .valid, "\(country):\n\(describe(report))")
    }

    @Test("valid when the only trust inputs are the DE and NL master lists and the IDN chain", arguments: countries + ["ID"])
    func validFromMasterListsOnly(country: String) throws {
        let fixture = try TrustFixture()
            .importing(TrustFixture.germanMasterList, roots: TrustFixture.germanRoot)
            .importing(TrustFixture.dutchMasterList, roots: TrustFixture.dutchRoot)
            .importing(TrustFixture.indonesianChain)
        let sodPath = "gmrtd/sod/\(country)/EF_SOD.bin"
        let report = try fixture.authenticator().verify(encodedSOD: try Vectors.bytes(sodPath), at: try checkDate(forSOD: sodPath))
        #expect(report.verdict == .valid, "\(country):\n\(describe(report))")
    }

    @Test func indonesianDocumentChainsThroughExpiredLinkCertificates() throws {
        let fixture = try TrustFixture().importing(["2010-12_CSCA.cer", "2016-01_CSCA_LINK.cer", "2020-10_CSCA_LINK.cer"]
            .map { "gmrtd/idn_csca_chain/\($0)" })
        let sodPath = "gmrtd/sod/ID/EF_SOD.bin"
        let report = try fixture.authenticator().verify(encodedSOD: try Vectors.bytes(sodPath), at: try checkDate(forSOD: sodPath))
        #expect(report.verdict == .valid, "\(describe(report))")
        #expect(report.path.count == 4, "DS → 2020 link → 2016 link → 2010 root:\n\(describe(report))")
    }

    @Test func malaysianSignerIsFoundDespiteItsRDNOrder() throws {
        let fixture = try TrustFixture().importing(["gmrtd/sod/MY/CSCA.der"])
        let sodPath = "gmrtd/sod/MY/EF_SOD.bin"
        let report = try fixture.authenticator().verify(encodedSOD: try Vectors.bytes(sodPath), at: try checkDate(forSOD: sodPath))
        let signer = try #require(report.checks.first { $0.kind == .documentSigner })
        #expect(signer.reason.hasSuffix("embedded in EF.SOD"), "matched by normalised issuer and serial: \(signer.reason)")
        #expect(report.checks.contains { $0.kind == .sodSignature && $0.reason.contains("RSASSA-PSS") })
    }

    @Test("a link CSCA an officer imported on its own is a trust anchor: AT and RU are valid with nothing else", arguments: ["AT", "RU"])
    func linkCertificateImportedAloneAnchors(country: String) throws {
        let link = "gmrtd/sod/\(country)/CSCA.der"
        let fixture = try TrustFixture().importing([link])
        #expect(CertificateQuirks.kind(of: try Certificate(derEncoded: try Vectors.bytes(link))) == .link, "the vector is a link certificate")
        let sodPath = "gmrtd/sod/\(country)/EF_SOD.bin"
        let report = try fixture.authenticator().verify(encodedSOD: try Vectors.bytes(sodPath), at: try checkDate(forSOD: sodPath))
        #expect(report.verdict == .valid, "\(describe(report))")
        #expect(report.checks.contains { $0.kind == .certificationPath && $0.reason.contains("imported on its own") }, "\(describe(report))")
    }

    @Test("the same link certificate from a master list or LDIF anchors nothing by itself", arguments: [SourceKind.masterList, .ldif])
    func linkCertificateFromAListDoesNotAnchor(source: SourceKind) throws {
        let certificate = try Certificate(derEncoded: try Vectors.bytes("gmrtd/sod/AT/CSCA.der"))
        func index(_ source: SourceKind) -> TrustIndex {
            TrustIndex(certificates: [TrustedCertificate(id: 1, kind: .link, country: "AT", certificate: certificate, sourceKind: source,
                                                         sourceFile: "test", importedAt: Date(), warnings: [])])
        }
        let sodPath = "gmrtd/sod/AT/EF_SOD.bin"
        let at = try checkDate(forSOD: sodPath)
        let listed = PassiveAuthenticator(trust: index(source)).verify(encodedSOD: try Vectors.bytes(sodPath), at: at)
        #expect(listed.verdict == .indeterminate, "\(describe(listed))")
        let imported = PassiveAuthenticator(trust: index(.file)).verify(encodedSOD: try Vectors.bytes(sodPath), at: at)
        #expect(imported.verdict == .valid, "\(describe(imported))")
    }

    @Test func corruptedGermanSignatureIsInvalid() throws {
        let fixture = try TrustFixture().importing(["gmrtd/sod/DE/CSCA.der", "gmrtd/sod/DE/DSC.der"])
        let path = "gmrtd/negative/DE_EF_SOD_sig_corrupted_lastbyte.bin"
        let report = try fixture.authenticator().verify(encodedSOD: try Vectors.bytes(path), at: try checkDate(forSOD: path))
        #expect(report.verdict == .invalid)
        #expect(report.checks.contains { $0.kind == .sodSignature && $0.status == .fail })
    }

    @Test func unknownCSCAIsIndeterminate() throws {
        let fixture = try TrustFixture()
        let path = "gmrtd/sod/FR/EF_SOD.bin"
        let report = try fixture.authenticator().verify(encodedSOD: try Vectors.bytes(path), at: try checkDate(forSOD: path))
        #expect(report.verdict == .indeterminate)
        #expect(report.checks.contains { $0.kind == .sodSignature && $0.status == .pass })
    }

    @Test func expiredDocumentSignerAtCheckTimeIsInvalid() throws {
        let fixture = try TrustFixture().importing(["gmrtd/sod/FR/CSCA.der"])
        let path = "gmrtd/sod/FR/EF_SOD.bin"
        let report = try fixture.authenticator().verify(encodedSOD: try Vectors.bytes(path), at: Date(timeIntervalSince1970: 4_102_444_800))
        #expect(report.verdict == .invalid)
        #expect(report.checks.contains { $0.kind == .validityAtCheck && $0.status == .fail })
    }

    @Test func malformedSODIsInvalidNotACrash() throws {
        let report = try TrustFixture().authenticator().verify(encodedSOD: [0x77, 0x03, 0x30, 0x01])
        #expect(report.verdict == .invalid)
    }
}

@Suite("The index one document needs")
struct FocusedIndexTests {
    @Test("each real SOD gets the same verdict, path and checks from the rows it needs as from the whole store",
          arguments: RealSODTests.countries + ["ID"])
    func sameAsTheWholeStore(country: String) throws {
        let fixture = try TrustFixture()
            .importing(TrustFixture.germanMasterList, roots: TrustFixture.germanRoot)
            .importing(TrustFixture.dutchMasterList, roots: TrustFixture.dutchRoot)
            .importing(TrustFixture.indonesianChain)
            .importing(["gmrtd/sod/FR/DSC.der", "port-py-server/crls/crl_us_fp_ec0ddb2ee9.crl"])
        let sodPath = "gmrtd/sod/\(country)/EF_SOD.bin"
        let sod = try SODFile(encoded: try Vectors.bytes(sodPath))
        let at = try checkDate(forSOD: sodPath)
        let whole = PassiveAuthenticator(trust: try fixture.store.index()).verify(sod: sod, at: at)
        let focused = try fixture.store.index(for: sod)
        let report = PassiveAuthenticator(trust: focused).verify(sod: sod, at: at)
        #expect(report.verdict == whole.verdict && report.path == whole.path, "\(country):\n\(describe(report))\n---\n\(describe(whole))")
        #expect(report.checks == whole.checks, "\(country)")
        #expect(focused.certificates.count < (try fixture.store.index()).certificates.count / 10,
                "\(country): \(focused.certificates.count) certificates read")
    }
}
