import Testing
@testable import LDS

@Suite("Machine readable zone: check digits, TD1/TD2/TD3 building and validation")
struct MRZTests {
    static let td3Specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
        + "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    static let td1Specimen = "I<UTOD231458907<<<<<<<<<<<<<<<"
        + "7408122F1204159UTO<<<<<<<<<<<6"
        + "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"

    @Test(arguments: [("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("D23145890", "7"),
                      ("ZE184226B<<<<<", "1"), ("<<<<<<", "0"), ("", "0")])
    func checkDigitMatchesDoc9303Examples(field: String, digit: String) throws {
        #expect(try MRZCheckDigit.compute(field) == Character(digit))
    }

    @Test func checkDigitRejectsCharactersOutsideTheMRZSet() throws {
        let error = try #require(throws: LDSError.self) { try MRZCheckDigit.compute("AB c") }
        #expect(error.code == .invalidValue)
        #expect(error.offset == 2)
    }

    @Test func td3IsBuiltFromFieldsAsTheDoc9303Specimen() throws {
        let fields = MRZFields(
            documentCode: "P", issuingState: "UTO", primaryIdentifier: "ERIKSSON",
            secondaryIdentifier: "ANNA MARIA", documentNumber: "L898902C3", nationality: "UTO",
            dateOfBirth: "740812", sex: .female, dateOfExpiry: "120415", optionalData1: "ZE184226B")
        let mrz = try MRZ(format: .td3, fields: fields)
        #expect(mrz.text == Self.td3Specimen)
        #expect(mrz.lines.count == 2)
        #expect(mrz.validate() == [])
        #expect(mrz.fields == fields)
        #expect(try MRZ(text: mrz.description) == mrz)
    }

    @Test func td1IsBuiltFromFieldsAsTheDoc9303Specimen() throws {
        let fields = MRZFields(
            documentCode: "I", issuingState: "UTO", primaryIdentifier: "ERIKSSON",
            secondaryIdentifier: "ANNA MARIA", documentNumber: "D23145890", nationality: "UTO",
            dateOfBirth: "740812", sex: .female, dateOfExpiry: "120415")
        let mrz = try MRZ(format: .td1, fields: fields)
        #expect(mrz.text == Self.td1Specimen)
        #expect(mrz.lines == ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6",
                              "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"])
        #expect(mrz.validate() == [])
        #expect(try MRZ(text: Self.td1Specimen).fields == fields)
    }

    @Test func td1DocumentNumberLongerThanNineCharactersContinuesInOptionalData() throws {
        let fields = MRZFields(
            documentCode: "ID", issuingState: "AZE", primaryIdentifier: "ALIYEV", secondaryIdentifier: "AYDIN",
            documentNumber: "AZE12345678901", nationality: "AZE", dateOfBirth: "900101", sex: .male,
            dateOfExpiry: "300101", optionalData1: "X7", optionalData2: "5ABCDEF")
        let mrz = try MRZ(format: .td1, fields: fields)
        #expect(mrz.lines[0].hasPrefix("IDAZEAZE123456<78901"))
        #expect(mrz.validate() == [])
        let parsed = try MRZ(text: mrz.text)
        #expect(parsed.fields == fields)
    }

    @Test func everyCorruptedCheckDigitIsReported() throws {
        var characters = Array(Self.td3Specimen)
        characters[53] = "5"  // document number check digit (6)
        characters[63] = "3"  // date of birth check digit (2)
        let mrz = try MRZ(text: String(characters))
        let failures = mrz.validate()
        #expect(failures.map(\.field) == [.documentNumber, .dateOfBirth, .composite])
        #expect(failures.first == MRZCheckDigitFailure(field: .documentNumber, position: 53, found: "5", expected: "6"))
        #expect(failures[1].description == "date of birth check digit at position 63 is 3, expected 2")
        #expect(!mrz.hasValidCheckDigits)
    }

    @Test func corruptedFieldIsCaughtByItsCheckDigitAndTheComposite() throws {
        let corrupted = Self.td1Specimen.replacingFirst("7408122", with: "7408132")
        let failures = try MRZ(text: corrupted).validate().map(\.field)
        #expect(failures == [.dateOfBirth, .composite])
    }

    @Test func emptyTD3PersonalNumberTakesAFillerCheckDigit() throws {
        let fields = MRZFields(
            documentCode: "P", issuingState: "AZE", primaryIdentifier: "MAMMADOVA", secondaryIdentifier: "LEYLA",
            documentNumber: "C01234567", nationality: "AZE", dateOfBirth: "851231", sex: .female,
            dateOfExpiry: "350630")
        let mrz = try MRZ(format: .td3, fields: fields)
        #expect(Array(mrz.text)[86] == "<")
        #expect(mrz.validate() == [])
    }

    @Test func visaMRZHasNoCompositeCheckDigit() throws {
        let fields = MRZFields(
            documentCode: "V", issuingState: "AZE", primaryIdentifier: "DOE", secondaryIdentifier: "JOHN",
            documentNumber: "V1234567", nationality: "GBR", dateOfBirth: "800101", sex: .male,
            dateOfExpiry: "260101", optionalData1: "ABC")
        let mrz = try MRZ(format: .mrvA, fields: fields)
        #expect(try MRZ(text: mrz.text).format == .mrvA)
        #expect(mrz.validate() == [])
    }

    @Test func unknownLengthLowerCaseAndBadSexAreRejectedWithPositions() throws {
        let short = try #require(throws: LDSError.self) { try MRZ(text: "P<UTO") }
        #expect(short.code == .invalidValue)
        let lower = try #require(throws: LDSError.self) {
            try MRZ(text: Self.td3Specimen.replacingFirst("ERIKSSON", with: "Eriksson"))
        }
        #expect(lower.offset == 6)
        let sex = try #require(throws: LDSError.self) {
            try MRZ(text: Self.td3Specimen.replacingFirst("7408122F", with: "7408122Q"))
        }
        #expect(sex.offset == 64)
    }

    @Test func buildingRejectsFieldsThatDoNotFit() throws {
        var fields = try MRZ(text: Self.td3Specimen).fields
        fields.documentNumber = "L898902C3X"
        #expect(throws: LDSError.self) { try MRZ(format: .td3, fields: fields) }
        fields.documentNumber = "L898902C3"
        fields.dateOfBirth = "7408"
        #expect(throws: LDSError.self) { try MRZ(format: .td3, fields: fields) }
        fields.dateOfBirth = "740812"
        fields.primaryIdentifier = "ÖZTÜRK"
        #expect(throws: LDSError.self) { try MRZ(format: .td3, fields: fields) }
    }

    @Test func dg1WrapsTheMRZIn61And5F1F() throws {
        let dg1 = DG1(mrz: try MRZ(text: Self.td3Specimen))
        #expect(dg1.encoded.prefix(5) == [0x61, 0x5B, 0x5F, 0x1F, 0x58])
        #expect(try DG1(encoded: dg1.encoded) == dg1)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
