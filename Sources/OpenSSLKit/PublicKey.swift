internal import COpenSSL
import SwiftASN1

/// A public key (an `EVP_PKEY` holding no private half). OpenSSL allows concurrent use of a
/// key for verification, so the single owner may be shared across tasks.
public final class PublicKey: @unchecked Sendable, Equatable {
    let pkey: OpaquePointer

    init(takingOwnership pkey: OpaquePointer) { self.pkey = pkey }
    deinit { EVP_PKEY_free(pkey) }

    /// Parses a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), named or explicit EC parameters.
    public convenience init(subjectPublicKeyInfo der: [UInt8]) throws(OpenSSLError) {
        let key = try decodeDER(der, "parsing a SubjectPublicKeyInfo") { p, n in d2i_PUBKEY(nil, p, n) }
        self.init(takingOwnership: key)
    }

    /// An EC public key from a named curve and an uncompressed point (04‖X‖Y), as a token
    /// reports it in `CKA_EC_POINT` (RFC 5480 §2.2).
    public convenience init(curve: Curve, point: [UInt8]) throws(OpenSSLError) {
        var serializer = DER.Serializer()
        do {
            try serializer.appendConstructedNode(identifier: .sequence) { s in
                try s.appendConstructedNode(identifier: .sequence) { a in
                    try a.serialize(ASN1ObjectIdentifier.ecPublicKey)
                    try a.serialize(curve.oid)
                }
                try s.serialize(ASN1BitString(bytes: point[...]))
            }
        } catch { throw OpenSSLError("encoding an EC SubjectPublicKeyInfo", stack: ["\(error)"]) }
        try self.init(subjectPublicKeyInfo: serializer.serializedBytes)
    }

    /// An RSA public key from its big-endian modulus and exponent (RFC 8017 §A.1.1).
    public convenience init(rsaModulus modulus: [UInt8], exponent: [UInt8]) throws(OpenSSLError) {
        var inner = DER.Serializer()
        var outer = DER.Serializer()
        do {
            try inner.appendConstructedNode(identifier: .sequence) { s in
                try s.serialize(ArraySlice(unsignedInteger: modulus))
                try s.serialize(ArraySlice(unsignedInteger: exponent))
            }
            try outer.appendConstructedNode(identifier: .sequence) { s in
                try s.appendConstructedNode(identifier: .sequence) { a in
                    try a.serialize(ASN1ObjectIdentifier.rsaEncryption)
                    try a.serialize(ASN1Null())
                }
                try s.serialize(ASN1BitString(bytes: inner.serializedBytes[...]))
            }
        } catch { throw OpenSSLError("encoding an RSA SubjectPublicKeyInfo", stack: ["\(error)"]) }
        try self.init(subjectPublicKeyInfo: outer.serializedBytes)
    }

    /// DER SubjectPublicKeyInfo. With `explicitECParameters`, an EC key carries its full domain
    /// parameters (specifiedCurve, RFC 3279 §2.3.5) as Doc 9303-12 §4.4.3 requires of CSCA and
    /// DS keys; the shared key object is left untouched.
    public func subjectPublicKeyInfo(explicitECParameters: Bool = false) throws(OpenSSLError) -> [UInt8] {
        guard explicitECParameters, isEC else {
            return try encodeDER("encoding a SubjectPublicKeyInfo") { i2d_PUBKEY(pkey, $0) }
        }
        let copy = try unwrap(EVP_PKEY_dup(pkey), "copying an EC key to re-encode its parameters")
        defer { EVP_PKEY_free(copy) }
        try check(EVP_PKEY_set_utf8_string_param(copy, OSSL_PKEY_PARAM_EC_ENCODING, OSSL_PKEY_EC_ENCODING_EXPLICIT),
                  "switching an EC key to explicit domain parameters")
        return try encodeDER("encoding a SubjectPublicKeyInfo with explicit EC parameters") { i2d_PUBKEY(copy, $0) }
    }

    /// The subjectPublicKey BIT STRING's content: what RFC 5280 §4.2.1.2 method (1) hashes for
    /// the key identifier.
    public func subjectPublicKeyBits() throws(OpenSSLError) -> [UInt8] {
        let der = try subjectPublicKeyInfo()
        do {
            let node = try DER.parse(der)
            guard case .constructed(let children) = node.content else { throw ASN1Error.invalidASN1Object(reason: "SPKI") }
            var iterator = children.makeIterator()
            _ = iterator.next()
            guard let bits = iterator.next() else { throw ASN1Error.invalidASN1Object(reason: "SPKI") }
            return Array(try ASN1BitString(derEncoded: bits).bytes)
        } catch { throw OpenSSLError("reading the subjectPublicKey bits", stack: ["\(error)"]) }
    }

