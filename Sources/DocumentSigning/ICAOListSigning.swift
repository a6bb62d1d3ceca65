import CA
import Foundation
import LDS
import MohurCore
import OpenSSLKit
import Storage
import SwiftASN1

/// Signs the lists level 4 publishes for other States (IAMAS rules §5.2.3.4): the CSCA master
/// list (Doc 9303-12 §8) with the Master List Signer's key and the deviation list (§9) with the
/// Deviation List Signer's key, both inside the HSM. Each list is CMS SignedData (RFC 5652
/// §5) carrying the signer's certificate and the CSCA that issued it (Doc 9303-12 Tables 18
/// and 19), with a signingTime attribute; each signing is journaled with the list's SHA-256.
public struct ICAOListSigning: Sendable {
    public let pki: PKI

    public init(pki: PKI) { self.pki = pki }

    /// A signed list and what it holds.
    public struct SignedList: Sendable {
        public let der: [UInt8]
        /// The signer's authority name (`mls-1`, `dls-1`).
        public let signer: String
        /// The certificates in the master list's certList, or the deviations in a deviation list.
        public let count: Int
        public var sha256: String { Digest.hex(Digest.sha256(der)) }
    }

    /// Our CSCA certificates and CSCA link certificates that are not expired or revoked, in
    /// the order issued: what every master list of ours carries, and what the PKD package lists.
    public func ownCSCARecords() throws -> [CertificateRecord] {
        let now = pki.clock.now()
        var records: [CertificateRecord] = []
        for role in [CertificateRole.csca, .cscaLink] { records += try pki.repository.certificates(role: role.rawValue) }
        let current = records.filter { $0.revocation == nil && $0.notAfter > now }
        return current.sorted { $0.issuedAt < $1.issuedAt }
    }

    public func ownCSCACertificates() throws -> [[UInt8]] { try ownCSCARecords().map(\.der) }

    /// Signs a master list of our CSCAs and link certificates plus `foreign` CSCA certificates
    /// (DER) that the officer selected after bilateral verification.
    public func masterList(including foreign: [[UInt8]]) throws -> SignedList {
        try pki.auditedDirectly("ml.sign", target: "master-list") { () throws -> SignedList in
            let certificates = try ownCSCACertificates() + foreign
            guard !certificates.isEmpty else {
                throw MohurError.refused("there is no valid CSCA certificate to list", hint: "run `mohur init`, or `mohur csca rollover` if the CSCA expired")
            }
            let content = CSCAMasterListContent.encode(certificates)
            let count = Set(certificates).count
            return try sign(role: .masterListSigner, contentType: LDSObjectIdentifier.cscaMasterList, content: content, count: count)
        } details: { ["certificates": .integer(Int64($0.count)), "signer": .text($0.signer), "sha256": .text($0.sha256)] }
    }

    /// Signs `list` as our deviation list.
    public func deviationList(_ list: DeviationList) throws -> SignedList {
        try pki.auditedDirectly("dl.sign", target: "deviation-list") { () throws -> SignedList in
            guard !list.deviations.isEmpty else { throw MohurError.badInput("the deviation list declares no deviation") }
            return try sign(role: .deviationListSigner, contentType: LDSObjectIdentifier.deviationList,
                            content: try list.derEncoded(), count: list.deviations.count)
        } details: { ["deviations": .integer(Int64($0.count)), "signer": .text($0.signer), "sha256": .text($0.sha256)] }
    }

    /// CMS SignedData over `content` by the active authority of `role`, with its certificate
    /// and its issuing CSCA's in the certificate set.
    func sign(role: CertificateRole, contentType: ASN1ObjectIdentifier, content: [UInt8], count: Int) throws -> SignedList {
        let view = try pki.activeAuthority(role)
        let authority = try pki.issuingAuthority(view)
        let now = Date(timeIntervalSince1970: pki.clock.now().timeIntervalSince1970.rounded(.down))
        guard authority.certificate.notBefore <= now, now <= authority.certificate.notAfter else {
            throw MohurError.refused("\(view.record.name)'s certificate is valid \(day(authority.certificate.notBefore))…\(day(authority.certificate.notAfter)), not now",
                                     hint: "issue a new \(role.rawValue) certificate under the active CSCA")
        }
        var chain = [authority.certificate.derEncoded]
        if let issuer = view.certificate.issuerAuthority, let csca = try? pki.authority(named: issuer) {
            chain.append(csca.certificate.der)
        }
        let scheme = authority.signer.defaultScheme
        let builder = CMSSignedDataBuilder(
            contentType: contentType, content: content, digestAlgorithm: CMSAlgorithmIdentifier(algorithm: scheme.digest.oid),
            messageDigest: try Digest.hash(scheme.digest, content),
            signingTime: try CMSSigningTime(secondsSince1970: Int64(now.timeIntervalSince1970)),
            signerIdentifier: try CMSSignerIdentifier(issuerAndSerialNumberOf: authority.certificate.derEncoded),
            signatureAlgorithm: try CMSAlgorithmIdentifier(derEncoded: scheme.algorithmIdentifierDER), certificates: chain)
        let attributes = try builder.signedAttributes()
        let signature = try authority.signer.sign(attributes.encodedForSignature, scheme: scheme)
        return SignedList(der: try builder.contentInfo(signature: signature, signedAttributes: attributes), signer: view.record.name, count: count)
    }

    private func day(_ date: Date) -> String { String(ISO8601DateFormatter().string(from: date).prefix(10)) }
}
