/// The MRZ check digit (Doc 9303-3 §4.9): each character is given a value (`0`–`9` as
/// themselves, `A`–`Z` as 10–35, the filler `<` as 0), multiplied by the repeating weights
/// 7, 3, 1, and the sum taken modulo 10.
public enum MRZCheckDigit {
    /// The value of one MRZ character, or `nil` for a character outside `A–Z 0–9 <`.
    public static func value(of character: Character) -> Int? {
        guard let ascii = character.asciiValue else { return nil }
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(ascii - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(ascii - UInt8(ascii: "A")) + 10
        case UInt8(ascii: "<"): return 0
        default: return nil
        }
    }

    /// Computes the check digit over `field`.
    ///
    /// ```
    /// try MRZCheckDigit.compute("L898902C3")  // "6"
    /// try MRZCheckDigit.compute("740812")     // "2"
    /// ```
    ///
    /// - Throws: ``LDSError`` with code `invalidValue` if `field` holds a character outside
    ///   the MRZ character set; the offset is the character's position in `field`.
    public static func compute(_ field: some StringProtocol) throws(LDSError) -> Character {
        let weights = [7, 3, 1]
        var sum = 0
        for (index, character) in field.enumerated() {
            guard let value = value(of: character) else {
                throw LDSError(.invalidValue, structure: "MRZ check digit input", offset: index,
                               reason: "character \"\(character)\" is not an MRZ character (A–Z, 0–9, <)",
                               remedy: "Transliterate the field to the MRZ character set (Doc 9303-3 §4.6, §6) first.")
            }
            sum += value * weights[index % 3]
        }
        return Character(String(sum % 10))
    }

    /// Whether `field` is non-empty and made only of `<` fillers.
    static func isAllFiller(_ field: some StringProtocol) -> Bool {
        !field.isEmpty && field.allSatisfy { $0 == "<" }
    }
}
