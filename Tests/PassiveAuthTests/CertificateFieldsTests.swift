import Foundation
import LDS
import MohurTestSupport
@testable import OpenSSLKit
@testable import PassiveAuth
import Testing

/// Filing a certificate without decoding its key must file it exactly as the full OpenSSL parse
/// would: every certificate of the real master lists and the real PKD LDIF, compared field by
/// field, classified and warned about the same way.
@Suite("Certificate fields read without the public key")
struct CertificateFieldsTests {
    static func realCertificates() throws -> [(String, [UInt8])] {
        var found: [(String, [UInt8])] = []
        for list in ["gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml", "gmrtd/masterlists/NL_ML_2026-07-22.ml",
                     "openpassport/masterlists/ICAO_ml_September2023.ml", "openpassport/masterlists/IT_MasterListCSCA.ml"] {
            let parsed = try CSCAMasterList(encoded: try Vectors.bytes(list))
            found += (parsed.certificateList + parsed.signedData.certificates).enumerated().map { ("\(list)#\($0.offset)", $0.element) }
        }
        let ldif = try PKDLDIF(try Vectors.bytes("openpassport/pkd_ldif/icaopkd-003-complete-000090.ldif"))
        found += ldif.entries.flatMap { $0.values(PKDLDIF.certificateAttributes) }.enumerated().map { ("ldif#\($0.offset)", $0.element) }
        for country in ["AT", "AU", "CN", "DE", "FI", "FR", "MY", "NZ", "PH", "RU", "US"] {
            if let der = try? Vectors.bytes("gmrtd/sod/\(country)/DSC.der") { found.append(("\(country) DSC", der)) }
        }
        return found
    }

    @Test("every real certificate gives the same fields, kind and warnings as the full parse")
    func sameAsFullParse() throws {
        let certificates = try Self.realCertificates()
        #expect(certificates.count > 1800)
        var walked = 0
        for (name, der) in certificates {
            let full = try? Certificate(derEncoded: der)
            let fields = try? CertificateFields(derEncoded: der)
            #expect((full == nil) == (fields == nil), "\(name): one parse accepts what the other refuses")
            guard let full, let fields else { continue }
            if CertificateFields.walk(der) != nil { walked += 1 }
            #expect(fields == CertificateFields(full), "\(name): \(Self.difference(fields, CertificateFields(full)))")
            #expect(fields.signatureAlgorithm == full.signatureAlgorithm, "\(name)")
            #expect(CertificateQuirks.kind(of: fields) == CertificateQuirks.kind(of: full), "\(name)")
            #expect(CertificateQuirks.warnings(for: fields) == CertificateQuirks.warnings(for: CertificateFields(full)), "\(name)")
        }
        // The fast path, not the fallback, is what was compared.
        #expect(walked > certificates.count * 95 / 100, "\(walked) of \(certificates.count) walked")
    }

    static func difference(_ a: CertificateFields, _ b: CertificateFields) -> String {
        var out: [String] = []
        if a.isCA != b.isCA { out.append("isCA \(a.isCA)/\(b.isCA)") }
        if a.keyUsageBits != b.keyUsageBits { out.append("keyUsage \(String(describing: a.keyUsageBits))/\(String(describing: b.keyUsageBits))") }
        if a.subjectKeyIdentifier != b.subjectKeyIdentifier { out.append("SKI") }
        if a.authorityKeyIdentifier != b.authorityKeyIdentifier { out.append("AKI") }
        if a.isSelfIssued != b.isSelfIssued { out.append("self-issued") }
        if a.serialNumberBytes != b.serialNumberBytes || a.serialHex != b.serialHex { out.append("serial \(a.serialHex)/\(b.serialHex)") }
        if a.notBefore != b.notBefore || a.notAfter != b.notAfter { out.append("validity") }
        if a.subject != b.subject || a.issuer != b.issuer { out.append("names") }
        return out.joined(separator: ", ")
    }

    @Test("regression (fuzz target certificates): an authorityKeyIdentifier whose issuer names do not decode makes OpenSSL distrust the extensions; the filing parse must not read its keyIdentifier")
    func undecodableAuthorityKeyIdentifier() throws {
        var der = try Vectors.bytes("gmrtd/sod/AU/DSC.der")
        for (offset, value) in [(433, 53), (758, 50), (807, 9), (936, 83)] as [(Int, UInt8)] { der[offset] = value }
        let full = try Certificate(derEncoded: der)
        #expect(full.authorityKeyIdentifier == nil)
        let fields = try CertificateFields(derEncoded: der)
        #expect(fields == CertificateFields(full), "\(Self.difference(fields, CertificateFields(full)))")
    }

    @Test("regression (fuzz target certificates): a validity tagged SET instead of SEQUENCE is refused by both parses")
    func validityNotASequence() throws {
        var der = try Vectors.bytes("gmrtd/sod/CN/DSC.der")
        #expect(der[202] == 0x30)
        der[202] = 0x31
        #expect(throws: OpenSSLError.self) { try Certificate(derEncoded: der) }
        #expect(throws: OpenSSLError.self) { try CertificateFields(derEncoded: der) }
    }

    @Test("regression (fuzz target certificates): extensions [3] holding more than their one SEQUENCE are refused by both parses")
    func explicitTagWithTrailingBytes() throws {
        var der = try Vectors.bytes("gmrtd/sod/MY/DSC.der")
        #expect(Array(der[737...744]) == [0xA3, 0x82, 0x01, 0x23, 0x30, 0x82, 0x01, 0x1F])
        der[743] = 0x00
        #expect(throws: OpenSSLError.self) { try Certificate(derEncoded: der) }
        #expect(throws: OpenSSLError.self) { try CertificateFields(derEncoded: der) }
    }

    @Test("what the walk cannot read goes to the full parse; garbage is refused by both")
    func malformed() throws {
        let der = try Vectors.bytes("gmrtd/sod/DE/DSC.der")
        #expect(throws: OpenSSLError.self) { try CertificateFields(derEncoded: Array(der.dropLast(7))) }
        #expect(throws: OpenSSLError.self) { try CertificateFields(derEncoded: der + [0x00]) }
        #expect(throws: OpenSSLError.self) { try CertificateFields(derEncoded: [0x30, 0x03, 0x02, 0x01, 0x01]) }
    }
}
