/// Compiled statements keyed by their exact SQL text, with least-recently-used eviction.
///
/// Why: compiling SQL costs far more than running a small INSERT, and the audit log appends the
/// same statement thousands of times per second. Why bounded: SQL built dynamically (for example
/// `IN (?, ?, …)` lists of varying length) would otherwise grow the cache, and SQLite's memory, forever.
/// Eviction scans linearly, which only happens on a miss with a full cache.
///
/// The cache is the only owner of the statements in it; removing one finalizes it. Used only by
/// `SQLiteConnection`, under the database lock.
struct SQLiteStatementCache {
    static let defaultCapacity = 256

    private var statements: [String: SQLiteStatement] = [:]
    private var clock: UInt64 = 0
    let capacity: Int

    init(capacity: Int = SQLiteStatementCache.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    var count: Int { statements.count }

    mutating func statement(for sql: String) -> SQLiteStatement? {
        guard let statement = statements[sql] else { return nil }
        clock &+= 1
        statement.lastUse = clock
        return statement
    }

    mutating func insert(_ statement: SQLiteStatement) {
        if statements.count >= capacity, statements[statement.sql] == nil,
           let oldest = statements.values.min(by: { $0.lastUse < $1.lastUse }) {
            statements[oldest.sql] = nil
        }
        clock &+= 1
        statement.lastUse = clock
        statements[statement.sql] = statement
    }

    /// Drops (and so finalizes) every statement; the connection does this before closing.
    mutating func removeAll() {
        statements.removeAll()
    }
}
