import Authz
import CA
import Foundation
import Hummingbird
import Logging
import MohurCore
import NIOPosix
import OpenSSLKit
import PassiveAuth
import Runtime
import Storage
import Synchronization

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
    /// Replaces RFC 9421 verification when set (see `CallerAuthenticator`).
    let authenticator: (any CallerAuthenticator)?

    /// The pool for blocking work: sized for the requests that wait on a durable commit (the
    /// journal's group commit gathers them), not only for the cores that compute.
    public init(runtime: MohurRuntime, configuration: ServiceConfiguration, pool: NIOThreadPool? = nil,
                logger: Logger = Logger(label: "mohur"), authenticator: (any CallerAuthenticator)? = nil) throws {
        let pool = pool ?? NIOThreadPool(numberOfThreads: configuration.blockingThreads)
        pool.start()
        self.logger = logger
        self.authenticator = authenticator
        self.runtime = runtime
        self.configuration = configuration
        self.pool = pool
        let repository = runtime.pki.repository
        let clock = runtime.pki.clock
        // Parsed certificates by fingerprint: parsing one costs OpenSSL about 110 µs, a request's
        // whole signature check less. Certificates never change; revocation is the decision
        // point's business.
        let parsed = Mutex<[String: Certificate]>([:])
        // Main and reserve share a PostgreSQL database, so they share its replay cache; a SQLite
        // state keeps the ledger beside its database.
        // The replay cache has a connection of its own, so that claims never wait behind the
        // PKI store's transactions (EF.SOD group commits) on one connection.
        let nonces: any NonceStore = try runtime.keyStoreConfiguration.database.map { conninfo in
            RepositoryNonceStore(repository: try PKIRepository(database: try Database(postgresql: conninfo, independentWrites: true)), clock: clock)
        } ?? LedgerNonceStore(ledger: try ReplayLedger(directory: runtime.directory.path + "/replay"), clock: clock)
        verifier = RequestVerifier(nonces: nonces) { fingerprint in
            if let known = parsed.withLock({ $0[fingerprint] }) { return known }
            guard let record = try repository.certificate(fingerprint: fingerprint) else { return nil }
            let certificate = try Certificate(derEncoded: record.der)
            parsed.withLock { cache in
                if cache.count >= 10_000 { cache.removeAll(keepingCapacity: true) }
                cache[fingerprint] = certificate
            }
            return certificate
        }
        let trustPath = TrustStore.path(inState: runtime.directory.path)
        trustFiles = [trustPath, trustPath + "-wal"]
        let identity = try runtime.serviceIdentity()
        responseSigner = try MessageSigner(signer: identity.signer, certificate: identity.certificate)
    }

    /// The border post's trust index, kept between requests (it remembers verified DS→CSCA
    /// signatures, as a long-running post should) and rebuilt when the trust store's files change
    /// (`mohur trust import` or a bundle installed beside the running service).
    /// In PostgreSQL (the central copy) the change check is one query on an open store,
    /// made at most once a second.
    private let trust = Mutex<(stamp: TrustStamp, index: TrustIndex)?>(nil)
    /// The SQLite trust store's database and its WAL, whose stamps say when it changed (the
    /// paths are built once: building them cost more than the two `stat`s).
    private let trustFiles: [String]
    private let sharedTrust = Mutex<(store: TrustStore, checked: Date, generation: String)?>(nil)

    enum TrustStamp: Equatable {
        case files([FileStamp?])
        case generation(String)
    }

    func trustIndex() throws -> TrustIndex {
        let stamp = try trustStamp()
        if let cached = trust.withLock({ $0 }), cached.stamp == stamp { return cached.index }
        let index = try runtime.directory.openTrustStore().index()
        trust.withLock { $0 = (stamp, index) }
        return index
    }

    private func trustStamp() throws -> TrustStamp {
        // The state's configuration as the runtime loaded it (the database is fixed at init):
        // reading it from disk again would cost a request more than the stamp itself.
        guard runtime.keyStoreConfiguration.database != nil else { return .files(trustFiles.map(FileStamp.init(path:))) }
        let now = Date()
        if let known = sharedTrust.withLock({ $0 }), now.timeIntervalSince(known.checked) < 1 { return .generation(known.generation) }
        let store = try sharedTrust.withLock({ $0?.store }) ?? runtime.directory.openTrustStore()
        let generation = try store.generation()
        sharedTrust.withLock { $0 = (store, now, generation) }
        return .generation(generation)
    }

    /// Runs blocking work (HSM, SQLite) on the thread pool.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}

/// The replay cache: the ledger under the state directory, read with the service's clock.
struct LedgerNonceStore: NonceStore {
    let ledger: ReplayLedger
    let clock: any WallClock

    func claim(keyID: String, nonce: String, until: Date) throws -> Bool {
        try ledger.claim(keyID: keyID, nonce: nonce, until: until, now: clock.now())
    }
}

/// The replay cache in the state's PostgreSQL database, shared by the main and reserve servers.
/// Concurrent requests' nonces are committed together, and expired ones purged at most once a
/// second: one short transaction serves many requests.
final class RepositoryNonceStore: NonceStore {
    private let queue: GroupCommitQueue<(keyID: String, nonce: String, until: Date), Bool>

    init(repository: PKIRepository, clock: any WallClock) {
        let lastPurge = Mutex(Date.distantPast)
        queue = GroupCommitQueue(maxBatch: 64) { claims in
            let now = clock.now()
            let purge = lastPurge.withLock { last -> Bool in
                guard now.timeIntervalSince(last) >= 1 else { return false }
                last = now
                return true
            }
            return try repository.claimNonces(claims, purgeBefore: purge ? now : nil)
        }
    }

    func claim(keyID: String, nonce: String, until: Date) throws -> Bool {
        try queue.submit((keyID, nonce, until))
    }
}
