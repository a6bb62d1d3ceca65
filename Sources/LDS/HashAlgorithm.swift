import SwiftASN1

/// The hash algorithm of an LDS security object or a CMS SignerInfo (Doc 9303-12 §4.4.2:
/// SHA-224, SHA-256, SHA-384 and SHA-512; SHA-1 remains in documents issued before 2014).
///
/// Unknown algorithm identifiers are preserved in ``unknown(_:)`` instead of failing the decode,
/// so that an inspection system can report them.
public enum LDSHashAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// SHA-1 (`id-sha1`), deprecated but present on older documents (e.g. RU, BSI 2008).
    case sha1
    /// SHA-224 (`id-sha224`).
    case sha224
    /// SHA-256 (`id-sha256`).
    case sha256
    /// SHA-384 (`id-sha384`).
    case sha384
    /// SHA-512 (`id-sha512`).
    case sha512
    /// Any other algorithm, kept by its object identifier.
    case unknown(ASN1ObjectIdentifier)

    /// Maps an algorithm identifier OID to the enum (never fails).
    public init(oid: ASN1ObjectIdentifier) {
        switch oid {
        case LDSObjectIdentifier.sha1: self = .sha1
        case LDSObjectIdentifier.sha224: self = .sha224
        case LDSObjectIdentifier.sha256: self = .sha256
        case LDSObjectIdentifier.sha384: self = .sha384
        case LDSObjectIdentifier.sha512: self = .sha512
        default: self = .unknown(oid)
        }
    }

    /// The algorithm's object identifier.
    public var oid: ASN1ObjectIdentifier {
        switch self {
        case .sha1: LDSObjectIdentifier.sha1
        case .sha224: LDSObjectIdentifier.sha224
        case .sha256: LDSObjectIdentifier.sha256
        case .sha384: LDSObjectIdentifier.sha384
        case .sha512: LDSObjectIdentifier.sha512
        case .unknown(let oid): oid
        }
    }

    /// The digest length in bytes, or `nil` for an unknown algorithm.
    public var digestLength: Int? {
        switch self {
        case .sha1: 20
        case .sha224: 28
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        case .unknown: nil
        }
    }

    /// `"SHA-256"` etc., or the dotted OID for an unknown algorithm.
    public var description: String {
        switch self {
        case .sha1: "SHA-1"
        case .sha224: "SHA-224"
        case .sha256: "SHA-256"
        case .sha384: "SHA-384"
        case .sha512: "SHA-512"
        case .unknown(let oid): oid.description
        }
    }
}
