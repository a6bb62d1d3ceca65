import Foundation
import MohurCore
import OpenSSLKit

/// The certificate profiles of the four levels, read from `CA/hierarchy.json` at `mohur init`
/// and then locked: the copy stored in the database is what every later command uses, so an
/// edited file cannot silently change what the CAs issue.
public struct HierarchyProfile: Codable, Sendable, Hashable {
    public var formatVersion: Int
    /// ISO 3166-1 alpha-2 country code for every subject (Doc 9303-12 §7.1.1: C is mandatory).
    public var country: String
    public var organization: String
    public var root: LevelProfile
    public var segment: LevelProfile
    public var crossCertificate: CrossCertificateProfile
    public var csca: LevelProfile
    public var documentSigner: LevelProfile
    public var masterListSigner: LevelProfile
    public var deviationListSigner: LevelProfile
    /// How many security officers must agree before a top key is used (absent in states made
    /// before dual control existed: the defaults apply).
    public var dualControl: DualControlProfile?
    /// Validity of permission certificates (absent: the defaults apply).
    public var permissionCertificates: PermissionCertificateProfile?

    public var dualControlOrDefault: DualControlProfile { dualControl ?? DualControlProfile() }
    public var permissionCertificatesOrDefault: PermissionCertificateProfile { permissionCertificates ?? PermissionCertificateProfile() }

    /// Reads and validates a profile file.
    public static func load(path: String) throws -> HierarchyProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MohurError.notFound("profile file \(path) does not exist", hint: "give an existing file, or leave --profiles out for the built-in profile")
        }
        return try decode(Array(data), source: path)
    }

    /// The profile built into the binary (the repository's `CA/hierarchy.json` at build time).
    public static func embedded() throws -> HierarchyProfile {
        try decode(Array(EmbeddedDefaults.hierarchy.utf8), source: "the built-in profile")
    }

    /// Decodes and validates profile JSON; `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws -> HierarchyProfile {
        let profile: HierarchyProfile
        do {
            profile = try JSONDecoder().decode(HierarchyProfile.self, from: Data(bytes))
        } catch {
            throw MohurError.badInput("profile \(source) is not valid: \(error)")
        }
        try profile.validate(source: source)
        return profile
    }

    /// Canonical JSON as stored in the database.
    public func canonicalJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Enforces the Doc 9303-12 figures (8th ed., §5 and §7) that a profile could break.
    public func validate(source: String) throws {
        func fail(_ what: String) -> MohurError { .badInput("profile \(source): \(what)") }
        guard formatVersion == 1 else { throw fail("formatVersion \(formatVersion) is not supported (expected 1)") }
        guard country.count == 2, country == country.uppercased() else {
            throw fail("country '\(country)' must be an ISO 3166-1 alpha-2 code in capitals")
        }
        for (name, level) in [("root", root), ("segment", segment), ("csca", csca), ("documentSigner", documentSigner),
                              ("masterListSigner", masterListSigner), ("deviationListSigner", deviationListSigner)] {
            guard KeySpec(name: level.key) != nil else {
                throw fail("\(name).key '\(level.key)' is not a supported key (P-256, P-384, P-521, brainpoolP256r1/384r1/512r1, rsa2048…rsa4096)")
            }
        }
        guard let cscaUsage = csca.privateKeyUsageDays, (1095...1827).contains(cscaUsage) else {
            throw fail("csca.privateKeyUsageDays must be 3–5 years (1095–1827 days), Doc 9303-12 §5.3")
        }
        guard let cscaValidity = csca.validityDays, (4748...5479).contains(cscaValidity) else {
            throw fail("csca.validityDays must be 13–15 years (4748–5479 days), Doc 9303-12 §5.3")
        }
        guard let cscaCRL = csca.crlNextUpdateDays, (1...90).contains(cscaCRL) else {
            throw fail("csca.crlNextUpdateDays must be at most 90, Doc 9303-12 §7.1.3")
        }
        guard let dsUsage = documentSigner.privateKeyUsageDays, (1...92).contains(dsUsage) else {
            throw fail("documentSigner.privateKeyUsageDays must be at most 3 months (92 days), Doc 9303-12 §5.3")
        }
        guard let years = documentSigner.documentValidityYears, (1...10).contains(years) else {
            throw fail("documentSigner.documentValidityYears must be 1–10")
        }
        guard let types = documentSigner.documentTypes, !types.isEmpty,
              types.allSatisfy({ (1...2).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) } }) else {
            throw fail("documentSigner.documentTypes must list 1–2 letter document codes (e.g. \"P\", \"I\")")
        }
        if let hash = documentSigner.sodHash,
           DigestAlgorithm(name: hash).map({ [.sha256, .sha384, .sha512].contains($0) }) != true {
            throw fail("documentSigner.sodHash '\(hash)' must be SHA-256, SHA-384 or SHA-512 (Doc 9303-12 §4.4.2)")
        }
        if let choice = documentSigner.sodSignerIdentifier, !["issuerAndSerialNumber", "subjectKeyIdentifier"].contains(choice) {
            throw fail("documentSigner.sodSignerIdentifier '\(choice)' must be issuerAndSerialNumber or subjectKeyIdentifier")
        }
        let dual = dualControlOrDefault
        guard dual.approvals >= 2, dual.approvals <= 9 else {
            throw fail("dualControl.approvals must be 2–9: the top keys are never used on one officer's word")
        }
        guard (1...168).contains(dual.requestLifetimeHours) else { throw fail("dualControl.requestLifetimeHours must be 1–168") }
        let perm = permissionCertificatesOrDefault
        for (name, days) in [("subsystemDays", perm.subsystemDays), ("officerDays", perm.officerDays)] {
            guard (1...perm.maximumDays).contains(days) else { throw fail("permissionCertificates.\(name) must be 1–\(perm.maximumDays)") }
        }
        for subtree in crossCertificate.permittedSubtrees + (crossCertificate.excludedSubtrees ?? []) {
            guard (try? DistinguishedName(parsing: subtree)) != nil else {
                throw fail("crossCertificate subtree '\(subtree)' is not a distinguished name such as \"C=AZ, O=IAMAS\"")
            }
        }
        if let padding = documentSigner.rsaPadding, !["pss", "pkcs1v15"].contains(padding) {
            throw fail("documentSigner.rsaPadding '\(padding)' must be pss or pkcs1v15")
        }
    }
}

