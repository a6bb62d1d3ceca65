extension CMSSignedDataBuilder {
    /// EF.SOD (Doc 9303-10 §4.6.2) holding the SignedData with `signature`: the ContentInfo of
    /// ``contentInfo(signature:)`` in the `77` wrapper, with its structural view assembled from
    /// the parts this builder wrote rather than parsed back, so that an issuing centre pays for
    /// one encoding per document. Decoding the result with ``SODFile/init(encoded:)`` gives an
    /// equal value (the tests hold the encoder to that).
    ///
    /// - Throws: ``LDSError`` if ``content`` is not a DER LDS security object or encoding fails.
    /// - Parameters:
    ///   - signedAttributes: the ``signedAttributes()`` the signature was made over, when the
    ///     caller has them (they are encoded again otherwise).
    ///   - securityObject: the decoded form of ``content`` when the caller has it (it built the
    ///     content from it), which spares decoding it again.
    public func sodFile(signature: [UInt8], signedAttributes known: CMSSignedAttributes? = nil,
                        securityObject knownObject: LDSSecurityObject? = nil) throws(LDSError) -> SODFile {
        let securityObject: LDSSecurityObject
        if let knownObject { securityObject = knownObject } else { securityObject = try LDSSecurityObject(encoded: content) }
        let attributes: CMSSignedAttributes
        if let known { attributes = known } else { attributes = try signedAttributes() }
        let contentInfo = try contentInfo(signature: signature, signedAttributes: attributes)
        let isSKI = namesSignerByKeyIdentifier
        let signer = CMSSignerInfo(
            version: isSKI ? 3 : 1, signerIdentifier: signerIdentifier, digestAlgorithm: digestAlgorithm,
            signedAttributes: attributes, signatureAlgorithm: signatureAlgorithm, signature: signature, unsignedAttributes: nil)
        let signedData = CMSSignedData(
            version: signedDataVersion, digestAlgorithms: [digestAlgorithm],
            contentType: contentType, content: content, segmented: false, certificates: Self.derSetOrder(certificates), crls: [],
            signerInfos: [signer])
        return SODFile(encoded: BERTLV.encode(tag: .efSOD, value: contentInfo), contentInfo: contentInfo,
                       signedData: signedData, securityObject: securityObject)
    }
}

extension SODFile {
    /// A definite-length EF.SOD from parts already known to agree.
    init(encoded: [UInt8], contentInfo: [UInt8], signedData: CMSSignedData, securityObject: LDSSecurityObject) {
        self.encoded = encoded
        self.contentInfoBytes = contentInfo
        self.usesIndefiniteLengths = false
        self.definiteLengthContentInfoBytes = contentInfo
        self.signedData = signedData
        self.ldsSecurityObject = securityObject
    }
}
