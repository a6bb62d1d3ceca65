import Foundation
import MohurCore
import OpenSSLKit
import Storage

/// An authority able to sign: its key and its current certificate.
public struct IssuingAuthority: Sendable {
    public let record: AuthorityRecord
    public let certificate: Certificate
    public let signer: any Signer
}

/// What a new certificate should say; the issuer adds serial, SKI, AKI and signs.
struct IssuanceRequest {
    var role: CertificateRole
    var subject: DistinguishedName
    var subjectKey: PublicKey
    var explicitECParameters: Bool
    var notBefore: Date
    var notAfter: Date
    var keyUsagePeriod: (notBefore: Date, notAfter: Date)?
    var extensions: [CertificateExtension]
    var keyRef: String?
    /// Keep this SKI instead of computing one (cross certificates keep the national root's).
    var subjectKeyIdentifier: [UInt8]?
}

extension PKI {
    /// Issues one certificate: by `issuer`, or self-signed with `selfSigner` when issuer is nil.
    /// Stores it and returns the stored record with the parsed certificate.
    func issue(_ request: IssuanceRequest, by issuer: IssuingAuthority?, selfSigner: (any Signer)? = nil) throws -> (CertificateRecord, Certificate) {
        let serial = try newSerial()
        let ski = try request.subjectKeyIdentifier ?? request.subjectKey.keyIdentifier()
        let aki = try issuer.map { try $0.certificate.subjectKeyIdentifier ?? $0.certificate.publicKey().keyIdentifier() } ?? ski
        var extensions = request.extensions
        extensions.append(try Extensions.subjectKeyIdentifier(ski))
        extensions.append(try Extensions.authorityKeyIdentifier(aki))
        if let period = request.keyUsagePeriod {
            extensions.append(try Extensions.privateKeyUsagePeriod(notBefore: period.notBefore, notAfter: period.notAfter))
        }
        guard let signer = issuer?.signer ?? selfSigner else {
            throw MohurError.system("no signing key for \(request.role.rawValue) certificate \(request.subject)")
        }
        let template = CertificateTemplate(
            serialNumber: serial, subject: request.subject, issuer: issuer?.certificate.subject ?? request.subject,
            notBefore: request.notBefore, notAfter: request.notAfter,
            subjectPublicKeyInfo: try request.subjectKey.subjectPublicKeyInfo(explicitECParameters: request.explicitECParameters),
            extensions: extensions)
        let scheme = signer.defaultScheme
        let certificate = try CertificateBuilder.build(template, scheme: scheme) { try signer.sign($0, scheme: scheme) }
        let verifyKey = try issuer?.certificate.publicKey() ?? signer.publicKey
        guard certificate.isSignatureValid(issuerKey: verifyKey) else {
            throw MohurError.system("the HSM returned a signature that does not verify for \(request.subject)",
                                    hint: "check the token; nothing was stored")
        }
        var record = CertificateRecord(
            serial: certificate.serialHex, issuer: certificate.issuer.description, issuerAuthority: issuer?.record.name,
            subject: certificate.subject.description, role: request.role.rawValue, der: certificate.derEncoded,
            fingerprint: Digest.hex(certificate.fingerprintSHA256), ski: Digest.hex(ski), aki: Digest.hex(aki),
            notBefore: certificate.notBefore, notAfter: certificate.notAfter,
            keyUsageNotBefore: request.keyUsagePeriod?.notBefore.wholeSeconds, keyUsageNotAfter: request.keyUsagePeriod?.notAfter.wholeSeconds,
            keyRef: request.keyRef, issuedAt: clock.now())
        record.id = try repository.insertCertificate(record)
        return (record, certificate)
    }

    /// A positive serial of 16 random octets (RFC 5280 §4.1.2.2: ≤ 20 octets, unique per
    /// issuer; Mohur keeps serials unique across all its CAs).
    func newSerial() throws -> [UInt8] {
        for _ in 0..<8 {
            var serial = try randomBytes(16)
            serial[0] = (serial[0] & 0x7f) | 0x01  // positive, and never a shorter encoding
            if try !repository.serialExists(Digest.hex(serial)) { return serial }
        }
        throw MohurError.system("could not draw an unused serial number in 8 tries", hint: "the random source is broken")
    }

    /// C, O, optional OU, CN in that order.
    func name(commonName: String, organization: String? = nil, unit: String? = nil) -> DistinguishedName {
        var attributes = [DistinguishedName.Attribute("C", profile.country),
                          DistinguishedName.Attribute("O", organization ?? profile.organization)]
        if let unit { attributes.append(.init("OU", unit)) }
        attributes.append(.init("CN", commonName))
        return DistinguishedName(attributes)
    }

    /// Generates a key for `role` and records the reference. The label carries a random tag:
    /// a key left on the token by an operation that failed later (and rolled back the database)
    /// never blocks a retry, and no existing key is ever deleted to make room.
    func generateKey(_ spec: KeySpec, role: CertificateRole, suffix: String) throws -> any Signer {
        let label = "mohur-\(role.authorityPrefix)-\(suffix)-\(Digest.hex(try randomBytes(3)))"
        let signer = try keys.generate(spec, label: label)
        try repository.insertKey(KeyRecord(ref: signer.keyReference, label: label, spec: spec.description,
                                           backend: keys.backend, publicKey: try signer.publicKey.subjectPublicKeyInfo(),
                                           createdAt: clock.now()))
        return signer
    }

    /// Stores an authority row for a freshly issued CA or signer certificate.
    func recordAuthority(name: String, role: CertificateRole, agency: String?, signer: any Signer,
                         certificate: CertificateRecord, generation: Int) throws {
        try repository.insertAuthority(AuthorityRecord(
            name: name, role: role.rawValue, level: role.level, agency: agency, keyRef: signer.keyReference,
            certificateID: certificate.id, status: "active", generation: generation, crlNumber: 0, createdAt: clock.now()))
    }
}

extension Date {
    func adding(days: Int) -> Date { addingTimeInterval(TimeInterval(days) * 86_400) }
    /// Certificates carry whole seconds (RFC 5280 §4.1.2.5); records match them.
    var wholeSeconds: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}
