import Foundation
import HSM
import MohurCore
import OpenSSLKit
import Storage

/// Where the key store lives, as written to `<state>/config.json` at init.
public struct KeyStoreConfiguration: Codable, Sendable, Hashable {
    public enum Backend: String, Codable, Sendable { case pkcs11, software }
    public var backend: Backend
    /// PKCS#11 module loaded through p11-kit (SoftHSM2 by default).
    public var modulePath: String?
    public var tokenLabel: String?
    /// File holding the user PIN (software keys: the passphrase). The environment variable
    /// MOHUR_HSM_PIN takes precedence. Never on the command line, never in git.
    public var pinFile: String?
    /// SoftHSM2 configuration of the embedded development token, exported as SOFTHSM2_CONF.
    public var softHSMConfig: String?
    /// Directory of software keys (development only).
    public var keyDirectory: String?
    /// True for the embedded development state `make run` makes: its officers may be logged in
    /// automatically. Never set for a state with a real HSM.
    public var development: Bool?
    /// Where the audit journal lives when not in `<state>/audit.sqlite`: a libpq connection
    /// string of a PostgreSQL database (the central complex). Never with a password in it: libpq
    /// reads that from PGPASSFILE (~/.pgpass), so it stays out of the state.
    public var journalDatabase: String?
    /// Where the PKI store lives when not in `<state>/mohur.sqlite`: a PostgreSQL connection
    /// string, as `journalDatabase`.
    public var database: String?

    public init(backend: Backend, modulePath: String? = nil, tokenLabel: String? = nil, pinFile: String? = nil,
                softHSMConfig: String? = nil, keyDirectory: String? = nil, development: Bool? = nil, journalDatabase: String? = nil,
                database: String? = nil) {
        self.backend = backend
        self.modulePath = modulePath
        self.tokenLabel = tokenLabel
        self.pinFile = pinFile
        self.softHSMConfig = softHSMConfig
        self.keyDirectory = keyDirectory
        self.development = development
        self.journalDatabase = journalDatabase
        self.database = database
    }
}

/// The state directory: `mohur.sqlite`, `config.json`, and for the embedded default a
/// SoftHSM2 token with generated development PINs (mode 0600).
public struct StateDirectory: Sendable {
    public static let defaultSoftHSMModule = "/usr/lib/softhsm/libsofthsm2.so"
    public static let defaultTokenLabel = "mohur-dev"

    /// Always absolute: paths written into the state (PIN file, SoftHSM2 configuration) must
    /// not depend on the working directory of the command that made it.
    public let path: String
    public init(path: String) {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
    }

    public var databasePath: String { "\(path)/mohur.sqlite" }
    public var configPath: String { "\(path)/config.json" }
    public var exists: Bool { FileManager.default.fileExists(atPath: configPath) }

