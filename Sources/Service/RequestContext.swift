import Authz
import Hummingbird
import Logging
import MohurCore

/// Who called, once the signature middleware verified it.
public struct Caller: Sendable {
    public let request: VerifiedRequest
    public let identity: ValidatedIdentity
    /// The request as signed, for the response signature's `;req` components.
    public let message: HTTPMessageParts
}

/// What travels with one request through the middleware to the route: its id, its body (read
/// once, within the size limit) and the verified caller.
public struct MohurRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID = ""
    public var body: [UInt8] = []
    public var caller: Caller?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The verified caller, or a 401 (routes behind the signature middleware always have one).
    public var requireCaller: Caller {
        get throws {
            guard let caller else { throw MohurError.unauthenticated("the request is not signed") }
            return caller
        }
    }
}
