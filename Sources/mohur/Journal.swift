import Audit
import CA
import Foundation
import MohurCore
import Runtime

/// Appends one action to the state's journal for a command that journals in the CLI (trust
/// import, passive authentication), naming the officer; a bare border post has no journal.
func journal(_ officer: ActingOfficer?, _ category: AuditAction.Category, _ operation: String, target: String,
             outcome: AuditOutcome, details: [String: AuditValue]) throws {
    guard let officer else { return }
    do {
        try officer.pki.audit.record(.action(try AuditAction(category, operation: operation, actor: officer.pki.actor, target: target,
                                                             outcome: outcome, details: details)))
    } catch {
        throw MohurError.system("\(operation) completed but the audit journal could not record it: \(error)",
                                hint: "check the journal (`mohur audit verify`)")
    }
}
