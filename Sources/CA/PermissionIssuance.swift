import Foundation
import HSM
import MohurCore
import OpenSSLKit
import Storage

/// Who a permission certificate is for.
public enum PermissionHolder: Sendable, Hashable {
    /// An agency's system that calls Mohur; the subject is the caller's choice, under
    /// `C=<country>, O=<organization>`.
    case subsystem(subject: DistinguishedName)
    /// A person with a role; the subject is `C, O, OU=<agency>, CN=<name>`.
    case officer(name: String, role: OfficerRole)
}

/// Where the certificate's key is: a PKCS#10 request (the key stays with its owner), or a key
/// on the state's token named by an RFC 7512 URI.
public enum PermissionKeySource: Sendable {
    case request(CertificationRequest)
    case keyReference(String)
}

/// A request for a certificate that carries IAMAS permissions.
public struct PermissionIssuanceRequest: Sendable {
    public var agency: String
    public var holder: PermissionHolder
    public var key: PermissionKeySource
    /// What the certificate grants; nil grants the agency's annex-2 row (subsystems: no Mohur
    /// operations; officers: those their role needs).
    public var permissions: PermissionSet?
    /// Validity in days; nil takes the profile's default for the holder.
    public var days: Int?

    public init(agency: String, holder: PermissionHolder, key: PermissionKeySource, permissions: PermissionSet? = nil, days: Int? = nil) {
        self.agency = agency
        self.holder = holder
        self.key = key
        self.permissions = permissions
        self.days = days
    }
}

extension PKI {
    /// Issues a subsystem or officer certificate under the agency's segment CA, carrying a
    /// subset of what the segment holds. A request for more is refused and journaled as an
    /// attempt to exceed permissions (rules §6.9.1.5); nothing is stored then.
    public func issuePermissionCertificate(_ request: PermissionIssuanceRequest) throws -> CertificateRecord {
        let operation = if case .officer = request.holder { "officer.enroll" } else { "perm.issue" }
        return try audited(operation, target: "agency:\(request.agency)") { try issuePermissionCertificateUnaudited(request) } details: {
            ["serial": .text($0.serial), "fingerprint": .text($0.fingerprint), "subject": .text($0.subject)]
        }
    }

    func issuePermissionCertificateUnaudited(_ request: PermissionIssuanceRequest) throws -> CertificateRecord {
        let agency = try matrix.requireAgency(request.agency)
        let publicKey: PublicKey
        var keyReference: String?
        switch request.key {
        case .request(let csr):
            guard csr.isSelfSignatureValid else {
                throw MohurError.badInput("the certification request's signature does not verify (proof of possession failed)")
            }
            publicKey = try csr.publicKey()
        case .keyReference(let reference):
            publicKey = try keys.load(reference: reference).publicKey
            keyReference = reference
        }
        let view = try activeAuthority(.segment, agency: agency.code)
        let segment = try issuingAuthority(view)
        guard let held = try AgencyPermissions(certificate: segment.certificate) else {
            throw MohurError.refused("\(view.record.name) carries no IAMAS permissions, so nothing can be issued under it",
                                     hint: "the segment was made before permission certificates existed; re-create the state")
        }
        let claimed = try claimedPermissions(request, held: held.permissions)
        let excess = claimed.excess(over: held.permissions)
        guard excess.isEmpty else {
            throw MohurError.refused("the certificate would claim \(excess.joined(separator: ",")) beyond what \(view.record.name) holds",
                                     hint: "\(agency.code) holds \(held.permissions.specification)")
        }
        let limits = profile.permissionCertificatesOrDefault
        let subject: DistinguishedName
        let role: OfficerRole?
        let certificateRole: CertificateRole
        let days: Int
        switch request.holder {
        case .subsystem(let requested):
            subject = try iamasSubject(requested)
            role = nil
            certificateRole = .subsystem
            days = request.days ?? limits.subsystemDays
        case .officer(let name, let officerRole):
            guard !name.isEmpty, name.count <= 64, !name.contains(where: { $0 == "," || $0 == "/" || $0 == "=" }) else {
                throw MohurError.badInput("officer name '\(name)' must be 1–64 characters without ',', '/' or '='")
            }
            subject = self.name(commonName: name, unit: agency.code)
            role = officerRole
            certificateRole = .officer
            days = request.days ?? limits.officerDays
        }
        guard (1...limits.maximumDays).contains(days) else {
            throw MohurError.badInput("--days \(days) is outside 1–\(limits.maximumDays)", hint: "the profile's permissionCertificates.maximumDays")
        }
        let now = clock.now()
        var extensions = [try Extensions.basicConstraints(ca: false, pathLength: nil),
                          try Extensions.keyUsage([.digitalSignature]),
                          try Extensions.extendedKeyUsage([OID.clientAuthentication], critical: false),
                          try Extensions.certificatePolicies([OID.iamasCorporatePolicy]),
                          try AgencyPermissions(agency: agency.code, permissions: claimed, role: role).certificateExtension()]
        if let crl = profile.segment.crlDistributionPoint {
            extensions.append(try Extensions.crlDistributionPoints([crl.replacingOccurrences(of: "{code}", with: agency.code)]))
        }
        let issuance = IssuanceRequest(
            role: certificateRole, subject: subject, subjectKey: publicKey, explicitECParameters: false, notBefore: now,
            notAfter: min(now.adding(days: days), segment.certificate.notAfter), keyUsagePeriod: nil, extensions: extensions,
            keyRef: try keyReference.flatMap { try repository.key(ref: $0) != nil ? $0 : nil })
        return try atomically { try issue(issuance, by: segment).0 }
    }

