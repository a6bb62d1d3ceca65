internal import CSQLite

/// Every failure of the storage layer.
///
/// `message` is written for the operator reading a log line: SQLite's own error text, the SQL that
/// failed and what to do about it. It never contains bound argument values, because those may be
/// sensitive (subject names, serial numbers of revoked certificates, key identifiers). SQL text is
/// included verbatim, so callers must bind values rather than interpolating them into SQL.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The database file could not be opened or configured.
        case open
        /// The SQL could not be compiled (syntax error, unknown table or column, several statements where one is allowed).
        case prepare
        /// Executing a statement failed for a reason not covered by a more specific code.
        case step
        /// Arguments did not match the statement's parameters.
        case bind
        /// A UNIQUE, PRIMARY KEY, NOT NULL, CHECK or FOREIGN KEY constraint was violated.
        case constraint
        /// Another connection held a lock for longer than the busy timeout.
        case busy
        /// The file is damaged or is not a SQLite database.
        case corrupt
        /// A schema migration failed or the database is newer than this code.
        case migration
        /// A requested record does not exist (for use by repositories built on this layer).
        case notFound
        /// A stored value does not have the expected type or a result column is missing.
        case invalidData
    }

    public let code: Code
    public let message: String
    /// The extended SQLite result code (for example 2067 for `SQLITE_CONSTRAINT_UNIQUE`), or 0 when
    /// the error did not come from SQLite.
    public let sqliteCode: Int32

    public init(code: Code, message: String, sqliteCode: Int32 = 0) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
    }

    public var description: String {
        sqliteCode == 0
            ? "StorageError.\(code): \(message)"
            : "StorageError.\(code) (SQLite \(sqliteCode)): \(message)"
    }
}

extension StorageError {
    /// Longest SQL quoted in a message; migration scripts can be long and logs should stay readable.
    private static let maximumQuotedSQL = 1_000

    /// Builds an error from a failed SQLite call, classifying it by the primary result code.
    ///
    /// - Parameters:
    ///   - resultCode: the (possibly extended) code the call returned.
    ///   - connection: the connection, used for `sqlite3_errmsg`; must be read before any other call.
    ///   - fallback: the code used when the result code has no more specific classification.
    ///   - action: what we were doing, e.g. "Could not prepare SQL".
    ///   - sql: the statement text, quoted in the message; never the bound values.
    ///   - advice: what to do when the failure is not one of the classified ones.
    static func sqlite(
        _ resultCode: Int32,
        connection: OpaquePointer?,
        fallback: Code,
        action: String,
        sql: String? = nil,
        advice: String? = nil
    ) -> StorageError {
        let primary = resultCode & 0xFF
        let code: Code
        var hint = advice
        switch primary {
        case SQLITE_CONSTRAINT:
            code = .constraint
            hint = constraintAdvice(resultCode)
        case SQLITE_BUSY, SQLITE_LOCKED:
            code = .busy
            hint = "Another connection or process held the database lock for longer than the busy timeout. "
                + "Retry later, and keep write transactions short."
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            code = .corrupt
            hint = "The file is damaged or is not a SQLite database. Stop writing to it and restore from a backup."
        default:
            code = fallback
        }
        var text = "\(action): \(errorMessage(connection, resultCode))"
        if let sql { text += ". SQL: \(quoted(sql))" }
        if let hint { text += ". \(hint)" }
        return StorageError(code: code, message: text, sqliteCode: resultCode)
    }

    /// SQLite's message for the most recent failure on `connection`, or the generic text for `resultCode`.
    static func errorMessage(_ connection: OpaquePointer?, _ resultCode: Int32) -> String {
        if let connection, let message = sqlite3_errmsg(connection) {
            return String(cString: message)
        }
        if let generic = sqlite3_errstr(resultCode) {
            return String(cString: generic)
        }
        return "SQLite error \(resultCode)"
    }

    static func quoted(_ sql: String) -> String {
        let trimmed = sql.trimmingWhitespace
        guard trimmed.count > maximumQuotedSQL else { return "«\(trimmed)»" }
        return "«\(trimmed.prefix(maximumQuotedSQL))…» (truncated)"
    }

    /// SQLite names the failing columns (UNIQUE, NOT NULL) or the constraint itself (named CHECK)
    /// in its message; these hints add what it leaves out.
    private static func constraintAdvice(_ extendedCode: Int32) -> String {
        // Extended codes are C macros built with `|` and `<<`, which Swift does not import.
        let foreignKey = SQLITE_CONSTRAINT | (3 << 8)
        let primaryKey = SQLITE_CONSTRAINT | (6 << 8)
        let unique = SQLITE_CONSTRAINT | (8 << 8)
        switch extendedCode {
        case foreignKey:
            return "A FOREIGN KEY constraint failed; SQLite does not say which one, "
                + "run PRAGMA foreign_key_check on the table to find it. Do not retry: the data is inconsistent."
        case unique, primaryKey:
            return "A row with the same key already exists. Do not retry: treat this as a conflict."
        default:
            return "The data violates the schema. Do not retry: fix the input."
        }
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }),
              let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
