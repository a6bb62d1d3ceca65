extension Database {
    /// Runs `body` in a transaction: commits if it returns, rolls back if it throws, and rethrows.
    ///
    /// The outermost call uses `BEGIN IMMEDIATE`, which takes the write lock up front. With a plain
    /// (deferred) `BEGIN`, a transaction that reads and then writes can fail with `SQLITE_BUSY`
    /// immediately, without waiting out the busy timeout, if another connection wrote in between.
    /// Read-only databases use a deferred `BEGIN`, which gives a consistent snapshot for reads.
    ///
    /// A call nested inside another transaction's body becomes a `SAVEPOINT`: if the inner body throws,
    /// only its changes are undone, and the outer body may catch the error and carry on.
    ///
    /// The database lock is held for the whole body, so other tasks wait until it ends. `body` may use
    /// the `Database` it receives or the one it captured; they are the same object. Do not run
    /// BEGIN, COMMIT or ROLLBACK yourself through `execute`.
    public func transaction<T>(_ body: (Database) throws -> T) throws -> T {
        try lock.withLock { () throws -> T in
            connection.transactionDepth == 0 ? try outermostTransaction(body) : try savepoint(body)
        }
    }

    /// Whether the calling thread is inside a `transaction` body of this database.
    public var isInTransactionOnThisThread: Bool {
        lock.isHeldByCurrentThread && connection.transactionDepth > 0
    }

    private func outermostTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        guard connection.isAutocommit else {
            throw StorageError(
                code: .step,
                message: "A transaction is already open on this connection outside transaction() "
                    + "(BEGIN run through execute(), or a failed rollback). Refusing to run inside it; "
                    + "use transaction() only."
            )
        }
        try connection.begin(readOnly: isReadOnly)
        connection.transactionDepth = 1
        defer { connection.transactionDepth = 0 }
        do {
            let result = try body(self)
            try connection.execute("COMMIT", [])
            return result
        } catch {
            // Also covers a failed COMMIT (e.g. a deferred foreign key violation), which leaves the transaction open.
            connection.rollbackIfOpen()
            throw error
        }
    }

    private func savepoint<T>(_ body: (Database) throws -> T) throws -> T {
        let depth = connection.transactionDepth + 1
        // Names only need to be unique among the savepoints open at once, i.e. per depth.
        let name = "mohur_savepoint_\(depth)"
        try connection.execute("SAVEPOINT \(name)", [])
        connection.transactionDepth = depth
        defer { connection.transactionDepth = depth - 1 }
        do {
            let result = try body(self)
            try connection.execute("RELEASE \(name)", [])
            return result
        } catch {
            // ROLLBACK TO undoes the savepoint's changes but keeps it open; RELEASE then removes it.
            // If SQLite already rolled back the whole transaction, there is nothing left to undo.
            if !connection.isAutocommit {
                try? connection.execute("ROLLBACK TO \(name)", [])
                try? connection.execute("RELEASE \(name)", [])
            }
            throw error
        }
    }
}
