import CA
import Foundation
import MohurCore
import OpenSSLKit
import Storage

/// A use of a top key (the root or a CSCA) that needs several security officers.
public enum ControlledOperation: Sendable, Hashable, Codable {
    /// A new CSCA key and certificate with a link certificate (Doc 9303-12 §5.3.1).
    case cscaRollover
    /// The IAMAS root cross-certifies the national root (level 3); the root's DER.
    case crossCertify(nationalRoot: [UInt8])
    /// Revoking a CA certificate (segment CA, CSCA, bridge).
    case revoke(serial: String, reason: RevocationReason)

    public var name: String {
        switch self {
        case .cscaRollover: "csca.rollover"
        case .crossCertify: "ca.cross-certify"
        case .revoke: "ca.revoke"
        }
    }

    public var target: String {
        switch self {
        case .cscaRollover: "csca"
        case .crossCertify(let der): (try? Certificate(derEncoded: der).subject.description) ?? "national root"
        case .revoke(let serial, _): "serial:\(serial)"
        }
    }
}

/// Where a dual-control request stands after a step.
public enum DualControlOutcome: Sendable {
    case pending(ApprovalRequestRecord)
    /// Carried out; `certificate` is the DER of what it produced (link or bridge certificate).
    case executed(ApprovalRequestRecord, result: String, certificate: [UInt8]?)
}

/// Dual control of the top keys: the first security officer's command opens a request that
/// counts as that officer's approval; others grant or deny with their own identity; the
/// approval that reaches the profile's number carries the operation out, acting as that
/// officer. One officer never counts twice, and a request lapses after the profile's lifetime.
/// Every step is journaled.
public final class DualControl: Sendable {
    let authorizer: Authorizer
    var pki: PKI { authorizer.pki }

    public init(authorizer: Authorizer) { self.authorizer = authorizer }

    /// Whether revoking this certificate needs dual control (it is a CA's).
    public static func guardsRevocation(of record: CertificateRecord) -> Bool {
        guard let role = CertificateRole(rawValue: record.role) else { return false }
        return role.isCertificateAuthority || role == .crossCertificate || role == .cscaLink
    }

    public func request(_ operation: ControlledOperation, by officer: ValidatedIdentity) throws -> DualControlOutcome {
        try requireSecurityOfficer(officer, operation.name)
        let now = pki.clock.now()
        let profile = pki.profile.dualControlOrDefault
        let parameters = String(decoding: try JSONEncoder().encode(operation), as: UTF8.self)
        var record = ApprovalRequestRecord(operation: operation.name, parameters: parameters, target: operation.target,
                                           required: profile.approvals, requestedBy: officer.fingerprint, requestedAt: now,
                                           expiresAt: now.addingTimeInterval(TimeInterval(profile.requestLifetimeHours) * 3600))
        record.grantedBy = [officer.fingerprint]
        let pending = record
        record.id = try pki.committed({
            let id = try pki.repository.insertApprovalRequest(pending)
            try pki.repository.insertApproval(requestID: id, officer: officer.fingerprint, grant: true, at: now)
            return id
        }, journal: { id in
            var stored = pending
            stored.id = id
            return try Self.action("approval.request", stored, officer, .success,
                                   ["operation": .text(operation.name), "required": .integer(Int64(profile.approvals))])
        }, "approval.request happened")
        return .pending(record)
    }

    public func grant(_ id: Int64, by officer: ValidatedIdentity) throws -> DualControlOutcome {
        var record = try open(id, by: officer)
        guard !record.grantedBy.contains(officer.fingerprint) else {
            try journal("approval.grant", record, officer, .refused, ["reason": .text("the same officer approved twice")], category: .permissionExceeded)
            throw MohurError.refused("you already approved request \(id): dual control needs \(record.required) different officers")
        }
        record.grantedBy.append(officer.fingerprint)
        let granted = record
        try pki.committed({ try pki.repository.insertApproval(requestID: id, officer: officer.fingerprint, grant: true, at: pki.clock.now()) },
                          journal: { _ in try Self.action("approval.grant", granted, officer, .success, ["approvals": .integer(Int64(granted.grantedBy.count))]) },
                          "approval.grant happened")
        guard record.grantedBy.count >= record.required else { return .pending(record) }
        let operation: ControlledOperation
        do { operation = try JSONDecoder().decode(ControlledOperation.self, from: Data(record.parameters.utf8)) } catch {
            throw MohurError.system("request \(id) holds parameters this build cannot read: \(error)")
        }
        do {
            let (result, certificate) = try execute(operation, as: officer)
            try pki.repository.closeApprovalRequest(id, status: .executed, outcome: result, at: pki.clock.now())
            record.status = .executed
            record.outcome = result
            return .executed(record, result: result, certificate: certificate)
        } catch {
            try pki.repository.closeApprovalRequest(id, status: .failed, outcome: "\(error)", at: pki.clock.now())
            throw error
        }
    }

