import Audit
import Foundation
import HSM
import MohurCore
import MohurTestSupport
import Storage

/// A journal in a temporary directory, signed by a software P-256 key (the HSM path is
/// exercised by the checkpoint test and the CLI tests).
struct JournalFixture {
    let directory: TemporaryDirectory
    let database: Database
    let log: AuditLog
    var reader: AuditReader { log.reader }
    var path: String { directory.path("audit.sqlite") }

    init(checkpointInterval: TimeInterval = 3600, signer: (any Signer)? = nil, origin: String = "iamas.az/mohur/audit-test") throws {
        directory = try TemporaryDirectory("mohur-audit")
        database = try AuditLog.openDatabase(path: directory.path("audit.sqlite"))
        let key = try signer ?? SoftwareKeySigner.generate(.ec(.p256), path: directory.path("journal.p8.pem"), passphrase: "test")
        try AuditLog.create(database: database, origin: origin, signer: key)
        log = try AuditLog(database: database, signer: key, checkpointInterval: checkpointInterval)
    }

    /// An action whose details carry `n`, so that every entry differs.
    static func action(_ n: Int, operation: String = "test.append") throws -> AuditRecord {
        .action(try AuditAction(.securityAction, operation: operation, actor: .localOfficer, target: "entry-\(n)",
                                outcome: .success, details: ["n": .integer(Int64(n))]))
    }

    /// Appends `count` entries, one per call.
    func append(_ count: Int, from start: Int = 0) throws {
        for n in start..<(start + count) { try log.append(try Self.action(n)) }
    }

    /// The administrator's view: raw SQL past the append-only triggers.
    func tamper(_ sql: String, _ arguments: [any SQLValueConvertible] = []) throws {
        for table in ["entries", "nodes", "checkpoints"] {
            try database.execute("DROP TRIGGER IF EXISTS audit_\(table)_no_update")
            try database.execute("DROP TRIGGER IF EXISTS audit_\(table)_no_delete")
        }
        try database.execute(sql, arguments)
    }
}

enum SoftwareKeyFile {
    /// The fixture's software journal key, loaded again.
    static func signer(_ journal: JournalFixture) throws -> any Signer {
        try SoftwareKeySigner.load(path: journal.directory.path("journal.p8.pem"), passphrase: "test")
    }
}
