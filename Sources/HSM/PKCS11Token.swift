// A logged-in token: session pool, key pair generation, key lookup and
// deletion.
//
// PKCS #11 v2.40 §2.6 (sessions; login state is shared by all sessions of an
// application with a token and is lost when the last one closes), §5.6
// (C_OpenSession, C_CloseSession, C_Login), §5.7 (C_FindObjects*,
// C_DestroyObject), §5.14 (C_GenerateKeyPair), §4.9–4.10 (public and private
// key objects).

import Foundation
internal import CP11Kit

/// An open, logged-in token.
///
/// Thread-safe: operations borrow a read/write session from a pool (opening
/// a new one when the pool is empty) and return it afterwards, so concurrent
/// signers never share a session. One extra "anchor" session stays open and
/// keeps the login alive even if pooled sessions are discarded after errors.
/// All sessions are closed when the token is released (it is retained by
/// every `PKCS11PrivateKey` obtained from it).
///
/// If the HSM goes away (restart, lost link, failover), operations fail with an error whose
/// `meansTokenLost` is true and the token reconnects by itself, logging in again
/// (`PKCS11Connection`); keys find their objects again by CKA_ID.
public final class PKCS11Token: Sendable {
    /// Token information captured when the token was opened.
    public let info: PKCS11TokenInfo
    /// The module the token belongs to (kept alive by the token).
    public let module: PKCS11Module

    let functions: PKCS11Functions
    let connection: PKCS11Connection

    init(module: PKCS11Module, info: PKCS11TokenInfo, pin: String) throws(PKCS11Error) {
        self.module = module
        self.info = info
        functions = module.functions
        connection = try PKCS11Connection(module: module, info: info, pin: pin)
    }

    /// When the token was found unreachable, while it stays so (nil: reachable).
    public var unreachableSince: Date? { connection.lostSince }

    /// Throws when the HSM does not answer now (and starts reconnecting to it).
    public func probe() throws(PKCS11Error) { try connection.probe() }

    /// A session-object copy (CKA_TOKEN false) of `handle`, made on the anchor session so that it
    /// lives as long as the connection's generation (PKCS #11 v2.40 §5.7 C_CopyObject, §4.4: a
    /// session object is destroyed when the session that created it closes). The copy stays inside
    /// the token with the original's attributes (sensitive, not extractable); SoftHSM2 signs with it
    /// without re-reading the object's file on every C_SignInit (measured: about 20% faster
    /// alone, and twice the rate from two threads where the token object stalls on its locks).
    func sessionCopy(of handle: CK_OBJECT_HANDLE) throws(PKCS11Error) -> CK_OBJECT_HANDLE {
        var no = CK_BBOOL(CK_FALSE)
        var copy: CK_OBJECT_HANDLE = 0
        let rv = try connection.withAnchor { anchor in
            withUnsafeMutablePointer(to: &no) { flag in
                var template = [CK_ATTRIBUTE(type: CK_ATTRIBUTE_TYPE(CKA_TOKEN), pValue: flag,
                                             ulValueLen: CK_ULONG(MemoryLayout<CK_BBOOL>.size))]
                return functions.copyObject(anchor, handle, &template, CK_ULONG(template.count), &copy)
            }
        }
        try check(rv, "C_CopyObject", "copying a key of token '\(info.label)' into a session object")
        return copy
    }

    /// Runs `body` on a pooled session (see `PKCS11Connection.withSession`).
    @inline(__always)
    func withSession<R>(_ body: (CK_SESSION_HANDLE) throws(PKCS11Error) -> R) throws(PKCS11Error) -> R {
        try connection.withSession(body)
    }

    // MARK: - Key generation

