import Foundation
import MohurCore
import OpenSSLKit
import Storage

/// A successful operation's journal entry: stamped (the bytes the journal will hold, staged in
/// the outbox with the operation), or a record for a sink that cannot stamp ahead (tests' sinks).
public enum JournalIntent: Sendable {
    case stamped([UInt8])
    case unstamped(AuditRecord)

    public var stamped: [UInt8]? { if case .stamped(let bytes) = self { bytes } else { nil } }
    public var unstamped: AuditRecord? { if case .unstamped(let record) = self { record } else { nil } }
}

/// The PKI's public operations, each recorded in the audit journal through the injected
/// `AuditSink` (rules §6.9: security-relevant actions, and attempts to exceed permissions).
/// The operation commits first and is then recorded; if the journal fails, the caller gets a
/// system error saying the operation happened but is not journaled.
extension PKI {
    /// Creates all four levels on first use (see `initializeHierarchyUnaudited`); journals a creation.
    @discardableResult
    public func initializeHierarchy() throws -> InitOutcome {
        let outcome = try audited("pki.init", target: "hierarchy") { () throws -> InitOutcome in
            try initializeHierarchyUnaudited()
        } details: { outcome in
            if case .reused = outcome { return nil }
            return ["authorities": .integer(Int64(try repository.authorities().count)), "profile_sha256": .text(try repository.setting("profile_sha256") ?? "")]
        }
        if case .created = outcome { try journalCreatedObjects() }
        return outcome
    }

    /// The keys and certificates the state holds now, to journal those an operation adds.
    func objectSnapshot() throws -> (keys: Set<String>, certificates: Set<Int64>) {
        (Set(try repository.keys().map(\.ref)), Set(try repository.certificates().map(\.id)))
    }

    /// One entry per key the HSM generated and per certificate issued since `before`, each with
    /// its SHA-256 fingerprint (rules §6.9: key generation is a security action of its own).
    func journalCreatedObjects(since before: (keys: Set<String>, certificates: Set<Int64>) = ([], [])) throws {
        guard audit.keepsRecords else { return }
        var records: [AuditRecord] = []
        for key in try repository.keys() where !before.keys.contains(key.ref) {
            records.append(.action(try AuditAction(.securityAction, operation: "hsm.key.generate", actor: actor, target: "key:\(key.label)",
                                                   outcome: .success, details: [
                                                       "spec": .text(key.spec), "backend": .text(key.backend),
                                                       "public_key_sha256": .text(Digest.hex(Digest.sha256(key.publicKey)))])))
        }
        for certificate in try repository.certificates() where !before.certificates.contains(certificate.id) {
            records.append(.action(try AuditAction(.securityAction, operation: "ca.certificate.issue", actor: actor,
                                                   target: "certificate:\(certificate.serial)", outcome: .success, details: [
                                                       "role": .text(certificate.role), "subject": .text(certificate.subject),
                                                       "issuer": .text(certificate.issuerAuthority ?? "self"), "fingerprint": .text(certificate.fingerprint)])))
        }
        guard !records.isEmpty else { return }
        do { try audit.record(contentsOf: records) } catch { throw journalFailure("key and certificate creation", refused: false, error) }
    }

    /// Issues a certificate from a PKCS#10 request (see `issueUnaudited`).
    public func issue(fromRequest csr: CertificationRequest, authority name: String, role: CertificateRole) throws -> CertificateRecord {
        try audited("ca.issue", target: name) { try issueUnaudited(fromRequest: csr, authority: name, role: role) } details: {
            ["serial": .text($0.serial), "role": .text(role.rawValue), "fingerprint": .text($0.fingerprint)]
        }
    }

    /// Revokes a certificate Mohur issued (see `revokeUnaudited`).
    @discardableResult
    public func revoke(serial: String, reason: RevocationReason, at date: Date? = nil) throws -> CertificateRecord {
        try audited("ca.revoke", target: "serial:\(serial)") { try revokeUnaudited(serial: serial, reason: reason, at: date) } details: {
            ["reason": .text(reason.rawValue), "issuer": .text($0.issuerAuthority ?? "")]
        }
    }

    /// Issues the next full CRL of a CA (see `issueCRLUnaudited`).
    public func issueCRL(authority name: String, force: Bool = false) throws -> CRLRecord {
        try audited("ca.crl", target: name) { try issueCRLUnaudited(authority: name, force: force) } details: {
            ["crl_number": .integer(Int64($0.crlNumber)), "forced": .flag(force)]
        }
    }

