import Foundation
import MohurCore
import OpenSSLKit
import Storage

extension PKI {
    /// Issues a certificate for a key held elsewhere, from a PKCS#10 request whose
    /// proof-of-possession signature must verify. The issuer and role decide the profile:
    /// a CSCA issues document-signer / master-list-signer / deviation-list-signer certificates,
    /// a segment CA issues agency-endpoint certificates.
    func issueUnaudited(fromRequest csr: CertificationRequest, authority name: String, role: CertificateRole) throws -> CertificateRecord {
        guard csr.isSelfSignatureValid else {
            throw MohurError.badInput("the certification request's signature does not verify (proof of possession failed)")
        }
        let view = try authority(named: name)
        guard view.record.status == "active" else {
            throw MohurError.refused("\(name) is retired and issues no new certificates", hint: "use the active authority (`mohur ca list`)")
        }
        let issuer = try issuingAuthority(view)
        let now = clock.now()
        let request: IssuanceRequest
        switch (view.role, role) {
        case (.csca, .documentSigner), (.csca, .masterListSigner), (.csca, .deviationListSigner):
            request = try signerRequest(role: role, subject: try csr.subject.withCountry(profile.country), key: try csr.publicKey(),
                                        keyRef: nil, csca: issuer, now: now)
        case (.segment, .agencyEndpoint):
            guard let agency = view.record.agency else { throw MohurError.system("segment \(name) has no agency") }
            request = IssuanceRequest(
                role: .agencyEndpoint, subject: try csr.subject.withCountry(profile.country), subjectKey: try csr.publicKey(),
                explicitECParameters: false, notBefore: now, notAfter: min(now.adding(days: 730), issuer.certificate.notAfter),
                keyUsagePeriod: nil,
                extensions: [try Extensions.basicConstraints(ca: false, pathLength: nil),
                             try Extensions.keyUsage([.digitalSignature]),
                             try Extensions.extendedKeyUsage([OID.clientAuthentication, OID.serverAuthentication], critical: false)]
                    + (try profile.segment.crlDistributionPoint.map {
                        [try Extensions.crlDistributionPoints([$0.replacingOccurrences(of: "{code}", with: agency)])]
                    } ?? []),
                keyRef: nil)
        default:
            throw MohurError.refused("\(name) (\(view.record.role)) may not issue \(role.rawValue) certificates",
                                     hint: "a CSCA issues document-signer, master-list-signer, deviation-list-signer; a segment CA issues agency-endpoint")
        }
        return try atomically { try issue(request, by: issuer).0 }
    }

    /// Revokes a certificate Mohur issued. The reason is kept in the database; whether a CRL
    /// carries it depends on the issuer (CSCA CRLs carry none, Doc 9303-12 §7.1.3).
    @discardableResult
    func revokeUnaudited(serial: String, reason: RevocationReason, at date: Date?) throws -> CertificateRecord {
        let matches = try repository.certificates(serial: serial).filter { $0.issuerAuthority != nil }
        guard let target = matches.first else {
            throw MohurError.notFound("no certificate issued by Mohur has serial \(serial)", hint: "`mohur cert list` shows serials")
        }
        guard matches.count == 1 else {
            throw MohurError.badInput("serial \(serial) matches \(matches.count) certificates", hint: "give the full serial")
        }
        if let existing = target.revocation {
            throw MohurError.refused("certificate \(serial) was already revoked (\(existing.reason))")
        }
        let now = clock.now()
        try atomically {
            try repository.insertRevocation(RevocationRecord(certificateID: target.id, reason: reason.rawValue,
                                                             revokedAt: date ?? now, recordedAt: now))
            try repository.setSetting("revoked_since_crl:\(target.issuerAuthority ?? "")", "1")
        }
        return try repository.certificate(id: target.id) ?? target
    }

    /// Issues the next full v2 CRL of a CA (RFC 5280 §5; Doc 9303-12 §7.1.3 for the CSCA:
    /// no reason codes, no delta CRLs, nextUpdate ≤ 90 days, at most one per 48 hours unless
    /// something was revoked since the last one).
    func issueCRLUnaudited(authority name: String, force: Bool) throws -> CRLRecord {
        let view = try authority(named: name)
        guard let role = view.role, role.isCertificateAuthority else {
            throw MohurError.badInput("\(name) is a \(view.record.role), which issues no CRLs", hint: "CRLs come from root, segment-* and csca-*")
        }
        let isCSCA = role == .csca
        let now = clock.now()
        let revokedSince = try repository.setting("revoked_since_crl:\(name)") == "1"
        if isCSCA, !force, !revokedSince, let last = try repository.latestCRL(authority: name),
           now.timeIntervalSince(last.thisUpdate) < 48 * 3600 {
            throw MohurError.refused("\(name) issued CRL \(last.crlNumber) less than 48 hours ago and nothing was revoked since",
                                     hint: "Doc 9303-12 asks for at most one CSCA CRL per 48 h; pass --force for an exceptional issue")
        }
        let issuer = try issuingAuthority(view)
        let days = (isCSCA ? profile.csca.crlNextUpdateDays : (role == .root ? profile.root : profile.segment).crlNextUpdateDays) ?? 30
        let nextUpdate = now.adding(days: isCSCA ? min(days, 90) : days)
        return try atomically {
            let number = try repository.nextCRLNumber(name)
            let revoked = try repository.revokedCertificates(issuerAuthority: name).compactMap { record -> RevokedCertificate? in
                guard let revocation = record.revocation, let serial = Digest.bytes(fromHex: record.serial) else { return nil }
                let reason = RevocationReason(rawValue: revocation.reason)
                return RevokedCertificate(serialNumber: serial, revocationDate: revocation.revokedAt,
                                          reasonCode: isCSCA ? nil : reason?.code)
            }
            let aki = try issuer.certificate.subjectKeyIdentifier ?? issuer.certificate.publicKey().keyIdentifier()
            let scheme = issuer.signer.defaultScheme
            let crl = try CRLBuilder.build(
                issuerName: try issuer.certificate.subjectDER(), thisUpdate: now, nextUpdate: nextUpdate, revoked: revoked,
                extensions: [try Extensions.authorityKeyIdentifier(aki), try Extensions.crlNumber(number)],
                scheme: scheme) { try issuer.signer.sign($0, scheme: scheme) }
            guard crl.isSignatureValid(issuerKey: try issuer.certificate.publicKey()) else {
                throw MohurError.system("the CRL signature of \(name) does not verify", hint: "check the token; nothing was stored")
            }
            let record = CRLRecord(authority: name, crlNumber: number, thisUpdate: now, nextUpdate: nextUpdate, der: crl.derEncoded)
            try repository.insertCRL(record)
            try repository.setSetting("revoked_since_crl:\(name)", "0")
            return record
        }
    }
}

extension DistinguishedName {
    /// The name with C= set to `country` when the request left it out (9303-12: C mandatory).
    func withCountry(_ country: String) throws -> DistinguishedName {
        if value(of: "C") != nil { return self }
        return DistinguishedName([Attribute("C", country)] + attributes)
    }
}
