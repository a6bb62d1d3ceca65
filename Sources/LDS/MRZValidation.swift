extension MRZ {
    /// Checks every check digit of the MRZ (Doc 9303-3 §4.9; parts 4–7 §4.2.2) and returns
    /// each mismatch; an empty list means all check digits are right.
    ///
    /// Checked: document number (over the full number when it continues into optional data),
    /// date of birth, date of expiry, the TD3 personal number (a `<` check digit is accepted
    /// when the personal number is all fillers), and the composite check digit (TD1, TD2, TD3).
    public func validate() -> [MRZCheckDigitFailure] {
        let layout = format.layout
        let reader = MRZReader(bytes: Array(text.utf8))
        var failures: [MRZCheckDigitFailure] = []

        func check(_ field: MRZCheckDigitField, over input: String, at position: Int, fillerAllowed: Bool = false) {
            let found = reader.character(position)
            guard let expected = try? MRZCheckDigit.compute(input) else { return }
            if found == expected || (fillerAllowed && found == "<") { return }
            failures.append(MRZCheckDigitFailure(field: field, position: position, found: found, expected: expected))
        }

        let number = reader.documentNumber(layout)
        check(.documentNumber, over: number.number, at: number.check)
        check(.dateOfBirth, over: reader.raw(layout.dateOfBirth), at: layout.dateOfBirthCheck)
        check(.dateOfExpiry, over: reader.raw(layout.dateOfExpiry), at: layout.dateOfExpiryCheck)
        if let position = layout.optionalData1Check {
            let personal = reader.raw(layout.optionalData1)
            check(.personalNumber, over: personal, at: position, fillerAllowed: MRZCheckDigit.isAllFiller(personal))
        }
        if let position = layout.composite {
            let input = layout.compositeInput.map { reader.raw($0) }.joined()
            check(.composite, over: input, at: position)
        }
        return failures
    }

    /// Whether every check digit is right.
    public var hasValidCheckDigits: Bool { validate().isEmpty }
}
