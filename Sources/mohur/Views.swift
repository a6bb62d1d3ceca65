import CA
import Foundation
import OpenSSLKit
import Storage

/// JSON shape of a certificate in listings and `show`.
struct CertificateView: Codable {
    var serial: String
    var role: String
    var subject: String
    var issuer: String
    var issuedBy: String?
    var notBefore: Date
    var notAfter: Date
    var privateKeyUsageNotBefore: Date?
    var privateKeyUsageNotAfter: Date?
    var subjectKeyIdentifier: String?
    var authorityKeyIdentifier: String?
    var fingerprintSHA256: String
    var status: String
    var revocationReason: String?
    var revokedAt: Date?

    init(_ r: CertificateRecord) {
        serial = r.serial
        role = r.role
        subject = r.subject
        issuer = r.issuer
        issuedBy = r.issuerAuthority
        notBefore = r.notBefore
        notAfter = r.notAfter
        privateKeyUsageNotBefore = r.keyUsageNotBefore
        privateKeyUsageNotAfter = r.keyUsageNotAfter
        subjectKeyIdentifier = r.ski
        authorityKeyIdentifier = r.aki
        fingerprintSHA256 = r.fingerprint
        status = r.revocation == nil ? "valid" : "revoked"
        revocationReason = r.revocation?.reason
        revokedAt = r.revocation?.revokedAt
    }
}

/// JSON shape of any certificate file (`cert show --file F --json`).
struct FileCertificateView: Codable {
    var serial: String
    var subject: String
    var issuer: String
    var notBefore: Date
    var notAfter: Date
    var publicKey: String
    var signatureAlgorithm: String
    var subjectKeyIdentifier: String?
    var authorityKeyIdentifier: String?
    var isCA: Bool
    var fingerprintSHA256: String

    init(_ c: Certificate) {
        serial = c.serialHex
        subject = c.subject.description
        issuer = c.issuer.description
        notBefore = c.notBefore
        notAfter = c.notAfter
        publicKey = (try? c.publicKey().summary) ?? "unsupported key"
        signatureAlgorithm = c.signatureAlgorithmOID
        subjectKeyIdentifier = c.subjectKeyIdentifier.map(Digest.hex)
        authorityKeyIdentifier = c.authorityKeyIdentifier.map(Digest.hex)
        isCA = c.isCA
        fingerprintSHA256 = Digest.hex(c.fingerprintSHA256)
    }
}

/// JSON shape of an authority.
struct AuthorityJSON: Codable {
    var name: String
    var level: Int
    var role: String
    var agency: String?
    var status: String
    var generation: Int
    var keyReference: String
    /// True for development software keys (never an HSM key).
    var softwareKey: Bool
    var certificate: CertificateView

    init(_ v: PKI.AuthorityView) {
        name = v.record.name
        level = v.record.level
        role = v.record.role
        agency = v.record.agency
        status = v.record.status
        generation = v.record.generation
        keyReference = v.record.keyRef
        softwareKey = v.record.keyRef.hasPrefix("file:")
        certificate = CertificateView(v.certificate)
    }
}

/// Human table of authorities, grouped by level.
func printAuthorities(_ views: [PKI.AuthorityView]) {
    let titles = [1: "L1 central root", 2: "L2 agency segment CAs", 3: "L3 national PKI link", 4: "L4 ICAO"]
    for level in 1...4 {
        let rows = views.filter { $0.record.level == level }
        guard !rows.isEmpty else { continue }
        print("\(titles[level] ?? "L\(level)"):")
        for v in rows {
            var status = v.record.status == "active" ? "" : " [\(v.record.status)]"
            if v.record.keyRef.hasPrefix("file:") { status += " [software key: development only]" }
            print("  \(v.record.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(v.certificate.subject)\(status)")
            print("  \(String(repeating: " ", count: 22)) serial \(v.certificate.serial), valid \(day(v.certificate.notBefore)) → \(day(v.certificate.notAfter))"
                  + (v.certificate.keyUsageNotAfter.map { ", key use until \(day($0))" } ?? ""))
        }
    }
}
