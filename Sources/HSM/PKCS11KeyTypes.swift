// Key specifications, public key material and signature mechanisms.
//
// PKCS #11 Current Mechanisms v2.40: §2.1 RSA (§2.1.4 PKCS #1 key pair
// generation, §2.1.6 PKCS #1 v1.5, §2.1.9–2.1.10 PSS parameters and
// mechanism), §2.3 Elliptic curves (EC key pair generation, CKM_ECDSA,
// CKA_EC_PARAMS / CKA_EC_POINT encodings).

internal import CP11Kit
import OpenSSLKit

/// What kind of key pair to generate.
public enum PKCS11KeySpec: Sendable, Hashable {
    /// An EC key on the named curve whose OBJECT IDENTIFIER is given as full
    /// DER (tag 06, length, content), e.g. `06 08 2A 86 48 CE 3D 03 01 07`.
    /// This becomes CKA_EC_PARAMS (ecParameters CHOICE, namedCurve).
    case ec(curveOID: [UInt8])
    /// An RSA key with the given modulus size and public exponent 65537.
    case rsa(bits: Int)
    /// An Ed25519 key (PKCS #11 v3.0 §2.3.5: CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, with
    /// CKA_EC_PARAMS the OID id-Ed25519 1.3.101.112 of RFC 8410 §3). Signs whole messages with
    /// CKM_EDDSA; used for witness cosignatures (c2sp.org/tlog-cosignature), never for X.509.
    case ed25519

    /// DER of id-Ed25519 (1.3.101.112), the CKA_EC_PARAMS of an Ed25519 key.
    static let ed25519Parameters: [UInt8] = [0x06, 0x03, 0x2B, 0x65, 0x70]

    /// NIST P-256 / secp256r1 (1.2.840.10045.3.1.7).
    public static let p256 = PKCS11KeySpec.ec(curveOID: [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07])
    /// NIST P-384 / secp384r1 (1.3.132.0.34).
    public static let p384 = PKCS11KeySpec.ec(curveOID: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22])
    /// NIST P-521 / secp521r1 (1.3.132.0.35).
    public static let p521 = PKCS11KeySpec.ec(curveOID: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23])
    /// brainpoolP256r1 (1.3.36.3.3.2.8.1.1.7, RFC 5639).
    public static let brainpoolP256r1 = PKCS11KeySpec.ec(curveOID: brainpool(0x07))
    /// brainpoolP384r1 (1.3.36.3.3.2.8.1.1.11, RFC 5639).
    public static let brainpoolP384r1 = PKCS11KeySpec.ec(curveOID: brainpool(0x0B))
    /// brainpoolP512r1 (1.3.36.3.3.2.8.1.1.13, RFC 5639).
    public static let brainpoolP512r1 = PKCS11KeySpec.ec(curveOID: brainpool(0x0D))

    private static func brainpool(_ last: UInt8) -> [UInt8] {
        [0x06, 0x09, 0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, last]
    }
}

/// Public half of a key pair as stored on the token.
public enum PKCS11PublicKeyMaterial: Sendable, Hashable {
    /// `parameters`: CKA_EC_PARAMS (DER, normally a namedCurve OID);
    /// `point`: the uncompressed point `04 || X || Y`. CKA_EC_POINT is a DER
    /// OCTET STRING per the specification (SoftHSM does this) but some HSMs
    /// return the bare point; both are accepted and unwrapped.
    case ec(parameters: [UInt8], point: [UInt8])
    /// Big-endian CKA_MODULUS and CKA_PUBLIC_EXPONENT.
    case rsa(modulus: [UInt8], publicExponent: [UInt8])
    /// The 32-byte Ed25519 public key (RFC 8032 §5.1.5), unwrapped from the DER OCTET STRING
    /// CKA_EC_POINT holds (PKCS #11 v3.0 §2.3.5).
    case ed25519(publicKey: [UInt8])
}

/// Signature mechanisms supported by `PKCS11PrivateKey.sign`.
public enum PKCS11Mechanism: Sendable, Hashable {
    /// CKM_ECDSA over a precomputed digest; output is `r || s`, each as long
    /// as the curve order.
    case ecdsa
    /// CKM_RSA_PKCS over a DER-encoded DigestInfo (PKCS #1 v1.5, RFC 8017 §9.2).
    case rsaPKCS1
    /// CKM_RSA_PKCS_PSS over a precomputed digest made with `hash`; MGF1 uses
    /// the same hash, the salt is `saltLength` bytes.
    case rsaPSS(hash: DigestAlgorithm, saltLength: Int)
    /// CKM_EDDSA without parameters: PureEdDSA (Ed25519, RFC 8032 §5.1) over the whole message;
    /// output is the 64-byte signature R ‖ S.
    case eddsa
}

