import LDS
import OpenSSLKit
import SwiftASN1

/// The outcome of checking one CMS SignerInfo against a candidate key (RFC 5652 §5.4, §5.6;
/// Doc 9303-11 §5.1 steps 1–2 for EF.SOD, Doc 9303-12 §8 for master lists).
struct SignerCheck: Sendable {
    /// The scheme that verified the signature, or nil if none did.
    var scheme: VerificationScheme?
    /// messageDigest equals the hash of eContent (nil when there are no signed attributes).
    var messageDigestMatches: Bool?
    /// The contentType attribute equals eContentType (nil when the attribute is absent).
    var contentTypeMatches: Bool?
    /// Why a part failed or deviated, in words.
    var notes: [String] = []

    var signatureValid: Bool { scheme != nil }
    var isValid: Bool { signatureValid && messageDigestMatches != false && contentTypeMatches != false }
}

enum SignerVerification {
    /// The hash a SignerInfo names in digestAlgorithm, if OpenSSL knows it.
    static func digest(_ algorithm: CMSAlgorithmIdentifier) -> DigestAlgorithm? {
        DigestAlgorithm(oid: algorithm.algorithm)
    }

    /// Checks `signer` over `content` with `key`. With signed attributes the signature covers
    /// their DER re-tagged as SET OF (RFC 5652 §5.4) and messageDigest must equal the hash of
    /// eContent; without them it covers eContent itself.
    static func check(_ signer: CMSSignerInfo, content: [UInt8], contentType: ASN1ObjectIdentifier,
                      key: PublicKey) -> SignerCheck {
        var result = SignerCheck()
        let digest = digest(signer.digestAlgorithm)
        let algorithm = SignatureAlgorithm(oid: signer.signatureAlgorithm.algorithm,
                                           parameters: signer.signatureAlgorithm.parameters)
        guard let attributes = signer.signedAttributes else {
            result.scheme = key.verify(signature: signer.signature, message: content, algorithm: algorithm,
                                       digestAlgorithm: digest)
            result.notes.append("the SignerInfo has no signed attributes (Doc 9303-10 §4.6.2 requires them)")
            return result
        }
        result.scheme = key.verify(signature: signer.signature, message: attributes.encodedForSignature,
                                   algorithm: algorithm, digestAlgorithm: digest)
        if let expected = attributes.messageDigest {
            if let digest, let actual = try? Digest.hash(digest, content) {
                result.messageDigestMatches = actual == expected
            } else {
                result.messageDigestMatches = false
                result.notes.append("digestAlgorithm \(signer.digestAlgorithm.algorithm) is not a supported hash")
            }
        } else {
            result.messageDigestMatches = false
            result.notes.append("the messageDigest attribute is missing (RFC 5652 §5.3 requires it)")
        }
        if let declared = attributes.contentType {
            result.contentTypeMatches = declared == contentType
        } else {
            result.notes.append("the contentType attribute is missing (RFC 5652 §5.3 requires it)")
        }
        if let digest, let schemeDigest = result.scheme?.digest, schemeDigest != digest {
            result.notes.append("digestAlgorithm \(digest.rawValue) differs from the signature's hash \(schemeDigest.rawValue)")
        }
        return result
    }

    /// Whether `certificate` is the one `sid` names: by subjectKeyIdentifier, or by serial
    /// number and issuer compared as normalised names (RFC 5652 §5.3; MY reorders the RDNs).
    static func matches(_ certificate: Certificate, _ sid: CMSSignerIdentifier) -> Bool {
        switch sid {
        case .subjectKeyIdentifier(let ski):
            return certificate.subjectKeyIdentifier == ski
        case .issuerAndSerialNumber(let issuer, let serial):
            guard magnitude(certificate.serialNumberBytes) == magnitude(serial) else { return false }
            guard let name = try? DistinguishedName(derEncoded: issuer) else { return false }
            return name.normalisedKey == certificate.issuer.normalisedKey
        }
    }

    /// INTEGER content octets without redundant leading zero octets.
    static func magnitude(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        var slice = bytes[...]
        while slice.count > 1, slice.first == 0 { slice = slice.dropFirst() }
        return slice
    }

    /// Describes a SignerIdentifier for a report.
    static func describe(_ sid: CMSSignerIdentifier) -> String {
        switch sid {
        case .subjectKeyIdentifier(let ski): "subjectKeyIdentifier \(Digest.hex(ski))"
        case .issuerAndSerialNumber(let issuer, let serial):
            "issuer \((try? DistinguishedName(derEncoded: issuer))?.description ?? "?"), serial \(Digest.hex(serial))"
        }
    }
}
