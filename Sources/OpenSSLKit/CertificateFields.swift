import Foundation
internal import COpenSSL
import SwiftASN1

/// What a certificate says about itself, for filing it, read without decoding its public key.
///
/// OpenSSL 3.0 sets up a provider decoder for every public key `d2i_X509` reads: about 80 µs a
/// certificate, under a process-wide lock, which is most of the work of importing a PKD-sized
/// collection (50,000 Document Signers). Filing needs names, serial, validity, key
/// identifiers and the CA flags, not the key: the structure is walked with SwiftASN1 (RFC 5280
/// §4.1), and each field is decoded by OpenSSL's own readers for that field (names, INTEGER,
/// Time), so the values are those ``Certificate`` reports. Anything that does not walk falls
/// back to a full ``Certificate`` parse.
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

    private init(der: [UInt8], subject: DistinguishedName, issuer: DistinguishedName, selfIssued: Bool, serialBytes: [UInt8], serialHex: String,
                 validity: (Date, Date), extensions: Extensions) {
        derEncoded = der
        self.subject = subject
        self.issuer = issuer
        isSelfIssued = selfIssued
        serialNumberBytes = serialBytes
        self.serialHex = serialHex
        (notBefore, notAfter) = validity
        subjectKeyIdentifier = extensions.ski
        authorityKeyIdentifier = extensions.aki
        isCA = extensions.ca && (extensions.keyUsage.map { $0 & 0x04 != 0 } ?? true)
        keyUsageBits = extensions.keyUsage
    }

    /// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue };
    /// TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer,
    /// validity, subject, subjectPublicKeyInfo, [1] [2] unique IDs OPTIONAL, [3] extensions OPTIONAL }.
    /// Nil when anything is unexpected (the caller then parses the whole certificate).
    static func walk(_ der: [UInt8]) -> CertificateFields? {
        guard let root = try? BER.parse(der), root.encodedBytes.count == der.count, root.identifier == .sequence,
              case .constructed(let outer) = root.content else { return nil }
        let parts = Array(outer)
        guard parts.count == 3, parts[0].identifier == .sequence, parts[1].identifier == .sequence, parts[2].identifier == .bitString,
              case .constructed(let tbsFields) = parts[0].content else { return nil }
        var fields = Array(tbsFields)
        if fields.first?.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) { fields.removeFirst() }
        // What OpenSSL's template requires of the parts not read here: the signature
        // AlgorithmIdentifier and SubjectPublicKeyInfo ::= SEQUENCE { algorithm, BIT STRING }.
        guard fields.count >= 6, fields[1].identifier == .sequence, fields[5].identifier == .sequence,
              case .constructed(let keyParts) = fields[5].content else { return nil }
        let key = Array(keyParts)
        guard key.count == 2, key[0].identifier == .sequence, key[1].identifier == .bitString,
              case .constructed(let times) = fields[3].content else { return nil }
        let validity = Array(times)
        guard validity.count == 2 else { return nil }
        let extensions = fields.dropFirst(6).first { $0.identifier == ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific) }
        guard let parsed = Extensions(extensions) else { return nil }
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
                                 validity: (start, end), extensions: parsed)
    }

    private static func time(_ node: ASN1Node) -> Date? {
        guard let time = try? decodeDER(Array(node.encodedBytes), "reading a time", { d2i_ASN1_TIME(nil, $0, $1) }) else { return nil }
        defer { ASN1_TIME_free(time) }
        return Certificate.date(UnsafePointer(time))
    }

    /// The extensions filing needs (RFC 5280 §4.2.1.1, .2, .3, .9). A repeated one makes
    /// OpenSSL distrust them all, so it sends the certificate to the full parse too.
    private struct Extensions {
        var ski: [UInt8]?
        var aki: [UInt8]?
        var ca = false
        var keyUsage: UInt32?

        init?(_ node: ASN1Node?) {
            guard let node else { return }
            guard case .constructed(let wrapped) = node.content, let list = wrapped.first(where: { _ in true }),
                  case .constructed(let items) = list.content else { return nil }
            var seen = Set<ASN1ObjectIdentifier>()
            for item in items {
                guard case .constructed(let parts) = item.content else { return nil }
                let elements = Array(parts)
                guard let oid = try? ASN1ObjectIdentifier(berEncoded: elements[0]), seen.insert(oid).inserted,
                      let value = elements.last, case .primitive(let bytes) = value.content,
                      let inner = try? BER.parse(Array(bytes)) else { return nil }
                switch oid {
                case [2, 5, 29, 14]:
                    guard case .primitive(let identifier) = inner.content, inner.identifier == .octetString else { return nil }
                    ski = Array(identifier)
                case [2, 5, 29, 35]:
                    guard case .constructed(let choices) = inner.content else { return nil }
                    for choice in choices where choice.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                        guard case .primitive(let identifier) = choice.content else { return nil }
                        aki = Array(identifier)
                    }
                case [2, 5, 29, 19]:
                    guard case .constructed(let constraints) = inner.content else { return nil }
                    if let first = constraints.first(where: { _ in true }), first.identifier == .boolean {
                        guard let flag = try? Bool(berEncoded: first) else { return nil }
                        ca = flag
                    }
                case [2, 5, 29, 15]:
                    guard let bits = try? ASN1BitString(berEncoded: inner) else { return nil }
                    let octets = Array(bits.bytes)
                    keyUsage = UInt32(octets.first ?? 0) | (octets.count > 1 ? UInt32(octets[1]) << 8 : 0)
                default: break
                }
            }
        }
    }
}
