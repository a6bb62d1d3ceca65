import ArgumentParser
import Authz
import CA
import Foundation
import MohurCore
import OpenSSLKit
import Runtime

extension InformationResource: ExpressibleByArgument {}
extension PermissionRight: ExpressibleByArgument {}
extension MohurOperation: ExpressibleByArgument {}

struct PermGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perm", abstract: "Permission certificates for agency subsystems; show and check what a certificate may do.",
        discussion: """
            IAMAS permissions travel in a critical X.509 extension (OID 1.3.6.1.4.1.59599.1.2; its ASN.1 module is in the \
            README): the agency, per annex-2 resource the rights write / read / read-restricted, Mohur's operations, and \
            for officers a role. Effective rights are the intersection along the path to the IAMAS root: a segment CA \
            holds its agency's whole row, everything under it a subset.

            Resources: CIT FOR BCR RST BLK AUD. Rights: write, read, read-restricted. Operations: \
            \(MohurOperation.allCases.map(\.rawValue).joined(separator: ", ")).
            """,
        subcommands: [Issue.self, Show.self, Check.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a subsystem certificate under the agency's segment CA (needs perm-issue).",
            discussion: """
                Without --rights the agency's annex-2 row applies, with no Mohur operation: name those a system needs \
                (op:pa-verify, op:sod-sign, …). Asking for more than the agency holds is refused (exit 1) and journaled \
                as an attempt to exceed permissions; nothing is stored then.
                Example: mohur perm issue --agency SBS --subject "CN=border-gateway,OU=SBS,O=IAMAS,C=AZ" --csr gw.csr \\
                         --rights CIT:read,FOR:read,BCR:write,op:pa-verify
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Agency code from the access matrix (MIA, SBS, …).", valueName: "code")) var agency: String
        @Option(help: ArgumentHelp("Subject, under O=IAMAS, C=AZ (either RDN order).", valueName: "dn")) var subject: String
        @OptionGroup var key: KeySourceOptions
        @Option(help: ArgumentHelp("Comma list RESOURCE:RIGHT and op:OPERATION (default: the agency's annex-2 row, no operation).",
                                   valueName: "spec"))
        var rights: String?
        @Option(help: ArgumentHelp("Validity in days (default 30).", valueName: "n")) var days: Int?
        @Option(help: ArgumentHelp("Write the certificate here (PEM) instead of stdout.", valueName: "file")) var out: String?
        func run() throws {
            try reporting {
                let name: DistinguishedName
                do { name = try DistinguishedName(parsing: subject) } catch {
                    throw MohurError.badInput("--subject '\(subject)' is not a distinguished name: \(error)")
                }
                let request = PermissionIssuanceRequest(agency: agency, holder: .subsystem(subject: name), key: try key.source(),
                                                        permissions: try rights.map { try PermissionSet.parse(specification: $0) }, days: days)
                let record = try state.acting(for: .permIssue) { try $0.pki.issuePermissionCertificate(request) }
                try emitCertificate(record, out: out, json: output.json)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a certificate's path to the IAMAS root and print its effective rights.",
            discussion: "Exit 0 when the path validates, 1 when it does not (expired, revoked, claims more than its issuer, no path).")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Certificate file (PEM; further certificates are intermediates).") var certificate: String
        func run() throws {
            try reporting {
                let certificates = try readCertificates(certificate, what: "certificate")
                let identity = try state.openRuntime().authorizer.validate(certificates[0], supplied: Array(certificates.dropFirst()))
                if output.json { try printJSON(IdentityView(identity)) } else { printIdentity(identity) }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer whether a certificate may do something: allowed (exit 0) or refused (exit 1), with the reason.",
            discussion: "Ask either --resource R --right RIGHT, or --operation OP. A check is a question, not an access: it is not journaled.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Certificate file (PEM; further certificates are intermediates).") var certificate: String
        @Option(help: ArgumentHelp("Annex-2 resource: CIT FOR BCR RST BLK AUD.", valueName: "code")) var resource: InformationResource?
        @Option(help: ArgumentHelp("write | read | read-restricted.", valueName: "right")) var right: PermissionRight?
        @Option(help: ArgumentHelp("A Mohur operation.", valueName: "op")) var operation: MohurOperation?
        func validate() throws {
            let byResource = resource != nil || right != nil
            if byResource == (operation != nil) { throw ValidationError("ask either --resource with --right, or --operation") }
            if byResource, resource == nil || right == nil { throw ValidationError("--resource and --right go together") }
        }
        func run() throws {
            var allowed = false
            try reporting {
                let certificates = try readCertificates(certificate, what: "certificate")
                let authorizer = try state.openRuntime().authorizer
                let action: AccessAction = if let operation { .operation(operation) } else { .resource(resource ?? .citizens, right ?? .read) }
                let decision: AccessDecision
                do {
                    decision = authorizer.decide(try authorizer.validate(certificates[0], supplied: Array(certificates.dropFirst())), action)
                } catch let error as MohurError where error.code == .refusedByPolicy {
                    decision = AccessDecision(action: action, allowed: false, reason: error.reason)
                }
                allowed = decision.allowed
                if output.json {
                    struct View: Encodable { var action: String; var allowed: Bool; var reason: String }
                    try printJSON(View(action: action.token, allowed: decision.allowed, reason: decision.reason))
                } else {
                    print("\(decision.allowed ? "allowed" : "refused"): \(action) — \(decision.reason)")
                }
            }
            if !allowed { throw ExitCode(1) }
        }
    }
}
