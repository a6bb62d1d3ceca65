import Foundation
import LDS
import OpenSSLKit
import SwiftASN1

/// What `mohur sod show` reports about any EF.SOD, Mohur's or a foreign state's: the LDS
/// security object (Doc 9303-10 §4.6.2.2), the signer (RFC 5652 §5.3) and the embedded
/// certificates. Nothing is verified here; this is a reading, not passive authentication.
public struct SODDescription: Sendable, Codable {
    public struct DataGroupHashView: Sendable, Codable {
        public var dataGroup: Int
        public var hash: String
    }

    public struct SignerView: Sendable, Codable {
        public var version: Int
        /// "issuerAndSerialNumber" or "subjectKeyIdentifier".
        public var identifierType: String
        public var issuer: String?
        public var serialNumber: String?
        public var subjectKeyIdentifier: String?
        public var digestAlgorithm: String
        public var signatureAlgorithm: String
        public var signingTime: String?
        public var signedAttributes: [String]
    }

    public struct CertificateView: Sendable, Codable {
        public var subject: String?
        public var issuer: String?
        public var serialNumber: String?
        public var notBefore: String?
        public var notAfter: String?
        public var publicKey: String?
        /// Set when OpenSSL cannot read the certificate; the other fields are then absent.
        public var error: String?
    }

    public var contentType: String
    public var signedDataVersion: Int
    public var securityObjectVersion: Int
    public var ldsVersion: String?
    public var unicodeVersion: String?
    public var hashAlgorithm: String
    public var dataGroupHashes: [DataGroupHashView]
    public var signers: [SignerView]
    public var certificates: [CertificateView]
    public var usesIndefiniteLengths: Bool

    public init(_ sod: SODFile) {
        let security = sod.ldsSecurityObject
        contentType = Self.name(sod.contentType)
        signedDataVersion = sod.signedData.version
        securityObjectVersion = security.version.rawValue
        ldsVersion = security.ldsVersionInfo?.ldsVersion
        unicodeVersion = security.ldsVersionInfo?.unicodeVersion
        hashAlgorithm = security.hashAlgorithm.description
        dataGroupHashes = security.dataGroupHashes.map { DataGroupHashView(dataGroup: $0.number.rawValue, hash: Digest.hex($0.dataGroupHashValue)) }
        signers = sod.signedData.signerInfos.map(Self.signer)
        certificates = sod.signedData.certificates.map(Self.certificate)
        usesIndefiniteLengths = sod.usesIndefiniteLengths
    }

    static func signer(_ info: CMSSignerInfo) -> SignerView {
        var view = SignerView(version: info.version, identifierType: "", digestAlgorithm: Self.name(info.digestAlgorithm.algorithm),
                              signatureAlgorithm: Self.name(info.signatureAlgorithm.algorithm),
                              signingTime: info.signedAttributes?.signingTime?.description,
                              signedAttributes: info.signedAttributes?.attributes.map { Self.name($0.type) } ?? [])
        switch info.signerIdentifier {
        case .issuerAndSerialNumber(let issuer, let serial):
            view.identifierType = "issuerAndSerialNumber"
            view.issuer = (try? DistinguishedName(derEncoded: issuer))?.description ?? "unreadable Name \(Digest.hex(issuer))"
            view.serialNumber = Digest.hex(serial)
        case .subjectKeyIdentifier(let ski):
            view.identifierType = "subjectKeyIdentifier"
            view.subjectKeyIdentifier = Digest.hex(ski)
        }
        return view
    }

    static func certificate(_ der: [UInt8]) -> CertificateView {
        do {
            let certificate = try Certificate(derEncoded: der)
            return CertificateView(subject: certificate.subject.description, issuer: certificate.issuer.description,
                                   serialNumber: certificate.serialHex, notBefore: isoDay(certificate.notBefore),
                                   notAfter: isoDay(certificate.notAfter),
                                   publicKey: (try? certificate.publicKey())?.summary ?? "unsupported key")
        } catch {
            return CertificateView(error: "\(error)")
        }
    }

    /// Names for the OIDs found in SODs (RFC 5754, RFC 5758, RFC 4055, RFC 8017, RFC 5652,
    /// RFC 6211, Doc 9303-10); anything else stays dotted.
    static let names: [ASN1ObjectIdentifier: String] = [
        [1, 3, 14, 3, 2, 26]: "SHA-1",
        [2, 16, 840, 1, 101, 3, 4, 2, 4]: "SHA-224", [2, 16, 840, 1, 101, 3, 4, 2, 1]: "SHA-256",
        [2, 16, 840, 1, 101, 3, 4, 2, 2]: "SHA-384", [2, 16, 840, 1, 101, 3, 4, 2, 3]: "SHA-512",
        [1, 2, 840, 10045, 4, 1]: "ecdsa-with-SHA1", [1, 2, 840, 10045, 4, 3, 1]: "ecdsa-with-SHA224",
        [1, 2, 840, 10045, 4, 3, 2]: "ecdsa-with-SHA256", [1, 2, 840, 10045, 4, 3, 3]: "ecdsa-with-SHA384",
        [1, 2, 840, 10045, 4, 3, 4]: "ecdsa-with-SHA512",
        [1, 2, 840, 113_549, 1, 1, 1]: "rsaEncryption", [1, 2, 840, 113_549, 1, 1, 5]: "sha1WithRSAEncryption",
        [1, 2, 840, 113_549, 1, 1, 10]: "id-RSASSA-PSS", [1, 2, 840, 113_549, 1, 1, 11]: "sha256WithRSAEncryption",
        [1, 2, 840, 113_549, 1, 1, 12]: "sha384WithRSAEncryption", [1, 2, 840, 113_549, 1, 1, 13]: "sha512WithRSAEncryption",
        [1, 2, 840, 113_549, 1, 1, 14]: "sha224WithRSAEncryption",
        LDSObjectIdentifier.ldsSecurityObject: "id-icao-ldsSecurityObject",
        LDSObjectIdentifier.legacyLDSSecurityObject: "legacy ldsSecurityObject (1.3.27.1.1.1)",
        LDSObjectIdentifier.data: "id-data",
        LDSObjectIdentifier.contentTypeAttribute: "contentType", LDSObjectIdentifier.messageDigestAttribute: "messageDigest",
        LDSObjectIdentifier.signingTimeAttribute: "signingTime",
        LDSObjectIdentifier.cmsAlgorithmProtectionAttribute: "CMSAlgorithmProtection",
    ]

    static func name(_ oid: ASN1ObjectIdentifier) -> String { names[oid] ?? oid.description }

    static func isoDay(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}