    public func deny(_ id: Int64, by officer: ValidatedIdentity) throws -> ApprovalRequestRecord {
        var record = try open(id, by: officer)
        record.status = .denied
        let denied = record
        try pki.committed({
            try pki.repository.insertApproval(requestID: id, officer: officer.fingerprint, grant: false, at: pki.clock.now())
            try pki.repository.closeApprovalRequest(id, status: .denied, outcome: "denied by \(officer.subject)", at: pki.clock.now())
        }, journal: { _ in try Self.action("approval.deny", denied, officer, .success, [:]) }, "approval.deny happened")
        return record
    }

    /// A pending, unexpired request that `officer` may decide on.
    private func open(_ id: Int64, by officer: ValidatedIdentity) throws -> ApprovalRequestRecord {
        guard let record = try pki.repository.approvalRequest(id) else {
            throw MohurError.notFound("no approval request \(id)", hint: "`mohur approve list` shows pending requests")
        }
        try requireSecurityOfficer(officer, record.operation)
        guard record.status == .pending else {
            throw MohurError.refused("request \(id) is \(record.status.rawValue), not pending")
        }
        guard pki.clock.now() <= record.expiresAt else {
            try pki.committed({ try pki.repository.closeApprovalRequest(id, status: .expired, outcome: "expired", at: pki.clock.now()) },
                              journal: { _ in try Self.action("approval.expire", record, officer, .refused, ["reason": .text("request expired")]) },
                              "approval.expire happened")
            throw MohurError.refused("request \(id) expired at \(record.expiresAt)", hint: "open a new request")
        }
        return record
    }

    private func requireSecurityOfficer(_ officer: ValidatedIdentity, _ operation: String) throws {
        try authorizer.authorize(officer, .operation(.certManage))
        guard officer.role == .securityOfficer else {
            try journal("approval.\(operation)", nil, officer, .refused, ["reason": .text("not a security officer")], category: .permissionExceeded)
            throw MohurError.refused("only security officers take part in dual control; \(officer.subject) is \(officer.role?.rawValue ?? "no officer")")
        }
    }

    private func execute(_ operation: ControlledOperation, as officer: ValidatedIdentity) throws -> (String, [UInt8]?) {
        let pki = pki.acting(as: officer.actor)
        switch operation {
        case .cscaRollover:
            let result = try pki.rolloverCSCA()
            return ("\(result.retired) retired; \(result.newCSCA.record.name) created; link certificate \(result.link.serial)", result.link.der)
        case .crossCertify(let der):
            let record = try pki.crossCertify(nationalRoot: try Certificate(derEncoded: der))
            return ("bridge certificate \(record.serial) issued to \(record.subject)", record.der)
        case .revoke(let serial, let reason):
            let record = try pki.revoke(serial: serial, reason: reason)
            return ("revoked \(record.serial) (\(record.subject)): \(reason.rawValue)", nil)
        }
    }

    /// Journals what changed nothing (a refusal).
    private func journal(_ operation: String, _ record: ApprovalRequestRecord?, _ officer: ValidatedIdentity, _ outcome: AuditOutcome,
                         _ details: [String: AuditValue], category: AuditAction.Category = .securityAction) throws {
        try pki.audit.journal(try Self.action(operation, record, officer, outcome, details, category: category), "\(operation) happened")
    }

    private static func action(_ operation: String, _ record: ApprovalRequestRecord?, _ officer: ValidatedIdentity, _ outcome: AuditOutcome,
                               _ details: [String: AuditValue], category: AuditAction.Category = .securityAction) throws -> AuditAction {
        var details = details
        if let record { details["request"] = .integer(record.id) }
        return try AuditAction(category, operation: operation, actor: officer.actor, target: record?.target ?? "dual-control",
                               outcome: outcome, details: details)
    }
}
