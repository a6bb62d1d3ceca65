/// One decoded BER-TLV element (X.690 §8.1; ISO/IEC 7816-4 §5.2; Doc 9303-10 §4.6).
///
/// The element keeps slices of the input instead of copies. Slice indices are those of the
/// buffer handed to the decoder, so ``offset`` and every error offset are absolute positions
/// in that buffer.
///
/// Definite lengths in short and long form (up to four length octets) are accepted, and so
/// are indefinite lengths (`0x80` … `00 00`, X.690 §8.1.3.6) on constructed elements, which
/// real passports use inside EF.SOD (e.g. New Zealand). Every index is bounds-checked: a
/// malformed input throws ``LDSError`` and never traps.
public struct BERTLV: Sendable, Hashable {
    /// The tag.
    public let tag: TLVTag
    /// The whole element: tag, length, value and, for indefinite lengths, the `00 00` terminator.
    public let encoded: ArraySlice<UInt8>
    /// The value octets (for an indefinite length: the nested elements, without the terminator).
    public let value: ArraySlice<UInt8>
    /// Whether the length was encoded in the indefinite form.
    public let hasIndefiniteLength: Bool
    /// The structure name used in error messages for this element and its children.
    public let structure: String
    /// Nesting depth below the element handed to the decoder; bounded by ``maximumDepth``.
    let depth: Int

    /// The deepest nesting the decoder follows. Real LDS and CMS structures stay below 20.
    public static let maximumDepth = 48

    /// The absolute offset of the tag's first byte.
    public var offset: Int { encoded.startIndex }

    /// The number of bytes of tag and length.
    public var headerLength: Int { value.startIndex - encoded.startIndex }

    /// Parses exactly one element that must fill `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: the encoded element.
    ///   - structure: what the bytes are (e.g. `"EF.COM"`), for error messages.
    /// - Throws: ``LDSError`` when the input is empty, truncated, malformed, or has trailing bytes.
    public static func decode(_ bytes: ArraySlice<UInt8>, structure: String) throws(LDSError) -> BERTLV {
        guard !bytes.isEmpty else {
            throw LDSError(.emptyInput, structure: structure, offset: bytes.startIndex,
                           reason: "the input is empty (0 bytes); a TLV element needs at least a tag and a length",
                           remedy: LDSError.rereadRemedy)
        }
        let element = try parseElement(in: bytes, at: bytes.startIndex, depth: 0, structure: structure)
        guard element.encoded.endIndex == bytes.endIndex else {
            let extra = bytes.endIndex - element.encoded.endIndex
            throw LDSError(.trailingData, structure: structure, offset: element.encoded.endIndex,
                           reason: "\(extra) byte(s) follow the \(element.tag) element that ends here; "
                               + "the element must fill the input exactly",
                           remedy: "Pass exactly one encoded element (strip padding read past the end of the file); "
                               + "otherwise treat the data as malformed.")
        }
        return element
    }

    /// Parses exactly one element that must fill `bytes`.
    public static func decode(_ bytes: [UInt8], structure: String) throws(LDSError) -> BERTLV {
        try decode(bytes[...], structure: structure)
    }

    /// Parses a concatenation of elements that must fill `bytes` exactly (possibly none).
    public static func decodeAll(
        _ bytes: ArraySlice<UInt8>, structure: String
    ) throws(LDSError) -> [BERTLV] {
        try parseElements(in: bytes, depth: 0, structure: structure)
    }

    /// Parses the value of a constructed element as its nested elements.
    ///
    /// - Throws: ``LDSError`` if the element is primitive, or the value is not a well-formed
    ///   concatenation of elements.
    public func children() throws(LDSError) -> [BERTLV] {
        guard tag.isConstructed else {
            throw LDSError(.unexpectedTag, structure: structure, offset: offset,
                           reason: "element \(tag) is primitive, yet nested elements were expected in it",
                           remedy: LDSError.rereadRemedy)
        }
        return try Self.parseElements(in: value, depth: depth + 1, structure: structure)
    }

