internal import CSQLite

/// One open SQLite connection: the sole owner of the `sqlite3` handle and, through its cache, of
/// every statement compiled on it. Deinit finalizes the statements, then closes the handle.
///
/// Not thread-safe and not `Sendable`. `Database` owns exactly one and only touches it while holding
/// its lock; that is why the handle is opened with `SQLITE_OPEN_NOMUTEX` (SQLite's "multi-thread"
/// mode): SQLite's own per-connection mutex would only repeat the serialisation we already do.
final class SQLiteConnection {
    let handle: OpaquePointer
    private var cache = SQLiteStatementCache()
    /// Nesting depth of `Database.transaction`: 0 outside, 1 in the outermost, more in savepoints.
    var transactionDepth = 0

    /// Opens (creating if needed, unless read-only) the database file. The parent directory must exist.
    static func open(path: String, readOnly: Bool) throws(StorageError) -> SQLiteConnection {
        let access = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var handle: OpaquePointer?
        let resultCode = sqlite3_open_v2(path, &handle, access | SQLITE_OPEN_NOMUTEX, nil)
        guard resultCode == SQLITE_OK, let handle else {
            let error = StorageError.sqlite(
                resultCode, connection: handle, fallback: .open,
                action: "Could not open the database at '\(path)'",
                advice: readOnly
                    ? "The file must exist and be readable by this process."
                    : "The parent directory must exist (it is not created) and be writable by this process."
            )
            // SQLite usually allocates a handle even when opening fails; it must still be closed.
            sqlite3_close_v2(handle)
            throw error
        }
        return SQLiteConnection(handle: handle)
    }

