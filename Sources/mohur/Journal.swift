import Audit
import CA
import Foundation
import MohurCore
import PassiveAuth
import Runtime

/// Appends one action to the state's journal for a command that journals in the CLI (trust
/// import, passive authentication), naming the officer; a bare border post has no journal.
func journal(_ officer: ActingOfficer?, _ category: AuditAction.Category, _ operation: String, target: String,
             outcome: AuditOutcome, details: [String: AuditValue]) throws {
    guard let officer else { return }
    try officer.pki.audit.journal(try AuditAction(category, operation: operation, actor: officer.pki.actor, target: target,
                                                  outcome: outcome, details: details), "\(operation) completed")
}

/// Journals a refused trust import or bundle install: as a threat when what was offered failed
/// its signature, anchor or version checks (rules §6.9.1.6), else as a refused security action.
func journalRefusal(_ officer: ActingOfficer?, _ operation: String, target: String, _ error: PassiveAuthError) throws {
    try journal(officer, error.code == .refused ? .threat : .securityAction, operation, target: target, outcome: .refused,
                details: ["reason": .text(error.reason)])
}
