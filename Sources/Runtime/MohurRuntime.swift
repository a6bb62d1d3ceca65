import Audit
import Authz
import CA
import Foundation
import HSM
import MohurCore
import OpenSSLKit
import Storage

/// Everything Mohur needs to know at start-up, built once at the edge (the CLI's options, the
/// service's configuration) and passed in. Paths may be relative to the working directory
/// here; the runtime makes them absolute before anything is stored.
public struct RuntimeConfiguration: Sendable {
    /// The state directory (SQLite, key store configuration, journal).
    public var statePath: String
    /// Profile and tables to lock at init; nil takes the ones built into the binary.
    public var profilesPath: String?
    public var accessMatrixPath: String?
    public var operationsPath: String?
    /// At init of a new state: keep its journal in this PostgreSQL database (a libpq connection
    /// string without a password) instead of `<state>/audit.sqlite`. Recorded in the state.
    public var journalDatabase: String?
    /// At init of a new state: keep its PKI store (and, unless `journalDatabase` says otherwise,
    /// its journal) in this PostgreSQL database.
    public var database: String?

    public init(statePath: String, profilesPath: String? = nil, accessMatrixPath: String? = nil, operationsPath: String? = nil,
                journalDatabase: String? = nil, database: String? = nil) {
        self.statePath = statePath
        self.profilesPath = profilesPath
        self.accessMatrixPath = accessMatrixPath
        self.operationsPath = operationsPath
        self.journalDatabase = journalDatabase
        self.database = database
    }

    public var directory: StateDirectory { StateDirectory(path: statePath) }

    /// The profile to lock at init: the file given, or the built-in one.
    public func profileForInit() throws -> HierarchyProfile {
        try profilesPath.map { try HierarchyProfile.load(path: $0) } ?? HierarchyProfile.embedded()
    }

    /// The tables to lock at init: the files given (both or neither), or the built-in ones.
    public func matrixForInit() throws -> AccessMatrix {
        switch (accessMatrixPath, operationsPath) {
        case (nil, nil): return try AccessMatrix.embedded()
        case (let access?, let operations?): return try AccessMatrix.load(path: access, operationsPath: operations)
        case (let access?, nil):
            return try AccessMatrix(accessTable: try String(contentsOfFile: access, encoding: .utf8), source: access,
                                    operationsTable: try AccessMatrix.embedded().operationsTable, operationsSource: "the built-in operations table")
        case (nil, let operations?):
            return try AccessMatrix(accessTable: try AccessMatrix.embedded().accessTable, source: "the built-in access matrix",
                                    operationsTable: try String(contentsOfFile: operations, encoding: .utf8), operationsSource: operations)
        }
    }
}

/// The composition root shared by the officer CLI and the service: it opens the state's
/// database, key store and audit journal and wires the PKI, the decision point, officer
/// sessions and dual control to them.
public final class MohurRuntime: Sendable {
    public let configuration: RuntimeConfiguration
    public let directory: StateDirectory
    public let keyStoreConfiguration: KeyStoreConfiguration
    /// The PKI acting anonymously; use ``acting(for:as:_:)`` or `pki.acting(as:)` to act for someone.
    public let pki: PKI
    public let journal: AuditLog
    public let authorizer: Authorizer

    init(configuration: RuntimeConfiguration, keyStoreConfiguration: KeyStoreConfiguration, pki: PKI, journal: AuditLog) throws {
        self.configuration = configuration
        self.directory = configuration.directory
        self.keyStoreConfiguration = keyStoreConfiguration
        self.pki = pki
        self.journal = journal
        self.authorizer = try Authorizer(pki: pki)
    }

    public var sessions: OfficerSessions { OfficerSessions(authorizer: authorizer) }
    /// Read access to the journal on the journal's own connection.
    public func journalReader() throws -> AuditReader { journal.reader }
    public var dualControl: DualControl { DualControl(authorizer: authorizer) }
    public var isDevelopment: Bool { keyStoreConfiguration.development ?? false }

    /// Opens an initialised state. The profile and tables locked at init are used; files
    /// given now are ignored with a warning through `warn`.
    public static func open(_ configuration: RuntimeConfiguration, warn: (String) -> Void = { _ in }) throws -> MohurRuntime {
        let dir = configuration.directory
        let config = try dir.loadConfiguration()
        let repository = try dir.openRepository()
        guard let locked = try PKI.lockedProfile(repository) else {
            throw MohurError.notFound("the state in \(dir.path) was never initialised", hint: "run `mohur init`")
        }
        if let path = configuration.profilesPath, let current = try? HierarchyProfile.load(path: path), current != locked {
            warn("\(path) differs from the profile locked at init; the locked copy is used")
        }
        let matrix = try PKI.lockedMatrix(repository) ?? AccessMatrix.embedded()
        let keys = try dir.openKeyStore(config)
        let journal = try Self.openJournal(dir, keys: keys)
        let pki = PKI(repository: repository, keys: keys, profile: locked, matrix: matrix, audit: journal)
        let runtime = try MohurRuntime(configuration: configuration, keyStoreConfiguration: config, pki: pki, journal: journal)
        try runtime.recoverJournalOutbox()
        return runtime
    }

    /// What `initialize` did.
    public enum KeyStoreChoice: Sendable {
        /// The embedded development default: a SoftHSM2 token under the state directory.
        case embeddedDevelopment
        case configured(KeyStoreConfiguration)
    }

