import OpenSSLKit

/// How a certificate from a foreign PKI is classified and which of its deviations from
/// RFC 5280 / Doc 9303-12 §7.1 are worth a warning. Master lists carry such certificates
/// (serial 0 or negative, NULL ECDSA parameters, lower-case or 3-letter countries); they are
/// imported, not refused, because real passports chain to them.
enum CertificateQuirks {
    /// keyUsage keyCertSign (RFC 5280 §4.2.1.3 bit 5; OpenSSL's KU_KEY_CERT_SIGN).
    static let keyCertSign: UInt32 = 0x04

    /// A CA certificate is a CSCA when its key identifiers agree (or one is absent) and a link
    /// certificate when they differ (Doc 9303-12 §5.5.1); anything else is a Document Signer.
    static func kind(of certificate: Certificate) -> TrustKind { kind(of: CertificateFields(certificate)) }

    static func kind(of certificate: CertificateFields) -> TrustKind {
        let signsCertificates = certificate.isCA || (certificate.keyUsageBits.map { $0 & keyCertSign != 0 } ?? false)
        guard signsCertificates else { return .dsc }
        if let ski = certificate.subjectKeyIdentifier, let aki = certificate.authorityKeyIdentifier, ski != aki {
            return .link
        }
        return certificate.isSelfIssued ? .csca : .link
    }

    /// Warnings for the deviations seen in real master lists.
    static func warnings(for certificate: CertificateFields) -> [String] {
        var result: [String] = []
        let serial = certificate.serialNumberBytes
        if serial.allSatisfy({ $0 == 0 }) {
            result.append("serial number is 0 (RFC 5280 §4.1.2.2 requires a positive integer)")
        } else if let first = serial.first, first & 0x80 != 0 {
            result.append("serial number is negative (RFC 5280 §4.1.2.2 requires a positive integer)")
        }
        if let algorithm = certificate.signatureAlgorithm, algorithm.isECDSA,
           algorithm.parameters == [0x05, 0x00] {
            result.append("ECDSA signatureAlgorithm carries NULL parameters (RFC 5758 §3.2: they must be absent)")
        }
        if let country = certificate.subject.value(of: "C") {
            if country.count != 2 {
                result.append("country '\(country)' is not an ISO 3166 alpha-2 code (Doc 9303-12 §7.1.1)")
            } else if country != country.uppercased() {
                result.append("country '\(country)' is not upper case (Doc 9303-12 §7.1.1)")
            }
        } else {
            result.append("the subject has no countryName (Doc 9303-12 §7.1.1)")
        }
        return result
    }
}
