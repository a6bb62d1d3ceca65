// A private signing key on a token, and the signing hot path.
//
// PKCS #11 v2.40 §5.11 (C_SignInit, C_Sign), §5.2 (output buffers:
// CKR_BUFFER_TOO_SMALL leaves the operation active), §4.10 (private key
// attributes). Mechanisms: Current Mechanisms v2.40 §2.3 (CKM_ECDSA),
// §2.1.6 (CKM_RSA_PKCS), §2.1.9–2.1.10 (CKM_RSA_PKCS_PSS, CK_RSA_PKCS_PSS_PARAMS).

internal import CP11Kit
import Synchronization

/// A private key on a logged-in token. Safe to use from many tasks at once;
/// each signature runs on its own pooled session.
///
/// Keys with CKA_ALWAYS_AUTHENTICATE (a context-specific login before every
/// signature) are not supported by `sign`.
public final class PKCS11PrivateKey: Sendable, CustomStringConvertible {
    /// CKA_LABEL.
    public let label: String
    /// CKA_ID, shared with the public key (and, by convention, certificates).
    public let id: [UInt8]
    /// The public half, read once when the key was found or generated.
    public let publicKey: PKCS11PublicKeyMaterial
    /// The token the key lives on (kept alive by the key).
    public let token: PKCS11Token

    /// The module's entry points (internal for in-module extensions).
    let functions: PKCS11Functions
    /// Current object handle and the connection generation it was found in; replaced if the
    /// token reports it stale or the token has reconnected since (a handle from an earlier
    /// generation may name another object now). Internal (not private) for in-module
    /// extensions and for tests that simulate a stale handle.
    let current: Mutex<(handle: CK_OBJECT_HANDLE, generation: UInt64)>
    /// Expected signature size, so C_Sign needs no size query.
    private let signatureLength: Int

    init(token: PKCS11Token, handle: CK_OBJECT_HANDLE, label: String, id: [UInt8],
         publicKey: PKCS11PublicKeyMaterial) {
        self.token = token
        self.functions = token.functions
        self.current = Mutex((handle, token.connection.generation))
        self.label = label
        self.id = id
        self.publicKey = publicKey
        switch publicKey {
        case .ec(let parameters, let point):
            if let size = ECEncoding.coordinateLength(forParameters: parameters) {
                signatureLength = 2 * size
            } else if point.first == 0x04, point.count > 1 {
                signatureLength = point.count - 1
            } else {
                signatureLength = 512
            }
        case .rsa(let modulus, _):
            let significant = modulus.drop(while: { $0 == 0 }).count
            signatureLength = significant > 0 ? significant : 512
        case .ed25519:
            signatureLength = 64
        }
    }

    /// RFC 7512 URI of this key: token label, object label, id, type=private.
    public var uri: PKCS11URI {
        var uri = PKCS11URI()
        uri.token = token.info.label
        uri.object = label
        uri.id = id
        uri.type = "private"
        return uri
    }

    public var description: String {
        let kind: String
        switch publicKey {
        case .ec: kind = "EC"
        case .rsa(let modulus, _): kind = "RSA-\(modulus.drop(while: { $0 == 0 }).count * 8)"
        case .ed25519: kind = "Ed25519"
        }
        return "PKCS11PrivateKey(\(kind), \(uri))"
    }

