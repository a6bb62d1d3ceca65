import Foundation
import MohurCore
import OpenSSLKit
import Synchronization

/// Where CA keys are generated and found again. Each level's keys are separate objects with
/// their own labels; nothing here ever returns private key bytes.
public protocol KeyStore: Sendable {
    /// "pkcs11" or "software".
    var backend: String { get }
    /// A one-line description for `mohur hsm status` and logs.
    var summary: String { get }
    /// Generates a new key pair named `label` (unique within the store).
    func generate(_ spec: KeySpec, label: String) throws -> any Signer
    /// Loads a key by the reference `generate` returned (`Signer.keyReference`).
    func load(reference: String) throws -> any Signer
    /// The Ed25519 key labelled `label`, generated first if `create` and it is missing; nil
    /// when it is missing and `create` is false.
    func ed25519Key(label: String, create: Bool) throws -> (any Ed25519Signer)?
    /// Throws when the keys cannot be reached now (an HSM that does not answer).
    func checkReachable() throws
}

extension KeyStore {
    public func checkReachable() throws {}
}

/// PKCS#11 keys on one token, loaded through p11-kit (SoftHSM2 by default, any module by path).
public final class PKCS11KeyStore: KeyStore {
    public let token: PKCS11Token
    private let module: PKCS11Module
    public var backend: String { "pkcs11" }

    public init(module: PKCS11Module, token: PKCS11Token) {
        self.module = module
        self.token = token
    }

    public func checkReachable() throws { try token.probe() }

    /// Opens `tokenLabel` in the module at `modulePath`; PIN from the caller (env or file).
    ///
    /// SoftHSM2 scans its token directory at C_Initialize and rewrites the token's file at
    /// C_Login; another process reading it at that moment sees no token, or a token without a
    /// user PIN (measured with four processes opening one token at once: 6 of 200 opens failed).
    /// Processes of one state therefore open the token one at a time under an exclusive lock on
    /// `lockFile`, and a token still missing is retried with the library initialised afresh.
    public static func open(modulePath: String, tokenLabel: String, pin: String, lockFile: String? = nil) throws -> PKCS11KeyStore {
        do {
            return try withFileLock(lockFile) {
                var attempt = 0
                while true {
                    let module = try PKCS11Modules.module(path: modulePath)
                    do {
                        return PKCS11KeyStore(module: module, token: try module.openToken(label: tokenLabel, pin: pin))
                    } catch let error as PKCS11Error where error.rv == 0xE0 /* CKR_TOKEN_NOT_PRESENT */ && attempt < 8 {
                        attempt += 1
                        PKCS11Modules.reload(path: modulePath)
                        Thread.sleep(forTimeInterval: 0.02 * Double(attempt))
                    }
                }
            }
        } catch let error as MohurError {
            throw error
        } catch {
            throw MohurError.system("cannot open HSM token '\(tokenLabel)' in \(modulePath): \(error)",
                                    hint: "check `mohur hsm status`, the module path and the PIN source")
        }
    }