    /// What the request asks for: explicit rights, or by default the agency's annex-2 row —
    /// resources only for a subsystem, whose Mohur operations must be named (`op:…`), so that no
    /// system gets signing, PKI or journal powers it was not meant to have; for an officer the
    /// row with the operations the role needs. An officer never holds operations beyond the role.
    private func claimedPermissions(_ request: PermissionIssuanceRequest, held: PermissionSet) throws -> PermissionSet {
        guard case .officer(_, let role) = request.holder else {
            return request.permissions ?? PermissionSet(grants: held.grants, operations: [])
        }
        let requested = request.permissions ?? PermissionSet(grants: held.grants, operations: held.operations.intersection(role.operations))
        let beyondRole = requested.operations.subtracting(role.operations)
        guard beyondRole.isEmpty else {
            throw MohurError.refused("a \(role.rawValue) may not hold \(beyondRole.sorted().map { "op:\($0.rawValue)" }.joined(separator: ","))",
                                     hint: "the role allows \(role.operations.sorted().map(\.rawValue).joined(separator: ", "))")
        }
        return requested
    }

    /// The subject of a subsystem certificate, in encoding order (C first), which must lie
    /// under `C=<country>, O=<organization>`: the bridge to the national PKI excludes that
    /// subtree, so only IAMAS can vouch for such names. RFC 4514 order (CN first) is accepted.
    func iamasSubject(_ requested: DistinguishedName) throws -> DistinguishedName {
        var attributes = requested.attributes
        if attributes.first?.type.uppercased() != "C", attributes.last?.type.uppercased() == "C" { attributes.reverse() }
        let subject = DistinguishedName(attributes)
        guard attributes.count >= 3, subject.attributes[0].type.uppercased() == "C", subject.attributes[0].value == profile.country,
              subject.attributes[1].type.uppercased() == "O", subject.attributes[1].value == profile.organization,
              subject.value(of: "CN") != nil else {
            throw MohurError.badInput("subject '\(requested)' must lie under C=\(profile.country), O=\(profile.organization) and name a CN",
                                      hint: "e.g. \"CN=border-gateway,OU=SBS,O=\(profile.organization),C=\(profile.country)\"")
        }
        return subject
    }

    /// The agency whose officers run the central complex: the first that may manage
    /// certificates and issue permissions.
    public var centralAgency: Agency {
        get throws {
            guard let agency = matrix.agencies.first(where: { $0.operations.isSuperset(of: [.certManage, .permIssue]) }) else {
                throw MohurError.badInput("no agency of the operations table may use cert-manage and perm-issue",
                                          hint: "the central complex's security officers need an agency that holds both")
            }
            return agency
        }
    }

