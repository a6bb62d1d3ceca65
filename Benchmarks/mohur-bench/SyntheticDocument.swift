import Foundation
import LDS
import OpenSSLKit
import SwiftASN1

/// A CSCA, a Document Signer and an EF.SOD over DG1 and DG2, built in code for one curve, so
/// that passive authentication can be timed on chains no real vector offers (P-256).
struct SyntheticDocument {
    let csca: Certificate
    let documentSigner: Certificate
    let dsKey: PrivateKey
    let sod: [UInt8]
    let dataGroups: [DataGroupNumber: [UInt8]]
    /// The DER signed attributes and their signature, for OpenSSL's raw verify loop.
    let signedAttributes: [UInt8]
    let signature: [UInt8]
    let scheme: SignatureScheme

    init(curve: Curve) throws {
        scheme = .ecdsa(curve.matchingDigest)
        let cscaKey = try PrivateKey.generate(.ec(curve))
        dsKey = try PrivateKey.generate(.ec(curve))
        let cscaName = try DistinguishedName(parsing: "C=AZ, O=Bench, CN=Bench CSCA \(curve.rawValue)")
        let now = Date()
        let ca: [CertificateExtension] = [
            CertificateExtension(oid: [2, 5, 29, 19], critical: true, value: [0x30, 0x03, 0x01, 0x01, 0xFF]),
            CertificateExtension(oid: [2, 5, 29, 15], critical: true, value: [0x03, 0x02, 0x01, 0x06]),
        ]
        let explicit = true  // Doc 9303-12 §4.4.3: explicit domain parameters, the expensive case to parse
        csca = try CertificateBuilder.build(
            CertificateTemplate(serialNumber: [1], subject: cscaName, issuer: cscaName, notBefore: now - 86_400,
                                notAfter: now + 86_400 * 3650,
                                subjectPublicKeyInfo: try cscaKey.publicKey.subjectPublicKeyInfo(explicitECParameters: explicit),
                                extensions: ca),
            scheme: scheme) { try cscaKey.sign($0, scheme: .ecdsa(curve.matchingDigest)) }
        documentSigner = try CertificateBuilder.build(
            CertificateTemplate(serialNumber: [2], subject: try DistinguishedName(parsing: "C=AZ, O=Bench, CN=Bench DS"),
                                issuer: cscaName, notBefore: now - 86_400, notAfter: now + 86_400 * 3650,
                                subjectPublicKeyInfo: try dsKey.publicKey.subjectPublicKeyInfo(explicitECParameters: explicit),
                                extensions: [CertificateExtension(oid: [2, 5, 29, 15], critical: true, value: [0x03, 0x02, 0x07, 0x80])]),
            scheme: scheme) { try cscaKey.sign($0, scheme: .ecdsa(curve.matchingDigest)) }

        let dg1 = [UInt8]([0x61, 0x05, 0x5F, 0x1F, 0x02, 0x41, 0x5A])
        let dg2 = [UInt8]([0x75, 0x04]) + Array(repeating: 0x42, count: 4)
        dataGroups = [.dg1: dg1, .dg2: dg2]
        let hash = try Digest.hash(.sha256, dg1), hash2 = try Digest.hash(.sha256, dg2)
        let securityObject = try LDSSecurityObject(
            hashAlgorithm: CMSAlgorithmIdentifier(hash: .sha256),
            dataGroupHashes: [DataGroupHash(number: .dg1, dataGroupHashValue: hash), DataGroupHash(number: .dg2, dataGroupHashValue: hash2)]
        ).derEncoded()
        let attributes = Self.tlv(0x30, Self.oid(LDSObjectIdentifier.contentTypeAttribute), Self.tlv(0x31, Self.oid(LDSObjectIdentifier.ldsSecurityObject)))
            + Self.tlv(0x30, Self.oid(LDSObjectIdentifier.messageDigestAttribute),
                       Self.tlv(0x31, Self.tlv(0x04, try Digest.hash(.sha256, securityObject))))
        signedAttributes = Self.tlv(0x31, attributes)
        signature = try dsKey.sign(signedAttributes, scheme: scheme)
        let sha256 = Self.tlv(0x30, Self.oid(LDSObjectIdentifier.sha256))
        let sid = Self.tlv(0x30, try documentSigner.issuer.derEncoded(), Self.tlv(0x02, [2]))
        let signerInfo = Self.tlv(0x30, Self.tlv(0x02, [1]), sid, sha256, Self.tlv(0xA0, attributes),
                                  scheme.algorithmIdentifierDER, Self.tlv(0x04, signature))
        let signedData = Self.tlv(0x30, Self.tlv(0x02, [3]), Self.tlv(0x31, sha256),
                                  Self.tlv(0x30, Self.oid(LDSObjectIdentifier.ldsSecurityObject), Self.tlv(0xA0, Self.tlv(0x04, securityObject))),
                                  Self.tlv(0xA0, documentSigner.derEncoded), Self.tlv(0x31, signerInfo))
        sod = Self.tlv(0x77, Self.tlv(0x30, Self.oid(LDSObjectIdentifier.signedData), Self.tlv(0xA0, signedData)))
    }

    /// One DER TLV with a one-byte tag.
    static func tlv(_ tag: UInt8, _ parts: [UInt8]...) -> [UInt8] {
        let value = parts.flatMap { $0 }
        var length: [UInt8]
        if value.count < 0x80 {
            length = [UInt8(value.count)]
        } else {
            length = withUnsafeBytes(of: UInt32(value.count).bigEndian, Array.init).drop { $0 == 0 }.map { $0 }
            length.insert(0x80 | UInt8(length.count), at: 0)
        }
        return [tag] + length + value
    }

    static func oid(_ oid: ASN1ObjectIdentifier) -> [UInt8] {
        var serializer = DER.Serializer()
        try? serializer.serialize(oid)
        return serializer.serializedBytes
    }
}
