import Foundation
internal import COpenSSL
import SwiftASN1

/// An X.509 certificate (RFC 5280), owned by one `X509` object. Read-only after creation, so
/// it may be shared across tasks.
public final class Certificate: @unchecked Sendable, Hashable, CustomStringConvertible {
    let x509: OpaquePointer
    /// The exact DER this certificate was read from or built as.
    public let derEncoded: [UInt8]

    init(takingOwnership x509: OpaquePointer, der: [UInt8]) {
        self.x509 = x509
        self.derEncoded = der
    }

    deinit { X509_free(x509) }

    /// Parses one DER certificate; trailing bytes are an error.
    public convenience init(derEncoded der: [UInt8]) throws(OpenSSLError) {
        var consumed = 0
        let x = try decodeDER(der, "parsing a DER certificate") { p, n -> OpaquePointer? in
            let start = p.pointee
            let cert = d2i_X509(nil, p, n)
            if let start, let end = p.pointee { consumed = end - start }
            return cert
        }
        guard consumed == der.count else {
            X509_free(x)
            throw OpenSSLError("parsing a DER certificate", stack: ["\(der.count - consumed) bytes follow the certificate"])
        }
        self.init(takingOwnership: x, der: der)
    }

    /// Parses DER, or PEM with one or more certificates (the first is returned).
    public convenience init(pemOrDER bytes: [UInt8]) throws(OpenSSLError) {
        if bytes.first == 0x30 {
            try self.init(derEncoded: bytes)
        } else {
            guard let first = try Certificate.parseAllPEM(bytes).first else {
                throw OpenSSLError("reading a PEM certificate", stack: ["no CERTIFICATE block found"])
            }
            try self.init(derEncoded: first.derEncoded)
        }
    }

    /// One DER certificate, or every certificate of a PEM bundle (a leaf and its intermediates).
    public static func parseAll(pemOrDER bytes: [UInt8]) throws(OpenSSLError) -> [Certificate] {
        bytes.first == 0x30 ? [try Certificate(derEncoded: bytes)] : try parseAllPEM(bytes)
    }

    /// Every certificate in a PEM bundle.
    public static func parseAllPEM(_ bytes: [UInt8]) throws(OpenSSLError) -> [Certificate] {
        try withReadBIO(bytes, "reading PEM certificates") { bio throws(OpenSSLError) in
            var result: [Certificate] = []
            while let x = PEM_read_bio_X509(bio, nil, nil, nil) {
                let der = try encodeDER("re-encoding a PEM certificate") { i2d_X509(x, $0) }
                result.append(Certificate(takingOwnership: x, der: der))
            }
            drainErrorQueue()  // the loop ends on PEM "no start line", which is not an error
            return result
        }
    }

    public var subject: DistinguishedName { DistinguishedName(borrowing: X509_get_subject_name(x509)) }
    public var issuer: DistinguishedName { DistinguishedName(borrowing: X509_get_issuer_name(x509)) }

    /// DER of the subject Name exactly as OpenSSL encodes it (used as a CRL's issuer).
    public func subjectDER() throws(OpenSSLError) -> [UInt8] {
        try encodeDER("encoding the subject name") { i2d_X509_NAME(X509_get_subject_name(x509), $0) }
    }

    /// True when subject and issuer names match under RFC 5280 §7.1 comparison.
    public var isSelfIssued: Bool { X509_NAME_cmp(X509_get_subject_name(x509), X509_get_issuer_name(x509)) == 0 }

    /// The serial number's two's-complement content octets exactly as encoded (real master lists
    /// carry zero and negative serials, which must survive a round trip).
    public var serialNumberBytes: [UInt8] { Certificate.serialBytes(X509_get0_serialNumber(x509)) }

    /// Serial number as lower-case hex of its magnitude.
    public var serialHex: String { Certificate.serialHex(X509_get0_serialNumber(x509)) }

    static func serialBytes(_ serial: UnsafePointer<ASN1_INTEGER>?) -> [UInt8] {
        guard let serial else { return [] }
        let length = Int(ASN1_STRING_length(serial))
        guard length > 0, let data = ASN1_STRING_get0_data(serial) else { return [0] }
        var bytes = Array(UnsafeBufferPointer(start: data, count: length))
        if ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER { bytes = Certificate.negate(bytes) }
        return bytes
    }

