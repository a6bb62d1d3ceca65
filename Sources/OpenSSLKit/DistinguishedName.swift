internal import COpenSSL
import SwiftASN1

/// An X.501 distinguished name as an ordered list of single-valued RDNs (RFC 5280 §4.1.2.4).
/// Order is kept as written: ICAO names are compared by their encoding in the certificate,
/// and real states use both C-first and CN-first orders.
public struct DistinguishedName: Sendable, Hashable, Codable, CustomStringConvertible {
    public struct Attribute: Sendable, Hashable, Codable {
        /// Short name as OpenSSL knows it ("C", "O", "OU", "CN", "serialNumber", …) or a dotted OID.
        public var type: String
        public var value: String
        public init(_ type: String, _ value: String) {
            self.type = type
            self.value = value
        }
    }

    public var attributes: [Attribute]

    public init(_ attributes: [Attribute]) { self.attributes = attributes }

    /// Parses "C=AZ, O=IAMAS, CN=IAMAS Central Root CA" (also '/'-separated). Values may not
    /// contain ',' or '/': certificate profiles in Mohur never need them.
    public init(parsing text: String) throws(OpenSSLError) {
        let separators: Set<Character> = text.hasPrefix("/") ? ["/"] : [","]
        var result: [Attribute] = []
        for part in text.split(whereSeparator: { separators.contains($0) }) {
            let pieces = part.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2 else {
                throw OpenSSLError("parsing distinguished name '\(text)'", stack: ["'\(part)' is not TYPE=VALUE"])
            }
            let type = pieces[0].trimmingCharacters(in: .whitespaces)
            guard OBJ_txt2nid(type) != NID_undef else {
                throw OpenSSLError("parsing distinguished name '\(text)'", stack: ["unknown attribute type '\(type)'"])
            }
            result.append(Attribute(type, pieces[1].trimmingCharacters(in: .whitespaces)))
        }
        guard !result.isEmpty else { throw OpenSSLError("parsing distinguished name '\(text)'", stack: ["it is empty"]) }
        self.attributes = result
    }

    /// The first value of `type` (e.g. "CN", "C").
    public func value(of type: String) -> String? {
        attributes.first { $0.type.caseInsensitiveCompare(type) == .orderedSame }?.value
    }

    /// "C=AZ, O=IAMAS, CN=…" in encoding order.
    public var description: String {
        attributes.map { "\($0.type)=\($0.value)" }.joined(separator: ", ")
    }

    /// Builds an owned `X509_NAME`. countryName and serialNumber are PrintableString (RFC 5280
    /// Appendix A, Doc 9303-12 §7.1.1); other attributes UTF8String.
    func makeX509Name() throws(OpenSSLError) -> OpaquePointer {
        let name = try unwrap(X509_NAME_new(), "allocating an X509_NAME")
        for attribute in attributes {
            let bytes = Array(attribute.value.utf8)
            let nid = OBJ_txt2nid(attribute.type)
            let printable = nid == NID_countryName || nid == NID_serialNumber
            let rc = bytes.withUnsafeBufferPointer { buffer in
                X509_NAME_add_entry_by_txt(name, attribute.type, printable ? V_ASN1_PRINTABLESTRING : MBSTRING_UTF8,
                                           buffer.baseAddress, Int32(buffer.count), -1, 0)
            }
            if rc != 1 {
                X509_NAME_free(name)
                throw .drain("adding \(attribute.type)=\(attribute.value) to a name")
            }
        }
        return name
    }

    /// Reads an `X509_NAME` that OpenSSL owns.
    init(borrowing name: OpaquePointer) {
        var result: [Attribute] = []
        for index in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, index) else { continue }
            let object = X509_NAME_ENTRY_get_object(entry)
            let nid = OBJ_obj2nid(object)
            let type: String
            if nid != NID_undef, let short = OBJ_nid2sn(nid) {
                type = String(cString: short)
            } else {
                var buffer = [CChar](repeating: 0, count: 128)
                let n = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
                type = String(decoding: buffer.prefix(Int(max(0, n))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            var utf8: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry))
            var value = ""
            if length >= 0, let utf8 {
                value = String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
                CRYPTO_free(utf8, #fileID, #line)
            }
            result.append(Attribute(type, value))
        }
        self.attributes = result
    }

    /// Reads a DER `Name` (RFC 5280 §4.1.2.4), e.g. the issuer of a CMS IssuerAndSerialNumber.
    public init(derEncoded der: [UInt8]) throws(OpenSSLError) {
        let name = try decodeDER(der, "parsing a DER distinguished name") { p, n in d2i_X509_NAME(nil, p, n) }
        defer { X509_NAME_free(name) }
        self.init(borrowing: name)
    }

    /// DER encoding of the Name.
    public func derEncoded() throws(OpenSSLError) -> [UInt8] {
        let name = try makeX509Name()
        defer { X509_NAME_free(name) }
        return try encodeDER("encoding a distinguished name") { i2d_X509_NAME(name, $0) }
    }
}
