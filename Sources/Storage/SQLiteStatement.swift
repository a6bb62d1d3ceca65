internal import CSQLite

/// `SQLITE_TRANSIENT`, which Swift cannot import because it is a macro casting -1 to a function pointer.
///
/// It tells SQLite to copy text and blob arguments before `sqlite3_bind_*` returns, so the Swift
/// buffer only has to live for the duration of that call. The copy costs far less than statement
/// compilation, which the cache already avoids. A computed property rather than a global constant,
/// so there is no shared mutable-looking state for strict concurrency to reason about.
private var sqliteTransient: sqlite3_destructor_type {
    unsafeBitCast(-1 as Int, to: sqlite3_destructor_type.self)
}

/// A compiled statement. It is the sole owner of its `sqlite3_stmt` handle and finalizes it on deinit.
///
/// Not thread-safe and not `Sendable`: it is only ever used by its `SQLiteConnection`, under the
/// database lock. Between uses it is kept reset with its bindings cleared, so a cached statement
/// never holds a read transaction open or retains a copy of a previous caller's (possibly sensitive) arguments.
final class SQLiteStatement {
    let handle: OpaquePointer
    let sql: String
    /// Logical clock of the last use, for least-recently-used eviction from the cache.
    var lastUse: UInt64 = 0

    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    private var connection: OpaquePointer? { sqlite3_db_handle(handle) }

    /// The text of this statement alone, for error messages. Differs from `sql` when the statement
    /// was compiled from a script: SQLite keeps only the part up to the end of this statement.
    private var statementText: String {
        sqlite3_sql(handle).map { String(cString: $0) } ?? sql
    }

    /// Binds `arguments` to the `?` parameters in order. The count must match exactly: a missing
    /// argument would silently bind `NULL`, which is never what the caller meant.
    func bind(_ arguments: [any SQLValueConvertible]) throws(StorageError) {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard arguments.count == expected else {
            throw StorageError(
                code: .bind,
                message: "The statement has \(expected) parameter(s) but \(arguments.count) argument(s) were given. "
                    + "SQL: \(StorageError.quoted(statementText)). Pass exactly one argument per '?'."
            )
        }
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let resultCode = bind(argument.sqlValue, at: index)
            guard resultCode == SQLITE_OK else {
                throw StorageError.sqlite(
                    resultCode, connection: connection, fallback: .bind,
                    action: "Could not bind argument \(index)", sql: statementText,
                    advice: "The value is too large for SQLite or the statement is in an invalid state."
                )
            }
        }
    }

    private func bind(_ value: SQLValue, at index: Int32) -> Int32 {
        switch value {
        case .null:
            return sqlite3_bind_null(handle, index)
        case .integer(let value):
            return sqlite3_bind_int64(handle, index, value)
        case .real(let value):
            return sqlite3_bind_double(handle, index, value)
        case .text(let value):
            // Explicit length (not a C string) so text containing U+0000 survives intact. An empty
            // string still needs a non-NULL pointer, otherwise SQLite would bind NULL instead of ''.
            var text = value
            return text.withUTF8 { bytes in
                guard let base = bytes.baseAddress else {
                    return sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
                }
                return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { characters in
                    sqlite3_bind_text64(
                        handle, index, characters, sqlite3_uint64(bytes.count),
                        sqliteTransient, UInt8(SQLITE_UTF8)
                    )
                }
            }
        case .blob(let bytes):
            // A NULL pointer would bind NULL; an empty blob must stay an empty blob.
            guard !bytes.isEmpty else { return sqlite3_bind_zeroblob(handle, index, 0) }
            return bytes.withUnsafeBytes { buffer in
                sqlite3_bind_blob64(handle, index, buffer.baseAddress, sqlite3_uint64(buffer.count), sqliteTransient)
            }
        }
    }

    /// Advances one step. Returns `true` when a row is available, `false` when the statement is done.
    func step() throws(StorageError) -> Bool {
        let resultCode = sqlite3_step(handle)
        switch resultCode {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            return false
        default:
            throw StorageError.sqlite(
                resultCode, connection: connection, fallback: .step,
                action: "Statement failed", sql: statementText,
                advice: "Check the disk (space, permissions) and the SQLite error above."
            )
        }
    }

    /// Runs the statement to completion, discarding any rows it returns (e.g. from a PRAGMA).
    func runToCompletion() throws(StorageError) {
        while try step() {}
    }

    /// Returns the statement to its initial state and drops the argument copies.
    /// The result code of `sqlite3_reset` repeats the last step's error, which was already reported.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func columns() -> SQLiteColumns {
        let count = sqlite3_column_count(handle)
        var names: [String] = []
        names.reserveCapacity(Int(count))
        for index in 0..<count {
            names.append(sqlite3_column_name(handle, index).map { String(cString: $0) } ?? "column\(index)")
        }
        return SQLiteColumns(names: names)
    }

    /// Copies the current row out of SQLite's buffers, which are invalidated by the next step.
    func row(_ columns: SQLiteColumns) -> Row {
        let count = sqlite3_column_count(handle)
        var values: [SQLValue] = []
        values.reserveCapacity(Int(count))
        for index in 0..<count {
            values.append(value(at: index))
        }
        return Row(columns: columns, values: values)
    }

    private func value(at index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            // Pointer first, then length: that order is what SQLite documents as safe.
            guard let characters = sqlite3_column_text(handle, index) else { return .text("") }
            let length = Int(sqlite3_column_bytes(handle, index))
            return .text(String(decoding: UnsafeBufferPointer(start: characters, count: length), as: UTF8.self))
        case SQLITE_BLOB:
            guard let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            let length = Int(sqlite3_column_bytes(handle, index))
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: length)))
        default:
            return .null
        }
    }
}