/// PKCS#11 names of the hash functions in PSS parameters (CKM_SHA_1 … CKM_SHA512,
/// CKG_MGF1_SHA…; PKCS #11 v2.40 §2.1.14). The hash itself is OpenSSLKit's `DigestAlgorithm`.
extension DigestAlgorithm {
    var mechanism: CK_MECHANISM_TYPE {
        switch self {
        case .sha1: CK_MECHANISM_TYPE(CKM_SHA_1)
        case .sha224: CK_MECHANISM_TYPE(CKM_SHA224)
        case .sha256: CK_MECHANISM_TYPE(CKM_SHA256)
        case .sha384: CK_MECHANISM_TYPE(CKM_SHA384)
        case .sha512: CK_MECHANISM_TYPE(CKM_SHA512)
        }
    }

    var mgf: CK_RSA_PKCS_MGF_TYPE {
        switch self {
        case .sha1: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA1)
        case .sha224: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA224)
        case .sha256: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA256)
        case .sha384: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA384)
        case .sha512: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA512)
        }
    }
}

// MARK: - EC encodings

enum ECEncoding {
    /// Field element size in bytes for the named curves this layer knows,
    /// keyed by the DER of the curve OID.
    private static let known: [[UInt8]: Int] = [
        [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]: 32,  // P-256
        [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x21]: 28,                    // P-224
        [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]: 48,                    // P-384
        [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23]: 66,                    // P-521
        [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x0A]: 32,                    // secp256k1
    ]

    static func coordinateLength(forParameters parameters: [UInt8]) -> Int? {
        if let length = known[parameters] { return length }
        let brainpool: [UInt8] = [0x06, 0x09, 0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01]
        if parameters.count == 11, parameters.starts(with: brainpool) {
            switch parameters[10] {
            case 0x05: return 28   // brainpoolP224r1
            case 0x07: return 32   // brainpoolP256r1
            case 0x09: return 40   // brainpoolP320r1
            case 0x0B: return 48   // brainpoolP384r1
            case 0x0D: return 64   // brainpoolP512r1
            default: return nil
            }
        }
        return nil
    }

    /// CKA_EC_POINT of an Ed25519 key → the 32-byte key: SoftHSM2 and the v3.0 text wrap it in
    /// a DER OCTET STRING, some tokens give it bare.
    static func unwrapEdwardsPoint(_ value: [UInt8]) -> [UInt8]? {
        if value.count == 32 { return value }
        if let inner = octetStringContent(value), inner.count == 32 { return inner }
        return nil
    }

    /// Whether `oid` is a well-formed DER OBJECT IDENTIFIER (short-form length).
    static func isObjectIdentifier(_ oid: [UInt8]) -> Bool {
        oid.count >= 3 && oid[0] == 0x06 && oid[1] < 0x80 && Int(oid[1]) == oid.count - 2
    }

    /// CKA_EC_POINT → bare point. PKCS #11 v2.40 §2.3.3 specifies DER
    /// `ECPoint ::= OCTET STRING`; some tokens return the raw point. When the
    /// curve is known the expected length decides; otherwise a value that
    /// parses as exactly one OCTET STRING holding an uncompressed or
    /// compressed point is unwrapped.
    static func unwrapPoint(_ value: [UInt8], parameters: [UInt8]) -> [UInt8] {
        if let size = coordinateLength(forParameters: parameters) {
            let raw = 1 + 2 * size
            if value.count == raw, value.first == 0x04 { return value }
            if let inner = octetStringContent(value), inner.count == raw || inner.count == 1 + size {
                return inner
            }
            return value
        }
        if let inner = octetStringContent(value), let first = inner.first,
           (first == 0x04 && inner.count % 2 == 1) || ((first == 0x02 || first == 0x03) && inner.count % 2 == 0) {
            return inner
        }
        return value
    }

    /// The content of a DER OCTET STRING spanning all of `der`, if it is one.
    private static func octetStringContent(_ der: [UInt8]) -> [UInt8]? {
        guard der.count >= 2, der[0] == 0x04 else { return nil }
        var length = 0
        var header = 2
        if der[1] < 0x80 {
            length = Int(der[1])
        } else {
            let octets = Int(der[1] & 0x7F)
            guard (1...2).contains(octets), der.count >= 2 + octets else { return nil }
            for byte in der[2..<(2 + octets)] { length = length << 8 | Int(byte) }
            header += octets
        }
        guard header + length == der.count else { return nil }
        return Array(der[header...])
    }
}
