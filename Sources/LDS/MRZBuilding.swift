extension MRZ {
    /// Builds an MRZ from its data elements, computing every check digit (Doc 9303-3 §4.9;
    /// parts 4–7 §4.2.2).
    ///
    /// Fields are written left-aligned and padded with `<`. In names, spaces and hyphens
    /// between components become `<`, and primary and secondary identifiers are separated by
    /// `<<`. A document number longer than 9 characters continues in optional data 1 for TD1
    /// and TD2 (Doc 9303-5/-6 §4.2.4 note j). An empty TD3 personal number gets a `<` check digit.
    ///
    /// - Throws: ``LDSError`` (`encodingFailed`) if a field holds characters outside `A–Z 0–9 <`
    ///   or does not fit its positions. Names are not truncated here: apply the truncation rules
    ///   of Doc 9303-3 §4.6.5 (and transliteration, §6) before building.
    public init(format: MRZFormat, fields: MRZFields) throws(LDSError) {
        let layout = format.layout
        var writer = MRZWriter(length: layout.length)
        try writer.put(fields.documentCode, at: layout.documentCode, "document code")
        try writer.put(fields.issuingState, at: layout.issuingState, "issuing state")
        let primary = MRZWriter.nameComponents(fields.primaryIdentifier)
        let secondary = MRZWriter.nameComponents(fields.secondaryIdentifier)
        try writer.put(secondary.isEmpty ? primary : primary + "<<" + secondary, at: layout.name, "name")

        var optional1 = fields.optionalData1
        let number = fields.documentNumber
        if number.count <= layout.documentNumber.count {
            try writer.put(number, at: layout.documentNumber, "document number")
            try writer.putCheckDigit(over: number, at: layout.documentNumberCheck, "document number")
        } else if layout.allowsExtendedDocumentNumber {
            try writer.put(String(number.prefix(9)), at: layout.documentNumber, "document number")
            let check = try MRZWriter.checkDigit(number, "document number")
            optional1 = String(number.dropFirst(9)) + String(check) + "<" + optional1
        } else {
            throw LDSError(.encodingFailed, structure: "MRZ document number",
                           reason: "document number \"\(number)\" has \(number.count) characters; "
                               + "\(format) allows 9",
                           remedy: "Use a document number of at most 9 characters for \(format).")
        }
        try writer.put(fields.nationality, at: layout.nationality, "nationality")
        try writer.putDate(fields.dateOfBirth, at: layout.dateOfBirth, check: layout.dateOfBirthCheck, "date of birth")
        writer.putCharacter(fields.sex.rawValue, at: layout.sex)
        try writer.putDate(fields.dateOfExpiry, at: layout.dateOfExpiry, check: layout.dateOfExpiryCheck,
                           "date of expiry")
        try writer.put(optional1, at: layout.optionalData1, "optional data")
        if let position = layout.optionalData1Check {
            let personal = writer.text(layout.optionalData1)
            if MRZCheckDigit.isAllFiller(personal) {
                writer.putCharacter("<", at: position)
            } else {
                try writer.putCheckDigit(over: personal, at: position, "personal number")
            }
        }
        if let range = layout.optionalData2 {
            try writer.put(fields.optionalData2, at: range, "optional data 2")
        } else if !fields.optionalData2.isEmpty {
            throw LDSError(.encodingFailed, structure: "MRZ optional data 2",
                           reason: "\(format) has no second optional data field",
                           remedy: "Put optional data in optionalData1, or use TD1.")
        }
        if let position = layout.composite {
            let input = layout.compositeInput.map { writer.text($0) }.joined()
            try writer.putCheckDigit(over: input, at: position, "composite")
        }
        try self.init(format: format, bytes: writer.bytes)
    }
}

/// Fills an MRZ of fixed length; every position starts as `<`.
struct MRZWriter {
    private(set) var bytes: [UInt8]

    init(length: Int) {
        bytes = Array(repeating: UInt8(ascii: "<"), count: length)
    }

    /// Name components with spaces and hyphens turned into single fillers (Doc 9303-3 §4.6).
    static func nameComponents(_ name: String) -> String {
        name.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "<" }).joined(separator: "<")
    }

    static func checkDigit(_ input: String, _ what: String) throws(LDSError) -> Character {
        do {
            return try MRZCheckDigit.compute(input)
        } catch {
            throw LDSError(.encodingFailed, structure: "MRZ \(what)",
                           reason: "\(what) \"\(input)\" holds characters outside A–Z, 0–9, <",
                           remedy: "Transliterate to the MRZ character set (Doc 9303-3 §6) in upper case.")
        }
    }

    func text(_ range: Range<Int>) -> String {
        String(decoding: bytes[range.clamped(to: 0..<bytes.count)], as: UTF8.self)
    }

    mutating func putCharacter(_ character: Character, at position: Int) {
        guard position >= 0, position < bytes.count, let ascii = character.asciiValue else { return }
        bytes[position] = ascii
    }

    mutating func put(_ value: String, at range: Range<Int>, _ what: String) throws(LDSError) {
        let utf8 = Array(value.utf8)
        guard utf8.allSatisfy({ MRZCheckDigit.value(of: Character(UnicodeScalar($0))) != nil }) else {
            throw LDSError(.encodingFailed, structure: "MRZ \(what)",
                           reason: "\(what) \"\(value)\" holds characters outside A–Z, 0–9, <",
                           remedy: "Transliterate to the MRZ character set (Doc 9303-3 §6) in upper case.")
        }
        guard utf8.count <= range.count else {
            throw LDSError(.encodingFailed, structure: "MRZ \(what)",
                           reason: "\(what) \"\(value)\" has \(utf8.count) characters; the field holds \(range.count)",
                           remedy: "Shorten the field; truncate names per Doc 9303-3 §4.6.5.")
        }
        for (index, byte) in utf8.enumerated() {
            bytes[range.lowerBound + index] = byte
        }
    }

    mutating func putCheckDigit(over input: String, at position: Int, _ what: String) throws(LDSError) {
        putCharacter(try Self.checkDigit(input, what), at: position)
    }

    mutating func putDate(_ date: String, at range: Range<Int>, check: Int, _ what: String) throws(LDSError) {
        guard date.utf8.count == 6, date.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "<") }) else {
            throw LDSError(.encodingFailed, structure: "MRZ \(what)",
                           reason: "\(what) \"\(date)\" is not YYMMDD (digits, or < for unknown parts)",
                           remedy: "Give the date as six characters YYMMDD (Doc 9303-3 §4.2.3).")
        }
        try put(date, at: range, what)
        try putCheckDigit(over: date, at: check, what)
    }
}
