/// EF.COM, the common data elements (Doc 9303-10 §4.6.1.1):
///
/// ```
/// 60 L         -- EF.COM template
///    5F01 04   "aabb"    LDS version
///    5F36 06   "aabbcc"  Unicode version
///    5C   L    tags of the data groups present, e.g. 61 75 6E
/// ```
///
/// Decoding accepts the three elements in any order; encoding writes them in the order above,
/// which is what documents use, so a decoded EF.COM re-encodes to the same bytes.
public struct EFCOM: Sendable, Hashable {
    /// The LDS version (tag `5F01`).
    public let ldsVersion: LDSVersion
    /// The Unicode version (tag `5F36`).
    public let unicodeVersion: UnicodeVersion
    /// The tag list (tag `5C`) exactly as encoded: one EF tag per present data group.
    public let tagList: [UInt8]

    /// The data groups the tag list names, in list order. Tags that are not data group tags
    /// stay visible in ``tagList`` only.
    public var dataGroups: [DataGroupNumber] { tagList.compactMap { DataGroupNumber(tag: $0) } }

    /// Creates EF.COM for the given data groups, listed in the order given.
    public init(ldsVersion: LDSVersion = .v1_7, unicodeVersion: UnicodeVersion = .v4_0_0,
                dataGroups: [DataGroupNumber]) {
        self.init(ldsVersion: ldsVersion, unicodeVersion: unicodeVersion, tagList: dataGroups.map(\.tag))
    }

    /// Creates EF.COM with a raw tag list.
    public init(ldsVersion: LDSVersion, unicodeVersion: UnicodeVersion, tagList: [UInt8]) {
        self.ldsVersion = ldsVersion
        self.unicodeVersion = unicodeVersion
        self.tagList = tagList
    }

    /// Decodes EF.COM.
    ///
    /// - Throws: ``LDSError`` if the outer tag is not `60`, an element is missing, repeated or
    ///   unknown, or a version is not in its `aabb` / `aabbcc` digit form.
    public init(encoded bytes: [UInt8]) throws(LDSError) {
        let template = try BERTLV.decode(bytes, structure: "EF.COM")
        guard template.tag == .efCOM else {
            throw LDSError(.unexpectedTag, structure: "EF.COM", offset: template.offset,
                           reason: "the file starts with tag \(template.tag); EF.COM starts with 60",
                           remedy: "Check that the file read is EF.COM (file identifier 011E).")
        }
        var found: [TLVTag: BERTLV] = [:]
        for element in try template.children() {
            guard [TLVTag.ldsVersion, .unicodeVersion, .tagList].contains(element.tag) else {
                throw LDSError(.unexpectedTag, structure: "EF.COM", offset: element.offset,
                               reason: "unexpected element \(element.tag); EF.COM holds 5F01, 5F36 and 5C",
                               remedy: LDSError.rereadRemedy)
            }
            guard found.updateValue(element, forKey: element.tag) == nil else {
                throw LDSError(.duplicateElement, structure: "EF.COM", offset: element.offset,
                               reason: "element \(element.tag) occurs twice",
                               remedy: LDSError.rereadRemedy)
            }
        }
        let lds = try Self.required(.ldsVersion, "LDS version", in: found, template)
        let unicode = try Self.required(.unicodeVersion, "Unicode version", in: found, template)
        let tags = try Self.required(.tagList, "tag list", in: found, template)
        guard let ldsVersion = LDSVersion(encoded: String(decoding: lds.value, as: UTF8.self)) else {
            throw LDSError(.invalidValue, structure: "EF.COM LDS version", offset: lds.offset,
                           reason: "LDS version \(Hex.string(lds.value.prefix(8))) is not four ASCII digits \"aabb\"",
                           remedy: LDSError.rereadRemedy)
        }
        guard let unicodeVersion = UnicodeVersion(encoded: String(decoding: unicode.value, as: UTF8.self)) else {
            throw LDSError(.invalidValue, structure: "EF.COM Unicode version", offset: unicode.offset,
                           reason: "Unicode version \(Hex.string(unicode.value.prefix(8))) is not six ASCII digits "
                               + "\"aabbcc\"",
                           remedy: LDSError.rereadRemedy)
        }
        self.init(ldsVersion: ldsVersion, unicodeVersion: unicodeVersion, tagList: Array(tags.value))
    }

    /// The encoded EF.COM.
    public var encoded: [UInt8] {
        var content = BERTLV.encode(tag: .ldsVersion, value: Array(ldsVersion.encoded.utf8))
        content += BERTLV.encode(tag: .unicodeVersion, value: Array(unicodeVersion.encoded.utf8))
        content += BERTLV.encode(tag: .tagList, value: tagList)
        return BERTLV.encode(tag: .efCOM, value: content)
    }

    private static func required(
        _ tag: TLVTag, _ what: String, in found: [TLVTag: BERTLV], _ template: BERTLV
    ) throws(LDSError) -> BERTLV {
        guard let element = found[tag] else {
            throw LDSError(.missingElement, structure: "EF.COM", offset: template.offset,
                           reason: "the \(what) element (tag \(tag)) is missing",
                           remedy: LDSError.rereadRemedy)
        }
        return element
    }
}
