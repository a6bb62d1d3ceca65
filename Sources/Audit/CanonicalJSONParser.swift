import MohurCore

/// Reads the JSON subset of `CanonicalJSON` back. Anything outside the subset (arrays, floats,
/// null) is refused; callers re-encode the result and compare bytes to refuse non-canonical
/// input, so one entry never has two spellings.
struct CanonicalJSONParser {
    struct Failure: Error { let offset: Int }

    private let bytes: [UInt8]
    private var position = 0

    static func parse(_ bytes: [UInt8]) throws(Failure) -> CanonicalJSON {
        var parser = CanonicalJSONParser(bytes: bytes)
        let value = try parser.value(depth: 0)
        guard parser.position == bytes.count else { throw Failure(offset: parser.position) }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func value(depth: Int) throws(Failure) -> CanonicalJSON {
        guard depth < 8, position < bytes.count else { throw Failure(offset: position) }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        default: return .integer(try integer())
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> CanonicalJSON {
        position += 1
        var members: [String: CanonicalJSON] = [:]
        if peek(UInt8(ascii: "}")) { position += 1; return .object(members) }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            guard members.updateValue(try value(depth: depth + 1), forKey: key) == nil else { throw Failure(offset: position) }
            if peek(UInt8(ascii: ",")) { position += 1; continue }
            try expect(UInt8(ascii: "}"))
            return .object(members)
        }
    }

    private mutating func string() throws(Failure) -> String {
        try expect(UInt8(ascii: "\""))
        var out: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw Failure(offset: position) }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "u"):
                    guard position + 4 <= bytes.count,
                          let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code) else { throw Failure(offset: position) }
                    position += 4
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw Failure(offset: position)
                }
            case 0..<0x20: throw Failure(offset: position)
            default: out.append(byte)
            }
        }
        throw Failure(offset: position)
    }

    private mutating func integer() throws(Failure) -> Int64 {
        let start = position
        if peek(UInt8(ascii: "-")) { position += 1 }
        while position < bytes.count, (48...57).contains(bytes[position]) { position += 1 }
        guard let value = Int64(String(decoding: bytes[start..<position], as: UTF8.self)) else { throw Failure(offset: start) }
        return value
    }

    private mutating func literal(_ word: String) throws(Failure) {
        let expected = Array(word.utf8)
        guard bytes.count - position >= expected.count, Array(bytes[position..<position + expected.count]) == expected else {
            throw Failure(offset: position)
        }
        position += expected.count
    }

    private func peek(_ byte: UInt8) -> Bool { position < bytes.count && bytes[position] == byte }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard peek(byte) else { throw Failure(offset: position) }
        position += 1
    }
}
