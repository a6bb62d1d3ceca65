/// The LDS security object: the hashes of the data groups, signed inside EF.SOD
/// (Doc 9303-10 §4.6.2.2 and Appendix D; Doc 9303-11 §5.1).
///
/// ```
/// LDSSecurityObject ::= SEQUENCE {
///     version                LDSSecurityObjectVersion,
///     hashAlgorithm          DigestAlgorithmIdentifier,
///     dataGroupHashValues    SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash,
///     ldsVersionInfo         LDSVersionInfo OPTIONAL
///     -- if present, version MUST be v1 }
/// LDSSecurityObjectVersion ::= INTEGER { v0(0), v1(1) }
/// DataGroupHash ::= SEQUENCE {
///     dataGroupNumber        DataGroupNumber,
///     dataGroupHashValue     OCTET STRING }
/// LDSVersionInfo ::= SEQUENCE {
///     ldsVersion             PrintableString,
///     unicodeVersion         PrintableString }
/// ```
///
/// The data group hashes keep the order in which the document lists them: real documents
/// list them out of order (BSI TR-03105-5 specimen: DG1, DG2, DG3, DG14, DG4). Use
/// ``hash(of:)`` to look one up.
public struct LDSSecurityObject: Sendable, Hashable {
    /// `LDSSecurityObjectVersion`.
    public enum Version: Int, Sendable, Hashable, CustomStringConvertible {
        /// v0: no `ldsVersionInfo` (LDS 1.7 and earlier).
        case v0 = 0
        /// v1: with `ldsVersionInfo` (LDS 1.8).
        case v1 = 1

        /// `"v0"` or `"v1"`.
        public var description: String { "v\(rawValue)" }
    }

    /// The version.
    public let version: Version
    /// The `hashAlgorithm` as encoded, parameters (absent or NULL) preserved.
    public let hashAlgorithmIdentifier: CMSAlgorithmIdentifier
    /// The data group hashes, in the order encoded.
    public let dataGroupHashes: [DataGroupHash]
    /// The LDS and Unicode versions (v1 only).
    public let ldsVersionInfo: LDSVersionInfo?

    /// The hash algorithm used for every data group hash.
    public var hashAlgorithm: LDSHashAlgorithm { hashAlgorithmIdentifier.hashAlgorithm }

    /// The numbers of the hashed data groups, in the order encoded.
    public var dataGroupNumbers: [DataGroupNumber] { dataGroupHashes.map(\.number) }

    /// The hash recorded for `number`, or `nil` if the data group is not covered by the SOD.
    public func hash(of number: DataGroupNumber) -> [UInt8]? {
        dataGroupHashes.first { $0.number == number }?.dataGroupHashValue
    }

    /// Builds a security object, checking Doc 9303-10 §4.6.2.2: 2…16 hashes, no data group
    /// twice, `ldsVersionInfo` present exactly when the version is v1, and (for the known hash
    /// algorithms) every hash of the algorithm's length.
    ///
    /// - Parameter version: defaults to v1 when `ldsVersionInfo` is given, else v0.
    public init(
        version: Version? = nil,
        hashAlgorithm: CMSAlgorithmIdentifier,
        dataGroupHashes: [DataGroupHash],
        ldsVersionInfo: LDSVersionInfo? = nil
    ) throws(LDSError) {
        let resolved = version ?? (ldsVersionInfo == nil ? .v0 : .v1)
        guard (resolved == .v1) == (ldsVersionInfo != nil) else {
            throw LDSError(.invalidValue, structure: "LDSSecurityObject",
                           reason: "version \(resolved) "
                               + (ldsVersionInfo == nil ? "requires ldsVersionInfo" : "must not carry ldsVersionInfo"),
                           remedy: "Use v1 with LDSVersionInfo (LDS 1.8) or v0 without it (LDS 1.7).")
        }
        if let length = hashAlgorithm.hashAlgorithm.digestLength,
           let wrong = dataGroupHashes.first(where: { $0.dataGroupHashValue.count != length }) {
            throw LDSError(.invalidValue, structure: "LDSSecurityObject",
                           reason: "the \(wrong.number) hash has \(wrong.dataGroupHashValue.count) bytes; "
                               + "\(hashAlgorithm.hashAlgorithm) produces \(length)",
                           remedy: "Hash every data group with the declared algorithm.")
        }
        try Self.checkHashList(dataGroupHashes, offset: nil)
        self.init(unchecked: resolved, hashAlgorithm, dataGroupHashes, ldsVersionInfo)
    }

    init(
        unchecked version: Version, _ hashAlgorithm: CMSAlgorithmIdentifier,
        _ hashes: [DataGroupHash], _ info: LDSVersionInfo?
    ) {
        self.version = version
        self.hashAlgorithmIdentifier = hashAlgorithm
        self.dataGroupHashes = hashes
        self.ldsVersionInfo = info
    }

    /// Checks SIZE (2..16) and that no data group appears twice (an ambiguous hash list
    /// could let a forged data group pass as whichever entry a verifier happens to read).
    static func checkHashList(_ hashes: [DataGroupHash], offset: Int?) throws(LDSError) {
        guard (2...16).contains(hashes.count) else {
            throw LDSError(.invalidValue, structure: "LDSSecurityObject.dataGroupHashValues", offset: offset,
                           reason: "\(hashes.count) data group hash(es); Doc 9303-10 requires 2 to 16",
                           remedy: "An SOD must at least cover DG1 and DG2; treat the document as failing inspection.")
        }
        var seen = Set<DataGroupNumber>()
        for entry in hashes where !seen.insert(entry.number).inserted {
            throw LDSError(.duplicateElement, structure: "LDSSecurityObject.dataGroupHashValues", offset: offset,
                           reason: "\(entry.number) is listed more than once",
                           remedy: "Treat the document as failing inspection: the hash list is ambiguous.")
        }
    }
}

/// One entry of `dataGroupHashValues` (Doc 9303-10 §4.6.2.2).
public struct DataGroupHash: Sendable, Hashable {
    /// `dataGroupNumber`.
    public let number: DataGroupNumber
    /// `dataGroupHashValue`: the hash of the complete EF (tag, length and value).
    public let dataGroupHashValue: [UInt8]

    /// Creates an entry.
    public init(number: DataGroupNumber, dataGroupHashValue: [UInt8]) {
        self.number = number
        self.dataGroupHashValue = dataGroupHashValue
    }
}

/// `LDSVersionInfo` of a v1 security object (Doc 9303-10 §4.6.2.2).
///
/// The strings are kept exactly as encoded; ``lds`` and ``unicode`` read them as versions.
public struct LDSVersionInfo: Sendable, Hashable {
    /// `ldsVersion`, e.g. `"0108"`.
    public let ldsVersion: String
    /// `unicodeVersion`, e.g. `"040000"`.
    public let unicodeVersion: String

    /// Creates the info from typed versions.
    public init(lds: LDSVersion, unicode: UnicodeVersion) {
        self.ldsVersion = lds.encoded
        self.unicodeVersion = unicode.encoded
    }

    /// Creates the info from PrintableString values as found in a document.
    public init(ldsVersion: String, unicodeVersion: String) {
        self.ldsVersion = ldsVersion
        self.unicodeVersion = unicodeVersion
    }

    /// `ldsVersion` read as `aabb`, or `nil` if it is not in that form.
    public var lds: LDSVersion? { LDSVersion(encoded: ldsVersion) }

    /// `unicodeVersion` read as `aabbcc`, or `nil` if it is not in that form.
    public var unicode: UnicodeVersion? { UnicodeVersion(encoded: unicodeVersion) }
}
