import ArgumentParser
import Authz
import CA
import Foundation
import MohurCore
import OpenSSLKit
import Runtime
import Storage

/// Opens a dual-control request for `operation` as the acting security officer and says what
/// happens next.
func requestControlled(_ operation: ControlledOperation, state: StateOptions, output: OutputOptions) throws {
    let runtime = try state.openRuntime()
    let outcome = try runtime.acting(for: .certManage, as: try state.credential) { officer in
        try runtime.dualControl.request(operation, by: officer.identity)
    }
    try report(outcome, json: output.json, out: nil)
}

func report(_ outcome: DualControlOutcome, json: Bool, out: String?) throws {
    switch outcome {
    case .pending(let record):
        if json { try printJSON(ApprovalView(record)); return }
        print("Request \(record.id) (\(record.operation) \(record.target)) is pending: \(record.grantedBy.count) of \(record.required) approvals.")
        print("Another security officer approves with `mohur approve grant \(record.id)` before \(record.expiresAt).")
    case .executed(let record, let result, let certificate):
        if let out, let certificate { try writeOutput(out, Array(try Certificate(derEncoded: certificate).pem().utf8)) }
        if json { try printJSON(ApprovalView(record)); return }
        print("Request \(record.id) approved by \(record.grantedBy.count) officers and carried out: \(result).")
    }
}

struct ApprovalView: Encodable {
    var id: Int64
    var operation: String
    var target: String
    var status: String
    var approvals: Int
    var required: Int
    var requestedBy: String
    var expiresAt: Date
    var outcome: String?

    init(_ r: ApprovalRequestRecord) {
        id = r.id
        operation = r.operation
        target = r.target
        status = r.status.rawValue
        approvals = r.grantedBy.count
        required = r.required
        requestedBy = r.requestedBy
        expiresAt = r.expiresAt
        outcome = r.outcome
    }
}

struct ApproveGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Dual control of the root and CSCA keys: list, grant or deny pending requests.",
        discussion: """
            Using a top key (CSCA rollover, cross-certification, revoking a CA certificate) needs M distinct security \
            officers (dualControl.approvals in the profile, default 2). The first officer's command opens a request that \
            counts as their approval; the approval that reaches M carries the operation out. The same officer approving \
            twice is refused, and a request lapses after dualControl.requestLifetimeHours (24). Every step is journaled.
            """,
        subcommands: [List.self, Grant.self, Deny.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List approval requests (pending ones by default).")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Flag(help: "Also list closed requests.") var all = false
        func run() throws {
            try reporting {
                let records = try state.openPKI().repository.approvalRequests(status: all ? nil : .pending)
                if output.json { try printJSON(records.map(ApprovalView.init)); return }
                for r in records {
                    print("\(r.id)  \(r.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(r.operation) \(r.target)  "
                          + "\(r.grantedBy.count)/\(r.required) approvals, expires \(r.expiresAt)")
                }
                print("\(records.count) request(s)")
            }
        }
    }

    struct Grant: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a request; the last approval carries it out.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Request id (`mohur approve list`).") var id: Int64
        @Option(help: ArgumentHelp("Write the certificate the operation produces (link or bridge certificate) here, PEM.", valueName: "file"))
        var out: String?
        func run() throws {
            try reporting {
                let runtime = try state.openRuntime()
                let outcome = try runtime.acting(for: .certManage, as: try state.credential) { officer in
                    try runtime.dualControl.grant(id, by: officer.identity)
                }
                try report(outcome, json: output.json, out: out)
            }
        }
    }

    struct Deny: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse a request; it closes at once.")
        @OptionGroup var state: StateOptions
        @Argument(help: "Request id.") var id: Int64
        func run() throws {
            try reporting {
                let runtime = try state.openRuntime()
                let record = try runtime.acting(for: .certManage, as: try state.credential) { officer in
                    try runtime.dualControl.deny(id, by: officer.identity)
                }
                print("Request \(record.id) (\(record.operation) \(record.target)) denied.")
            }
        }
    }
}
