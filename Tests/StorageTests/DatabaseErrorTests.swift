import Testing
@testable import Storage

@Suite("Errors are classified and explain themselves")
struct DatabaseErrorTests {
    private func makeDatabase() throws -> Database {
        let db = try Database.inMemory()
        try db.execute("""
            CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                email TEXT NOT NULL,
                balance INTEGER NOT NULL DEFAULT 0,
                CONSTRAINT users_email_unique UNIQUE (email),
                CONSTRAINT balance_not_negative CHECK (balance >= 0)
            );
            CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id));
            """)
        return db
    }

    @Test func uniqueViolationNamesTheColumnsAndHidesTheValue() throws {
        let db = try makeDatabase()
        let secret = "very-secret@example.az"
        try db.execute("INSERT INTO users (email) VALUES (?)", [secret])
        let error = #expect(throws: StorageError.self) {
            try db.execute("INSERT INTO users (email) VALUES (?)", [secret])
        }
        #expect(error?.code == .constraint)
        #expect(error?.sqliteCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
        #expect(error?.message.contains("UNIQUE constraint failed: users.email") == true)
        #expect(error?.message.contains("INSERT INTO users (email) VALUES (?)") == true)
        #expect(error?.message.contains(secret) == false)
    }

    @Test func checkViolationNamesTheConstraint() throws {
        let db = try makeDatabase()
        let error = #expect(throws: StorageError.self) {
            try db.execute("INSERT INTO users (email, balance) VALUES (?, ?)", ["a@b.az", -5])
        }
        #expect(error?.code == .constraint)
        #expect(error?.message.contains("balance_not_negative") == true)
    }

    @Test func notNullAndForeignKeyViolationsAreConstraintErrors() throws {
        let db = try makeDatabase()
        let notNull = #expect(throws: StorageError.self) {
            try db.execute("INSERT INTO users (email) VALUES (?)", [SQLValue.null])
        }
        #expect(notNull?.code == .constraint)
        #expect(notNull?.message.contains("NOT NULL constraint failed: users.email") == true)
        let foreignKey = #expect(throws: StorageError.self) {
            try db.execute("INSERT INTO sessions (user_id) VALUES (?)", [12_345])
        }
        #expect(foreignKey?.code == .constraint)
        #expect(foreignKey?.message.contains("FOREIGN KEY constraint failed") == true)
        #expect(foreignKey?.message.contains("foreign_key_check") == true)
    }

    @Test func malformedSQLIsAPrepareErrorQuotingTheSQL() throws {
        let db = try makeDatabase()
        let sql = "SELEC email FROM users WHERE id = ?"
        let error = #expect(throws: StorageError.self) { try db.query(sql, [1]) }
        #expect(error?.code == .prepare)
        #expect(error?.message.contains(sql) == true)
        #expect(error?.message.contains("syntax error") == true)
        let unknown = #expect(throws: StorageError.self) { try db.query("SELECT * FROM no_such_table") }
        #expect(unknown?.code == .prepare)
        #expect(unknown?.message.contains("no such table: no_such_table") == true)
    }

    @Test func argumentCountMustMatchTheParameters() throws {
        let db = try makeDatabase()
        let tooFew = #expect(throws: StorageError.self) {
            try db.execute("INSERT INTO users (email, balance) VALUES (?, ?)", ["a@b.az"])
        }
        #expect(tooFew?.code == .bind)
        #expect(tooFew?.message.contains("2 parameter(s) but 1 argument(s)") == true)
        let script = #expect(throws: StorageError.self) {
            try db.execute("INSERT INTO users (email) VALUES (?); DELETE FROM users;", ["a@b.az"])
        }
        #expect(script?.code == .bind)
        #expect(try db.query("SELECT * FROM users").isEmpty)
    }

    @Test func queryAcceptsOnlyOneStatement() throws {
        let db = try makeDatabase()
        let error = #expect(throws: StorageError.self) { try db.query("SELECT 1; SELECT 2") }
        #expect(error?.code == .prepare)
        // Trailing semicolons and comments are not extra statements.
        #expect(try db.query("SELECT 1 AS one; -- trailing comment\n").first?.int("one") == 1)
    }

    @Test func runsScriptsWhoseLaterStatementsDependOnEarlierOnes() throws {
        let db = try Database.inMemory()
        try db.execute("""
            -- leading comment
            CREATE TABLE a (x INTEGER);
            INSERT INTO a VALUES (1);
            INSERT INTO a SELECT x + 1 FROM a;
            /* trailing comment */
            """)
        #expect(try db.query("SELECT x FROM a ORDER BY x").map { try $0.int("x") } == [1, 2])
        try db.execute("   ")
    }

    @Test func reusesCachedStatementsAndBoundsTheCache() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t (x INTEGER)")
        let before = (db.connection as? SQLiteConnection)?.cachedStatementCount ?? -1
        for value in 0..<100 {
            try db.execute("INSERT INTO t VALUES (?)", [value])
        }
        #expect((db.connection as? SQLiteConnection)?.cachedStatementCount == before + 1)
        for value in 0..<(SQLiteStatementCache.defaultCapacity + 50) {
            _ = try db.query("SELECT \(value) AS v")
        }
        #expect((db.connection as? SQLiteConnection)?.cachedStatementCount == SQLiteStatementCache.defaultCapacity)
        #expect(try db.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 100)
    }

    @Test func describesItselfWithCodeAndSQLiteCode() {
        let error = StorageError(code: .notFound, message: "No certificate with that serial.")
        #expect(error.description == "StorageError.notFound: No certificate with that serial.")
        #expect(error.sqliteCode == 0)
    }
}
