import MohurTestSupport
import Testing
@testable import Storage

@Suite("Schema migrations")
struct MigrationTests {
    static let v1 = Migration(version: 1, name: "create issuers", sql: """
        CREATE TABLE issuer (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE INDEX issuer_name ON issuer(name);
        """)
    static let v2 = Migration(version: 2, name: "add certificates", sql: """
        CREATE TABLE certificate (
            id INTEGER PRIMARY KEY,
            issuer_id INTEGER NOT NULL REFERENCES issuer(id),
            serial BLOB NOT NULL UNIQUE
        );
        INSERT INTO issuer (name) VALUES ('Daxili İşlər Nazirliyi');
        """)
    static let v3 = Migration(version: 3, name: "add revocation", sql: "ALTER TABLE certificate ADD COLUMN revoked_at INTEGER;")

    @Test func appliesMigrationsInVersionOrder() throws {
        let db = try Database.inMemory()
        try db.migrate([Self.v2, Self.v1])
        #expect(try db.schemaVersion() == 2)
        #expect(try db.queryOne("SELECT name FROM issuer")?.text("name") == "Daxili İşlər Nazirliyi")
    }

    @Test func appliesEachMigrationOnlyOnceAcrossReopens() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("mohur.sqlite")
        do {
            let db = try Database(path: path)
            try db.migrate([Self.v1, Self.v2])
        }
        do {
            let db = try Database(path: path)
            try db.migrate([Self.v1, Self.v2])  // Would fail (table exists) or duplicate the row if re-run.
            try db.migrate([Self.v1, Self.v2, Self.v3])
            #expect(try db.schemaVersion() == 3)
            #expect(try db.queryOne("SELECT count(*) AS n FROM issuer")?.int("n") == 1)
            try db.execute("UPDATE certificate SET revoked_at = ?", [0])
        }
    }

    @Test func refusesADatabaseNewerThanTheCode() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("mohur.sqlite")
        try Database(path: path).migrate([Self.v1, Self.v2, Self.v3])
        let db = try Database(path: path)
        let error = #expect(throws: StorageError.self) { try db.migrate([Self.v1, Self.v2]) }
        #expect(error?.code == .migration)
        #expect(error?.message.contains("schema version 3") == true)
        #expect(error?.message.contains("up to version 2") == true)
        #expect(try db.schemaVersion() == 3)
    }

    @Test func rollsBackAFailingMigrationAndKeepsThePreviousVersion() throws {
        let db = try Database.inMemory()
        let broken = Migration(version: 2, name: "broken", sql: """
            CREATE TABLE certificate (id INTEGER PRIMARY KEY);
            INSERT INTO no_such_table VALUES (1);
            """)
        let error = #expect(throws: StorageError.self) { try db.migrate([Self.v1, broken]) }
        #expect(error?.code == .migration)
        #expect(error?.message.contains("Migration 2 'broken'") == true)
        #expect(error?.message.contains("no_such_table") == true)
        #expect(try db.schemaVersion() == 1)
        #expect(try db.query("SELECT name FROM sqlite_schema WHERE name = 'certificate'").isEmpty)
    }

    @Test func quotesOnlyTheFailingStatementOfAMigrationScript() throws {
        let db = try Database.inMemory()
        let failing = Migration(version: 1, name: "null into not null", sql: """
            CREATE TABLE a (x INTEGER NOT NULL);
            INSERT INTO a VALUES (NULL);
            CREATE TABLE later (y INTEGER);
            """)
        let error = #expect(throws: StorageError.self) { try db.migrate([failing]) }
        #expect(error?.code == .migration)
        #expect(error?.message.contains("NOT NULL constraint failed: a.x") == true)
        #expect(error?.message.contains("INSERT INTO a VALUES (NULL)") == true)
        #expect(error?.message.contains("CREATE TABLE later") == false)
        #expect(try db.schemaVersion() == 0)
    }

    @Test func refusesTransactionControlInsideAMigration() throws {
        let db = try Database.inMemory()
        let sneaky = Migration(version: 2, name: "commits itself", sql: """
            CREATE TABLE early (id INTEGER);
            COMMIT;
            CREATE TABLE late (id INTEGER);
            """)
        let error = #expect(throws: StorageError.self) { try db.migrate([Self.v1, sneaky]) }
        #expect(error?.code == .migration)
        #expect(error?.message.contains("must not contain BEGIN, COMMIT or ROLLBACK") == true)
        #expect(try db.schemaVersion() == 1)
        #expect(try db.query("SELECT name FROM sqlite_schema WHERE name = 'early'").isEmpty)
        // Our own transactions still work once the authorizer is gone.
        try db.transaction { db in try db.execute("INSERT INTO issuer (name) VALUES (?)", ["x"]) }
    }

    @Test func rejectsDuplicateAndNonPositiveVersions() throws {
        let db = try Database.inMemory()
        let duplicate = Migration(version: 1, name: "again", sql: "SELECT 1")
        #expect(throws: StorageError.self) { try db.migrate([Self.v1, duplicate]) }
        #expect(throws: StorageError.self) { try db.migrate([Migration(version: 0, name: "zero", sql: "SELECT 1")]) }
        #expect(try db.schemaVersion() == 0)
    }
}
