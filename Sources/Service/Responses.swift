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

/// Builds responses; a response to a signed request is signed by the service (RFC 9421), so
/// the caller can prove what Mohur answered.
struct Responder: Sendable {
    let state: ServiceState

    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, context: MohurRequestContext) async throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try await bytes(Array(try encoder.encode(value)), contentType: "application/json", status: status, context: context)
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
        var response = unsigned(body, contentType: contentType, status: status, requestID: context.requestID)
        guard let caller = context.caller, let signed = caller.request else { return response }
        let fields = [("Content-Type", contentType)]
        let signer = state.responseSigner
        let now = state.runtime.pki.clock.now()
        let label = signed.signature.label
        let added = try await state.blocking {
            try signer.signResponse(status: Int(status.code), fields: fields, body: body, request: caller.message, requestLabel: label, now: now)
        }
        for (name, value) in added {
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
