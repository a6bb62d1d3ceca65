import DocumentSigning
import Foundation
import Hummingbird
import Logging
import MohurCore
import Runtime

/// The one builder of the service: `mohur serve` runs what it returns, and the tests drive
/// the same value. Middleware order: metrics → request id (and problem JSON) → size limit →
/// signature → per-route authorization → route.
public func buildApplication(runtime: MohurRuntime, configuration: ServiceConfiguration, logger: Logger = Logger(label: "mohur"),
                             authenticator: (any CallerAuthenticator)? = nil,
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
    let state = try ServiceState(runtime: runtime, configuration: configuration, logger: logger, authenticator: authenticator)
    return Application(
        router: try buildRouter(state: state),
        server: try ServiceTLS.server(configuration, state: state),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Mohur"),
        services: [CheckpointService(state: state)],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger)
}

/// The routes an instance of `configuration.role` mounts, as "METHOD /path/{parameter}", the
/// form the OpenAPI document uses (`mohur serve --list-routes`).
public func serviceRoutes(runtime: MohurRuntime, configuration: ServiceConfiguration) throws -> [String] {
    try buildRouter(state: ServiceState(runtime: runtime, configuration: configuration)).routes.map { route in
        let path = route.path.components.map { "\($0)".hasPrefix(":") ? "{\("\($0)".dropFirst())}" : "\($0)" }.joined(separator: "/")
        return "\(route.method) /\(path)"
    }.sorted()
}

func buildRouter(state: ServiceState) throws -> Router<MohurRequestContext> {
    let (runtime, configuration) = (state.runtime, state.configuration)
    let responder = Responder(state: state)
    let router = Router(context: MohurRequestContext.self)
    router.add(middleware: MetricsMiddleware())  // outermost: it sees the final status of every response
    router.add(middleware: RequestIDMiddleware(responder: responder))
    router.add(middleware: BodyLimitMiddleware(limit: configuration.maxBodyBytes))
    router.add(middleware: SignatureMiddleware(state: state))
    let health = HealthCheck(state: state)
    router.get("healthz") { _, _ in try await health.response() }
    MetricsRoute(responder: responder).add(to: router)
    switch configuration.role {
    case .central:
        CentralRoutes(state: state, responder: responder).add(to: router)
    case .issuing:
        DocumentRoutes(state: state, responder: responder, signing: try DocumentSigningService(pki: runtime.pki)).addIssuing(to: router)
    case .border:
        DocumentRoutes(state: state, responder: responder, signing: nil).addBorder(to: router)
    case .witness:
        _ = try runtime.witness()  // refuse to start as a witness that has no key
        WitnessRoutes(state: state).add(to: router)
    }
    return router
}
