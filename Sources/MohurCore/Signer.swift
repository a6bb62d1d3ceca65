import OpenSSLKit

/// A private key that signs, wherever it lives. Implementations: PKCS#11 keys in an HSM
/// (production) and encrypted software keys (development only, always reported as such).
public protocol Signer: Sendable {
    /// Where the key lives: an RFC 7512 `pkcs11:` URI or a `file:` path for software keys.
    var keyReference: String { get }
    /// The public half, as the key store reports it.
    var publicKey: PublicKey { get }
    /// Key type and size.
    var spec: KeySpec { get }
    /// True for keys outside an HSM; such keys are for development and say so everywhere.
    var isSoftware: Bool { get }
    /// Signs `message` (hashing it as the scheme says); returns the signature as X.509 and CMS
    /// carry it (ECDSA: DER Ecdsa-Sig-Value).
    func sign(_ message: [UInt8], scheme: SignatureScheme) throws -> [UInt8]
    /// Signs `message` with ECDSA over `digest` and returns the fixed-width r‖s, each half
    /// `half` octets (RFC 9421 §3.3.4–5). A key whose token answers r‖s itself skips the
    /// round trip through DER that the default takes.
    func signFixedWidthECDSA(_ message: [UInt8], digest: DigestAlgorithm, half: Int) throws -> [UInt8]
}

extension Signer {
    public func signFixedWidthECDSA(_ message: [UInt8], digest: DigestAlgorithm, half: Int) throws -> [UInt8] {
        try ECDSASignature.raw(fromDER: try sign(message, scheme: .ecdsa(digest)), half: half)
    }

    /// The scheme this key signs with unless a profile says otherwise.
    public var defaultScheme: SignatureScheme { SignatureScheme.default(for: spec) }
}

/// An Ed25519 key that signs whole messages (RFC 8032 §5.1, PureEdDSA). Witnesses cosign
/// checkpoints with one (c2sp.org/tlog-cosignature); it never signs certificates or documents.
public protocol Ed25519Signer: Sendable {
    /// Where the key lives (an RFC 7512 `pkcs11:` URI).
    var keyReference: String { get }
    /// The 32-byte public key (RFC 8032 §5.1.5).
    var rawPublicKey: [UInt8] { get }
    /// The 64-byte signature R ‖ S over `message`.
    func sign(_ message: [UInt8]) throws -> [UInt8]
}
