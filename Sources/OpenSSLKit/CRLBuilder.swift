import Foundation
import SwiftASN1

/// One revoked certificate for a CRL under construction.
public struct RevokedCertificate: Sendable, Hashable {
    /// Positive big-endian serial.
    public var serialNumber: [UInt8]
    public var revocationDate: Date
    /// CRLReason code (RFC 5280 §5.3.1), or nil to omit the entry extension (Doc 9303-12
    /// §7.1.3: CSCA CRLs carry no reason codes).
    public var reasonCode: Int?
    public init(serialNumber: [UInt8], revocationDate: Date, reasonCode: Int?) {
        self.serialNumber = serialNumber
        self.revocationDate = revocationDate
        self.reasonCode = reasonCode
    }
}

/// Builds v2 CRLs whose signature is made outside OpenSSL (HSM keys).
///
/// OpenSSL offers no way to set a CRL's TBSCertList signature algorithm without holding the
/// private key, so the TBSCertList is encoded here per RFC 5280 §5.1.2 and the signed result is
/// handed to OpenSSL to parse, which checks its structure before anyone sees it.
public enum CRLBuilder {
    public static func build(issuerName: [UInt8], thisUpdate: Date, nextUpdate: Date,
                             revoked: [RevokedCertificate], extensions: [CertificateExtension],
                             scheme: SignatureScheme, sign: ([UInt8]) throws -> [UInt8]) throws -> CRL {
        let algorithm = scheme.algorithmIdentifierDER
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { tbs in
            try tbs.serialize(1)  // v2
            tbs.serializeRawBytes(algorithm)
            tbs.serializeRawBytes(issuerName)
            try serializeTime(thisUpdate, into: &tbs)
            try serializeTime(nextUpdate, into: &tbs)
            if !revoked.isEmpty {
                try tbs.appendConstructedNode(identifier: .sequence) { list in
                    for entry in revoked {
                        try list.appendConstructedNode(identifier: .sequence) { e in
                            try e.serialize(ArraySlice(unsignedInteger: entry.serialNumber))
                            try serializeTime(entry.revocationDate, into: &e)
                            if let reason = entry.reasonCode {
                                let value = try reasonValue(reason)
                                try e.appendConstructedNode(identifier: .sequence) { exts in
                                    try CertificateExtension(oid: [2, 5, 29, 21], critical: false, value: value).serialize(into: &exts)
                                }
                            }
                        }
                    }
                }
            }
            if !extensions.isEmpty {
                try tbs.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { wrapper in
                    try wrapper.appendConstructedNode(identifier: .sequence) { exts in
                        for ext in extensions { try ext.serialize(into: &exts) }
                    }
                }
            }
        }
        let tbs = serializer.serializedBytes
        let der = try CertificateBuilder.assembleSigned(tbs: tbs, algorithm: algorithm, signature: try sign(tbs))
        return try CRL(derEncoded: der)
    }

    /// CRLReason ::= ENUMERATED (RFC 5280 §5.3.1).
    private static func reasonValue(_ code: Int) throws -> [UInt8] {
        guard (0...10).contains(code), code != 7 else {
            throw OpenSSLError("building a CRL", stack: ["\(code) is not a CRLReason code"])
        }
        return [0x0a, 0x01, UInt8(code)]
    }

    /// Time ::= UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §5.1.2.4).
    static func serializeTime(_ date: Date, into serializer: inout DER.Serializer) throws {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: date)
        guard let year = c.year, let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute,
              let second = c.second else { throw OpenSSLError("encoding a time", stack: ["\(date) has no calendar form"]) }
        if year < 2050 {
            try serializer.serialize(try UTCTime(year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second))
        } else {
            try serializer.serialize(try GeneralizedTime(year: year, month: month, day: day, hours: hour, minutes: minute,
                                                         seconds: second, fractionalSeconds: 0))
        }
    }
}

extension CertificateExtension {
    /// Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }.
    func serialize(into serializer: inout DER.Serializer) throws {
        try serializer.appendConstructedNode(identifier: .sequence) { s in
            try s.serialize(oid)
            if critical { try s.serialize(true) }
            try s.serialize(ASN1OctetString(contentBytes: value[...]))
        }
    }
}
