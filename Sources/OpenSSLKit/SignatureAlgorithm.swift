import SwiftASN1

/// A signature AlgorithmIdentifier as found in a certificate, CRL or CMS SignerInfo
/// (RFC 5280 §4.1.1.2, RFC 5652 §5.3), resolved into the schemes a verifier must try.
///
/// Real documents name their algorithms loosely, so resolution is deliberately forgiving:
/// - bare `rsaEncryption` (AU, NZ, US SODs) takes its hash from the CMS digestAlgorithm;
/// - a SignerInfo may pair a SHA-512 digestAlgorithm with a SHA-256 signature algorithm: both
///   hashes are offered, the one the signature algorithm names first;
/// - `id-RSASSA-PSS` parameters are read in full (RFC 4055 §3.1: hash, MGF1 hash, salt length,
///   with their SHA-1/20 defaults when absent);
/// - ECDSA identifiers with NULL parameters (AT, JP, AE CSCAs) are accepted.
public struct SignatureAlgorithm: Sendable, Hashable, CustomStringConvertible {
    public let oid: ASN1ObjectIdentifier
    /// The parameters element, complete DER (e.g. RSASSA-PSS-params), or nil when absent.
    public let parameters: [UInt8]?

    public init(oid: ASN1ObjectIdentifier, parameters: [UInt8]?) {
        self.oid = oid
        self.parameters = parameters
    }

    /// Reads a DER AlgorithmIdentifier.
    public init(algorithmIdentifierDER der: [UInt8]) throws(OpenSSLError) {
        do {
            let node = try DER.parse(der)
            (oid, parameters) = try DER.sequence(node, identifier: .sequence) { nodes in
                let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
                return (oid, nodes.next().map { Array($0.encodedBytes) })
            }
        } catch {
            throw OpenSSLError("reading a signature AlgorithmIdentifier", stack: ["\(error)"])
        }
    }

    public var description: String { Self.names[oid] ?? oid.description }

    /// Whether this names ECDSA with a hash (ecdsa-with-SHAx, RFC 5758 §3.2).
    public var isECDSA: Bool { Self.ecdsa[oid] != nil }

    /// The schemes to try, most likely first. `digestAlgorithm` is the CMS SignerInfo's
    /// digestAlgorithm (nil for certificates and CRLs, whose algorithm names its own hash).
    /// Throws for an algorithm that is not a signature algorithm Doc 9303-12 §4.4 admits.
    public func schemes(digestAlgorithm: DigestAlgorithm? = nil) throws(OpenSSLError) -> [VerificationScheme] {
        var result: [VerificationScheme] = []
        func add(_ scheme: VerificationScheme) { if !result.contains(scheme) { result.append(scheme) } }
        if oid == .rsassaPSS {
            let pss = try Self.pssParameters(parameters)
            add(.rsaPSS(hash: pss.hash, mgf1: pss.mgf1, saltLength: pss.salt))
            if let digestAlgorithm, digestAlgorithm != pss.hash {
                add(.rsaPSS(hash: digestAlgorithm, mgf1: digestAlgorithm, saltLength: digestAlgorithm.outputLength))
            }
            return result
        }
        if let named = Self.ecdsa[oid] {
            add(.ecdsa(named))
            if let digestAlgorithm { add(.ecdsa(digestAlgorithm)) }
        } else if let named = Self.pkcs1[oid] {
            add(.rsaPKCS1v15(named))
            if let digestAlgorithm { add(.rsaPKCS1v15(digestAlgorithm)) }
        } else if oid == .rsaEncryption, let digestAlgorithm {
            add(.rsaPKCS1v15(digestAlgorithm))
        } else if oid == .ecPublicKey, let digestAlgorithm {
            add(.ecdsa(digestAlgorithm))
        } else {
            throw OpenSSLError("resolving signature algorithm \(oid)",
                               stack: ["not an ECDSA, RSA PKCS#1 v1.5 or RSASSA-PSS algorithm"
                                       + (digestAlgorithm == nil ? " naming its hash" : "")])
        }
        return result
    }

