import Foundation
import MohurTestSupport
import OpenSSLKit
@testable import PassiveAuth
import Testing

@Suite("Trust store import")
struct TrustImportTests {
    @Test func germanAndDutchMasterListsImportWithTheirRoots() throws {
        let fixture = try TrustFixture()
            .importing(TrustFixture.germanMasterList, roots: TrustFixture.germanRoot)
            .importing(TrustFixture.dutchMasterList, roots: TrustFixture.dutchRoot)
        #expect(fixture.summaries[0].detectedKind == "master-list")
        #expect(fixture.summaries[0].added + fixture.summaries[0].alreadyPresent == 588)
        #expect(fixture.summaries[1].added + fixture.summaries[1].alreadyPresent == 411)
        #expect(fixture.summaries.allSatisfy { $0.rejected == 0 })
    }

    @Test func reimportingTheSameListChangesNothingAndSaysSo() throws {
        let fixture = try TrustFixture()
            .importing(TrustFixture.germanMasterList, roots: TrustFixture.germanRoot)
            .importing(TrustFixture.germanMasterList, roots: TrustFixture.germanRoot)
        #expect(fixture.summaries[1].added == 0)
        #expect(fixture.summaries[1].unchanged?.contains("the same master-list of DE was imported") == true)
        #expect(try fixture.store.counts()["csca", default: 0] + fixture.store.counts()["link", default: 0] == 588)
    }

    @Test("a removed CSCA with the name of an added one is superseded; other removals and additions count per country")
    func changesPerCountry() {
        func known(_ id: Int64, _ country: String, _ name: String, _ kind: TrustKind = .csca) -> (Int64, KnownCertificate) {
            (id, KnownCertificate(id: id, kind: kind, country: country, subject: "CN=\(name)", subjectKey: name))
        }
        let all = Dictionary(uniqueKeysWithValues: [known(1, "AT", "csca-at"), known(2, "AT", "csca-at"), known(3, "BE", "csca-be"),
                                                    known(4, "BE", "ds-be", .dsc), known(5, "CH", "csca-ch")])
        let changes = TrustImporter.changes(added: [2, 5], removed: [1, 3, 4], known: all)
        #expect(changes.map(\.country) == ["AT", "BE", "CH"])
        #expect(changes[0].added == 1 && changes[0].superseded == 1 && changes[0].removed == 0)
        #expect(changes[1].removed == 2 && changes[1].details == ["removed CSCA CN=csca-be"])
        #expect(changes[2].added == 1 && changes[2].details == ["added CSCA CN=csca-ch"])
    }

    @Test func masterListWithoutATrustedRootIsRefused() throws {
        let fixture = try TrustFixture()
        #expect(throws: PassiveAuthError.self) { try fixture.importing(TrustFixture.dutchMasterList) }
        #expect(try fixture.store.counts()["csca", default: 0] == 0)
    }

    @Test func italianAndICAOMasterListsVerifyUnderTrustedCSCAs() throws {
        let fixture = try TrustFixture()
            .importing(TrustFixture.germanMasterList, roots: TrustFixture.germanRoot)
            .importing(TrustFixture.dutchMasterList, roots: TrustFixture.dutchRoot)
            .importing(["openpassport/masterlists/IT_MasterListCSCA.ml"])
            .importing(["openpassport/masterlists/ICAO_ml_September2023.ml"])
        #expect(fixture.summaries[2].added + fixture.summaries[2].alreadyPresent == 333)
        #expect(fixture.summaries[3].added + fixture.summaries[3].alreadyPresent == 394)
        #expect(fixture.summaries[3].warnings.contains { $0.contains("expired") }, "\(fixture.summaries[3].warnings)")
    }

    @Test func pkdLDIFImportsItsDocumentSigners() throws {
        let fixture = try TrustFixture().importing(["openpassport/pkd_ldif/icaopkd-003-complete-000090.ldif"])
        #expect(fixture.summaries[0].detectedKind == "ldif")
        #expect(fixture.summaries[0].added == 502)
        #expect(try fixture.store.counts()["dsc"] == 502)
    }

    @Test func sloppyCertificatesImportWithWarnings() throws {
        let fixture = try TrustFixture().importing(TrustFixture.germanMasterList, roots: TrustFixture.germanRoot)
        let warnings = fixture.summaries[0].outcomes.flatMap(\.reasons)
        #expect(warnings.contains { $0.contains("serial number is") })
        #expect(warnings.contains { $0.contains("NULL parameters") })
        #expect(warnings.contains { $0.contains("upper case") || $0.contains("alpha-2") })
    }

    @Test func crlsAttachToTheCSCAThatSignedThem() throws {
        let fixture = try TrustFixture()
            .importing(TrustFixture.germanMasterList, roots: TrustFixture.germanRoot)
            .importing(TrustFixture.dutchMasterList, roots: TrustFixture.dutchRoot)
            .importing(["port-py-server/certs/csca_ca_4942cd00.cer", "port-py-server/certs/csca_us_4e32d006.cer"])
            .importing(["ca_fp_277f80576b", "cn_fp_814acc723b", "de_fp_e421c6cf21", "gb_fp_85824ab57b", "us_fp_ec0ddb2ee9"]
                .map { "port-py-server/crls/crl_\($0).crl" })
        let crls = try fixture.store.crls()
        #expect(crls.count == 5, "\(fixture.summaries.suffix(5).flatMap(\.outcomes))")
        let chinese = try #require(crls.first { $0.country == "CN" })
        #expect(chinese.cscaSKI.map(Digest.hex)?.hasPrefix("f17b4f") == true)
        let index = try fixture.store.index()
        let csca = try #require(index.certificates.first { $0.id == chinese.cscaID })
        #expect(chinese.crl.verifySignature(issuerKey: try csca.certificate.publicKey()))
    }

    @Test func crlWithoutItsCSCAIsRejected() throws {
        let fixture = try TrustFixture().importing(["port-py-server/crls/crl_us_fp_ec0ddb2ee9.crl"])
        #expect(fixture.summaries[0].rejected == 1)
    }
}