    /// Reads CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ALWAYS_SENSITIVE,
    /// CKA_NEVER_EXTRACTABLE, CKA_PRIVATE, CKA_TOKEN and CKA_SIGN.
    public func attributes() throws(PKCS11Error) -> PKCS11KeyAttributes {
        let types: [CK_ATTRIBUTE_TYPE] = [
            CK_ATTRIBUTE_TYPE(CKA_SENSITIVE), CK_ATTRIBUTE_TYPE(CKA_EXTRACTABLE),
            CK_ATTRIBUTE_TYPE(CKA_ALWAYS_SENSITIVE), CK_ATTRIBUTE_TYPE(CKA_NEVER_EXTRACTABLE),
            CK_ATTRIBUTE_TYPE(CKA_PRIVATE), CK_ATTRIBUTE_TYPE(CKA_TOKEN), CK_ATTRIBUTE_TYPE(CKA_SIGN),
        ]
        let values = try token.withSession { session throws(PKCS11Error) in
            try withCurrentHandle(in: session) { handle throws(PKCS11Error) in
                try functions.attributes(of: handle, in: session, types)
            }
        }
        var flags: [Bool] = []
        for (index, value) in values.enumerated() {
            guard let value, value.count == 1 else {
                throw PKCS11Error("C_GetAttributeValue", CKR_ATTRIBUTE_TYPE_INVALID,
                                  context: "key '\(label)' does not report attribute 0x\(String(types[index], radix: 16))")
            }
            flags.append(value[0] != 0)
        }
        return PKCS11KeyAttributes(sensitive: flags[0], extractable: flags[1], alwaysSensitive: flags[2],
                                   neverExtractable: flags[3], isPrivate: flags[4], isToken: flags[5],
                                   canSign: flags[6])
    }

    /// Signs `data` on the token and returns the token's raw output.
    ///
    /// - `.ecdsa`: `data` is the digest; the result is `r || s` (convert to
    ///   DER for X.509/CMS).
    /// - `.rsaPKCS1`: `data` is a DER DigestInfo.
    /// - `.rsaPSS`: `data` is the digest made with `hash`.
    ///
    /// The mechanism is checked against the key type before anything is sent
    /// to the token: SoftHSM 2.6 accepts CKM_RSA_PKCS_PSS with an EC key in
    /// C_SignInit and then crashes the process in C_Sign.
    public func sign(_ mechanism: PKCS11Mechanism, _ data: [UInt8]) throws(PKCS11Error) -> [UInt8] {
        switch mechanism {
        case .ecdsa:
            guard keyKind == "EC" else { throw mismatch("CKM_ECDSA needs an EC key") }
        case .eddsa:
            guard keyKind == "Ed25519" else { throw mismatch("CKM_EDDSA needs an Ed25519 key") }
        case .rsaPKCS1:
            guard keyKind == "RSA" else { throw mismatch("CKM_RSA_PKCS needs an RSA key") }
        case .rsaPSS(let hash, let saltLength):
            guard keyKind == "RSA" else { throw mismatch("CKM_RSA_PKCS_PSS needs an RSA key") }
            guard saltLength >= 0 else {
                throw PKCS11Error("C_SignInit", CKR_MECHANISM_PARAM_INVALID,
                                  context: "the PSS salt length must not be negative")
            }
            guard data.count == hash.outputLength else {
                throw PKCS11Error("C_Sign", CKR_DATA_LEN_RANGE,
                                  context: "CKM_RSA_PKCS_PSS signs a \(hash) digest of \(hash.outputLength) bytes,"
                                      + " got \(data.count)")
            }
        }
        return try token.withSession { session throws(PKCS11Error) -> [UInt8] in
            try withCurrentHandle(in: session) { handle throws(PKCS11Error) in
                try check(signInit(session, handle, mechanism), "C_SignInit",
                                "initialising a signature with key '\(label)'")
            }
            return try signData(session, data)
        }
    }

    /// The same key held as a session object of this process (see `PKCS11Token.sessionCopy`),
    /// for a long-lived signer on a hot path such as the service's response signatures; the key
    /// itself when the token refuses copies (CKA_COPYABLE false, or a module without
    /// C_CopyObject). Destroying the token object does not destroy the copy, so this is for keys
    /// the process itself retires, not for keys another process may destroy under it.
    public func sessionCopy() -> PKCS11PrivateKey {
        guard let copy = try? token.sessionCopy(of: current.withLock { $0.handle }) else { return self }
        return PKCS11PrivateKey(token: token, handle: copy, label: label, id: id, publicKey: publicKey)
    }

    // MARK: - Internals

    private var keyKind: String {
        switch publicKey {
        case .ec: "EC"
        case .rsa: "RSA"
        case .ed25519: "Ed25519"
        }
    }

