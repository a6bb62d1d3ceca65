import ArgumentParser
import Authz
import CA
import Foundation
import MohurCore
import OpenSSLKit
import Runtime
import Storage

extension OfficerRole: ExpressibleByArgument {}

struct LoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Open an officer session: prove possession of your officer key.",
        discussion: """
            --as takes a PKCS#11 URI of your key (the certificate is the officer certificate Mohur issued for it), or a \
            certificate file with --key (PEM; encrypted keys take MOHUR_KEY_PASSPHRASE): an IAMAS officer certificate or \
            a national e-signature certificate a security officer mapped (`mohur officer map`).

            The session ends with `mohur logout` or after 15 minutes without use. Log-in, log-out and expiry are \
            journaled (rules §6.9.1.4), and every journal entry made in the session names you.
            """)
    @OptionGroup var state: StateOptions
    @Option(help: ArgumentHelp("Private key file for --as CERT (same as --as-key).", valueName: "file")) var key: String?
    func validate() throws {
        if state.actingAs == nil { throw ValidationError("give --as with a PKCS#11 URI of your key, or your certificate file") }
    }
    func run() throws {
        try reporting {
            let identity = try state.openRuntime().login(try officerCredential(state.actingAs ?? "", key: key ?? state.actingKey))
            print("Logged in as \(identity.subject) (\(identity.agency ?? "no agency"), \(identity.role?.rawValue ?? "no role")"
                  + (identity.isNational ? ", national certificate" : "") + ").")
        }
    }
}

struct LogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "End your officer session (journaled).")
    @OptionGroup var state: StateOptions
    func run() throws {
        try reporting { print(try state.openRuntime().logout() ? "Logged out." : "No session was open.") }
    }
}

struct WhoAmICommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show the officer of the open session and what it may do.")
    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions
    func run() throws {
        try reporting {
            guard let identity = try state.openRuntime().currentOfficer() else {
                throw MohurError.notFound("no officer session is open", hint: "`mohur login --as …`")
            }
            if output.json { try printJSON(IdentityView(identity)) } else { printIdentity(identity) }
        }
    }
}

struct OfficerGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "officer", abstract: "Enrol officers (persons) and map national e-signature certificates to IAMAS roles.",
        discussion: """
            Roles and the operations they allow (further limited by the agency's row in agency-operations.tsv):
              security-officer   cert-manage, trust-manage, perm-issue, audit-read
              issuing-operator   sod-sign
              border-officer     pa-verify
              auditor            audit-read, audit-export
            Reading the journal also needs AUD read in annex 2 (MIA, MNS) or the auditor role.
            """,
        subcommands: [Enroll.self, Map.self, Unmap.self])

    struct Enroll: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an officer certificate under the agency's segment CA (needs perm-issue).",
            discussion: "The key stays on the officer's token: give a PKCS#10 request (--csr), or a PKCS#11 URI of a key on the state's token.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Agency code from the access matrix (MIA, SBS, …).", valueName: "code")) var agency: String
        @Option(help: ArgumentHelp("The officer's full name (becomes the CN).", valueName: "name")) var name: String
        @Option(help: ArgumentHelp("security-officer | issuing-operator | border-officer | auditor.", valueName: "role")) var role: OfficerRole
        @OptionGroup var key: KeySourceOptions
        @Option(help: ArgumentHelp("Validity in days (default: the profile's officerDays).", valueName: "n")) var days: Int?
        @Option(help: ArgumentHelp("Write the certificate here (PEM) instead of stdout.", valueName: "file")) var out: String?
        func run() throws {
            try reporting {
                let request = PermissionIssuanceRequest(agency: agency, holder: .officer(name: name, role: role), key: try key.source(),
                                                        days: days)
                let record = try state.acting(for: .permIssue) { try $0.pki.issuePermissionCertificate(request) }
                try emitCertificate(record, out: out, json: output.json)
            }
        }
    }

    struct Map: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let the holder of a national e-signature certificate log in as an IAMAS officer (needs perm-issue).",
            discussion: """
                The certificate must validate through the bridge to the national PKI (`mohur ca cross-certify`). The \
                mapping lapses when the certificate expires or is revoked. Journaled.
                """)
        @OptionGroup var state: StateOptions
        @Option(help: ArgumentHelp("The national certificate (PEM; further certificates are its intermediates).", valueName: "file"))
        var nationalCert: String
        @Option(help: ArgumentHelp("Agency code.", valueName: "code")) var agency: String
        @Option(help: ArgumentHelp("Officer role.", valueName: "role")) var role: OfficerRole
        func run() throws {
            try reporting {
                let certificates = try readCertificates(nationalCert, what: "national certificate")
                let runtime = try state.openRuntime()
                let record = try runtime.acting(for: .permIssue, as: try state.credential) { officer in
                    try runtime.authorizer.mapNationalCertificate(certificates[0], supplied: Array(certificates.dropFirst()),
                                                                  agency: agency, role: role, by: officer.identity)
                }
                print("Mapped \(record.subject) to \(record.agency) \(record.role) until \(day(record.notAfter)).")
            }
        }
    }
}

