internal import COpenSSL
import SwiftASN1

extension PublicKey {
    /// Verifies `signature` over `message` with a fully resolved scheme. EC keys with explicit
    /// domain parameters (brainpool, Doc 9303-12 §4.4.3) verify like named-curve keys here.
    /// For PKCS#1 v1.5 a failed strict check falls back to ``verifyPKCS1DigestInfo(signature:digest:algorithm:)``,
    /// which also accepts a DigestInfo without the NULL parameter.
    public func verify(signature: [UInt8], message: [UInt8], using scheme: VerificationScheme) -> Bool {
        let ok = (try? withDigestContext(pkey: pkey, scheme: scheme, verifying: true) { ctx in
            signature.withUnsafeBufferPointer { s in
                message.withUnsafeBufferPointer { m in
                    EVP_DigestVerify(ctx, s.baseAddress, s.count, m.baseAddress, m.count) == 1
                }
            }
        }) ?? false
        drainErrorQueue()
        if ok { return true }
        guard case .rsaPKCS1v15(let digest) = scheme, isRSA, let hash = try? Digest.hash(digest, message) else { return false }
        return verifyPKCS1DigestInfo(signature: signature, digest: hash, algorithm: digest)
    }

    /// Verifies `signature` under the first of `algorithm`'s schemes that succeeds and returns
    /// that scheme, or nil when none does (or the algorithm is unusable).
    public func verify(signature: [UInt8], message: [UInt8], algorithm: SignatureAlgorithm,
                       digestAlgorithm: DigestAlgorithm? = nil) -> VerificationScheme? {
        guard let schemes = try? algorithm.schemes(digestAlgorithm: digestAlgorithm) else { return nil }
        return schemes.first { verify(signature: signature, message: message, using: $0) }
    }

    /// PKCS#1 v1.5 verification of a precomputed `digest` that compares the DigestInfo
    /// structurally (RFC 8017 §9.2 note 2): the hash OID must match and the parameters may be
    /// NULL or absent. OpenSSL compares the encoding byte for byte and so rejects ICAO's own
    /// master list signature, whose DigestInfo omits the NULL (openssl issue 22093).
    public func verifyPKCS1DigestInfo(signature: [UInt8], digest: [UInt8], algorithm: DigestAlgorithm) -> Bool {
        guard isRSA, let recovered = try? recoverPKCS1Block(signature) else { return false }
        do {
            let node = try DER.parse(recovered)
            let (oid, hash) = try DER.sequence(node, identifier: .sequence) { nodes -> (ASN1ObjectIdentifier, ASN1OctetString) in
                guard let algorithm = nodes.next() else { throw ASN1Error.invalidASN1Object(reason: "no digestAlgorithm") }
                let oid = try DER.sequence(algorithm, identifier: .sequence) { inner in
                    let oid = try ASN1ObjectIdentifier(derEncoded: &inner)
                    _ = inner.next()  // NULL or absent: both accepted
                    return oid
                }
                return (oid, try ASN1OctetString(derEncoded: &nodes))
            }
            return oid == algorithm.oid && Array(hash.bytes) == digest
        } catch {
            return false
        }
    }

    /// RSA public operation with PKCS#1 type 1 padding removed: the encoded DigestInfo.
    func recoverPKCS1Block(_ signature: [UInt8]) throws(OpenSSLError) -> [UInt8] {
        let ctx = try unwrap(EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil), "creating an RSA recovery context")
        defer { EVP_PKEY_CTX_free(ctx) }
        try check(EVP_PKEY_verify_recover_init(ctx), "initialising RSA signature recovery")
        try check(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), "selecting PKCS#1 v1.5 padding")
        var out = [UInt8](repeating: 0, count: max(Int(EVP_PKEY_get_size(pkey)), 16))
        var length = out.count
        try check(EVP_PKEY_verify_recover(ctx, &out, &length, signature, signature.count), "recovering the DigestInfo")
        return Array(out.prefix(length))
    }
}

/// The three parts of a signed X.509 object (certificate or CRL, RFC 5280 §4.1 and §5.1):
/// the signed TBS bytes, the signatureAlgorithm and the signature value.
struct SignedObjectParts {
    let tbs: [UInt8]
    let algorithm: SignatureAlgorithm
    let signature: [UInt8]

    init?(der: [UInt8]) {
        guard let node = try? DER.parse(der), case .constructed(let fields) = node.content else { return nil }
        var iterator = fields.makeIterator()
        guard let tbs = iterator.next(), let alg = iterator.next(), let sig = iterator.next(),
              let bits = try? ASN1BitString(derEncoded: sig),
              let algorithm = try? SignatureAlgorithm(algorithmIdentifierDER: Array(alg.encodedBytes)) else { return nil }
        self.tbs = Array(tbs.encodedBytes)
        self.algorithm = algorithm
        self.signature = Array(bits.bytes)
    }

    func isValid(under key: PublicKey) -> Bool {
        key.verify(signature: signature, message: tbs, algorithm: algorithm) != nil
    }
}

extension Certificate {
    /// Checks the signature with `key` as real CSCAs need: `X509_verify` first (explicit EC
    /// parameters and RSA-PSS accepted), then an independent check that tolerates NULL ECDSA
    /// parameters and DigestInfo without NULL. Use this for passport chains.
    public func verifySignature(issuerKey key: PublicKey) -> Bool {
        if isSignatureValid(issuerKey: key) { return true }
        return SignedObjectParts(der: derEncoded)?.isValid(under: key) ?? false
    }

    /// The signatureAlgorithm as a resolvable identifier, when readable.
    public var signatureAlgorithm: SignatureAlgorithm? { SignedObjectParts(der: derEncoded)?.algorithm }
}

extension CRL {
    /// Like ``Certificate/verifySignature(issuerKey:)`` for a CRL.
    public func verifySignature(issuerKey key: PublicKey) -> Bool {
        if isSignatureValid(issuerKey: key) { return true }
        return SignedObjectParts(der: derEncoded)?.isValid(under: key) ?? false
    }
}