    private init(handle: OpaquePointer) {
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit {
        // Statements first: close_v2 would otherwise leave a zombie connection until they are finalized.
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: - State

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    var changes: Int { Int(sqlite3_changes64(handle)) }

    /// `true` when no transaction is open.
    var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    var cachedStatementCount: Int { cache.count }

    func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    // MARK: - Running statements

    /// Runs one statement with arguments or, when `arguments` is empty, a script of several.
    /// Single statements are cached; scripts (schema set-up, migrations) are run once and not cached.
    func execute(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) {
        try requireOpenTransactionIfExpected()
        if let cached = cache.statement(for: sql) {
            return try run(cached, arguments)
        }
        let (first, remainder) = try compile(sql, persistent: true)
        if containsStatement(remainder) {
            guard arguments.isEmpty else {
                throw StorageError(
                    code: .bind,
                    message: "Arguments can only be bound to a single statement, but the SQL contains several: "
                        + "\(StorageError.quoted(sql)). Execute the statements one at a time."
                )
            }
            if let first { try run(first, []) }
            return try executeScript(remainder)
        }
        guard let first else { return }  // Only whitespace or comments: nothing to do.
        cache.insert(first)
        try run(first, arguments)
    }

    /// Runs every statement of `sql` in order, each compiled only after the previous one ran
    /// (so a script may create a table and then fill it). Nothing is cached.
    func executeScript(_ sql: String) throws(StorageError) {
        var rest = sql
        while !rest.trimmingWhitespace.isEmpty {
            let (statement, remainder) = try compile(rest, persistent: false)
            if let statement { try run(statement, []) }
            guard remainder.utf8.count < rest.utf8.count else { return }
            rest = remainder
        }
    }

    func query(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) -> [Row] {
        try requireOpenTransactionIfExpected()
        let statement = try cachedStatement(for: sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        guard try statement.step() else { return [] }
        let columns = statement.columns()
        var rows: [Row] = []
        repeat {
            rows.append(statement.row(columns))
        } while try statement.step()
        return rows
    }

    /// Returns the first row and stops: the rest of the result is never computed.
    func queryOne(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) -> Row? {
        try requireOpenTransactionIfExpected()
        let statement = try cachedStatement(for: sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        guard try statement.step() else { return nil }
        return statement.row(statement.columns())
    }

    /// Rolls back the open transaction, if SQLite has not already done so itself.
    ///
    /// A failure here is deliberately not thrown: the caller is already propagating the error that
    /// caused the rollback, which is the one worth reporting. If the rollback did fail, the
    /// transaction stays open and the next `transaction` call refuses to run inside it.
    func rollbackIfOpen() {
        guard !isAutocommit else { return }
        try? run(cachedStatement(for: "ROLLBACK"), [])
    }

    /// Installs or removes an authorizer that refuses BEGIN, COMMIT and ROLLBACK at compile time.
    ///
    /// Migration scripts run inside a transaction the migrator owns; a COMMIT inside a script would
    /// make half a migration permanent without its version bump. Changing the authorizer expires
    /// every compiled statement, which SQLite then recompiles transparently on next use.
    func forbidTransactionControl(_ forbid: Bool) {
        if forbid {
            sqlite3_set_authorizer(handle, { _, action, _, _, _, _ in
                action == SQLITE_TRANSACTION ? SQLITE_DENY : SQLITE_OK
            }, nil)
        } else {
            sqlite3_set_authorizer(handle, nil, nil)
        }
    }

    // MARK: - Compiling

    /// The cached statement for `sql`, compiling and caching it on first use. Exactly one statement is allowed.
    private func cachedStatement(for sql: String) throws(StorageError) -> SQLiteStatement {
        if let cached = cache.statement(for: sql) { return cached }
        let (statement, remainder) = try compile(sql, persistent: true)
        guard let statement else {
            throw StorageError(code: .prepare, message: "The SQL contains no statement: \(StorageError.quoted(sql)).")
        }
        guard !containsStatement(remainder) else {
            throw StorageError(
                code: .prepare,
                message: "Only one statement is allowed here, but the SQL contains several: \(StorageError.quoted(sql)). "
                    + "Run scripts with execute() and no arguments."
            )
        }
        cache.insert(statement)
        return statement
    }

    /// Compiles the first statement of `sql`. Returns it (or `nil` if `sql` holds only whitespace and
    /// comments) and the text after it.
    ///
    /// `persistent` hints SQLite that the statement will be reused many times (cached statements),
    /// so it allocates it from the heap rather than its lookaside pool meant for short-lived objects.
    private func compile(_ sql: String, persistent: Bool) throws(StorageError) -> (SQLiteStatement?, String) {
        let byteCount = sql.utf8.count
        guard byteCount < Int(Int32.max) else {
            throw StorageError(code: .prepare, message: "The SQL is \(byteCount) bytes long, more than SQLite accepts.")
        }
        var compiled: OpaquePointer?
        var consumed = byteCount
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let resultCode = sql.withCString { start in
            var tail: UnsafePointer<CChar>?
            // A length that includes the NUL terminator is, per the SQLite docs, slightly faster to compile.
            let resultCode = sqlite3_prepare_v3(handle, start, Int32(byteCount + 1), flags, &compiled, &tail)
            if let tail { consumed = min(byteCount, start.distance(to: tail)) }
            return resultCode
        }
        guard resultCode == SQLITE_OK else {
            let offset = sqlite3_error_offset(handle)
            throw StorageError.sqlite(
                resultCode, connection: handle, fallback: .prepare,
                action: "Could not prepare SQL", sql: sql,
                advice: (offset >= 0 ? "The error is near byte \(offset) of the SQL. " : "")
                    + "Check the syntax, and that the tables and columns exist (have the migrations run?)."
            )
        }
        let statement = compiled.map { SQLiteStatement(handle: $0, sql: sql) }
        let remainder = consumed < byteCount ? String(decoding: sql.utf8.dropFirst(consumed), as: UTF8.self) : ""
        return (statement, remainder)
    }

    /// Whether `sql` holds at least one statement, not just whitespace, semicolons and comments.
    /// Text that fails to compile counts as a statement: executing it will report the error properly
    /// (often it only fails now because it needs a table that an earlier statement creates).
    private func containsStatement(_ sql: String) -> Bool {
        var rest = sql
        while !rest.trimmingWhitespace.isEmpty {
            guard let compiled = try? compile(rest, persistent: false) else { return true }
            let (statement, remainder) = compiled
            if statement != nil { return true }
            guard remainder.utf8.count < rest.utf8.count else { return false }
            rest = remainder
        }
        return false
    }

    private func run(_ statement: SQLiteStatement, _ arguments: [any SQLValueConvertible]) throws(StorageError) {
        defer { statement.reset() }
        try statement.bind(arguments)
        try statement.runToCompletion()
    }

    /// Inside `transaction`, refuses to run a statement if SQLite has already rolled the transaction
    /// back on its own (it does so after errors such as a full disk or an I/O error). Without this check
    /// the statement would run in autocommit mode, outside the transaction the caller believes it is in.
    private func requireOpenTransactionIfExpected() throws(StorageError) {
        guard transactionDepth > 0, isAutocommit else { return }
        throw StorageError(
            code: .step,
            message: "The enclosing transaction was already rolled back by SQLite after an earlier error "
                + "(for example a full disk or an I/O error). Let the transaction body fail instead of "
                + "catching that error and continuing."
        )
    }
}