    /// CSCA key rollover with a link certificate (see `rolloverCSCAUnaudited`).
    public func rolloverCSCA() throws -> RolloverResult {
        try audited("csca.rollover", target: "csca") { try rolloverCSCAUnaudited() } details: {
            ["retired": .text($0.retired), "created": .text($0.newCSCA.record.name), "link_serial": .text($0.link.serial)]
        }
    }

    /// Retires the active signer of `role` and creates the next (see `rotateSignerUnaudited`).
    public func rotateSigner(_ role: CertificateRole) throws -> (retired: String?, created: AuthorityView) {
        try audited("signer.rotate", target: role.rawValue) { try rotateSignerUnaudited(role) } details: {
            ["retired": .text($0.retired ?? ""), "created": .text($0.created.record.name)]
        }
    }

    /// Cross-certifies the national root (see `crossCertifyUnaudited`).
    public func crossCertify(nationalRoot: Certificate) throws -> CertificateRecord {
        try audited("ca.cross-certify", target: nationalRoot.subject.description) { try crossCertifyUnaudited(nationalRoot: nationalRoot) } details: {
            ["serial": .text($0.serial)]
        }
    }

    /// Stores a cross certificate the national root issued (see `importCrossCertificateUnaudited`).
    public func importCrossCertificate(_ certificate: Certificate, nationalRoot: Certificate? = nil) throws -> CertificateRecord {
        try audited("ca.import-cross", target: certificate.issuer.description) {
            try importCrossCertificateUnaudited(certificate, nationalRoot: nationalRoot)
        } details: { ["serial": .text($0.serial)] }
    }

    /// Runs `body` and journals its outcome: success (with `details`, or nothing when they are
    /// nil), refusal by policy as an attempt to exceed permissions, system failure as failed.
    /// Bad input and unknown names are the operator's typing, not security events.
    ///
    /// A success's entry is staged in the outbox inside the operation's own transaction, so the
    /// operation and its entry commit together (or neither does), and it is appended to the
    /// journal right after; if the process dies in between, the next start appends it
    /// (`MohurRuntime.recoverJournalOutbox`). A failure changed nothing, so its entry is
    /// appended directly. Called inside another transaction, the entry is appended at once.
    public func audited<T>(_ operation: String, target: String, _ body: () throws -> T,
                           details: (T) throws -> [String: AuditValue]?) throws -> T {
        let database = repository.database
        guard audit.keepsRecords, !database.isInTransactionOnThisThread else { return try auditedDirectly(operation, target: target, body, details: details) }
        var staged: (intents: [JournalIntent], ids: [Int64]) = ([], [])
        let result = Result {
            try database.transaction { _ in
                let value = try body()
                if let record = try auditRecord(operation, target: target, .success(value), details: details) { staged = try stage(record) }
                return value
            }
        }
        if case .success = result {
            try appendStaged(staged.intents, ids: staged.ids, operation: operation)
        } else if let record = try auditRecord(operation, target: target, result, details: details) {
            do { try audit.record(record) } catch { throw journalFailure(operation, refused: true, error) }
        }
        return try result.get()
    }

    /// Runs `body` in a transaction of the PKI database with the journal entry `journal` makes
    /// of its result staged in the outbox, then appends it: the operation and its entry commit
    /// together (as `audited`), for operations that name their own actor and category (officer
    /// sessions, dual control). `what` says what happened if the append fails.
    @discardableResult
    public func committed<T>(_ body: () throws -> T, journal: (T) throws -> AuditAction?, _ what: String) throws -> T {
        let database = repository.database
        guard audit.keepsRecords, !database.isInTransactionOnThisThread else {
            let value = try body()
            if let action = try journal(value) { try audit.journal(action, what) }
            return value
        }
        var staged: (intents: [JournalIntent], ids: [Int64]) = ([], [])
        let value = try database.transaction { _ in
            let value = try body()
            if let action = try journal(value) { staged = try stage(.action(action)) }
            return value
        }
        // Ceremony-rate operations: the row goes at once rather than with the next staging, so
        // that a command ending here leaves an empty outbox.
        try appendStaged(staged.intents, ids: staged.ids, operation: what, removeAtOnce: true)
        return value
    }

