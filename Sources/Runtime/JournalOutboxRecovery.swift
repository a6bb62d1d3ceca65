import Audit
import Foundation
import MohurCore

extension MohurRuntime {
    /// How old a staged entry must be before recovery takes it: a live process appends its
    /// own within milliseconds of its commit, so only a process that stopped leaves older ones.
    static let outboxRecoveryAge: TimeInterval = 30

    /// At start: appends the journal entries that operations committed with (the outbox) but
    /// whose process stopped before appending them (`AuditLog.recoverStaged`), and journals how
    /// many there were. Returns that number.
    @discardableResult
    public func recoverJournalOutbox() throws -> Int {
        let cutoff = pki.clock.now().addingTimeInterval(-Self.outboxRecoveryAge)
        let recovered = try journal.recoverStaged(from: pki.repository.outbox, stagedBefore: cutoff)
        if recovered > 0 {
            try pki.audit.journal(try AuditAction(.securityAction, operation: "audit.outbox.recovered", actor: .localOfficer, target: "journal",
                                                  outcome: .success, details: ["entries": .integer(Int64(recovered))]),
                                  "\(recovered) staged journal entries were recovered")
        }
        return recovered
    }
}
