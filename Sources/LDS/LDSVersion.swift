/// An LDS version, encoded as the four digits `aabb` for version aa.bb
/// (Doc 9303-10 §4.6.1.1 EF.COM tag `5F01`; §4.6.2.2 `LDSVersionInfo.ldsVersion`).
public struct LDSVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The major version (`aa`), 0…99.
    public let major: Int
    /// The minor version (`bb`), 0…99.
    public let minor: Int

    /// LDS 1.7, the version of Doc 9303 7th edition and later without LDS2.
    public static let v1_7 = LDSVersion(unchecked: 1, 7)
    /// LDS 1.8, written by documents that carry `LDSVersionInfo` in their security object.
    public static let v1_8 = LDSVersion(unchecked: 1, 8)

    /// A version; `nil` unless both parts are in 0…99.
    public init?(major: Int, minor: Int) {
        guard (0...99).contains(major), (0...99).contains(minor) else { return nil }
        self.init(unchecked: major, minor)
    }

    private init(unchecked major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses the four-digit form `"aabb"` (e.g. `"0107"`); `nil` for anything else.
    public init?(encoded: String) {
        guard let digits = DecimalDigits.parse(encoded, count: 4) else { return nil }
        self.init(unchecked: digits[0] * 10 + digits[1], digits[2] * 10 + digits[3])
    }

    /// The four-digit form, e.g. `"0107"`.
    public var encoded: String { DecimalDigits.twoDigits(major) + DecimalDigits.twoDigits(minor) }

    /// `"1.7"`.
    public var description: String { "\(major).\(minor)" }

    /// Orders by major, then minor.
    public static func < (lhs: LDSVersion, rhs: LDSVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}

/// A Unicode version, encoded as the six digits `aabbcc` for version aa.bb.cc
/// (Doc 9303-10 §4.6.1.1 EF.COM tag `5F36`; §4.6.2.2 `LDSVersionInfo.unicodeVersion`).
public struct UnicodeVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The major version (`aa`).
    public let major: Int
    /// The minor version (`bb`).
    public let minor: Int
    /// The release (`cc`).
    public let release: Int

    /// Unicode 4.0.0, which Doc 9303 documents declare.
    public static let v4_0_0 = UnicodeVersion(unchecked: 4, 0, 0)

    /// A version; `nil` unless every part is in 0…99.
    public init?(major: Int, minor: Int, release: Int) {
        guard [major, minor, release].allSatisfy({ (0...99).contains($0) }) else { return nil }
        self.init(unchecked: major, minor, release)
    }

    private init(unchecked major: Int, _ minor: Int, _ release: Int) {
        self.major = major
        self.minor = minor
        self.release = release
    }

    /// Parses the six-digit form `"aabbcc"` (e.g. `"040000"`); `nil` for anything else.
    public init?(encoded: String) {
        guard let d = DecimalDigits.parse(encoded, count: 6) else { return nil }
        self.init(unchecked: d[0] * 10 + d[1], d[2] * 10 + d[3], d[4] * 10 + d[5])
    }

    /// The six-digit form, e.g. `"040000"`.
    public var encoded: String {
        DecimalDigits.twoDigits(major) + DecimalDigits.twoDigits(minor) + DecimalDigits.twoDigits(release)
    }

    /// `"4.0.0"`.
    public var description: String { "\(major).\(minor).\(release)" }

    /// Orders by major, minor, release.
    public static func < (lhs: UnicodeVersion, rhs: UnicodeVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.release) < (rhs.major, rhs.minor, rhs.release)
    }
}

/// Helpers for the fixed-width decimal fields of the LDS.
enum DecimalDigits {
    /// The digit values of `text` if it is exactly `count` ASCII digits.
    static func parse(_ text: String, count: Int) -> [Int]? {
        let bytes = Array(text.utf8)
        guard bytes.count == count, bytes.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return bytes.map { Int($0 - 0x30) }
    }

    /// `n` as two digits with a leading zero (n in 0…99).
    static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
