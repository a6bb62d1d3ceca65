import SwiftASN1

/// A structural view of a CMS `SignedData` (RFC 5652 §5) as carried by EF.SOD, CSCA master
/// lists and EF.CardSecurity. No cryptography is done here: this is what a verifier needs to
/// hand to a crypto library, and what an inspection report needs to show.
///
/// ```
/// ContentInfo ::= SEQUENCE { contentType ContentType, content [0] EXPLICIT ANY DEFINED BY contentType }
/// SignedData ::= SEQUENCE {
///     version CMSVersion,
///     digestAlgorithms DigestAlgorithmIdentifiers,        -- SET OF AlgorithmIdentifier
///     encapContentInfo EncapsulatedContentInfo,
///     certificates [0] IMPLICIT CertificateSet OPTIONAL,
///     crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
///     signerInfos SignerInfos }                           -- SET OF SignerInfo
/// EncapsulatedContentInfo ::= SEQUENCE {
///     eContentType ContentType,
///     eContent [0] EXPLICIT OCTET STRING OPTIONAL }
/// ```
public struct CMSSignedData: Sendable, Hashable {
    /// `version` (CMSVersion; 3 in ICAO SODs, 1 in some older ones).
    public let version: Int
    /// `digestAlgorithms`, in encoded order.
    public let digestAlgorithms: [CMSAlgorithmIdentifier]
    /// `encapContentInfo.eContentType`.
    public let encapsulatedContentType: ASN1ObjectIdentifier
    /// The eContent octets (for EF.SOD: the DER of the LDS security object); `nil` if detached.
    /// A constructed (segmented) OCTET STRING is returned with its segments concatenated.
    public let encapsulatedContent: [UInt8]?
    /// Whether eContent used the constructed OCTET STRING form (X.690 §8.7.3).
    public let encapsulatedContentWasSegmented: Bool
    /// The `certificates` that are X.509 `Certificate`s, each as its complete encoded element.
    /// Other `CertificateChoices` (attribute certificates, never used by ICAO) are not returned.
    public let certificates: [[UInt8]]
    /// The `crls` entries, each as its complete encoded element.
    public let crls: [[UInt8]]
    /// `signerInfos`, in encoded order.
    public let signerInfos: [CMSSignerInfo]

    /// Parses a DER or BER `ContentInfo` whose contentType is `id-signedData`.
    ///
    /// - Throws: ``LDSError`` naming the field and its offset in `contentInfo`.
    public init(contentInfo: [UInt8]) throws(LDSError) {
        let root = try BERTLV.decode(contentInfo, structure: "ContentInfo")
        try self.init(contentInfoElement: root)
    }

    init(
        version: Int, digestAlgorithms: [CMSAlgorithmIdentifier], contentType: ASN1ObjectIdentifier,
        content: [UInt8]?, segmented: Bool, certificates: [[UInt8]], crls: [[UInt8]], signerInfos: [CMSSignerInfo]
    ) {
        self.version = version
        self.digestAlgorithms = digestAlgorithms
        self.encapsulatedContentType = contentType
        self.encapsulatedContent = content
        self.encapsulatedContentWasSegmented = segmented
        self.certificates = certificates
        self.crls = crls
        self.signerInfos = signerInfos
    }
}

/// A CMS `SignerInfo` (RFC 5652 §5.3).
///
/// ```
/// SignerInfo ::= SEQUENCE {
///     version CMSVersion,
///     sid SignerIdentifier,
///     digestAlgorithm DigestAlgorithmIdentifier,
///     signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
///     signatureAlgorithm SignatureAlgorithmIdentifier,
///     signature SignatureValue,
///     unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
/// ```
///
/// `signatureAlgorithm` is often the bare `rsaEncryption` OID (AU, NZ, US): the hash is then
/// given by ``digestAlgorithm``. Some documents pair a SHA-512 digest with a SHA-256 signature
/// algorithm; both are reported as found.
public struct CMSSignerInfo: Sendable, Hashable {
    /// `version`: 1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier.
    public let version: Int
    /// `sid`.
    public let signerIdentifier: CMSSignerIdentifier
    /// `digestAlgorithm`.
    public let digestAlgorithm: CMSAlgorithmIdentifier
    /// `signedAttrs`, if present.
    public let signedAttributes: CMSSignedAttributes?
    /// `signatureAlgorithm`, parameters (e.g. RSASSA-PSS-params) as raw DER.
    public let signatureAlgorithm: CMSAlgorithmIdentifier
    /// `signature`: the signature octets (RSA block, or DER ECDSA-Sig-Value).
    public let signature: [UInt8]
    /// `unsignedAttrs` as the complete `[1]` element found, if present.
    public let unsignedAttributes: [UInt8]?
}

/// `SignerIdentifier ::= CHOICE { issuerAndSerialNumber IssuerAndSerialNumber,
/// subjectKeyIdentifier [0] SubjectKeyIdentifier }` (RFC 5652 §5.3).
public enum CMSSignerIdentifier: Sendable, Hashable {
    /// `IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber CertificateSerialNumber }`:
    /// the issuer `Name` as its complete encoded element, and the serial's INTEGER content octets
    /// as found (two's complement, leading zero kept). Compare names after normalising them:
    /// some documents (MY) order the RDNs differently from their certificate.
    case issuerAndSerialNumber(issuer: [UInt8], serialNumber: [UInt8])
    /// The subject key identifier octets.
    case subjectKeyIdentifier([UInt8])
}

/// The `signedAttrs` of a SignerInfo (RFC 5652 §5.3, §11).
public struct CMSSignedAttributes: Sendable, Hashable {
    /// The `[0] IMPLICIT` element exactly as found (first byte `A0`).
    public let encoded: [UInt8]
    /// The bytes the signature is computed over: the same attributes with the `SET OF` tag `31`
    /// instead of `A0` (RFC 5652 §5.4), with definite lengths.
    public let encodedForSignature: [UInt8]
    /// Every attribute, in encoded order.
    public let attributes: [CMSAttribute]
    /// The `contentType` attribute (must equal the eContentType), if present.
    public let contentType: ASN1ObjectIdentifier?
    /// The `messageDigest` attribute (the eContent's digest), if present.
    public let messageDigest: [UInt8]?
    /// The `signingTime` attribute, if present and readable; the raw value stays in ``attributes``.
    /// DE and FI SODs carry none.
    public let signingTime: CMSSigningTime?
}

/// `Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue }`.
public struct CMSAttribute: Sendable, Hashable {
    /// `attrType`.
    public let type: ASN1ObjectIdentifier
    /// Each `AttributeValue` as its complete encoded element.
    public let values: [[UInt8]]
}

/// The value of a `signingTime` attribute: `Time ::= CHOICE { utcTime UTCTime, generalTime
/// GeneralizedTime }` (RFC 5652 §11.3), in UTC.
public struct CMSSigningTime: Sendable, Hashable, CustomStringConvertible {
    /// The UTCTime or GeneralizedTime element as found.
    public let encoded: [UInt8]
    /// The four-digit year (UTCTime years 50–99 are 1950–1999, 00–49 are 2000–2049).
    public let year: Int
    /// Month 1…12.
    public let month: Int
    /// Day 1…31.
    public let day: Int
    /// Hour 0…23.
    public let hours: Int
    /// Minute 0…59.
    public let minutes: Int
    /// Second 0…59 (fractions dropped).
    public let seconds: Int

    /// ISO 8601, e.g. `"2019-11-14T22:07:40Z"`.
    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(seconds, 2))Z"
    }
}
