import Foundation
internal import COpenSSL
internal import COpenSSLShims
import SwiftASN1

/// What a certificate says about itself, for filing it, read without decoding its public key.
///
/// OpenSSL 3.0 sets up a provider decoder for every public key `d2i_X509` reads: about 80 µs a
/// certificate, under a process-wide lock, which is most of the work of importing a PKD-sized
/// collection (50,000 Document Signers). Filing needs names, serial, validity, key
/// identifiers and the CA flags, not the key: the structure is walked with SwiftASN1 (RFC 5280
/// §4.1), and each field is decoded by OpenSSL's own reader for it (names, INTEGER, Time,
/// AlgorithmIdentifier, BIT STRING, and the extensions OpenSSL caches, with the rules that make
/// it call a certificate invalid), so the values are those ``Certificate`` reports. Anything
/// only a full parse can decide falls back to a full ``Certificate`` parse; the fuzz target
/// `certificates` holds the two to agreeing.
public struct CertificateFields: Sendable, Hashable {
    public let derEncoded: [UInt8]
    public let subject: DistinguishedName
    public let issuer: DistinguishedName
    public let isSelfIssued: Bool
    public let serialNumberBytes: [UInt8]
    public let serialHex: String
    public let notBefore: Date
    public let notAfter: Date
    public let subjectKeyIdentifier: [UInt8]?
    public let authorityKeyIdentifier: [UInt8]?
    /// basicConstraints cA (RFC 5280 §4.2.1.9) with keyCertSign when keyUsage is present, as
    /// ``Certificate/isCA`` (OpenSSL's X509_check_ca).
    public let isCA: Bool
    /// keyUsage as OpenSSL's KU_* flags, nil when absent (as ``Certificate/keyUsageBits``).
    public let keyUsageBits: UInt32?

    public var signatureAlgorithm: SignatureAlgorithm? { SignedObjectParts(der: derEncoded)?.algorithm }
    public var fingerprintSHA256: [UInt8] { Digest.sha256(derEncoded) }
    public var description: String { "\(subject) (serial \(serialHex))" }

    public init(derEncoded der: [UInt8]) throws(OpenSSLError) {
        if let walked = Self.walk(der) {
            self = walked
        } else {
            self.init(try Certificate(derEncoded: der))
        }
    }

    public init(_ certificate: Certificate) {
        derEncoded = certificate.derEncoded
        subject = certificate.subject
        issuer = certificate.issuer
        isSelfIssued = certificate.isSelfIssued
        serialNumberBytes = certificate.serialNumberBytes
        serialHex = certificate.serialHex
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        subjectKeyIdentifier = certificate.subjectKeyIdentifier
        authorityKeyIdentifier = certificate.authorityKeyIdentifier
        isCA = certificate.isCA
        keyUsageBits = certificate.keyUsageBits
    }

    init(der: [UInt8], subject: DistinguishedName, issuer: DistinguishedName, selfIssued: Bool, serialBytes: [UInt8], serialHex: String,
         validity: (Date, Date), ski: [UInt8]?, aki: [UInt8]?, isCA: Bool, keyUsage: UInt32?) {
        derEncoded = der
        self.subject = subject
        self.issuer = issuer
        isSelfIssued = selfIssued
        serialNumberBytes = serialBytes
        self.serialHex = serialHex
        (notBefore, notAfter) = validity
        subjectKeyIdentifier = ski
        authorityKeyIdentifier = aki
        self.isCA = isCA
        keyUsageBits = keyUsage
    }