    public func loadConfiguration() throws -> KeyStoreConfiguration {
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw MohurError.notFound("no Mohur state in \(path) (\(configPath) is missing)",
                                      hint: "run `mohur init --state \(path)` first, or set MOHUR_STATE")
        }
        do { return try JSONDecoder().decode(KeyStoreConfiguration.self, from: data) } catch {
            throw MohurError.badInput("\(configPath) is not a valid key store configuration: \(error)")
        }
    }

    /// Creates the directory and the embedded development key store: a fresh SoftHSM2 token
    /// under `<state>/softhsm` with random PINs in 0600 files.
    public func createEmbeddedDefault() throws -> KeyStoreConfiguration {
        try makeDirectory(path)
        let tokens = "\(path)/softhsm/tokens"
        try makeDirectory(tokens)
        let conf = "\(path)/softhsm/softhsm2.conf"
        try writeSecret(conf, "directories.tokendir = \(tokens)\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n")
        let pinFile = "\(path)/dev-user-pin"
        let soPinFile = "\(path)/dev-so-pin"
        let pin = Digest.hex(try randomBytes(12))
        let soPin = Digest.hex(try randomBytes(12))
        try writeSecret(pinFile, pin + "\n")
        try writeSecret(soPinFile, soPin + "\n")
        setenv("SOFTHSM2_CONF", conf, 1)
        do {
            let module = try PKCS11Modules.module(path: Self.defaultSoftHSMModule)
            _ = try module.initializeToken(label: Self.defaultTokenLabel, soPIN: soPin, userPIN: pin)
        } catch {
            throw MohurError.system("cannot create the development SoftHSM2 token: \(error)",
                                    hint: "is softhsm2 installed (`make run` installs it)?")
        }
        let config = KeyStoreConfiguration(backend: .pkcs11, modulePath: Self.defaultSoftHSMModule, tokenLabel: Self.defaultTokenLabel,
                                           pinFile: pinFile, softHSMConfig: conf, keyDirectory: nil, development: true)
        try writeConfiguration(config)
        return config
    }

    /// Records a configuration for an existing HSM token or software keys.
    public func create(with config: KeyStoreConfiguration) throws {
        try makeDirectory(path)
        if config.backend == .software, let dir = config.keyDirectory { try makeDirectory(dir) }
        try writeConfiguration(config)
    }

    /// Opens the key store the configuration names. The PIN comes from MOHUR_HSM_PIN or the
    /// PIN file; it is never logged or stored elsewhere.
    public func openKeyStore(_ config: KeyStoreConfiguration) throws -> any KeyStore {
        if let conf = config.softHSMConfig { setenv("SOFTHSM2_CONF", conf, 1) }
        let pin = try readPIN(config)
        switch config.backend {
        case .pkcs11:
            guard let module = config.modulePath, let label = config.tokenLabel else {
                throw MohurError.badInput("\(configPath): a pkcs11 key store needs modulePath and tokenLabel")
            }
            return try PKCS11KeyStore.open(modulePath: module, tokenLabel: label, pin: pin, lockFile: "\(path)/hsm.lock")
        case .software:
            guard let dir = config.keyDirectory else { throw MohurError.badInput("\(configPath): a software key store needs keyDirectory") }
            return SoftwareKeyStore(directory: dir, passphrase: pin)
        }
    }

    /// Opens the PKI store; only `init` (`creating`) may create a SQLite file that is not there.
    /// A state whose database file is missing (deleted, or lost with a disk) is an error, not an
    /// empty store: a later `mohur restore` must not find a blank file in its place.
    public func openRepository(creating: Bool = false) throws -> PKIRepository {
        let conninfo = exists ? try loadConfiguration().database : nil
        if conninfo == nil, !creating, !FileManager.default.fileExists(atPath: databasePath) {
            throw MohurError.notFound("the state in \(path) has no database (\(databasePath) is missing)",
                                      hint: "restore a backup with `mohur restore`, or run `mohur init` for a new state")
        }
        do {
            return try PKIRepository(database: try conninfo.map { try Database(postgresql: $0) } ?? Database(path: databasePath))
        } catch {
            throw MohurError.system("cannot open the database \(conninfo.map(Database.redacted) ?? databasePath): \(error)")
        }
    }

    func readPIN(_ config: KeyStoreConfiguration) throws -> String {
        if let env = ProcessInfo.processInfo.environment["MOHUR_HSM_PIN"], !env.isEmpty { return env }
        guard let file = config.pinFile else {
            throw MohurError.badInput("no PIN source: set MOHUR_HSM_PIN or pinFile in \(configPath)")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw MohurError.notFound("PIN file \(file) is missing or unreadable", hint: "set MOHUR_HSM_PIN or restore the file")
        }
        let pin = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !pin.isEmpty else { throw MohurError.badInput("PIN file \(file) is empty") }
        return pin
    }

    public func writeConfiguration(_ config: KeyStoreConfiguration) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeSecret(configPath, String(decoding: try encoder.encode(config), as: UTF8.self) + "\n")
    }

    func makeDirectory(_ dir: String) throws {
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
            throw MohurError.system("cannot create directory \(dir): \(error.localizedDescription)")
        }
    }

    func writeSecret(_ file: String, _ text: String) throws {
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw MohurError.system("cannot write \(file)", hint: "check permissions of \(path)")
        }
    }
}
