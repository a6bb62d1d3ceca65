import Foundation
import MohurCore
import Storage

/// When each CA's next CRL is due (RFC 5280 §5.1.2.5 nextUpdate; Doc 9303-12 §7.1.3: a CSCA
/// CRL is issued at least every 90 days and must never lapse, or every document it covers
/// loses its revocation status at foreign border posts).
public struct CRLDue: Sendable, Codable, Hashable {
    public let authority: String
    public let role: String
    public let lastCRLNumber: Int64?
    public let nextUpdate: Date?
    /// Why it is due: never issued, revoked since, or next update close or past.
    public let reason: String
    /// The latest CRL has lapsed (nextUpdate is past).
    public let lapsed: Bool
}

extension PKI {
    /// Days before a lapse at which health turns unhealthy.
    public static let crlWarningDays = 7

    /// The certificate authorities whose next CRL is due within `days`: never issued, a
    /// certificate revoked since the last one, or nextUpdate within `days` (or past). Retired
    /// CAs count while their certificate is valid: what they issued still needs a CRL.
    public func crlsDue(within days: Int) throws -> [CRLDue] {
        let now = clock.now()
        let horizon = now.addingTimeInterval(TimeInterval(days) * 86_400)
        var due: [CRLDue] = []
        for view in try authorities() {
            guard let role = view.role, role.isCertificateAuthority, view.certificate.notAfter > now else { continue }
            let name = view.record.name
            guard let last = try repository.latestCRL(authority: name) else {
                due.append(CRLDue(authority: name, role: role.rawValue, lastCRLNumber: nil, nextUpdate: nil, reason: "no CRL issued yet", lapsed: false))
                continue
            }
            let lapsed = last.nextUpdate <= now
            let revokedSince = try repository.setting("revoked_since_crl:\(name)") == "1"
            // A CSCA issues at most one CRL per 48 hours unless something was revoked (Doc 9303-12
            // §7.1.3): one issued within that time is not due, however near --days puts its next update.
            if role == .csca, !lapsed, !revokedSince, now.timeIntervalSince(last.thisUpdate) < 48 * 3600 { continue }
            let reason: String?
            if lapsed {
                reason = "CRL \(last.crlNumber) lapsed \(Self.days(now.timeIntervalSince(last.nextUpdate))) ago"
            } else if revokedSince {
                reason = "a certificate was revoked since CRL \(last.crlNumber)"
            } else if last.nextUpdate <= horizon {
                reason = "CRL \(last.crlNumber)'s next update is in \(Self.days(last.nextUpdate.timeIntervalSince(now)))"
            } else {
                reason = nil
            }
            if let reason {
                due.append(CRLDue(authority: name, role: role.rawValue, lastCRLNumber: last.crlNumber, nextUpdate: last.nextUpdate,
                                  reason: reason, lapsed: lapsed))
            }
        }
        return due
    }

    /// Unhealthy: a CA's CRL has lapsed or lapses within `crlWarningDays`. A CA that never issued
    /// one is due (`crlsDue`) but has nothing to lapse: a fresh state is healthy.
    public func crlHealthProblems() throws -> [CRLDue] {
        let warning = clock.now().addingTimeInterval(TimeInterval(Self.crlWarningDays) * 86_400)
        return try crlsDue(within: Self.crlWarningDays).filter { item in item.nextUpdate.map { $0 <= warning } ?? false }
    }

    static func days(_ interval: TimeInterval) -> String {
        let days = Int((interval / 86_400).rounded(.down))
        return days == 0 ? "less than a day" : days == 1 ? "1 day" : "\(days) days"
    }
}
