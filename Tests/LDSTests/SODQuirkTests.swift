import SwiftASN1
import Testing
@testable import LDS

@Suite("EF.SOD quirks of documents in circulation")
struct SODQuirkTests {
    static func sod(_ country: String) throws -> SODFile {
        try SODFile(encoded: Vectors.bytes("gmrtd/sod/\(country)/EF_SOD.bin"))
    }

    @Test func newZealandSODWithIndefiniteLengthsDecodesAndNormalisesToDefiniteLengths() throws {
        let sod = try Self.sod("NZ")
        #expect(sod.usesIndefiniteLengths)
        #expect(sod.contentInfoBytes.count == sod.encoded.count - 4)
        #expect(sod.definiteLengthContentInfoBytes != sod.contentInfoBytes)
        // The normalised ContentInfo is plain definite-length BER that a DER parser reads.
        #expect(throws: Never.self) { try DER.parse(sod.definiteLengthContentInfoBytes) }
        #expect(sod.ldsSecurityObject.dataGroupNumbers == [.dg1, .dg2, .dg12, .dg13, .dg14, .dg15])
    }

    @Test func chineseSODUsesIdDataAsEContentType() throws {
        #expect(try Self.sod("CN").contentType == LDSObjectIdentifier.data)
    }

    @Test(arguments: ["DE", "FI"])
    func germanAndFinnishSODsAreVersion1WithLDSVersionInfoAndNoSigningTime(country: String) throws {
        let sod = try Self.sod(country)
        let security = sod.ldsSecurityObject
        #expect(security.version == .v1)
        let info = try #require(security.ldsVersionInfo)
        #expect(info.lds == .v1_8)
        #expect(info.unicode == .v4_0_0)
        let attributes = try #require(sod.signedData.signerInfos.first?.signedAttributes)
        #expect(attributes.signingTime == nil)
        #expect(attributes.messageDigest != nil)
    }

    @Test func germanSODHashAlgorithmIsSHA384WithAbsentParameters() throws {
        let security = try Self.sod("DE").ldsSecurityObject
        #expect(security.hashAlgorithm == .sha384)
        #expect(security.hashAlgorithmIdentifier.parameters == nil)
    }

    @Test func americanSODNamesBareRSAEncryptionAndSHA256WithNullParameters() throws {
        let signer = try #require(try Self.sod("US").signedData.signerInfos.first)
        #expect(signer.signatureAlgorithm.algorithm == ASN1ObjectIdentifier.AlgorithmIdentifier.rsaEncryption)
        #expect(signer.digestAlgorithm.hashAlgorithm == .sha256)
        #expect(signer.digestAlgorithm.hasNullParameters)
        let time = try #require(signer.signedAttributes?.signingTime)
        #expect(time.year >= 2000)
    }

    @Test func indonesianSODCarriesTheCMSAlgorithmProtectionAttribute() throws {
        let attributes = try #require(try Self.sod("ID").signedData.signerInfos.first?.signedAttributes)
        #expect(attributes.attributes.contains { $0.type == LDSObjectIdentifier.cmsAlgorithmProtectionAttribute })
    }

    @Test func russianSODIsSHA1WithECDSA() throws {
        let sod = try Self.sod("RU")
        #expect(sod.ldsSecurityObject.hashAlgorithm == .sha1)
        #expect(sod.signedData.signerInfos.first?.signatureAlgorithm.algorithm.description == "1.2.840.10045.4.1")
    }

    @Test func malaysianSODKeepsItsRSASSAPSSParameters() throws {
        let signer = try #require(try Self.sod("MY").signedData.signerInfos.first)
        #expect(signer.signatureAlgorithm.algorithm == ASN1ObjectIdentifier.AlgorithmIdentifier.rsaPSS)
        let parameters = try #require(signer.signatureAlgorithm.parameters)
        #expect(parameters.first == 0x30)
    }

    @Test func corruptedSignatureSODStillDecodesBecauseLDSDoesNoCryptography() throws {
        let good = try Self.sod("DE")
        let bad = try SODFile(encoded: Vectors.bytes("gmrtd/negative/DE_EF_SOD_sig_corrupted_lastbyte.bin"))
        #expect(bad.ldsSecurityObject == good.ldsSecurityObject)
        #expect(bad.signedData.signerInfos.first?.signature.last == 0xC8)
        #expect(good.signedData.signerInfos.first?.signature.last == 0xC7)
    }

    @Test(arguments: [LDSObjectIdentifier.legacyLDSSecurityObject, LDSObjectIdentifier.ldsSecurityObject,
                      LDSObjectIdentifier.data])
    func acceptsEveryKnownEContentTypeWithSKISignerAndSegmentedContent(type: ASN1ObjectIdentifier) throws {
        let security = try SyntheticSOD.securityObject()
        let contentInfo = SyntheticSOD.contentInfo(
            eContentType: type, content: try security.derEncoded(), segmented: true)
        let sod = try SODFile(contentInfo: contentInfo)
        #expect(sod.contentType == type)
        #expect(sod.ldsSecurityObject == security)
        #expect(sod.signedData.encapsulatedContentWasSegmented)
        #expect(sod.usesIndefiniteLengths)
        #expect(sod.signedData.signerInfos.first?.signerIdentifier == .subjectKeyIdentifier([0xAB, 0xCD, 0xEF]))
        #expect(sod.encoded.prefix(1) == [0x77])
    }

    @Test func indefiniteLength77WrapperIsAccepted() throws {
        let contentInfo = SyntheticSOD.contentInfo(
            eContentType: LDSObjectIdentifier.ldsSecurityObject, content: try SyntheticSOD.securityObject().derEncoded())
        let file = [0x77, 0x80] + contentInfo + [0x00, 0x00]
        let sod = try SODFile(encoded: file)
        #expect(sod.usesIndefiniteLengths)
        #expect(sod.contentInfoBytes == contentInfo)
        #expect(sod.definiteLengthContentInfoBytes == contentInfo)
    }

    @Test func masterListIsNotAcceptedAsEFSODButParsesAsSignedData() throws {
        let masterList = try Vectors.bytes("gmrtd/masterlists/NL_ML_2026-07-22.ml")
        let signed = try CMSSignedData(contentInfo: masterList)
        #expect(signed.encapsulatedContentType == LDSObjectIdentifier.cscaMasterList)
        #expect(signed.certificates.count == 1)
        let error = try #require(throws: LDSError.self) { try SODFile(contentInfo: masterList) }
        #expect(error.code == .unsupportedObjectIdentifier)
        #expect(error.reason.contains("2.23.136.1.1.2"))
    }

    @Test(arguments: ["gmrtd/card_security/DE_EF_CardSecurity.bin", "gmrtd/card_security/FI_EF_CardSecurity.bin"])
    func cardSecurityParsesAsSignedDataWithItsManifestProperties(path: String) throws {
        let entry = try #require(try ManifestEntry.load()[path])
        let signed = try CMSSignedData(contentInfo: Vectors.bytes(path))
        #expect(signed.encapsulatedContentType.description == entry.eContentType)
        #expect(signed.certificates.count == entry.certificateCount)
        #expect(signed.signerInfos.first?.digestAlgorithm.algorithm.description == entry.digest)
    }
}
