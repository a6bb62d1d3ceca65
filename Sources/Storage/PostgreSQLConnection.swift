#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
internal import CPostgreSQL

/// One libpq connection to PostgreSQL (libpq §34.1 PQconnectdb, §34.3 PQexecParams).
///
/// libpq rather than postgres-nio: every storage call in Mohur is synchronous and runs on a
/// blocking thread pool, as SQLite's do, and libpq's connection strings carry what the central
/// complex needs for failover natively — several hosts and `target_session_attrs=read-write`
/// (libpq §34.1.1.3), so that a reconnect finds whichever server is primary now.
///
/// Statements use the SQLite dialect the repositories are written in; `PostgreSQLDialect`
/// rewrites the few differences (parameters, `INSERT OR IGNORE`). Parameters and results travel
/// in binary for integers, reals and byte strings, in text for text.
final class PostgreSQLConnection {
    private var handle: OpaquePointer
    let conninfo: String
    var transactionDepth = 0
    /// Whether write transactions take Mohur's writer lock (see `begin`); false only for a
    /// connection whose writes never depend on what other writers wrote (the replay cache).
    var takesWriterLock = true
    private(set) var changes = 0
    /// Statements are rewritten once each.
    private var translated: [String: String] = [:]
    /// Server-side prepared statements (libpq §34.3 PQprepare) by SQL and parameter types:
    /// PostgreSQL parses and plans each once per connection instead of on every call, which was
    /// most of the server's CPU per EF.SOD.
    private var prepared: [String: String] = [:]

    init(conninfo: String) throws(StorageError) {
        self.conninfo = conninfo
        handle = try Self.connect(conninfo)
    }

    deinit { PQfinish(handle) }