    /// RSASSA-PSS-params (RFC 4055 §3.1):
    /// ```
    /// RSASSA-PSS-params ::= SEQUENCE {
    ///     hashAlgorithm      [0] HashAlgorithm DEFAULT sha1Identifier,
    ///     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1Identifier,
    ///     saltLength         [2] INTEGER DEFAULT 20,
    ///     trailerField       [3] INTEGER DEFAULT 1 }
    /// ```
    static func pssParameters(_ der: [UInt8]?) throws(OpenSSLError) -> (hash: DigestAlgorithm, mgf1: DigestAlgorithm, salt: Int) {
        var hash = DigestAlgorithm.sha1, mgf1 = DigestAlgorithm.sha1, salt = 20
        guard let der, der != [0x05, 0x00] else { return (hash, mgf1, salt) }
        do {
            let node = try DER.parse(der)
            guard case .constructed(let fields) = node.content else { throw ASN1Error.invalidASN1Object(reason: "PSS params") }
            for field in fields {
                guard field.identifier.tagClass == .contextSpecific,
                      case .constructed(let inner) = field.content, let value = inner.first(where: { _ in true }) else { continue }
                switch field.identifier.tagNumber {
                case 0: hash = try digest(inAlgorithmIdentifier: value)
                case 1:
                    let (maskOID, maskParams) = try DER.sequence(value, identifier: .sequence) { nodes in
                        (try ASN1ObjectIdentifier(derEncoded: &nodes), nodes.next())
                    }
                    guard maskOID == .mgf1, let maskParams else { throw ASN1Error.invalidASN1Object(reason: "mask is not MGF1") }
                    mgf1 = try digest(inAlgorithmIdentifier: maskParams)
                case 2: salt = try Int(derEncoded: value)
                default: break
                }
            }
        } catch let error as OpenSSLError {
            throw error
        } catch {
            throw OpenSSLError("reading RSASSA-PSS parameters", stack: ["\(error)"])
        }
        return (hash, mgf1, salt)
    }

    private static func digest(inAlgorithmIdentifier node: ASN1Node) throws -> DigestAlgorithm {
        let oid = try DER.sequence(node, identifier: .sequence) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            _ = nodes.next()
            return oid
        }
        guard let digest = DigestAlgorithm(oid: oid) else {
            throw OpenSSLError("reading RSASSA-PSS parameters", stack: ["unsupported hash \(oid)"])
        }
        return digest
    }

    static let ecdsa: [ASN1ObjectIdentifier: DigestAlgorithm] = Dictionary(
        uniqueKeysWithValues: DigestAlgorithm.allCases.map { (SignatureScheme.ecdsaOID($0), $0) })
    static let pkcs1: [ASN1ObjectIdentifier: DigestAlgorithm] = Dictionary(
        uniqueKeysWithValues: DigestAlgorithm.allCases.map { (SignatureScheme.rsaPKCS1OID($0), $0) })
    static let names: [ASN1ObjectIdentifier: String] = {
        var table: [ASN1ObjectIdentifier: String] = [.rsassaPSS: "RSASSA-PSS", .rsaEncryption: "rsaEncryption",
                                                     .ecPublicKey: "id-ecPublicKey"]
        for (oid, d) in ecdsa { table[oid] = "ecdsa-with-\(d.rawValue)" }
        for (oid, d) in pkcs1 { table[oid] = "\(d.rawValue)WithRSAEncryption" }
        return table
    }()
}

/// What a verifier does with a key: the padding and hashes, fully resolved.
public enum VerificationScheme: Sendable, Hashable, CustomStringConvertible {
    case ecdsa(DigestAlgorithm)
    case rsaPKCS1v15(DigestAlgorithm)
    case rsaPSS(hash: DigestAlgorithm, mgf1: DigestAlgorithm, saltLength: Int)

    public var digest: DigestAlgorithm {
        switch self {
        case .ecdsa(let d), .rsaPKCS1v15(let d), .rsaPSS(let d, _, _): d
        }
    }

    public var description: String {
        switch self {
        case .ecdsa(let d): "ECDSA with \(d.rawValue)"
        case .rsaPKCS1v15(let d): "RSA PKCS#1 v1.5 with \(d.rawValue)"
        case .rsaPSS(let h, let m, let s): "RSASSA-PSS with \(h.rawValue), MGF1-\(m.rawValue), salt \(s)"
        }
    }
}

extension SignatureScheme {
    /// The verification scheme for a scheme Mohur signs with.
    public var verificationScheme: VerificationScheme {
        switch self {
        case .ecdsa(let d): .ecdsa(d)
        case .rsaPKCS1v15(let d): .rsaPKCS1v15(d)
        case .rsaPSS(let d): .rsaPSS(hash: d, mgf1: d, saltLength: d.outputLength)
        }
    }
}