    /// Creates (or reuses) a state: key store, journal, the four levels and the first security
    /// officer; in a development state also one officer per other role, so that `make run`
    /// can act at once.
    public static func initialize(_ configuration: RuntimeConfiguration, keyStore choice: KeyStoreChoice) throws -> (MohurRuntime, PKI.InitOutcome) {
        let dir = configuration.directory
        var config: KeyStoreConfiguration
        if dir.exists {
            config = try dir.loadConfiguration()
            if let asked = configuration.journalDatabase ?? configuration.database, asked != config.journalDatabase {
                throw MohurError.badInput("the state in \(dir.path) already keeps its journal in \(config.journalDatabase ?? "audit.sqlite")",
                                          hint: "a journal does not move by init; give --journal-database or --database only for a new state")
            }
        } else {
            for conninfo in [configuration.journalDatabase, configuration.database].compactMap({ $0 }) { try Self.checkConnectionString(conninfo) }
            switch choice {
            case .embeddedDevelopment: config = try dir.createEmbeddedDefault()
            case .configured(let given):
                config = given
                try dir.create(with: given)
            }
            if let conninfo = configuration.journalDatabase ?? configuration.database {
                config.journalDatabase = conninfo
                config.database = configuration.database
                try dir.writeConfiguration(config)
            }
        }
        let repository = try dir.openRepository(creating: true)
        let keys = try dir.openKeyStore(config)
        let journal = try openOrCreateJournal(dir, keys: keys, repository: repository)
        let profile = try PKI.lockedProfile(repository) ?? configuration.profileForInit()
        let matrix = try PKI.lockedMatrix(repository) ?? configuration.matrixForInit()
        let pki = PKI(repository: repository, keys: keys, profile: profile, matrix: matrix, audit: journal)
        let outcome = try pki.initializeHierarchy()
        if case .created = outcome, config.development == true { try pki.enrollDevelopmentOfficers() }
        return (try MohurRuntime(configuration: configuration, keyStoreConfiguration: config, pki: pki, journal: journal), outcome)
    }

    // MARK: the audit journal

    /// `<state>/audit.sqlite`.
    public static func journalPath(_ dir: StateDirectory) -> String { "\(dir.path)/audit.sqlite" }

    /// Whether the state has a journal (in PostgreSQL, or its SQLite file).
    public static func hasJournal(_ dir: StateDirectory) -> Bool {
        (try? dir.loadConfiguration().journalDatabase) != nil || FileManager.default.fileExists(atPath: journalPath(dir))
    }

    /// Read access to a state's journal; needs no key.
    public static func openJournalReader(_ dir: StateDirectory) throws -> AuditReader {
        guard hasJournal(dir) else {
            throw MohurError.notFound("no audit journal in \(dir.path)", hint: "run `mohur init` to create it")
        }
        return try AuditReader(database: try journalDatabase(dir))
    }

    /// The journal's database: the state's PostgreSQL database if it names one, else its file.
    static func journalDatabase(_ dir: StateDirectory) throws -> Database {
        guard let conninfo = try? dir.loadConfiguration().journalDatabase else { return try AuditLog.openDatabase(path: journalPath(dir)) }
        return try Database(postgresql: conninfo)
    }

    /// A journal connection string must be PostgreSQL's and carry no password.
    static func checkConnectionString(_ conninfo: String) throws {
        guard conninfo.hasPrefix("postgresql://") || conninfo.hasPrefix("postgres://") || conninfo.contains("=") else {
            throw MohurError.badInput("'\(conninfo)' is not a PostgreSQL connection string",
                                      hint: "e.g. postgresql://mohur@db1,db2/mohur?target_session_attrs=read-write")
        }
        guard conninfo.range(of: #"password=|://[^/@]*:[^/@]*@"#, options: .regularExpression) == nil else {
            throw MohurError.badInput("the journal's connection string carries a password",
                                      hint: "put it in a PGPASSFILE (~/.pgpass, mode 0600) instead: the state records the string")
        }
    }

    static func openJournal(_ dir: StateDirectory, keys: any KeyStore) throws -> AuditLog {
        let reader = try openJournalReader(dir)
        guard let reference = try reader.keyReference() else { throw MohurError.system("the journal records no key reference") }
        return try AuditLog(database: reader.database, signer: try keys.load(reference: reference))
    }

    /// Creates the journal and its key (ECDSA P-256, label `mohur-audit-1-…`) unless it exists.
    static func openOrCreateJournal(_ dir: StateDirectory, keys: any KeyStore, repository: PKIRepository) throws -> AuditLog {
        let database = try journalDatabase(dir)
        if (try? AuditReader(database: database)) == nil {
            let tag = Digest.hex(try randomBytes(3))
            let label = "mohur-audit-1-\(tag)"
            let signer = try keys.generate(.ec(.p256), label: label)
            try repository.insertKey(KeyRecord(ref: signer.keyReference, label: label, spec: KeySpec.ec(.p256).description,
                                               backend: keys.backend, publicKey: try signer.publicKey.subjectPublicKeyInfo(),
                                               createdAt: Date()))
            try AuditLog.create(database: database, origin: "iamas.az/mohur/audit/\(tag)", signer: signer)
        }
        return try openJournal(dir, keys: keys)
    }
}
