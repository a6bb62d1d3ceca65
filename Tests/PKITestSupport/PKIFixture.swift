import CA
import Foundation
import HSM
import MohurCore
import MohurTestSupport
import OpenSSLKit
import Storage
import Synchronization

/// A clock tests move forward.
public final class TestClock: WallClock {
    private let current: Mutex<Date>
    public init(_ start: Date = Date()) { current = Mutex(start) }
    public func now() -> Date { current.withLock { $0 } }
    public func advance(days: Int) { advance(seconds: TimeInterval(days) * 86_400) }
    public func advance(seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// One SoftHSM2 token per test process (SoftHSM reads its configuration once per process),
/// created under a temporary directory through Mohur's own embedded-default path.
public enum SharedToken {
    static let state: (directory: TemporaryDirectory, keys: any KeyStore, config: KeyStoreConfiguration)? = {
        do {
            let directory = try TemporaryDirectory("mohur-hsm")
            let stateDir = StateDirectory(path: directory.path("state"))
            let config = try stateDir.createEmbeddedDefault()
            return (directory, try stateDir.openKeyStore(config), config)
        } catch {
            print("SharedToken setup failed: \(error)")
            return nil
        }
    }()

    /// A fresh token for one fixture, in the same SoftHSM2 instance: SoftHSM2's file store
    /// rescans every object of a token on each lookup, so small tokens keep tests fast.
    public static func keys() throws -> any KeyStore {
        guard state != nil else { throw TestFailure("the shared SoftHSM2 token could not be created (see the log above)") }
        let module = try PKCS11Modules.module(path: StateDirectory.defaultSoftHSMModule)
        let label = "t-" + Digest.hex(try randomBytes(6))
        _ = try module.initializeToken(label: label, soPIN: "so-pin-0000", userPIN: "user-pin-0000")
        return PKCS11KeyStore(module: module, token: try module.openToken(label: label, pin: "user-pin-0000"))
    }
}

/// A PKI with its own database on the shared token.
public struct PKIFixture {
    public let directory: TemporaryDirectory
    public let repository: PKIRepository
    public let pki: PKI
    public let clock: TestClock

    public static let profilePath = Vectors.repositoryRoot.appendingPathComponent("CA/hierarchy.json").path
    public static let matrixPath = Vectors.repositoryRoot.appendingPathComponent("CA/agency-access.tsv").path
    public static let operationsPath = Vectors.repositoryRoot.appendingPathComponent("CA/agency-operations.tsv").path

    /// `mutate` edits the shipped profile before use (e.g. an RSA ICAO level for full openssl chains).
    public init(mutate: (inout HierarchyProfile) -> Void = { _ in }, keys: (any KeyStore)? = nil, initialize: Bool = true,
                audit: any AuditSink = DiscardingAuditSink()) throws {
        directory = try TemporaryDirectory()
        repository = try PKIRepository(database: try Database(path: directory.path("mohur.sqlite")))
        var profile = try HierarchyProfile.load(path: Self.profilePath)
        mutate(&profile)
        try profile.validate(source: "test profile")
        clock = TestClock()
        pki = PKI(repository: repository, keys: try keys ?? SharedToken.keys(), profile: profile,
                  matrix: try AccessMatrix.load(path: Self.matrixPath, operationsPath: Self.operationsPath), clock: clock, audit: audit)
        if initialize { try pki.initializeHierarchy() }
    }

    /// The same state seen at another time.
    public func at(_ clock: any WallClock) -> PKI {
        PKI(repository: repository, keys: pki.keys, profile: pki.profile, matrix: pki.matrix, clock: clock, audit: pki.audit)
    }

    public func certificate(_ authority: String) throws -> Certificate {
        try Certificate(derEncoded: try pki.authority(named: authority).certificate.der)
    }

    public func pemFile(_ name: String, _ certificates: [Certificate]) throws -> String {
        try directory.write(name, certificates.map { try $0.pem() }.joined())
    }

    /// An ICAO level with RSA keys (no explicit EC parameters), so that `openssl verify` can
    /// judge whole chains (OpenSSL 3.0 refuses explicit-parameter EC keys in chains, error 94).
    public static func rsaICAO(_ profile: inout HierarchyProfile) {
        profile.csca.key = "rsa3072"
        profile.csca.explicitECParameters = false
        for keyPath in [\HierarchyProfile.documentSigner, \.masterListSigner, \.deviationListSigner] {
            profile[keyPath: keyPath].key = "rsa2048"
            profile[keyPath: keyPath].explicitECParameters = false
        }
    }
}

/// Keeps what the PKI journals and how many appends it took.
public final class RecordingAuditSink: AuditSink {
    public let state = Mutex<(records: [AuditRecord], appends: Int)>(([], 0))
    public init() {}
    public func record(_ record: AuditRecord) throws { state.withLock { $0.records.append(record); $0.appends += 1 } }
    public func record(contentsOf records: [AuditRecord]) throws {
        state.withLock { $0.records += records; $0.appends += 1 }
    }

    /// The actions recorded so far.
    public var actions: [AuditAction] {
        state.withLock { $0.records }.compactMap { if case .action(let action) = $0 { action } else { nil } }
    }
}
