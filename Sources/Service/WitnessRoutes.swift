import Audit
import Foundation
import HTTPTypes
import Hummingbird
import MohurCore
import NIOCore
import Runtime

/// The witness role (c2sp.org/tlog-witness, "add-checkpoint"): `POST /add-checkpoint`, not
/// signed per RFC 9421 — the protocol authenticates the log by the signature on its checkpoint.
/// - 200: the cosignature line (text/plain);
/// - 404 unknown origin, 403 no trusted log signature, 400 malformed or old size above size,
///   422 consistency proof fails: problem JSON;
/// - 409: the size this witness holds, in decimal and a newline, as `text/x.tlog.size`.
struct WitnessRoutes {
    static let path = "/add-checkpoint"
    let state: ServiceState

    func add(to router: Router<MohurRequestContext>) {
        router.post("add-checkpoint", use: addCheckpoint)
    }

    @Sendable func addCheckpoint(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let body = String(decoding: context.body, as: UTF8.self)
        let runtime = state.runtime
        let requestID = context.requestID
        do {
            let line = try await state.blocking { try runtime.witnessAdd(body, requestID: requestID) }
            return Self.text(line, contentType: "text/plain; charset=utf-8", status: .ok)
        } catch let conflict as WitnessConflict {
            return Self.text("\(conflict.latestSize)\n", contentType: "text/x.tlog.size", status: .conflict)
        }
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
