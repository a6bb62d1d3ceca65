import Foundation
import MohurCore
import OpenSSLKit
import SwiftASN1

/// Caller-shaped X.509 extensions with their DER codecs (RFC 5280 §4.2, Doc 9303-12 §7.1.1).
/// Each `make…` returns a `CertificateExtension` ready for `CertificateTemplate`.
public enum Extensions {
    /// KeyUsage bits (RFC 5280 §4.2.1.3), numbered as in the ASN.1 NamedBitList.
    public struct KeyUsage: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let digitalSignature = KeyUsage(rawValue: 1 << 0)
        public static let nonRepudiation = KeyUsage(rawValue: 1 << 1)
        public static let keyEncipherment = KeyUsage(rawValue: 1 << 2)
        public static let keyCertSign = KeyUsage(rawValue: 1 << 5)
        public static let cRLSign = KeyUsage(rawValue: 1 << 6)
    }

    /// basicConstraints (§4.2.1.9), always critical in Mohur's CA certificates.
    public static func basicConstraints(ca: Bool, pathLength: Int?) throws -> CertificateExtension {
        try make(OID.basicConstraints, critical: true) { s in
            try s.appendConstructedNode(identifier: .sequence) { b in
                if ca { try b.serialize(true) }
                if let pathLength { try b.serialize(pathLength) }
            }
        }
    }

    /// keyUsage (§4.2.1.3), critical as Doc 9303-12 Table 6 requires.
    public static func keyUsage(_ usage: KeyUsage) throws -> CertificateExtension {
        try make(OID.keyUsage, critical: true) { s in
            try s.serialize(namedBits(Set((0..<9).filter { usage.rawValue & (1 << $0) != 0 })))
        }
    }

    /// A named-bit-list BIT STRING with `bits` set: bit 0 is the most significant bit of the
    /// first octet, and trailing zero bits are left out (X.690 §11.2.2).
    static func namedBits(_ bits: Set<Int>) -> ASN1BitString {
        guard let highest = bits.max() else { return ASN1BitString(bytes: [], paddingBits: 0) }
        var bytes = [UInt8](repeating: 0, count: highest / 8 + 1)
        for bit in bits { bytes[bit / 8] |= 0x80 >> UInt8(bit % 8) }
        return ASN1BitString(bytes: bytes[...], paddingBits: 7 - highest % 8)
    }

    /// The set bits of a named-bit-list BIT STRING.
    static func decodeNamedBits(_ string: ASN1BitString, what: String) throws(MohurError) -> Set<Int> {
        var bits: Set<Int> = []
        for (index, byte) in string.bytes.enumerated() {
            for offset in 0..<8 where byte & (0x80 >> UInt8(offset)) != 0 { bits.insert(index * 8 + offset) }
        }
        guard bits.count <= 64 else { throw .badInput("the \(what) bit string is implausibly long") }
        return bits
    }

    /// subjectKeyIdentifier (§4.2.1.2).
    public static func subjectKeyIdentifier(_ identifier: [UInt8]) throws -> CertificateExtension {
        try make(OID.subjectKeyIdentifier, critical: false) { s in
            try s.serialize(ASN1OctetString(contentBytes: identifier[...]))
        }
    }

    /// authorityKeyIdentifier with keyIdentifier only (§4.2.1.1), as 9303-12 profiles it.
    public static func authorityKeyIdentifier(_ identifier: [UInt8]) throws -> CertificateExtension {
        try make(OID.authorityKeyIdentifier, critical: false) { s in
            s.appendConstructedNode(identifier: .sequence) { a in
                a.appendPrimitiveNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) {
                    $0.append(contentsOf: identifier)
                }
            }
        }
    }

    /// extKeyUsage (§4.2.1.12), e.g. the ICAO Master List Signer or Deviation List Signer purpose.
    public static func extendedKeyUsage(_ purposes: [ASN1ObjectIdentifier], critical: Bool) throws -> CertificateExtension {
        try make(OID.extendedKeyUsage, critical: critical) { s in
            try s.appendConstructedNode(identifier: .sequence) { e in
                for purpose in purposes { try e.serialize(purpose) }
            }
        }
    }

    /// cRLDistributionPoints with one fullName URI per point (§4.2.1.13).
    public static func crlDistributionPoints(_ uris: [String]) throws -> CertificateExtension {
        try make(OID.crlDistributionPoints, critical: false) { s in
            s.appendConstructedNode(identifier: .sequence) { points in
                for uri in uris {
                    points.appendConstructedNode(identifier: .sequence) { point in
                        point.appendConstructedNode(identifier: tag(0)) { name in
                            name.appendConstructedNode(identifier: tag(0)) { full in
                                full.appendPrimitiveNode(identifier: ASN1Identifier(tagWithNumber: 6, tagClass: .contextSpecific)) {
                                    $0.append(contentsOf: Array(uri.utf8))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// PrivateKeyUsagePeriod ::= SEQUENCE { notBefore [0] GeneralizedTime OPTIONAL,
    /// notAfter [1] GeneralizedTime OPTIONAL } (RFC 3280 §4.2.1.4; 9303-12 §7.1.1: required on
    /// CSCA and Document Signer certificates).
    public static func privateKeyUsagePeriod(notBefore: Date, notAfter: Date) throws -> CertificateExtension {
        try make(OID.privateKeyUsagePeriod, critical: false) { s in
            try s.appendConstructedNode(identifier: .sequence) { p in
                try p.serializeOptionalImplicitlyTagged(try generalizedTime(notBefore), withIdentifier: tag(0))
                try p.serializeOptionalImplicitlyTagged(try generalizedTime(notAfter), withIdentifier: tag(1))
            }
        }
    }

    /// DocumentTypeListSyntax ::= SEQUENCE { version DocumentTypeListVersion (v0),
    /// docTypeList SET OF DocumentType } where DocumentType ::= PrintableString(SIZE(1..2))
    /// (Doc 9303-12 §7.1.1.3, OID 2.23.136.1.1.6.2).
    public static func documentTypeList(_ types: [String]) throws -> CertificateExtension {
        try make(OID.documentTypeList, critical: false) { s in
            try s.appendConstructedNode(identifier: .sequence) { d in
                try d.serialize(0)
                try d.serializeSetOf(try types.map { try ASN1PrintableString($0) })
            }
        }
    }

    /// nameConstraints with permitted [0] and excluded [1] directoryName subtrees (§4.2.1.10),
    /// critical. The bridge certificate to the national PKI permits the national namespace and
    /// excludes IAMAS's own.
    public static func nameConstraints(permittedDirectoryNames: [[UInt8]], excludedDirectoryNames: [[UInt8]] = []) throws -> CertificateExtension {
        try make(OID.nameConstraints, critical: true) { s in
            s.appendConstructedNode(identifier: .sequence) { n in
                for (tagNumber, names) in [(UInt(0), permittedDirectoryNames), (1, excludedDirectoryNames)] where !names.isEmpty {
                    n.appendConstructedNode(identifier: tag(tagNumber)) { subtrees in
                        for name in names {
                            subtrees.appendConstructedNode(identifier: .sequence) { subtree in
                                subtree.appendConstructedNode(identifier: tag(4)) { $0.serializeRawBytes(name) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Reads nameConstraints into its permitted and excluded directoryName subtrees (DER Names);
    /// other name forms are returned as counts so a caller can refuse what it cannot check.
    public static func decodeNameConstraints(_ value: [UInt8]) throws -> (permitted: [[UInt8]], excluded: [[UInt8]], otherForms: Int) {
        var result: (permitted: [[UInt8]], excluded: [[UInt8]], otherForms: Int) = ([], [], 0)
        let root = try DER.parse(value)
        guard case .constructed(let parts) = root.content else { throw ASN1Error.invalidASN1Object(reason: "nameConstraints") }
        for part in parts {
            guard case .constructed(let subtrees) = part.content else { continue }
            for subtree in subtrees {
                guard case .constructed(let fields) = subtree.content, let base = fields.first(where: { _ in true }) else { continue }
                guard base.identifier == tag(4), case .constructed(let inner) = base.content, let name = inner.first(where: { _ in true }) else {
                    result.otherForms += 1
                    continue
                }
                if part.identifier == tag(0) { result.permitted.append(Array(name.encodedBytes)) } else { result.excluded.append(Array(name.encodedBytes)) }
            }
        }
        return result
    }

    /// certificatePolicies with policy OIDs only (§4.2.1.4).
    public static func certificatePolicies(_ policies: [ASN1ObjectIdentifier]) throws -> CertificateExtension {
        try make(OID.certificatePolicies, critical: false) { s in
            try s.appendConstructedNode(identifier: .sequence) { list in
                for policy in policies {
                    try list.appendConstructedNode(identifier: .sequence) { try $0.serialize(policy) }
                }
            }
        }
    }

    /// subjectAltName or issuerAltName carrying an rfc822Name (§4.2.1.6–7); 9303-12 asks CSCA
    /// and DS certificates to name a contact this way.
    public static func alternativeName(email: String, issuer: Bool) throws -> CertificateExtension {
        try make(issuer ? OID.issuerAltName : OID.subjectAltName, critical: false) { s in
            s.appendConstructedNode(identifier: .sequence) { names in
                names.appendPrimitiveNode(identifier: ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)) {
                    $0.append(contentsOf: Array(email.utf8))
                }
            }
        }
    }

    /// cRLNumber ::= INTEGER (RFC 5280 §5.2.3).
    public static func crlNumber(_ number: Int64) throws -> CertificateExtension {
        try make(OID.crlNumber, critical: false) { try $0.serialize(number) }
    }

    // MARK: decoding, for checks and `show`

    /// Reads a PrivateKeyUsagePeriod extension value.
    public static func decodePrivateKeyUsagePeriod(_ value: [UInt8]) throws -> (notBefore: Date?, notAfter: Date?) {
        let node = try DER.parse(value)
        guard case .constructed(let children) = node.content else { throw ASN1Error.invalidASN1Object(reason: "PKUP") }
        var result: (notBefore: Date?, notAfter: Date?) = (nil, nil)
        for child in children {
            let time = try GeneralizedTime(derEncoded: child, withIdentifier: child.identifier)
            let date = Date(generalizedTime: time)
            if child.identifier.tagNumber == 0 { result.notBefore = date } else { result.notAfter = date }
        }
        return result
    }

    /// Reads a DocumentTypeList extension value into its document type codes.
    public static func decodeDocumentTypeList(_ value: [UInt8]) throws -> [String] {
        let node = try DER.parse(value)
        guard case .constructed(let children) = node.content else { throw ASN1Error.invalidASN1Object(reason: "DocumentTypeList") }
        var types: [String] = []
        for child in children where child.identifier == .set {
            guard case .constructed(let members) = child.content else { continue }
            for member in members { types.append(String(try ASN1PrintableString(derEncoded: member))) }
        }
        return types
    }

    // MARK: helpers

    static func make(_ oid: ASN1ObjectIdentifier, critical: Bool,
                     _ body: (inout DER.Serializer) throws -> Void) throws -> CertificateExtension {
        var serializer = DER.Serializer()
        try body(&serializer)
        return CertificateExtension(oid: oid, critical: critical, value: serializer.serializedBytes)
    }

    static func tag(_ number: UInt) -> ASN1Identifier {
        ASN1Identifier(tagWithNumber: number, tagClass: .contextSpecific)
    }

    static func generalizedTime(_ date: Date) throws -> GeneralizedTime {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: date)
        return try GeneralizedTime(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1, hours: c.hour ?? 0,
                                   minutes: c.minute ?? 0, seconds: c.second ?? 0, fractionalSeconds: 0)
    }
}

extension Date {
    init(generalizedTime t: GeneralizedTime) {
        var c = DateComponents()
        c.year = t.year; c.month = t.month; c.day = t.day
        c.hour = t.hours; c.minute = t.minutes; c.second = t.seconds
        c.timeZone = TimeZone(identifier: "UTC")
        self = Calendar(identifier: .gregorian).date(from: c) ?? Date(timeIntervalSince1970: 0)
    }
}
