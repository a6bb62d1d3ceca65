import Foundation
import SwiftASN1
import Testing
@testable import LDS

/// The SignedData encoder against real passports: fed the pieces of a real EF.SOD, it must write
/// the very bytes the issuing state wrote (RFC 5652 §5, DER per X.690 §10–11).
@Suite("CMS SignedData encoder")
struct SignedDataBuilderTests {
    /// Real SODs whose SignedData is plain DER with one certificate and only the three signed
    /// attributes Mohur writes, so that the encoder can reproduce them (AU adds an ESS
    /// signingCertificate attribute; others differ in the same kind of way).
    static let reproducible = ["FR", "PH", "US"].map { "gmrtd/sod/\($0)/EF_SOD.bin" }

    static func builder(for sod: SODFile) throws -> (CMSSignedDataBuilder, [UInt8]) {
        let data = sod.signedData
        let signer = try #require(data.signerInfos.first)
        let attributes = try #require(signer.signedAttributes)
        let builder = CMSSignedDataBuilder(
            contentType: data.encapsulatedContentType, content: sod.ldsSecurityObjectBytes,
            digestAlgorithm: signer.digestAlgorithm, messageDigest: try #require(attributes.messageDigest),
            signingTime: attributes.signingTime, signerIdentifier: signer.signerIdentifier,
            signatureAlgorithm: signer.signatureAlgorithm, certificates: data.certificates)
        return (builder, signer.signature)
    }

    @Test(arguments: reproducible)
    func reencodesARealSODByteForByte(path: String) throws {
        let sod = try SODFile(encoded: Vectors.bytes(path))
        let (builder, signature) = try Self.builder(for: sod)
        let attributes = try #require(sod.signedData.signerInfos.first?.signedAttributes)
        #expect(try builder.signedAttributesForSignature() == attributes.encodedForSignature)
        #expect(try builder.contentInfo(signature: signature) == sod.contentInfoBytes)
        // The assembled view is what decoding the same bytes gives.
        let assembled = try builder.sodFile(signature: signature)
        #expect(assembled.encoded == (try SODFile(contentInfo: sod.contentInfoBytes)).encoded)
        #expect(try SODFile(encoded: assembled.encoded) == assembled)
    }

    @Test func signerIdentifierFromACertificateMatchesTheOneTheStateWrote() throws {
        let sod = try SODFile(encoded: Vectors.bytes("gmrtd/sod/FR/EF_SOD.bin"))
        let certificate = try #require(sod.signedData.certificates.first)
        #expect(try CMSSignerIdentifier(issuerAndSerialNumberOf: certificate) == sod.signedData.signerInfos.first?.signerIdentifier)
    }

    @Test func signingTimeUsesUTCTimeUntil2049AndGeneralizedTimeAfter() throws {
        let utc = try CMSSigningTime(year: 2026, month: 11, day: 21, hours: 9, minutes: 5, seconds: 7)
        #expect(utc.encoded == [0x17, 0x0D] + Array("261121090507Z".utf8))
        let general = try CMSSigningTime(year: 2050, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0)
        #expect(general.encoded == [0x18, 0x0F] + Array("20500101000000Z".utf8))
        #expect(throws: LDSError.self) { try CMSSigningTime(year: 2026, month: 13, day: 1, hours: 0, minutes: 0, seconds: 0) }
    }

    @Test("signingTime from POSIX seconds agrees with Foundation's Gregorian UTC calendar, leap days and 1969 included")
    func signingTimeFromPOSIXSecondsMatchesTheCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var generator = SystemRandomNumberGenerator()
        // Edges: 1950, the 2049/2050 switch to GeneralizedTime, 1969-12-31T23:59:59, leap days
        // in 2000 (divisible by 400) and 2024, 2100 (not a leap year), the last second of 9999.
        let edges: [Int64] = [-631_152_000, 2_524_607_999, 2_524_608_000, -1, 0, 951_782_400, 951_868_799, 1_709_164_800,
                              4_107_456_000, 4_107_542_400, 253_402_300_799]
        let random = (0..<2000).map { _ in Int64.random(in: -631_152_000...4_102_444_800, using: &generator) }
        for seconds in edges + random {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                            from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            let expected = try CMSSigningTime(year: c.year ?? 0, month: c.month ?? 0, day: c.day ?? 0,
                                              hours: c.hour ?? 0, minutes: c.minute ?? 0, seconds: c.second ?? 0)
            #expect(try CMSSigningTime(secondsSince1970: seconds) == expected, "\(seconds)")
        }
        #expect(throws: LDSError.self) { try CMSSigningTime(secondsSince1970: 253_402_300_800) }
    }

    @Test func subjectKeyIdentifierMakesSignerInfoVersion3() throws {
        let sod = try SODFile(encoded: Vectors.bytes("gmrtd/sod/FR/EF_SOD.bin"))
        var (builder, signature) = try Self.builder(for: sod)
        builder.signerIdentifier = .subjectKeyIdentifier([1, 2, 3, 4])
        let rebuilt = try CMSSignedData(contentInfo: builder.contentInfo(signature: signature))
        let assembled = try builder.sodFile(signature: signature)
        #expect(try SODFile(encoded: assembled.encoded) == assembled)
        #expect(rebuilt.version == 3)
        #expect(rebuilt.signerInfos.first?.version == 3)
        #expect(rebuilt.signerInfos.first?.signerIdentifier == .subjectKeyIdentifier([1, 2, 3, 4]))
    }
}
