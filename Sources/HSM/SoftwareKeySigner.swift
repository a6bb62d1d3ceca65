import Foundation
import MohurCore
import OpenSSLKit

/// A development-only key: encrypted PKCS#8 on disk, decrypted into process memory. Every
/// listing marks such keys "software (development only)"; production profiles refuse them.
public final class SoftwareKeySigner: Signer {
    public let keyReference: String
    public let publicKey: PublicKey
    public let spec: KeySpec
    public var isSoftware: Bool { true }
    private let key: PrivateKey

    init(key: PrivateKey, spec: KeySpec, path: String) {
        self.key = key
        self.spec = spec
        self.publicKey = key.publicKey
        self.keyReference = "file:" + path
    }

    /// Generates a key and writes it encrypted (PBES2/AES-256-CBC) to `path`, mode 0600.
    /// Refuses to overwrite an existing file: a lost key cannot be recovered.
    public static func generate(_ spec: KeySpec, path: String, passphrase: String) throws -> SoftwareKeySigner {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw MohurError.refused("software key file \(path) already exists", hint: "choose another path; keys are never overwritten")
        }
        let key = try PrivateKey.generate(spec)
        let pem = try key.encryptedPKCS8PEM(passphrase: passphrase)
        guard FileManager.default.createFile(atPath: path, contents: Data(pem), attributes: [.posixPermissions: 0o600]) else {
            throw MohurError.system("cannot write software key file \(path)", hint: "check the directory exists and is writable")
        }
        return SoftwareKeySigner(key: key, spec: spec, path: path)
    }

    /// Loads a PEM private key (encrypted PKCS#8 with `passphrase`, or unencrypted when nil).
    public static func load(path: String, passphrase: String?) throws -> SoftwareKeySigner {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MohurError.notFound("software key file \(path) does not exist or is unreadable")
        }
        let key: PrivateKey
        do {
            key = try PrivateKey(pem: Array(data), passphrase: passphrase)
        } catch {
            throw MohurError.badInput("cannot decrypt software key \(path): \(error)", hint: "check the passphrase source")
        }
        guard let spec = key.publicKey.keySpec else {
            throw MohurError.badInput("software key \(path) is neither EC on a supported curve nor RSA")
        }
        return SoftwareKeySigner(key: key, spec: spec, path: path)
    }

    public func sign(_ message: [UInt8], scheme: SignatureScheme) throws -> [UInt8] {
        try key.sign(message, scheme: scheme)
    }
}
