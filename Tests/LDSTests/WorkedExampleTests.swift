import Testing
@testable import LDS

@Suite("ICAO 9303-10 worked examples and specimen LDS files")
struct WorkedExampleTests {
    static let folder = "gmrtd/icao9303_p10_worked_examples/"

    @Test func vectorsDirectoryIsPresent() throws {
        // Fails loudly (with the path looked at) instead of letting vector tests pass vacuously.
        let manifest = try Vectors.text("MANIFEST.tsv")
        #expect(manifest.contains("EF_SOD.bin"))
    }

    @Test func workedExampleEFCOMDecodesToVersionsAndTagListAndReencodesIdentically() throws {
        let bytes = try Vectors.bytes(Self.folder + "EF_COM.bin")
        let com = try EFCOM(encoded: bytes)
        // The file holds "0106" (LDS 1.6), as printed in Doc 9303-10 Appendix A.
        #expect(com.ldsVersion == LDSVersion(major: 1, minor: 6))
        #expect(com.ldsVersion.description == "1.6")
        #expect(com.unicodeVersion == .v4_0_0)
        #expect(com.unicodeVersion.description == "4.0.0")
        #expect(com.tagList == [0x61, 0x75])
        #expect(com.dataGroups == [.dg1, .dg2])
        #expect(com.encoded == bytes)
    }

    @Test(arguments: Vectors.comPaths)
    func everyEFCOMReencodesIdentically(path: String) throws {
        let bytes = try Vectors.bytes(path)
        let com = try EFCOM(encoded: bytes)
        #expect(com.encoded == bytes)
        #expect(com.unicodeVersion == .v4_0_0)
        #expect(com.dataGroups.first == .dg1)
    }

    @Test func specimenEFCOMsDeclareLDS17AndTheirDataGroups() throws {
        let bsi = try EFCOM(encoded: Vectors.bytes("worldfnd-icao-9303/bsi_tr03105-5_reference_dataset/EF_COM.bin"))
        #expect(bsi.ldsVersion == .v1_7)
        #expect(bsi.dataGroups == [.dg1, .dg2, .dg3, .dg4, .dg14])
        let nl = try EFCOM(encoded: Vectors.bytes("jmrtd/loes2006_nl_sdu_test/ef011E.bin"))
        #expect(nl.dataGroups == [.dg1, .dg2, .dg15])
    }

    @Test func workedExampleDG1DecodesToTheTD2MRZWithValidCheckDigits() throws {
        let bytes = try Vectors.bytes(Self.folder + "EF_DG1.bin")
        let dg1 = try DG1(encoded: bytes)
        let mrz = dg1.mrz
        #expect(mrz.format == .td2)
        #expect(mrz.lines == ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"])
        let fields = mrz.fields
        #expect(fields.documentCode == "I")
        #expect(fields.issuingState == "UTO")
        #expect(fields.primaryIdentifier == "ERIKSSON")
        #expect(fields.secondaryIdentifier == "ANNA MARIA")
        #expect(fields.documentNumber == "D23145890")
        #expect(fields.nationality == "UTO")
        #expect(fields.dateOfBirth == "740812")
        #expect(fields.sex == .female)
        #expect(fields.dateOfExpiry == "120415")
        #expect(fields.optionalData1 == "")
        #expect(mrz.validate() == [])
        #expect(dg1.encoded == bytes)
        #expect(dg1.dataGroup.encoded == bytes)
    }

    @Test func workedExampleTD2MRZIsRebuiltFromItsFields() throws {
        let decoded = try DG1(encoded: Vectors.bytes(Self.folder + "EF_DG1.bin")).mrz
        let rebuilt = try MRZ(format: .td2, fields: decoded.fields)
        #expect(rebuilt.text == decoded.text)
    }

    @Test(arguments: [
        "jmrtd/bsi2008/Datagroup1.bin",
        "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset/Datagroup1.bin",
        "jmrtd/loes2006_nl_sdu_test/ef0101.bin",
    ])
    func specimenDG1sAreTD3WithValidCheckDigitsAndReencodeIdentically(path: String) throws {
        let bytes = try Vectors.bytes(path)
        let dg1 = try DG1(encoded: bytes)
        #expect(dg1.mrz.format == .td3)
        #expect(dg1.mrz.validate() == [])
        #expect(dg1.encoded == bytes)
        #expect(try MRZ(format: .td3, fields: dg1.mrz.fields).text == dg1.mrz.text)
    }

    @Test func bsiSpecimenDG1NamesErikaMustermann() throws {
        let path = "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset/Datagroup1.bin"
        let fields = try DG1(encoded: Vectors.bytes(path)).mrz.fields
        #expect(fields.documentCode == "P")
        #expect(fields.issuingState == "D")
        #expect(fields.nationality == "D")
        #expect(fields.primaryIdentifier == "MUSTERMANN")
        #expect(fields.secondaryIdentifier == "ERIKA")
        #expect(fields.documentNumber == "C11T002JM")
    }

    @Test(arguments: Vectors.dataGroupFiles.map(\.path))
    func everyDataGroupFileParsesAsOneTLVWithItsTag(path: String) throws {
        let expected = try #require(Vectors.dataGroupFiles.first { $0.path == path }).number
        let number = try #require(DataGroupNumber(rawValue: expected))
        let bytes = try Vectors.bytes(path)
        let group = try DataGroup(encoded: bytes)
        #expect(group.number == number)
        #expect(group.encoded == bytes)
        #expect(try DataGroup(number: number, encoded: bytes).number == number)
        #expect(DataGroup(number: number, value: Array(group.value)).encoded == bytes)
    }

    @Test func dataGroupFileWithAnotherDataGroupsTagIsRejected() throws {
        let bytes = try Vectors.bytes(Self.folder + "EF_DG11.bin")
        let error = try #require(throws: LDSError.self) { try DataGroup(number: .dg12, encoded: bytes) }
        #expect(error.code == .unexpectedTag)
        #expect(error.reason.contains("6B"))
    }
}
