import MohurTestSupport
import Testing
@testable import Storage

@Suite("Transactions and savepoints")
struct DatabaseTransactionTests {
    struct Failure: Error {}

    private func makeDatabase() throws -> Database {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t (name TEXT NOT NULL)")
        return db
    }

    private func names(_ db: Database) throws -> [String] {
        try db.query("SELECT name FROM t ORDER BY rowid").map { try $0.text("name") }
    }

    @Test func commitsWhenBodyReturns() throws {
        let db = try makeDatabase()
        let result = try db.transaction { db in
            try db.execute("INSERT INTO t VALUES (?)", ["a"])
            try db.execute("INSERT INTO t VALUES (?)", ["b"])
            return 7
        }
        #expect(result == 7)
        #expect(try names(db) == ["a", "b"])
    }

    @Test func rollsBackWhenBodyThrows() throws {
        let db = try makeDatabase()
        #expect(throws: Failure.self) {
            try db.transaction { db in
                try db.execute("INSERT INTO t VALUES (?)", ["a"])
                throw Failure()
            }
        }
        #expect(try names(db).isEmpty)
        // The connection is usable afterwards.
        try db.transaction { db in try db.execute("INSERT INTO t VALUES (?)", ["c"]) }
        #expect(try names(db) == ["c"])
    }

    @Test func rollsBackWhenAStatementFails() throws {
        let db = try makeDatabase()
        let error = #expect(throws: StorageError.self) {
            try db.transaction { db in
                try db.execute("INSERT INTO t VALUES (?)", ["a"])
                try db.execute("INSERT INTO t VALUES (?)", [SQLValue.null])
            }
        }
        #expect(error?.code == .constraint)
        #expect(try names(db).isEmpty)
    }

    @Test func acceptsCallsThroughTheCapturedDatabaseWithoutDeadlocking() throws {
        let db = try makeDatabase()
        try db.transaction { _ in
            try db.execute("INSERT INTO t VALUES (?)", ["outer reference"])
            #expect(try db.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 1)
        }
        #expect(try names(db) == ["outer reference"])
    }

    @Test func nestedTransactionRollsBackOnlyItsOwnChanges() throws {
        let db = try makeDatabase()
        try db.transaction { db in
            try db.execute("INSERT INTO t VALUES (?)", ["outer-before"])
            do {
                try db.transaction { db in
                    try db.execute("INSERT INTO t VALUES (?)", ["inner"])
                    throw Failure()
                }
            } catch is Failure {}
            try db.transaction { db in
                try db.execute("INSERT INTO t VALUES (?)", ["inner-kept"])
            }
            try db.execute("INSERT INTO t VALUES (?)", ["outer-after"])
        }
        #expect(try names(db) == ["outer-before", "inner-kept", "outer-after"])
    }

    @Test func outerRollbackDiscardsReleasedSavepoints() throws {
        let db = try makeDatabase()
        #expect(throws: Failure.self) {
            try db.transaction { db in
                try db.transaction { db in
                    try db.transaction { db in try db.execute("INSERT INTO t VALUES (?)", ["deep"]) }
                }
                throw Failure()
            }
        }
        #expect(try names(db).isEmpty)
    }

    @Test func rollsBackWhenCommitFails() throws {
        let db = try Database.inMemory()
        try db.execute("""
            CREATE TABLE issuer (id INTEGER PRIMARY KEY);
            CREATE TABLE certificate (
                id INTEGER PRIMARY KEY,
                issuer_id INTEGER NOT NULL REFERENCES issuer(id) DEFERRABLE INITIALLY DEFERRED
            );
            """)
        let error = #expect(throws: StorageError.self) {
            try db.transaction { db in
                try db.execute("INSERT INTO certificate (issuer_id) VALUES (?)", [99])
            }
        }
        #expect(error?.code == .constraint)
        #expect(try db.queryOne("SELECT count(*) AS n FROM certificate")?.int("n") == 0)
        try db.transaction { db in
            try db.execute("INSERT INTO issuer (id) VALUES (?)", [99])
            try db.execute("INSERT INTO certificate (issuer_id) VALUES (?)", [99])
        }
    }

    @Test func refusesToNestInsideAManualBegin() throws {
        let db = try makeDatabase()
        try db.execute("BEGIN")
        let error = #expect(throws: StorageError.self) {
            try db.transaction { db in try db.execute("INSERT INTO t VALUES (?)", ["x"]) }
        }
        #expect(error?.message.contains("already open") == true)
        try db.execute("ROLLBACK")
    }

    @Test func readsConsistentlyInAReadOnlyTransaction() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("ro.sqlite")
        let writer = try Database(path: path)
        try writer.execute("CREATE TABLE t (name TEXT NOT NULL)")
        try writer.execute("INSERT INTO t VALUES (?)", ["a"])
        let reader = try Database(path: path, readOnly: true)
        let count = try reader.transaction { db in
            try db.queryOne("SELECT count(*) AS n FROM t")?.int("n")
        }
        #expect(count == 1)
    }

    @Test func reportsChangedRowCounts() throws {
        let db = try makeDatabase()
        try db.execute("INSERT INTO t VALUES ('a'), ('b'), ('c')")
        #expect(db.changes() == 3)
        #expect(try db.update("UPDATE t SET name = ? WHERE name <> ?", ["z", "a"]) == 2)
        #expect(try db.update("DELETE FROM t WHERE name = ?", ["missing"]) == 0)
    }
}
