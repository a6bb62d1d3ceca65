import Foundation
import MohurCore
import OpenSSLKit
import Storage

extension PKI {
    /// Level 3: the IAMAS root cross-certifies the national PKI root. The bridge certificate
    /// names the national root as subject with its own key and key identifier, limits the path
    /// length behind it and, through nameConstraints, the names it may vouch for (RFC 5280
    /// §4.2.1.9–10), so that trust flows only as far as the profile allows.
    func crossCertifyUnaudited(nationalRoot: Certificate) throws -> CertificateRecord {
        let key = try nationalRoot.publicKey()
        guard nationalRoot.isCA else {
            throw MohurError.refused("\(nationalRoot.subject) is not a CA certificate (basicConstraints cA is not set)")
        }
        guard nationalRoot.isSelfIssued, nationalRoot.isSignatureValid(issuerKey: key) else {
            throw MohurError.refused("\(nationalRoot.subject) is not a self-signed root", hint: "present the national root CA certificate itself")
        }
        let root = try issuingAuthority(try activeAuthority(.root))
        guard !(try root.certificate.publicKey() == key) else {
            throw MohurError.refused("that is the IAMAS root itself, not the national root")
        }
        let p = profile.crossCertificate
        let permitted = try p.permittedSubtrees.map { try DistinguishedName(parsing: $0).derEncoded() }
        let excluded = try (p.excludedSubtrees ?? []).map { try DistinguishedName(parsing: $0).derEncoded() }
        let now = clock.now()
        let request = IssuanceRequest(
            role: .crossCertificate, subject: nationalRoot.subject, subjectKey: key, explicitECParameters: false,
            notBefore: now, notAfter: min(now.adding(days: p.validityDays), root.certificate.notAfter, nationalRoot.notAfter),
            keyUsagePeriod: nil,
            extensions: [try Extensions.basicConstraints(ca: true, pathLength: p.pathLength),
                         try Extensions.keyUsage([.keyCertSign, .cRLSign]),
                         try Extensions.nameConstraints(permittedDirectoryNames: permitted, excludedDirectoryNames: excluded)],
            keyRef: nil, subjectKeyIdentifier: nationalRoot.subjectKeyIdentifier)
        return try atomically { try issue(request, by: root).0 }
    }

    /// Level 3, the other direction: stores a certificate the national root issued for the
    /// IAMAS root. It must certify the IAMAS root's key, be a CA certificate, and verify under a
    /// national root Mohur cross-certified (or `nationalRoot`, when given).
    func importCrossCertificateUnaudited(_ certificate: Certificate, nationalRoot: Certificate?) throws -> CertificateRecord {
        let root = try activeAuthority(.root)
        let rootKey = try Certificate(derEncoded: root.certificate.der).publicKey()
        guard try certificate.publicKey() == rootKey else {
            throw MohurError.refused("the certificate does not certify the IAMAS root key (subject \(certificate.subject))")
        }
        guard certificate.isCA else { throw MohurError.refused("the cross certificate is not a CA certificate") }
        var candidates: [PublicKey] = []
        if let nationalRoot { candidates.append(try nationalRoot.publicKey()) }
        for issued in try repository.certificates(role: CertificateRole.crossCertificate.rawValue) {
            candidates.append(try Certificate(derEncoded: issued.der).publicKey())
        }
        guard candidates.contains(where: { certificate.isSignatureValid(issuerKey: $0) }) else {
            throw MohurError.refused("the cross certificate from \(certificate.issuer) does not verify under any known national root",
                                     hint: "cross-certify the national root first, or pass --national-root FILE")
        }
        guard try repository.certificates(serial: certificate.serialHex).allSatisfy({ $0.fingerprint != Digest.hex(certificate.fingerprintSHA256) }) else {
            throw MohurError.refused("that cross certificate is already stored")
        }
        let record = CertificateRecord(
            serial: certificate.serialHex, issuer: certificate.issuer.description, issuerAuthority: nil,
            subject: certificate.subject.description, role: CertificateRole.importedCrossCertificate.rawValue,
            der: certificate.derEncoded, fingerprint: Digest.hex(certificate.fingerprintSHA256),
            ski: certificate.subjectKeyIdentifier.map(Digest.hex), aki: certificate.authorityKeyIdentifier.map(Digest.hex),
            notBefore: certificate.notBefore, notAfter: certificate.notAfter, keyUsageNotBefore: nil, keyUsageNotAfter: nil,
            keyRef: nil, issuedAt: clock.now())
        var stored = record
        stored.id = try atomically { try repository.insertCertificate(record) }
        return stored
    }
}
