import Foundation
import LDS
import MohurTestSupport
import OpenSSLKit
@testable import PassiveAuth

/// Builds trust stores from the shared vectors in a temporary directory.
final class TrustFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    let store: TrustStore
    var summaries: [ImportSummary] = []

    init() throws {
        directory = try TemporaryDirectory("mohur-pa")
        store = try TrustStore.open(stateDirectory: directory.url.path)
    }

    /// Imports vector files, with master-list roots (vector paths) where given.
    @discardableResult
    func importing(_ paths: [String], roots: [String] = []) throws -> TrustFixture {
        let rootCertificates = try roots.map { try Certificate(derEncoded: try Vectors.bytes($0)) }
        let importer = TrustImporter(store: store, masterListRoots: rootCertificates)
        for path in paths {
            summaries.append(try importer.importBytes(try Vectors.bytes(path), name: path))
        }
        return self
    }

    func authenticator() throws -> PassiveAuthenticator { PassiveAuthenticator(trust: try store.index()) }

    static let germanMasterList = ["gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml"]
    static let germanRoot = ["gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer"]
    static let dutchMasterList = ["gmrtd/masterlists/NL_ML_2026-07-22.ml"]
    static let dutchRoot = ["gmrtd/masterlists/NL_ROOT_CA.cer"]
    static let indonesianChain = ["2010-12_CSCA.cer", "2016-01_CSCA.cer", "2016-01_CSCA_LINK.cer",
                                  "2020-10_CSCA.cer", "2020-10_CSCA_LINK.cer"].map { "gmrtd/idn_csca_chain/\($0)" }
}

/// A date inside the validity of a SOD's Document Signer: one day after its notBefore.
func checkDate(forSOD path: String) throws -> Date {
    let sod = try SODFile(encoded: try Vectors.bytes(path))
    guard let der = sod.signedData.certificates.first else { throw TestFailure("\(path) embeds no certificate") }
    return try Certificate(derEncoded: der).notBefore.addingTimeInterval(86_400)
}

func describe(_ report: PassiveAuthReport) -> String { report.text }
