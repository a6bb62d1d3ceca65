import SwiftASN1
@testable import LDS

/// Builds small, unsigned EF.SOD structures in code for the variants no vector covers
/// (legacy eContentType, subjectKeyIdentifier sid, segmented eContent, indefinite 77).
enum SyntheticSOD {
    /// One TLV with a definite length.
    static func tlv(_ tag: UInt32, _ parts: [UInt8]...) -> [UInt8] {
        BERTLV.encode(tag: TLVTag(unchecked: tag), value: parts.flatMap { $0 })
    }

    /// One constructed TLV with an indefinite length.
    static func indefinite(_ tag: UInt32, _ parts: [UInt8]...) -> [UInt8] {
        TLVTag.bytes(of: tag) + [0x80] + parts.flatMap { $0 } + [0x00, 0x00]
    }

    static func oid(_ oid: ASN1ObjectIdentifier) -> [UInt8] {
        var serializer = DER.Serializer()
        // Serialising a valid OID cannot fail; an empty result would make the test fail visibly.
        try? serializer.serialize(oid)
        return serializer.serializedBytes
    }

    static let sha256Identifier = tlv(0x30, oid(LDSObjectIdentifier.sha256))
    static let ecdsaWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10_045, 4, 3, 2]

    /// A security object over DG1 and DG2 with made-up hashes.
    static func securityObject() throws -> LDSSecurityObject {
        try LDSSecurityObject(
            hashAlgorithm: CMSAlgorithmIdentifier(hash: .sha256),
            dataGroupHashes: [
                DataGroupHash(number: .dg1, dataGroupHashValue: Array(repeating: 0x11, count: 32)),
                DataGroupHash(number: .dg2, dataGroupHashValue: Array(repeating: 0x22, count: 32)),
            ])
    }

    /// A ContentInfo around `content`, signed (in form only) by a signer named by SKI.
    static func contentInfo(
        eContentType: ASN1ObjectIdentifier, content: [UInt8], segmented: Bool = false,
        subjectKeyIdentifier: [UInt8] = [0xAB, 0xCD, 0xEF]
    ) -> [UInt8] {
        let eContent: [UInt8]
        if segmented {
            let half = content.count / 2
            eContent = indefinite(0x24, tlv(0x04, Array(content[..<half])), tlv(0x04, Array(content[half...])))
        } else {
            eContent = tlv(0x04, content)
        }
        let attributes = tlv(0xA0,
                             tlv(0x30, oid(LDSObjectIdentifier.contentTypeAttribute), tlv(0x31, oid(eContentType))),
                             tlv(0x30, oid(LDSObjectIdentifier.messageDigestAttribute),
                                 tlv(0x31, tlv(0x04, Array(repeating: 0x5A, count: 32)))))
        let signerInfo = tlv(0x30, tlv(0x02, [3]), tlv(0x80, subjectKeyIdentifier), sha256Identifier, attributes,
                             tlv(0x30, oid(ecdsaWithSHA256)), tlv(0x04, Array(repeating: 0x99, count: 64)))
        let signedData = tlv(0x30, tlv(0x02, [3]), tlv(0x31, sha256Identifier),
                             tlv(0x30, oid(eContentType), tlv(0xA0, eContent)),
                             tlv(0x31, signerInfo))
        return tlv(0x30, oid(LDSObjectIdentifier.signedData), tlv(0xA0, signedData))
    }
}
