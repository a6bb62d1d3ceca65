import MohurCore
import OpenSSLKit

/// A `Signer` over a private key in a PKCS#11 token. The message is hashed in process (the
/// token never sees more than a digest) and the token signs the digest:
/// ECDSA with CKM_ECDSA (PKCS#11 v2.40 §2.3.6), RSA PKCS#1 v1.5 with CKM_RSA_PKCS over a
/// DigestInfo (RFC 8017 §9.2), RSA-PSS with CKM_RSA_PKCS_PSS (§2.1.14).
public final class PKCS11Signer: Signer {
    public let key: PKCS11PrivateKey
    public let publicKey: PublicKey
    public let spec: KeySpec
    public let keyReference: String
    public var isSoftware: Bool { false }

    init(key: PKCS11PrivateKey, spec: KeySpec?) throws {
        self.key = key
        self.keyReference = key.uri.description
        switch key.publicKey {
        case .ec(let parameters, let point):
            guard let curve = Curve.allCases.first(where: { $0.oidDER == parameters }) else {
                throw MohurError.badInput("key '\(key.label)' uses EC parameters Mohur does not support")
            }
            self.publicKey = try PublicKey(curve: curve, point: point)
            self.spec = spec ?? .ec(curve)
        case .rsa(let modulus, let exponent):
            self.publicKey = try PublicKey(rsaModulus: modulus, exponent: exponent)
            self.spec = spec ?? .rsa(bits: publicKey.bits)
        case .ed25519:
            throw MohurError.badInput("key '\(key.label)' is an Ed25519 key: it cosigns checkpoints (PKCS11Ed25519Signer) and never signs certificates")
        }
    }

    /// This signer over a session-object copy of its key (`PKCS11PrivateKey.sessionCopy`).
    public func sessionBound() -> PKCS11Signer {
        let copy = key.sessionCopy()
        guard copy !== key, let signer = try? PKCS11Signer(key: copy, spec: spec) else { return self }
        return signer
    }

    public func sign(_ message: [UInt8], scheme: SignatureScheme) throws -> [UInt8] {
        let digest = try Digest.hash(scheme.digest, message)
        return try signDigest(digest, scheme: scheme)
    }

    /// CKM_ECDSA answers r‖s already (PKCS#11 v2.40 §2.3.1): no DER in between. A token whose
    /// halves are not `half` wide is normalised through DER.
    public func signFixedWidthECDSA(_ message: [UInt8], digest: DigestAlgorithm, half: Int) throws -> [UInt8] {
        guard case .ec = spec else { throw MohurError.badInput("key '\(key.label)' (\(spec)) cannot sign with ECDSA") }
        let raw = try key.sign(.ecdsa, try Digest.hash(digest, message))
        guard raw.count == 2 * half else { return try ECDSASignature.raw(fromDER: try ECDSASignature.der(fromRaw: raw), half: half) }
        return raw
    }

    /// Signs a precomputed digest (used by CMS, which hashes the signed attributes itself).
    public func signDigest(_ digest: [UInt8], scheme: SignatureScheme) throws -> [UInt8] {
        switch (scheme, spec) {
        case (.ecdsa, .ec):
            return try ECDSASignature.der(fromRaw: try key.sign(.ecdsa, digest))
        case (.rsaPKCS1v15(let d), .rsa):
            return try key.sign(.rsaPKCS1, DigestInfo.prefix(d) + digest)
        case (.rsaPSS(let d), .rsa):
            return try key.sign(.rsaPSS(hash: d, saltLength: d.outputLength), digest)
        default:
            throw MohurError.badInput("key '\(key.label)' (\(spec)) cannot sign with \(scheme)")
        }
    }
}

/// DER prefixes of DigestInfo ::= SEQUENCE { AlgorithmIdentifier (with NULL), OCTET STRING }
/// for each hash (RFC 8017 §9.2 note 1).
enum DigestInfo {
    static func prefix(_ digest: DigestAlgorithm) -> [UInt8] {
        let oid: [UInt8] = digest.oidContent
        let length = UInt8(digest.outputLength)
        let algorithm: [UInt8] = [0x30, UInt8(oid.count + 4), 0x06, UInt8(oid.count)] + oid + [0x05, 0x00]
        return [0x30, UInt8(algorithm.count + 2) + length] + algorithm + [0x04, length]
    }
}

extension DigestAlgorithm {
    /// Content octets of the hash OID.
    var oidContent: [UInt8] {
        switch self {
        case .sha1: [0x2b, 0x0e, 0x03, 0x02, 0x1a]
        case .sha224: [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04]
        case .sha256: [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
        case .sha384: [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]
        case .sha512: [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03]
        }
    }
}

/// An Ed25519 key on the token that signs whole messages with CKM_EDDSA (RFC 8032 §5.1,
/// PureEdDSA): the witness's cosigning key (c2sp.org/tlog-cosignature).
public final class PKCS11Ed25519Signer: Ed25519Signer {
    public let key: PKCS11PrivateKey
    public let rawPublicKey: [UInt8]
    public var keyReference: String { key.uri.description }

    init(key: PKCS11PrivateKey) throws {
        guard case .ed25519(let publicKey) = key.publicKey else {
            throw MohurError.badInput("key '\(key.label)' is not an Ed25519 key")
        }
        self.key = key
        self.rawPublicKey = publicKey
    }

    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        let signature = try key.sign(.eddsa, message)
        guard signature.count == 64 else { throw MohurError.system("the token returned a \(signature.count)-byte Ed25519 signature") }
        return signature
    }
}