    static func serialHex(_ serial: UnsafePointer<ASN1_INTEGER>?) -> String {
        guard let serial, let data = ASN1_STRING_get0_data(serial) else { return "00" }
        let hex = Digest.hex(Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(serial)))))
        return ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER ? "-" + hex : (hex.isEmpty ? "00" : hex)
    }

    public var notBefore: Date { Certificate.date(X509_get0_notBefore(x509)) }
    public var notAfter: Date { Certificate.date(X509_get0_notAfter(x509)) }

    /// The subject public key. Throws for algorithms OpenSSL cannot load.
    public func publicKey() throws(OpenSSLError) -> PublicKey {
        PublicKey(takingOwnership: try unwrap(X509_get_pubkey(x509), "reading the public key of \(subject)"))
    }

    /// subjectKeyIdentifier (RFC 5280 §4.2.1.2), when present.
    public var subjectKeyIdentifier: [UInt8]? { Certificate.bytes(X509_get0_subject_key_id(x509)) }
    /// authorityKeyIdentifier keyIdentifier (RFC 5280 §4.2.1.1), when present.
    public var authorityKeyIdentifier: [UInt8]? { Certificate.bytes(X509_get0_authority_key_id(x509)) }

    /// The extension with `oid`, as (critical, extnValue content).
    public func `extension`(_ oid: ASN1ObjectIdentifier) -> CertificateExtension? {
        extensions.first { $0.oid == oid }
    }

    /// Every extension in order of appearance.
    public var extensions: [CertificateExtension] {
        var result: [CertificateExtension] = []
        for index in 0..<X509_get_ext_count(x509) {
            guard let ext = X509_get_ext(x509, index) else { continue }
            var buffer = [CChar](repeating: 0, count: 128)
            let n = OBJ_obj2txt(&buffer, Int32(buffer.count), X509_EXTENSION_get_object(ext), 1)
            let text = String(decoding: buffer.prefix(Int(max(0, n))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let oid = try? ASN1ObjectIdentifier(dotRepresentation: text) else { continue }
            let value = Certificate.bytes(X509_EXTENSION_get_data(ext)) ?? []
            result.append(CertificateExtension(oid: oid, critical: X509_EXTENSION_get_critical(ext) == 1, value: value))
        }
        return result
    }

    /// X509v3 keyUsage bits as OpenSSL reports them (KU_* flags), or nil when absent.
    public var keyUsageBits: UInt32? {
        let bits = X509_get_key_usage(x509)
        return bits == UInt32.max ? nil : bits
    }

    /// The purposes of extKeyUsage (RFC 5280 §4.2.1.12); empty when the extension is absent or
    /// does not decode.
    public var extendedKeyUsages: [ASN1ObjectIdentifier] {
        guard let value = self.extension([2, 5, 29, 37])?.value, let node = try? DER.parse(value),
              case .constructed(let purposes) = node.content else { return [] }
        return purposes.compactMap { try? ASN1ObjectIdentifier(derEncoded: $0) }
    }

    /// basicConstraints cA, and its pathLenConstraint (nil = none).
    public var isCA: Bool { X509_check_ca(x509) >= 1 && (X509_get_extension_flags(x509) & UInt32(EXFLAG_CA)) != 0 }
    public var pathLengthConstraint: Int? {
        let value = X509_get_pathlen(x509)
        return value < 0 ? nil : value
    }

    /// The signatureAlgorithm OID in dotted form.
    public var signatureAlgorithmOID: String {
        var algorithm: UnsafePointer<X509_ALGOR>?
        X509_get0_signature(nil, &algorithm, x509)
        var object: OpaquePointer?
        X509_ALGOR_get0(&object, nil, nil, algorithm)
        var buffer = [CChar](repeating: 0, count: 128)
        let n = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        return String(decoding: buffer.prefix(Int(max(0, n))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Checks this certificate's signature with `key`. Unlike chain verification in OpenSSL,
    /// this accepts EC keys with explicit domain parameters, which Doc 9303-12 requires.
    public func isSignatureValid(issuerKey key: PublicKey) -> Bool {
        let ok = X509_verify(x509, key.pkey) == 1
        drainErrorQueue()
        return ok
    }

    /// SHA-256 of the DER.
    public var fingerprintSHA256: [UInt8] { Digest.sha256(derEncoded) }

    /// PEM "CERTIFICATE".
    public func pem() throws(OpenSSLError) -> String {
        String(decoding: try withMemoryBIO("writing a PEM certificate") { PEM_write_bio_X509($0, x509) }, as: UTF8.self)
    }

    /// OpenSSL's multi-line text dump (what `openssl x509 -text` prints).
    public func text() throws(OpenSSLError) -> String {
        String(decoding: try withMemoryBIO("printing a certificate") { X509_print_ex($0, x509, 0, 0) }, as: UTF8.self)
    }

    public var description: String { "\(subject) (serial \(serialHex))" }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.derEncoded == rhs.derEncoded }
    public func hash(into hasher: inout Hasher) { hasher.combine(derEncoded) }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var tm = tm()
        guard let time, ASN1_TIME_to_tm(time, &tm) == 1 else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    static func bytes(_ string: UnsafePointer<ASN1_STRING>?) -> [UInt8]? {
        guard let string, let data = ASN1_STRING_get0_data(string) else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(string))))
    }

    static func bytes(_ string: OpaquePointer?) -> [UInt8]? {
        bytes(UnsafePointer<ASN1_STRING>(string))
    }

    /// Two's-complement negation of a big-endian magnitude (for negative serial numbers).
    static func negate(_ magnitude: [UInt8]) -> [UInt8] {
        var out = magnitude.map { ~$0 }
        var carry: UInt16 = 1
        for i in out.indices.reversed() {
            let sum = UInt16(out[i]) + carry
            out[i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        if let first = out.first, first & 0x80 == 0 { out.insert(0xff, at: 0) }
        return out
    }
}

/// One X.509 extension: OID, criticality, and the DER inside extnValue (RFC 5280 §4.1).
public struct CertificateExtension: Sendable, Hashable {
    public var oid: ASN1ObjectIdentifier
    public var critical: Bool
    public var value: [UInt8]
    public init(oid: ASN1ObjectIdentifier, critical: Bool, value: [UInt8]) {
        self.oid = oid
        self.critical = critical
        self.value = value
    }
}