    /// The nested elements of a SEQUENCE that must hold exactly `count` of them; `fields` names
    /// them for the error message (e.g. "contentType, [0] content").
    func children(exactly count: Int, in what: String, fields: String) throws(LDSError) -> [BERTLV] {
        let parts = try children()
        guard parts.count == count else {
            throw LDSError(.invalidValue, structure: structure, offset: offset,
                           reason: "\(what) has \(parts.count) element(s); it must have exactly \(count) (\(fields))",
                           remedy: LDSError.rereadRemedy)
        }
        return parts
    }

    /// Throws unless the element carries `expected`.
    public func expectTag(_ expected: TLVTag, _ what: String) throws(LDSError) {
        guard tag == expected else {
            throw LDSError(.unexpectedTag, structure: structure, offset: offset,
                           reason: "expected \(what) (tag \(expected)) but found tag \(tag)",
                           remedy: LDSError.rereadRemedy)
        }
    }

    /// The same element, relabelled for error messages.
    func labelled(_ name: String) -> BERTLV {
        BERTLV(tag: tag, encoded: encoded, value: value, hasIndefiniteLength: hasIndefiniteLength,
               structure: name, depth: depth)
    }

    static func parseElements(
        in bytes: ArraySlice<UInt8>, depth: Int, structure: String
    ) throws(LDSError) -> [BERTLV] {
        var elements: [BERTLV] = []
        var position = bytes.startIndex
        while position < bytes.endIndex {
            let element = try parseElement(in: bytes, at: position, depth: depth, structure: structure)
            elements.append(element)
            position = element.encoded.endIndex
        }
        return elements
    }

    /// Parses one element starting at `start`, bounded by `container`.
    static func parseElement(
        in container: ArraySlice<UInt8>, at start: Int, depth: Int, structure: String
    ) throws(LDSError) -> BERTLV {
        guard depth <= maximumDepth else {
            throw LDSError(.nestingTooDeep, structure: structure, offset: start,
                           reason: "elements are nested more than \(maximumDepth) levels deep",
                           remedy: "Reject the input: no LDS or CMS structure nests this deeply; "
                               + "it is malformed or hostile.")
        }
        guard start < container.endIndex else {
            throw LDSError(.truncated, structure: structure, offset: start,
                           reason: "a tag was expected but the enclosing data ends",
                           remedy: LDSError.rereadRemedy)
        }
        if container[start] == 0x00 {
            throw LDSError(.malformedTag, structure: structure, offset: start,
                           reason: "found an end-of-contents marker (tag 00) outside an indefinite-length element",
                           remedy: LDSError.rereadRemedy)
        }
        let (tag, lengthStart) = try readTag(in: container, at: start, structure: structure)
        let header = try readLength(in: container, at: lengthStart, tagStart: start, tag: tag, structure: structure)
        switch header {
        case .definite(let length, let valueStart):
            let value = container[valueStart..<(valueStart + length)]
            return BERTLV(tag: tag, encoded: container[start..<value.endIndex], value: value,
                          hasIndefiniteLength: false, structure: structure, depth: depth)
        case .indefinite(let valueStart):
            guard tag.isConstructed else {
                throw LDSError(.malformedLength, structure: structure, offset: lengthStart,
                               reason: "primitive element \(tag) uses the indefinite length form, "
                                   + "which X.690 §8.1.3.2 allows only for constructed elements",
                               remedy: LDSError.rereadRemedy)
            }
            var position = valueStart
            while true {
                guard position + 1 < container.endIndex else {
                    throw LDSError(.truncated, structure: structure, offset: start,
                                   reason: "indefinite-length element \(tag) has no end-of-contents marker (00 00) "
                                       + "before its enclosing data ends",
                                   remedy: LDSError.rereadRemedy)
                }
                if container[position] == 0x00 {
                    guard container[position + 1] == 0x00 else {
                        throw LDSError(.malformedLength, structure: structure, offset: position,
                                       reason: "end-of-contents marker has a non-zero length byte "
                                           + "\(Hex.string([container[position + 1]]))",
                                       remedy: LDSError.rereadRemedy)
                    }
                    let value = container[valueStart..<position]
                    return BERTLV(tag: tag, encoded: container[start..<(position + 2)], value: value,
                                  hasIndefiniteLength: true, structure: structure, depth: depth)
                }
                let child = try parseElement(in: container, at: position, depth: depth + 1, structure: structure)
                position = child.encoded.endIndex
            }
        }
    }

