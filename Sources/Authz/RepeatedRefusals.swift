import Foundation
import MohurCore
import Synchronization

/// Refusals counted per caller over a sliding window: one refused request is an attempt to
/// exceed permissions (rules §6.9.1.5) or a failed authentication; the same caller refused again
/// and again within a minute is a threat to the system (§6.9.1.6): probing, a stolen key tried
/// against every route, a misconfigured subsystem hammering the service.
///
/// In memory, per process: the service is where remote callers are refused many times over.
/// A caller crossing the threshold is reported once, and its count starts again, so a caller
/// refused without pause yields one threat entry per `threshold` refusals, not one per request.
public final class RepeatedRefusals: Sendable {
    public struct Policy: Sendable {
        /// Refusals within `window` that make a threat.
        public var threshold: Int
        public var window: TimeInterval
        public init(threshold: Int = 5, window: TimeInterval = 60) {
            self.threshold = threshold
            self.window = window
        }
    }

    /// What crossed the threshold: the caller, how many refusals and since when.
    public struct Crossing: Sendable, Equatable {
        public let caller: String
        public let count: Int
        public let since: Date
    }

    public let policy: Policy
    /// The callers tracked at most (the oldest are forgotten first): a flood of distinct
    /// unknown callers must not grow memory without bound.
    static let callerLimit = 10_000
    private let recent = Mutex<[String: [Date]]>([:])

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Counts a refusal of `caller` at `time`; the crossing when this one reaches the threshold.
    public func record(_ caller: String, at time: Date) -> Crossing? {
        let window = policy.window, threshold = policy.threshold
        return recent.withLock { recent -> Crossing? in
            var times = (recent[caller] ?? []).filter { time.timeIntervalSince($0) < window }
            times.append(time)
            if times.count >= threshold {
                recent[caller] = nil
                return Crossing(caller: caller, count: times.count, since: times[0])
            }
            recent[caller] = times
            if recent.count > RepeatedRefusals.callerLimit {
                // Forget the callers whose last refusal is oldest.
                let stale = recent.sorted { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) }
                    .prefix(recent.count - RepeatedRefusals.callerLimit / 2)
                for (key, _) in stale { recent[key] = nil }
            }
            return nil
        }
    }
}

extension Authorizer {
    /// Counts a refusal of `caller` (a certificate fingerprint, or what else names it) and,
    /// when the caller crosses the threshold, journals the threat (§6.9.1.6) with the count and
    /// the window, after the refusal's own entry.
    public func noteRefusal(caller: String, agency: String?, requestID: String?) throws {
        guard let crossing = refusals.record(caller, at: pki.clock.now()) else { return }
        let actor = (try? AuditActor(certificateFingerprint: caller, agency: agency)) ?? .localOfficer
        let formatter = ISO8601DateFormatter()
        try pki.audit.journal(try AuditAction(
            .threat, operation: "request.refused.repeated", actor: actor, target: caller, outcome: .refused, requestID: requestID,
            details: ["refusals": .integer(Int64(crossing.count)), "since": .text(formatter.string(from: crossing.since)),
                      "window_seconds": .integer(Int64(refusals.policy.window))]), "a caller was refused repeatedly")
    }
}
