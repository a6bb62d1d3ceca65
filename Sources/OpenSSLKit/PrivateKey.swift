internal import COpenSSL

/// A private key held in process memory by OpenSSL. Mohur uses these for development keys only
/// (encrypted PKCS#8 files) and as an independent reference in benchmarks; production keys
/// stay inside the HSM. OpenSSL allows concurrent signing with one key object.
public final class PrivateKey: @unchecked Sendable {
    let pkey: OpaquePointer
    /// The public half.
    public let publicKey: PublicKey

    init(takingOwnership pkey: OpaquePointer) throws(OpenSSLError) {
        self.pkey = pkey
        let spki = try encodeDER("extracting the public half of a private key") { i2d_PUBKEY(pkey, $0) }
        self.publicKey = try PublicKey(subjectPublicKeyInfo: spki)
    }

    deinit { EVP_PKEY_free(pkey) }

    /// Generates a key pair in memory.
    public static func generate(_ spec: KeySpec) throws(OpenSSLError) -> PrivateKey {
        let isEC: Bool
        if case .ec = spec { isEC = true } else { isEC = false }
        let ctx = try unwrap(EVP_PKEY_CTX_new_from_name(nil, isEC ? "EC" : "RSA", nil), "creating a key generation context")
        defer { EVP_PKEY_CTX_free(ctx) }
        try check(EVP_PKEY_keygen_init(ctx), "initialising key generation for \(spec)")
        switch spec {
        case .ec(let curve):
            try check(EVP_PKEY_CTX_set_group_name(ctx, curve.openSSLName), "selecting curve \(curve.rawValue)")
        case .rsa(let bits):
            try check(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)), "setting RSA size \(bits)")
        }
        var key: OpaquePointer?
        try check(EVP_PKEY_generate(ctx, &key), "generating a \(spec) key")
        return try PrivateKey(takingOwnership: try unwrap(key, "generating a \(spec) key"))
    }

    /// Reads a PEM private key; encrypted PKCS#8 needs `passphrase`.
    public convenience init(pem: [UInt8], passphrase: String?) throws(OpenSSLError) {
        let key: OpaquePointer = try withReadBIO(pem, "reading a PEM private key") { bio throws(OpenSSLError) in
            let loaded: OpaquePointer? = if let passphrase {
                passphrase.withCString { PEM_read_bio_PrivateKey(bio, nil, nil, UnsafeMutableRawPointer(mutating: $0)) }
            } else {
                PEM_read_bio_PrivateKey(bio, nil, nil, nil)
            }
            return try unwrap(loaded, "reading a PEM private key (wrong passphrase or not a key)")
        }
        try self.init(takingOwnership: key)
    }

    /// Encrypted PKCS#8 PEM (PBES2 with AES-256-CBC, RFC 8018 §6.2) under `passphrase`.
    public func encryptedPKCS8PEM(passphrase: String) throws(OpenSSLError) -> [UInt8] {
        let cipher = try unwrap(EVP_CIPHER_fetch(nil, "AES-256-CBC", nil), "fetching AES-256-CBC")
        defer { EVP_CIPHER_free(cipher) }
        return try withMemoryBIO("writing an encrypted PKCS#8 key") { bio in
            passphrase.withCString { pass in
                PEM_write_bio_PKCS8PrivateKey(bio, pkey, cipher, pass, Int32(strlen(pass)), nil, nil)
            }
        }
    }

    /// Signs `message` under `scheme`; the result is encoded as X.509 and CMS carry it
    /// (ECDSA: DER Ecdsa-Sig-Value, RFC 3279 §2.2.3).
    public func sign(_ message: [UInt8], scheme: SignatureScheme) throws(OpenSSLError) -> [UInt8] {
        try withDigestContext(pkey: pkey, scheme: scheme, verifying: false) { ctx throws(OpenSSLError) in
            var length = 0
            let sized = message.withUnsafeBytes { m in
                EVP_DigestSign(ctx, nil, &length, m.bindMemory(to: UInt8.self).baseAddress, m.count)
            }
            try check(sized, "sizing a \(scheme) signature")
            var signature = [UInt8](repeating: 0, count: length)
            let signed = message.withUnsafeBytes { m in
                EVP_DigestSign(ctx, &signature, &length, m.bindMemory(to: UInt8.self).baseAddress, m.count)
            }
            try check(signed, "signing with \(scheme)")
            return Array(signature.prefix(length))
        }
    }
}
