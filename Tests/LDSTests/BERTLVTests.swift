import Testing
@testable import LDS

@Suite("BER-TLV reader and writer for LDS application tags")
struct BERTLVTests {
    @Test func readsMultiByteApplicationTagsAndTheirClassAndNumber() throws {
        let element = try BERTLV.decode([0x7F, 0x61, 0x03, 0x5F, 0x01, 0x00], structure: "test")
        #expect(element.tag.rawValue == 0x7F61)
        #expect(element.tag.tagClass == .application)
        #expect(element.tag.isConstructed)
        #expect(element.tag.number == 0x61)
        #expect(element.tag.description == "7F61")
        let child = try #require(try element.children().first)
        #expect(child.tag == .ldsVersion)
        #expect(child.tag.number == 1)
        #expect(child.value.isEmpty)
        #expect(child.offset == 3)
    }

    @Test(arguments: [0, 1, 127, 128, 255, 256, 65_535, 65_536])
    func encodesMinimalDefiniteLengthsThatDecodeBack(length: Int) throws {
        let value = [UInt8](repeating: 0xA5, count: length)
        let encoded = BERTLV.encode(tag: .octetString, value: value)
        let expectedHeader = length < 128 ? 2 : length < 256 ? 3 : length < 65_536 ? 4 : 5
        #expect(encoded.count == length + expectedHeader)
        let element = try BERTLV.decode(encoded, structure: "test")
        #expect(element.value.count == length)
        #expect(element.headerLength == expectedHeader)
    }

    @Test func acceptsNonMinimalLongFormLengths() throws {
        let element = try BERTLV.decode([0x04, 0x82, 0x00, 0x01, 0xEE], structure: "test")
        #expect(Array(element.value) == [0xEE])
    }

    @Test func readsNestedIndefiniteLengthsAndNormalisesThem() throws {
        let bytes: [UInt8] = [0x30, 0x80, 0x31, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00]
        let element = try BERTLV.decode(bytes, structure: "test")
        #expect(element.hasIndefiniteLength)
        #expect(element.encoded.count == bytes.count)
        let children = try element.children()
        #expect(children.map(\.tag) == [.set, .octetString])
        #expect(try element.containsIndefiniteLength())
        #expect(try element.definiteLengthEncoding() == [0x30, 0x07, 0x31, 0x03, 0x02, 0x01, 0x05, 0x04, 0x00])
    }

    @Test func tagRawValuesAreValidatedWhenBuiltFromNumbers() {
        #expect(TLVTag(rawValue: 0x5F1F) != nil)
        #expect(TLVTag(rawValue: 0x7F2E) != nil)
        #expect(TLVTag(rawValue: 0x5F) == nil)
        #expect(TLVTag(rawValue: 0x5F80) == nil)
        #expect(TLVTag(rawValue: 0x6161) == nil)
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let code: LDSError.Code
        let offset: Int
        var testDescription: String { name }
    }

    static let malformed: [Malformed] = [
        Malformed(name: "empty input", bytes: [], code: .emptyInput, offset: 0),
        Malformed(name: "tag only", bytes: [0x61], code: .truncated, offset: 0),
        Malformed(name: "multi-byte tag cut off", bytes: [0x5F], code: .truncated, offset: 0),
        Malformed(name: "tag with 80 pad byte", bytes: [0x5F, 0x80, 0x01, 0x00], code: .malformedTag, offset: 1),
        Malformed(name: "tag longer than 4 bytes", bytes: [0x7F, 0x81, 0x81, 0x81, 0x01, 0x00],
                  code: .malformedTag, offset: 0),
        Malformed(name: "long length cut off", bytes: [0x04, 0x82, 0x01], code: .truncated, offset: 1),
        Malformed(name: "5-byte length", bytes: [0x04, 0x85, 0, 0, 0, 0, 1, 0], code: .malformedLength, offset: 1),
        Malformed(name: "reserved length FF", bytes: [0x04, 0xFF], code: .malformedLength, offset: 1),
        Malformed(name: "length beyond input", bytes: [0x04, 0x05, 0x01], code: .lengthOverflow, offset: 0),
        Malformed(name: "4 GiB length", bytes: [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], code: .lengthOverflow, offset: 0),
        Malformed(name: "trailing byte", bytes: [0x04, 0x00, 0x00], code: .trailingData, offset: 2),
        Malformed(name: "indefinite primitive", bytes: [0x04, 0x80, 0x00, 0x00], code: .malformedLength, offset: 1),
        Malformed(name: "indefinite without end", bytes: [0x30, 0x80, 0x04, 0x00], code: .truncated, offset: 0),
        Malformed(name: "end-of-contents with length", bytes: [0x30, 0x80, 0x00, 0x01], code: .malformedLength,
                  offset: 2),
        Malformed(name: "stray end-of-contents", bytes: [0x00, 0x00], code: .malformedTag, offset: 0),
        Malformed(name: "nesting bomb", bytes: Array(repeating: [0x30, 0x80], count: 200).flatMap { $0 },
                  code: .nestingTooDeep, offset: 98),
    ]

    @Test(arguments: malformed)
    func malformedInputThrowsAClearErrorNamingTheOffset(_ input: Malformed) throws {
        let error = try #require(throws: LDSError.self) { try BERTLV.decode(input.bytes, structure: "EF.TEST") }
        #expect(error.code == input.code)
        #expect(error.offset == input.offset)
        #expect(error.structure == "EF.TEST")
        #expect(error.description.contains("EF.TEST"))
        #expect(error.description.contains("offset \(input.offset)"))
        #expect(!error.remedy.isEmpty)
    }

    @Test func childrenOfAPrimitiveElementAreRefused() throws {
        let element = try BERTLV.decode([0x04, 0x01, 0x30], structure: "test")
        let error = try #require(throws: LDSError.self) { try element.children() }
        #expect(error.code == .unexpectedTag)
    }
}
