import SwiftASN1

/// EF.SOD, the document security object (Doc 9303-10 §4.6.2): tag `77` wrapping a CMS
/// `ContentInfo` whose SignedData carries the ``LDSSecurityObject``.
///
/// Decoding accepts what real passports do:
/// - BER indefinite lengths in the `77` wrapper or inside the ContentInfo (New Zealand);
/// - eContentType `id-icao-ldsSecurityObject`, the legacy `1.3.27.1.1.1` (France, Belgium)
///   or `id-data` (China);
/// - eContent as a constructed (segmented) OCTET STRING.
///
/// No signature is checked here; ``contentInfoBytes`` is what to hand to a CMS library,
/// and ``signedData`` holds the pieces a verifier needs.
public struct SODFile: Sendable, Hashable {
    /// The complete EF.SOD file as decoded (or as built by ``init(contentInfo:)``).
    public let encoded: [UInt8]
    /// The `ContentInfo` exactly as found inside the `77` wrapper (BER, if the file used BER).
    public let contentInfoBytes: [UInt8]
    /// Whether the `77` wrapper or the ContentInfo uses indefinite lengths anywhere.
    public let usesIndefiniteLengths: Bool
    /// The ContentInfo with every indefinite length made definite (identical to
    /// ``contentInfoBytes`` when ``usesIndefiniteLengths`` is false). Signed attributes and
    /// eContent octets are unchanged, so signatures still verify over it.
    public let definiteLengthContentInfoBytes: [UInt8]
    /// The structural view of the CMS SignedData.
    public let signedData: CMSSignedData
    /// The decoded LDS security object (the eContent).
    public let ldsSecurityObject: LDSSecurityObject

    /// The eContentType found (one of ``LDSObjectIdentifier/acceptedSODContentTypes``).
    public var contentType: ASN1ObjectIdentifier { signedData.encapsulatedContentType }

    /// The DER of the LDS security object as signed (the eContent octets).
    public var ldsSecurityObjectBytes: [UInt8] { signedData.encapsulatedContent ?? [] }

    /// Decodes an EF.SOD file read from a chip.
    ///
    /// - Throws: ``LDSError`` with the offset in `bytes` of the first problem found: wrong outer
    ///   tag, truncation, malformed TLV, a ContentInfo that is not SignedData, an eContentType
    ///   other than the three accepted, a missing eContent or SignerInfo, or a malformed
    ///   LDS security object.
    public init(encoded bytes: [UInt8]) throws(LDSError) {
        let wrapper = try BERTLV.decode(bytes, structure: "EF.SOD")
        guard wrapper.tag == .efSOD else {
            throw LDSError(.unexpectedTag, structure: "EF.SOD", offset: wrapper.offset,
                           reason: "the file starts with tag \(wrapper.tag); EF.SOD starts with 77",
                           remedy: "Check that the file read is EF.SOD (file identifier 011D); "
                               + "a bare ContentInfo (tag 30) must be wrapped with SODFile(contentInfo:).")
        }
        let inside = try wrapper.children()
        guard inside.count == 1 else {
            let problemOffset = inside.count > 1 ? inside[1].offset : wrapper.offset
            throw LDSError(inside.isEmpty ? .missingElement : .trailingData, structure: "EF.SOD", offset: problemOffset,
                           reason: "the 77 wrapper holds \(inside.count) elements; it must hold exactly one ContentInfo",
                           remedy: LDSError.rereadRemedy)
        }
        let contentInfo = inside[0]
        let signedData = try CMSSignedData(contentInfoElement: contentInfo)
        guard LDSObjectIdentifier.acceptedSODContentTypes.contains(signedData.encapsulatedContentType) else {
            throw LDSError(.unsupportedObjectIdentifier, structure: "EF.SOD eContentType", offset: contentInfo.offset,
                           reason: "eContentType is \(signedData.encapsulatedContentType); EF.SOD carries "
                               + "2.23.136.1.1.1 (or the legacy 1.3.27.1.1.1, or id-data)",
                           remedy: "Check that the file is EF.SOD and not a master list or EF.CardSecurity.")
        }
        guard let content = signedData.encapsulatedContent else {
            throw LDSError(.missingElement, structure: "EF.SOD encapContentInfo", offset: contentInfo.offset,
                           reason: "eContent is absent (detached signature); EF.SOD must embed the LDS security object",
                           remedy: LDSError.rereadRemedy)
        }
        guard !signedData.signerInfos.isEmpty else {
            throw LDSError(.missingElement, structure: "EF.SOD signerInfos", offset: contentInfo.offset,
                           reason: "SignedData has no SignerInfo, so nothing signs the LDS security object",
                           remedy: "Treat the document as failing inspection.")
        }
        let securityObject: LDSSecurityObject
        do {
            securityObject = try LDSSecurityObject(encoded: content)
        } catch {
            throw error.within("EF.SOD eContent (offsets relative to the eContent octets)")
        }
        let indefinite = try wrapper.containsIndefiniteLength()
        self.encoded = bytes
        self.contentInfoBytes = Array(contentInfo.encoded)
        self.usesIndefiniteLengths = indefinite
        self.definiteLengthContentInfoBytes = try indefinite
            ? contentInfo.definiteLengthEncoding() : Array(contentInfo.encoded)
        self.signedData = signedData
        self.ldsSecurityObject = securityObject
    }

    /// Builds EF.SOD by wrapping a DER ContentInfo (a SignedData over an LDS security object)
    /// in the `77` tag, then decodes the result to check it.
    ///
    /// - Throws: ``LDSError`` if the ContentInfo is not acceptable as EF.SOD content.
    public init(contentInfo: [UInt8]) throws(LDSError) {
        try self.init(encoded: BERTLV.encode(tag: .efSOD, value: contentInfo))
    }
}
