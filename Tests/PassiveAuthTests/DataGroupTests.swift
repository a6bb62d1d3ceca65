import Foundation
import LDS
import MohurTestSupport
@testable import PassiveAuth
import Testing

@Suite("Data group hashes")
struct DataGroupTests {
    static let bsi = "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset"

    func groups(_ directory: String, _ files: [DataGroupNumber: String]) throws -> [DataGroupNumber: [UInt8]] {
        try files.mapValues { try Vectors.bytes("\(directory)/\($0)") }
    }

    @Test func bsiReferenceDataSetMatchesAndFlagsUnlistedDG15() throws {
        let dgs = try groups(Self.bsi, [.dg1: "Datagroup1.bin", .dg2: "Datagroup2.bin", .dg3: "Datagroup3.bin",
                                        .dg4: "Datagroup4.bin", .dg14: "Datagroup14.bin", .dg15: "Datagroup15.bin"])
        let report = try TrustFixture().authenticator().verify(encodedSOD: try Vectors.bytes("\(Self.bsi)/EF_SOD.bin"), dataGroups: dgs)
        #expect(report.checks.filter { $0.kind == .dataGroupHash && $0.status == .pass }.count == 5, "\(report.text)")
        #expect(report.checks.contains { $0.kind == .dataGroupNotListed && $0.status == .fail && $0.reason.hasPrefix("DG15") })
        #expect(report.checks.contains { $0.kind == .sodSignature && $0.status == .pass })
        #expect(report.verdict == .invalid, "an injected data group makes the document invalid, whatever the chain")
        // The lab switch: a warning, and the verdict is what the chain gives (the CSCA HJP PB CS is not public).
        let lab = PassiveAuthenticator(trust: try TrustFixture().authenticator().trust, allowUnlistedDataGroups: true)
            .verify(encodedSOD: try Vectors.bytes("\(Self.bsi)/EF_SOD.bin"), dataGroups: dgs)
        #expect(lab.checks.contains { $0.kind == .dataGroupNotListed && $0.status == .warn })
        #expect(lab.verdict == .indeterminate)
    }

    @Test("JMRTD samples match the hashes their SODs list", arguments: [
        ("jmrtd/bsi2008", "EF_SOD.bin", [DataGroupNumber.dg1: "Datagroup1.bin", .dg2: "Datagroup2.bin", .dg3: "Datagroup3.bin",
                                         .dg14: "Datagroup14.bin"]),
        ("jmrtd/loes2006_nl_sdu_test", "ef011D.bin", [.dg1: "ef0101.bin", .dg2: "ef0102.bin", .dg15: "ef010F.bin"]),
    ])
    func jmrtdSamples(directory: String, sod: String, files: [DataGroupNumber: String]) throws {
        let report = try TrustFixture().authenticator()
            .verify(encodedSOD: try Vectors.bytes("\(directory)/\(sod)"), dataGroups: try groups(directory, files))
        #expect(report.checks.filter { $0.kind == .dataGroupHash && $0.status == .pass }.count == files.count, "\(report.text)")
        #expect(!report.checks.contains { $0.status == .fail }, "\(report.text)")
    }

    @Test func alteredDataGroupIsAMismatch() throws {
        var dg1 = try Vectors.bytes("\(Self.bsi)/Datagroup1.bin")
        dg1[dg1.count - 1] ^= 0x01
        let report = try TrustFixture().authenticator()
            .verify(encodedSOD: try Vectors.bytes("\(Self.bsi)/EF_SOD.bin"), dataGroups: [.dg1: dg1])
        #expect(report.checks.contains { $0.kind == .dataGroupHash && $0.status == .fail })
        #expect(report.verdict == .invalid)
    }
}

@Suite("Revocation in the verdict")
struct RevocationSummaryTests {
    func report(revocation: PassiveAuthReport.Status?) -> PassiveAuthReport {
        var report = PassiveAuthReport(checkTime: Date())
        for kind in PassiveAuthReport.required { report.add(kind, .pass, "ok") }
        if let revocation { report.add(.revocation, revocation, "CRL") }
        return report
    }

    @Test("checked, unknown (no CRL or a stale one) and revoked read as the officer needs them")
    func summaries() {
        #expect(report(revocation: .pass).summary == "valid" && report(revocation: .pass).revocation == .checked)
        #expect(report(revocation: .warn).summary == "valid, revocation unknown" && report(revocation: .warn).revocation == .unknown)
        #expect(report(revocation: nil).summary == "valid, revocation unknown")
        #expect(report(revocation: .fail).summary == "invalid" && report(revocation: .fail).revocation == .revoked)
    }
}

@Suite("DG1 against the MRZ read from the page")
struct OpticalMRZTests {
    static let bsi = "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset"

    @Test("the page's MRZ matches DG1; one changed character fails naming where; without DG1 it cannot be compared")
    func compareWithPage() throws {
        let dg1 = try Vectors.bytes("\(Self.bsi)/Datagroup1.bin")
        let page = try DG1(encoded: dg1).mrz
        let sod = try Vectors.bytes("\(Self.bsi)/EF_SOD.bin")
        let authenticator = try TrustFixture().authenticator()
        let same = authenticator.verify(encodedSOD: sod, dataGroups: [.dg1: dg1], opticalMRZ: try MRZ(text: page.lines.joined(separator: "\n")))
        #expect(same.checks.contains { $0.kind == .mrzMatch && $0.status == .pass }, "\(same.text)")

        // Another document number on the page (same layout, a different character in line 1 or 2).
        var text = Array(page.text)
        let index = text.firstIndex { $0.isNumber } ?? 10
        text[index] = text[index] == "1" ? "2" : "1"
        let other = try MRZ(text: String(text))
        let differs = authenticator.verify(encodedSOD: sod, dataGroups: [.dg1: dg1], opticalMRZ: other)
        let failed = differs.checks.first { $0.kind == .mrzMatch }
        #expect(failed?.status == .fail && failed?.reason.contains("position \(index % page.format.lineLength + 1)") == true, "\(differs.text)")
        #expect(differs.verdict == .invalid)

        let without = authenticator.verify(encodedSOD: sod, dataGroups: [:], opticalMRZ: page)
        #expect(without.checks.contains { $0.kind == .mrzMatch && $0.status == .warn })
    }
}