    private func mismatch(_ what: String) -> PKCS11Error {
        PKCS11Error("C_SignInit", CKR_KEY_TYPE_INCONSISTENT, context: "\(what); key '\(label)' is \(keyKind)")
    }

    /// Runs `body` with the cached handle; if the token has reconnected since the handle was
    /// found, or says the handle is stale (CKR_OBJECT_HANDLE_INVALID / CKR_KEY_HANDLE_INVALID),
    /// finds the key again by CKA_CLASS + CKA_ID (and its public key) first.
    func withCurrentHandle<R>(
        in session: CK_SESSION_HANDLE, _ body: (CK_OBJECT_HANDLE) throws(PKCS11Error) -> R
    ) throws(PKCS11Error) -> R {
        let generation = token.connection.generation
        let cached = current.withLock { $0 }
        if cached.generation == generation {
            do throws(PKCS11Error) {
                return try body(cached.handle)
            } catch where error.rv == CKR_OBJECT_HANDLE_INVALID || error.rv == CKR_KEY_HANDLE_INVALID {}
        }
        let fresh = try token.privateKeyHandle(id: id, matching: publicKey, in: session)
        current.withLock { $0 = (fresh, generation) }
        return try body(fresh)
    }

    private func signInit(_ session: CK_SESSION_HANDLE, _ key: CK_OBJECT_HANDLE, _ mechanism: PKCS11Mechanism) -> CK_RV {
        switch mechanism {
        case .ecdsa:
            var m = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(CKM_ECDSA), pParameter: nil, ulParameterLen: 0)
            return functions.signInit(session, &m, key)
        case .eddsa:
            var m = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(CKM_EDDSA), pParameter: nil, ulParameterLen: 0)
            return functions.signInit(session, &m, key)
        case .rsaPKCS1:
            var m = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(CKM_RSA_PKCS), pParameter: nil, ulParameterLen: 0)
            return functions.signInit(session, &m, key)
        case .rsaPSS(let hash, let saltLength):
            var params = CK_RSA_PKCS_PSS_PARAMS(hashAlg: hash.mechanism, mgf: hash.mgf, sLen: CK_ULONG(clamping: saltLength))
            return withUnsafeMutablePointer(to: &params) { pointer in
                var m = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(CKM_RSA_PKCS_PSS), pParameter: pointer,
                                     ulParameterLen: CK_ULONG(MemoryLayout<CK_RSA_PKCS_PSS_PARAMS>.size))
                return functions.signInit(session, &m, key)
            }
        }
    }

    /// C_Sign into a buffer of the expected size; if the token needs more
    /// (CKR_BUFFER_TOO_SMALL keeps the operation active, v2.40 §5.2), retries
    /// once with the size it reported.
    private func signData(_ session: CK_SESSION_HANDLE, _ data: [UInt8]) throws(PKCS11Error) -> [UInt8] {
        var rv: CK_RV = CKR_OK
        var length = CK_ULONG(signatureLength)
        var signature = sign(session, data, capacity: signatureLength, rv: &rv, length: &length)
        if rv == CKR_BUFFER_TOO_SMALL, Int(length) > signatureLength {
            signature = sign(session, data, capacity: Int(length), rv: &rv, length: &length)
        }
        // On CKR_BUFFER_TOO_SMALL the operation stays active; the error marks
        // the session as unusable so the pool closes it.
        try check(rv, "C_Sign", "signing with key '\(label)'")
        return signature
    }

    @inline(__always)
    private func sign(
        _ session: CK_SESSION_HANDLE, _ data: [UInt8], capacity: Int, rv: inout CK_RV, length: inout CK_ULONG
    ) -> [UInt8] {
        length = CK_ULONG(capacity)
        var status: CK_RV = CKR_OK
        var produced: CK_ULONG = length
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            status = data.withUnsafeBufferPointer { input in
                functions.sign(session, UnsafeMutablePointer(mutating: input.baseAddress), CK_ULONG(input.count),
                               buffer.baseAddress, &produced)
            }
            count = status == CKR_OK ? min(Int(produced), capacity) : 0
        }
        rv = status
        length = produced
        return output
    }
}