    /// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue };
    /// TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer,
    /// validity, subject, subjectPublicKeyInfo, [1] [2] unique IDs OPTIONAL, [3] extensions OPTIONAL }.
    /// Every part is decoded by OpenSSL's reader for it, except the public key's content; nil
    /// when anything is unexpected or only a full parse can decide (the caller then parses it).
    static func walk(_ der: [UInt8]) -> CertificateFields? {
        guard let root = try? BER.parse(der), root.encodedBytes.count == der.count, root.identifier == .sequence,
              case .constructed(let outer) = root.content else { return nil }
        let parts = Array(outer)
        guard parts.count == 3, parts[0].identifier == .sequence, readable(parts[1], d2i_X509_ALGOR, X509_ALGOR_free),
              parts[2].identifier == .bitString, readable(parts[2], d2i_ASN1_BIT_STRING, ASN1_BIT_STRING_free),
              case .constructed(let tbsFields) = parts[0].content else { return nil }
        var fields = Array(tbsFields)
        // OpenSSL accepts versions 1–3 only, extensions in v3 only (RFC 5280 §4.1.2.1).
        var version = 0
        if fields.first?.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            // EXPLICIT tagging: the [0] holds exactly one INTEGER.
            guard case .constructed(let wrapped) = fields[0].content, Array(wrapped).count == 1, let integer = wrapped.first(where: { _ in true }),
                  let value = try? Int(derEncoded: integer), (0...2).contains(value) else { return nil }
            version = value
            fields.removeFirst()
        }
        guard fields.count >= 6, readable(fields[1], d2i_X509_ALGOR, X509_ALGOR_free), fields[5].identifier == .sequence,
              case .constructed(let keyParts) = fields[5].content else { return nil }
        let key = Array(keyParts)
        guard key.count == 2, readable(key[0], d2i_X509_ALGOR, X509_ALGOR_free), key[1].identifier == .bitString,
              readable(key[1], d2i_ASN1_BIT_STRING, ASN1_BIT_STRING_free),
              fields[3].identifier == .sequence, case .constructed(let times) = fields[3].content else { return nil }
        let validity = Array(times)
        let extra = Array(fields.dropFirst(6))
        // Unique identifiers are left to the full parse; extensions are the last field.
        guard validity.count == 2, extra.count <= 1 else { return nil }
        var summary = mohur_extension_summary()
        if let extensions = extra.first {
            guard version == 2, extensions.identifier == ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific),
                  case .constructed(let wrapped) = extensions.content, Array(wrapped).count == 1,
                  let list = wrapped.first(where: { _ in true }) else { return nil }
            let bytes = Array(list.encodedBytes)
            guard mohur_summarize_extensions(bytes, bytes.count, &summary) == 1 else { return nil }
        } else {
            summary.ski_length = -1
            summary.aki_length = -1
        }
        let issuerDER = Array(fields[2].encodedBytes), subjectDER = Array(fields[4].encodedBytes)
        guard let issuerName = try? decodeDER(issuerDER, "reading an issuer name", { d2i_X509_NAME(nil, $0, $1) }) else { return nil }
        defer { X509_NAME_free(issuerName) }
        guard let subjectName = try? decodeDER(subjectDER, "reading a subject name", { d2i_X509_NAME(nil, $0, $1) }) else { return nil }
        defer { X509_NAME_free(subjectName) }
        guard let serial = try? decodeDER(Array(fields[0].encodedBytes), "reading a serial number", { d2i_ASN1_INTEGER(nil, $0, $1) }) else {
            return nil
        }
        defer { ASN1_INTEGER_free(serial) }
        guard let start = time(validity[0]), let end = time(validity[1]) else { return nil }
        return CertificateFields(der: der, subject: DistinguishedName(borrowing: subjectName), issuer: DistinguishedName(borrowing: issuerName),
                                 selfIssued: X509_NAME_cmp(subjectName, issuerName) == 0,
                                 serialBytes: Certificate.serialBytes(UnsafePointer(serial)), serialHex: Certificate.serialHex(UnsafePointer(serial)),
                                 validity: (start, end), extensions: summary)
    }

    /// Whether OpenSSL's decoder for that part reads `node` whole.
    private static func readable<T>(_ node: ASN1Node,
                                    _ d2i: (UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, Int) -> UnsafeMutablePointer<T>?,
                                    _ free: (UnsafeMutablePointer<T>?) -> Void) -> Bool {
        let bytes = Array(node.encodedBytes)
        var consumed = 0
        guard let value = try? decodeDER(bytes, "reading a certificate field", { cursor, length -> UnsafeMutablePointer<T>? in
            let start = cursor.pointee
            let value = d2i(nil, cursor, length)
            if let start, let end = cursor.pointee { consumed = end - start }
            return value
        }) else { return false }
        free(value)
        return consumed == bytes.count
    }

    private static func time(_ node: ASN1Node) -> Date? {
        guard let time = try? decodeDER(Array(node.encodedBytes), "reading a time", { d2i_ASN1_TIME(nil, $0, $1) }) else { return nil }
        defer { ASN1_TIME_free(time) }
        return Certificate.date(UnsafePointer(time))
    }
}

extension CertificateFields {
    fileprivate init(der: [UInt8], subject: DistinguishedName, issuer: DistinguishedName, selfIssued: Bool, serialBytes: [UInt8],
                     serialHex: String, validity: (Date, Date), extensions summary: mohur_extension_summary) {
        var copy = summary
        let ski = summary.ski_length >= 0 ? withUnsafeBytes(of: &copy.ski) { Array($0.prefix(Int(summary.ski_length))) } : nil
        let aki = summary.aki_length >= 0 ? withUnsafeBytes(of: &copy.aki) { Array($0.prefix(Int(summary.aki_length))) } : nil
        let keyUsage: UInt32? = summary.has_key_usage != 0 ? UInt32(summary.key_usage) : nil
        self.init(der: der, subject: subject, issuer: issuer, selfIssued: selfIssued, serialBytes: serialBytes, serialHex: serialHex,
                  validity: validity, ski: ski, aki: aki, isCA: summary.has_basic_constraints != 0 && summary.ca != 0
                      && (keyUsage.map { $0 & 0x04 != 0 } ?? true), keyUsage: keyUsage)
    }
}
