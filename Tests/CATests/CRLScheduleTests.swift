import CA
import Foundation
import MohurCore
import MohurTestSupport
import PKITestSupport
import Testing

/// The CRL schedule (Doc 9303-12 §7.1.3: a CSCA CRL at least every 90 days, never lapsing): what
/// is due, and when health turns unhealthy, as the days pass on a test clock.
@Suite("CRL schedule: due, revoked since, lapsing")
struct CRLScheduleTests {
    @Test("due when never issued, revoked since, or near its next update; unhealthy 7 days before a lapse; lapsed after")
    func schedule() throws {
        let f = try PKIFixture()
        let pki = f.pki
        let fresh = try pki.crlsDue(within: 14)
        #expect(fresh.contains { $0.authority == "csca-1" && $0.lastCRLNumber == nil })
        #expect(fresh.contains { $0.authority == "root" } && fresh.allSatisfy { $0.reason == "no CRL issued yet" })
        #expect(try pki.crlHealthProblems().isEmpty, "a fresh state has nothing to lapse")

        for item in fresh { _ = try pki.issueCRL(authority: item.authority) }
        #expect(try pki.crlsDue(within: 14).isEmpty)

        // A revocation makes its issuer's CRL due at once (the CSCA's too, despite the 48-hour rule).
        try pki.revoke(serial: try pki.authority(named: "ds-1").certificate.serial, reason: .keyCompromise)
        let revoked = try pki.crlsDue(within: 14)
        #expect(revoked.map(\.authority) == ["csca-1"] && revoked[0].reason.contains("revoked since"), "\(revoked)")
        _ = try pki.issueCRL(authority: "csca-1")

        // Segment CRLs run for 30 days (the profile): due within 14 days after day 16, unhealthy after day 23.
        f.clock.advance(days: 17)
        let soon = try pki.crlsDue(within: 14)
        #expect(soon.contains { $0.role == "segment" } && !soon.contains { $0.role == "csca" || $0.role == "root" }, "\(soon.map(\.authority))")
        #expect(try pki.crlHealthProblems().isEmpty)
        f.clock.advance(days: 7)
        let unhealthy = try pki.crlHealthProblems()
        #expect(!unhealthy.isEmpty && unhealthy.allSatisfy { $0.role == "segment" && !$0.lapsed }, "\(unhealthy)")
        f.clock.advance(days: 7)
        let lapsed = try pki.crlHealthProblems()
        #expect(lapsed.contains { $0.lapsed && $0.reason.contains("lapsed") }, "\(lapsed)")

        // Issuing what is due makes the state healthy again; the CSCA (90 days) is not due yet.
        for item in try pki.crlsDue(within: 14) { _ = try pki.issueCRL(authority: item.authority) }
        #expect(try pki.crlHealthProblems().isEmpty)
        #expect(try pki.crlsDue(within: 14).isEmpty)
        // Day 84 of the CSCA's 90: due, and unhealthy (less than 7 days left).
        f.clock.advance(days: 53)
        #expect(try pki.crlsDue(within: 14).contains { $0.authority == "csca-1" })
        #expect(try pki.crlHealthProblems().contains { $0.authority == "csca-1" })
    }
}
