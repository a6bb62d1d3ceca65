import Foundation
import MohurTestSupport
import Testing
@testable import Storage

@Suite("Database files: WAL, reopening, locking, damage")
struct DatabaseFileTests {
    @Test func reopenedFileSeesCommittedData() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("mohur.sqlite")
        do {
            let db = try Database(path: path)
            #expect(db.path == path)
            try db.execute("CREATE TABLE t (name TEXT)")
            try db.transaction { db in try db.execute("INSERT INTO t VALUES (?)", ["Daxili İşlər Nazirliyi"]) }
            #expect(try db.queryOne("PRAGMA journal_mode")?.text("journal_mode") == "wal")
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            // A second connection sees the commit while it is still only in the WAL.
            let other = try Database(path: path)
            #expect(try other.queryOne("SELECT name FROM t")?.text("name") == "Daxili İşlər Nazirliyi")
        }
        // Releasing the last connection closes it, which checkpoints and removes the WAL file.
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        let reopened = try Database(path: path)
        #expect(try reopened.queryOne("SELECT name FROM t")?.text("name") == "Daxili İşlər Nazirliyi")
    }

    @Test func configuresSynchronousForeignKeysAndWAL() throws {
        let directory = try TemporaryDirectory()
        let normal = try Database(path: directory.path("normal.sqlite"))
        #expect(try normal.queryOne("PRAGMA synchronous")?.int("synchronous") == 1)
        #expect(try normal.queryOne("PRAGMA foreign_keys")?.int("foreign_keys") == 1)
        let full = try Database(path: directory.path("full.sqlite"), synchronous: .full)
        #expect(try full.queryOne("PRAGMA synchronous")?.int("synchronous") == 2)
        #expect(try full.queryOne("PRAGMA journal_mode")?.text("journal_mode") == "wal")
    }

    @Test func readOnlyDatabaseRefusesWrites() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("mohur.sqlite")
        try Database(path: path).execute("CREATE TABLE t (name TEXT); INSERT INTO t VALUES ('a');")
        let db = try Database(path: path, readOnly: true)
        #expect(db.isReadOnly)
        #expect(try db.query("SELECT name FROM t").count == 1)
        let error = #expect(throws: StorageError.self) { try db.execute("INSERT INTO t VALUES (?)", ["b"]) }
        #expect(error?.message.contains("readonly") == true)
    }

    @Test func reportsBusyWhenAnotherConnectionHoldsTheWriteLockPastTheTimeout() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("mohur.sqlite")
        let holder = try Database(path: path)
        try holder.execute("CREATE TABLE t (name TEXT)")
        let impatient = try Database(path: path, busyTimeoutMilliseconds: 50)
        try holder.transaction { db in
            try db.execute("INSERT INTO t VALUES (?)", ["held"])
            let error = #expect(throws: StorageError.self) {
                try impatient.execute("INSERT INTO t VALUES (?)", ["blocked"])
            }
            #expect(error?.code == .busy)
            #expect(error?.message.contains("INSERT INTO t") == true)
        }
        try impatient.execute("INSERT INTO t VALUES (?)", ["after"])
        #expect(try holder.query("SELECT name FROM t").count == 2)
    }

    @Test func reportsAFileThatIsNotADatabaseAsCorrupt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("garbage.sqlite")
        try Data(repeating: 0x41, count: 8_192).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StorageError.self) { try Database(path: path) }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains(path) == true)
    }

    @Test func reportsAMissingDirectoryWithThePath() throws {
        let path = "/nonexistent-mohur-dir/sub/mohur.sqlite"
        let error = #expect(throws: StorageError.self) { try Database(path: path) }
        #expect(error?.code == .open)
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains("parent directory") == true)
    }

    @Test func inMemoryDatabasesAreIndependent() throws {
        let first = try Database.inMemory()
        let second = try Database.inMemory()
        try first.execute("CREATE TABLE t (x)")
        #expect(throws: StorageError.self) { try second.query("SELECT * FROM t") }
        #expect(first.path == ":memory:")
    }
}
