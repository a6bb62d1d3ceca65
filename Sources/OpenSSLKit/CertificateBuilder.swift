import Foundation
internal import COpenSSL
internal import COpenSSLShims
import SwiftASN1

/// Everything that goes into a TBSCertificate (RFC 5280 §4.1.2) except the signature algorithm,
/// which follows from the signing key.
public struct CertificateTemplate: Sendable {
    /// Positive big-endian serial, at most 20 octets (RFC 5280 §4.1.2.2).
    public var serialNumber: [UInt8]
    public var subject: DistinguishedName
    public var issuer: DistinguishedName
    public var notBefore: Date
    public var notAfter: Date
    /// DER SubjectPublicKeyInfo, already in the form the profile wants (named or explicit EC).
    public var subjectPublicKeyInfo: [UInt8]
    public var extensions: [CertificateExtension]

    public init(serialNumber: [UInt8], subject: DistinguishedName, issuer: DistinguishedName,
                notBefore: Date, notAfter: Date, subjectPublicKeyInfo: [UInt8], extensions: [CertificateExtension]) {
        self.serialNumber = serialNumber
        self.subject = subject
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.subjectPublicKeyInfo = subjectPublicKeyInfo
        self.extensions = extensions
    }
}

/// Builds certificates whose signature is made elsewhere (in an HSM through PKCS#11, or by a
/// software key): OpenSSL assembles the TBSCertificate, the caller's closure signs its DER, and
/// the signed Certificate is assembled and parsed back by OpenSSL (RFC 5280 §4.1.1).
public enum CertificateBuilder {
    public static func build(_ template: CertificateTemplate, scheme: SignatureScheme,
                             sign: ([UInt8]) throws -> [UInt8]) throws -> Certificate {
        guard (1...20).contains(template.serialNumber.count), let top = template.serialNumber.first, top & 0x80 == 0 else {
            throw OpenSSLError("building a certificate", stack: ["serial number must be 1–20 octets and positive"])
        }
        let x = try unwrap(X509_new(), "allocating a certificate")
        defer { X509_free(x) }
        try check(X509_set_version(x, 2), "setting version v3")
        try setSerial(x, template.serialNumber)
        let subject = try template.subject.makeX509Name()
        defer { X509_NAME_free(subject) }
        let issuer = try template.issuer.makeX509Name()
        defer { X509_NAME_free(issuer) }
        try check(X509_set_subject_name(x, subject), "setting the subject")
        try check(X509_set_issuer_name(x, issuer), "setting the issuer")
        guard ASN1_TIME_set(X509_getm_notBefore(x), time_t(template.notBefore.timeIntervalSince1970)) != nil,
              ASN1_TIME_set(X509_getm_notAfter(x), time_t(template.notAfter.timeIntervalSince1970)) != nil else {
            throw OpenSSLError.drain("setting the validity period")
        }
        let spki = try decodeDER(template.subjectPublicKeyInfo, "reading the subject public key") { p, n in
            d2i_X509_PUBKEY(nil, p, n)
        }
        defer { X509_PUBKEY_free(spki) }
        try check(X509_set_pubkey(x, try unwrap(X509_PUBKEY_get0(spki), "loading the subject public key")), "setting the subject public key")
        for ext in template.extensions { try addExtension(x, ext) }

        let algorithm = scheme.algorithmIdentifierDER
        let rc = algorithm.withUnsafeBufferPointer { mohur_X509_set_tbs_sigalg(x, $0.baseAddress, $0.count) }
        try check(rc, "setting the TBSCertificate signature algorithm")
        let tbs = try encodeDER("encoding the TBSCertificate") { i2d_re_X509_tbs(x, $0) }
        let signature = try sign(tbs)
        let der = try assembleSigned(tbs: tbs, algorithm: algorithm, signature: signature)
        let certificate = try Certificate(derEncoded: der)
        try ensureSubjectKeyEncodingKept(certificate, template)
        return certificate
    }

    /// OpenSSL re-encodes the public key from its loaded form; make sure explicit EC
    /// parameters (Doc 9303-12 §4.4.3) survived that, rather than assume it.
    private static func ensureSubjectKeyEncodingKept(_ certificate: Certificate, _ template: CertificateTemplate) throws {
        let spki = try encodeDER("reading back the subject key") { i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate.x509), $0) }
        guard spki == template.subjectPublicKeyInfo else {
            throw OpenSSLError("building a certificate", stack: ["the subject public key encoding changed while building"])
        }
    }

    /// SIGNED{ToBeSigned} ::= SEQUENCE { toBeSigned, algorithmIdentifier, BIT STRING } — the
    /// shape shared by Certificate (RFC 5280 §4.1) and CertificateList (§5.1).
    public static func assembleSigned(tbs: [UInt8], algorithm: [UInt8], signature: [UInt8]) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { s in
            s.serializeRawBytes(tbs)
            s.serializeRawBytes(algorithm)
            try s.serialize(ASN1BitString(bytes: signature[...]))
        }
        return serializer.serializedBytes
    }

    private static func setSerial(_ x: OpaquePointer, _ serial: [UInt8]) throws(OpenSSLError) {
        let bn = try unwrap(serial.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }, "reading the serial number")
        defer { BN_free(bn) }
        let integer = try unwrap(BN_to_ASN1_INTEGER(bn, nil), "encoding the serial number")
        defer { ASN1_INTEGER_free(integer) }
        try check(X509_set_serialNumber(x, integer), "setting the serial number")
    }

    private static func addExtension(_ x: OpaquePointer, _ ext: CertificateExtension) throws(OpenSSLError) {
        let object = try unwrap(OBJ_txt2obj(ext.oid.description, 1), "reading extension OID \(ext.oid)")
        defer { ASN1_OBJECT_free(object) }
        let octets = try unwrap(ASN1_OCTET_STRING_new(), "allocating an extension value")
        defer { ASN1_OCTET_STRING_free(octets) }
        try check(ext.value.withUnsafeBufferPointer { ASN1_OCTET_STRING_set(octets, $0.baseAddress, Int32($0.count)) },
                  "setting extension \(ext.oid)")
        let extension_ = try unwrap(X509_EXTENSION_create_by_OBJ(nil, object, ext.critical ? 1 : 0, octets), "creating extension \(ext.oid)")
        defer { X509_EXTENSION_free(extension_) }
        try check(X509_add_ext(x, extension_, -1), "adding extension \(ext.oid)")
    }
}
