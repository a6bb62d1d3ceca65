#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Result column names of one query, shared by all of its rows so that a 10,000-row result
/// holds one name table rather than 10,000 copies.
final class SQLiteColumns: Sendable {
    let names: [String]
    private let positions: [String: Int]

    init(names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        positions.reserveCapacity(names.count)
        // With duplicate names (e.g. `SELECT a.id, b.id`) the first column wins; alias to disambiguate.
        for (position, name) in names.enumerated() where positions[name] == nil {
            positions[name] = position
        }
        self.positions = positions
    }

    func position(of name: String) -> Int? {
        positions[name]
    }
}

/// One result row, fully materialised: it owns its values and holds no SQLite resources, so it
/// can outlive the query, cross tasks and be read without the database lock.
///
/// The typed accessors are strict: they throw `.invalidData` when the column is missing from the
/// result or holds another storage class (or `NULL` where a value is required), instead of
/// guessing a conversion. Silent coercion would hide schema drift in data we must be able to trust.
public struct Row: Sendable {
    let columns: SQLiteColumns
    /// The values in result-column order.
    public let values: [SQLValue]

    init(columns: SQLiteColumns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The result column names, in order.
    public var columnNames: [String] { columns.names }

    /// Whether the result has a column with this exact name.
    public func contains(_ column: String) -> Bool {
        columns.position(of: column) != nil
    }

    /// The raw value of `column`; `.null` when the result has no such column.
    /// Prefer the typed accessors, which report a misspelt column instead of returning `.null`.
    public subscript(_ column: String) -> SQLValue {
        guard let position = columns.position(of: column) else { return .null }
        return values[position]
    }

    public func int(_ column: String) throws(StorageError) -> Int64 {
        switch try value(column) {
        case .integer(let value): return value
        case let other: throw mismatch(column, expected: "an integer", found: other)
        }
    }

    public func optionalInt(_ column: String) throws(StorageError) -> Int64? {
        switch try value(column) {
        case .null: return nil
        case .integer(let value): return value
        case let other: throw mismatch(column, expected: "an integer or NULL", found: other)
        }
    }

    /// Reads a real; an integer is accepted too, since SQLite stores integral values of REAL columns compactly.
    public func double(_ column: String) throws(StorageError) -> Double {
        switch try value(column) {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        case let other: throw mismatch(column, expected: "a real", found: other)
        }
    }

    /// Reads a boolean stored as the integer 0 or 1.
    public func bool(_ column: String) throws(StorageError) -> Bool {
        switch try value(column) {
        case .integer(0): return false
        case .integer(1): return true
        case let other: throw mismatch(column, expected: "a boolean (0 or 1)", found: other)
        }
    }

    public func text(_ column: String) throws(StorageError) -> String {
        switch try value(column) {
        case .text(let value): return value
        case let other: throw mismatch(column, expected: "text", found: other)
        }
    }

    public func optionalText(_ column: String) throws(StorageError) -> String? {
        switch try value(column) {
        case .null: return nil
        case .text(let value): return value
        case let other: throw mismatch(column, expected: "text or NULL", found: other)
        }
    }

    public func blob(_ column: String) throws(StorageError) -> [UInt8] {
        switch try value(column) {
        case .blob(let value): return value
        case let other: throw mismatch(column, expected: "a blob", found: other)
        }
    }

    public func optionalBlob(_ column: String) throws(StorageError) -> [UInt8]? {
        switch try value(column) {
        case .null: return nil
        case .blob(let value): return value
        case let other: throw mismatch(column, expected: "a blob or NULL", found: other)
        }
    }

    /// Reads a date stored as integer Unix milliseconds (see `Date.sqlValue`).
    public func date(_ column: String) throws(StorageError) -> Date {
        switch try value(column) {
        case .integer(let milliseconds): return Date(unixMilliseconds: milliseconds)
        case let other: throw mismatch(column, expected: "a date (integer Unix milliseconds)", found: other)
        }
    }

    public func optionalDate(_ column: String) throws(StorageError) -> Date? {
        switch try value(column) {
        case .null: return nil
        case .integer(let milliseconds): return Date(unixMilliseconds: milliseconds)
        case let other: throw mismatch(column, expected: "a date (integer Unix milliseconds) or NULL", found: other)
        }
    }

    private func value(_ column: String) throws(StorageError) -> SQLValue {
        guard let position = columns.position(of: column) else {
            throw StorageError(
                code: .invalidData,
                message: "The result has no column '\(column)' (columns: \(columns.names.joined(separator: ", "))). "
                    + "Check the SELECT list and aliases against the code reading it."
            )
        }
        return values[position]
    }

    /// Describes the storage class found, never the value itself: it may be sensitive.
    private func mismatch(_ column: String, expected: String, found: SQLValue) -> StorageError {
        let kind = switch found {
        case .null: "NULL"
        case .integer: "an integer"
        case .real: "a real"
        case .text: "text"
        case .blob: "a blob"
        }
        return StorageError(
            code: .invalidData,
            message: "Column '\(column)' holds \(kind) but \(expected) was expected. "
                + "The stored data does not match the schema the code assumes; check the migrations."
        )
    }
}