    /// The first security officer, made at init with its key on the state's token, so that
    /// nothing is done anonymously afterwards. Its key reference is kept in the settings.
    func createFirstSecurityOfficer() throws {
        let (reference, record) = try enrollOfficerOnToken(name: "Security Officer 1", role: .securityOfficer, agency: try centralAgency.code)
        try repository.setSetting(Self.firstOfficerKey, reference)
        try repository.setSetting(Self.firstOfficerFingerprintKey, record.fingerprint)
    }

    /// Generates an officer key on the state's own token and enrols it (development states and
    /// the first security officer; officers normally bring their own token and a CSR).
    func enrollOfficerOnToken(name: String, role: OfficerRole, agency: String) throws -> (String, CertificateRecord) {
        let signer = try generateKey(.ec(.p256), role: .officer, suffix: role.rawValue)
        let record = try issuePermissionCertificateUnaudited(PermissionIssuanceRequest(
            agency: agency, holder: .officer(name: name, role: role), key: .keyReference(signer.keyReference)))
        return (signer.keyReference, record)
    }

    /// One officer per role besides the first security officer, with keys on the development
    /// token, so that `make run` can sign, verify and audit at once. Journaled.
    public func enrollDevelopmentOfficers() throws {
        let agency = try centralAgency.code
        let before = try objectSnapshot()
        try audited("officer.enroll-development", target: "agency:\(agency)") {
            try atomically {
                for role in OfficerRole.allCases where role != .securityOfficer {
                    _ = try enrollOfficerOnToken(name: "Development \(role.rawValue)", role: role, agency: agency)
                }
            }
        } details: { ["roles": .integer(Int64(OfficerRole.allCases.count - 1))] }
        try journalCreatedObjects(since: before)
    }

    /// Officer certificates whose keys are on the state's own token, newest first.
    public func officersOnToken() throws -> [CertificateRecord] {
        try repository.certificates(role: CertificateRole.officer.rawValue)
            .filter { $0.keyRef != nil && $0.revocation == nil }.sorted { $0.issuedAt > $1.issuedAt }
    }

    static let firstOfficerKey = "first_officer_key_ref"
    static let firstOfficerFingerprintKey = "first_officer_fingerprint"

    /// The key reference and certificate of the security officer made at init.
    public func firstSecurityOfficer() throws -> (keyReference: String, certificate: CertificateRecord)? {
        guard let reference = try repository.setting(Self.firstOfficerKey),
              let fingerprint = try repository.setting(Self.firstOfficerFingerprintKey),
              let record = try repository.certificate(fingerprint: fingerprint) else { return nil }
        return (reference, record)
    }
}

extension PKI {
    static let serviceKeyKey = "service_key_ref"
    static let serviceCertificateKey = "service_certificate_fingerprint"

    /// The key and certificate the service signs its responses with (RFC 9421 §2.4): a
    /// subsystem certificate of the central agency that carries no rights, its key on the token.
    /// Made on first use and again when it is revoked or within a day of expiry; journaled.
    public func serviceIdentity() throws -> (signer: any Signer, certificate: Certificate) {
        if let reference = try repository.setting(Self.serviceKeyKey), let fingerprint = try repository.setting(Self.serviceCertificateKey),
           let record = try repository.certificate(fingerprint: fingerprint), record.revocation == nil,
           record.notAfter.timeIntervalSince(clock.now()) > 86_400 {
            return (try keys.load(reference: reference), try Certificate(derEncoded: record.der))
        }
        let agency = try centralAgency
        let record = try audited("service.identity", target: "agency:\(agency.code)") { () throws -> CertificateRecord in
            try atomically {
                let signer = try generateKey(.ec(.p256), role: .subsystem, suffix: "service")
                let record = try issuePermissionCertificateUnaudited(PermissionIssuanceRequest(
                    agency: agency.code, holder: .subsystem(subject: name(commonName: "Mohur service", unit: agency.code)),
                    key: .keyReference(signer.keyReference), permissions: PermissionSet(),
                    days: profile.permissionCertificatesOrDefault.maximumDays))
                try repository.setSetting(Self.serviceKeyKey, signer.keyReference)
                try repository.setSetting(Self.serviceCertificateKey, record.fingerprint)
                return record
            }
        } details: { ["fingerprint": .text($0.fingerprint)] }
        return (try keys.load(reference: try repository.setting(Self.serviceKeyKey) ?? ""), try Certificate(derEncoded: record.der))
    }
}
