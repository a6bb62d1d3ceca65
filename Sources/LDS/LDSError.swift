/// The one error type of the LDS module.
///
/// Every decoding failure names the structure that was being read (for example
/// `"EF.SOD"` or `"SignerInfo.sid"`), the byte offset in the input where the
/// problem was found (when one applies), what was wrong, and what the caller can do.
/// Offsets are absolute: they count from the first byte of the buffer handed to the
/// public decoder (the first byte of the EF file, not of a nested value).
public struct LDSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable classification of the failure.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The input was empty.
        case emptyInput
        /// The input ended before a tag, a length or a value was complete.
        case truncated
        /// A tag is malformed (e.g. a long-form tag number that never ends or is too large).
        case malformedTag
        /// A length is malformed, reserved, too large, or indefinite where that is not allowed.
        case malformedLength
        /// A length points past the end of the enclosing value.
        case lengthOverflow
        /// Structures are nested deeper than this decoder accepts.
        case nestingTooDeep
        /// A different tag was found where a specific one is required.
        case unexpectedTag
        /// Bytes remain after a structure that must fill its container.
        case trailingData
        /// A required element is absent.
        case missingElement
        /// An element occurs more often than allowed.
        case duplicateElement
        /// A value is syntactically well-formed but not allowed (wrong range, bad characters, …).
        case invalidValue
        /// An object identifier is not one this structure accepts.
        case unsupportedObjectIdentifier
        /// The value cannot be encoded as requested (building, not parsing).
        case encodingFailed
    }

    /// The classification of the failure.
    public let code: Code
    /// The structure being decoded or encoded, in Doc 9303 / RFC 5652 terms (e.g. `"EF.COM"`).
    public let structure: String
    /// The absolute byte offset in the input where the problem was found, if any.
    public let offset: Int?
    /// What was wrong, in words a security officer can act on.
    public let reason: String
    /// What to do about it.
    public let remedy: String
    /// The source location that raised the error (`fileID:line`), for support.
    public let callSite: String

    /// Creates an error; the call site is recorded automatically.
    public init(
        _ code: Code,
        structure: String,
        offset: Int? = nil,
        reason: String,
        remedy: String,
        fileID: StaticString = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.structure = structure
        self.offset = offset
        self.reason = reason
        self.remedy = remedy
        self.callSite = "\(fileID):\(line)"
    }

    /// A one-line rendering: code, structure, offset, reason and remedy.
    public var description: String {
        let place = offset.map { " at offset \($0)" } ?? ""
        return "LDS error [\(code.rawValue)] in \(structure)\(place): \(reason) — \(remedy) (\(callSite))"
    }

    /// The same error re-labelled with an outer structure name, keeping offset and call site.
    func within(_ outer: String) -> LDSError {
        LDSError(rebuilding: self, structure: "\(outer) › \(structure)")
    }

    private init(rebuilding other: LDSError, structure: String) {
        self.code = other.code
        self.structure = structure
        self.offset = other.offset
        self.reason = other.reason
        self.remedy = other.remedy
        self.callSite = other.callSite
    }
}

extension LDSError {
    /// Remedy text shared by decoders of data read from a chip.
    static let rereadRemedy =
        "Re-read the file from the chip (check for a transmission error or truncated read); "
        + "if the file is intact, the document is malformed and must be treated as failing inspection."
}