    /// `record` stamped now and staged in the outbox (inside the caller's transaction).
    private func stage(_ record: AuditRecord) throws -> (intents: [JournalIntent], ids: [Int64]) {
        let intent = intent(for: record)
        return ([intent], try repository.outbox.stage(intent.stamped.map { [$0] } ?? [], at: clock.now()))
    }

    /// Appends the entries of operations that committed (staged in the outbox with them, or,
    /// for a sink that cannot stamp entries ahead, the records) and confirms the staged rows.
    public func appendStaged(_ intents: [JournalIntent], ids: [Int64], operation: String, removeAtOnce: Bool = false) throws {
        guard !intents.isEmpty else { return }
        do {
            let stamped = intents.compactMap(\.stamped), unstamped = intents.compactMap(\.unstamped)
            if !stamped.isEmpty { try audit.append(stamped: stamped) }
            if !unstamped.isEmpty { try audit.record(contentsOf: unstamped) }
        } catch {
            throw MohurError.system("\(operation) completed; its journal entry is kept in the outbox but could not be appended: \(error)",
                                    hint: "the entry is appended when Mohur next starts; check the journal (`mohur audit verify`)")
        }
        if removeAtOnce, (try? repository.outbox.removeStaged(ids)) != nil { return }
        repository.outbox.confirm(ids)
    }

    /// What the journal will say of a successful operation, or nil when it journals nothing.
    public func journalIntent<T>(_ operation: String, target: String, _ value: T,
                                 details: (T) throws -> [String: AuditValue]?) throws -> JournalIntent? {
        guard let record = try auditRecord(operation, target: target, .success(value), details: details) else { return nil }
        return intent(for: record)
    }

    /// `record` stamped now, as the journal will hold it (or kept as a record for a sink that
    /// cannot stamp ahead).
    private func intent(for record: AuditRecord) -> JournalIntent {
        audit.stamp([record]).first.map(JournalIntent.stamped) ?? .unstamped(record)
    }

    /// Journals the outcome of a body that is not run in a transaction of its own.
    public func auditedDirectly<T>(_ operation: String, target: String, _ body: () throws -> T,
                                   details: (T) throws -> [String: AuditValue]?) throws -> T {
        let result = Result { try body() }
        if let record = try auditRecord(operation, target: target, result, details: details) {
            do {
                try audit.record(record)
            } catch {
                throw journalFailure(operation, refused: (try? result.get()) == nil, error)
            }
        }
        return try result.get()
    }

    /// Journals the outcomes of a batch of operations with one durable commit, in order (see
    /// ``audited(_:target:_:details:)`` for which outcomes are journaled and how).
    ///
    /// - Throws: a system error when the journal cannot record them; the operations happened.
    public func journal<T>(batch operation: String, _ outcomes: [(target: String, result: Result<T, any Error>)],
                           details: (T) throws -> [String: AuditValue]?) throws {
        let records = try outcomes.compactMap { try auditRecord(operation, target: $0.target, $0.result, details: details) }
        guard !records.isEmpty else { return }
        do {
            try audit.record(contentsOf: records)
        } catch {
            throw MohurError.system("\(outcomes.count) \(operation) operations completed but the audit journal could not record them: \(error)",
                                    hint: "check the journal database (`mohur audit verify`) before continuing")
        }
    }

    /// What the journal says of one outcome, or nil when it is not a security event.
    private func auditRecord<T>(_ operation: String, target: String, _ result: Result<T, any Error>,
                                details: (T) throws -> [String: AuditValue]?) throws -> AuditRecord? {
        guard audit.keepsRecords else { return nil }
        switch result {
        case .success(let value):
            guard let details = try details(value) else { return nil }
            return .action(try AuditAction(.securityAction, operation: operation, actor: actor, target: target,
                                           outcome: .success, details: details))
        case .failure(let error):
            // Every failure, whatever raised it (policy, input, HSM, database, OpenSSL).
            let mohur = error as? MohurError
            let refused = mohur?.code == .refusedByPolicy
            return .action(try AuditAction(refused ? .permissionExceeded : .securityAction, operation: operation, actor: actor,
                                           target: target, outcome: refused ? .refused : .failed,
                                           details: ["reason": .text(mohur?.reason ?? String(describing: error))]))
        }
    }

    private func journalFailure(_ operation: String, refused: Bool, _ error: any Error) -> MohurError {
        MohurError.system("\(operation) \(refused ? "was refused" : "completed") but the audit journal could not record it: \(error)",
                          hint: "check the journal database (`mohur audit verify`) before continuing")
    }
}
