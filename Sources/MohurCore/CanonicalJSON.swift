/// The subset of JSON Mohur writes itself, serialised canonically as RFC 8785 (JSON
/// Canonicalization Scheme) asks: object members sorted by key, no insignificant whitespace,
/// strings with only the mandatory escapes (§3.2.2.2), integers in plain decimal. The subset has
/// no floating-point numbers, so every value has exactly one encoding.
///
/// The journal's entries are written this way (their bytes are hashed into the Merkle tree), and
/// so are the service's hottest answers (a passive-authentication report): the same bytes
/// `JSONEncoder` writes with sorted keys and unescaped slashes, without its generic machinery.
public indirect enum CanonicalJSON: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case bool(Bool)
    /// Journal entries hold none; reports do.
    case array([CanonicalJSON])
    case object([String: CanonicalJSON])

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out)
        return out
    }

    public func write(into out: inout [UInt8]) {
        switch self {
        case .string(let text): Self.writeString(text, into: &out)
        case .integer(let value): out.append(contentsOf: String(value).utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // RFC 8785 §3.2.3 sorts by UTF-16 code units; for the ASCII keys the journal
            // allows that is plain byte order.
            for (position, key) in members.keys.sorted(by: { $0.utf16.lexicographicallyPrecedes($1.utf16) }).enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                members[key]?.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Runs of bytes that need no escape are copied whole; most strings are one such run.
    private static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (index, byte) in bytes.enumerated() where byte == 0x22 || byte == 0x5c || byte < 0x20 {
                out.append(contentsOf: bytes[start..<index])
                escape(byte, into: &out)
                start = index + 1
            }
            out.append(contentsOf: bytes[start...])
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escape(_ byte: UInt8, into out: inout [UInt8]) {
        switch byte {
        case 0x22: out.append(contentsOf: [0x5c, 0x22])
        case 0x5c: out.append(contentsOf: [0x5c, 0x5c])
        case 0x08: out.append(contentsOf: [0x5c, UInt8(ascii: "b")])
        case 0x09: out.append(contentsOf: [0x5c, UInt8(ascii: "t")])
        case 0x0a: out.append(contentsOf: [0x5c, UInt8(ascii: "n")])
        case 0x0c: out.append(contentsOf: [0x5c, UInt8(ascii: "f")])
        case 0x0d: out.append(contentsOf: [0x5c, UInt8(ascii: "r")])
        default:
            let digits = Array("0123456789abcdef".utf8)
            out.append(contentsOf: Array("\\u00".utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }
    }
}
