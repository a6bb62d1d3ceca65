internal import CSQLite

/// One step of schema evolution. Versions are positive, unique and applied in ascending order.
///
/// `sql` may hold several statements. It runs inside a transaction owned by `migrate`, so it must not
/// contain BEGIN, COMMIT or ROLLBACK (they are refused), nor statements that cannot run in a
/// transaction (VACUUM). `PRAGMA foreign_keys` cannot be changed inside a transaction either; when
/// rebuilding a table, order the statements so that foreign keys stay satisfied.
///
/// Never edit a migration that has shipped: databases already at its version will not run it again.
/// Add a new one instead.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
    /// The same step in PostgreSQL's SQL; nil where the schema has no PostgreSQL form yet (such
    /// a database is refused on PostgreSQL with a message that says so).
    public let postgresql: String?

    public init(version: Int, name: String, sql: String, postgresql: String? = nil) {
        self.version = version
        self.name = name
        self.sql = sql
        self.postgresql = postgresql
    }

    func script(for dialect: SQLDialect) throws(StorageError) -> String {
        switch dialect {
        case .sqlite: return sql
        case .postgresql:
            guard let postgresql else {
                throw StorageError(code: .migration, message: "migration \(version) '\(name)' has no PostgreSQL form yet: this store runs on SQLite only")
            }
            return postgresql
        }
    }
}

extension Database {
    /// Brings the schema up to the newest of `migrations`.
    ///
    /// The current version is SQLite's `user_version` header field. Each pending migration runs in its
    /// own `BEGIN IMMEDIATE` transaction together with the `user_version` update, so a crash or error
    /// leaves the database at the previous version, never half-migrated. The version is re-read once the
    /// write lock is held, so two processes migrating the same file at once apply each step only once.
    ///
    /// A database whose version is newer than any migration given was written by a newer build; it is
    /// refused rather than used, because this code cannot know what the newer schema means.
    public func migrate(_ migrations: [Migration]) throws(StorageError) {
        let ordered = try Migration.validated(migrations)
        try lock.withLock { () throws(StorageError) in
            guard connection.transactionDepth == 0 else {
                throw StorageError(code: .migration, message: "migrate() cannot run inside transaction(); call it on its own at start-up.")
            }
            let known = ordered.last?.version ?? 0
            let schema = ordered.first?.name ?? ""
            let current = try connection.userVersion(schema: schema)
            guard current <= known else {
                throw StorageError(
                    code: .migration,
                    message: "The database at '\(path)' has schema version \(current), but this build only knows "
                        + "migrations up to version \(known): it was written by a newer version of Mohur. "
                        + "Run that version or a newer one, or restore a backup taken for this version. "
                        + "The database was not modified."
                )
            }
            for migration in ordered where migration.version > current {
                try apply(migration, schema: schema)
            }
        }
    }

    /// Must be called under the lock.
    private func apply(_ migration: Migration, schema: String) throws(StorageError) {
        do throws(StorageError) {
            let script = try migration.script(for: connection.dialect)
            try connection.begin(readOnly: false)
            let current = try connection.userVersion(schema: schema)
            guard current < migration.version else {
                // Another process applied it after we first looked.
                try connection.execute("COMMIT", [])
                return
            }
            // Only around the script: our own COMMIT below must compile without the authorizer.
            connection.forbidTransactionControl(true)
            do {
                try connection.executeScript(script)
            } catch {
                connection.forbidTransactionControl(false)
                throw error
            }
            connection.forbidTransactionControl(false)
            guard !connection.isAutocommit else {
                throw StorageError(code: .migration, message: "The script ended the migration's transaction itself.")
            }
            try connection.setUserVersion(migration.version, schema: schema)
            try connection.execute("COMMIT", [])
        } catch {
            connection.rollbackIfOpen()
            let advice = error.sqliteCode == SQLITE_AUTH
                ? " Migration scripts must not contain BEGIN, COMMIT or ROLLBACK: migrate() wraps each one in its own transaction."
                : ""
            throw StorageError(
                code: .migration,
                message: "Migration \(migration.version) '\(migration.name)' failed and was rolled back; "
                    + "the database was left at its previous version. \(error.message)\(advice)",
                sqliteCode: error.sqliteCode
            )
        }
    }
}

extension Migration {
    /// Sorted by version; refuses versions that are not positive 32-bit integers or appear twice.
    static func validated(_ migrations: [Migration]) throws(StorageError) -> [Migration] {
        let ordered = migrations.sorted { $0.version < $1.version }
        var previous = 0
        for migration in ordered {
            guard migration.version > 0, migration.version <= Int(Int32.max) else {
                throw StorageError(
                    code: .migration,
                    message: "Migration '\(migration.name)' has version \(migration.version); versions must be between 1 and \(Int32.max)."
                )
            }
            guard migration.version != previous else {
                throw StorageError(
                    code: .migration,
                    message: "Two migrations have version \(migration.version); every version must be unique."
                )
            }
            previous = migration.version
        }
        return ordered
    }
}
