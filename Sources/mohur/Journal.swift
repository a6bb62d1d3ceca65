import Audit
import CA
import Foundation
import HSM
import MohurCore
import OpenSSLKit
import Storage

/// The audit journal of a state directory: `<state>/audit.sqlite`, signed by its own key in the
/// key store, which is also listed in the PKI's key table (`mohur hsm status`).
extension StateOptions {
    var journalPath: String { "\(state)/audit.sqlite" }

    /// Read access; needs no key.
    func openJournalReader() throws -> AuditReader {
        guard FileManager.default.fileExists(atPath: journalPath) else {
            throw MohurError.notFound("no audit journal in \(state)", hint: "run `mohur init` to create it")
        }
        return try AuditReader(database: try AuditLog.openDatabase(path: journalPath))
    }

    /// The journal for appending, with its key loaded from `keys`.
    func openJournal(keys: any KeyStore) throws -> AuditLog {
        let reader = try openJournalReader()
        guard let reference = try reader.keyReference() else { throw MohurError.system("the journal records no key reference") }
        return try AuditLog(database: reader.database, signer: try keys.load(reference: reference))
    }

    /// Creates the journal and its key (ECDSA P-256, label `mohur-audit-1-…`) unless it exists.
    func openOrCreateJournal(keys: any KeyStore, repository: PKIRepository) throws -> AuditLog {
        let database = try AuditLog.openDatabase(path: journalPath)
        if (try? AuditReader(database: database)) == nil {
            let tag = Digest.hex(try randomBytes(3))
            let label = "mohur-audit-1-\(tag)"
            let signer = try keys.generate(.ec(.p256), label: label)
            try repository.insertKey(KeyRecord(ref: signer.keyReference, label: label, spec: KeySpec.ec(.p256).description,
                                               backend: keys.backend, publicKey: try signer.publicKey.subjectPublicKeyInfo(),
                                               createdAt: Date()))
            try AuditLog.create(database: database, origin: "iamas.az/mohur/audit/\(tag)", signer: signer)
        }
        return try openJournal(keys: keys)
    }
}

extension StateOptions {
    /// The journal of this state directory when it has one (a central or issuing-centre state
    /// made by `mohur init`). A border post that holds only a trust store has none; its results
    /// are then not journaled here. A journal that exists but cannot be opened is an error:
    /// operations are never run unjournaled where a journal is configured.
    func journalIfPresent() throws -> AuditLog? {
        guard FileManager.default.fileExists(atPath: journalPath), directory.exists else { return nil }
        return try openJournal(keys: try directory.openKeyStore(try directory.loadConfiguration()))
    }
}

/// Appends one action to `journal`, naming the operation in any failure.
func journal(_ journal: AuditLog?, _ category: AuditAction.Category, _ operation: String, target: String,
             outcome: AuditOutcome, details: [String: AuditValue]) throws {
    guard let journal else { return }
    do {
        try journal.record(.action(try AuditAction(category, operation: operation, actor: .localOfficer, target: target,
                                                   outcome: outcome, details: details)))
    } catch {
        throw MohurError.system("\(operation) completed but the audit journal could not record it: \(error)",
                                hint: "check the journal (`mohur audit verify`)")
    }
}
