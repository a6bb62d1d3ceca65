/// The sixteen data groups of the logical data structure (ICAO Doc 9303-10 §4.7, Table 39).
///
/// The raw value is the data group number as used in `DataGroupHash.dataGroupNumber`
/// of the LDS security object (Doc 9303-10 §4.6.2.2: `DataGroupNumber ::= INTEGER
/// { dataGroup1(1), …, dataGroup16(16) }`).
public enum DataGroupNumber: Int, CaseIterable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// DG1 — machine readable zone information (mandatory).
    case dg1 = 1
    /// DG2 — encoded identification features: face (mandatory).
    case dg2
    /// DG3 — encoded identification features: finger(s).
    case dg3
    /// DG4 — encoded identification features: iris(es).
    case dg4
    /// DG5 — displayed portrait.
    case dg5
    /// DG6 — reserved for future use.
    case dg6
    /// DG7 — displayed signature or usual mark.
    case dg7
    /// DG8 — data feature(s).
    case dg8
    /// DG9 — structure feature(s).
    case dg9
    /// DG10 — substance feature(s).
    case dg10
    /// DG11 — additional personal detail(s).
    case dg11
    /// DG12 — additional document detail(s).
    case dg12
    /// DG13 — optional detail(s), format defined by the issuing state.
    case dg13
    /// DG14 — security options (Chip Authentication, PACE info).
    case dg14
    /// DG15 — Active Authentication public key info.
    case dg15
    /// DG16 — person(s) to notify.
    case dg16

    /// The EF tag that opens the data group's file (Doc 9303-10 §4.6.1, Table 34).
    public var tag: UInt8 {
        switch self {
        case .dg1: 0x61
        case .dg2: 0x75
        case .dg3: 0x63
        case .dg4: 0x76
        case .dg5: 0x65
        case .dg6: 0x66
        case .dg7: 0x67
        case .dg8: 0x68
        case .dg9: 0x69
        case .dg10: 0x6A
        case .dg11: 0x6B
        case .dg12: 0x6C
        case .dg13: 0x6D
        case .dg14: 0x6E
        case .dg15: 0x6F
        case .dg16: 0x70
        }
    }

    /// The elementary file identifier: `0x0101` for DG1 … `0x0110` for DG16 (Doc 9303-10 §4.6.1).
    public var fileIdentifier: UInt16 { 0x0100 + UInt16(rawValue) }

    /// The short EF identifier: 1 for DG1 … 16 for DG16 (Doc 9303-10 §4.6.1).
    public var shortFileIdentifier: UInt8 { UInt8(rawValue) }

    /// The data group whose EF tag is `tag`, or `nil` when `tag` is not a data group tag.
    public init?(tag: UInt8) {
        guard let match = Self.allCases.first(where: { $0.tag == tag }) else { return nil }
        self = match
    }

    /// The data group stored under elementary file identifier `fileIdentifier`, if any.
    public init?(fileIdentifier: UInt16) {
        guard fileIdentifier > 0x0100, let number = DataGroupNumber(rawValue: Int(fileIdentifier - 0x0100)) else {
            return nil
        }
        self = number
    }

    /// Orders data groups by number.
    public static func < (lhs: DataGroupNumber, rhs: DataGroupNumber) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `"DG1"` … `"DG16"`.
    public var description: String { "DG\(rawValue)" }
}

/// An elementary file of the LDS1 eMRTD application (Doc 9303-10 §4.6.1, Table 34):
/// EF.COM, EF.SOD or one of the data groups.
public enum LDSElementaryFile: Sendable, Hashable, CustomStringConvertible {
    /// EF.COM — common data: LDS version, Unicode version and the list of present data groups.
    case com
    /// EF.SOD — document security object (the CMS-signed LDS security object).
    case sod
    /// EF.DG1 … EF.DG16.
    case dataGroup(DataGroupNumber)

    /// The tag that opens the file: EF.COM `0x60`, EF.SOD `0x77`, data groups per ``DataGroupNumber/tag``.
    public var tag: UInt8 {
        switch self {
        case .com: 0x60
        case .sod: 0x77
        case .dataGroup(let number): number.tag
        }
    }

    /// The elementary file identifier: EF.COM `0x011E`, EF.SOD `0x011D`, data groups `0x0101…0x0110`.
    public var fileIdentifier: UInt16 {
        switch self {
        case .com: 0x011E
        case .sod: 0x011D
        case .dataGroup(let number): number.fileIdentifier
        }
    }

    /// The short EF identifier: EF.COM `0x1E`, EF.SOD `0x1D`, data groups 1…16.
    public var shortFileIdentifier: UInt8 { UInt8(truncatingIfNeeded: fileIdentifier) }

    /// The file that opens with `tag`, or `nil`.
    public init?(tag: UInt8) {
        switch tag {
        case 0x60: self = .com
        case 0x77: self = .sod
        default:
            guard let number = DataGroupNumber(tag: tag) else { return nil }
            self = .dataGroup(number)
        }
    }

    /// The file with elementary file identifier `fileIdentifier`, or `nil`.
    public init?(fileIdentifier: UInt16) {
        switch fileIdentifier {
        case 0x011E: self = .com
        case 0x011D: self = .sod
        default:
            guard let number = DataGroupNumber(fileIdentifier: fileIdentifier) else { return nil }
            self = .dataGroup(number)
        }
    }

    /// `"EF.COM"`, `"EF.SOD"` or `"EF.DGn"`.
    public var description: String {
        switch self {
        case .com: "EF.COM"
        case .sod: "EF.SOD"
        case .dataGroup(let number): "EF.\(number)"
        }
    }
}