    private static func connect(_ conninfo: String) throws(StorageError) -> OpaquePointer {
        guard let connection = PQconnectdb(conninfo) else {
            throw StorageError(code: .open, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(connection)
            throw StorageError(code: .open, message: "cannot connect to PostgreSQL (\(redacted(conninfo))): \(message)")
        }
        // libpq prints the server's NOTICEs on stderr ("… already exists, skipping"): not for
        // an officer's terminal. Warnings and errors still reach the caller as errors.
        if let result = PQexec(connection, "SET client_min_messages TO warning") { PQclear(result) }
        return connection
    }

    /// The connection string without its password, for messages.
    static func redacted(_ conninfo: String) -> String {
        conninfo.replacingOccurrences(of: #"password=\S+"#, with: "password=…", options: .regularExpression)
            .replacingOccurrences(of: #"://([^:/@]+):[^@]+@"#, with: "://$1:…@", options: .regularExpression)
    }

    /// No transaction open. A dead connection (PQTRANS_UNKNOWN, after a failover) has none
    /// either: the next statement reconnects, and `transaction()` must not refuse to begin.
    var isAutocommit: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_IDLE || status == PQTRANS_UNKNOWN
    }

    /// Whether the server is gone (a failover, a restart): the caller may reconnect.
    var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// Connects again with the same string; with several hosts and target_session_attrs, to the
    /// server that is primary now. Only outside a transaction.
    func reconnect() throws(StorageError) {
        let fresh = try Self.connect(conninfo)
        PQfinish(handle)
        handle = fresh
        transactionDepth = 0
        prepared.removeAll()
    }

    func execute(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) {
        _ = try run(sql, arguments)
    }

    func query(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) -> [Row] {
        try run(sql, arguments)
    }

    func queryOne(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) -> Row? {
        try run(sql, arguments).first
    }

    /// Several statements separated by semicolons, without parameters (migrations).
    func executeScript(_ sql: String) throws(StorageError) {
        guard let result = PQexec(handle, sql) else { throw failure(sql) }
        defer { PQclear(result) }
        try check(result, sql)
    }

    func rollbackIfOpen() {
        guard !isAutocommit, let result = PQexec(handle, "ROLLBACK") else { return }
        PQclear(result)
    }

    // MARK: - Internals

    private func run(_ sql: String, _ arguments: [any SQLValueConvertible]) throws(StorageError) -> [Row] {
        // After a failover the old connection is dead; between transactions, find the new primary.
        if isBroken && transactionDepth == 0 { try reconnect() }
        let statement: String
        if let known = translated[sql] {
            statement = known
        } else {
            statement = PostgreSQLDialect.translate(sql)
            translated[sql] = statement
        }
        let values = arguments.map(\.sqlValue)
        var buffers: [[UInt8]?] = []
        var types: [Oid] = []
        var formats: [Int32] = []
        for value in values {
            switch value {
            case .null: buffers.append(nil); types.append(0); formats.append(0)
            case .integer(let number): buffers.append(Self.bigEndian(UInt64(bitPattern: number))); types.append(20); formats.append(1)
            case .real(let number): buffers.append(Self.bigEndian(number.bitPattern)); types.append(701); formats.append(1)
            case .text(let text): buffers.append(Array(text.utf8) + [0]); types.append(0); formats.append(0)
            case .blob(let bytes): buffers.append(bytes); types.append(17); formats.append(1)
            }
        }
        let lengths = buffers.map { Int32($0?.count ?? 0) }
        let name = try preparedName(statement, types: types)
        let result = withPointers(buffers) { pointers in
            PQexecPrepared(handle, name, Int32(values.count), pointers, lengths, formats, 1)
        }
        guard let result else { throw failure(statement) }
        defer { PQclear(result) }
        try check(result, statement)
        changes = Int(String(cString: PQcmdTuples(result))) ?? 0
        return try rows(of: result)
    }

    /// The prepared statement for `statement` with these parameter types, preparing it first.
    private func preparedName(_ statement: String, types: [Oid]) throws(StorageError) -> String {
        let key = types.map(String.init).joined(separator: ",") + "|" + statement
        if let name = prepared[key] { return name }
        if prepared.count >= 512 {
            // Multi-row INSERTs of every length add up; start over rather than grow without bound.
            if let result = PQexec(handle, "DEALLOCATE ALL") { PQclear(result) }
            prepared.removeAll()
        }
        let name = "mohur_\(prepared.count)"
        guard let result = PQprepare(handle, name, statement, Int32(types.count), types) else { throw failure(statement) }
        defer { PQclear(result) }
        try check(result, statement)
        prepared[key] = name
        return name
    }

    /// Calls `body` with C pointers to each buffer (nil for NULL), valid only during the call.
    private func withPointers<R>(_ buffers: [[UInt8]?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafePointer<CChar>?] = []
        var owned: [UnsafeMutablePointer<UInt8>] = []
        defer { owned.forEach { $0.deallocate() } }
        for buffer in buffers {
            guard let buffer else { pointers.append(nil); continue }
            let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(buffer.count, 1))
            copy.initialize(from: buffer, count: buffer.count)
            owned.append(copy)
            pointers.append(UnsafeRawPointer(copy).assumingMemoryBound(to: CChar.self))
        }
        return body(pointers)
    }

    private func rows(of result: OpaquePointer) throws(StorageError) -> [Row] {
        let count = Int(PQntuples(result)), width = Int(PQnfields(result))
        guard width > 0 else { return [] }
        let columns = SQLiteColumns(names: (0..<width).map { String(cString: PQfname(result, Int32($0))) })
        let types = (0..<width).map { PQftype(result, Int32($0)) }
        var rows: [Row] = []
        rows.reserveCapacity(count)
        for row in 0..<count {
            var values: [SQLValue] = []
            values.reserveCapacity(width)
            for column in 0..<width {
                let (r, c) = (Int32(row), Int32(column))
                if PQgetisnull(result, r, c) != 0 { values.append(.null); continue }
                let length = Int(PQgetlength(result, r, c))
                let bytes = PQgetvalue(result, r, c).withMemoryRebound(to: UInt8.self, capacity: length) {
                    Array(UnsafeBufferPointer(start: $0, count: length))
                }
                values.append(try Self.value(bytes, type: types[column], column: columns.names[column]))
            }
            rows.append(Row(columns: columns, values: values))
        }
        return rows
    }

    /// A binary result value as SQLite's storage classes (PostgreSQL type OIDs, pg_type.dat).
    private static func value(_ bytes: [UInt8], type: Oid, column: String) throws(StorageError) -> SQLValue {
        switch type {
        case 20, 23, 21:  // int8, int4, int2
            return .integer(bytes.reduce(Int64(bytes.first.map { $0 & 0x80 != 0 ? -1 : 0 } ?? 0)) { $0 << 8 | Int64($1) })
        case 16: return .integer(bytes.first == 1 ? 1 : 0)  // bool
        case 701:
            return .real(Double(bitPattern: bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }))
        case 17: return .blob(bytes)  // bytea
        case 2278: return .null  // void (a function called for its effect, e.g. pg_advisory_xact_lock)
        case 25, 1043, 1042, 19: return .text(String(decoding: bytes, as: UTF8.self))  // text, varchar, char, name
        default:
            throw StorageError(code: .invalidData, message: "column '\(column)' has PostgreSQL type \(type), which Mohur does not read")
        }
    }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    private func check(_ result: OpaquePointer, _ sql: String) throws(StorageError) {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK: return
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
            // SQLSTATE class 23: integrity constraint violation; 40001/40P01: serialization, deadlock.
            let code: StorageError.Code = state.hasPrefix("23") ? .constraint : (state == "40001" || state == "40P01") ? .busy : .step
            throw StorageError(code: code, message: "\(message) [SQLSTATE \(state)] in: \(sql.prefix(300))")
        }
    }

    private func failure(_ sql: String) -> StorageError {
        let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        return StorageError(code: .step, message: "PostgreSQL: \(message) in: \(sql.prefix(300))")
    }
}

/// The differences between the SQL the repositories are written in (SQLite's) and PostgreSQL's.
enum PostgreSQLDialect {
    /// `?` parameters become `$1…$n` (outside string literals), and `INSERT OR IGNORE INTO …`
    /// becomes `INSERT INTO … ON CONFLICT DO NOTHING`.
    static func translate(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var inString = false
        for character in sql {
            if character == "'" { inString.toggle() }
            if character == "?" && !inString {
                number += 1
                out += "$\(number)"
            } else {
                out.append(character)
            }
        }
        if let range = out.range(of: "INSERT OR IGNORE INTO", options: [.caseInsensitive, .anchored]) {
            out.replaceSubrange(range, with: "INSERT INTO")
            out += " ON CONFLICT DO NOTHING"
        }
        return out
    }
}
