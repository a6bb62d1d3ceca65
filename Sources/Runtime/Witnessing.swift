import Audit
import Foundation
import MohurCore
import Storage

/// Witnessing on both sides (c2sp.org/tlog-witness, tlog-cosignature):
/// - as a witness (another agency's state, e.g. MNS): its Ed25519 key in the HSM, the logs it
///   follows, and the add-checkpoint decision, each journaled in its own journal;
/// - as a journal that asks witnesses (the central service): registering them, one round of
///   requests, and the cosigned checkpoint that `audit verify --witness-policy` checks.
extension MohurRuntime {
    public static let witnessKeyLabel = "mohur-witness-ed25519"

    var witnessDatabase: Storage.Database { journal.reader.database }

    /// Makes this state a witness named `name`: generates its Ed25519 key in the HSM.
    public func initializeWitness(name: String, actor: AuditActor) throws -> CosignerKey {
        if let existing = try Audit.Witness.identity(witnessDatabase) {
            throw MohurError.refused("this state is already witness \(existing.name)", hint: "`mohur witness key` prints its key")
        }
        guard let signer = try pki.keys.ed25519Key(label: Self.witnessKeyLabel, create: true) else {
            throw MohurError.system("the HSM did not return the new witness key")
        }
        let key = try CosignerKey(name: name, publicKey: signer.rawPublicKey)
        try Audit.Witness.setIdentity(witnessDatabase, name: name, keyLabel: Self.witnessKeyLabel)
        try pki.audit.journal(try AuditAction(.securityAction, operation: "witness.init", actor: actor, target: name, outcome: .success,
                                              details: ["vkey": .text(key.vkey), "key": .text(signer.keyReference)]),
                              "witness \(name) was created")
        return key
    }

    /// This state's witness, ready to cosign.
    public func witness() throws -> Audit.Witness {
        guard let identity = try Audit.Witness.identity(witnessDatabase) else {
            throw MohurError.notFound("this state is not a witness", hint: "run `mohur witness init --name NAME` first")
        }
        guard let signer = try pki.keys.ed25519Key(label: identity.keyLabel, create: false) else {
            throw MohurError.system("witness key '\(identity.keyLabel)' is missing from the HSM",
                                    hint: "a witness whose key is lost must be retired and a new one registered")
        }
        return try Audit.Witness(database: witnessDatabase, name: identity.name, signer: signer)
    }

    public func witnessedLogs() throws -> [WitnessedLog] { try Audit.Witness.logs(witnessDatabase) }

    /// Starts following a log by its checkpoint key; journaled.
    public func followLog(vkey: String, label: String, actor: AuditActor) throws -> WitnessedLog {
        let log = try Audit.Witness.follow(witnessDatabase, vkey: vkey, label: label, at: pki.clock.now())
        try pki.audit.journal(try AuditAction(.securityAction, operation: "witness.follow", actor: actor, target: log.origin, outcome: .success,
                                              details: ["vkey": .text(log.vkey), "label": .text(label)]),
                              "log \(log.origin) is followed")
        return log
    }

    /// One add-checkpoint request. A cosignature is journaled; a checkpoint that is inconsistent
    /// with the last one cosigned is journaled as a threat with the note as evidence (the log
    /// signed it, so it proves a split view or a rewrite).
    public func witnessAdd(_ body: String, requestID: String? = nil) throws -> String {
        let witness = try witness()
        let request = try AddCheckpointRequest(body: body)
        let actor = try AuditActor(certificateFingerprint: nil, agency: nil)
        let checkpoint = try? SignedNote(request.note).checkpoint
        let origin = checkpoint?.origin ?? "unknown"
        do {
            let line = try witness.add(request, at: pki.clock.now())
            let size = checkpoint?.size ?? -1
            try pki.audit.journal(try AuditAction(.securityAction, operation: "witness.cosign", actor: actor, target: origin, outcome: .success,
                                                  requestID: requestID, details: ["old": .integer(request.oldSize), "size": .integer(size)]),
                                  "the checkpoint was cosigned")
            return line
        } catch let conflict as WitnessConflict {
            try journalWitnessThreat(origin: origin, reason: conflict.reason, note: request.note, requestID: requestID)
            throw conflict
        } catch let error as MohurError where error.code == .unverifiable {
            try journalWitnessThreat(origin: origin, reason: error.reason, note: request.note, requestID: requestID)
            throw error
        }
    }

