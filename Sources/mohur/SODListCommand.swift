import ArgumentParser
import Foundation
import MohurCore
import Runtime
import Storage

extension SODGroup {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Which documents a Document Signer signed, and when (needs audit-read; journaled).",
            discussion: """
                For incident response: when a Document Signer must be revoked, list the documents it signed. Shows the \
                document type and number, the signing time and the DS certificate, never the holder's FIN or the data-group \
                hashes. --from and --to are days (YYYY-MM-DD, UTC), both included.

                  mohur sod list --signer 5e0a1c… --from 2026-11-01 --to 2026-11-30 --json
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Serial number of the DS certificate (hex, as `sod sign` and `ca show` print it).", valueName: "serial"))
        var signer: String?
        @Option(help: ArgumentHelp("First day (UTC) to include.", valueName: "YYYY-MM-DD")) var from: String?
        @Option(help: ArgumentHelp("Last day (UTC) to include.", valueName: "YYYY-MM-DD")) var to: String?

        func run() throws {
            try reporting {
                let serial = try signer.map(Self.normalisedSerial)
                let start = try from.map { try day($0, option: "--from") }
                let end = try to.map { try day($0, option: "--to").addingTimeInterval(86_400) }
                if let start, let end, end <= start { throw MohurError.badInput("--to \(to ?? "") is before --from \(from ?? "")") }
                let runtime = try state.openRuntime()
                let listed = try runtime.acting(for: .auditRead, as: try state.credential) { officer in
                    let listed = try runtime.pki.repository.sodIssuanceSummaries(dsSerial: serial, from: start, to: end)
                    var details: [String: AuditValue] = ["documents": .integer(Int64(listed.count))]
                    if let serial { details["ds_serial"] = .text(serial) }
                    if let from { details["from"] = .text(from) }
                    if let to { details["to"] = .text(to) }
                    try runtime.pki.audit.journal(try AuditAction(.securityAction, operation: "sod.list", actor: officer.identity.actor,
                                                                  target: serial.map { "ds:\($0)" } ?? "sod", outcome: .success, details: details),
                                                  "the issuance list was read")
                    return listed
                }
                if output.json { return try printJSON(listed) }
                for summary in listed {
                    print("\(summary.signedAt.formatted(.iso8601))  \(summary.documentType)  \(summary.documentNumber)  DS \(summary.dsSerial) (\(summary.dsAuthority))")
                }
                print("\(listed.count) document\(listed.count == 1 ? "" : "s")" + (serial.map { " signed by DS \($0)" } ?? ""))
            }
        }

        /// Serials as stored: lower-case hex of the magnitude, without separators or a 0x.
        static func normalisedSerial(_ text: String) throws -> String {
            var hex = text.lowercased().replacingOccurrences(of: ":", with: "")
            if hex.hasPrefix("0x") { hex.removeFirst(2) }
            guard !hex.isEmpty, hex.allSatisfy(\.isHexDigit) else {
                throw MohurError.badInput("--signer \(text) is not a certificate serial in hex")
            }
            let trimmed = hex.drop { $0 == "0" }
            return trimmed.isEmpty ? "00" : (trimmed.count % 2 == 1 ? "0" : "") + trimmed
        }
    }
}
