/// The machine readable zone layouts of Doc 9303 parts 4–7.
public enum MRZFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// TD1, ID-1 size cards: 3 lines of 30 characters (Doc 9303-5 §4.2).
    case td1
    /// TD2: 2 lines of 36 characters (Doc 9303-6 §4.2).
    case td2
    /// TD3, passport books: 2 lines of 44 characters (Doc 9303-4 §4.2).
    case td3
    /// MRV-A visa: 2 lines of 44, no composite check digit (Doc 9303-7 §4.2).
    case mrvA
    /// MRV-B visa: 2 lines of 36, no composite check digit (Doc 9303-7 §4.2).
    case mrvB

    /// Characters per line.
    public var lineLength: Int { layout.lineLength }

    /// Number of lines.
    public var lineCount: Int { layout.length / layout.lineLength }

    /// Total number of characters, as stored in DG1 without line separators.
    public var characterCount: Int { layout.length }

    /// `"TD1"`, `"TD2"`, `"TD3"`, `"MRV-A"`, `"MRV-B"`.
    public var description: String {
        switch self {
        case .td1: "TD1"
        case .td2: "TD2"
        case .td3: "TD3"
        case .mrvA: "MRV-A"
        case .mrvB: "MRV-B"
        }
    }

    /// The format of an MRZ of `characterCount` characters whose document code starts with
    /// `firstCharacter` (visas start with `V`), or `nil`.
    public init?(characterCount: Int, firstCharacter: Character?) {
        let visa = firstCharacter == "V"
        switch characterCount {
        case 90: self = .td1
        case 72: self = visa ? .mrvB : .td2
        case 88: self = visa ? .mrvA : .td3
        default: return nil
        }
    }

    var layout: MRZLayout {
        switch self {
        case .td3: .td3
        case .td2: .td2
        case .td1: .td1
        case .mrvA: .mrvA
        case .mrvB: .mrvB
        }
    }
}

/// Character positions (0-based, over the concatenated lines) of every MRZ field.
struct MRZLayout: Sendable {
    let length: Int
    let lineLength: Int
    let documentCode: Range<Int>
    let issuingState: Range<Int>
    let name: Range<Int>
    let documentNumber: Range<Int>
    let documentNumberCheck: Int
    let nationality: Range<Int>
    let dateOfBirth: Range<Int>
    let dateOfBirthCheck: Int
    let sex: Int
    let dateOfExpiry: Range<Int>
    let dateOfExpiryCheck: Int
    let optionalData1: Range<Int>
    /// TD3: the personal number check digit.
    let optionalData1Check: Int?
    /// TD1: line 2 optional data.
    let optionalData2: Range<Int>?
    let composite: Int?
    let compositeInput: [Range<Int>]
    /// TD1/TD2 may continue a document number longer than 9 characters in optional data 1.
    let allowsExtendedDocumentNumber: Bool

    /// Doc 9303-4 §4.2.2.
    static let td3 = MRZLayout(
        length: 88, lineLength: 44, documentCode: 0..<2, issuingState: 2..<5, name: 5..<44,
        documentNumber: 44..<53, documentNumberCheck: 53, nationality: 54..<57,
        dateOfBirth: 57..<63, dateOfBirthCheck: 63, sex: 64, dateOfExpiry: 65..<71, dateOfExpiryCheck: 71,
        optionalData1: 72..<86, optionalData1Check: 86, optionalData2: nil,
        composite: 87, compositeInput: [44..<54, 57..<64, 65..<87], allowsExtendedDocumentNumber: false)

    /// Doc 9303-6 §4.2.2.
    static let td2 = MRZLayout(
        length: 72, lineLength: 36, documentCode: 0..<2, issuingState: 2..<5, name: 5..<36,
        documentNumber: 36..<45, documentNumberCheck: 45, nationality: 46..<49,
        dateOfBirth: 49..<55, dateOfBirthCheck: 55, sex: 56, dateOfExpiry: 57..<63, dateOfExpiryCheck: 63,
        optionalData1: 64..<71, optionalData1Check: nil, optionalData2: nil,
        composite: 71, compositeInput: [36..<46, 49..<56, 57..<71], allowsExtendedDocumentNumber: true)

    /// Doc 9303-5 §4.2.2.
    static let td1 = MRZLayout(
        length: 90, lineLength: 30, documentCode: 0..<2, issuingState: 2..<5, name: 60..<90,
        documentNumber: 5..<14, documentNumberCheck: 14, nationality: 45..<48,
        dateOfBirth: 30..<36, dateOfBirthCheck: 36, sex: 37, dateOfExpiry: 38..<44, dateOfExpiryCheck: 44,
        optionalData1: 15..<30, optionalData1Check: nil, optionalData2: 48..<59,
        composite: 59, compositeInput: [5..<30, 30..<37, 38..<45, 48..<59], allowsExtendedDocumentNumber: true)

    /// Doc 9303-7 §4.2.2 (MRV-A).
    static let mrvA = MRZLayout(
        length: 88, lineLength: 44, documentCode: 0..<2, issuingState: 2..<5, name: 5..<44,
        documentNumber: 44..<53, documentNumberCheck: 53, nationality: 54..<57,
        dateOfBirth: 57..<63, dateOfBirthCheck: 63, sex: 64, dateOfExpiry: 65..<71, dateOfExpiryCheck: 71,
        optionalData1: 72..<88, optionalData1Check: nil, optionalData2: nil,
        composite: nil, compositeInput: [], allowsExtendedDocumentNumber: false)

    /// Doc 9303-7 §4.2.2 (MRV-B).
    static let mrvB = MRZLayout(
        length: 72, lineLength: 36, documentCode: 0..<2, issuingState: 2..<5, name: 5..<36,
        documentNumber: 36..<45, documentNumberCheck: 45, nationality: 46..<49,
        dateOfBirth: 49..<55, dateOfBirthCheck: 55, sex: 56, dateOfExpiry: 57..<63, dateOfExpiryCheck: 63,
        optionalData1: 64..<72, optionalData1Check: nil, optionalData2: nil,
        composite: nil, compositeInput: [], allowsExtendedDocumentNumber: false)
}
