/// The data elements of a machine readable zone (Doc 9303-3 §4.2, parts 4–7 §4.2.2),
/// with trailing `<` fillers removed and name fillers shown as spaces.
///
/// Used both as the result of parsing an ``MRZ`` and as the input for building one.
public struct MRZFields: Sendable, Hashable {
    /// Document code, e.g. `"P"` (passport), `"I"`, `"ID"`, `"AC"`, `"V"`.
    public var documentCode: String
    /// Issuing state or organisation, three-letter code (Doc 9303-3 §5), e.g. `"UTO"`, `"D"`.
    public var issuingState: String
    /// Primary identifier (surname(s)), name components separated by spaces, e.g. `"ERIKSSON"`.
    public var primaryIdentifier: String
    /// Secondary identifier (given names) separated by spaces, e.g. `"ANNA MARIA"`.
    public var secondaryIdentifier: String
    /// Document number, including characters continued in optional data (TD1, TD2).
    public var documentNumber: String
    /// Nationality, three-letter code.
    public var nationality: String
    /// Date of birth `YYMMDD`; unknown parts are `<` (Doc 9303-3 §4.2.3).
    public var dateOfBirth: String
    /// Sex.
    public var sex: MRZSex
    /// Date of expiry `YYMMDD`.
    public var dateOfExpiry: String
    /// TD3: personal number or other optional data (line 2, 14 characters). TD1: optional data
    /// of line 1. TD2, MRV: optional data of line 2. Without the continuation of a long
    /// document number.
    public var optionalData1: String
    /// TD1 only: optional data of line 2 (11 characters); empty for the other formats.
    public var optionalData2: String

    /// Creates a field set. Text fields use upper-case Latin letters, digits and `<`; names may
    /// use spaces (and hyphens) between components, which become `<`.
    public init(
        documentCode: String,
        issuingState: String,
        primaryIdentifier: String,
        secondaryIdentifier: String,
        documentNumber: String,
        nationality: String,
        dateOfBirth: String,
        sex: MRZSex,
        dateOfExpiry: String,
        optionalData1: String = "",
        optionalData2: String = ""
    ) {
        self.documentCode = documentCode
        self.issuingState = issuingState
        self.primaryIdentifier = primaryIdentifier
        self.secondaryIdentifier = secondaryIdentifier
        self.documentNumber = documentNumber
        self.nationality = nationality
        self.dateOfBirth = dateOfBirth
        self.sex = sex
        self.dateOfExpiry = dateOfExpiry
        self.optionalData1 = optionalData1
        self.optionalData2 = optionalData2
    }
}

/// The sex field of the MRZ (Doc 9303-3 §4.2.2; parts 4–6 §4.2.2).
public enum MRZSex: Character, Sendable, Hashable, CaseIterable {
    /// `M`.
    case male = "M"
    /// `F`.
    case female = "F"
    /// `<`, unspecified.
    case unspecified = "<"
    /// `X`, unspecified as printed by some issuers (Doc 9303-4 shows `X` in the VIZ, `<` in the MRZ).
    case unspecifiedX = "X"
}

/// The check digits of an MRZ (Doc 9303-3 §4.9).
public enum MRZCheckDigitField: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Over the document number.
    case documentNumber
    /// Over the date of birth.
    case dateOfBirth
    /// Over the date of expiry.
    case dateOfExpiry
    /// TD3 only: over the personal number (optional data of line 2).
    case personalNumber
    /// Over the fields listed per format (not on visas).
    case composite

    /// The field name as Doc 9303 writes it.
    public var description: String {
        switch self {
        case .documentNumber: "document number"
        case .dateOfBirth: "date of birth"
        case .dateOfExpiry: "date of expiry"
        case .personalNumber: "personal number"
        case .composite: "composite"
        }
    }
}

/// A check digit that does not match its field.
public struct MRZCheckDigitFailure: Sendable, Hashable, CustomStringConvertible {
    /// Which check digit.
    public let field: MRZCheckDigitField
    /// The 0-based position of the check digit in the concatenated MRZ.
    public let position: Int
    /// The character found in the MRZ.
    public let found: Character
    /// The check digit computed from the field.
    public let expected: Character

    /// E.g. `"date of birth check digit at position 63 is 3, expected 2"`.
    public var description: String {
        "\(field) check digit at position \(position) is \(found), expected \(expected)"
    }
}
