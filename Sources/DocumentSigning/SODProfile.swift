import CA
import MohurCore
import OpenSSLKit

/// How Mohur signs EF.SOD, from the Document Signer level of the locked hierarchy profile:
/// the LDS security object's hash (Doc 9303-12 §4.4.2: SHA-256 by default, SHA-384/512
/// selectable), how the SignerInfo names the signer (RFC 5652 §5.3), and for RSA keys the
/// padding (RSASSA-PSS by default, RFC 4055; PKCS#1 v1.5 only where a profile demands it).
public struct SODProfile: Sendable, Hashable {
    /// `SignerIdentifier` choice: `issuerAndSerialNumber` (SignerInfo v1) or
    /// `subjectKeyIdentifier` (SignerInfo v3).
    public enum SignerIdentifierChoice: String, Sendable, Hashable, CaseIterable {
        case issuerAndSerialNumber, subjectKeyIdentifier
    }

    /// Padding for RSA Document Signer keys.
    public enum RSAPadding: String, Sendable, Hashable, CaseIterable {
        case pss, pkcs1v15
    }

    /// The hashes Mohur writes into new security objects (never SHA-1 or SHA-224).
    public static let signingHashes: [DigestAlgorithm] = [.sha256, .sha384, .sha512]

    public var hash: DigestAlgorithm
    public var signerIdentifier: SignerIdentifierChoice
    public var rsaPadding: RSAPadding

    public init(hash: DigestAlgorithm = .sha256, signerIdentifier: SignerIdentifierChoice = .issuerAndSerialNumber,
                rsaPadding: RSAPadding = .pss) {
        self.hash = hash
        self.signerIdentifier = signerIdentifier
        self.rsaPadding = rsaPadding
    }

    /// Reads the optional `sodHash`, `sodSignerIdentifier` and `rsaPadding` of the Document
    /// Signer level (validated when the profile was loaded; checked again here).
    public init(_ level: LevelProfile) throws {
        self.init()
        if let name = level.sodHash { hash = try Self.signingHash(named: name) }
        if let choice = level.sodSignerIdentifier {
            guard let parsed = SignerIdentifierChoice(rawValue: choice) else {
                throw MohurError.badInput("documentSigner.sodSignerIdentifier '\(choice)' is not issuerAndSerialNumber or subjectKeyIdentifier")
            }
            signerIdentifier = parsed
        }
        if let padding = level.rsaPadding {
            guard let parsed = RSAPadding(rawValue: padding) else {
                throw MohurError.badInput("documentSigner.rsaPadding '\(padding)' is not pss or pkcs1v15")
            }
            rsaPadding = parsed
        }
    }

    /// Parses an operator's hash name ("sha256", "SHA-384", …) and refuses hashes Mohur does not
    /// sign with.
    public static func signingHash(named name: String) throws -> DigestAlgorithm {
        guard let digest = DigestAlgorithm(name: name), signingHashes.contains(digest) else {
            throw MohurError.badInput("hash '\(name)' is not one Mohur signs with",
                                      hint: "use sha256 (default), sha384 or sha512 (Doc 9303-12 §4.4.2)")
        }
        return digest
    }

    /// The signature scheme for a Document Signer key: ECDSA with the curve's matching hash
    /// (Doc 9303-12 §4.4.3), RSA with the security object's hash and the profile's padding.
    public func scheme(for spec: KeySpec) -> SignatureScheme {
        switch spec {
        case .ec(let curve): .ecdsa(curve.matchingDigest)
        case .rsa: rsaPadding == .pss ? .rsaPSS(hash) : .rsaPKCS1v15(hash)
        }
    }
}

/// A personal identification number from the population register: exactly 7 characters,
/// Latin capitals and digits (IAMAS rules; DOMAIN.md "Documents and identifiers").
public struct FIN: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ text: String) throws {
        guard text.utf8.count == 7, text.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }) else {
            throw MohurError.badInput("FIN '\(text)' is not 7 characters of A–Z and 0–9",
                                      hint: "give the population register's FIN exactly, e.g. 5ZK2M7A, or leave it out")
        }
        value = text
    }

    public var description: String { value }
}
