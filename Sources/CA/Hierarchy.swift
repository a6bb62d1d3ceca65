import Foundation
import MohurCore
import OpenSSLKit
import Storage

extension PKI {
    /// What `initializeHierarchy` did.
    public enum InitOutcome: Sendable, Equatable {
        case created
        case reused(initializedAt: String)
    }

    /// Creates all four levels on first use; on later runs reuses the state and says so.
    /// L1 root; L2 one segment CA per agency of the access matrix; L4 CSCA (self-signed, its
    /// own root as ICAO requires), first Document Signer, Master List Signer and Deviation List
    /// Signer. L3 cross certificates follow when the national root is presented.
    @discardableResult
    func initializeHierarchyUnaudited() throws -> InitOutcome {
        if let at = try repository.setting("initialized_at") { return .reused(initializedAt: at) }
        try atomically {
            let now = clock.now()
            try repository.setSetting("profile", try profile.canonicalJSON())
            try repository.setSetting("profile_sha256", Digest.hex(Digest.sha256(Array(try profile.canonicalJSON().utf8))))
            try repository.setSetting(Self.lockedAccessKey, matrix.accessTable)
            try repository.setSetting(Self.lockedOperationsKey, matrix.operationsTable)

            let root = try createRoot(now: now)
            for agency in matrix.agencies {
                try createSegment(agency: agency, root: root, now: now)
            }
            let csca = try createCSCA(generation: 1, now: now)
            for role in [CertificateRole.documentSigner, .masterListSigner, .deviationListSigner] {
                try createSigner(role: role, csca: csca, generation: 1, now: now)
            }
            try createFirstSecurityOfficer()
            try repository.setSetting("initialized_at", ISO8601DateFormatter().string(from: now))
        }
        return .created
    }

    func createRoot(now: Date) throws -> IssuingAuthority {
        let p = profile.root
        let signer = try generateKey(p.keySpec, role: .root, suffix: "1")
        let request = IssuanceRequest(
            role: .root, subject: name(commonName: p.commonName, organization: p.organization), subjectKey: signer.publicKey,
            explicitECParameters: p.usesExplicitECParameters, notBefore: now, notAfter: now.adding(days: p.validityDays ?? 7305),
            keyUsagePeriod: nil,
            extensions: [try Extensions.basicConstraints(ca: true, pathLength: p.pathLength),
                         try Extensions.keyUsage([.keyCertSign, .cRLSign]),
                         try Extensions.certificatePolicies([OID.iamasCorporatePolicy])],
            keyRef: signer.keyReference)
        let (record, certificate) = try issue(request, by: nil, selfSigner: signer)
        try recordAuthority(name: "root", role: .root, agency: nil, signer: signer, certificate: record, generation: 1)
        guard let stored = try repository.authority("root") else { throw MohurError.system("root authority was not stored") }
        return IssuingAuthority(record: stored, certificate: certificate, signer: signer)
    }

    func createSegment(agency: Agency, root: IssuingAuthority, now: Date) throws {
        let p = profile.segment
        let signer = try generateKey(p.keySpec, role: .segment, suffix: "\(agency.code)-1")
        var extensions = [try Extensions.basicConstraints(ca: true, pathLength: p.pathLength ?? 0),
                          try Extensions.keyUsage([.keyCertSign, .cRLSign]),
                          try Extensions.certificatePolicies([OID.iamasCorporatePolicy]),
                          try AgencyPermissions(agency: agency.code, permissions: agency.permissions).certificateExtension()]
        if let crl = profile.root.crlDistributionPoint { extensions.append(try Extensions.crlDistributionPoints([crl])) }
        let request = IssuanceRequest(
            role: .segment,
            subject: name(commonName: p.commonName.replacingOccurrences(of: "{code}", with: agency.code),
                          organization: p.organization, unit: agency.name),
            subjectKey: signer.publicKey, explicitECParameters: p.usesExplicitECParameters, notBefore: now,
            notAfter: min(now.adding(days: p.validityDays ?? 3652), root.certificate.notAfter), keyUsagePeriod: nil,
            extensions: extensions, keyRef: signer.keyReference)
        let (record, _) = try issue(request, by: root)
        try recordAuthority(name: "segment-\(agency.code)", role: .segment, agency: agency.code, signer: signer,
                            certificate: record, generation: 1)
    }

