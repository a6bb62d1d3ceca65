import CA
import Foundation
import MohurCore
import OpenSSLKit
import Storage
import Synchronization

/// What a caller asks to do: one of Mohur's operations, or a right on an annex-2 resource
/// (another subsystem's gateway asking on its callers' behalf).
public enum AccessAction: Sendable, Hashable, CustomStringConvertible {
    case operation(MohurOperation)
    case resource(InformationResource, PermissionRight)

    /// A journal token: `audit-read`, `AUD.read`.
    public var token: String {
        switch self {
        case .operation(let operation): operation.rawValue
        case .resource(let resource, let right): "\(resource.rawValue).\(right.rawValue)"
        }
    }

    public var description: String {
        switch self {
        case .operation(let operation): "operation \(operation.rawValue)"
        case .resource(let resource, let right): "\(right.rawValue) on \(resource.rawValue)"
        }
    }
}

/// A certificate whose path to the IAMAS root was checked, with what it may do: the
/// intersection of the permissions along its path (or, for a national certificate, its
/// mapping), narrowed by the holder's role.
public struct ValidatedIdentity: Sendable {
    public let certificate: Certificate
    public let path: [Certificate]
    public let fingerprint: String
    public let agency: String?
    public let role: OfficerRole?
    public let permissions: PermissionSet
    /// True when the path runs through the bridge to the national PKI.
    public let isNational: Bool

    /// The journal's name for this holder.
    public var actor: AuditActor {
        (try? AuditActor(certificateFingerprint: fingerprint, agency: agency)) ?? .localOfficer
    }

    public var subject: String { certificate.subject.description }
}

/// The decision for one action.
public struct AccessDecision: Sendable {
    public let action: AccessAction
    public let allowed: Bool
    public let reason: String

    public init(action: AccessAction, allowed: Bool, reason: String) {
        self.action = action
        self.allowed = allowed
        self.reason = reason
    }
}

/// The one decision point for permissions in Mohur (rules §5.2.3). It validates a certificate's
/// path to the IAMAS root, recomputes its rights along the path, and allows or refuses an
/// action. Every refusal of an access attempt is journaled as an attempt to exceed permissions
/// (§6.9.1.5), naming the certificate's fingerprint, agency and the action.
public final class Authorizer: Sendable {
    let pki: PKI
    /// What validations depend on besides the certificates themselves, and what was validated
    /// under it: the issuer pool, and identities valid until a revocation, a new issuer or a
    /// changed national mapping changes the mark (one indexed query per validation), or their
    /// path's validity ends.
    private struct Cache {
        var mark: PKIRepository.AuthorizationMark
        var pool: IssuerPool
        var identities: [String: (identity: ValidatedIdentity, notBefore: Date, notAfter: Date)] = [:]
    }
    private let cache: Mutex<Cache>
    static let cacheLimit = 10_000
    /// Refusals per caller: repeated ones are journaled as a threat (`noteRefusal`).
    public let refusals = RepeatedRefusals()

    public init(pki: PKI) throws {
        self.pki = pki
        cache = Mutex(Cache(mark: try pki.repository.authorizationMark(), pool: try IssuerPool(repository: pki.repository)))
    }

    private func current() throws(MohurError) -> Cache {
        let mark: PKIRepository.AuthorizationMark
        do { mark = try pki.repository.authorizationMark() } catch { throw .system("cannot read the revocation state: \(error)") }
        let cached = cache.withLock { $0 }
        if cached.mark == mark { return cached }
        var fresh = Cache(mark: mark, pool: cached.pool)
        // A new generation may mean a new issuer: reload the pool too (rare: revocations, issuers, mappings).
        do { fresh.pool = try IssuerPool(repository: pki.repository) } catch { throw .system("cannot load the IAMAS issuers: \(error)") }
        let replacement = fresh
        cache.withLock { $0 = replacement }
        return fresh
    }

    /// Validates `certificate` (with any intermediates the caller `supplied`) at `time`, or
    /// throws a refusal with the reason. Nothing is journaled: see ``authorize(_:supplied:_:)``.
    /// A certificate validated before is answered from the cache while nothing it depends on
    /// has changed; a refusal is never cached.
    public func validate(_ certificate: Certificate, supplied: [Certificate] = [], at time: Date? = nil) throws(MohurError) -> ValidatedIdentity {
        let state = try current()
        if let time { return try validateUncached(certificate, supplied: supplied, at: time, pool: state.pool) }
        let now = pki.clock.now()
        let key = ([certificate] + supplied).map { Digest.hex($0.fingerprintSHA256) }.joined(separator: ":")
        if let hit = state.identities[key], now >= hit.notBefore, now <= hit.notAfter { return hit.identity }
        let identity = try validateUncached(certificate, supplied: supplied, at: now, pool: state.pool)
        let notBefore = identity.path.map(\.notBefore).max() ?? now
        let notAfter = identity.path.map(\.notAfter).min() ?? now
        cache.withLock { cached in
            guard cached.mark == state.mark else { return }
            if cached.identities.count >= Self.cacheLimit { cached.identities.removeAll(keepingCapacity: true) }
            cached.identities[key] = (identity, notBefore, notAfter)
        }
        return identity
    }

