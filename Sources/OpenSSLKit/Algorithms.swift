import SwiftASN1

/// Hash functions. SHA-1 and SHA-224 exist for verifying documents issued by others
/// (Doc 9303-12 §4.4 still lists them); Mohur never signs with them.
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable, Codable {
    case sha1 = "SHA-1", sha224 = "SHA-224", sha256 = "SHA-256", sha384 = "SHA-384", sha512 = "SHA-512"

    /// The OpenSSL fetch name.
    var openSSLName: String {
        switch self {
        case .sha1: "SHA1"
        case .sha224: "SHA224"
        case .sha256: "SHA256"
        case .sha384: "SHA384"
        case .sha512: "SHA512"
        }
    }

    /// Output length in bytes.
    public var outputLength: Int {
        switch self {
        case .sha1: 20
        case .sha224: 28
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// id-sha1 1.3.14.3.2.26, id-sha224…id-sha512 2.16.840.1.101.3.4.2.{4,1,2,3} (RFC 5754 §2).
    public var oid: ASN1ObjectIdentifier {
        switch self {
        case .sha1: [1, 3, 14, 3, 2, 26]
        case .sha224: [2, 16, 840, 1, 101, 3, 4, 2, 4]
        case .sha256: [2, 16, 840, 1, 101, 3, 4, 2, 1]
        case .sha384: [2, 16, 840, 1, 101, 3, 4, 2, 2]
        case .sha512: [2, 16, 840, 1, 101, 3, 4, 2, 3]
        }
    }

    public init?(oid: ASN1ObjectIdentifier) {
        guard let match = Self.allCases.first(where: { $0.oid == oid }) else { return nil }
        self = match
    }

    /// Accepts "sha256", "SHA-256", "SHA256" (case-insensitive), as operators type them.
    public init?(name: String) {
        let folded = name.uppercased().replacingOccurrences(of: "-", with: "")
        guard let match = Self.allCases.first(where: { $0.openSSLName == folded }) else { return nil }
        self = match
    }
}

/// Elliptic curves Doc 9303-12 §4.4.3 and RFC 5639 admit for CSCA and Document Signer keys.
public enum Curve: String, Sendable, Hashable, CaseIterable, Codable {
    case p256 = "P-256", p384 = "P-384", p521 = "P-521"
    case brainpoolP256r1, brainpoolP384r1, brainpoolP512r1

    /// The curve's OpenSSL group name.
    public var openSSLName: String {
        switch self {
        case .p256: "prime256v1"
        case .p384: "secp384r1"
        case .p521: "secp521r1"
        case .brainpoolP256r1: "brainpoolP256r1"
        case .brainpoolP384r1: "brainpoolP384r1"
        case .brainpoolP512r1: "brainpoolP512r1"
        }
    }

    /// Named-curve OIDs: RFC 5480 §2.1.1.1 (NIST) and RFC 5639 §4.1 (Brainpool).
    public var oid: ASN1ObjectIdentifier {
        switch self {
        case .p256: [1, 2, 840, 10045, 3, 1, 7]
        case .p384: [1, 3, 132, 0, 34]
        case .p521: [1, 3, 132, 0, 35]
        case .brainpoolP256r1: [1, 3, 36, 3, 3, 2, 8, 1, 1, 7]
        case .brainpoolP384r1: [1, 3, 36, 3, 3, 2, 8, 1, 1, 11]
        case .brainpoolP512r1: [1, 3, 36, 3, 3, 2, 8, 1, 1, 13]
        }
    }

    /// DER of the named-curve OBJECT IDENTIFIER, as PKCS#11 `CKA_EC_PARAMS` wants it.
    public var oidDER: [UInt8] {
        var serializer = DER.Serializer()
        try? serializer.serialize(oid)
        return serializer.serializedBytes
    }

    /// Field size in bytes (the length of r and of s in an ECDSA signature).
    public var fieldLength: Int {
        switch self {
        case .p256, .brainpoolP256r1: 32
        case .p384, .brainpoolP384r1: 48
        case .p521: 66
        case .brainpoolP512r1: 64
        }
    }

    /// The digest Doc 9303-12 pairs with this curve's strength.
    public var matchingDigest: DigestAlgorithm {
        switch self {
        case .p256, .brainpoolP256r1: .sha256
        case .p384, .brainpoolP384r1: .sha384
        case .p521, .brainpoolP512r1: .sha512
        }
    }

    public init?(oid: ASN1ObjectIdentifier) {
        guard let match = Self.allCases.first(where: { $0.oid == oid }) else { return nil }
        self = match
    }

    /// Accepts "P-256", "p256", "prime256v1", "secp384r1", "brainpoolP256r1" (case-insensitive).
    public init?(name: String) {
        let folded = name.lowercased().replacingOccurrences(of: "-", with: "")
        guard let match = Self.allCases.first(where: {
            $0.rawValue.lowercased().replacingOccurrences(of: "-", with: "") == folded
                || $0.openSSLName.lowercased() == folded
        }) else { return nil }
        self = match
    }
}

/// The kind and size of a key pair to generate.
public enum KeySpec: Sendable, Hashable, Codable, CustomStringConvertible {
    case ec(Curve)
    case rsa(bits: Int)

    /// Parses "P-256", "brainpoolP384r1", "rsa3072", "RSA-4096".
    public init?(name: String) {
        let folded = name.lowercased().replacingOccurrences(of: "-", with: "")
        if folded.hasPrefix("rsa"), let bits = Int(folded.dropFirst(3)) {
            guard (2048...4096).contains(bits), bits % 8 == 0 else { return nil }
            self = .rsa(bits: bits)
        } else if let curve = Curve(name: name) {
            self = .ec(curve)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .ec(let curve): curve.rawValue
        case .rsa(let bits): "RSA-\(bits)"
        }
    }
}

/// A signature scheme: key type, padding and hash. RSA-PSS always uses MGF1 with the same hash
/// and a salt as long as the hash (RFC 4055 §3.1, Doc 9303-12 §4.4.2).
public enum SignatureScheme: Sendable, Hashable, Codable, CustomStringConvertible {
    case ecdsa(DigestAlgorithm)
    case rsaPKCS1v15(DigestAlgorithm)
    case rsaPSS(DigestAlgorithm)

    public var digest: DigestAlgorithm {
        switch self {
        case .ecdsa(let d), .rsaPKCS1v15(let d), .rsaPSS(let d): d
        }
    }

    public var description: String {
        switch self {
        case .ecdsa(let d): "ECDSA with \(d.rawValue)"
        case .rsaPKCS1v15(let d): "RSA PKCS#1 v1.5 with \(d.rawValue)"
        case .rsaPSS(let d): "RSASSA-PSS with \(d.rawValue), MGF1, salt \(d.outputLength)"
        }
    }

    /// The DER AlgorithmIdentifier naming this scheme in certificates, CRLs and CMS.
    /// ecdsa-with-SHAx: RFC 5758 §3.2 (parameters absent); shaxWithRSAEncryption: RFC 4055 §5
    /// (parameters NULL); id-RSASSA-PSS: RFC 4055 §3.1 with explicit RSASSA-PSS-params.
    public var algorithmIdentifierDER: [UInt8] {
        var serializer = DER.Serializer()
        try? serializer.appendConstructedNode(identifier: .sequence) { s in
            switch self {
            case .ecdsa(let d):
                try s.serialize(Self.ecdsaOID(d))
            case .rsaPKCS1v15(let d):
                try s.serialize(Self.rsaPKCS1OID(d))
                try s.serialize(ASN1Null())
            case .rsaPSS(let d):
                try s.serialize(ASN1ObjectIdentifier.rsassaPSS)
                try Self.appendPSSParameters(d, into: &s)
            }
        }
        return serializer.serializedBytes
    }

    static func appendPSSParameters(_ d: DigestAlgorithm, into s: inout DER.Serializer) throws {
        try s.appendConstructedNode(identifier: .sequence) { p in
            try p.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { h in
                try h.appendConstructedNode(identifier: .sequence) { a in
                    try a.serialize(d.oid)
                    try a.serialize(ASN1Null())
                }
            }
            try p.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)) { m in
                try m.appendConstructedNode(identifier: .sequence) { a in
                    try a.serialize(ASN1ObjectIdentifier.mgf1)
                    try a.appendConstructedNode(identifier: .sequence) { h in
                        try h.serialize(d.oid)
                        try h.serialize(ASN1Null())
                    }
                }
            }
            try p.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific)) { sl in
                try sl.serialize(d.outputLength)
            }
        }
    }

    static func ecdsaOID(_ d: DigestAlgorithm) -> ASN1ObjectIdentifier {
        switch d {
        case .sha1: [1, 2, 840, 10045, 4, 1]
        case .sha224: [1, 2, 840, 10045, 4, 3, 1]
        case .sha256: [1, 2, 840, 10045, 4, 3, 2]
        case .sha384: [1, 2, 840, 10045, 4, 3, 3]
        case .sha512: [1, 2, 840, 10045, 4, 3, 4]
        }
    }

    static func rsaPKCS1OID(_ d: DigestAlgorithm) -> ASN1ObjectIdentifier {
        switch d {
        case .sha1: [1, 2, 840, 113549, 1, 1, 5]
        case .sha224: [1, 2, 840, 113549, 1, 1, 14]
        case .sha256: [1, 2, 840, 113549, 1, 1, 11]
        case .sha384: [1, 2, 840, 113549, 1, 1, 12]
        case .sha512: [1, 2, 840, 113549, 1, 1, 13]
        }
    }

    /// The scheme a key of `spec` signs with by default: ECDSA with the curve's matching hash,
    /// RSA-PSS with SHA-256 (Doc 9303-12 recommends PSS over PKCS#1 v1.5 for new keys).
    public static func `default`(for spec: KeySpec) -> SignatureScheme {
        switch spec {
        case .ec(let curve): .ecdsa(curve.matchingDigest)
        case .rsa: .rsaPSS(.sha256)
        }
    }
}

extension ASN1ObjectIdentifier {
    /// id-RSASSA-PSS, RFC 4055 §3.1.
    static let rsassaPSS: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 10]
    /// id-mgf1, RFC 4055 §2.2.
    static let mgf1: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 8]
    /// rsaEncryption, RFC 8017 Appendix C.
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    /// id-ecPublicKey, RFC 5480 §2.1.1.
    static let ecPublicKey: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
}
