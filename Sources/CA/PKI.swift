import Foundation
import HSM
import MohurCore
import OpenSSLKit
import Storage

/// The IAMAS PKI: the four levels' authorities, their keys in the key store, their state in
/// SQLite. Every operation that changes state runs in one database transaction, so a failure
/// half-way leaves what was stored before.
public final class PKI: Sendable {
    public let repository: PKIRepository
    public let keys: any KeyStore
    public let profile: HierarchyProfile
    public let matrix: AccessMatrix
    public let clock: any WallClock
    /// Where every operation, and every refusal, is recorded (the audit journal).
    public let audit: any AuditSink
    /// Who is acting, as the journal records it.
    public let actor: AuditActor

    public init(repository: PKIRepository, keys: any KeyStore, profile: HierarchyProfile, matrix: AccessMatrix,
                clock: any WallClock = SystemWallClock(), audit: any AuditSink = DiscardingAuditSink(),
                actor: AuditActor = .localOfficer) {
        self.repository = repository
        self.keys = keys
        self.profile = profile
        self.matrix = matrix
        self.clock = clock
        self.audit = audit
        self.actor = actor
    }

    /// True once `initializeHierarchy` has completed.
    public var isInitialized: Bool {
        get throws { try repository.setting("initialized_at") != nil }
    }

    /// The locked profile stored at init, if any.
    public static func lockedProfile(_ repository: PKIRepository) throws -> HierarchyProfile? {
        guard let json = try repository.setting("profile") else { return nil }
        return try HierarchyProfile.decode(Array(json.utf8), source: "the profile locked in the database")
    }

    static let lockedAccessKey = "access_matrix"
    static let lockedOperationsKey = "agency_operations"

    /// The access matrix and operations table locked at init, or nil for a state made before
    /// they were locked (the caller then uses the built-in tables).
    public static func lockedMatrix(_ repository: PKIRepository) throws -> AccessMatrix? {
        guard let access = try repository.setting(lockedAccessKey), let operations = try repository.setting(lockedOperationsKey) else {
            return nil
        }
        return try AccessMatrix(accessTable: access, source: "the access matrix locked in the database",
                                operationsTable: operations, operationsSource: "the operations table locked in the database")
    }

    /// The same PKI acting for `actor`: every journal entry of its operations names that actor.
    public func acting(as actor: AuditActor) -> PKI {
        PKI(repository: repository, keys: keys, profile: profile, matrix: matrix, clock: clock, audit: audit, actor: actor)
    }

    /// A stored authority with its certificate.
    public struct AuthorityView: Sendable {
        public let record: AuthorityRecord
        public let certificate: CertificateRecord
        public var role: CertificateRole? { CertificateRole(rawValue: record.role) }
    }

    public func authorities() throws -> [AuthorityView] {
        try repository.authorities().map { record in
            guard let certificate = try repository.certificate(id: record.certificateID) else {
                throw MohurError.system("authority \(record.name) points at a missing certificate", hint: "the database is damaged")
            }
            return AuthorityView(record: record, certificate: certificate)
        }
    }

    public func authority(named name: String) throws -> AuthorityView {
        guard let record = try repository.authority(name) else {
            let known = try repository.authorities().map(\.name).joined(separator: ", ")
            throw MohurError.notFound("no authority named '\(name)'", hint: "known: \(known)")
        }
        guard let certificate = try repository.certificate(id: record.certificateID) else {
            throw MohurError.system("authority \(name) points at a missing certificate", hint: "the database is damaged")
        }
        return AuthorityView(record: record, certificate: certificate)
    }

    /// The active authority of `role` (the newest generation).
    public func activeAuthority(_ role: CertificateRole, agency: String? = nil) throws -> AuthorityView {
        let candidates = try repository.authorities(role: role.rawValue)
            .filter { $0.status == "active" && (agency == nil || $0.agency == agency) }
        guard let record = candidates.max(by: { $0.generation < $1.generation }) else {
            throw MohurError.notFound("no active \(role.rawValue) authority\(agency.map { " for \($0)" } ?? "")",
                                      hint: "run `mohur init` first")
        }
        return try authority(named: record.name)
    }

    /// Loads an authority's key from the key store, so it can sign.
    public func issuingAuthority(_ view: AuthorityView) throws -> IssuingAuthority {
        let signer = try keys.load(reference: view.record.keyRef)
        let certificate = try Certificate(derEncoded: view.certificate.der)
        guard signer.publicKey == (try certificate.publicKey()) else {
            throw MohurError.system("the key \(view.record.keyRef) does not match the certificate of \(view.record.name)",
                                    hint: "the token holds a different key under that label; do not use this state with it")
        }
        return IssuingAuthority(record: view.record, certificate: certificate, signer: signer)
    }

    /// Runs `body` in one database transaction.
    func atomically<T>(_ body: () throws -> T) throws -> T {
        try repository.database.transaction { _ in try body() }
    }
}
