import SwiftASN1

extension LDSSecurityObject {
    /// Decodes a security object, normally the eContent of EF.SOD (``SODFile/ldsSecurityObject``).
    ///
    /// BER is read leniently (indefinite lengths are accepted); DER input re-encodes to the same
    /// bytes with ``derEncoded()``. Rejected: versions other than v0/v1, data group numbers
    /// outside 1…16, fewer than 2 or more than 16 hashes, and a data group listed twice. A v0
    /// object carrying `ldsVersionInfo` is accepted as found.
    ///
    /// - Throws: ``LDSError`` naming the field and its offset in `bytes`.
    public init(encoded bytes: [UInt8]) throws(LDSError) {
        let name = "LDSSecurityObject"
        let root = try BERTLV.decode(bytes, structure: name)
        try root.expectTag(.sequence, "LDSSecurityObject SEQUENCE")
        let fields = try root.children()
        try BERTLV.require(fields, count: 3, in: root, "LDSSecurityObject")
        guard fields.count <= 4 else {
            throw LDSError(.trailingData, structure: name, offset: fields[4].offset,
                           reason: "LDSSecurityObject has \(fields.count) fields; at most 4 are defined",
                           remedy: LDSError.rereadRemedy)
        }
        let versionNumber = try fields[0].labelled("\(name).version").smallInteger("version")
        guard let version = Version(rawValue: versionNumber) else {
            throw LDSError(.invalidValue, structure: "\(name).version", offset: fields[0].offset,
                           reason: "version \(versionNumber) is not defined; Doc 9303-10 defines v0 and v1",
                           remedy: "Treat the document as failing inspection, or update the LDS module if "
                               + "Doc 9303 has defined a new version.")
        }
        let algorithm = try CMSAlgorithmIdentifier(element: fields[1].labelled("\(name).hashAlgorithm"))
        let list = fields[2].labelled("\(name).dataGroupHashValues")
        try list.expectTag(.sequence, "dataGroupHashValues SEQUENCE OF")
        var hashes: [DataGroupHash] = []
        for entry in try list.children() {
            hashes.append(try DataGroupHash(element: entry))
        }
        try Self.checkHashList(hashes, offset: list.offset)
        let info = try fields.count == 4 ? LDSVersionInfo(element: fields[3].labelled("\(name).ldsVersionInfo")) : nil
        self.init(unchecked: version, algorithm, hashes, info)
    }

    /// The DER encoding (X.690 §10) of the security object.
    public func derEncoded() throws(LDSError) -> [UInt8] {
        do {
            var fields: [DERTree] = [
                .integer(UInt8(version.rawValue)),
                try hashAlgorithmIdentifier.tree(),
                .constructed(.sequence, dataGroupHashes.map { entry in
                    .constructed(.sequence, [.integer(UInt8(entry.number.rawValue)), .leaf(.octetString, entry.dataGroupHashValue)])
                }),
            ]
            if let ldsVersionInfo {
                // PrintableString (X.680 §41.4) refuses characters outside its set.
                var serializer = DER.Serializer()
                try serializer.serialize(ASN1PrintableString(ldsVersionInfo.ldsVersion))
                try serializer.serialize(ASN1PrintableString(ldsVersionInfo.unicodeVersion))
                fields.append(.leaf(.sequence, serializer.serializedBytes))
            }
            return DERTree.constructed(.sequence, fields).bytes
        } catch {
            throw LDSError(.encodingFailed, structure: "LDSSecurityObject",
                           reason: "DER encoding failed: \(error)",
                           remedy: "LDSVersionInfo strings must be PrintableString characters; "
                               + "parameters must be one DER element.")
        }
    }
}

extension DataGroupHash {
    init(element: BERTLV) throws(LDSError) {
        let item = element.labelled("DataGroupHash")
        try item.expectTag(.sequence, "DataGroupHash SEQUENCE")
        let parts = try item.children(exactly: 2, in: "DataGroupHash", fields: "dataGroupNumber, dataGroupHashValue")
        let raw = try parts[0].smallInteger("dataGroupNumber")
        guard let number = DataGroupNumber(rawValue: raw) else {
            throw LDSError(.invalidValue, structure: "DataGroupHash.dataGroupNumber", offset: parts[0].offset,
                           reason: "data group number \(raw) is outside 1…16",
                           remedy: "Treat the document as failing inspection: Doc 9303-10 defines DG1 to DG16 only.")
        }
        self.init(number: number, dataGroupHashValue: try parts[1].octetStringContent("dataGroupHashValue"))
    }
}

extension LDSVersionInfo {
    init(element: BERTLV) throws(LDSError) {
        try element.expectTag(.sequence, "LDSVersionInfo SEQUENCE")
        let parts = try element.children(exactly: 2, in: "LDSVersionInfo", fields: "ldsVersion, unicodeVersion")
        self.init(ldsVersion: try parts[0].printableString("ldsVersion"),
                  unicodeVersion: try parts[1].printableString("unicodeVersion"))
    }
}

extension BERTLV {
    /// Reads a PrintableString (X.680 §41.4).
    func printableString(_ what: String) throws(LDSError) -> String {
        try expectTag(TLVTag(unchecked: 0x13), "\(what) PrintableString")
        guard let string = try? ASN1PrintableString(contentBytes: value) else {
            throw LDSError(.invalidValue, structure: structure, offset: offset,
                           reason: "\(what) contains characters outside PrintableString (\(Hex.string(value.prefix(16))))",
                           remedy: LDSError.rereadRemedy)
        }
        return String(decoding: string.bytes, as: UTF8.self)
    }
}
