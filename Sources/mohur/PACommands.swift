import ArgumentParser
import Foundation
import LDS
import MohurCore
import OpenSSLKit
import PassiveAuth

/// `mohur pa verify`: passive authentication of a foreign or national eMRTD (Doc 9303-11 §5.1).
struct PAGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pa", abstract: "Passive authentication of eMRTDs against the trust store.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify EF.SOD and data groups: signature, chain to a trusted CSCA, validity, revocation, hashes.",
            discussion: """
                The first line is the verdict: valid, invalid or indeterminate; a valid document whose Document Signer \
                could not be checked against a current CRL says "valid, revocation unknown". Exit status: 0 valid \
                (with --require-revocation, only if revocation was checked); 1 invalid or indeterminate (e.g. CSCA \
                unknown); 2 bad input; 3 system failure.
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("EF.SOD as read from the chip.", valueName: "file")) var sod: String
        @Option(help: ArgumentHelp("A data group read from the chip, as N=FILE (repeatable).", valueName: "N=file")) var dg: [String] = []
        @Option(help: ArgumentHelp("Check as of this day instead of today.", valueName: "YYYY-MM-DD")) var at: String?
        @Flag(help: "Lab only: a data group EF.SOD does not list is a warning, not a failure (at a border post it is an injected one).")
        var allowUnlistedDg = false
        @Flag(help: "Exit 1 for a valid document whose revocation is unknown (no current CRL of its CSCA in the trust store).")
        var requireRevocation = false
        @Option(help: ArgumentHelp("A line of the MRZ read optically from the data page (repeat for each line); DG1 must carry the same.",
                                   valueName: "line"))
        var mrz: [String] = []

        func run() throws {
            var verdict = PassiveAuthReport.Verdict.invalid
            var revocationUnknown = true
            try reporting {
                let checkTime = try at.map(Self.parseDay) ?? Date()
                let optical: MRZ?
                do { optical = mrz.isEmpty ? nil : try MRZ(text: mrz.joined()) } catch {
                    throw MohurError.badInput("--mrz is not a complete MRZ: \(error)", hint: "give each line of the page's MRZ with its own --mrz")
                }
                var groups: [DataGroupNumber: [UInt8]] = [:]
                for item in dg {
                    let parts = item.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2, let n = Int(parts[0].uppercased().replacingOccurrences(of: "DG", with: "")),
                          let number = DataGroupNumber(rawValue: n) else {
                        throw MohurError.badInput("--dg \(item) is not N=FILE with N from 1 to 16")
                    }
                    groups[number] = try readInput(String(parts[1]), what: "\(number)")
                }
                let file: SODFile
                do { file = try SODFile(encoded: try readInput(sod, what: "EF.SOD")) } catch let error as LDSError {
                    throw MohurError.badInput("\(sod) is not a readable EF.SOD: \(error)")
                }
                let report = try state.actingIfJournaled(for: .paVerify) { officer in
                    let store = try state.directory.openTrustStore()
                    // Only what this document can need: a cold start reads a few rows, not the whole store.
                    let report = PassiveAuthenticator(trust: try store.index(for: file), allowUnlistedDataGroups: allowUnlistedDg)
                        .verify(sod: file, dataGroups: groups, at: checkTime, opticalMRZ: optical)
                    // A module result: the SOD's hash identifies the check without personal data.
                    if let officer {
                        try officer.pki.audit.journal(try report.auditAction(sod: file, actor: officer.pki.actor, dataGroups: groups.count),
                                                      "pa.verify completed")
                    }
                    return report
                }
                if output.json { try printJSON(report) } else { print(report.text) }
                verdict = report.verdict
                revocationUnknown = report.revocation == .unknown
            }
            if verdict != .valid || (requireRevocation && revocationUnknown) { throw ExitCode(1) }
        }

        /// Noon UTC of the day: the check is about the day, not a moment at its edge.
        static func parseDay(_ text: String) throws -> Date {
            try day(text, option: "--at").addingTimeInterval(12 * 3600)
        }
    }
}