    /// Runs `body` holding an exclusive `flock` on `path` (created 0600 if missing), or without
    /// a lock when `path` is nil.
    static func withFileLock<T>(_ path: String?, _ body: () throws -> T) throws -> T {
        guard let path else { return try body() }
        let descriptor = Foundation.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw MohurError.system("cannot open the HSM lock file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else {
            throw MohurError.system("cannot lock \(path): \(String(cString: strerror(errno)))")
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    public var summary: String {
        "PKCS#11 token '\(token.info.label)' (\(token.info.manufacturer) \(token.info.model), serial \(token.info.serialNumber)) via \(module.libraryDescription)"
    }

    public func generate(_ spec: KeySpec, label: String) throws -> any Signer {
        if try token.findPrivateKey(label: label, id: nil) != nil {
            throw MohurError.refused("the token already holds a key labelled '\(label)'", hint: "keys are never replaced; pick a new label")
        }
        let p11spec: PKCS11KeySpec = switch spec {
        case .ec(let curve): .ec(curveOID: curve.oidDER)
        case .rsa(let bits): .rsa(bits: bits)
        }
        let key = try token.generateKeyPair(p11spec, label: label, id: try randomBytes(16))
        return try PKCS11Signer(key: key, spec: spec)
    }

    public func load(reference: String) throws -> any Signer {
        let uri: PKCS11URI
        do { uri = try PKCS11URI(parsing: reference) } catch {
            throw MohurError.badInput("key reference '\(reference)' is not a PKCS#11 URI: \(error)")
        }
        guard let key = try token.findPrivateKey(label: uri.object, id: uri.id) else {
            throw MohurError.notFound("no private key matching \(reference) on token '\(token.info.label)'",
                                      hint: "was the token re-initialised? `mohur hsm status` lists its keys")
        }
        return try PKCS11Signer(key: key, spec: nil)
    }

    public func ed25519Key(label: String, create: Bool) throws -> (any Ed25519Signer)? {
        if let key = try token.findPrivateKey(label: label, id: nil) { return try PKCS11Ed25519Signer(key: key) }
        guard create else { return nil }
        do {
            return try PKCS11Ed25519Signer(key: try token.generateKeyPair(.ed25519, label: label, id: try randomBytes(16)))
        } catch let error as PKCS11Error where error.rv == 0x70 /* CKR_MECHANISM_INVALID */ {
            throw MohurError.system("token '\(token.info.label)' cannot generate Ed25519 keys (CKM_EC_EDWARDS_KEY_PAIR_GEN): \(error)",
                                    hint: "witness keys need an HSM with PKCS#11 v3.0 EdDSA; SoftHSM2 2.6 has it")
        }
    }
}

/// One loaded module per library path for the whole process. A PKCS#11 library is initialised
/// once per process (v2.40 §5.4: a second C_Initialize answers CKR_CRYPTOKI_ALREADY_INITIALIZED),
/// and releasing a second handle to it would C_Finalize the library under every other user.
public enum PKCS11Modules {
    private static let loaded = Mutex<[String: PKCS11Module]>([:])

    /// Forgets the loaded module so that the next `module(path:)` initialises the library again
    /// and rescans its slots. Only for a process that holds no session of it (opening a key
    /// store at start-up); the library is finalised once its last user releases it.
    public static func reload(path: String) {
        loaded.withLock { _ = $0.removeValue(forKey: path) }
    }

    public static func module(path: String) throws(PKCS11Error) -> PKCS11Module {
        try loaded.withLock { modules throws(PKCS11Error) -> PKCS11Module in
            if let module = modules[path] { return module }
            let module = try PKCS11Module(path: path)
            clearOpenSSLErrors()  // SoftHSM2's C_Initialize leaves OpenSSL errors on this thread
            modules[path] = module
            return module
        }
    }
}

/// Development keys as encrypted PKCS#8 files in one directory, all under one passphrase.
public struct SoftwareKeyStore: KeyStore {
    public let directory: String
    private let passphrase: String
    public var backend: String { "software" }
    public var summary: String { "software keys in \(directory) (development only: not an HSM)" }

    public init(directory: String, passphrase: String) {
        self.directory = directory
        self.passphrase = passphrase
    }

    public func generate(_ spec: KeySpec, label: String) throws -> any Signer {
        guard label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw MohurError.badInput("key label '\(label)' may hold only letters, digits, '-' and '_'")
        }
        return try SoftwareKeySigner.generate(spec, path: "\(directory)/\(label).p8.pem", passphrase: passphrase)
    }

    public func load(reference: String) throws -> any Signer {
        guard reference.hasPrefix("file:") else {
            throw MohurError.badInput("key reference '\(reference)' is not a software key (expected file:PATH)")
        }
        return try SoftwareKeySigner.load(path: String(reference.dropFirst(5)), passphrase: passphrase)
    }

    public func ed25519Key(label: String, create: Bool) throws -> (any Ed25519Signer)? {
        throw MohurError.refused("witness keys live in an HSM; this state keeps development software keys",
                                 hint: "initialise the witness's state with a PKCS#11 token (the default)")
    }
}
