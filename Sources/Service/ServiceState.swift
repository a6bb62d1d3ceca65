import Authz
import CA
import Foundation
import Hummingbird
import Logging
import MohurCore
import NIOPosix
import OpenSSLKit
import Runtime
import Storage

/// The long-lived pieces every request shares: the runtime (PKI, journal, decision point), the
/// request verifier with its replay cache, the service's own signing identity, and the thread
/// pool on which every HSM and SQLite call runs, so that no event loop ever blocks.
public final class ServiceState: Sendable {
    public let runtime: MohurRuntime
    public let configuration: ServiceConfiguration
    public let verifier: RequestVerifier
    public let responseSigner: MessageSigner
    let pool: NIOThreadPool
    let logger: Logger

    public init(runtime: MohurRuntime, configuration: ServiceConfiguration, pool: NIOThreadPool = .singleton,
                logger: Logger = Logger(label: "mohur")) throws {
        self.logger = logger
        self.runtime = runtime
        self.configuration = configuration
        self.pool = pool
        let repository = runtime.pki.repository
        let clock = runtime.pki.clock
        verifier = RequestVerifier(nonces: RepositoryNonceStore(repository: repository, clock: clock)) { fingerprint in
            try repository.certificate(fingerprint: fingerprint).map { try Certificate(derEncoded: $0.der) }
        }
        let identity = try runtime.serviceIdentity()
        responseSigner = try MessageSigner(signer: identity.signer, certificate: identity.certificate)
    }

    /// Runs blocking work (HSM, SQLite) on the thread pool.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}

/// The replay cache in the PKI database: shared by every worker, kept across restarts.
struct RepositoryNonceStore: NonceStore {
    let repository: PKIRepository
    let clock: any WallClock

    func claim(keyID: String, nonce: String, until: Date) throws -> Bool {
        try repository.claimNonce(keyID: keyID, nonce: nonce, until: until, now: clock.now())
    }
}