/// One level's certificate profile. `{code}` in names is the agency code; `{generation}` the
/// key generation number.
public struct LevelProfile: Codable, Sendable, Hashable {
    public var commonName: String
    public var organization: String?
    public var key: String
    public var explicitECParameters: Bool?
    public var validityDays: Int?
    public var privateKeyUsageDays: Int?
    public var pathLength: Int?
    public var crlDistributionPoint: String?
    public var crlNextUpdateDays: Int?
    public var documentValidityYears: Int?
    public var documentTypes: [String]?
    public var contactEmail: String?
    /// Document Signer only: the hash of the LDS security object ("SHA-256" when absent;
    /// "SHA-384", "SHA-512" selectable; Doc 9303-12 §4.4.2).
    public var sodHash: String?
    /// Document Signer only: how EF.SOD names the signer, "issuerAndSerialNumber" (default,
    /// SignerInfo v1) or "subjectKeyIdentifier" (SignerInfo v3), RFC 5652 §5.3.
    public var sodSignerIdentifier: String?
    /// Document Signer only, RSA keys: "pss" (default, RFC 4055) or "pkcs1v15" where a
    /// receiving state demands RSA PKCS#1 v1.5 (Doc 9303-12 §4.4.2.1).
    public var rsaPadding: String?

    public var keySpec: KeySpec { KeySpec(name: key) ?? .ec(.p256) }
    public var usesExplicitECParameters: Bool { explicitECParameters ?? false }
}

/// The bridge certificate IAMAS issues to the national PKI root (level 3).
public struct CrossCertificateProfile: Codable, Sendable, Hashable {
    public var validityDays: Int
    /// pathLenConstraint on the cross certificate: how deep the national hierarchy may go.
    public var pathLength: Int
    /// Names the cross certificate vouches for (nameConstraints permittedSubtrees): the
    /// national namespace, where the national PKI names citizens and officials.
    public var permittedSubtrees: [String]
    /// Names it must never vouch for (excludedSubtrees): IAMAS's own, so that the national PKI
    /// cannot speak for an IAMAS authority, subsystem or officer (RFC 5280 §4.2.1.10).
    public var excludedSubtrees: [String]?
}

/// Dual control of the top keys (root and CSCA): issuing a segment CA or CSCA, CSCA rollover,
/// cross-certification and revoking a CA need `approvals` distinct security officers.
public struct DualControlProfile: Codable, Sendable, Hashable {
    public var approvals: Int
    /// A pending request lapses after this many hours.
    public var requestLifetimeHours: Int
    public init(approvals: Int = 2, requestLifetimeHours: Int = 24) {
        self.approvals = approvals
        self.requestLifetimeHours = requestLifetimeHours
    }
}

/// Validity of the certificates that carry IAMAS permissions. Subsystem certificates are short
/// (30 days): an agency system's rights should lapse soon after nobody renews them.
public struct PermissionCertificateProfile: Codable, Sendable, Hashable {
    public var subsystemDays: Int
    public var officerDays: Int
    public var maximumDays: Int
    public init(subsystemDays: Int = 30, officerDays: Int = 365, maximumDays: Int = 730) {
        self.subsystemDays = subsystemDays
        self.officerDays = officerDays
        self.maximumDays = maximumDays
    }
}
