import Authz
import Foundation
import HTTPTypes
import Hummingbird
import MohurCore
import Runtime
import NIOCore

/// RFC 9457 problem details, from the one mapping of `MohurError` codes that also gives the
/// CLI's exit codes.
struct Problem: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var instance: String?

    init(_ error: MohurError, requestID: String?) {
        type = error.problemType
        title = switch error.code {
        case .badInput: "Bad input"
        case .unauthenticated: "Not authenticated"
        case .refusedByPolicy: "Refused"
        case .notFound: "Not found"
        case .tooLarge: "Content too large"
        case .conflict: "Conflict"
        case .unverifiable: "Proof does not verify"
        case .system: "System failure"
        case .unavailable: "Temporarily unavailable"
        }
        status = error.httpStatus
        detail = switch error.code {
        case .system: "the service failed; the request id names it in the server's log"
        // What is unreachable, without its internals (those are in the server's log).
        case .unavailable: "\(error.reason.prefix { $0 != ":" }); nothing was done; send the request again after Retry-After seconds"
        default: error.description
        }
        instance = requestID.map { "urn:mohur:request:\($0)" }
    }
}

extension MohurError {
    /// What a failure anywhere in a request becomes in the service: Hummingbird's own HTTP
    /// errors (no route, too large), else the mapping the CLI shares (`classify`).
    static func from(_ error: any Error) -> MohurError {
        guard let error = error as? HTTPError else { return classify(error) }
        switch error.status.code {
        case 404: return .notFound("no such route", hint: "the service's routes are listed in openapi.yaml")
        case 405: return .notFound("that method is not served on this path")
        case 413: return MohurError(.tooLarge, "the request body is larger than the service accepts")
        case 400..<500: return .badInput(error.body ?? error.status.reasonPhrase)
        default: return .system("HTTP error \(error.status.code)")
        }
    }
}

/// A response's content, computed on the blocking pool (`Responder.reply`).
struct Reply: Sendable {
    var body: [UInt8]
    var contentType: String
    var status: HTTPResponse.Status = .ok

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Reply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Reply(body: Array(try encoder.encode(value)), contentType: "application/json", status: status)
    }

    /// A value written as canonical JSON already (the same bytes, without `JSONEncoder`).
    static func json(_ value: CanonicalJSON, status: HTTPResponse.Status = .ok) -> Reply {
        Reply(body: value.bytes, contentType: "application/json", status: status)
    }
}

/// Builds responses; a response to a signed request is signed by the service (RFC 9421), so
/// the caller can prove what Mohur answered.
struct Responder: Sendable {
    let state: ServiceState

    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, context: MohurRequestContext) async throws -> Response {
        try await send(try Reply.json(value, status: status), context: context)
    }

    /// Runs a route's blocking work (HSM, database) on the pool and signs its response in the
    /// same job: one trip to the pool and back per request instead of two.
    func reply(context: MohurRequestContext, _ produce: @escaping @Sendable () throws -> Reply) async throws -> Response {
        let sign = signing(context)
        let (reply, added) = try await state.blocking { () throws -> (Reply, [(name: String, value: String)]) in
            let reply = try produce()
            return (reply, try sign?(reply) ?? [])
        }
        return response(reply, adding: added, requestID: context.requestID)
    }

    func problem(_ error: MohurError, context: MohurRequestContext) async -> Response {
        let problem = Problem(error, requestID: context.requestID.isEmpty ? nil : context.requestID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(problem)).map(Array.init) ?? Array("{}".utf8)
        let status = HTTPResponse.Status(code: problem.status)
        var response = (try? await bytes(body, contentType: "application/problem+json", status: status, context: context))
            ?? unsigned(body, contentType: "application/problem+json", status: status, requestID: context.requestID)
        if let seconds = error.retryAfterSeconds { response.headers[.retryAfter] = "\(seconds)" }
        return response
    }

    func bytes(_ body: [UInt8], contentType: String, status: HTTPResponse.Status = .ok, context: MohurRequestContext) async throws -> Response {
        try await send(Reply(body: body, contentType: contentType, status: status), context: context)
    }

    /// A reply computed already: signed on the pool when the request was signed.
    private func send(_ reply: Reply, context: MohurRequestContext) async throws -> Response {
        guard let sign = signing(context) else { return response(reply, adding: [], requestID: context.requestID) }
        return response(reply, adding: try await state.blocking { try sign(reply) }, requestID: context.requestID)
    }

    /// What signs a response to this request (on the pool: the key is in the HSM), or nil for a
    /// request that was not signed.
    private func signing(_ context: MohurRequestContext) -> (@Sendable (Reply) throws -> [(name: String, value: String)])? {
        guard let caller = context.caller, let verified = caller.request else { return nil }
        let (signer, clock, message) = (state.responseSigner, state.runtime.pki.clock, caller.message)
        return { reply in
            try signer.signResponse(status: Int(reply.status.code), fields: [("Content-Type", reply.contentType)], body: reply.body,
                                    request: message, requestSignature: verified.signature, now: clock.now())
        }
    }

    private func response(_ reply: Reply, adding fields: [(name: String, value: String)], requestID: String) -> Response {
        var response = unsigned(reply.body, contentType: reply.contentType, status: reply.status, requestID: requestID)
        for (name, value) in fields {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }

    func unsigned(_ body: [UInt8], contentType: String, status: HTTPResponse.Status, requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        if !requestID.isEmpty, let name = HTTPField.Name("X-Request-Id") { headers[name] = requestID }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
