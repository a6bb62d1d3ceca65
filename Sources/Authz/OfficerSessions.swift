import CA
import Foundation
import MohurCore
import OpenSSLKit
import Storage

/// Officers' sessions (rules §6.9.1.4: log-ins and log-outs are journaled). An officer proves
/// possession of the key of an officer certificate (or of a mapped national certificate) by
/// signing a fresh challenge; the session is a random bearer token, of which the database keeps
/// only the SHA-256. A session lapses after a period of inactivity; every use re-validates the
/// certificate, so a revocation ends it at once.
public final class OfficerSessions: Sendable {
    public static let defaultIdle: TimeInterval = 15 * 60

    let authorizer: Authorizer
    var pki: PKI { authorizer.pki }
    let idle: TimeInterval

    public init(authorizer: Authorizer, idle: TimeInterval = OfficerSessions.defaultIdle) {
        self.authorizer = authorizer
        self.idle = idle
    }

    /// A fresh challenge to sign at log-in: a context string, the time and 32 random bytes, so a
    /// signature made for anything else can never open a session.
    public func challenge() throws -> [UInt8] {
        Array("mohur-login-v1\n\(Int(pki.clock.now().timeIntervalSince1970))\n".utf8) + (try randomBytes(32))
    }

    /// Opens a session for the holder of `certificate` after checking its path, that it belongs
    /// to an officer, and that `signature` over `challenge` verifies with its key. `signer`
    /// is called with the challenge to make the signature.
    public func login(certificate: Certificate, supplied: [Certificate] = [], automatic: Bool = false,
                      sign: ([UInt8]) throws -> [UInt8]) throws -> (token: String, identity: ValidatedIdentity) {
        let fingerprint = Digest.hex(certificate.fingerprintSHA256)
        let identity: ValidatedIdentity
        do {
            identity = try authorizer.validate(certificate, supplied: supplied)
            guard identity.role != nil else {
                throw MohurError.refused("\(certificate.subject) is not an officer certificate (it names no role)",
                                         hint: identity.isNational ? "a security officer maps it first: `mohur officer map`" : "enrol the officer: `mohur officer enroll`")
            }
            let key = try certificate.publicKey()
            guard let spec = key.keySpec else { throw MohurError.refused("the certificate's key type is not supported for log-in") }
            let challenge = try challenge()
            let signature = try sign(challenge)
            guard key.verify(signature: signature, message: challenge, scheme: SignatureScheme.default(for: spec)) else {
                throw MohurError.refused("the log-in signature does not verify with the key of \(certificate.subject)",
                                         hint: "the key given is not the certificate's key")
            }
        } catch let error as MohurError where error.code == .refusedByPolicy {
            try journal("session.login", actor: (try? AuditActor(certificateFingerprint: fingerprint, agency: nil)) ?? .localOfficer,
                        category: .permissionExceeded, outcome: .refused, details: ["reason": .text(error.reason)])
            throw error
        }
        let token = Digest.hex(try randomBytes(32))
        let session = SessionRecord(
            tokenSHA256: Self.hash(token), certificateFingerprint: fingerprint, certificateDER: certificate.derEncoded,
            agency: identity.agency, role: identity.role?.rawValue, openedAt: pki.clock.now(), idleSeconds: Int(idle))
        try pki.committed({ try pki.repository.insertSession(session) }, journal: { _ in
            try Self.action("session.login", actor: identity.actor, category: .session, outcome: .success,
                            details: ["role": .text(identity.role?.rawValue ?? ""), "subject": .text(identity.subject),
                                      "national": .flag(identity.isNational), "automatic": .flag(automatic)])
        }, "session.login happened")
        return (token, identity)
    }

    /// The identity of an open session, re-validated now; an idle session is closed as expired
    /// (journaled) and refused.
    public func resume(_ token: String) throws -> ValidatedIdentity {
        let hash = Self.hash(token)
        guard let record = try pki.repository.session(tokenSHA256: hash), record.closedAt == nil else {
            throw MohurError.refused("no open officer session", hint: "log in with `mohur login --as URI|CERT`")
        }
        let now = pki.clock.now()
        let actor = (try? AuditActor(certificateFingerprint: record.certificateFingerprint, agency: record.agency)) ?? .localOfficer
        if now.timeIntervalSince(record.lastUsedAt) > TimeInterval(record.idleSeconds) {
            try pki.committed({ try pki.repository.closeSession(tokenSHA256: hash, at: now, reason: .expired) }, journal: { closed in
                try closed ? Self.action("session.expire", actor: actor, category: .session, outcome: .success,
                                         details: ["idle_seconds": .integer(Int64(record.idleSeconds))]) : nil
            }, "session.expire happened")
            throw MohurError.refused("the officer session expired after \(record.idleSeconds / 60) minutes of inactivity",
                                     hint: "log in again with `mohur login --as URI|CERT`")
        }
        let identity: ValidatedIdentity
        do {
            identity = try authorizer.validate(try Certificate(derEncoded: record.certificateDER))
        } catch let error as MohurError where error.code == .refusedByPolicy {
            try pki.committed({ _ = try pki.repository.closeSession(tokenSHA256: hash, at: now, reason: .expired) }, journal: { _ in
                try Self.action("session.expire", actor: actor, category: .session, outcome: .refused, details: ["reason": .text(error.reason)])
            }, "session.expire happened")
            throw error
        }
        try pki.repository.touchSession(tokenSHA256: hash, at: now)
        return identity
    }

    /// Ends a session (journaled); a session already closed is not an error.
    public func logout(_ token: String) throws {
        let hash = Self.hash(token)
        guard let record = try pki.repository.session(tokenSHA256: hash) else { return }
        let actor = (try? AuditActor(certificateFingerprint: record.certificateFingerprint, agency: record.agency)) ?? .localOfficer
        try pki.committed({ try pki.repository.closeSession(tokenSHA256: hash, at: pki.clock.now(), reason: .logout) }, journal: { closed in
            try closed ? Self.action("session.logout", actor: actor, category: .session, outcome: .success, details: [:]) : nil
        }, "session.logout happened")
    }

    static func hash(_ token: String) -> String { Digest.hex(Digest.sha256(Array(token.utf8))) }

    /// Journals what changed nothing (a refused log-in).
    private func journal(_ operation: String, actor: AuditActor, category: AuditAction.Category, outcome: AuditOutcome,
                         details: [String: AuditValue]) throws {
        try pki.audit.journal(try Self.action(operation, actor: actor, category: category, outcome: outcome, details: details),
                              "\(operation) happened")
    }

    private static func action(_ operation: String, actor: AuditActor, category: AuditAction.Category, outcome: AuditOutcome,
                               details: [String: AuditValue]) throws -> AuditAction {
        try AuditAction(category, operation: operation, actor: actor, target: "session", outcome: outcome, details: details)
    }
}
