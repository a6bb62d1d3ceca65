import SwiftASN1

/// Builds the DER of a CMS `SignedData` with one signer over an encapsulated content, as EF.SOD
/// carries it (RFC 5652 §5; Doc 9303-10 §4.6.2; Doc 9303-12 §4.4 for the algorithms).
///
/// The module stays pure: the caller supplies the digest of the content and, in a second step,
/// the signature, which Mohur makes inside an HSM. Signing is therefore two calls:
///
/// 1. ``signedAttributesForSignature()`` gives the DER `SET OF Attribute` (tag `31`) that the
///    signature covers (RFC 5652 §5.4);
/// 2. ``contentInfo(signature:)`` gives the complete `ContentInfo` with that signature in place
///    and the same attributes as `[0] IMPLICIT` (tag `A0`).
///
/// What is written (RFC 5652 §5.1, §5.3, §11):
/// - `SignedData.version` 3 when the eContentType is not `id-data` or the signer is named by
///   subject key identifier (always 3 for EF.SOD), else 1;
/// - `digestAlgorithms` holding the signer's digest algorithm;
/// - `encapContentInfo` with the eContent embedded;
/// - `certificates [0]` with the given certificates (the Document Signer certificate);
/// - one `SignerInfo`, version 1 with `issuerAndSerialNumber` or 3 with `subjectKeyIdentifier`,
///   signed attributes `contentType`, `messageDigest` and optionally `signingTime`, in DER
///   `SET OF` order (X.690 §11.6).
public struct CMSSignedDataBuilder: Sendable, Hashable {
    /// `encapContentInfo.eContentType` (for EF.SOD: ``LDSObjectIdentifier/ldsSecurityObject``).
    public var contentType: ASN1ObjectIdentifier
    /// The eContent octets (for EF.SOD: the DER of the ``LDSSecurityObject``).
    public var content: [UInt8]
    /// The signer's `digestAlgorithm`: the hash of ``content`` and of the signed attributes.
    public var digestAlgorithm: CMSAlgorithmIdentifier
    /// The digest of ``content`` under ``digestAlgorithm`` (the `messageDigest` attribute).
    public var messageDigest: [UInt8]
    /// The `signingTime` attribute, or `nil` to leave it out.
    public var signingTime: CMSSigningTime?
    /// How the SignerInfo names the signer's certificate.
    public var signerIdentifier: CMSSignerIdentifier
    /// The `signatureAlgorithm` (e.g. ecdsa-with-SHA256, or id-RSASSA-PSS with its parameters).
    public var signatureAlgorithm: CMSAlgorithmIdentifier
    /// Complete DER certificates for `SignedData.certificates`.
    public var certificates: [[UInt8]]

    /// Collects what the SignedData will say; nothing is encoded yet.
    public init(
        contentType: ASN1ObjectIdentifier, content: [UInt8], digestAlgorithm: CMSAlgorithmIdentifier,
        messageDigest: [UInt8], signingTime: CMSSigningTime?, signerIdentifier: CMSSignerIdentifier,
        signatureAlgorithm: CMSAlgorithmIdentifier, certificates: [[UInt8]]
    ) {
        self.contentType = contentType
        self.content = content
        self.digestAlgorithm = digestAlgorithm
        self.messageDigest = messageDigest
        self.signingTime = signingTime
        self.signerIdentifier = signerIdentifier
        self.signatureAlgorithm = signatureAlgorithm
        self.certificates = certificates
    }

    /// The DER `SignedAttributes` as a `SET OF` (tag `31`): the exact bytes to hash and sign
    /// (RFC 5652 §5.4).
    public func signedAttributesForSignature() throws(LDSError) -> [UInt8] {
        try encoding("SignerInfo.signedAttrs") { serializer in
            serializer.serializeRawBytes(BERTLV.encode(tag: .set, value: try signedAttributeContent()))
        }
    }

    /// The DER `ContentInfo` (RFC 5652 §3) holding the SignedData, with `signature` (as the
    /// signer returned it: RSA block or DER Ecdsa-Sig-Value) in the SignerInfo. Wrap it with
    /// ``SODFile/init(contentInfo:)`` for EF.SOD.
    public func contentInfo(signature: [UInt8]) throws(LDSError) -> [UInt8] {
        try contentInfo(signature: signature, attributeContent: nil)
    }

