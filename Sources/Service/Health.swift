import Foundation
import Hummingbird
import Runtime
import Synchronization

/// `GET /healthz`: 204 when the service is up, unsigned and without detail. Every role answers
/// 503 while its HSM does not answer (asked on each call: C_GetTokenInfo, which also starts the
/// reconnect), so that a load balancer sends callers to the other server. On the central
/// service it also turns 503 when a CA's CRL has lapsed or lapses within `PKI.crlWarningDays`
/// (Doc 9303-12 §7.1.3: a CSCA CRL must never lapse), so that monitoring sees it a week ahead;
/// the reasons are in `mohur status` and `mohur crl due`. Checked at most once a minute.
final class HealthCheck: Sendable {
    let state: ServiceState
    private let cached = Mutex<(at: Date, healthy: Bool)?>(nil)

    init(state: ServiceState) {
        self.state = state
    }

    func response() async throws -> Response {
        let keys = state.runtime.pki.keys
        guard (try? await state.blocking({ try keys.checkReachable() })) != nil else { return Response(status: .serviceUnavailable) }
        guard state.configuration.role == .central else { return Response(status: .noContent) }
        let now = Date()
        if let known = cached.withLock({ $0 }), now.timeIntervalSince(known.at) < 60 {
            return Response(status: known.healthy ? .noContent : .serviceUnavailable)
        }
        let pki = state.runtime.pki
        let healthy = try await state.blocking { try pki.crlHealthProblems().isEmpty }
        cached.withLock { $0 = (now, healthy) }
        return Response(status: healthy ? .noContent : .serviceUnavailable)
    }
}
