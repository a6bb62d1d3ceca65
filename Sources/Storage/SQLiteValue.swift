#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One value exactly as SQLite stores it: SQLite has five storage classes and nothing else.
///
/// Keeping the storage class explicit (rather than converting to `Any`) means a caller can always
/// tell an empty string from `NULL`, or an empty blob from `NULL`, which matters for PKI data such as
/// optional extensions and DER blobs.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    /// Note: SQLite stores a NaN bound as a real as `NULL`.
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A Swift value that can be bound as a statement argument.
///
/// Conformances: `Int`, `Int32`, `Int64`, `Bool` (0/1), `Double`, `String`, `[UInt8]` (blob),
/// `Date` (integer Unix milliseconds), `SQLValue` itself and `Optional` of any of these (`nil` binds `NULL`).
/// `UInt8` deliberately does not conform, so a `[UInt8]` passed where an argument list is expected
/// cannot be silently reinterpreted as a list of small integers.
public protocol SQLValueConvertible {
    var sqlValue: SQLValue { get }
}

extension SQLValue: SQLValueConvertible {
    public var sqlValue: SQLValue { self }
}

extension Int64: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self) }
}

extension Int: SQLValueConvertible {
    /// Widening conversion: `Int` is at most 64 bits on every platform Swift supports.
    public var sqlValue: SQLValue { .integer(Int64(self)) }
}

extension Int32: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
}

extension Bool: SQLValueConvertible {
    /// SQLite has no boolean type; 0 and 1 are its conventional encoding.
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
}

extension Double: SQLValueConvertible {
    public var sqlValue: SQLValue { .real(self) }
}

extension String: SQLValueConvertible {
    public var sqlValue: SQLValue { .text(self) }
}

extension Array: SQLValueConvertible where Element == UInt8 {
    public var sqlValue: SQLValue { .blob(self) }
}

extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    public var sqlValue: SQLValue {
        switch self {
        case .some(let value): value.sqlValue
        case .none: .null
        }
    }
}

extension Date: SQLValueConvertible {
    /// Dates are stored as integer Unix milliseconds, rounded to the nearest millisecond.
    ///
    /// Why integers: they sort and compare correctly in SQL, are timezone-free, and survive the
    /// round trip exactly (a `Double` of seconds would not: 0.123 s has no exact binary form).
    /// A `Date` too far from 1970 to fit in `Int64` milliseconds (±292 million years) is clamped;
    /// a NaN date binds `NULL`.
    public var sqlValue: SQLValue {
        guard let milliseconds = unixMilliseconds else { return .null }
        return .integer(milliseconds)
    }

    /// Nearest whole Unix millisecond, clamped to `Int64`; `nil` for a NaN interval.
    ///
    /// Rounding to nearest (not truncating) matters: `Date` keeps seconds as a `Double`
    /// relative to 2001, so a date built from 1_700_000_000_123 ms can read back as …122.9999 ms.
    var unixMilliseconds: Int64? {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded()
        if milliseconds.isNaN { return nil }
        if milliseconds >= 9_223_372_036_854_775_807.0 { return .max }
        if milliseconds <= -9_223_372_036_854_775_808.0 { return .min }
        return Int64(milliseconds)
    }

    init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }
}