    /// ``contentInfo(signature:)`` with the signed attributes' content octets when the caller
    /// already encoded them.
    func contentInfo(signature: [UInt8], attributeContent: [UInt8]?) throws(LDSError) -> [UInt8] {
        try encoding("ContentInfo") { serializer in
            let attributes = try attributeContent ?? signedAttributeContent()
            try serializer.appendConstructedNode(identifier: .sequence) { info in
                try info.serialize(LDSObjectIdentifier.signedData)
                try info.appendConstructedNode(identifier: Self.context0) { explicit in
                    try appendSignedData(into: &explicit, signature: signature, signedAttributes: attributes)
                }
            }
        }
    }

    /// SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, certificates [0],
    /// signerInfos } (RFC 5652 §5.1).
    private func appendSignedData(into serializer: inout DER.Serializer, signature: [UInt8], signedAttributes: [UInt8]) throws {
        let isSKI = namesSignerByKeyIdentifier
        let version = signedDataVersion
        try serializer.appendConstructedNode(identifier: .sequence) { signed in
            try signed.serialize(version)
            try signed.appendConstructedNode(identifier: .set) { set in try digestAlgorithm.serialize(into: &set) }
            try signed.appendConstructedNode(identifier: .sequence) { encapsulated in
                try encapsulated.serialize(contentType)
                try encapsulated.appendConstructedNode(identifier: Self.context0) { explicit in
                    try explicit.serialize(ASN1OctetString(contentBytes: content[...]))
                }
            }
            if !certificates.isEmpty {
                signed.serializeRawBytes(BERTLV.encode(tag: .contextConstructed0, value: Self.derSetOrder(certificates).flatMap { $0 }))
            }
            try signed.appendConstructedNode(identifier: .set) { infos in
                try infos.appendConstructedNode(identifier: .sequence) { info in
                    try info.serialize(isSKI ? 3 : 1)
                    signerIdentifier.serialize(into: &info)
                    try digestAlgorithm.serialize(into: &info)
                    info.serializeRawBytes(BERTLV.encode(tag: .contextConstructed0, value: signedAttributes))
                    try signatureAlgorithm.serialize(into: &info)
                    try info.serialize(ASN1OctetString(contentBytes: signature[...]))
                }
            }
        }
    }

    /// The content octets of the signed attributes SET OF, members in DER order.
    func signedAttributeContent() throws -> [UInt8] {
        try signedAttributeMembers().flatMap(\.encoded)
    }

    /// The signed attributes in DER `SET OF` order, each encoded and as a value.
    func signedAttributeMembers() throws -> [(encoded: [UInt8], attribute: CMSAttribute)] {
        var values: [(ASN1ObjectIdentifier, [UInt8])] = [
            (LDSObjectIdentifier.contentTypeAttribute, try Self.der { try $0.serialize(contentType) }),
            (LDSObjectIdentifier.messageDigestAttribute, try Self.der { try $0.serialize(ASN1OctetString(contentBytes: messageDigest[...])) }),
        ]
        if let signingTime { values.append((LDSObjectIdentifier.signingTimeAttribute, signingTime.encoded)) }
        let members = try values.map { type, value in
            (encoded: try Self.der { attribute in
                try attribute.appendConstructedNode(identifier: .sequence) { sequence in
                    try sequence.serialize(type)
                    sequence.serializeRawBytes(BERTLV.encode(tag: .set, value: value))
                }
            }, attribute: CMSAttribute(type: type, values: [value]))
        }
        return members.sorted { $0.encoded.lexicographicallyPrecedes($1.encoded) }
    }

    static func der(_ body: (inout DER.Serializer) throws -> Void) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try body(&serializer)
        return serializer.serializedBytes
    }

    /// Whether the SignerInfo names the signer by subject key identifier (SignerInfo v3).
    var namesSignerByKeyIdentifier: Bool {
        if case .subjectKeyIdentifier = signerIdentifier { return true }
        return false
    }

    /// RFC 5652 §5.1: 3 when eContentType is not id-data or a SignerInfo is v3, else 1.
    var signedDataVersion: Int { contentType != LDSObjectIdentifier.data || namesSignerByKeyIdentifier ? 3 : 1 }

    /// DER orders the members of a SET OF by their encodings as octet strings (X.690 §11.6).
    static func derSetOrder(_ members: [[UInt8]]) -> [[UInt8]] {
        members.sorted { $0.lexicographicallyPrecedes($1) }
    }

    private static let context0 = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)

    private func encoding(_ structure: String, _ body: (inout DER.Serializer) throws -> Void) throws(LDSError) -> [UInt8] {
        do {
            var serializer = DER.Serializer()
            try body(&serializer)
            return serializer.serializedBytes
        } catch {
            throw LDSError(.encodingFailed, structure: structure, reason: "DER encoding failed: \(error)",
                           remedy: "Check that the algorithm parameters and certificates are complete DER elements.")
        }
    }
}