    /// Generates a persistent key pair for signing (C_GenerateKeyPair).
    ///
    /// Private key: CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, CKA_SIGN true;
    /// CKA_EXTRACTABLE, CKA_DECRYPT, CKA_DERIVE false. Public key: CKA_TOKEN,
    /// CKA_VERIFY true, CKA_PRIVATE, CKA_ENCRYPT false. Both halves share
    /// CKA_LABEL and CKA_ID. EC uses CKM_EC_KEY_PAIR_GEN with CKA_EC_PARAMS;
    /// RSA uses CKM_RSA_PKCS_KEY_PAIR_GEN with exponent 65537.
    ///
    /// `id` must be non-empty, and neither `id` nor `label` may already name a
    /// key on the token: lookups and handle recovery rely on them.
    public func generateKeyPair(_ spec: PKCS11KeySpec, label: String, id: [UInt8]) throws(PKCS11Error) -> PKCS11PrivateKey {
        guard !id.isEmpty else { throw argumentError("C_GenerateKeyPair", "the key id (CKA_ID) must not be empty") }
        var common = AttributeTemplate()
        common.add(CK_ATTRIBUTE_TYPE(CKA_TOKEN), bool: true)
        common.add(CK_ATTRIBUTE_TYPE(CKA_LABEL), Array(label.utf8))
        common.add(CK_ATTRIBUTE_TYPE(CKA_ID), id)
        var publicTemplate = common
        publicTemplate.add(CK_ATTRIBUTE_TYPE(CKA_CLASS), ulong: CK_ULONG(CKO_PUBLIC_KEY))
        publicTemplate.add(CK_ATTRIBUTE_TYPE(CKA_PRIVATE), bool: false)
        publicTemplate.add(CK_ATTRIBUTE_TYPE(CKA_VERIFY), bool: true)
        publicTemplate.add(CK_ATTRIBUTE_TYPE(CKA_ENCRYPT), bool: false)
        var privateTemplate = common
        privateTemplate.add(CK_ATTRIBUTE_TYPE(CKA_CLASS), ulong: CK_ULONG(CKO_PRIVATE_KEY))
        privateTemplate.add(CK_ATTRIBUTE_TYPE(CKA_PRIVATE), bool: true)
        privateTemplate.add(CK_ATTRIBUTE_TYPE(CKA_SENSITIVE), bool: true)
        privateTemplate.add(CK_ATTRIBUTE_TYPE(CKA_EXTRACTABLE), bool: false)
        privateTemplate.add(CK_ATTRIBUTE_TYPE(CKA_SIGN), bool: true)
        privateTemplate.add(CK_ATTRIBUTE_TYPE(CKA_DECRYPT), bool: false)
        privateTemplate.add(CK_ATTRIBUTE_TYPE(CKA_DERIVE), bool: false)

        let mechanismType: CK_MECHANISM_TYPE
        switch spec {
        case .ec(let curveOID):
            guard ECEncoding.isObjectIdentifier(curveOID) else {
                throw argumentError("C_GenerateKeyPair", "curveOID must be the DER of an OBJECT IDENTIFIER (06 len …)")
            }
            mechanismType = CK_MECHANISM_TYPE(CKM_EC_KEY_PAIR_GEN)
            publicTemplate.add(CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE), ulong: CK_ULONG(CKK_EC))
            publicTemplate.add(CK_ATTRIBUTE_TYPE(CKA_EC_PARAMS), curveOID)
            privateTemplate.add(CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE), ulong: CK_ULONG(CKK_EC))
        case .rsa(let bits):
            guard bits > 0 else { throw argumentError("C_GenerateKeyPair", "RSA modulus size must be positive") }
            mechanismType = CK_MECHANISM_TYPE(CKM_RSA_PKCS_KEY_PAIR_GEN)
            publicTemplate.add(CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE), ulong: CK_ULONG(CKK_RSA))
            publicTemplate.add(CK_ATTRIBUTE_TYPE(CKA_MODULUS_BITS), ulong: CK_ULONG(bits))
            publicTemplate.add(CK_ATTRIBUTE_TYPE(CKA_PUBLIC_EXPONENT), [0x01, 0x00, 0x01])
            privateTemplate.add(CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE), ulong: CK_ULONG(CKK_RSA))
        case .ed25519:
            mechanismType = CK_MECHANISM_TYPE(CKM_EC_EDWARDS_KEY_PAIR_GEN)
            publicTemplate.add(CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE), ulong: CK_ULONG(CKK_EC_EDWARDS))
            publicTemplate.add(CK_ATTRIBUTE_TYPE(CKA_EC_PARAMS), PKCS11KeySpec.ed25519Parameters)
            privateTemplate.add(CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE), ulong: CK_ULONG(CKK_EC_EDWARDS))
        }

        return try PKCS11Module.objectManagement.withLock { _ throws(PKCS11Error) -> PKCS11PrivateKey in
            try withSession { session throws(PKCS11Error) -> PKCS11PrivateKey in
                for (attribute, value, what) in [(CKA_ID, id, "id"), (CKA_LABEL, Array(label.utf8), "label")] {
                    for objectClass in [CKO_PRIVATE_KEY, CKO_PUBLIC_KEY] {
                        var query = AttributeTemplate()
                        query.add(CK_ATTRIBUTE_TYPE(CKA_CLASS), ulong: CK_ULONG(objectClass))
                        query.add(CK_ATTRIBUTE_TYPE(attribute), value)
                        if try !functions.findObjects(in: session, matching: query).isEmpty {
                            throw argumentError("C_GenerateKeyPair",
                                                "a key with this \(what) already exists on token '\(info.label)'")
                        }
                    }
                }
                var publicHandle: CK_OBJECT_HANDLE = 0
                var privateHandle: CK_OBJECT_HANDLE = 0
                var mechanism = CK_MECHANISM(mechanism: mechanismType, pParameter: nil, ulParameterLen: 0)
                try publicTemplate.withCAttributes { (pub, pubCount) throws(PKCS11Error) in
                    try privateTemplate.withCAttributes { (priv, privCount) throws(PKCS11Error) in
                        let rv = functions.generateKeyPair(session, &mechanism, pub, pubCount, priv, privCount,
                                                           &publicHandle, &privateHandle)
                        try check(rv, "C_GenerateKeyPair", "generating key '\(label)' on token '\(info.label)'")
                    }
                }
                do throws(PKCS11Error) {
                    let material = try publicMaterial(ofPublicKey: publicHandle, in: session)
                    return PKCS11PrivateKey(token: self, handle: privateHandle, label: label, id: id, publicKey: material)
                } catch {
                    _ = functions.destroyObject(session, privateHandle)
                    _ = functions.destroyObject(session, publicHandle)
                    throw error
                }
            }
        }
    }

    // MARK: - Lookup

    /// The private key with the given CKA_LABEL and/or CKA_ID, or `nil`.
    /// Throws if neither is given, if several keys match, or if the key
    /// cannot be used (unsupported key type, EC key without its public half).
    public func findPrivateKey(label: String?, id: [UInt8]?) throws(PKCS11Error) -> PKCS11PrivateKey? {
        guard label != nil || id != nil else {
            throw argumentError("C_FindObjectsInit", "give a key label, a key id, or both")
        }
        var query = AttributeTemplate()
        query.add(CK_ATTRIBUTE_TYPE(CKA_CLASS), ulong: CK_ULONG(CKO_PRIVATE_KEY))
        query.add(CK_ATTRIBUTE_TYPE(CKA_TOKEN), bool: true)  // not this process's session copies
        if let label { query.add(CK_ATTRIBUTE_TYPE(CKA_LABEL), Array(label.utf8)) }
        if let id { query.add(CK_ATTRIBUTE_TYPE(CKA_ID), id) }
        return try PKCS11Module.objectManagement.withLock { _ throws(PKCS11Error) in
            try withSession { session throws(PKCS11Error) -> PKCS11PrivateKey? in
            let handles = try functions.findObjects(in: session, matching: query)
            guard let handle = handles.first else { return nil }
            guard handles.count == 1 else {
                throw argumentError("C_FindObjects", "\(handles.count) private keys match; use a unique label or id")
            }
            let loaded: PKCS11PrivateKey?
            do throws(PKCS11Error) {
                loaded = try loadPrivateKey(handle, in: session)
            } catch where error.rv == CKR_OBJECT_HANDLE_INVALID {
                return nil  // deleted by another session meanwhile
            }
            guard let key = loaded else {
                throw PKCS11Error("C_GetAttributeValue", CKR_KEY_TYPE_INCONSISTENT,
                                  context: "the key is not an RSA or EC key with a findable public key (CKA_ID)")
            }
            return key
            }
        }
    }

    /// All usable private keys on the token (RSA and EC keys whose public
    /// key can be found by CKA_ID; RSA keys fall back to the public
    /// attributes of the private key object). Other keys are omitted.
    public func privateKeys() throws(PKCS11Error) -> [PKCS11PrivateKey] {
        var query = AttributeTemplate()
        query.add(CK_ATTRIBUTE_TYPE(CKA_CLASS), ulong: CK_ULONG(CKO_PRIVATE_KEY))
        query.add(CK_ATTRIBUTE_TYPE(CKA_TOKEN), bool: true)  // not this process's session copies
        return try PKCS11Module.objectManagement.withLock { _ throws(PKCS11Error) in
            try withSession { session throws(PKCS11Error) -> [PKCS11PrivateKey] in
            var keys: [PKCS11PrivateKey] = []
            for handle in try functions.findObjects(in: session, matching: query) {
                // A key deleted by another session between the search and
                // the read is simply no longer listed.
                do throws(PKCS11Error) {
                    if let key = try loadPrivateKey(handle, in: session) { keys.append(key) }
                } catch where error.rv == CKR_OBJECT_HANDLE_INVALID {
                    continue
                }
            }
            return keys
            }
        }
    }

    /// Destroys the private key and the public key(s) with the same CKA_ID
    /// and key material.
    public func deleteKeyPair(_ key: PKCS11PrivateKey) throws(PKCS11Error) {
        guard key.token === self else {
            throw argumentError("C_DestroyObject", "the key belongs to another PKCS11Token")
        }
        try PKCS11Module.objectManagement.withLock { _ throws(PKCS11Error) in
            try withSession { session throws(PKCS11Error) in
                try key.withCurrentHandle(in: session) { handle throws(PKCS11Error) in
                    try check(functions.destroyObject(session, handle), "C_DestroyObject",
                              "deleting private key '\(key.label)'")
                }
                var query = AttributeTemplate()
                query.add(CK_ATTRIBUTE_TYPE(CKA_CLASS), ulong: CK_ULONG(CKO_PUBLIC_KEY))
                query.add(CK_ATTRIBUTE_TYPE(CKA_ID), key.id)
                for handle in try functions.findObjects(in: session, matching: query)
                where (try? publicMaterial(ofPublicKey: handle, in: session)) == key.publicKey {
                    try check(functions.destroyObject(session, handle), "C_DestroyObject",
                              "deleting public key '\(key.label)'")
                }
            }
        }
    }

    // MARK: - Internals

    /// The handle of the unique private key with CKA_CLASS private and CKA_ID
    /// `id`, used to recover from stale handles. The key must still belong to
    /// `publicKey`: a different key that took over the CKA_ID (deleted and
    /// regenerated) is refused rather than silently used to sign.
    func privateKeyHandle(
        id: [UInt8], matching publicKey: PKCS11PublicKeyMaterial, in session: CK_SESSION_HANDLE
    ) throws(PKCS11Error) -> CK_OBJECT_HANDLE {
        var query = AttributeTemplate()
        query.add(CK_ATTRIBUTE_TYPE(CKA_CLASS), ulong: CK_ULONG(CKO_PRIVATE_KEY))
        query.add(CK_ATTRIBUTE_TYPE(CKA_TOKEN), bool: true)  // not this process's session copies
        query.add(CK_ATTRIBUTE_TYPE(CKA_ID), id)
        let handles = try PKCS11Module.objectManagement.withLock { _ throws(PKCS11Error) in
            try functions.findObjects(in: session, matching: query)
        }
        guard handles.count == 1, let handle = handles.first else {
            throw PKCS11Error("C_FindObjects", CKR_KEY_HANDLE_INVALID,
                              context: handles.isEmpty ? "the key is no longer on token '\(info.label)'"
                                                       : "\(handles.count) private keys share the key's CKA_ID")
        }
        let current = try loadPrivateKey(handle, in: session)
        guard current?.publicKey == publicKey else {
            throw PKCS11Error("C_FindObjects", CKR_KEY_HANDLE_INVALID,
                              context: "the private key with this CKA_ID on token '\(info.label)' is a different key now")
        }
        return handle
    }

    private func loadPrivateKey(
        _ handle: CK_OBJECT_HANDLE, in session: CK_SESSION_HANDLE
    ) throws(PKCS11Error) -> PKCS11PrivateKey? {
        let values = try functions.attributes(of: handle, in: session, [
            CK_ATTRIBUTE_TYPE(CKA_LABEL), CK_ATTRIBUTE_TYPE(CKA_ID), CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE),
            CK_ATTRIBUTE_TYPE(CKA_MODULUS), CK_ATTRIBUTE_TYPE(CKA_PUBLIC_EXPONENT),
        ])
        let label = String(decoding: values[0] ?? [], as: UTF8.self)
        let id = values[1] ?? []
        guard let keyType = values[2].flatMap(PKCS11Token.ulong),
              keyType == CKK_EC || keyType == CKK_RSA || keyType == CKK_EC_EDWARDS else {
            return nil
        }
        var query = AttributeTemplate()
        query.add(CK_ATTRIBUTE_TYPE(CKA_CLASS), ulong: CK_ULONG(CKO_PUBLIC_KEY))
        query.add(CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE), ulong: keyType)
        query.add(CK_ATTRIBUTE_TYPE(CKA_ID), id)
        var material: PKCS11PublicKeyMaterial?
        for publicHandle in try functions.findObjects(in: session, matching: query) {
            material = try? publicMaterial(ofPublicKey: publicHandle, in: session)
            if material != nil { break }
        }
        if material == nil, keyType == CKK_RSA, let modulus = values[3], let exponent = values[4] {
            material = .rsa(modulus: modulus, publicExponent: exponent)
        }
        guard let material else { return nil }
        return PKCS11PrivateKey(token: self, handle: handle, label: label, id: id, publicKey: material)
    }

    func publicMaterial(
        ofPublicKey handle: CK_OBJECT_HANDLE, in session: CK_SESSION_HANDLE
    ) throws(PKCS11Error) -> PKCS11PublicKeyMaterial {
        let values = try functions.attributes(of: handle, in: session, [
            CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE), CK_ATTRIBUTE_TYPE(CKA_EC_PARAMS), CK_ATTRIBUTE_TYPE(CKA_EC_POINT),
            CK_ATTRIBUTE_TYPE(CKA_MODULUS), CK_ATTRIBUTE_TYPE(CKA_PUBLIC_EXPONENT),
        ])
        switch values[0].flatMap(PKCS11Token.ulong) {
        case CKK_EC?:
            if let parameters = values[1], let point = values[2] {
                return .ec(parameters: parameters, point: ECEncoding.unwrapPoint(point, parameters: parameters))
            }
        case CKK_RSA?:
            if let modulus = values[3], let exponent = values[4] {
                return .rsa(modulus: modulus, publicExponent: exponent)
            }
        case CKK_EC_EDWARDS?:
            if values[1] == PKCS11KeySpec.ed25519Parameters, let point = values[2].flatMap(ECEncoding.unwrapEdwardsPoint) {
                return .ed25519(publicKey: point)
            }
        default:
            break
        }
        throw PKCS11Error("C_GetAttributeValue", CKR_KEY_TYPE_INCONSISTENT,
                          context: "the public key is not an RSA, EC or Ed25519 key with readable key material")
    }

    private static func ulong(_ bytes: [UInt8]) -> CK_ULONG? {
        guard bytes.count == MemoryLayout<CK_ULONG>.size else { return nil }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: CK_ULONG.self) }
    }

    private func argumentError(_ function: String, _ message: String) -> PKCS11Error {
        PKCS11Error(function: function, rv: CKR_ARGUMENTS_BAD, message: message)
    }
}
