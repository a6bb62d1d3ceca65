import Foundation
import Hummingbird
import Metrics
import MohurCore
import Prometheus

/// The process's metrics (swift-metrics, exported in the Prometheus text format at
/// `GET /metrics`). Bootstrapped once per process: every application built in it shares them.
enum ServiceMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Requests refused before reaching a route, by status (401 authentication, 403 rights).
    static func refused(status: Int) {
        _ = registry
        Counter(label: "mohur_requests_refused_total", dimensions: [("status", String(status))]).increment()
    }
}

/// `GET /metrics`: Prometheus text, for loopback scrapers without a signature (the signature
/// middleware lets only loopback through unsigned), for anyone else with a signed request.
struct MetricsRoute {
    let responder: Responder

    func add(to router: Router<MohurRequestContext>) {
        _ = ServiceMetrics.registry
        router.get("metrics") { _, context in
            try await responder.bytes(ServiceMetrics.registry.emitToBuffer(), contentType: "text/plain; version=0.0.4", context: context)
        }
    }
}