extension OfficerGroup {
    struct Unmap: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw a national certificate's mapping, e.g. when the national PKI revoked it (needs perm-issue).")
        @OptionGroup var state: StateOptions
        @Option(help: ArgumentHelp("The national certificate (PEM or DER).", valueName: "file")) var nationalCert: String
        func run() throws {
            try reporting {
                let certificate = try readCertificates(nationalCert, what: "national certificate")[0]
                let runtime = try state.openRuntime()
                let withdrawn = try runtime.acting(for: .permIssue, as: try state.credential) { officer in
                    try runtime.authorizer.withdrawNationalMapping(certificate, by: officer.identity)
                }
                guard withdrawn else { throw MohurError.notFound("\(certificate.subject) has no mapping in force") }
                print("Withdrew the mapping of \(certificate.subject); its holder can no longer log in.")
            }
        }
    }
}

/// `--csr FILE | --pkcs11 URI`: where a certificate's key is.
struct KeySourceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("PKCS#10 request (PEM or DER); its signature must verify.", valueName: "file")) var csr: String?
    @Option(help: ArgumentHelp("RFC 7512 URI of a key on the state's token.", valueName: "uri")) var pkcs11: String?

    func validate() throws {
        if (csr == nil) == (pkcs11 == nil) { throw ValidationError("give exactly one of --csr FILE and --pkcs11 URI") }
    }

    func source() throws -> PermissionKeySource {
        if let pkcs11 { return .keyReference(pkcs11) }
        do {
            return .request(try CertificationRequest(pemOrDER: try readInput(csr ?? "", what: "certification request")))
        } catch let error as OpenSSLError {
            throw MohurError.badInput("\(csr ?? "") is not a readable PKCS#10 request: \(error)")
        }
    }
}

/// Reads one or more certificates (PEM bundle or one DER) from a file, naming it on failure.
func readCertificates(_ path: String, what: String) throws -> [Certificate] {
    let bytes = try readInput(path, what: what)
    do {
        let certificates = try Certificate.parseAll(pemOrDER: bytes)
        guard !certificates.isEmpty else { throw MohurError.badInput("\(path) holds no certificate") }
        return certificates
    } catch let error as OpenSSLError {
        throw MohurError.badInput("\(path) is not a readable certificate: \(error)")
    }
}

/// Prints an issued certificate as PEM (stdout or --out) or its record as JSON.
func emitCertificate(_ record: CertificateRecord, out: String?, json: Bool) throws {
    let pem = try Certificate(derEncoded: record.der).pem()
    if let out { try writeOutput(out, Array(pem.utf8)) }
    if json {
        try printJSON(CertificateView(record))
    } else if out == nil {
        print(pem, terminator: "")
    } else {
        print("Issued \(record.role) certificate \(record.serial) for \(record.subject), valid until \(day(record.notAfter)).")
    }
}

/// A validated identity, for `whoami` and `perm show`.
struct IdentityView: Encodable {
    var subject: String
    var fingerprint: String
    var agency: String?
    var role: String?
    var national: Bool
    var rights: String
    var path: [String]

    init(_ identity: ValidatedIdentity) {
        subject = identity.subject
        fingerprint = identity.fingerprint
        agency = identity.agency
        role = identity.role?.rawValue
        national = identity.isNational
        rights = identity.permissions.specification
        path = identity.path.map(\.subject.description)
    }
}

func printIdentity(_ identity: ValidatedIdentity) {
    print("\(identity.subject)")
    print("  fingerprint \(identity.fingerprint)")
    print("  agency      \(identity.agency ?? "-")\(identity.role.map { "   role \($0.rawValue)" } ?? "")\(identity.isNational ? "   (national certificate)" : "")")
    let rights = identity.permissions.specification
    print("  effective   \(rights.isEmpty ? "nothing" : rights)")
    print("  path        \(identity.path.map(\.subject.description).joined(separator: " → "))")
}
