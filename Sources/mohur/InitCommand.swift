import ArgumentParser
import CA
import Foundation
import HSM
import MohurCore
import Runtime

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the four-level hierarchy in a new state directory, or reuse an existing one.",
        discussion: """
            With no key store options, creates the embedded default: a SoftHSM2 token under <state>/softhsm with \
            random development PINs in <state>/dev-user-pin and <state>/dev-so-pin (mode 0600).

            For a real HSM: --hsm-module /path/to/pkcs11.so --token-label LABEL --pin-file FILE (or MOHUR_HSM_PIN).
            Software keys (--software-keys DIR) are for development only and are marked so everywhere.

            The central complex keeps its audit journal in PostgreSQL: --journal-database \
            'postgresql://mohur@db1,db2/mohur?target_session_attrs=read-write' (main and reserve; after a failover \
            the next write finds the new primary). --database puts the PKI store there too. No password in either: \
            libpq reads PGPASSFILE (~/.pgpass).

            Running init again on an initialised state changes nothing and prints the hierarchy.
            """)

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("PKCS#11 module of an existing HSM.", valueName: "path"))
    var hsmModule: String?
    @Option(help: ArgumentHelp("Label of the token in that HSM.", valueName: "label"))
    var tokenLabel: String?
    @Option(help: ArgumentHelp("File holding the user PIN (or passphrase for software keys).", valueName: "file"))
    var pinFile: String?
    @Option(help: ArgumentHelp("Keep keys as encrypted PKCS#8 files in this directory (development only).", valueName: "dir"))
    var softwareKeys: String?
    @Option(help: ArgumentHelp("Keep the audit journal in this PostgreSQL database (a libpq connection string).", valueName: "conninfo"))
    var journalDatabase: String?
    @Option(help: ArgumentHelp("Keep the PKI store (and the journal, unless --journal-database) in this PostgreSQL database.",
                               valueName: "conninfo"))
    var database: String?

    func validate() throws {
        if hsmModule != nil, softwareKeys != nil { throw ValidationError("--hsm-module and --software-keys exclude each other") }
        if hsmModule != nil, tokenLabel == nil { throw ValidationError("--hsm-module needs --token-label") }
        if softwareKeys != nil, pinFile == nil, ProcessInfo.processInfo.environment["MOHUR_HSM_PIN"] == nil {
            throw ValidationError("--software-keys needs --pin-file or MOHUR_HSM_PIN for the passphrase")
        }
    }

    func run() throws {
        try reporting {
            let choice: MohurRuntime.KeyStoreChoice
            if let module = hsmModule, let label = tokenLabel {
                choice = .configured(KeyStoreConfiguration(backend: .pkcs11, modulePath: absolute(module), tokenLabel: label,
                                                           pinFile: pinFile.map(absolute)))
            } else if let keysDir = softwareKeys {
                choice = .configured(KeyStoreConfiguration(backend: .software, pinFile: pinFile.map(absolute), keyDirectory: absolute(keysDir)))
                warn("software keys in \(keysDir): development only, not for production")
            } else {
                choice = .embeddedDevelopment
            }
            var configuration = state.configuration
            configuration.journalDatabase = journalDatabase
            configuration.database = database
            let (runtime, outcome) = try MohurRuntime.initialize(configuration, keyStore: choice)
            let views = try runtime.pki.authorities()
            let officer = try runtime.pki.firstSecurityOfficer()
            if output.json {
                struct Result: Codable {
                    var state: String; var outcome: String; var keyStore: String; var development: Bool
                    var firstSecurityOfficer: String?; var authorities: [AuthorityJSON]
                }
                let word: String = if case .created = outcome { "created" } else { "reused" }
                try printJSON(Result(state: runtime.directory.path, outcome: word, keyStore: runtime.pki.keys.summary,
                                     development: runtime.isDevelopment, firstSecurityOfficer: officer?.keyReference,
                                     authorities: views.map(AuthorityJSON.init)))
                return
            }
            switch outcome {
            case .created:
                print("Created the IAMAS hierarchy in \(runtime.directory.path) (\(views.count) authorities).")
            case .reused(let at):
                print("Reusing existing state in \(runtime.directory.path), initialised \(at); nothing was changed.")
            }
            print("Key store: \(runtime.pki.keys.summary)\n")
            printAuthorities(views)
            if let officer {
                print("\nFirst security officer: \(officer.certificate.subject)")
                print("  log in with: mohur login --state \(runtime.directory.path) --as '\(officer.keyReference)'")
                if runtime.isDevelopment {
                    print("  (development state: officers on its token are logged in automatically)")
                }
            }
            print("\nL3 cross-certification: `mohur ca cross-certify --national-root FILE` (dual control).")
        }
    }

    private func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
}
