/// A SQLite database: one connection, safe to share between tasks.
///
/// ## Concurrency
/// The class is `@unchecked Sendable` because its only mutable state, the `SQLiteConnection` (the C
/// handle and its statement cache), is touched exclusively inside `lock.withLock`, so at most one thread
/// uses the connection at any moment, as SQLite's multi-thread mode requires. `path` and `isReadOnly`
/// are immutable. Every public method returns only values (`Row`, integers) that hold no SQLite
/// resources, so nothing escapes the lock. A `transaction` holds the lock for the whole body, so other
/// tasks wait rather than interleave statements into it: keep transaction bodies short and synchronous.
///
/// Waiting blocks the calling thread. That is acceptable for the short statements this layer runs;
/// a workload needing parallel readers should open more `Database` instances on the same file (WAL
/// lets readers proceed while one writer writes).
///
/// ## Durability settings
/// Files use write-ahead logging: readers do not block the writer or each other, and a commit is a
/// sequential append to the log instead of rewriting pages in place, which is what lets the audit log
/// sustain thousands of appends per second. With WAL, `synchronous = NORMAL` never corrupts the
/// database; it only lets the last transactions before a power loss (not a process crash) be lost,
/// because the log is synced at checkpoints rather than at each commit. Where each commit must survive
/// power loss (audit records), open with `.full` and batch appends into transactions to amortise the fsync.
public final class Database: @unchecked Sendable {
    /// How hard SQLite works to make a commit durable.
    public enum Synchronous: Sendable {
        /// Sync at WAL checkpoints: crash-safe and consistent; a power loss may drop the latest commits.
        case normal
        /// Sync the WAL at every commit: a committed transaction survives power loss.
        case full

        var pragmaValue: String {
            switch self {
            case .normal: "NORMAL"
            case .full: "FULL"
            }
        }
    }

    /// The default time a statement waits for another connection's lock before failing with `.busy`.
    public static let defaultBusyTimeoutMilliseconds = 5_000

    /// The file path, or `":memory:"`.
    public let path: String
    public let isReadOnly: Bool

    let lock = DatabaseLock()
    /// Only ever accessed inside `lock.withLock`.
    let connection: any SQLConnection
    /// Which SQL this database speaks (for the few statements that differ, and migrations).
    public var dialect: SQLDialect { connection.dialect }

    /// Opens, creating it if needed, the database file at `path`, whose parent directory must exist.
    ///
    /// The connection is configured with WAL journaling (files opened read-write), the chosen
    /// `synchronous` level, `foreign_keys = ON` (SQLite leaves them off by default, per connection)
    /// and a busy timeout, so short lock conflicts with other processes are waited out, not reported.
    public init(
        path: String,
        readOnly: Bool = false,
        synchronous: Synchronous = .normal,
        busyTimeoutMilliseconds: Int = Database.defaultBusyTimeoutMilliseconds
    ) throws(StorageError) {
        self.path = path
        self.isReadOnly = readOnly
        // If configuration fails, the connection is released here and its deinit closes the handle.
        let connection = try SQLiteConnection.open(path: path, readOnly: readOnly)
        do {
            try Self.configure(
                connection, isMemory: path == ":memory:" || path.isEmpty, readOnly: readOnly,
                synchronous: synchronous, busyTimeoutMilliseconds: busyTimeoutMilliseconds
            )
        } catch {
            throw StorageError(
                code: error.code,
                message: "Could not open the database at '\(path)': \(error.message)",
                sqliteCode: error.sqliteCode
            )
        }
        self.connection = connection
    }

    /// Connects to PostgreSQL with a libpq connection string (a URI or key=value pairs), e.g.
    /// `postgresql://mohur@db1,db2/mohur?target_session_attrs=read-write` for a primary and its
    /// standby: after a failover the next statement outside a transaction reconnects to the new
    /// primary. `path` shows the string without its password.
    ///
    /// With `independentWrites`, write transactions skip the writer lock that orders Mohur's
    /// writers: for a connection whose writes are single-row claims that a unique key decides
    /// (the replay cache), so that they never queue behind another store's transactions.
    public init(postgresql conninfo: String, independentWrites: Bool = false) throws(StorageError) {
        path = PostgreSQLConnection.redacted(conninfo)
        isReadOnly = false
        let connection = try PostgreSQLConnection(conninfo: conninfo)
        connection.takesWriterLock = !independentWrites
        self.connection = connection
    }

