import SwiftASN1

extension CMSSignerInfo {
    /// Walks one SignerInfo (RFC 5652 §5.3).
    init(element info: BERTLV) throws(LDSError) {
        try info.expectTag(.sequence, "SignerInfo SEQUENCE")
        let fields = try info.children()
        try BERTLV.require(fields, count: 5, in: info, "SignerInfo")
        version = try fields[0].labelled("SignerInfo.version").smallInteger("version")
        signerIdentifier = try CMSSignerIdentifier(element: fields[1].labelled("SignerInfo.sid"))
        digestAlgorithm = try CMSAlgorithmIdentifier(element: fields[2].labelled("SignerInfo.digestAlgorithm"))
        var index = 3
        if fields[index].tag == .contextConstructed0 {
            signedAttributes = try CMSSignedAttributes(element: fields[index].labelled("SignerInfo.signedAttrs"))
            index += 1
        } else {
            signedAttributes = nil
        }
        try BERTLV.require(fields, count: index + 2, in: info, "SignerInfo")
        signatureAlgorithm = try CMSAlgorithmIdentifier(
            element: fields[index].labelled("SignerInfo.signatureAlgorithm"))
        signature = try fields[index + 1].labelled("SignerInfo.signature").octetStringContent("signature")
        index += 2
        if index < fields.count, fields[index].tag == .contextConstructed1 {
            unsignedAttributes = Array(fields[index].encoded)
            index += 1
        } else {
            unsignedAttributes = nil
        }
        guard index == fields.count else {
            throw LDSError(.trailingData, structure: "SignerInfo", offset: fields[index].offset,
                           reason: "unexpected element \(fields[index].tag) after the signature",
                           remedy: LDSError.rereadRemedy)
        }
    }
}

extension CMSSignerIdentifier {
    init(element sid: BERTLV) throws(LDSError) {
        if sid.tag == .sequence {
            let parts = try sid.labelled("IssuerAndSerialNumber")
                .children(exactly: 2, in: "IssuerAndSerialNumber", fields: "issuer Name, serialNumber")
            try parts[0].labelled("IssuerAndSerialNumber.issuer").expectTag(.sequence, "issuer Name")
            let serial = try parts[1].labelled("IssuerAndSerialNumber.serialNumber").integerContent("serialNumber")
            self = .issuerAndSerialNumber(issuer: Array(parts[0].encoded), serialNumber: serial)
            return
        }
        let tag = sid.tag
        guard tag == .contextPrimitive0 || tag == .contextConstructed0 else {
            throw LDSError(.unexpectedTag, structure: sid.structure, offset: sid.offset,
                           reason: "SignerIdentifier has tag \(tag); expected 30 (issuerAndSerialNumber) "
                               + "or 80 ([0] subjectKeyIdentifier)",
                           remedy: LDSError.rereadRemedy)
        }
        self = .subjectKeyIdentifier(try sid.octetStringContent("subjectKeyIdentifier", implicitTag: .contextPrimitive0))
    }
}

extension CMSSignedAttributes {
    /// Attributes that RFC 5652 §11 allows once, with exactly one value.
    static let singleValued: [ASN1ObjectIdentifier] = [
        LDSObjectIdentifier.contentTypeAttribute, LDSObjectIdentifier.messageDigestAttribute,
        LDSObjectIdentifier.signingTimeAttribute,
    ]

    init(element: BERTLV) throws(LDSError) {
        encoded = Array(element.encoded)
        var forSignature = try element.definiteLengthEncoding()
        // RFC 5652 §5.4: the signature covers the DER of the SET OF, i.e. tag 31 instead of A0.
        forSignature[0] = TLVTag.set.leadingByte
        encodedForSignature = forSignature

        var attributes: [CMSAttribute] = []
        var seenSingletons = Set<ASN1ObjectIdentifier>()
        var contentType: ASN1ObjectIdentifier?
        var messageDigest: [UInt8]?
        var signingTime: CMSSigningTime?
        for item in try element.children() {
            let (attribute, valueElements) = try CMSAttribute.parse(item.labelled("SignerInfo.signedAttrs.Attribute"))
            attributes.append(attribute)
            guard Self.singleValued.contains(attribute.type) else { continue }
            guard seenSingletons.insert(attribute.type).inserted else {
                throw LDSError(.duplicateElement, structure: "SignerInfo.signedAttrs", offset: item.offset,
                               reason: "attribute \(attribute.type) occurs twice (RFC 5652 §11 allows one)",
                               remedy: "Treat the signature as invalid: the signed attributes are ambiguous.")
            }
            guard let value = valueElements.first, valueElements.count == 1 else {
                throw LDSError(.invalidValue, structure: "SignerInfo.signedAttrs", offset: item.offset,
                               reason: "attribute \(attribute.type) has \(attribute.values.count) values; "
                                   + "RFC 5652 §11 requires exactly one",
                               remedy: "Treat the signature as invalid: the signed attributes are ambiguous.")
            }
            switch attribute.type {
            case LDSObjectIdentifier.contentTypeAttribute:
                contentType = try value.objectIdentifier("contentType attribute")
            case LDSObjectIdentifier.messageDigestAttribute:
                messageDigest = try value.octetStringContent("messageDigest attribute")
            default:
                signingTime = CMSSigningTime(element: value)
            }
        }
        self.attributes = attributes
        self.contentType = contentType
        self.messageDigest = messageDigest
        self.signingTime = signingTime
    }
}

extension CMSAttribute {
    /// The attribute, and its values as elements (offsets kept for later errors).
    static func parse(_ element: BERTLV) throws(LDSError) -> (CMSAttribute, [BERTLV]) {
        try element.expectTag(.sequence, "Attribute SEQUENCE")
        let parts = try element.children(exactly: 2, in: "Attribute", fields: "attrType, attrValues")
        let type = try parts[0].labelled("Attribute.attrType").objectIdentifier("attrType")
        let set = parts[1].labelled("Attribute.attrValues")
        try set.expectTag(.set, "attrValues SET OF")
        let values = try set.children()
        return (CMSAttribute(type: type, values: values.map { Array($0.encoded) }), values)
    }
}

extension CMSSigningTime {
    /// Reads UTCTime or GeneralizedTime; `nil` when the value is not a readable time.
    init?(element: BERTLV) {
        let bytes = Array(element.encoded)
        let parts: (Int, Int, Int, Int, Int, Int)
        if element.tag == .utcTime, let time = try? UTCTime(berEncoded: bytes, withIdentifier: .utcTime) {
            parts = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        } else if element.tag == .generalizedTime,
                  let time = try? GeneralizedTime(berEncoded: bytes, withIdentifier: .generalizedTime) {
            parts = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        } else {
            return nil
        }
        encoded = bytes
        (year, month, day, hours, minutes, seconds) = parts
    }
}
