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
        try signedAttributes().encodedForSignature
    }

    /// The signed attributes, encoded once for both uses: `encodedForSignature` (tag `31`) to
    /// sign, `encoded` (tag `A0`) for the SignerInfo. Pass the same value to
    /// ``sodFile(signature:signedAttributes:securityObject:)`` so that what was signed is what is
    /// written.
    public func signedAttributes() throws(LDSError) -> CMSSignedAttributes {
        let members = try signedAttributeMembers()
        let content = members.flatMap(\.encoded)  // bulk copies; a FlattenCollection walks byte by byte
        return CMSSignedAttributes(
            encoded: DERTree.leaf(.contextConstructed0, content).bytes, encodedForSignature: DERTree.leaf(.set, content).bytes,
            attributes: members.map(\.attribute), contentType: contentType, messageDigest: messageDigest, signingTime: signingTime)
    }

    /// The DER `ContentInfo` (RFC 5652 §3) holding the SignedData, with `signature` (as the
    /// signer returned it: RSA block or DER Ecdsa-Sig-Value) in the SignerInfo. Wrap it with
    /// ``SODFile/init(contentInfo:)`` for EF.SOD.
    public func contentInfo(signature: [UInt8]) throws(LDSError) -> [UInt8] {
        try contentInfo(signature: signature, signedAttributes: try signedAttributes())
    }

    /// ``contentInfo(signature:)`` with signed attributes the caller already encoded.
    public func contentInfo(signature: [UInt8], signedAttributes: CMSSignedAttributes) throws(LDSError) -> [UInt8] {
        try encoding("ContentInfo") {
            .constructed(.sequence, [
                try .objectIdentifier(LDSObjectIdentifier.signedData),
                .constructed(.contextConstructed0, [try signedData(signature: signature, signedAttributes: signedAttributes)]),
            ])
        }
    }

    /// SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, certificates [0],
    /// signerInfos } (RFC 5652 §5.1), with one SignerInfo (§5.3).
    private func signedData(signature: [UInt8], signedAttributes: CMSSignedAttributes) throws -> DERTree {
        let digest = try digestAlgorithm.tree()
        let signerInfo = DERTree.constructed(.sequence, [
            .integer(namesSignerByKeyIdentifier ? 3 : 1),
            signerIdentifier.tree,
            digest,
            .encoded(signedAttributes.encoded),
            try signatureAlgorithm.tree(),
            .leaf(.octetString, signature),
        ])
        var fields: [DERTree] = [
            .integer(UInt8(signedDataVersion)),
            .constructed(.set, [digest]),
            .constructed(.sequence, [
                try .objectIdentifier(contentType),
                .constructed(.contextConstructed0, [.leaf(.octetString, content)]),
            ]),
        ]
        if !certificates.isEmpty {
            fields.append(.constructed(.contextConstructed0, Self.derSetOrder(certificates).map(DERTree.encoded)))
        }
        fields.append(.constructed(.set, [signerInfo]))
        return .constructed(.sequence, fields)
    }

    /// The signed attributes in DER `SET OF` order, each encoded and as a value.
    func signedAttributeMembers() throws(LDSError) -> [(encoded: [UInt8], attribute: CMSAttribute)] {
        do {
            var values: [(ASN1ObjectIdentifier, [UInt8])] = [
                (LDSObjectIdentifier.contentTypeAttribute, try DERTree.objectIdentifier(contentType).bytes),
                (LDSObjectIdentifier.messageDigestAttribute, DERTree.leaf(.octetString, messageDigest).bytes),
            ]
            if let signingTime { values.append((LDSObjectIdentifier.signingTimeAttribute, signingTime.encoded)) }
            let members = try values.map { type, value in
                (encoded: DERTree.constructed(.sequence, [try .objectIdentifier(type), .leaf(.set, value)]).bytes,
                 attribute: CMSAttribute(type: type, values: [value]))
            }
            return members.sorted { $0.encoded.lexicographicallyPrecedes($1.encoded) }
        } catch {
            throw LDSError(.encodingFailed, structure: "SignerInfo.signedAttrs", reason: "DER encoding failed: \(error)",
                           remedy: "Check the content type and message digest.")
        }
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

    private func encoding(_ structure: String, _ tree: () throws -> DERTree) throws(LDSError) -> [UInt8] {
        do {
            return try tree().bytes
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

    /// IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber INTEGER }, or
    /// SubjectKeyIdentifier as `[0] IMPLICIT OCTET STRING` (RFC 5652 §5.3).
    var tree: DERTree {
        switch self {
        case .issuerAndSerialNumber(let issuer, let serialNumber):
            return .constructed(.sequence, [.encoded(issuer), .leaf(.integer, serialNumber)])
        case .subjectKeyIdentifier(let identifier):
            return .leaf(.contextPrimitive0, identifier)
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

extension CMSSigningTime {
    /// The signing time for an instant given as whole seconds since 1970-01-01T00:00:00Z, in
    /// the proleptic Gregorian calendar in UTC (RFC 5652 §11.3; leap seconds are not counted,
    /// as POSIX time does not count them).
    ///
    /// - Throws: ``LDSError`` for instants before year 1 or after year 9999.
    public init(secondsSince1970 seconds: Int64) throws(LDSError) {
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let (year, month, dayOfMonth) = Self.civilDate(daysSince1970: day)
        try self.init(year: year, month: month, day: dayOfMonth, hours: Int(second / 3600),
                      minutes: Int(second % 3600 / 60), seconds: Int(second % 60))
    }

    /// Year, month and day of the Gregorian date `days` after 1970-01-01. The calendar repeats
    /// every 400 years (146 097 days); counting years from 1 March puts the leap day last, so
    /// the month lengths before it never depend on the year.
    static func civilDate(daysSince1970 days: Int64) -> (year: Int, month: Int, day: Int) {
        let fromMarch0000 = days + 719_468  // 0000-03-01 → 1970-01-01
        let era = (fromMarch0000 >= 0 ? fromMarch0000 : fromMarch0000 - 146_096) / 146_097
        let dayOfEra = fromMarch0000 - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
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
