import SwiftASN1

extension CMSSignedData {
    /// Walks ContentInfo → SignedData (RFC 5652 §3, §5.1) without any cryptography.
    init(contentInfoElement root: BERTLV) throws(LDSError) {
        let contentInfo = root.labelled("ContentInfo")
        try contentInfo.expectTag(.sequence, "ContentInfo SEQUENCE")
        let parts = try contentInfo.children(exactly: 2, in: "ContentInfo", fields: "contentType, [0] content")
        let contentType = try parts[0].labelled("ContentInfo.contentType").objectIdentifier("contentType")
        guard contentType == LDSObjectIdentifier.signedData else {
            throw LDSError(.unsupportedObjectIdentifier, structure: "ContentInfo.contentType", offset: parts[0].offset,
                           reason: "contentType is \(contentType); only id-signedData (1.2.840.113549.1.7.2) is accepted",
                           remedy: "Check that the input is a signed CMS object (EF.SOD, master list, CardSecurity).")
        }
        let wrapper = parts[1].labelled("ContentInfo.content")
        try wrapper.expectTag(.contextConstructed0, "[0] EXPLICIT content")
        let inner = try wrapper.children()
        guard inner.count == 1 else {
            throw LDSError(.invalidValue, structure: "ContentInfo.content", offset: wrapper.offset,
                           reason: "[0] content holds \(inner.count) element(s); it must hold exactly one SignedData",
                           remedy: LDSError.rereadRemedy)
        }
        try self.init(signedDataElement: inner[0].labelled("SignedData"))
    }

    private init(signedDataElement signed: BERTLV) throws(LDSError) {
        try signed.expectTag(.sequence, "SignedData SEQUENCE")
        let fields = try signed.children()
        try BERTLV.require(fields, count: 4, in: signed, "SignedData")
        let version = try fields[0].labelled("SignedData.version").smallInteger("version")

        let digestSet = fields[1].labelled("SignedData.digestAlgorithms")
        try digestSet.expectTag(.set, "digestAlgorithms SET OF")
        var digests: [CMSAlgorithmIdentifier] = []
        for item in try digestSet.children() {
            digests.append(try CMSAlgorithmIdentifier(element: item))
        }

        let (contentType, content, segmented) = try Self.encapsulatedContentInfo(
            fields[2].labelled("SignedData.encapContentInfo"))

        var index = 3
        var certificates: [[UInt8]] = []
        var crls: [[UInt8]] = []
        if index < fields.count, fields[index].tag == .contextConstructed0 {
            // CertificateSet ::= SET OF CertificateChoices; keep the plain Certificate choice.
            for item in try fields[index].labelled("SignedData.certificates").children() where item.tag == .sequence {
                certificates.append(Array(item.encoded))
            }
            index += 1
        }
        if index < fields.count, fields[index].tag == .contextConstructed1 {
            crls = try fields[index].labelled("SignedData.crls").children().map { Array($0.encoded) }
            index += 1
        }
        guard index < fields.count else {
            throw LDSError(.missingElement, structure: "SignedData", offset: signed.offset,
                           reason: "signerInfos (SET OF SignerInfo) is missing",
                           remedy: LDSError.rereadRemedy)
        }
        guard index == fields.count - 1 else {
            throw LDSError(.trailingData, structure: "SignedData", offset: fields[index].offset,
                           reason: "unexpected element \(fields[index].tag): after the optional [0] certificates "
                               + "and [1] crls only signerInfos may follow, as the last element",
                           remedy: LDSError.rereadRemedy)
        }
        let signerSet = fields[index].labelled("SignedData.signerInfos")
        try signerSet.expectTag(.set, "signerInfos SET OF")
        var signers: [CMSSignerInfo] = []
        for item in try signerSet.children() {
            signers.append(try CMSSignerInfo(element: item.labelled("SignerInfo")))
        }
        self.init(version: version, digestAlgorithms: digests, contentType: contentType, content: content,
                  segmented: segmented, certificates: certificates, crls: crls, signerInfos: signers)
    }

    private static func encapsulatedContentInfo(
        _ element: BERTLV
    ) throws(LDSError) -> (ASN1ObjectIdentifier, [UInt8]?, Bool) {
        try element.expectTag(.sequence, "EncapsulatedContentInfo SEQUENCE")
        let parts = try element.children()
        try BERTLV.require(parts, count: 1, in: element, "EncapsulatedContentInfo")
        guard parts.count <= 2 else {
            throw LDSError(.trailingData, structure: element.structure, offset: parts[2].offset,
                           reason: "EncapsulatedContentInfo has \(parts.count) elements; at most 2 are defined",
                           remedy: LDSError.rereadRemedy)
        }
        let type = try parts[0].labelled("\(element.structure).eContentType").objectIdentifier("eContentType")
        guard parts.count == 2 else { return (type, nil, false) }
        let explicit = parts[1].labelled("\(element.structure).eContent")
        try explicit.expectTag(.contextConstructed0, "[0] EXPLICIT eContent")
        let inner = try explicit.children()
        guard inner.count == 1 else {
            throw LDSError(.invalidValue, structure: explicit.structure, offset: explicit.offset,
                           reason: "[0] eContent holds \(inner.count) element(s); it must hold exactly one OCTET STRING",
                           remedy: LDSError.rereadRemedy)
        }
        let octets = try inner[0].octetStringContent("eContent")
        return (type, octets, inner[0].tag == .constructedOctetString)
    }
}
