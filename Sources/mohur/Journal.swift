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
