import Foundation
import LDS
import MohurTestSupport
@testable import PassiveAuth
import Testing

/// The service writes a report as canonical JSON directly; it must say exactly what
/// `JSONEncoder` says of the same report with sorted keys (the CLI's `pa verify --json`
/// pretty-prints the same members).
@Suite("Passive-authentication report as JSON")
struct ReportJSONTests {
    func encoderJSON(_ report: PassiveAuthReport) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(report))
    }

    func parsed(_ bytes: [UInt8]) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    @Test("real reports (valid with a path, invalid with an injected DG) read the same as JSONEncoder's")
    func sameAsEncoder() throws {
        let valid = try TrustFixture().importing(["gmrtd/sod/DE/CSCA.der", "gmrtd/sod/DE/DSC.der"])
        let sodPath = "gmrtd/sod/DE/EF_SOD.bin"
        let germanReport = try valid.authenticator().verify(encodedSOD: try Vectors.bytes(sodPath), at: try checkDate(forSOD: sodPath))
        #expect(germanReport.verdict == .valid && germanReport.path.count == 2 && germanReport.documentSigner != nil)
        let bsi = DataGroupTests.bsi
        let injected = try TrustFixture().authenticator().verify(
            encodedSOD: try Vectors.bytes("\(bsi)/EF_SOD.bin"),
            dataGroups: [.dg1: try Vectors.bytes("\(bsi)/Datagroup1.bin"), .dg15: try Vectors.bytes("\(bsi)/Datagroup15.bin")])
        var odd = PassiveAuthReport(checkTime: Date(timeIntervalSince1970: 1_790_000_000))
        odd.add(.profile, .warn, "quote \" backslash \\ slash / tab \t newline \n bell \u{07} Azərbaycan")
        for report in [germanReport, injected, odd] {
            let direct = report.json.bytes
            #expect(try parsed(direct) == parsed(try encoderJSON(report)), "\(String(decoding: direct, as: UTF8.self))")
            #expect(direct == (try encoderJSON(report)), "byte for byte what the encoder writes")
            // Canonical: members in code-unit order, no whitespace, so one report has one spelling.
            let text = String(decoding: direct, as: UTF8.self)
            #expect(!text.contains("\n"))
            #expect(text.hasPrefix(#"{"checkTime":""#) && text.contains(#","checks":[{"kind":"#), "\(text)")
        }
        #expect(String(decoding: odd.json.bytes, as: UTF8.self).contains(#"slash / tab \t newline \n bell \u0007 Azərbaycan"#))
    }
}
