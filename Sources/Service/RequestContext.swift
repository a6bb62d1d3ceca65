import Authz
import Hummingbird
import Logging
import MohurCore

/// Who called, once the signature middleware verified it.
public struct Caller: Sendable {
    /// The verified request signature; nil only for a caller an injected authenticator vouches
    /// for (the unsigned baseline of `make bench`), whose responses are not signed either.
    public let request: VerifiedRequest?
    public let identity: ValidatedIdentity
    /// The request as signed, for the response signature's `;req` components.
    public let message: HTTPMessageParts

    public init(request: VerifiedRequest?, identity: ValidatedIdentity, message: HTTPMessageParts) {
        self.request = request
        self.identity = identity
        self.message = message
    }
}

/// Decides who sent a request. The service's own is RFC 9421 (`SignatureMiddleware`); another
/// can be injected into `buildApplication`, as `make bench` does to measure the same routes
/// without signatures.
public protocol CallerAuthenticator: Sendable {
    func authenticate(_ message: HTTPMessageParts, body: [UInt8], requestID: String) throws -> Caller
}

/// What travels with one request through the middleware to the route: its id, its body (read
/// once, within the size limit) and the verified caller.
public struct MohurRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID = ""
    /// Whether `requestID` is the caller's own `X-Request-Id` (not one the service made up).
    public var requestIDFromCaller = false
    public var body: [UInt8] = []
    public var caller: Caller?
    /// Whether the peer is on this machine (127.0.0.0/8 or ::1): `/metrics` answers it unsigned.
    public let fromLoopback: Bool
    /// The peer's IP address ("" when unknown): names a caller refused before its key is known.
    public let peerAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let address = source.channel.remoteAddress?.ipAddress ?? ""
        peerAddress = address
        fromLoopback = address.hasPrefix("127.") || address == "::1" || address == "::ffff:127.0.0.1"
    }

    /// The verified caller, or a 401 (routes behind the signature middleware always have one).
    public var requireCaller: Caller {
        get throws {
            guard let caller else { throw MohurError.unauthenticated("the request is not signed") }
            return caller
        }
    }
}
