/// EF.DG1, the MRZ information (Doc 9303-10 §4.7.1):
///
/// ```
/// 61 L  -- DG1 template
///    5F1F L <MRZ characters, all lines concatenated>
/// ```
public struct DG1: Sendable, Hashable {
    /// The machine readable zone.
    public let mrz: MRZ

    /// Wraps an MRZ.
    public init(mrz: MRZ) {
        self.mrz = mrz
    }

    /// Decodes EF.DG1.
    ///
    /// - Throws: ``LDSError`` if the file is not `61 { 5F1F mrz }`, or the MRZ has the wrong
    ///   length for every format or characters outside `A–Z 0–9 <`. Check digits are not
    ///   enforced here: call ``MRZ/validate()``.
    public init(encoded bytes: [UInt8]) throws(LDSError) {
        let dataGroup = try DataGroup(number: .dg1, encoded: bytes)
        let template = try BERTLV.decode(dataGroup.encoded, structure: "EF.DG1")
        let elements = try template.children()
        guard let mrzElement = elements.first(where: { $0.tag == .mrzData }) else {
            throw LDSError(.missingElement, structure: "EF.DG1", offset: template.value.startIndex,
                           reason: "the MRZ data element (tag 5F1F) is missing",
                           remedy: LDSError.rereadRemedy)
        }
        guard elements.count == 1 else {
            let other = elements.first { $0.tag != .mrzData } ?? mrzElement
            throw LDSError(other.tag == .mrzData ? .duplicateElement : .trailingData, structure: "EF.DG1",
                           offset: other.offset,
                           reason: "DG1 holds \(elements.count) elements; it must hold only the MRZ (5F1F)",
                           remedy: LDSError.rereadRemedy)
        }
        let characters = Array(mrzElement.value)
        let first = characters.first.map { Character(UnicodeScalar($0)) }
        guard let format = MRZFormat(characterCount: characters.count, firstCharacter: first) else {
            throw LDSError(.invalidValue, structure: "EF.DG1 MRZ", offset: mrzElement.offset,
                           reason: "the MRZ has \(characters.count) characters; TD1 has 90, TD2 72, TD3 88",
                           remedy: LDSError.rereadRemedy)
        }
        do {
            mrz = try MRZ(format: format, bytes: characters)
        } catch {
            // Report the offset within the file, not within the MRZ.
            throw LDSError(error.code, structure: "EF.DG1 MRZ",
                           offset: error.offset.map { $0 + mrzElement.value.startIndex },
                           reason: error.reason, remedy: error.remedy)
        }
    }

    /// The encoded EF.DG1: `61 L 5F1F L mrz`.
    public var encoded: [UInt8] {
        BERTLV.encode(tag: TLVTag.dataGroup(.dg1), value: BERTLV.encode(tag: .mrzData, value: Array(mrz.text.utf8)))
    }

    /// EF.DG1 as an opaque data group (e.g. to hash it).
    public var dataGroup: DataGroup {
        DataGroup(number: .dg1, value: BERTLV.encode(tag: .mrzData, value: Array(mrz.text.utf8)))
    }
}
