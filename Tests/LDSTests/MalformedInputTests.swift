import Testing
@testable import LDS

/// A deterministic generator (SplitMix64) so that mutation runs are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Malformed and hostile input: errors, never crashes")
struct MalformedInputTests {
    @Test func emptySODIsRejectedAsEmptyInput() throws {
        let error = try #require(throws: LDSError.self) { try SODFile(encoded: []) }
        #expect(error.code == .emptyInput)
        #expect(error.description.contains("EF.SOD"))
    }

    @Test func sodWithWrongOuterTagIsRejectedNamingTheTag() throws {
        var bytes = try Vectors.bytes("gmrtd/sod/FR/EF_SOD.bin")
        bytes[0] = 0x30
        let error = try #require(throws: LDSError.self) { try SODFile(encoded: bytes) }
        #expect(error.code == .unexpectedTag)
        #expect(error.offset == 0)
        #expect(error.reason.contains("starts with tag 30"))
    }

    @Test func sodWhoseLengthOverflowsTheFileIsRejected() throws {
        var bytes = try Vectors.bytes("gmrtd/sod/FR/EF_SOD.bin")
        bytes[2] = 0xFF  // 77 82 FF xx: longer than the file
        let error = try #require(throws: LDSError.self) { try SODFile(encoded: bytes) }
        #expect(error.code == .lengthOverflow)
        #expect(error.reason.contains("declares a length"))
    }

    @Test func comAndDG1WithWrongOuterTagAreRejected() throws {
        var com = try Vectors.bytes("gmrtd/icao9303_p10_worked_examples/EF_COM.bin")
        com[0] = 0x61
        #expect(throws: LDSError.self) { try EFCOM(encoded: com) }
        var dg1 = try Vectors.bytes("gmrtd/icao9303_p10_worked_examples/EF_DG1.bin")
        dg1[0] = 0x60
        let error = try #require(throws: LDSError.self) { try DG1(encoded: dg1) }
        #expect(error.structure == "EF.DG1")
    }

    @Test func securityObjectWithOneHashOrAnUnknownDataGroupIsRejected() throws {
        let one = SyntheticSOD.tlv(0x30, SyntheticSOD.tlv(0x02, [0]), SyntheticSOD.sha256Identifier,
                                   SyntheticSOD.tlv(0x30, SyntheticSOD.tlv(0x30, SyntheticSOD.tlv(0x02, [1]),
                                                                            SyntheticSOD.tlv(0x04, [1, 2]))))
        let error = try #require(throws: LDSError.self) { try LDSSecurityObject(encoded: one) }
        #expect(error.code == .invalidValue)
        #expect(error.reason.contains("2 to 16"))
        let dg17 = SyntheticSOD.tlv(0x30, SyntheticSOD.tlv(0x02, [17]), SyntheticSOD.tlv(0x04, [1]))
        let unknown = SyntheticSOD.tlv(0x30, SyntheticSOD.tlv(0x02, [0]), SyntheticSOD.sha256Identifier,
                                       SyntheticSOD.tlv(0x30, dg17, dg17))
        let second = try #require(throws: LDSError.self) { try LDSSecurityObject(encoded: unknown) }
        #expect(second.reason.contains("17"))
    }

    @Test func buildingASecurityObjectChecksVersionAndHashLengths() throws {
        let hashes = [DataGroupHash(number: .dg1, dataGroupHashValue: [1]),
                      DataGroupHash(number: .dg2, dataGroupHashValue: [2])]
        #expect(throws: LDSError.self) {
            try LDSSecurityObject(hashAlgorithm: CMSAlgorithmIdentifier(hash: .sha256), dataGroupHashes: hashes)
        }
        let good = (1...2).compactMap { DataGroupNumber(rawValue: $0) }
            .map { DataGroupHash(number: $0, dataGroupHashValue: Array(repeating: 0, count: 32)) }
        #expect(throws: LDSError.self) {
            try LDSSecurityObject(version: .v1, hashAlgorithm: CMSAlgorithmIdentifier(hash: .sha256),
                                  dataGroupHashes: good)
        }
        let v1 = try LDSSecurityObject(hashAlgorithm: CMSAlgorithmIdentifier(hash: .sha256), dataGroupHashes: good,
                                       ldsVersionInfo: LDSVersionInfo(lds: .v1_8, unicode: .v4_0_0))
        #expect(v1.version == .v1)
        #expect(try LDSSecurityObject(encoded: v1.derEncoded()) == v1)
    }

    @Test func signedAttributesWithTwoMessageDigestsAreRejectedAsAmbiguous() throws {
        let digest = SyntheticSOD.tlv(0x30, SyntheticSOD.oid(LDSObjectIdentifier.messageDigestAttribute),
                                      SyntheticSOD.tlv(0x31, SyntheticSOD.tlv(0x04, [1, 2, 3])))
        let twice = try BERTLV.decode(SyntheticSOD.tlv(0xA0, digest, digest), structure: "signedAttrs")
        let error = try #require(throws: LDSError.self) { try CMSSignedAttributes(element: twice) }
        #expect(error.code == .duplicateElement)
        #expect(error.offset == 2 + digest.count)
        let twoValues = SyntheticSOD.tlv(0x30, SyntheticSOD.oid(LDSObjectIdentifier.messageDigestAttribute),
                                         SyntheticSOD.tlv(0x31, SyntheticSOD.tlv(0x04, [1]), SyntheticSOD.tlv(0x04, [2])))
        let multi = try BERTLV.decode(SyntheticSOD.tlv(0xA0, twoValues), structure: "signedAttrs")
        #expect(throws: LDSError.self) { try CMSSignedAttributes(element: multi) }
    }

    @Test(arguments: Vectors.sodPaths)
    func everyTruncationOfARealSODThrowsAndNeverCrashes(path: String) throws {
        let bytes = try Vectors.bytes(path)
        for length in 0..<bytes.count {
            #expect(throws: LDSError.self, "prefix of \(length) bytes") {
                try SODFile(encoded: Array(bytes[..<length]))
            }
        }
    }

    @Test(arguments: Vectors.sodPaths)
    func randomByteMutationsOfARealSODThrowOrDecodeWithoutCrashing(path: String) throws {
        let bytes = try Vectors.bytes(path)
        var generator = SplitMix64(state: 0x4D4F_4855_525F_4C44)  // fixed seed
        var decoded = 0
        var rejected = 0
        for _ in 0..<300 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<mutated.count, using: &generator)
                mutated[index] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                let sod = try SODFile(encoded: mutated)
                _ = try? sod.ldsSecurityObject.derEncoded()
                decoded += 1
            } catch {
                #expect(!error.reason.isEmpty)
                rejected += 1
            }
        }
        #expect(decoded + rejected == 300)
    }

    @Test(arguments: Vectors.comPaths + Vectors.dataGroupFiles.map(\.path).filter { !$0.contains("DG2") })
    func everyTruncationOfALDSFileThrows(path: String) throws {
        let bytes = try Vectors.bytes(path)
        for length in 0..<min(bytes.count, 600) {
            let prefix = Array(bytes[..<length])
            #expect(throws: LDSError.self) { try DataGroupOrCOM.decode(prefix) }
        }
    }
}

/// Decodes an LDS file by its first byte, as an inspection system would.
enum DataGroupOrCOM {
    static func decode(_ bytes: [UInt8]) throws(LDSError) {
        switch bytes.first {
        case 0x60: _ = try EFCOM(encoded: bytes)
        case 0x61: _ = try DG1(encoded: bytes)
        default: _ = try DataGroup(encoded: bytes)
        }
    }
}
