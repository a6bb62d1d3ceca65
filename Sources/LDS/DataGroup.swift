/// A data group file kept opaque (Doc 9303-10 §4.7): its number and its bytes, checked to be
/// one well-formed BER-TLV element with the data group's EF tag.
///
/// Only the outer element is checked: the content of DG2–DG16 follows other standards
/// (ISO/IEC 19794, 39794, BSI TR-03110) or is issuer-defined (DG13), and is left to the
/// modules that need it. The bytes are what the SOD hashes (Doc 9303-10 §4.6.2.2: the hash
/// covers the complete EF, tag and length included).
public struct DataGroup: Sendable, Hashable {
    /// The data group number, read from the EF tag.
    public let number: DataGroupNumber
    /// The complete file: tag, length and value.
    public let encoded: [UInt8]
    /// Where the value starts in ``encoded``.
    private let valueStart: Int
    /// Where the value ends in ``encoded`` (before a `00 00` terminator if the length was indefinite).
    private let valueEnd: Int

    /// The value octets (the data group's template content).
    public var value: ArraySlice<UInt8> { encoded[valueStart..<valueEnd] }

    /// Decodes a data group file, taking the number from its tag.
    ///
    /// - Throws: ``LDSError`` if the bytes are not one well-formed TLV element, or if the tag
    ///   is not a data group tag (`61`, `75`, `63`, `76`, `65`–`70`).
    public init(encoded bytes: [UInt8]) throws(LDSError) {
        let element = try BERTLV.decode(bytes, structure: "EF.DG")
        guard element.tag.bytes.count == 1, let number = DataGroupNumber(tag: element.tag.leadingByte) else {
            throw LDSError(.unexpectedTag, structure: "EF.DG", offset: 0,
                           reason: "tag \(element.tag) is not a data group tag (61, 75, 63, 76, 65–70)",
                           remedy: "Check that the file read is a data group (file identifiers 0101–0110).")
        }
        self.init(number: number, element: element)
    }

    /// Decodes the file of data group `number`, checking that its tag is that data group's.
    ///
    /// - Throws: ``LDSError`` if the bytes are not one well-formed TLV element with the EF tag of `number`.
    public init(number: DataGroupNumber, encoded bytes: [UInt8]) throws(LDSError) {
        let name = "EF.\(number)"
        let element = try BERTLV.decode(bytes, structure: name)
        guard element.tag == TLVTag.dataGroup(number) else {
            throw LDSError(.unexpectedTag, structure: name, offset: 0,
                           reason: "the file starts with tag \(element.tag); \(name) starts with "
                               + "\(Hex.string([number.tag]))",
                           remedy: "Check that the file read is \(name) (file identifier "
                               + "\(Hex.string([0x01, UInt8(number.rawValue)]))).")
        }
        self.init(number: number, element: element)
    }

    /// Wraps a value in the EF tag of `number` (Doc 9303-10 §4.7).
    ///
    /// - Parameter value: the content of the data group template.
    public init(number: DataGroupNumber, value: [UInt8]) {
        let bytes = BERTLV.encode(tag: TLVTag.dataGroup(number), value: value)
        self.number = number
        self.encoded = bytes
        self.valueEnd = bytes.count
        self.valueStart = bytes.count - value.count
    }

    private init(number: DataGroupNumber, element: BERTLV) {
        self.number = number
        self.encoded = Array(element.encoded)
        let base = element.encoded.startIndex
        self.valueStart = element.value.startIndex - base
        self.valueEnd = element.value.endIndex - base
    }
}
