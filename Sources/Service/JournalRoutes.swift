import Audit
import Authz
import Foundation
import Hummingbird
import MohurCore
import Runtime

/// Store-and-forward of node journals to the central service (rules §5.2.4.5):
/// - `GET /v1/journal/position?origin=O`: how many of node O's entries the centre holds;
/// - `POST /v1/journal/forward`: a batch, `{"checkpoint": note, "from": n, "entries": [base64]}`,
///   the node's entries `[from, size)` under its signed checkpoint of that size;
/// - `GET /v1/audit/nodes`: every node, its last checkpoint and its lag (needs audit-read).
/// Forwarding needs the journal-forward operation; a forked or shrunk log is refused (403)
/// and journaled as a threat.
struct JournalRoutes {
    let state: ServiceState
    let responder: Responder

    func add(to router: Router<MohurRequestContext>) {
        let journal = router.group("v1/journal").add(middleware: OperationMiddleware(state: state, operation: .journalForward))
        journal.get("position", use: position)
        journal.post("forward", use: forward)
    }

    struct Position: Codable {
        var origin: String
        var size: Int64
    }

    @Sendable func position(_ request: Request, context: MohurRequestContext) async throws -> Response {
        guard let origin = request.uri.queryParameters["origin"].map(String.init), !origin.isEmpty else {
            throw MohurError.badInput("query parameter 'origin' (the node journal's origin line) is missing")
        }
        let collection = state.runtime.nodeCollection
        let node = try await state.blocking { try collection.node(origin: origin) }
        guard let node else {
            throw MohurError.notFound("no node with journal origin \(origin) is registered",
                                      hint: "a security officer registers it on the central service: mohur audit nodes add --vkey VKEY --label TEXT")
        }
        return try await responder.json(Position(origin: node.origin, size: node.size), context: context)
    }

    struct Batch: Decodable {
        var checkpoint: String
        var from: Int64
        var entries: [String]
    }

    @Sendable func forward(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let body = try decode(Batch.self, context)
        let entries = try body.entries.enumerated().map { index, text -> [UInt8] in
            guard let bytes = Data(base64Encoded: text), !bytes.isEmpty else {
                throw MohurError.badInput("field 'entries[\(index)]' is not base64 of an entry")
            }
            return Array(bytes)
        }
        let batch = ForwardedEntries(checkpoint: body.checkpoint, from: body.from, entries: entries)
        let (runtime, actor, requestID) = (state.runtime, try context.requireCaller.identity.actor, context.requestID)
        let outcome = try await state.blocking { try runtime.receiveForwarded(batch, actor: actor, requestID: requestID) }
        struct Accepted: Encodable { var origin: String; var size: Int64; var stored: Int64 }
        let view = switch outcome {
        case .accepted(let origin, let from, let size, _): Accepted(origin: origin, size: size, stored: size - from)
        case .unchanged(let origin, let size): Accepted(origin: origin, size: size, stored: 0)
        }
        return try await responder.json(view, context: context)
    }

    @Sendable func nodes(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let collection = state.runtime.nodeCollection
        return try await responder.reply(context: context) { try .json(try collection.nodes()) }
    }
}
