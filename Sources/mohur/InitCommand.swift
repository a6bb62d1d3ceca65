import ArgumentParser
import CA
import Foundation
import HSM
import MohurCore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the four-level hierarchy in a new state directory, or reuse an existing one.",
        discussion: """
            With no key store options, creates the embedded default: a SoftHSM2 token under <state>/softhsm with \
            random development PINs in <state>/dev-user-pin and <state>/dev-so-pin (mode 0600).

            For a real HSM: --hsm-module /path/to/pkcs11.so --token-label LABEL --pin-file FILE (or MOHUR_HSM_PIN).
            Software keys (--software-keys DIR) are for development only and are marked so everywhere.

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

    func validate() throws {
        if hsmModule != nil, softwareKeys != nil { throw ValidationError("--hsm-module and --software-keys exclude each other") }
        if hsmModule != nil, tokenLabel == nil { throw ValidationError("--hsm-module needs --token-label") }
        if softwareKeys != nil, pinFile == nil, ProcessInfo.processInfo.environment["MOHUR_HSM_PIN"] == nil {
            throw ValidationError("--software-keys needs --pin-file or MOHUR_HSM_PIN for the passphrase")
        }
    }

    func run() throws {
        try reporting {
            let dir = state.directory
            let profile = try HierarchyProfile.load(path: state.profiles)
            let matrix = try AccessMatrix.load(path: state.accessMatrix)
            let config: KeyStoreConfiguration
            if dir.exists {
                config = try dir.loadConfiguration()
            } else if let module = hsmModule, let label = tokenLabel {
                config = KeyStoreConfiguration(backend: .pkcs11, modulePath: module, tokenLabel: label, pinFile: pinFile)
                try dir.create(with: config)
            } else if let keysDir = softwareKeys {
                config = KeyStoreConfiguration(backend: .software, pinFile: pinFile, keyDirectory: keysDir)
                try dir.create(with: config)
                warn("software keys in \(keysDir): development only, not for production")
            } else {
                config = try dir.createEmbeddedDefault()
            }
            let repository = try dir.openRepository()
            let keys = try dir.openKeyStore(config)
            let journal = try state.openOrCreateJournal(keys: keys, repository: repository)
            let pki = PKI(repository: repository, keys: keys, profile: try PKI.lockedProfile(repository) ?? profile, matrix: matrix,
                          audit: journal)
            let outcome = try pki.initializeHierarchy()
            let views = try pki.authorities()
            if output.json {
                struct Result: Codable { var state: String; var outcome: String; var keyStore: String; var authorities: [AuthorityJSON] }
                let word: String = if case .created = outcome { "created" } else { "reused" }
                try printJSON(Result(state: dir.path, outcome: word, keyStore: keys.summary, authorities: views.map(AuthorityJSON.init)))
                return
            }
            switch outcome {
            case .created:
                print("Created the IAMAS hierarchy in \(dir.path) (\(views.count) authorities).")
            case .reused(let at):
                print("Reusing existing state in \(dir.path), initialised \(at); nothing was changed.")
            }
            print("Key store: \(keys.summary)\n")
            printAuthorities(views)
            print("\nL3 cross-certification: `mohur ca cross-certify --national-root FILE`.")
        }
    }
}
