import CA
import DocumentSigning
import Foundation
import LDS
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PKITestSupport

/// A PKI on a fresh SoftHSM2 token, its signing service, and the ICAO 9303-10 worked-example
/// DG1 and DG2 written to files as an issuing centre would hand them over.
struct SigningFixture {
    static let worked = "gmrtd/icao9303_p10_worked_examples/"

    let pki: PKIFixture
    let service: DocumentSigningService
    let dg1: [UInt8]
    let dg2: [UInt8]

    init(mutate: (inout HierarchyProfile) -> Void = { _ in }, audit: any AuditSink = DiscardingAuditSink()) throws {
        pki = try PKIFixture(mutate: mutate, audit: audit)
        service = try DocumentSigningService(pki: pki.pki)
        dg1 = try Vectors.bytes(Self.worked + "EF_DG1.bin")
        dg2 = try Vectors.bytes(Self.worked + "EF_DG2.bin")
    }

    func request(number: String = "C01234567", com: EFCOM? = nil, fin: FIN? = nil, hash: DigestAlgorithm? = nil,
                 dg2 override: [UInt8]? = nil) throws -> SODRequest {
        try SODRequest(documentType: "P", documentNumber: number, dataGroups: .files([.dg1: dg1, .dg2: override ?? dg2]),
                       com: com, fin: fin, hash: hash)
    }

    /// Writes the SOD's ContentInfo (the `77` wrapper stripped, as `openssl cms` wants it).
    func contentInfoFile(_ signed: SignedSOD, _ name: String = "sod.p7") throws -> String {
        try pki.directory.write(name, signed.sod.contentInfoBytes)
    }

    /// `openssl dgst -<name> -binary` of `bytes`.
    func opensslDigest(_ name: String, _ bytes: [UInt8]) throws -> [UInt8] {
        let path = try pki.directory.write("dg-\(UUID().uuidString).bin", bytes)
        let result = try run("sh", ["-c", "openssl dgst -\(name) -binary '\(path)' | od -An -v -tx1"])
        return Digest.bytes(fromHex: result.stdout.filter { !$0.isWhitespace }) ?? []
    }
}
