/// A machine readable zone (Doc 9303-3 §4; parts 4–7 §4.2), as printed on the document and
/// stored in DG1.
///
/// The MRZ keeps its text exactly as read, so that DG1 re-encodes byte for byte, and exposes
/// the parsed ``fields``. Parsing checks the layout and character set only; ``validate()``
/// checks the check digits and reports every mismatch.
public struct MRZ: Sendable, Hashable, CustomStringConvertible {
    /// The layout.
    public let format: MRZFormat
    /// All lines concatenated without separators, as DG1 stores them.
    public let text: String
    /// The parsed data elements.
    public let fields: MRZFields

    /// The lines, top to bottom.
    public var lines: [String] {
        let bytes = Array(text.utf8)
        return stride(from: 0, to: bytes.count, by: format.lineLength).map {
            String(decoding: bytes[$0..<min($0 + format.lineLength, bytes.count)], as: UTF8.self)
        }
    }

    /// The lines separated by newlines, as printed.
    public var description: String { lines.joined(separator: "\n") }

    /// Parses an MRZ given as concatenated lines (as in DG1) or as lines separated by newlines.
    ///
    /// The format follows from the length: 90 characters TD1, 72 TD2 (MRV-B if the document
    /// code starts with `V`), 88 TD3 (MRV-A for `V`).
    ///
    /// - Throws: ``LDSError`` if the length fits no format, a character is outside `A–Z 0–9 <`
    ///   (offset = position in the concatenated text), or the sex field is not `M`, `F`, `<`, `X`.
    public init(text input: String) throws(LDSError) {
        let bytes = Array(input.utf8).filter { $0 != 0x0A && $0 != 0x0D }
        let first = bytes.first.map { Character(UnicodeScalar($0)) }
        guard let format = MRZFormat(characterCount: bytes.count, firstCharacter: first) else {
            throw LDSError(.invalidValue, structure: "MRZ", offset: nil,
                           reason: "the MRZ has \(bytes.count) characters; TD1 has 90 (3×30), TD2/MRV-B 72 (2×36), "
                               + "TD3/MRV-A 88 (2×44)",
                           remedy: "Pass the complete MRZ: all lines, without spaces.")
        }
        try self.init(format: format, bytes: bytes)
    }

    /// Parses MRZ characters already known to have the length of `format`.
    init(format: MRZFormat, bytes: [UInt8]) throws(LDSError) {
        if let bad = bytes.firstIndex(where: { MRZCheckDigit.value(of: Character(UnicodeScalar($0))) == nil }) {
            throw LDSError(.invalidValue, structure: "MRZ", offset: bad,
                           reason: "character \(Hex.string([bytes[bad]])) (\"\(Character(UnicodeScalar(bytes[bad])))\") "
                               + "is not an MRZ character (A–Z, 0–9, <)",
                           remedy: "Re-read the MRZ; lower-case letters and spaces are not allowed (Doc 9303-3 §4.3).")
        }
        let layout = format.layout
        let reader = MRZReader(bytes: bytes)
        guard let sex = MRZSex(rawValue: reader.character(layout.sex)) else {
            throw LDSError(.invalidValue, structure: "MRZ sex", offset: layout.sex,
                           reason: "sex is \"\(reader.character(layout.sex))\"; allowed are M, F, < and X",
                           remedy: "Re-read the MRZ; the document does not follow Doc 9303-3 §4.2.")
        }
        let number = reader.documentNumber(layout)
        let (primary, secondary) = reader.names(layout.name)
        self.format = format
        self.text = String(decoding: bytes, as: UTF8.self)
        self.fields = MRZFields(
            documentCode: reader.trimmed(layout.documentCode),
            issuingState: reader.trimmed(layout.issuingState),
            primaryIdentifier: primary,
            secondaryIdentifier: secondary,
            documentNumber: number.number,
            nationality: reader.trimmed(layout.nationality),
            dateOfBirth: reader.raw(layout.dateOfBirth),
            sex: sex,
            dateOfExpiry: reader.raw(layout.dateOfExpiry),
            optionalData1: number.optionalData,
            optionalData2: layout.optionalData2.map { reader.trimmed($0) } ?? "")
    }
}

/// Read access to MRZ characters by layout position. Positions are always inside `bytes`
/// because the layout's length was checked before a reader is made.
struct MRZReader {
    let bytes: [UInt8]

    func raw(_ range: Range<Int>) -> String {
        let clamped = range.clamped(to: 0..<bytes.count)
        return String(decoding: bytes[clamped], as: UTF8.self)
    }

    func character(_ position: Int) -> Character {
        guard position >= 0, position < bytes.count else { return "<" }
        return Character(UnicodeScalar(bytes[position]))
    }

    /// The field without trailing fillers.
    func trimmed(_ range: Range<Int>) -> String {
        Self.trimFillers(raw(range))
    }

    static func trimFillers(_ text: some StringProtocol) -> String {
        var result = Substring(text)
        while result.last == "<" { result = result.dropLast() }
        return String(result)
    }

    /// Splits the name field at the first `<<` into primary and secondary identifiers,
    /// turning the single fillers between components into spaces (Doc 9303-3 §4.6).
    func names(_ range: Range<Int>) -> (String, String) {
        let field = Self.trimFillers(raw(range))
        let spaced: (Substring) -> String = { part in
            part.split(separator: "<", omittingEmptySubsequences: true).joined(separator: " ")
        }
        guard let separator = field.firstRange(of: "<<") else { return (spaced(field[...]), "") }
        return (spaced(field[..<separator.lowerBound]), spaced(field[separator.upperBound...]))
    }

    /// The document number with its check digit position, following a continuation into
    /// optional data 1 when the check digit position holds `<` (Doc 9303-5 §4.2.4 note j,
    /// Doc 9303-6 §4.2.4 note j).
    func documentNumber(_ layout: MRZLayout) -> (number: String, check: Int, optionalData: String) {
        let principal = raw(layout.documentNumber)
        let optional = Array(bytes[layout.optionalData1.clamped(to: 0..<bytes.count)])
        if layout.allowsExtendedDocumentNumber, character(layout.documentNumberCheck) == "<",
           let filler = optional.firstIndex(of: UInt8(ascii: "<")) ?? (optional.isEmpty ? nil : optional.count),
           filler >= 2 {
            let continuation = String(decoding: optional[0..<(filler - 1)], as: UTF8.self)
            let rest = filler + 1 < optional.count ? String(decoding: optional[(filler + 1)...], as: UTF8.self) : ""
            return (principal + continuation, layout.optionalData1.lowerBound + filler - 1, Self.trimFillers(rest))
        }
        return (Self.trimFillers(principal), layout.documentNumberCheck, Self.trimFillers(raw(layout.optionalData1)))
    }
}
