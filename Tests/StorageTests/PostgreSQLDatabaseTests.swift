import Foundation
import MohurTestSupport
import Testing
@testable import Storage

/// `Database` on PostgreSQL: the same API and values as on SQLite, and a reconnect after the
/// server went away (what a failover looks like from Mohur's side).
@Suite("Database on PostgreSQL", .serialized)
struct PostgreSQLDatabaseTests {
    @Test("SQLite's placeholders and INSERT OR IGNORE are rewritten outside string literals")
    func dialect() {
        #expect(PostgreSQLDialect.translate("SELECT * FROM t WHERE a = ? AND b = '?' AND c = ?") == "SELECT * FROM t WHERE a = $1 AND b = '?' AND c = $2")
        #expect(PostgreSQLDialect.translate("INSERT OR IGNORE INTO t(a) VALUES (?)") == "INSERT INTO t(a) VALUES ($1) ON CONFLICT DO NOTHING")
    }

    @Test("integers, byte strings, text, NULL and dates come back as they went in; constraint errors are classified")
    func values() throws {
        let server = try PostgresServer()
        let db = try Database(postgresql: server.conninfo)
        #expect(db.dialect == .postgresql && !db.path.contains("password"))
        try db.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, data BYTEA, label TEXT, at BIGINT)")
        let when = Date(timeIntervalSince1970: 1_800_000_000.123)
        try db.execute("INSERT INTO t(id, data, label, at) VALUES (?, ?, ?, ?)", [Int64.min, [UInt8](0...255), "möhür ✓", when])
        try db.execute("INSERT INTO t(id, data, label, at) VALUES (?, ?, ?, ?)", [7, SQLValue.null, SQLValue.null, SQLValue.null])
        let rows = try db.query("SELECT * FROM t ORDER BY id")
        #expect(try rows[0].int("id") == Int64.min && rows[0].blob("data") == [UInt8](0...255) && rows[0].text("label") == "möhür ✓")
        #expect(abs(try rows[0].date("at").timeIntervalSince(when)) < 0.001)
        #expect(try rows[1].optionalBlob("data") == nil && rows[1].optionalText("label") == nil)
        #expect(try db.update("INSERT OR IGNORE INTO t(id) VALUES (?)", [7]) == 0)
        let duplicate = #expect(throws: StorageError.self) { try db.execute("INSERT INTO t(id) VALUES (?)", [7]) }
        #expect(duplicate?.code == .constraint)
        // A failed transaction rolls back and leaves the connection usable.
        #expect(throws: StorageError.self) {
            try db.transaction { db in
                try db.execute("INSERT INTO t(id) VALUES (?)", [8])
                try db.execute("INSERT INTO t(id) VALUES (?)", [7])
            }
        }
        #expect(try db.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 2)
    }

    @Test("after the server restarts, the next statement outside a transaction reconnects")
    func reconnect() throws {
        let server = try PostgresServer()
        let db = try Database(postgresql: server.conninfo)
        try db.execute("CREATE TABLE t (id BIGINT PRIMARY KEY)")
        try db.execute("INSERT INTO t(id) VALUES (?)", [1])
        try server.stop(immediate: true)
        #expect(throws: StorageError.self) { try db.execute("INSERT INTO t(id) VALUES (?)", [2]) }
        try server.start()
        try db.execute("INSERT INTO t(id) VALUES (?)", [3])
        #expect(try db.query("SELECT id FROM t ORDER BY id").map { try $0.int("id") } == [1, 3])
    }
}
