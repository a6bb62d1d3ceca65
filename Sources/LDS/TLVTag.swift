/// A BER-TLV tag as used by the LDS (Doc 9303-10 §4.6; ISO/IEC 7816-4 §5.2; X.690 §8.1.2).
///
/// The raw value is the tag's bytes read as a big-endian number, the way Doc 9303 writes
/// tags: `0x61` (EF.DG1), `0x5F1F` (MRZ data element), `0x7F61` (biometric information group
/// template). Multi-byte tags are at most four bytes long.
///
/// Unlike strict X.690 DER, a long-form tag whose number is below 31 (e.g. `5F01`, the LDS
/// version) is accepted: ISO/IEC 7816-4 interindustry tags use that form.
public struct TLVTag: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The class bits (b8–b7) of the first tag byte.
    public enum TagClass: UInt8, Sendable, Hashable {
        /// `00` — universal (ASN.1 built-in types).
        case universal = 0
        /// `01` — application (LDS elementary file and data element tags).
        case application = 1
        /// `10` — context-specific (`[0]`, `[1]`, … in CMS).
        case contextSpecific = 2
        /// `11` — private.
        case `private` = 3
    }

    /// The tag bytes as a big-endian number (e.g. `0x5F1F`).
    public let rawValue: UInt32

    /// Accepts `rawValue` only if its bytes form exactly one well-formed tag.
    public init?(rawValue: UInt32) {
        let bytes = Self.bytes(of: rawValue)
        guard Self.isWellFormed(bytes) else { return nil }
        self.rawValue = rawValue
    }

    /// For tags built from bytes the decoder has already checked, and for constants.
    init(unchecked rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The encoded tag bytes (1 to 4).
    public var bytes: [UInt8] { Self.bytes(of: rawValue) }

    /// The first tag byte, which carries class and the constructed bit.
    public var leadingByte: UInt8 { bytes.first ?? 0 }

    /// The class of the tag.
    public var tagClass: TagClass { TagClass(rawValue: leadingByte >> 6) ?? .universal }

    /// Whether bit b6 of the first byte marks the value as a sequence of nested TLVs.
    public var isConstructed: Bool { leadingByte & 0x20 != 0 }

    /// The tag number (the low five bits, or the base-128 number of a long-form tag).
    public var number: UInt32 {
        let all = bytes
        guard let first = all.first else { return 0 }
        guard first & 0x1F == 0x1F else { return UInt32(first & 0x1F) }
        return all.dropFirst().reduce(UInt32(0)) { ($0 << 7) | UInt32($1 & 0x7F) }
    }

    /// Hex rendering as Doc 9303 writes tags, e.g. `"5F1F"`.
    public var description: String { Hex.string(bytes) }

    static func bytes(of raw: UInt32) -> [UInt8] {
        guard raw != 0 else { return [0] }
        var out: [UInt8] = []
        var value = raw
        while value != 0 {
            out.insert(UInt8(truncatingIfNeeded: value), at: 0)
            value >>= 8
        }
        return out
    }

    static func isWellFormed(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first else { return false }
        if first & 0x1F != 0x1F { return bytes.count == 1 }
        let rest = bytes.dropFirst()
        guard let last = rest.last, rest.count <= 3, rest.first != 0x80 else { return false }
        return last & 0x80 == 0 && rest.dropLast().allSatisfy { $0 & 0x80 != 0 }
    }
}

extension TLVTag {
    /// `0x04` OCTET STRING (primitive).
    public static let octetString = TLVTag(unchecked: 0x04)
    /// `0x24` OCTET STRING in the constructed (segmented) BER form.
    public static let constructedOctetString = TLVTag(unchecked: 0x24)
    /// `0x02` INTEGER.
    public static let integer = TLVTag(unchecked: 0x02)
    /// `0x06` OBJECT IDENTIFIER.
    public static let objectIdentifier = TLVTag(unchecked: 0x06)
    /// `0x05` NULL.
    public static let null = TLVTag(unchecked: 0x05)
    /// `0x30` SEQUENCE / SEQUENCE OF.
    public static let sequence = TLVTag(unchecked: 0x30)
    /// `0x31` SET / SET OF.
    public static let set = TLVTag(unchecked: 0x31)
    /// `0x17` UTCTime.
    public static let utcTime = TLVTag(unchecked: 0x17)
    /// `0x18` GeneralizedTime.
    public static let generalizedTime = TLVTag(unchecked: 0x18)
    /// `0xA0` context-specific constructed `[0]`.
    public static let contextConstructed0 = TLVTag(unchecked: 0xA0)
    /// `0xA1` context-specific constructed `[1]`.
    public static let contextConstructed1 = TLVTag(unchecked: 0xA1)
    /// `0x80` context-specific primitive `[0]` (e.g. `SignerIdentifier.subjectKeyIdentifier`).
    public static let contextPrimitive0 = TLVTag(unchecked: 0x80)

    /// `0x60` EF.COM template (Doc 9303-10 §4.6.1).
    public static let efCOM = TLVTag(unchecked: 0x60)
    /// `0x77` EF.SOD template (Doc 9303-10 §4.6.2).
    public static let efSOD = TLVTag(unchecked: 0x77)
    /// `0x5F01` LDS version number, `aabb` = version aa.bb (Doc 9303-10 §4.6.1.1).
    public static let ldsVersion = TLVTag(unchecked: 0x5F01)
    /// `0x5F36` Unicode version number, `aabbcc` (Doc 9303-10 §4.6.1.1).
    public static let unicodeVersion = TLVTag(unchecked: 0x5F36)
    /// `0x5C` tag list of the data groups present (Doc 9303-10 §4.6.1.1).
    public static let tagList = TLVTag(unchecked: 0x5C)
    /// `0x5F1F` MRZ data element inside DG1 (Doc 9303-10 §4.7.1).
    public static let mrzData = TLVTag(unchecked: 0x5F1F)

    /// The EF tag of a data group (`0x61` … `0x70`).
    public static func dataGroup(_ number: DataGroupNumber) -> TLVTag { TLVTag(unchecked: UInt32(number.tag)) }
}

/// Hexadecimal rendering for error messages and descriptions.
enum Hex {
    static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits: [Character] = Array("0123456789ABCDEF")
        var out = ""
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }
}
