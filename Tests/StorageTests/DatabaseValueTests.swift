import Foundation
import Testing
@testable import Storage

@Suite("Values round-trip through SQLite unchanged")
struct DatabaseValueTests {
    static let values: [SQLValue] = [
        .null,
        .integer(0),
        .integer(-1),
        .integer(Int64.min),
        .integer(Int64.max),
        .real(3.141_592_653_589_793),
        .real(-0.5),
        .real(Double.greatestFiniteMagnitude),
        .real(Double.leastNonzeroMagnitude),
        .text(""),
        .text("Daxili İşlər Nazirliyi"),
        .text("CN=Əli Məmmədov, O=Şirkət, C=AZ 🔐"),
        .text("before\u{0}after"),
        .blob([]),
        .blob([0]),
        .blob([0, 0, 0x30, 0x82, 0, 0xFF, 0]),
    ]

    @Test("Every storage class round-trips", arguments: values)
    func roundTripsSQLValue(_ value: SQLValue) throws {
        let db = try Database.inMemory()
        // No declared type: the column has no affinity, so SQLite stores each value as given.
        try db.execute("CREATE TABLE v (id INTEGER PRIMARY KEY, value)")
        let id = try db.insert("INSERT INTO v (value) VALUES (?)", [value])
        let row = try #require(try db.queryOne("SELECT value FROM v WHERE id = ?", [id]))
        #expect(row["value"] == value)
    }

    @Test func roundTripsALargeBlob() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE v (value BLOB)")
        let bytes = (0..<1_048_576).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try db.execute("INSERT INTO v VALUES (?)", [bytes])
        #expect(try db.queryOne("SELECT value FROM v")?.blob("value") == bytes)
    }

    @Test func keepsEmptyBlobAndEmptyTextDistinctFromNull() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE v (b, t, n)")
        try db.execute("INSERT INTO v VALUES (?, ?, ?)", [[UInt8](), "", SQLValue.null])
        let row = try #require(try db.queryOne("SELECT typeof(b) AS tb, length(b) AS lb, typeof(t) AS tt, typeof(n) AS tn, b FROM v"))
        #expect(try row.text("tb") == "blob")
        #expect(try row.int("lb") == 0)
        #expect(try row.text("tt") == "text")
        #expect(try row.text("tn") == "null")
        #expect(try row.blob("b") == [])
    }

    @Test func storesTextAsUTF8WithoutTruncatingAtNUL() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE v (t TEXT)")
        try db.execute("INSERT INTO v VALUES (?)", ["Daxili İşlər Nazirliyi"])
        try db.execute("INSERT INTO v VALUES (?)", ["a\u{0}b"])
        let rows = try db.query("SELECT t, length(CAST(t AS BLOB)) AS bytes FROM v ORDER BY rowid")
        #expect(try rows[0].text("t") == "Daxili İşlər Nazirliyi")
        #expect(try rows[0].int("bytes") == Int64("Daxili İşlər Nazirliyi".utf8.count))
        #expect(try rows[1].text("t") == "a\u{0}b")
        #expect(try rows[1].int("bytes") == 3)
    }

    @Test func bindsSwiftTypesAndReadsThemBackTyped() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE v (i INTEGER, i64 INTEGER, d REAL, b INTEGER, s TEXT, bytes BLOB, absent TEXT)")
        let none: String? = nil
        try db.execute(
            "INSERT INTO v VALUES (?, ?, ?, ?, ?, ?, ?)",
            [42, Int64.min, 2.5, true, "Nazirlik", [UInt8]([1, 2, 3]), none]
        )
        let row = try #require(try db.queryOne("SELECT * FROM v"))
        #expect(try row.int("i") == 42)
        #expect(try row.int("i64") == Int64.min)
        #expect(try row.double("d") == 2.5)
        #expect(try row.bool("b"))
        #expect(try row.text("s") == "Nazirlik")
        #expect(try row.blob("bytes") == [1, 2, 3])
        #expect(try row.optionalText("absent") == nil)
        #expect(try row.optionalInt("absent") == nil)
        #expect(try row.optionalBlob("absent") == nil)
        #expect(try row.optionalText("s") == "Nazirlik")
        #expect(row.columnNames == ["i", "i64", "d", "b", "s", "bytes", "absent"])
    }

    @Test func storesDatesAsIntegerUnixMilliseconds() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE v (id INTEGER PRIMARY KEY, at INTEGER)")
        let milliseconds: [Int64] = [0, 1_700_000_000_123, 1_700_000_000_999, -1_500, 253_402_300_799_999]
        for value in milliseconds {
            let date = Date(timeIntervalSince1970: Double(value) / 1000)
            let id = try db.insert("INSERT INTO v (at) VALUES (?)", [date])
            let row = try #require(try db.queryOne("SELECT at FROM v WHERE id = ?", [id]))
            #expect(row["at"] == .integer(value))
            #expect(try row.date("at") == date)
            #expect(try row.optionalDate("at") == date)
        }
    }

    @Test func roundsDatesToTheNearestMillisecond() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE v (at INTEGER)")
        try db.execute("INSERT INTO v VALUES (?)", [Date(timeIntervalSince1970: 1_700_000_000.123_4)])
        try db.execute("INSERT INTO v VALUES (?)", [Date(timeIntervalSince1970: 1_700_000_000.123_6)])
        let rows = try db.query("SELECT at FROM v ORDER BY rowid")
        #expect(rows.map { $0["at"] } == [.integer(1_700_000_000_123), .integer(1_700_000_000_124)])
    }

    @Test func typedAccessorsRejectMissingColumnsAndWrongTypes() throws {
        let db = try Database.inMemory()
        let row = try #require(try db.queryOne("SELECT 1 AS n, 'x' AS s, NULL AS z"))
        let missing = #expect(throws: StorageError.self) { try row.int("nmae") }
        #expect(missing?.code == .invalidData)
        #expect(missing?.message.contains("nmae") == true)
        #expect(row["nmae"] == .null)
        #expect(!row.contains("nmae"))
        let wrongType = #expect(throws: StorageError.self) { try row.blob("s") }
        #expect(wrongType?.code == .invalidData)
        #expect(wrongType?.message.contains("'x'") == false, "Values must not leak into messages")
        #expect(throws: StorageError.self) { try row.text("z") }
    }
}
