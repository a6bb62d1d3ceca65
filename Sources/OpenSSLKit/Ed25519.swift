internal import COpenSSL

/// Ed25519 verification (RFC 8032 §5.1.7, PureEdDSA) of raw 32-byte public keys, as signed
/// notes carry them (c2sp.org/signed-note, c2sp.org/tlog-cosignature). Signing happens in the
/// HSM (CKM_EDDSA); this side only verifies.
public enum Ed25519 {
    public static let publicKeyLength = 32
    public static let signatureLength = 64

    /// Whether `signature` (R ‖ S) is a valid Ed25519 signature of `message` under `publicKey`.
    public static func verify(publicKey: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool {
        guard publicKey.count == publicKeyLength, signature.count == signatureLength else { return false }
        defer { drainErrorQueue() }
        guard let pkey = publicKey.withUnsafeBufferPointer({
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
        }) else { return false }
        defer { EVP_PKEY_free(pkey) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        // No digest: Ed25519 hashes the message itself (one-shot EVP_DigestVerify only).
        guard EVP_DigestVerifyInit(context, nil, nil, nil, pkey) == 1 else { return false }
        let rc = signature.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in
                EVP_DigestVerify(context, s.baseAddress, s.count, m.baseAddress, m.count)
            }
        }
        return rc == 1
    }

    /// The RFC 8410 §4 SubjectPublicKeyInfo of a raw key, for tools that want PEM or DER
    /// (`openssl pkeyutl -verify`): SEQUENCE { SEQUENCE { id-Ed25519 }, BIT STRING key }.
    public static func subjectPublicKeyInfo(_ publicKey: [UInt8]) -> [UInt8] {
        [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00] + publicKey
    }
}