    private static func readTag(
        in container: ArraySlice<UInt8>, at start: Int, structure: String
    ) throws(LDSError) -> (TLVTag, Int) {
        let first = container[start]
        var raw = UInt32(first)
        var position = start + 1
        guard first & 0x1F == 0x1F else { return (TLVTag(unchecked: raw), position) }
        var subsequent = 0
        while true {
            guard position < container.endIndex else {
                throw LDSError(.truncated, structure: structure, offset: start,
                               reason: "the multi-byte tag starting with \(Hex.string([first])) is cut off",
                               remedy: LDSError.rereadRemedy)
            }
            let byte = container[position]
            subsequent += 1
            if subsequent == 1 && byte == 0x80 {
                throw LDSError(.malformedTag, structure: structure, offset: position,
                               reason: "the multi-byte tag has a leading 80 padding byte (X.690 §8.1.2.4.2 c)",
                               remedy: LDSError.rereadRemedy)
            }
            guard subsequent <= 3 else {
                throw LDSError(.malformedTag, structure: structure, offset: start,
                               reason: "the tag is longer than 4 bytes; LDS and CMS tags are at most 4 bytes",
                               remedy: LDSError.rereadRemedy)
            }
            raw = (raw << 8) | UInt32(byte)
            position += 1
            if byte & 0x80 == 0 { return (TLVTag(unchecked: raw), position) }
        }
    }

    private enum LengthHeader {
        case definite(length: Int, valueStart: Int)
        case indefinite(valueStart: Int)
    }

    private static func readLength(
        in container: ArraySlice<UInt8>, at start: Int, tagStart: Int, tag: TLVTag, structure: String
    ) throws(LDSError) -> LengthHeader {
        guard start < container.endIndex else {
            throw LDSError(.truncated, structure: structure, offset: tagStart,
                           reason: "element \(tag) has no length byte: the data ends after the tag",
                           remedy: LDSError.rereadRemedy)
        }
        let first = container[start]
        var length = 0
        var valueStart = start + 1
        switch first {
        case 0x00..<0x80:
            length = Int(first)
        case 0x80:
            return .indefinite(valueStart: valueStart)
        case 0xFF:
            throw LDSError(.malformedLength, structure: structure, offset: start,
                           reason: "length byte FF of element \(tag) is reserved (X.690 §8.1.3.5 c)",
                           remedy: LDSError.rereadRemedy)
        default:
            let count = Int(first & 0x7F)
            guard count <= 4 else {
                throw LDSError(.malformedLength, structure: structure, offset: start,
                               reason: "element \(tag) declares a \(count)-byte length field; at most 4 are supported",
                               remedy: LDSError.rereadRemedy)
            }
            guard container.endIndex - valueStart >= count else {
                throw LDSError(.truncated, structure: structure, offset: start,
                               reason: "the \(count)-byte length of element \(tag) is cut off",
                               remedy: LDSError.rereadRemedy)
            }
            for index in valueStart..<(valueStart + count) {
                length = (length << 8) | Int(container[index])
            }
            valueStart += count
        }
        let remaining = container.endIndex - valueStart
        guard length <= remaining else {
            throw LDSError(.lengthOverflow, structure: structure, offset: tagStart,
                           reason: "element \(tag) declares a length of \(length) bytes but only \(remaining) "
                               + "remain in the enclosing data",
                           remedy: LDSError.rereadRemedy)
        }
        return .definite(length: length, valueStart: valueStart)
    }
}