    private func journalWitnessThreat(origin: String, reason: String, note: String, requestID: String?) throws {
        try pki.audit.journal(try AuditAction(.threat, operation: "witness.refused", actor: try AuditActor(certificateFingerprint: nil, agency: nil),
                                              target: origin, outcome: .refused, requestID: requestID,
                                              details: ["reason": .text(reason), "note": .text(note)]),
                              "an inconsistent checkpoint was refused")
    }

    // MARK: - The journal's side

    public var witnessing: CheckpointWitnessing { CheckpointWitnessing(reader: journal.reader) }

    public func registerWitness(vkey: String, url: String, actor: AuditActor) throws -> RegisteredWitness {
        let witness = try witnessing.register(vkey: vkey, url: url, at: pki.clock.now())
        try pki.audit.journal(try AuditAction(.securityAction, operation: "audit.witness.register", actor: actor, target: witness.name,
                                              outcome: .success, details: ["vkey": .text(witness.vkey), "url": .text(url)]),
                              "witness \(witness.name) was registered")
        return witness
    }

    /// What a witness answered an add-checkpoint request: its status and body.
    public typealias WitnessExchange = @Sendable (_ witness: RegisteredWitness, _ body: String) async throws -> (status: Int, body: String)

    /// Asks every registered witness to cosign the latest checkpoint (signing one first if the
    /// journal grew). Returns one line per witness saying what happened; each outcome is
    /// journaled, a witness's refusal as a threat (it saw our log contradict itself).
    public func cosignRound(exchange: WitnessExchange) async throws -> [String] {
        try journal.checkpoint()
        var report: [String] = []
        for var witness in try witnessing.witnesses() {
            var attempts = 0
            while true {
                attempts += 1
                guard let request = try witnessing.nextRequest(for: witness) else {
                    report.append("\(witness.name): already cosigned size \(witness.size)")
                    break
                }
                let answer: (status: Int, body: String)
                do { answer = try await exchange(witness, request.body) } catch {
                    report.append("\(witness.name): unreachable (\(error))")
                    break
                }
                let size = try SignedNote(request.note).checkpoint.size
                if answer.status == 200 {
                    _ = try witnessing.accept(answer.body, of: witness, for: request, at: pki.clock.now())
                    try journalCosign(witness, size: size, outcome: .success, reason: nil)
                    report.append("\(witness.name): cosigned size \(size)")
                    break
                }
                if answer.status == 409, attempts == 1, let held = Int64(answer.body.trimmingCharacters(in: .whitespacesAndNewlines)),
                   held != witness.size, held <= size {
                    try witnessing.recordHeld(held, by: witness)
                    guard let updated = try witnessing.witness(name: witness.name) else { break }
                    witness = updated
                    continue
                }
                let reason = "answered \(answer.status): \(answer.body.prefix(300))"
                try journalCosign(witness, size: size, outcome: .refused, reason: reason)
                report.append("\(witness.name): REFUSED size \(size), \(reason)")
                break
            }
        }
        return report
    }

    private func journalCosign(_ witness: RegisteredWitness, size: Int64, outcome: AuditOutcome, reason: String?) throws {
        var details: [String: AuditValue] = ["size": .integer(size)]
        if let reason { details["reason"] = .text(reason) }
        try pki.audit.journal(try AuditAction(outcome == .success ? .securityAction : .threat, operation: "audit.cosign",
                                              actor: .localOfficer, target: witness.name, outcome: outcome, details: details),
                              "witness \(witness.name) was asked to cosign")
    }

    /// Verifies the latest cosigned checkpoint against `policy`: its cosignatures meet the
    /// quorum, and (with the rest of the journal) its root is the journal's at that size.
    public func verifyWitnessed(policy: WitnessPolicy) throws -> (size: Int64, cosigners: Set<String>, note: String) {
        guard let note = try witnessing.latestCosignedNote() else {
            throw MohurError.refused("no checkpoint of this journal carries cosignatures", hint: "run `mohur audit cosign`")
        }
        let parsed = try SignedNote(note)
        let checkpoint = try parsed.checkpoint
        let cosigners = try policy.cosigners(of: checkpoint, in: parsed.signatureLines)
        guard policy.isSatisfied(by: cosigners) else {
            throw MohurError.refused("checkpoint \(checkpoint.size) is cosigned by \(cosigners.sorted().joined(separator: ", ").nonEmpty ?? "no policy witness"), "
                                     + "which does not meet quorum \(policy.quorum)")
        }
        return (checkpoint.size, cosigners, note)
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
