internal import CSQLite

/// The two SQL dialects Mohur's storage speaks.
public enum SQLDialect: String, Sendable {
    /// The embedded default: one file per database (`make run`, border posts, tests).
    case sqlite
    /// The central complex: a primary with a synchronous standby.
    case postgresql
}

/// What `Database` needs of a connection. SQLite's and PostgreSQL's implement it; the
/// repositories above `Database` are written once, in SQL both accept.
protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    var transactionDepth: Int { get set }
    var isAutocommit: Bool { get }
    var changes: Int { get }
    func execute(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError)
    func query(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) -> [Row]
    func queryOne(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) -> Row?
    func executeScript(_ sql: String) throws(StorageError)
    /// Runs an INSERT into a table with an `id` key and returns the new row's id.
    func insert(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) -> Int64
    func rollbackIfOpen()
    /// Opens the outermost transaction. A writing one holds the database's write lock from its
    /// start, so that what it reads cannot change before it writes.
    func begin(readOnly: Bool) throws(StorageError)
    /// The version `migrate` recorded for the schema whose first migration is named `schema`
    /// (a SQLite file holds one schema; a PostgreSQL database may hold the PKI's and the journal's).
    func userVersion(schema: String) throws(StorageError) -> Int
    /// Inside the migration's transaction.
    func setUserVersion(_ version: Int, schema: String) throws(StorageError)
    func forbidTransactionControl(_ forbid: Bool)
}

extension SQLiteConnection: SQLConnection {
    var dialect: SQLDialect { .sqlite }

    func insert(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) -> Int64 {
        try execute(sql, arguments)
        return lastInsertRowID
    }

    func begin(readOnly: Bool) throws(StorageError) {
        try execute(readOnly ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE", [])
    }

    func userVersion(schema: String) throws(StorageError) -> Int { try userVersion() }

    func setUserVersion(_ version: Int, schema: String) throws(StorageError) {
        // A validated integer: interpolating it is safe (PRAGMA cannot take parameters).
        try executeScript("PRAGMA user_version = \(version)")
    }
}

extension PostgreSQLConnection: SQLConnection {
    var dialect: SQLDialect { .postgresql }

    /// `RETURNING id`: the new row's key in the same round trip (no `lastval()` after it).
    func insert(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) -> Int64 {
        guard let row = try queryOne(sql + " RETURNING id", arguments) else {
            throw StorageError(code: .invalidData, message: "INSERT … RETURNING id returned no row: \(sql.prefix(200))")
        }
        return try row.int("id")
    }

    /// `BEGIN`, then a transaction-scoped advisory lock that every writer of this database
    /// takes: writers queue as SQLite's `BEGIN IMMEDIATE` makes them, so a transaction that reads
    /// the journal's frontier and appends to it is never interleaved with another's.
    func begin(readOnly: Bool) throws(StorageError) {
        try execute(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", [])
        if !readOnly, takesWriterLock { try execute("SELECT pg_advisory_xact_lock(\(Self.writerLock))", []) }
    }

    /// The advisory lock key of Mohur's writers ("MOHUR" in ASCII).
    static let writerLock: Int64 = 0x4D4F_4855_52

    func userVersion(schema: String) throws(StorageError) -> Int {
        try executeScript("CREATE TABLE IF NOT EXISTS mohur_schema_versions (schema TEXT PRIMARY KEY, version BIGINT NOT NULL)")
        return Int(try queryOne("SELECT version FROM mohur_schema_versions WHERE schema = ?", [schema])?.int("version") ?? 0)
    }

    func setUserVersion(_ version: Int, schema: String) throws(StorageError) {
        try execute("INSERT INTO mohur_schema_versions(schema, version) VALUES (?, ?) ON CONFLICT (schema) DO UPDATE SET version = excluded.version",
                    [schema, version])
    }

    /// PostgreSQL has no statement authorizer; `migrate` checks afterwards that the script left
    /// its transaction open.
    func forbidTransactionControl(_ forbid: Bool) {}
}
