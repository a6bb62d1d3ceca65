import SwiftASN1

/// A DER element described as a tree and written into one buffer in one pass (X.690 §8.1.1,
/// §10.1: definite lengths in their minimal form).
///
/// Every part's length is computed from its children before its header is written, so no
/// bytes are ever moved to make room for a longer length field, and nested structures such as
/// CMS `SignedData` cost one allocation and one copy of each leaf.
indirect enum DERTree: Sendable {
    /// A complete element (tag, length and value), copied as it is.
    case encoded([UInt8])
    /// An element whose value octets are given whole: `tag`, the minimal length, `value`.
    case leaf(TLVTag, [UInt8])
    /// A constructed element holding `children` in order.
    case constructed(TLVTag, [DERTree])

    /// A small non-negative INTEGER (X.690 §8.3), such as a structure's version.
    static func integer(_ value: UInt8) -> DERTree {
        value < 0x80 ? .leaf(.integer, [value]) : .leaf(.integer, [0x00, value])
    }

    /// An OBJECT IDENTIFIER element (X.690 §8.19).
    static func objectIdentifier(_ oid: ASN1ObjectIdentifier) throws -> DERTree {
        var serializer = DER.Serializer()
        try serializer.serialize(oid)
        return .encoded(serializer.serializedBytes)
    }

    /// The number of bytes ``bytes`` will have.
    var count: Int {
        switch self {
        case .encoded(let bytes): return bytes.count
        case .leaf(let tag, let value): return Self.headerCount(tag, value.count) + value.count
        case .constructed(let tag, let children):
            let content = Self.contentCount(children)
            return Self.headerCount(tag, content) + content
        }
    }

    /// The DER encoding.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        write(into: &out)
        return out
    }

    /// Appends the encoding to `out`.
    func write(into out: inout [UInt8]) {
        switch self {
        case .encoded(let bytes):
            out.append(contentsOf: bytes)
        case .leaf(let tag, let value):
            Self.writeHeader(tag, value.count, into: &out)
            out.append(contentsOf: value)
        case .constructed(let tag, let children):
            Self.writeHeader(tag, Self.contentCount(children), into: &out)
            for child in children { child.write(into: &out) }
        }
    }

    private static func contentCount(_ children: [DERTree]) -> Int {
        children.reduce(0) { $0 + $1.count }
    }

    private static func headerCount(_ tag: TLVTag, _ length: Int) -> Int {
        (tag.rawValue <= 0xFF ? 1 : tag.bytes.count) + lengthFieldCount(length)
    }

    /// One byte below 128, otherwise `0x80 | n` and n big-endian bytes.
    private static func lengthFieldCount(_ length: Int) -> Int {
        guard length >= 0x80 else { return 1 }
        var octets = 0
        var remaining = length
        while remaining > 0 { octets += 1; remaining >>= 8 }
        return 1 + octets
    }

    private static func writeHeader(_ tag: TLVTag, _ length: Int, into out: inout [UInt8]) {
        if tag.rawValue <= 0xFF { out.append(UInt8(tag.rawValue)) } else { out.append(contentsOf: tag.bytes) }
        guard length >= 0x80 else { out.append(UInt8(length)); return }
        let octets = lengthFieldCount(length) - 1
        out.append(0x80 | UInt8(octets))
        for index in stride(from: octets - 1, through: 0, by: -1) {
            out.append(UInt8(truncatingIfNeeded: length >> (8 * index)))
        }
    }
}
