import CA
import Foundation
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PKITestSupport
import Storage
import Testing

@Suite("The four-level hierarchy", .serialized)
struct HierarchyTests {
    @Test("init creates root, one segment CA per agency, and the ICAO level; a second init reuses the state")
    func createsAllLevelsAndReuses() throws {
        let f = try PKIFixture()
        let views = try f.pki.authorities()
        let names = Set(views.map(\.record.name))
        #expect(names.contains("root"))
        for agency in f.pki.matrix.agencies { #expect(names.contains("segment-\(agency.code)")) }
        #expect(f.pki.matrix.agencies.count == 15)
        for name in ["csca-1", "ds-1", "mls-1", "dls-1"] { #expect(names.contains(name)) }
        #expect(views.count == 1 + 15 + 4)
        // Separate keys per authority, never shared.
        #expect(Set(views.map(\.record.keyRef)).count == views.count)
        if case .reused = try f.pki.initializeHierarchy() {} else { Issue.record("second init did not reuse the state") }
        #expect(try f.pki.authorities().count == views.count)
    }

    @Test("openssl verify accepts the corporate chain root → segment CA once told about the critical permission extension")
    func corporateChainVerifies() throws {
        let f = try PKIFixture()
        let root = try f.pemFile("root.pem", [try f.certificate("root")])
        for agency in ["MIA", "SBS", "CCI"] {
            let segment = try f.pemFile("seg.pem", [try f.certificate("segment-\(agency)")])
            // The IAMAS permission extension is critical: OpenSSL, which does not know it, must refuse
            // the certificate unless told to skip it (RFC 5280 §4.2); everything else it checks passes.
            let strict = try openssl(["verify", "-x509_strict", "-CAfile", root, segment])
            #expect(strict.status != 0 && strict.output.contains("unhandled critical extension"), "segment-\(agency): \(strict.output)")
            let result = try openssl(["verify", "-x509_strict", "-ignore_critical", "-CAfile", root, segment])
            #expect(result.status == 0, "segment-\(agency): \(result.output)")
        }
        let text = try f.certificate("segment-MIA").text()
        #expect(text.contains("CA:TRUE, pathlen:0"))
        #expect(text.contains("Certificate Sign, CRL Sign"))
        #expect(text.contains("OU=Ministry of Internal Affairs"))
    }

    @Test("openssl verify accepts full ICAO chains with an RSA profile, and the explicit-EC chain verifies signature by signature")
    func icaoChainsVerify() throws {
        let rsa = try PKIFixture(mutate: PKIFixture.rsaICAO)
        let csca = try rsa.pemFile("csca.pem", [try rsa.certificate("csca-1")])
        for signer in ["ds-1", "mls-1", "dls-1"] {
            let leaf = try rsa.pemFile("\(signer).pem", [try rsa.certificate(signer)])
            let result = try openssl(["verify", "-x509_strict", "-purpose", "any", "-CAfile", csca, leaf])
            #expect(result.status == 0, "\(signer): \(result.output)")
        }
        let ec = try PKIFixture()
        let cscaCert = try ec.certificate("csca-1")
        #expect(cscaCert.isSignatureValid(issuerKey: try cscaCert.publicKey()))
        for signer in ["ds-1", "mls-1", "dls-1"] {
            #expect(try ec.certificate(signer).isSignatureValid(issuerKey: try cscaCert.publicKey()), "\(signer)")
        }
        // OpenSSL's own chain check refuses explicit parameters (error 94): -partial_chain shows why.
        let result = try openssl(["verify", "-partial_chain", "-CAfile", try ec.pemFile("c.pem", [cscaCert]),
                                  try ec.pemFile("d.pem", [try ec.certificate("ds-1")])])
        #expect(result.status == 0 || result.output.contains("explicit"), "\(result.output)")
    }

    @Test("openssl x509 -text shows each level's Doc 9303-12 profile")
    func profilesAsOpenSSLPrintsThem() throws {
        let f = try PKIFixture()
        let root = try f.certificate("root").text()
        #expect(root.contains("CA:TRUE, pathlen:2") && root.contains("Certificate Sign, CRL Sign"))
        #expect(root.contains("NIST CURVE: P-384") || root.contains("secp384r1"))
        let csca = try f.certificate("csca-1").text()
        for needle in ["CA:TRUE, pathlen:0", "Certificate Sign, CRL Sign", "Private Key Usage Period", "Field Type: prime-field",
                       "CRL Distribution Points", "email:csca@iamas.gov.az", "Subject: C=AZ"] {
            #expect(csca.contains(needle), "CSCA lacks \(needle)")
        }
        let ds = try f.certificate("ds-1").text()
        for needle in ["Digital Signature", "Private Key Usage Period", "2.23.136.1.1.6.2", "Field Type: prime-field",
                       "X509v3 Authority Key Identifier", "X509v3 Subject Key Identifier"] {
            #expect(ds.contains(needle), "DS lacks \(needle)")
        }
        #expect(!ds.contains("Certificate Sign"))
        #expect(try f.certificate("mls-1").text().contains("2.23.136.1.1.3"))
        #expect(try f.certificate("dls-1").text().contains("2.23.136.1.1.8"))
    }
}

@Suite("Defaults built into the binary")
struct EmbeddedDefaultsTests {
    @Test("the built-in profile and tables are the CA/ files (run CA/embed-defaults.sh after editing one)")
    func builtInMatchesFiles() throws {
        #expect(try HierarchyProfile.embedded() == (try HierarchyProfile.load(path: PKIFixture.profilePath)))
        let files = try AccessMatrix.load(path: PKIFixture.matrixPath, operationsPath: PKIFixture.operationsPath)
        let builtIn = try AccessMatrix.embedded()
        #expect(builtIn.agencies == files.agencies)
        func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .newlines) }
        #expect(trimmed(builtIn.accessTable) == trimmed(files.accessTable))
        #expect(trimmed(builtIn.operationsTable) == trimmed(files.operationsTable))
        #expect(builtIn.agency("SBS")?.operations == [.paVerify, .trustManage, .journalForward])
    }
}
