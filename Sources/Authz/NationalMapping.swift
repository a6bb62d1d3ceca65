import CA
import Foundation
import MohurCore
import OpenSSLKit
import Storage

extension Authorizer {
    /// Maps a national e-signature certificate (an official's card, level 3) to an IAMAS agency
    /// and officer role, so that its holder can log in. The certificate must validate through
    /// the bridge to the national PKI now; the mapping lapses when the certificate expires or
    /// is revoked (its path no longer validates), or when it is withdrawn. Journaled.
    public func mapNationalCertificate(_ certificate: Certificate, supplied: [Certificate] = [], agency code: String,
                                       role: OfficerRole, by officer: ValidatedIdentity) throws -> NationalMappingRecord {
        try authorize(officer, .operation(.permIssue))
        let agency = try pki.matrix.requireAgency(code)
        let identity = try validate(certificate, supplied: supplied)
        guard identity.isNational else {
            throw MohurError.badInput("\(certificate.subject) is an IAMAS certificate, not a national one",
                                      hint: "IAMAS officers are enrolled with `mohur officer enroll`")
        }
        let record = NationalMappingRecord(
            certificateFingerprint: identity.fingerprint, subject: certificate.subject.description,
            issuer: certificate.issuer.description, der: certificate.derEncoded, agency: agency.code, role: role.rawValue,
            notAfter: certificate.notAfter, mappedAt: pki.clock.now(), mappedBy: officer.fingerprint)
        try pki.repository.insertNationalMapping(record)
        _ = try pki.audited("officer.map", target: "national:\(identity.fingerprint)") { record } details: { _ in
            ["agency": .text(agency.code), "role": .text(role.rawValue), "subject": .text(record.subject)]
        }
        return record
    }
}

extension Authorizer {
    /// Withdraws a national certificate's mapping (its holder was revoked by the national PKI,
    /// or left the post); journaled. True when a mapping was in force.
    @discardableResult
    public func withdrawNationalMapping(_ certificate: Certificate, by officer: ValidatedIdentity) throws -> Bool {
        try authorize(officer, .operation(.permIssue))
        let fingerprint = Digest.hex(certificate.fingerprintSHA256)
        return try pki.audited("officer.unmap", target: "national:\(fingerprint)") {
            try pki.repository.withdrawNationalMapping(fingerprint: fingerprint, at: pki.clock.now())
        } details: { withdrawn in withdrawn ? ["subject": .text(certificate.subject.description)] : nil }
    }
}