    private func validateUncached(_ certificate: Certificate, supplied: [Certificate], at time: Date, pool: IssuerPool) throws(MohurError) -> ValidatedIdentity {
        let validator = PathValidator(pool: pool, repository: pki.repository)
        let path = try validator.build(leaf: certificate, supplied: supplied)
        try validator.check(path, at: time)
        let fingerprint = Digest.hex(certificate.fingerprintSHA256)
        if path.contains(where: { pool.bridges.contains(Digest.hex($0.fingerprintSHA256)) }) {
            return try nationalIdentity(certificate, path: path, fingerprint: fingerprint)
        }
        var effective = PermissionSet.all
        var agency: String?
        var role: OfficerRole?
        for (index, holder) in path.reversed().dropFirst().enumerated() {
            guard let claimed = try AgencyPermissions(certificate: holder) else {
                effective = PermissionSet()
                role = nil
                continue
            }
            let excess = claimed.permissions.excess(over: effective)
            guard excess.isEmpty else {
                throw .refused("\(holder.subject) claims \(excess.joined(separator: ",")) beyond what its issuer holds",
                               hint: "a certificate may carry only a subset of its issuer's permissions")
            }
            if let agency, claimed.agency != agency {
                throw .refused("\(holder.subject) names agency \(claimed.agency) under a CA of agency \(agency)")
            }
            agency = claimed.agency
            effective = effective.intersection(claimed.permissions)
            role = index == path.count - 2 ? claimed.role : nil
        }
        if let role { effective.operations.formIntersection(role.operations) }
        return ValidatedIdentity(certificate: certificate, path: path, fingerprint: fingerprint, agency: agency, role: role,
                                 permissions: effective, isNational: false)
    }

    /// A national certificate holds what its mapping gives: the mapped agency's row, with the
    /// operations of the mapped role.
    private func nationalIdentity(_ certificate: Certificate, path: [Certificate], fingerprint: String) throws(MohurError) -> ValidatedIdentity {
        let mapping: NationalMappingRecord?
        do { mapping = try pki.repository.nationalMapping(fingerprint: fingerprint) } catch {
            throw .system("cannot read national mappings: \(error)")
        }
        guard let mapping, mapping.withdrawnAt == nil, let role = OfficerRole(rawValue: mapping.role),
              let agency = pki.matrix.agency(mapping.agency) else {
            return ValidatedIdentity(certificate: certificate, path: path, fingerprint: fingerprint, agency: nil, role: nil,
                                     permissions: PermissionSet(), isNational: true)
        }
        var permissions = agency.permissions
        permissions.operations.formIntersection(role.operations)
        return ValidatedIdentity(certificate: certificate, path: path, fingerprint: fingerprint, agency: agency.code, role: role,
                                 permissions: permissions, isNational: true)
    }

    /// Decides one action for an already validated identity. Pure and fast: no I/O.
    ///
    /// Reading the audit journal needs the audit operation and, in addition, AUD read in annex 2
    /// or the auditor role (rules §6.9: the journal serves internal investigations).
    public func decide(_ identity: ValidatedIdentity, _ action: AccessAction) -> AccessDecision {
        let holder = identity.agency ?? "no agency"
        switch action {
        case .resource(let resource, let right):
            if identity.permissions.allows(right, on: resource) {
                return AccessDecision(action: action, allowed: true, reason: "\(holder) may \(right.rawValue) \(resource.rawValue)")
            }
            return AccessDecision(action: action, allowed: false, reason: "\(holder) holds no \(right.rawValue) right on \(resource.rawValue)")
        case .operation(let operation):
            guard identity.permissions.operations.contains(operation) else {
                let why = identity.role.map { " as \($0.rawValue)" } ?? ""
                return AccessDecision(action: action, allowed: false, reason: "\(holder)\(why) may not use \(operation.rawValue)")
            }
            if operation == .auditRead || operation == .auditExport,
               !identity.permissions.allows(.read, on: .auditJournal), identity.role != .auditor {
                return AccessDecision(action: action, allowed: false,
                                      reason: "\(holder) has no AUD read right in annex 2 and is not an auditor")
            }
            return AccessDecision(action: action, allowed: true, reason: "\(holder) may use \(operation.rawValue)")
        }
    }

    /// Validates and decides; a refusal is journaled and thrown (exit 1 / HTTP 403).
    @discardableResult
    public func authorize(_ certificate: Certificate, supplied: [Certificate] = [], _ action: AccessAction,
                          requestID: String? = nil) throws -> ValidatedIdentity {
        let identity: ValidatedIdentity
        do {
            identity = try validate(certificate, supplied: supplied)
        } catch let error where error.code == .refusedByPolicy {
            let agency = (try? AgencyPermissions(certificate: certificate))?.agency
            try journalRefusal(fingerprint: Digest.hex(certificate.fingerprintSHA256), agency: agency, action, reason: error.reason,
                               requestID: requestID)
            throw error
        }
        try authorize(identity, action, requestID: requestID)
        return identity
    }

    /// Decides for an already validated identity; a refusal is journaled and thrown.
    public func authorize(_ identity: ValidatedIdentity, _ action: AccessAction, requestID: String? = nil) throws {
        let decision = decide(identity, action)
        guard !decision.allowed else { return }
        try journalRefusal(fingerprint: identity.fingerprint, agency: identity.agency, action, reason: decision.reason, requestID: requestID)
        throw MohurError.refused("refused: \(decision.reason)", hint: "\(identity.subject) holds \(identity.permissions.specification)")
    }

    private func journalRefusal(fingerprint: String, agency: String?, _ action: AccessAction, reason: String, requestID: String?) throws {
        let actor = (try? AuditActor(certificateFingerprint: fingerprint, agency: agency)) ?? .localOfficer
        try pki.audit.journal(try AuditAction(.permissionExceeded, operation: "authz.\(action.token)", actor: actor, target: action.description,
                                              outcome: .refused, requestID: requestID,
                                              details: ["reason": .text(reason), "action": .text(action.token)]), "an access was refused")
        try noteRefusal(caller: fingerprint, agency: agency, requestID: requestID)
    }
}
