import Foundation
internal import COpenSSL

/// Baselines for `make bench`: OpenSSL's own signing loop with no Mohur code in it, so that
/// Mohur's rates can be reported as ratios measured in the same run on the same machine.
public enum RawRates {
    /// Signs `message` `iterations` times with one reused `EVP_MD_CTX` (re-initialised per
    /// signature, as any caller must) and returns signatures per second.
    public static func openSSLSignatures(key: PrivateKey, scheme: SignatureScheme, message: [UInt8], iterations: Int) throws -> Double {
        let md = try FetchedDigest.of(scheme.digest)
        let ctx = try unwrap(EVP_MD_CTX_new(), "allocating a digest context")
        defer { EVP_MD_CTX_free(ctx) }
        var signature = [UInt8](repeating: 0, count: 1024)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations {
            var pctx: OpaquePointer?
            try check(EVP_DigestSignInit(ctx, &pctx, md, nil, key.pkey), "initialising a raw signature")
            if case .rsaPSS(let d) = scheme, let pctx {
                EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING)
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, Int32(d.outputLength))
            }
            var length = signature.count
            try check(EVP_DigestSign(ctx, &signature, &length, message, message.count), "raw signing")
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(iterations) / seconds
    }

    /// Verifies one signature `iterations` times with a reused context; verifications per second.
    public static func openSSLVerifications(key: PublicKey, scheme: SignatureScheme, message: [UInt8], signature: [UInt8],
                                            iterations: Int) throws -> Double {
        let md = try FetchedDigest.of(scheme.digest)
        let ctx = try unwrap(EVP_MD_CTX_new(), "allocating a digest context")
        defer { EVP_MD_CTX_free(ctx) }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations {
            var pctx: OpaquePointer?
            try check(EVP_DigestVerifyInit(ctx, &pctx, md, nil, key.pkey), "initialising a raw verification")
            if case .rsaPSS(let d) = scheme, let pctx {
                EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING)
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, Int32(d.outputLength))
            }
            guard EVP_DigestVerify(ctx, signature, signature.count, message, message.count) == 1 else {
                throw OpenSSLError.drain("raw verification failed")
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(iterations) / seconds
    }
}