extension CMSSignerIdentifier {
    /// The `issuerAndSerialNumber` naming `certificate` (RFC 5652 §5.3): its issuer `Name` and
    /// serial number copied byte for byte from the TBSCertificate (RFC 5280 §4.1), so that a
    /// verifier matching by encoding finds the certificate.
    ///
    /// - Throws: ``LDSError`` if `certificate` is not a DER X.509 certificate.
    public init(issuerAndSerialNumberOf certificate: [UInt8]) throws(LDSError) {
        let root = try BERTLV.decode(certificate, structure: "Certificate")
        try root.expectTag(.sequence, "Certificate SEQUENCE")
        let parts = try root.children()
        try BERTLV.require(parts, count: 1, in: root, "Certificate")
        let tbs = parts[0].labelled("TBSCertificate")
        try tbs.expectTag(.sequence, "TBSCertificate SEQUENCE")
        let fields = try tbs.children()
        // [0] EXPLICIT version is optional; serialNumber, signature and issuer follow it.
        let first = fields.first?.tag == .contextConstructed0 ? 1 : 0
        try BERTLV.require(fields, count: first + 3, in: tbs, "TBSCertificate")
        let serial = try fields[first].labelled("TBSCertificate.serialNumber").integerContent("serialNumber")
        let issuer = fields[first + 2].labelled("TBSCertificate.issuer")
        try issuer.expectTag(.sequence, "issuer Name")
        self = .issuerAndSerialNumber(issuer: Array(issuer.encoded), serialNumber: serial)
    }

    func serialize(into serializer: inout DER.Serializer) {
        switch self {
        case .issuerAndSerialNumber(let issuer, let serialNumber):
            serializer.serializeRawBytes(BERTLV.encode(tag: .sequence,
                                                       value: issuer + BERTLV.encode(tag: .integer, value: serialNumber)))
        case .subjectKeyIdentifier(let identifier):
            serializer.serializeRawBytes(BERTLV.encode(tag: .contextPrimitive0, value: identifier))
        }
    }
}

extension CMSSigningTime {
    /// A signing time in UTC, encoded as RFC 5652 §11.3 requires: UTCTime for 1950–2049,
    /// GeneralizedTime otherwise, both with seconds and `Z`.
    ///
    /// - Throws: ``LDSError`` when a field is out of range.
    public init(year: Int, month: Int, day: Int, hours: Int, minutes: Int, seconds: Int) throws(LDSError) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day),
              (0...23).contains(hours), (0...59).contains(minutes), (0...59).contains(seconds) else {
            throw LDSError(.invalidValue, structure: "signingTime",
                           reason: "\(year)-\(month)-\(day) \(hours):\(minutes):\(seconds) is not a valid UTC time",
                           remedy: "Pass calendar fields of a real instant in UTC.")
        }
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let clock = pad(month, 2) + pad(day, 2) + pad(hours, 2) + pad(minutes, 2) + pad(seconds, 2) + "Z"
        let utc = (1950...2049).contains(year)
        let text = (utc ? pad(year % 100, 2) : pad(year, 4)) + clock
        encoded = BERTLV.encode(tag: utc ? .utcTime : .generalizedTime, value: Array(text.utf8))
        (self.year, self.month, self.day, self.hours, self.minutes, self.seconds) = (year, month, day, hours, minutes, seconds)
    }
}

extension CMSAlgorithmIdentifier {
    /// Reads one DER `AlgorithmIdentifier` (e.g. the one a signature scheme names itself with),
    /// parameters kept as raw DER.
    ///
    /// - Throws: ``LDSError`` if `bytes` is not exactly one AlgorithmIdentifier.
    public init(derEncoded bytes: [UInt8]) throws(LDSError) {
        try self.init(element: try BERTLV.decode(bytes, structure: "AlgorithmIdentifier"))
    }
}
