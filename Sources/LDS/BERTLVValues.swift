import SwiftASN1

/// Readers for the universal ASN.1 values that the CMS walker needs (X.690 §8.3, §8.7, §8.19).
extension BERTLV {
    /// Reads an OBJECT IDENTIFIER.
    ///
    /// - Parameter what: the field being read, for error messages (e.g. `"eContentType"`).
    func objectIdentifier(_ what: String) throws(LDSError) -> ASN1ObjectIdentifier {
        try expectTag(.objectIdentifier, "\(what) OBJECT IDENTIFIER")
        do {
            return try ASN1ObjectIdentifier(berEncoded: Array(encoded), withIdentifier: .objectIdentifier)
        } catch {
            throw LDSError(.invalidValue, structure: structure, offset: offset,
                           reason: "\(what) is not a valid OBJECT IDENTIFIER (\(Hex.string(value.prefix(16)))): \(error)",
                           remedy: LDSError.rereadRemedy)
        }
    }

    /// Reads a small non-negative INTEGER such as a version number.
    func smallInteger(_ what: String) throws(LDSError) -> Int {
        try expectTag(.integer, "\(what) INTEGER")
        guard let first = value.first else {
            throw LDSError(.invalidValue, structure: structure, offset: offset,
                           reason: "\(what) INTEGER has no content octets (X.690 §8.3.1)",
                           remedy: LDSError.rereadRemedy)
        }
        guard first & 0x80 == 0, value.count <= 4 else {
            throw LDSError(.invalidValue, structure: structure, offset: offset,
                           reason: "\(what) is negative or too large (\(Hex.string(value.prefix(8))))",
                           remedy: LDSError.rereadRemedy)
        }
        return value.reduce(0) { ($0 << 8) | Int($1) }
    }

    /// Reads the content octets of an INTEGER as found (two's complement, big-endian).
    func integerContent(_ what: String) throws(LDSError) -> [UInt8] {
        try expectTag(.integer, "\(what) INTEGER")
        guard !value.isEmpty else {
            throw LDSError(.invalidValue, structure: structure, offset: offset,
                           reason: "\(what) INTEGER has no content octets (X.690 §8.3.1)",
                           remedy: LDSError.rereadRemedy)
        }
        return Array(value)
    }

    /// Reads an OCTET STRING in primitive (`04`) or constructed (`24`, X.690 §8.7.3) form,
    /// concatenating the segments of the constructed form.
    ///
    /// - Parameter implicitTag: the tag replacing `04` under IMPLICIT tagging; `nil` for universal.
    func octetStringContent(_ what: String, implicitTag: TLVTag? = nil) throws(LDSError) -> [UInt8] {
        let primitiveTag = implicitTag.map { TLVTag(unchecked: $0.rawValue & ~0x20) } ?? .octetString
        if tag == primitiveTag { return Array(value) }
        let constructedTag = TLVTag(unchecked: primitiveTag.rawValue | 0x20)
        guard tag == constructedTag else {
            throw LDSError(.unexpectedTag, structure: structure, offset: offset,
                           reason: "expected \(what) OCTET STRING (tag \(primitiveTag) or \(constructedTag)) "
                               + "but found tag \(tag)",
                           remedy: LDSError.rereadRemedy)
        }
        var content: [UInt8] = []
        for segment in try children() {
            // Segments of a constructed string are universal OCTET STRINGs (X.690 §8.7.3.2).
            content.append(contentsOf: try segment.octetStringContent(what))
        }
        return content
    }

    /// Throws unless `elements` has at least `count` entries; names the missing field.
    static func require(
        _ elements: [BERTLV], count: Int, in container: BERTLV, _ what: String
    ) throws(LDSError) {
        guard elements.count >= count else {
            throw LDSError(.missingElement, structure: container.structure, offset: container.offset,
                           reason: "\(what) has \(elements.count) element(s); at least \(count) are required",
                           remedy: LDSError.rereadRemedy)
        }
    }
}
