import Audit
import CA
import Foundation
import MohurCore
import OpenSSLKit
import PassiveAuth
import Storage

/// What a backup holds and what a restore must find again (`manifest.json` in the backup).
public struct BackupManifest: Codable, Sendable, Equatable {
    public var format = 1
    public var createdAt: Date
    public var state: String
    /// File name → lower-case hex SHA-256.
    public var files: [String: String]
    /// Records counted in the snapshot: a restore must count the same.
    public var counts: [String: Int64]
    /// The journal's latest signed checkpoint at backup time.
    public var checkpoint: String?
}

/// Backups of a SQLite state (rules §5.2.4.2: reserve copies of the information resources):
/// a consistent snapshot of the PKI store, the journal and the trust store (`VACUUM INTO`, which
/// reads one transaction's view while writers carry on), the state's configuration, and a
/// manifest. Keys stay in the HSM, and the PIN files stay where they are: a backup holds neither.
/// PostgreSQL stores are backed up by the database's own tools (pgBackRest, pg_basebackup).
extension MohurRuntime {
    static let backupFiles = ["mohur.sqlite", "audit.sqlite", "trust.sqlite"]

    /// Writes a backup into `directory`, which must not exist yet or be empty.
    public func backup(to directory: String) throws -> BackupManifest {
        if keyStoreConfiguration.database != nil || keyStoreConfiguration.journalDatabase != nil {
            throw MohurError.badInput("this state keeps its stores in PostgreSQL",
                                      hint: "back PostgreSQL up with pgBackRest or pg_basebackup (README); `mohur backup` snapshots SQLite states")
        }
        let target = URL(fileURLWithPath: directory).standardizedFileURL.path
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: target), !existing.isEmpty {
            throw MohurError.badInput("the backup directory \(target) is not empty", hint: "give a new directory; nothing there is overwritten")
        }
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try pki.repository.database.execute("VACUUM INTO ?", [target + "/mohur.sqlite"])
        try journal.reader.database.execute("VACUUM INTO ?", [target + "/audit.sqlite"])
        let trust = TrustStore.path(inState: self.directory.path)
        if FileManager.default.fileExists(atPath: trust) {
            try Database(path: trust, readOnly: true).execute("VACUUM INTO ?", [target + "/trust.sqlite"])
        }
        try FileManager.default.copyItem(atPath: self.directory.path + "/config.json", toPath: target + "/config.json")
        // The snapshot must verify on its own before it is called a backup.
        try Self.verifyJournal(in: target)
        let manifest = BackupManifest(createdAt: pki.clock.now(), state: self.directory.path, files: try Self.digests(in: target),
                                      counts: try Self.counts(in: target), checkpoint: try journal.reader.latestCheckpoint()?.note)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: target + "/manifest.json"))
        try pki.audit.journal(try AuditAction(.securityAction, operation: "state.backup", actor: pki.actor, target: target,
                                              outcome: .success, details: manifest.counts.mapValues { .integer($0) }),
                              "a backup was written")
        return manifest
    }

    /// Restores a backup into `state`. The files' digests are checked first; existing store files
    /// are moved aside (`*.before-restore-<time>`), never deleted, and only with `replacing`.
    /// The restored journal must verify and every count must match the manifest.
    public static func restore(from directory: String, into state: StateDirectory, replacing: Bool = false) throws -> BackupManifest {
        let source = URL(fileURLWithPath: directory).standardizedFileURL.path
        let manifest: BackupManifest
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            manifest = try decoder.decode(BackupManifest.self, from: Data(contentsOf: URL(fileURLWithPath: source + "/manifest.json")))
        } catch {
            throw MohurError.badInput("\(source) holds no readable backup manifest: \(error)")
        }
        let found = try digests(in: source)
        for (name, digest) in manifest.files where found[name] != digest {
            throw MohurError.refused("backup file \(name) does not match its manifest digest: the backup is damaged or altered")
        }
        let present = backupFiles.filter { FileManager.default.fileExists(atPath: state.path + "/" + $0) }
        if !present.isEmpty && !replacing {
            throw MohurError.badInput("the state \(state.path) already holds \(present.joined(separator: ", "))",
                                      hint: "restore into a new state directory, or pass --replace to move the current files aside first")
        }
        try FileManager.default.createDirectory(atPath: state.path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let stamp = Int(Date().timeIntervalSince1970)
        for name in backupFiles {
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: state.path + "/" + name + suffix) {
                try FileManager.default.moveItem(atPath: state.path + "/" + name + suffix,
                                                 toPath: state.path + "/" + name + suffix + ".before-restore-\(stamp)")
            }
            if manifest.files[name] != nil { try FileManager.default.copyItem(atPath: source + "/" + name, toPath: state.path + "/" + name) }
        }
        // The HSM binding of this machine stays; a new state takes the backup's.
        if !FileManager.default.fileExists(atPath: state.path + "/config.json") {
            try FileManager.default.copyItem(atPath: source + "/config.json", toPath: state.path + "/config.json")
        }
        try verifyJournal(in: state.path)
        let counted = try counts(in: state.path)
        guard counted == manifest.counts else {
            throw MohurError.system("the restored state counts \(counted), the backup recorded \(manifest.counts)")
        }
        return manifest
    }

    /// Journals a restore in the restored journal (after its counts were checked).
    public func journalRestore(from directory: String, manifest: BackupManifest) throws {
        var details = manifest.counts.mapValues { AuditValue.integer($0) }
        details["backup_taken"] = .text(manifest.createdAt.formatted(.iso8601))
        try pki.audit.journal(try AuditAction(.securityAction, operation: "state.restore", actor: pki.actor, target: directory,
                                              outcome: .success, details: details), "the state was restored")
    }

    // MARK: - Internals

    static func digests(in directory: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in backupFiles + ["config.json"] where FileManager.default.fileExists(atPath: directory + "/" + name) {
            result[name] = Digest.hex(Digest.sha256(Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))))
        }
        return result
    }

    static func counts(in directory: String) throws -> [String: Int64] {
        let pki = try Database(path: directory + "/mohur.sqlite", readOnly: true)
        let journal = try Database(path: directory + "/audit.sqlite", readOnly: true)
        func count(_ database: Database, _ table: String) throws -> Int64 {
            try database.queryOne("SELECT count(*) AS n FROM \(table)")?.int("n") ?? 0
        }
        return ["certificates": try count(pki, "certificates"), "sodIssuances": try count(pki, "sod_issuances"),
                "revocations": try count(pki, "revocations"), "journalEntries": try count(journal, "audit_entries")]
    }

    static func verifyJournal(in directory: String) throws {
        let report = try AuditReader(database: try Database(path: directory + "/audit.sqlite", readOnly: true)).verify()
        guard report.isValid else {
            throw MohurError.system("the journal in \(directory) does not verify: \(report.problems.prefix(3).joined(separator: "; "))")
        }
    }
}