    /// RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits.
    public func keyIdentifier() throws(OpenSSLError) -> [UInt8] {
        try Digest.hash(.sha1, subjectPublicKeyBits())
    }

    public var isEC: Bool { EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC }
    public var isRSA: Bool {
        let id = EVP_PKEY_get_base_id(pkey)
        return id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS
    }
    /// Key size in bits (curve order size for EC, modulus size for RSA).
    public var bits: Int { Int(EVP_PKEY_get_bits(pkey)) }

    /// The named curve, when OpenSSL recognises the parameters as one (explicit parameters of
    /// a standard curve included).
    public var curve: Curve? {
        guard isEC else { return nil }
        var buffer = [CChar](repeating: 0, count: 80)
        var length = 0
        guard EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, &buffer, buffer.count, &length) == 1 else {
            drainErrorQueue()
            return nil
        }
        let name = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Curve.allCases.first { $0.openSSLName == name }
    }

    /// A short description such as "EC brainpoolP384r1" or "RSA 3072".
    public var summary: String {
        if isEC { return "EC \(curve?.rawValue ?? "explicit \(bits)-bit curve")" }
        if isRSA { return "RSA \(bits)" }
        return "key type \(EVP_PKEY_get_base_id(pkey))"
    }

    /// PEM "PUBLIC KEY".
    public func pem() throws(OpenSSLError) -> String {
        let bytes = try withMemoryBIO("writing a PEM public key") { bio in PEM_write_bio_PUBKEY(bio, pkey) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Key type and size, when it is one Mohur generates (EC on a known curve, or RSA).
    public var keySpec: KeySpec? {
        if let curve { return .ec(curve) }
        return isRSA ? .rsa(bits: bits) : nil
    }

    /// Verifies `signature` over `message` (the signature encoded as X.509 carries it).
    public func verify(signature: [UInt8], message: [UInt8], scheme: SignatureScheme) -> Bool {
        do {
            return try withDigestContext(pkey: pkey, scheme: scheme, verifying: true) { ctx in
                let rc = signature.withUnsafeBytes { s in
                    message.withUnsafeBytes { m in
                        EVP_DigestVerify(ctx, s.bindMemory(to: UInt8.self).baseAddress, s.count,
                                         m.bindMemory(to: UInt8.self).baseAddress, m.count)
                    }
                }
                drainErrorQueue()
                return rc == 1
            }
        } catch {
            return false
        }
    }

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool {
        EVP_PKEY_eq(lhs.pkey, rhs.pkey) == 1
    }
}

/// Sets up an `EVP_MD_CTX` for signing or verifying under `scheme` and runs `body` with it.
/// For RSA-PSS the padding, MGF1 hash and salt length are set on the key context (RFC 4055
/// §3.1); Mohur's own ``SignatureScheme``s use MGF1 with the same hash and a hash-long salt.
func withDigestContext<T>(pkey: OpaquePointer, scheme: SignatureScheme, verifying: Bool,
                          _ body: (OpaquePointer) throws(OpenSSLError) -> T) throws(OpenSSLError) -> T {
    try withDigestContext(pkey: pkey, scheme: scheme.verificationScheme, verifying: verifying, body)
}

func withDigestContext<T>(pkey: OpaquePointer, scheme: VerificationScheme, verifying: Bool,
                          _ body: (OpaquePointer) throws(OpenSSLError) -> T) throws(OpenSSLError) -> T {
    let md = try FetchedDigest.of(scheme.digest)
    let ctx = try unwrap(EVP_MD_CTX_new(), "allocating a digest context")
    defer { EVP_MD_CTX_free(ctx) }
    var pctx: OpaquePointer?
    let rc = verifying ? EVP_DigestVerifyInit(ctx, &pctx, md, nil, pkey) : EVP_DigestSignInit(ctx, &pctx, md, nil, pkey)
    try check(rc, "initialising \(scheme)")
    if case .rsaPSS(_, let mgf1, let salt) = scheme, let pctx {
        try check(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), "selecting PSS padding")
        try check(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, try FetchedDigest.of(mgf1)), "selecting the MGF1 hash")
        try check(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, Int32(salt)), "setting the PSS salt length")
    }
    return try body(ctx)
}

extension ArraySlice where Element == UInt8 {
    /// A big-endian magnitude, trimmed of leading zeros, ready to serialise as a positive DER
    /// INTEGER (swift-asn1 adds the 0x00 octet a set top bit needs).
    public init(unsignedInteger bytes: [UInt8]) {
        self = bytes.drop { $0 == 0 }
    }
}
