import ArgumentParser
import CA
import Foundation
import MohurCore
import Runtime

/// `mohur status`: is this state healthy? Today that is the CRL schedule: every CA's CRL issued
/// and more than `PKI.crlWarningDays` from lapsing. Exit 1 when unhealthy, for monitoring.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Whether this state is healthy: every CA's CRL issued and not about to lapse (exit 1 if not).",
        discussion: "Unhealthy 7 days before any CRL lapses; `mohur crl issue --due` issues what is due. The central service's GET /healthz answers 503 in the same case.")
    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let pki = try state.openPKI()
            let problems = try pki.crlHealthProblems()
            struct View: Encodable { var healthy: Bool; var crl: [CRLDue] }
            if output.json {
                try printJSON(View(healthy: problems.isEmpty, crl: problems))
            } else if problems.isEmpty {
                print("healthy: no CA's CRL has lapsed or lapses within \(PKI.crlWarningDays) days (`mohur crl due` lists what is due)")
            } else {
                print("UNHEALTHY:")
                for item in problems { print("  \(item.authority) (\(item.role)): \(item.reason)") }
                print("issue them with: mohur crl issue --due")
            }
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }
}
