import ArgumentParser
import Authz
import CA
import Foundation
import MohurCore
import OpenSSLKit

extension CertificateRole: ExpressibleByArgument {}
extension RevocationReason: ExpressibleByArgument {}

struct CertGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert", abstract: "Issue, show, revoke and list certificates.",
        subcommands: [Issue.self, Show.self, Revoke.self, List.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a certificate from a PKCS#10 request (the key stays with its owner).",
            discussion: """
                A CSCA (--ca csca-N) issues --role document-signer | master-list-signer | deviation-list-signer; \
                a segment CA (--ca segment-MIA) issues --role agency-endpoint. The request's signature must verify. \
                Keys Mohur holds itself are created by `mohur ds rotate` and `mohur csca rollover`.
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Issuing authority.", valueName: "name")) var ca: String
        @Option(help: ArgumentHelp("Certificate role.", valueName: "role")) var role: CertificateRole
        @Option(help: ArgumentHelp("PKCS#10 request (PEM or DER).", valueName: "file")) var csr: String
        @Option(help: ArgumentHelp("Write the certificate here (PEM).", valueName: "file")) var out: String?
        func run() throws {
            try reporting {
                let request = try CertificationRequest(pemOrDER: try readInput(csr, what: "certification request"))
                let record = try state.acting(for: .certManage) { try $0.pki.issue(fromRequest: request, authority: ca, role: role) }
                if let out { try writeOutput(out, Array(try Certificate(derEncoded: record.der).pem().utf8)) }
                if output.json { try printJSON(CertificateView(record)) } else {
                    print("Issued \(record.role) certificate \(record.serial) for \(record.subject), valid until \(day(record.notAfter)).")
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a stored certificate by serial, or any certificate file.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Serial number in hex (as `mohur cert list` prints it).") var serial: String?
        @Option(help: ArgumentHelp("Show this certificate file instead (PEM or DER; no state needed).", valueName: "file"))
        var file: String?
        func validate() throws {
            if (serial == nil) == (file == nil) { throw ValidationError("give either a serial or --file") }
        }
        func run() throws {
            try reporting {
                if let file {
                    let cert = try Certificate(pemOrDER: try readInput(file, what: "certificate"))
                    if output.json { try printJSON(FileCertificateView(cert)) } else { print(try cert.text()) }
                    return
                }
                let records = try state.openPKI().repository.certificates(serial: serial ?? "")
                guard !records.isEmpty else { throw MohurError.notFound("no stored certificate has serial \(serial ?? "")") }
                if output.json { try printJSON(records.map(CertificateView.init)); return }
                for record in records {
                    print("\(record.role) \(record.serial)\n  subject \(record.subject)\n  issuer  \(record.issuer)")
                    print("  valid   \(day(record.notBefore)) → \(day(record.notAfter))")
                    if let r = record.revocation { print("  REVOKED \(day(r.revokedAt)) (\(r.reason))") }
                    print(try Certificate(derEncoded: record.der).text())
                }
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a certificate; it appears in its issuer's next CRL (`mohur crl issue`).",
            discussion: "Reasons (RFC 5280 §5.3.1): \(RevocationReason.allCases.map(\.rawValue).joined(separator: ", ")). "
                + "The reason is kept in the database; CSCA CRLs carry no reason codes (Doc 9303-12). "
                + "Revoking a CA certificate (segment CA, CSCA, bridge) is under dual control: it opens a request for "
                + "another security officer's `mohur approve grant ID`.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Serial number in hex.") var serial: String
        @Option(help: ArgumentHelp("Revocation reason.", valueName: "reason")) var reason: RevocationReason = .unspecified
        func run() throws {
            try reporting {
                let runtime = try state.openRuntime()
                let target = try runtime.pki.repository.certificates(serial: serial).filter { $0.issuerAuthority != nil }
                if target.count == 1, DualControl.guardsRevocation(of: target[0]) {
                    try requestControlled(.revoke(serial: target[0].serial, reason: reason), state: state, output: output)
                    return
                }
                let record = try state.acting(for: .certManage) { try $0.pki.revoke(serial: serial, reason: reason) }
                if output.json { try printJSON(CertificateView(record)) } else {
                    print("Revoked \(record.serial) (\(record.subject)): \(reason.rawValue). Issue a CRL of \(record.issuerAuthority ?? "its issuer") to publish it.")
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored certificates.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Only those issued by this authority.", valueName: "name")) var ca: String?
        @Option(help: ArgumentHelp("Only this role.", valueName: "role")) var role: CertificateRole?
        func run() throws {
            try reporting {
                let records = try state.openPKI().repository.certificates(issuerAuthority: ca, role: role?.rawValue)
                if output.json { try printJSON(records.map(CertificateView.init)); return }
                for r in records {
                    let status = r.revocation.map { " REVOKED(\($0.reason))" } ?? ""
                    print("\(r.serial)  \(r.role.padding(toLength: 26, withPad: " ", startingAt: 0)) \(day(r.notAfter))  \(r.subject)\(status)")
                }
                print("\(records.count) certificate(s)")
            }
        }
    }
}

struct CRLGroup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crl", abstract: "Issue CRLs, and see which are due.",
                                                    subcommands: [Issue.self, Due.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue the next full v2 CRL of a CA (root, segment-*, csca-*), or of every CA whose CRL is due.",
            discussion: "CSCA CRLs follow Doc 9303-12: nextUpdate at most 90 days, no reason codes, at most one per 48 h "
                + "unless something was revoked since (override with --force). With --due, every CA `crl due` lists is "
                + "issued (run it daily from a timer, so that no CSCA CRL ever lapses).")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Issuing authority.", valueName: "name")) var ca: String?
        @Flag(help: "Issue every CRL that is due (see `crl due`).") var due = false
        @Option(help: ArgumentHelp("With --due: due means a next update within this many days.", valueName: "n")) var days = 14
        @Option(help: ArgumentHelp("Write the CRL here.", valueName: "file")) var out: String?
        @Flag(help: "Write DER instead of PEM.") var der = false
        @Flag(help: "Issue even within 48 hours of the last CSCA CRL.") var force = false

        func validate() throws {
            guard (ca == nil) != !due else { throw ValidationError("give --ca NAME or --due, not both") }
            if due, out != nil { throw ValidationError("--out writes one CRL; with --due each is stored and published from the state") }
        }

        func run() throws {
            try reporting {
                struct View: Codable { var authority: String; var crlNumber: Int64; var thisUpdate: Date; var nextUpdate: Date; var revoked: [String] }
                let records = try state.acting(for: .certManage) { officer in
                    if let ca { return [try officer.pki.issueCRL(authority: ca, force: force)] }
                    return try officer.pki.crlsDue(within: days).map { try officer.pki.issueCRL(authority: $0.authority, force: force) }
                }
                var views: [View] = []
                for record in records {
                    let crl = try CRL(derEncoded: record.der)
                    if let out { try writeOutput(out, der ? record.der : Array(try crl.pem().utf8)) }
                    views.append(View(authority: record.authority, crlNumber: record.crlNumber, thisUpdate: record.thisUpdate,
                                      nextUpdate: record.nextUpdate, revoked: crl.revokedEntries.map(\.serialHex)))
                }
                if output.json {
                    // One CA: the CRL's object, as before; --due: a list.
                    if ca != nil, let first = views.first { return try printJSON(first) }
                    return try printJSON(views)
                }
                for view in views {
                    print("CRL \(view.crlNumber) of \(view.authority): \(view.revoked.count) revoked, next update \(day(view.nextUpdate)).")
                }
                if due, views.isEmpty { print("no CRL is due within \(days) days") }
            }
        }
    }

    struct Due: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every CA whose next CRL is due: never issued, revoked since, or next update within --days (needs cert-manage).",
            discussion: "Exit 1 when a CRL has lapsed or lapses within 7 days, the point where `mohur status` turns unhealthy.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Due means a next update within this many days.", valueName: "n")) var days = 14

        func run() throws {
            try reporting {
                let runtime = try state.openRuntime()
                let (due, problems) = try runtime.acting(for: .certManage, as: try state.credential) { _ in
                    (try runtime.pki.crlsDue(within: days), try runtime.pki.crlHealthProblems())
                }
                if output.json { try printJSON(due) } else {
                    for item in due { print("\(item.authority)  \(item.role)  \(item.reason)") }
                    if due.isEmpty { print("no CRL is due within \(days) days") }
                }
                if !problems.isEmpty { throw ExitCode(1) }
            }
        }
    }
}
