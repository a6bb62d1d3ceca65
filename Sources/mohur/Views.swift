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

/// JSON shape of an authority.
struct AuthorityJSON: Codable {
    var name: String
    var level: Int
    var role: String
    var agency: String?
    var status: String
    var generation: Int
    var keyReference: String
    var certificate: CertificateView

    init(_ v: PKI.AuthorityView) {
        name = v.record.name
        level = v.record.level
        role = v.record.role
        agency = v.record.agency
        status = v.record.status
        generation = v.record.generation
        keyReference = v.record.keyRef
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
            let status = v.record.status == "active" ? "" : " [\(v.record.status)]"
            print("  \(v.record.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(v.certificate.subject)\(status)")
            print("  \(String(repeating: " ", count: 22)) serial \(v.certificate.serial), valid \(day(v.certificate.notBefore)) → \(day(v.certificate.notAfter))"
                  + (v.certificate.keyUsageNotAfter.map { ", key use until \(day($0))" } ?? ""))
        }
    }
}
