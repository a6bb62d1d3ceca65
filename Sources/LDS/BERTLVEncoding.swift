extension BERTLV {
    /// Encodes one element with a minimal definite length (X.690 §10.1; Doc 9303-10 §4.6).
    ///
    /// - Parameters:
    ///   - tag: the tag.
    ///   - value: the value octets (for constructed tags: the encoded nested elements).
    public static func encode(tag: TLVTag, value: some Collection<UInt8>) -> [UInt8] {
        var out = tag.bytes
        out.append(contentsOf: encodeLength(value.count))
        out.append(contentsOf: value)
        return out
    }

    /// Encodes a definite length in its minimal form: one byte below 128, otherwise `0x81`–`0x84`
    /// followed by the big-endian length.
    public static func encodeLength(_ length: Int) -> [UInt8] {
        guard length >= 0x80 else { return [UInt8(truncatingIfNeeded: max(0, length))] }
        var octets: [UInt8] = []
        var remaining = length
        while remaining > 0 {
            octets.insert(UInt8(truncatingIfNeeded: remaining), at: 0)
            remaining >>= 8
        }
        return [0x80 | UInt8(octets.count)] + octets
    }

    /// Whether this element or any element nested in it uses the indefinite length form.
    ///
    /// Primitive elements are leaves. Constructed elements are descended into.
    ///
    /// - Throws: ``LDSError`` if a constructed value is not a well-formed sequence of elements.
    public func containsIndefiniteLength() throws(LDSError) -> Bool {
        if hasIndefiniteLength { return true }
        guard tag.isConstructed else { return false }
        for child in try children() where try child.containsIndefiniteLength() {
            return true
        }
        return false
    }

    /// The element re-encoded with definite lengths everywhere.
    ///
    /// Elements without an indefinite length inside are copied byte for byte; only the headers
    /// of indefinite-length elements (and of their ancestors, whose lengths change) are
    /// rewritten and the `00 00` terminators dropped. Constructed string segments are kept as
    /// they are, so the result is definite-length BER that OpenSSL and SwiftASN1's BER parser read;
    /// it is DER when the input differed from DER only in its length forms.
    ///
    /// - Throws: ``LDSError`` if a constructed value is not a well-formed sequence of elements.
    public func definiteLengthEncoding() throws(LDSError) -> [UInt8] {
        guard try containsIndefiniteLength() else { return Array(encoded) }
        var content: [UInt8] = []
        content.reserveCapacity(value.count)
        for child in try children() {
            content.append(contentsOf: try child.definiteLengthEncoding())
        }
        return BERTLV.encode(tag: tag, value: content)
    }
}