    /// A PostgreSQL connection string without its password, for messages.
    public static func redacted(_ conninfo: String) -> String { PostgreSQLConnection.redacted(conninfo) }

    /// A private, empty in-memory database, discarded when the instance is released. For tests and scratch work.
    public static func inMemory() throws(StorageError) -> Database {
        try Database(path: ":memory:")
    }

    private static func configure(
        _ connection: SQLiteConnection,
        isMemory: Bool,
        readOnly: Bool,
        synchronous: Synchronous,
        busyTimeoutMilliseconds: Int
    ) throws(StorageError) {
        connection.setBusyTimeout(milliseconds: Int32(clamping: max(0, busyTimeoutMilliseconds)))
        if !isMemory && !readOnly {
            // Reading the mode also proves the file is a SQLite database (else `.corrupt`).
            let mode = try connection.queryOne("PRAGMA journal_mode = WAL", [])
            guard let mode, case .text(let name) = mode.values.first, name.lowercased() == "wal" else {
                throw StorageError(
                    code: .open,
                    message: "SQLite could not switch the journal to WAL mode. WAL needs a local file system "
                        + "with shared-memory support (not a network share); move the database to local storage."
                )
            }
        }
        try connection.executeScript("PRAGMA synchronous = \(synchronous.pragmaValue); PRAGMA foreign_keys = ON;")
    }

    // MARK: - Statements

    /// Runs one statement with `arguments` bound to its `?` parameters in order. With no arguments,
    /// `sql` may also be a script of several statements separated by semicolons.
    public func execute(_ sql: String, _ arguments: [any SQLValueConvertible] = []) throws(StorageError) {
        try lock.withLock { () throws(StorageError) in
            try connection.execute(sql, arguments)
        }
    }

    /// Runs one statement and returns all of its rows.
    public func query(_ sql: String, _ arguments: [any SQLValueConvertible] = []) throws(StorageError) -> [Row] {
        try lock.withLock { () throws(StorageError) -> [Row] in
            try connection.query(sql, arguments)
        }
    }

    /// Runs one statement and returns its first row, or `nil` if it returns none. Further rows are not computed.
    public func queryOne(_ sql: String, _ arguments: [any SQLValueConvertible] = []) throws(StorageError) -> Row? {
        try lock.withLock { () throws(StorageError) -> Row? in
            try connection.queryOne(sql, arguments)
        }
    }

    /// Runs an INSERT and returns the rowid of the inserted row, read under the same lock
    /// so that a concurrent insert from another task cannot be reported instead.
    @discardableResult
    public func insert(_ sql: String, _ arguments: [any SQLValueConvertible] = []) throws(StorageError) -> Int64 {
        try lock.withLock { () throws(StorageError) -> Int64 in
            try connection.insert(sql, arguments)
        }
    }

    /// Runs an UPDATE or DELETE and returns how many rows it changed, read under the same lock.
    /// Prefer this to `execute` followed by `changes()` when other tasks share the database.
    @discardableResult
    public func update(_ sql: String, _ arguments: [any SQLValueConvertible] = []) throws(StorageError) -> Int {
        try lock.withLock { () throws(StorageError) -> Int in
            try connection.execute(sql, arguments)
            return connection.changes
        }
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE on this connection. Another task's
    /// statement may run in between unless both calls are inside one `transaction` body; see `update`.
    public func changes() -> Int {
        lock.withLock { connection.changes }
    }

    /// The schema version recorded by `migrate` (SQLite's `user_version`); 0 for a new database.
    public func schemaVersion(of migrations: [Migration] = []) throws(StorageError) -> Int {
        try lock.withLock { () throws(StorageError) -> Int in
            try connection.userVersion(schema: migrations.first?.name ?? "")
        }
    }
}

extension SQLiteConnection {
    func userVersion() throws(StorageError) -> Int {
        guard let row = try queryOne("PRAGMA user_version", []), case .integer(let version) = row.values.first else {
            throw StorageError(code: .invalidData, message: "PRAGMA user_version returned no integer.")
        }
        return Int(version)
    }
}
