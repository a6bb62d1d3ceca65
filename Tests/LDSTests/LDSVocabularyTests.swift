import SwiftASN1
import Testing
@testable import LDS

@Suite("Doc 9303-10 vocabulary: data groups, files, algorithms, versions")
struct LDSVocabularyTests {
    @Test func dataGroupsCarryTheirEFTagsAndFileIdentifiers() {
        let tags: [UInt8] = [0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
                             0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70]
        #expect(DataGroupNumber.allCases.map(\.tag) == tags)
        #expect(DataGroupNumber.allCases.map(\.fileIdentifier) == Array(0x0101...0x0110))
        for number in DataGroupNumber.allCases {
            #expect(DataGroupNumber(tag: number.tag) == number)
            #expect(DataGroupNumber(fileIdentifier: number.fileIdentifier) == number)
            #expect(LDSElementaryFile(tag: number.tag) == .dataGroup(number))
        }
        #expect(DataGroupNumber(tag: 0x77) == nil)
        #expect(DataGroupNumber(fileIdentifier: 0x0100) == nil)
        #expect(DataGroupNumber.dg14.description == "DG14")
    }

    @Test func efCOMAndEFSODHaveTheirTagsAndFileIdentifiers() {
        #expect(LDSElementaryFile.com.tag == 0x60)
        #expect(LDSElementaryFile.com.fileIdentifier == 0x011E)
        #expect(LDSElementaryFile.com.shortFileIdentifier == 0x1E)
        #expect(LDSElementaryFile.sod.tag == 0x77)
        #expect(LDSElementaryFile.sod.fileIdentifier == 0x011D)
        #expect(LDSElementaryFile(fileIdentifier: 0x011D) == .sod)
        #expect(LDSElementaryFile(fileIdentifier: 0x0102) == .dataGroup(.dg2))
        #expect(LDSElementaryFile.dataGroup(.dg2).description == "EF.DG2")
    }

    @Test func hashAlgorithmsMapToAndFromTheirOIDs() {
        let all: [LDSHashAlgorithm] = [.sha1, .sha224, .sha256, .sha384, .sha512]
        #expect(all.map(\.digestLength) == [20, 28, 32, 48, 64])
        for algorithm in all {
            #expect(LDSHashAlgorithm(oid: algorithm.oid) == algorithm)
        }
        let sm3: ASN1ObjectIdentifier = [1, 2, 156, 10_197, 1, 401]
        #expect(LDSHashAlgorithm(oid: sm3) == .unknown(sm3))
        #expect(LDSHashAlgorithm(oid: sm3).digestLength == nil)
        #expect(LDSHashAlgorithm.sha256.description == "SHA-256")
    }

    @Test func securityObjectWithAnUnknownHashAlgorithmDecodesAndKeepsTheOID() throws {
        let sm3: ASN1ObjectIdentifier = [1, 2, 156, 10_197, 1, 401]
        let hashes = [DataGroupHash(number: .dg2, dataGroupHashValue: [2, 2]),
                      DataGroupHash(number: .dg1, dataGroupHashValue: [1])]
        let object = try LDSSecurityObject(
            hashAlgorithm: CMSAlgorithmIdentifier(algorithm: sm3, parameters: [0x05, 0x00]), dataGroupHashes: hashes)
        let decoded = try LDSSecurityObject(encoded: object.derEncoded())
        #expect(decoded.hashAlgorithm == .unknown(sm3))
        #expect(decoded.hashAlgorithmIdentifier.hasNullParameters)
        #expect(decoded.dataGroupNumbers == [.dg2, .dg1])
        #expect(decoded.hash(of: .dg1) == [1])
    }

    @Test func versionsParseAndRenderTheirDigitForms() {
        #expect(LDSVersion(encoded: "0107") == .v1_7)
        #expect(LDSVersion(encoded: "0107")?.description == "1.7")
        #expect(LDSVersion.v1_8.encoded == "0108")
        #expect(LDSVersion(encoded: "1.7") == nil)
        #expect(LDSVersion(encoded: "01070") == nil)
        #expect(UnicodeVersion(encoded: "040000") == .v4_0_0)
        #expect(UnicodeVersion(encoded: "040000")?.description == "4.0.0")
        #expect(UnicodeVersion(major: 100, minor: 0, release: 0) == nil)
        #expect(LDSVersion.v1_7 < .v1_8)
    }

    @Test(arguments: [("FR", "2017-09-05T20:41:33Z"), ("US", "2021-09-16T13:45:00Z"), ("AU", "2016-11-15T23:40:14Z")])
    func signingTimeIsDecodedFromTheSignedAttributes(country: String, expected: String) throws {
        let sod = try SODFile(encoded: Vectors.bytes("gmrtd/sod/\(country)/EF_SOD.bin"))
        let time = try #require(sod.signedData.signerInfos.first?.signedAttributes?.signingTime)
        #expect(time.description == expected)
        #expect(time.encoded.first == 0x17)
    }

    @Test func efCOMIsBuiltFromDataGroupsAndDecodesBack() throws {
        let com = EFCOM(dataGroups: [.dg1, .dg2, .dg14, .dg15])
        #expect(com.encoded == [0x60, 0x16, 0x5F, 0x01, 0x04, 0x30, 0x31, 0x30, 0x37,
                                0x5F, 0x36, 0x06, 0x30, 0x34, 0x30, 0x30, 0x30, 0x30,
                                0x5C, 0x04, 0x61, 0x75, 0x6E, 0x6F])
        #expect(try EFCOM(encoded: com.encoded) == com)
    }

    @Test func efCOMWithAMissingOrRepeatedElementIsRejected() throws {
        let missing: [UInt8] = [0x60, 0x06, 0x5F, 0x01, 0x04, 0x30, 0x31, 0x30]
        #expect(throws: LDSError.self) { try EFCOM(encoded: missing + [0x37]) }
        let noTagList = BERTLV.encode(tag: .efCOM, value: BERTLV.encode(tag: .ldsVersion, value: Array("0107".utf8))
            + BERTLV.encode(tag: .unicodeVersion, value: Array("040000".utf8)))
        let error = try #require(throws: LDSError.self) { try EFCOM(encoded: noTagList) }
        #expect(error.code == .missingElement)
        #expect(error.reason.contains("5C"))
        let twice = BERTLV.encode(tag: .efCOM, value: BERTLV.encode(tag: .tagList, value: [0x61])
            + BERTLV.encode(tag: .tagList, value: [0x61]))
        #expect((try? EFCOM(encoded: twice)) == nil)
    }
}
