/// What a certificate is for, and at which of the four IAMAS levels (rules §5.2.3) it sits.
public enum CertificateRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// L1: the IAMAS Central Root CA, self-signed.
    case root
    /// L1: the key that signs the trust bundles border posts install, certified by the root with
    /// its own extended key usage (id-iamas-kp-trustDistribution).
    case trustDistribution = "trust-distribution"
    /// L2: one segment CA per connected agency, issued by the root.
    case segment
    /// L3: the bridge certificate the root issues to the national PKI root.
    case crossCertificate = "cross-certificate"
    /// L3: a certificate the national root issued for the IAMAS root, imported.
    case importedCrossCertificate = "imported-cross-certificate"
    /// L4: the Country Signing CA, self-signed as ICAO requires (Doc 9303-12 §5.1).
    case csca
    /// L4: CSCA link certificate, old key → new key (Doc 9303-12 §5.3.1).
    case cscaLink = "csca-link"
    /// L4: Document Signer (signs EF.SOD).
    case documentSigner = "document-signer"
    /// L4: Master List Signer (EKU 2.23.136.1.1.3).
    case masterListSigner = "master-list-signer"
    /// L4: Deviation List Signer (EKU 2.23.136.1.1.8).
    case deviationListSigner = "deviation-list-signer"
    /// An agency system's certificate under its segment CA, without IAMAS permissions.
    case agencyEndpoint = "agency-endpoint"
    /// An agency system (subsystem) that calls Mohur, with its permissions in the certificate.
    case subsystem
    /// A person (security officer, issuing operator, border officer, auditor) with a role.
    case officer

    public var level: Int {
        switch self {
        case .root, .trustDistribution: 1
        case .segment, .agencyEndpoint, .subsystem, .officer: 2
        case .crossCertificate, .importedCrossCertificate: 3
        case .csca, .cscaLink, .documentSigner, .masterListSigner, .deviationListSigner: 4
        }
    }

    /// Roles whose keys issue certificates and CRLs.
    public var isCertificateAuthority: Bool { self == .root || self == .segment || self == .csca }

    /// The authority-name prefix for roles that hold keys Mohur manages.
    var authorityPrefix: String {
        switch self {
        case .root: "root"
        case .segment: "segment"
        case .csca: "csca"
        case .documentSigner: "ds"
        case .masterListSigner: "mls"
        case .deviationListSigner: "dls"
        case .trustDistribution: "trust-distribution"
        default: rawValue
        }
    }
}

/// CRLReason names (RFC 5280 §5.3.1), as officers type them.
public enum RevocationReason: String, Sendable, Hashable, Codable, CaseIterable {
    case unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation
    case certificateHold, privilegeWithdrawn, aACompromise

    public var code: Int {
        switch self {
        case .unspecified: 0
        case .keyCompromise: 1
        case .cACompromise: 2
        case .affiliationChanged: 3
        case .superseded: 4
        case .cessationOfOperation: 5
        case .certificateHold: 6
        case .privilegeWithdrawn: 9
        case .aACompromise: 10
        }
    }
}
