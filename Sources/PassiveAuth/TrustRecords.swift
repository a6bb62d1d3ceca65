import Foundation
import OpenSSLKit

/// The role a stored certificate plays in a foreign PKI (Doc 9303-12 §5).
public enum TrustKind: String, Sendable, Codable, CaseIterable {
    /// A Country Signing CA certificate whose key signs itself: a trust anchor.
    case csca
    /// A CSCA link certificate: the new CSCA key certified by the previous one (§5.5.1);
    /// self-issued, but its authorityKeyIdentifier differs from its subjectKeyIdentifier.
    case link
    /// A Document Signer certificate (from the ICAO PKD, collections 001 and 003).
    case dsc
}

/// Where trust data came from (kept with every certificate and CRL for the officer).
public enum SourceKind: String, Sendable, Codable {
    case masterList = "master-list"
    case ldif
    case file
}

/// A certificate held in the trust store, parsed, with its provenance.
public struct TrustedCertificate: Sendable {
    public let id: Int64
    public let kind: TrustKind
    public let country: String
    public let certificate: Certificate
    public let sourceKind: SourceKind
    public let sourceFile: String
    public let importedAt: Date
    /// Profile deviations noticed at import ("serial number is 0", …).
    public let warnings: [String]
}

/// A CRL held in the trust store, with the CSCA whose key verified it.
public struct TrustedCRL: Sendable {
    public let id: Int64
    public let country: String
    public let crl: CRL
    public let cscaID: Int64
    public let cscaSKI: [UInt8]?
    public let sourceFile: String
}

/// What `trust import` did with one input item.
public struct ImportOutcome: Sendable, Codable, Hashable {
    public enum Result: String, Sendable, Codable { case added, alreadyPresent = "already-present", rejected }
    public var result: Result
    /// "CSCA CN=…, C=DE (serial …)" or "CRL of …".
    public var item: String
    /// Why it was rejected, or warnings for an added item.
    public var reasons: [String]
}

/// The summary of importing one file.
public struct ImportSummary: Sendable, Codable {
    public var file: String
    /// "master-list", "ldif", "certificate", "crl".
    public var detectedKind: String
    public var added: Int = 0
    public var alreadyPresent: Int = 0
    public var rejected: Int = 0
    public var warnings: [String] = []
    /// Per-country differences from the previous version of the same list.
    public var changes: [CountryChange] = []
    /// Why the import changed nothing (an older or the same list), when it did not.
    public var unchanged: String?
    public var outcomes: [ImportOutcome] = []

    public init(file: String, detectedKind: String) {
        self.file = file
        self.detectedKind = detectedKind
    }

    mutating func record(_ outcome: ImportOutcome) {
        switch outcome.result {
        case .added: added += 1
        case .alreadyPresent: alreadyPresent += 1
        case .rejected: rejected += 1
        }
        outcomes.append(outcome)
    }
}

/// Hex key identifiers as stored (lower case, no separators).
extension Optional where Wrapped == [UInt8] {
    var hexOrNil: String? { self.map(Digest.hex) }
}

/// ISO 3166 alpha-2 country of a certificate's subject, upper-cased; "" when absent.
func countryCode(of certificate: Certificate) -> String {
    countryCode(subject: certificate.subject, issuer: certificate.issuer)
}

func countryCode(subject: DistinguishedName, issuer: DistinguishedName) -> String {
    (subject.value(of: "C") ?? issuer.value(of: "C") ?? "").uppercased()
}