    /// A CSCA certificate (Doc 9303-12 §7.1.1, Table 6): self-signed, basicConstraints cA with
    /// pathLen 0, keyCertSign+cRLSign critical, PrivateKeyUsagePeriod, CRLDistributionPoints,
    /// subject and issuer alternative names, explicit EC parameters where the profile says so.
    func cscaRequest(signer: any Signer, now: Date) throws -> IssuanceRequest {
        let p = profile.csca
        var extensions = [try Extensions.basicConstraints(ca: true, pathLength: 0),
                          try Extensions.keyUsage([.keyCertSign, .cRLSign])]
        if let crl = p.crlDistributionPoint { extensions.append(try Extensions.crlDistributionPoints([crl])) }
        if let email = p.contactEmail {
            extensions.append(try Extensions.alternativeName(email: email, issuer: false))
            extensions.append(try Extensions.alternativeName(email: email, issuer: true))
        }
        return IssuanceRequest(
            role: .csca, subject: name(commonName: p.commonName, organization: p.organization), subjectKey: signer.publicKey,
            explicitECParameters: p.usesExplicitECParameters, notBefore: now, notAfter: now.adding(days: p.validityDays ?? 5479),
            keyUsagePeriod: (now, now.adding(days: p.privateKeyUsageDays ?? 1826)), extensions: extensions,
            keyRef: signer.keyReference)
    }

    @discardableResult
    func createCSCA(generation: Int, now: Date) throws -> IssuingAuthority {
        let signer = try generateKey(profile.csca.keySpec, role: .csca, suffix: "\(generation)")
        let (record, certificate) = try issue(try cscaRequest(signer: signer, now: now), by: nil, selfSigner: signer)
        let name = "csca-\(generation)"
        try recordAuthority(name: name, role: .csca, agency: nil, signer: signer, certificate: record, generation: generation)
        guard let stored = try repository.authority(name) else { throw MohurError.system("\(name) was not stored") }
        return IssuingAuthority(record: stored, certificate: certificate, signer: signer)
    }

    /// The profile of a level-4 signer role.
    func signerProfile(_ role: CertificateRole) throws -> LevelProfile {
        switch role {
        case .documentSigner: profile.documentSigner
        case .masterListSigner: profile.masterListSigner
        case .deviationListSigner: profile.deviationListSigner
        default: throw MohurError.badInput("\(role.rawValue) is not a CSCA-issued signer role")
        }
    }

    /// Extensions and validity of a signer certificate (Doc 9303-12 Table 6): DS with
    /// digitalSignature only and DocumentTypeList, validity = key usage + longest document
    /// validity; MLS/DLS with their ICAO extended key usages.
    func signerRequest(role: CertificateRole, subject: DistinguishedName, key: PublicKey, keyRef: String?,
                       csca: IssuingAuthority, now: Date) throws -> IssuanceRequest {
        let p = try signerProfile(role)
        let usageEnd = now.adding(days: p.privateKeyUsageDays ?? 90)
        var extensions = [try Extensions.keyUsage([.digitalSignature])]
        let notAfter: Date
        switch role {
        case .documentSigner:
            extensions.append(try Extensions.documentTypeList(p.documentTypes ?? ["P"]))
            notAfter = usageEnd.adding(days: Int((Double(p.documentValidityYears ?? 10) * 365.25).rounded(.up)))
        case .masterListSigner:
            extensions.append(try Extensions.extendedKeyUsage([OID.cscaMasterListSigningKey], critical: true))
            notAfter = now.adding(days: p.validityDays ?? 730)
        default:
            extensions.append(try Extensions.extendedKeyUsage([OID.deviationListSigningKey], critical: true))
            notAfter = now.adding(days: p.validityDays ?? 730)
        }
        if let crl = profile.csca.crlDistributionPoint ?? p.crlDistributionPoint {
            extensions.append(try Extensions.crlDistributionPoints([crl]))
        }
        if let email = profile.csca.contactEmail {
            extensions.append(try Extensions.alternativeName(email: email, issuer: true))
        }
        return IssuanceRequest(role: role, subject: subject, subjectKey: key, explicitECParameters: p.usesExplicitECParameters,
                               notBefore: now, notAfter: min(notAfter, csca.certificate.notAfter),
                               keyUsagePeriod: (now, usageEnd), extensions: extensions, keyRef: keyRef)
    }

    func signerSubject(_ role: CertificateRole, generation: Int) throws -> DistinguishedName {
        let p = try signerProfile(role)
        return name(commonName: p.commonName.replacingOccurrences(of: "{generation}", with: "\(generation)"),
                    organization: p.organization)
    }

    @discardableResult
    func createSigner(role: CertificateRole, csca: IssuingAuthority, generation: Int, now: Date) throws -> AuthorityView {
        let signer = try generateKey(try signerProfile(role).keySpec, role: role, suffix: "\(generation)")
        let request = try signerRequest(role: role, subject: try signerSubject(role, generation: generation),
                                        key: signer.publicKey, keyRef: signer.keyReference, csca: csca, now: now)
        let (record, _) = try issue(request, by: csca)
        let name = "\(role.authorityPrefix)-\(generation)"
        try recordAuthority(name: name, role: role, agency: nil, signer: signer, certificate: record, generation: generation)
        return try authority(named: name)
    }
}
