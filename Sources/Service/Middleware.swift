import Authz
import CA
import Foundation
import HTTPTypes
import Hummingbird
import MohurCore
import OpenSSLKit

/// Outermost: gives every request an id (the caller's `X-Request-Id` when it is a plain token,
/// else a fresh one) and turns every failure below into RFC 9457 problem JSON.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = MohurRequestContext
    let responder: Responder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let offered = HTTPField.Name("X-Request-Id").flatMap { request.headers[$0] } ?? ""
        let isToken = (1...64).contains(offered.utf8.count)
            && offered.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 95 || $0 == 46 }
        context.requestID = isToken ? offered : Digest.hex((try? randomBytes(8)) ?? [])
        context.requestIDFromCaller = isToken
        context.logger[metadataKey: "request"] = .string(context.requestID)
        do {
            return try await next(request, context)
        } catch {
            let failure = MohurError.from(error)
            if failure.code == .system { context.logger.error("request failed: \(failure.reason) at \(failure.site)") }
            return await responder.problem(failure, context: context)
        }
    }
}

/// Reads the body once, refusing anything over the limit with 413 before any other work.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = MohurRequestContext
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        var context = context
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw MohurError(.tooLarge, "the request body of \(declared) bytes exceeds the limit of \(limit)")
        }
        do {
            context.body = Array(buffer: try await request.collectBody(upTo: limit))
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw MohurError(.tooLarge, "the request body exceeds the limit of \(limit) bytes")
        }
        return try await next(request, context)
    }
}

/// Verifies the RFC 9421 signature of every request but `/healthz` (and a witness's
/// `/add-checkpoint`, which the log's checkpoint signature authenticates), then the signer's
/// certificate path (a revoked or expired certificate is not an identity). A refusal is 401
/// and journaled, naming the caller when its keyid is known.
struct SignatureMiddleware: RouterMiddleware {
    typealias Context = MohurRequestContext
    let state: ServiceState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/healthz" || (request.uri.path == "/metrics" && context.fromLoopback)
            || (state.configuration.role == .witness && request.uri.path == WitnessRoutes.path) {
            return try await next(request, context)
        }
        var context = context
        let message = parts(of: request)
        let body = context.body
        let state = state
        let requestID = context.requestID
        let peer = context.peerAddress
        context.caller = try await state.blocking {
            if let authenticator = state.authenticator { return try authenticator.authenticate(message, body: body, requestID: requestID) }
            let now = state.runtime.pki.clock.now()
            do {
                let verified = try state.verifier.verify(message, body: body, now: now)
                let identity = try state.runtime.authorizer.validate(verified.certificate, supplied: verified.chain)
                return Caller(request: verified, identity: identity, message: message)
            } catch let error as MohurError where error.code == .unauthenticated || error.code == .refusedByPolicy {
                try journalRefusal(error, message: message, requestID: requestID, peer: peer)
                ServiceMetrics.refused(status: 401)
                throw MohurError.unauthenticated(error.reason, hint: error.hint)
            }
        }
        return try await next(request, context)
    }

    /// The request as RFC 9421 sees it: the raw request target, and the scheme and authority
    /// the callers address (configured, or the Host field).
    func parts(of request: Request) -> HTTPMessageParts {
        let target = request.head.path ?? "/"
        let split = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let configuration = state.configuration
        let authority = configuration.publicAuthority ?? request.head.authority ?? "\(configuration.host):\(configuration.port)"
        return HTTPMessageParts(
            kind: .request(method: request.method.rawValue, scheme: configuration.publicScheme, authority: authority,
                           path: String(split[0]), query: split.count > 1 ? String(split[1]) : nil),
            fields: request.headers.map { ($0.name.rawName, $0.value) })
    }

    /// Journals the refusal; a caller refused repeatedly (by its keyid, else by its address) is
    /// journaled as a threat too (`RepeatedRefusals`).
    private func journalRefusal(_ error: MohurError, message: HTTPMessageParts, requestID: String, peer: String) throws {
        var keyID: String?
        if let input = message.combinedValue(of: "signature-input"), let value = message.combinedValue(of: "signature") {
            keyID = (try? HTTPSignature.parse(signatureInput: input, signature: value))?.first?.keyID
        }
        let actor = (try? AuditActor(certificateFingerprint: keyID, agency: nil)) ?? .localOfficer
        let target: String = if case .request(let method, _, _, let path, _) = message.kind { "\(method) \(path)" } else { "request" }
        try state.runtime.pki.audit.journal(
            try AuditAction(.threat, operation: "request.refused", actor: actor, target: target, outcome: .refused, requestID: requestID,
                            details: ["reason": .text(error.reason)]), "a request was refused")
        try state.runtime.authorizer.noteRefusal(caller: actor.certificateFingerprint ?? "address \(peer.isEmpty ? "unknown" : peer)",
                                                 agency: nil, requestID: requestID)
    }
}

/// Lets through only callers the decision point allows `operation`; a refusal is 403 and
/// journaled by the decision point.
struct OperationMiddleware: RouterMiddleware {
    typealias Context = MohurRequestContext
    let state: ServiceState
    let operation: MohurOperation

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let identity = try context.requireCaller.identity
        // The decision is pure and fast; only a refusal, which is journaled, leaves the event loop.
        guard !state.runtime.authorizer.decide(identity, .operation(operation)).allowed else { return try await next(request, context) }
        let (state, operation, requestID) = (state, operation, context.requestID)
        ServiceMetrics.refused(status: 403)
        try await state.blocking { try state.runtime.authorizer.authorize(identity, .operation(operation), requestID: requestID) }
        return try await next(request, context)
    }
}
