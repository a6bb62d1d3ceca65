import Foundation
internal import COpenSSL
internal import COpenSSLShims
import SwiftASN1

/// An X.509 v2 CRL (RFC 5280 §5), owned by one `X509_CRL`.
public final class CRL: @unchecked Sendable {
    let crl: OpaquePointer
    public let derEncoded: [UInt8]

    deinit { X509_CRL_free(crl) }

    public init(derEncoded der: [UInt8]) throws(OpenSSLError) {
        self.crl = try decodeDER(der, "parsing a DER CRL") { p, n in d2i_X509_CRL(nil, p, n) }
        self.derEncoded = der
    }

    /// DER or PEM ("X509 CRL").
    public convenience init(pemOrDER bytes: [UInt8]) throws(OpenSSLError) {
        if bytes.first == 0x30 {
            try self.init(derEncoded: bytes)
            return
        }
        let parsed = try withReadBIO(bytes, "reading a PEM CRL") { bio throws(OpenSSLError) in
            try unwrap(PEM_read_bio_X509_CRL(bio, nil, nil, nil), "reading a PEM CRL")
        }
        defer { X509_CRL_free(parsed) }
        try self.init(derEncoded: try encodeDER("re-encoding a PEM CRL") { i2d_X509_CRL(parsed, $0) })
    }

    public var issuer: DistinguishedName { DistinguishedName(borrowing: X509_CRL_get_issuer(crl)) }
    public var thisUpdate: Date { Certificate.date(X509_CRL_get0_lastUpdate(crl)) }
    public var nextUpdate: Date? {
        guard let next = X509_CRL_get0_nextUpdate(crl) else { return nil }
        return Certificate.date(next)
    }

    /// cRLNumber (RFC 5280 §5.2.3) when present and small enough for Int64.
    public var crlNumber: Int64? {
        var critical: Int32 = 0
        guard let raw = X509_CRL_get_ext_d2i(crl, NID_crl_number, &critical, nil) else { return nil }
        let integer = raw.assumingMemoryBound(to: ASN1_INTEGER.self)
        defer { ASN1_INTEGER_free(integer) }
        var value: Int64 = 0
        return ASN1_INTEGER_get_int64(&value, integer) == 1 ? value : nil
    }

    /// authorityKeyIdentifier keyIdentifier (RFC 5280 §5.2.1).
    public var authorityKeyIdentifier: [UInt8]? {
        guard let raw = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, nil, nil) else { return nil }
        let aki = raw.assumingMemoryBound(to: AUTHORITY_KEYID.self)
        defer { AUTHORITY_KEYID_free(aki) }
        return Certificate.bytes(UnsafePointer(aki.pointee.keyid))
    }

    /// One revoked certificate entry.
    public struct Entry: Sendable, Hashable {
        public let serialHex: String
        public let revocationDate: Date
        /// CRLReason code (RFC 5280 §5.3.1) when the entry carries one.
        public let reasonCode: Int?
    }

    public var revokedEntries: [Entry] {
        guard let stack = X509_CRL_get_REVOKED(crl) else { return [] }
        var entries: [Entry] = []
        for index in 0..<mohur_sk_X509_REVOKED_num(stack) {
            guard let revoked = mohur_sk_X509_REVOKED_value(stack, index) else { continue }
            let serial = X509_REVOKED_get0_serialNumber(revoked)
            let hex = Certificate.bytes(serial).map(Digest.hex) ?? ""
            var reason: Int?
            if let raw = X509_REVOKED_get_ext_d2i(revoked, NID_crl_reason, nil, nil) {
                let enumerated = raw.assumingMemoryBound(to: ASN1_ENUMERATED.self)
                reason = Int(ASN1_ENUMERATED_get(enumerated))
                ASN1_ENUMERATED_free(enumerated)
            }
            entries.append(Entry(serialHex: hex, revocationDate: Certificate.date(X509_REVOKED_get0_revocationDate(revoked)),
                                 reasonCode: reason))
        }
        return entries
    }

    /// Checks the CRL's signature with `key` (explicit EC parameters accepted).
    public func isSignatureValid(issuerKey key: PublicKey) -> Bool {
        let ok = X509_CRL_verify(crl, key.pkey) == 1
        drainErrorQueue()
        return ok
    }

    public func pem() throws(OpenSSLError) -> String {
        String(decoding: try withMemoryBIO("writing a PEM CRL") { PEM_write_bio_X509_CRL($0, crl) }, as: UTF8.self)
    }

    public func text() throws(OpenSSLError) -> String {
        String(decoding: try withMemoryBIO("printing a CRL") { X509_CRL_print_ex($0, crl, 0) }, as: UTF8.self)
    }
}

/// A PKCS#10 certification request (RFC 2986).
public final class CertificationRequest: @unchecked Sendable {
    let request: OpaquePointer
    public let derEncoded: [UInt8]

    deinit { X509_REQ_free(request) }

    public init(pemOrDER bytes: [UInt8]) throws(OpenSSLError) {
        if bytes.first == 0x30 {
            request = try decodeDER(bytes, "parsing a DER certification request") { p, n in d2i_X509_REQ(nil, p, n) }
        } else {
            request = try withReadBIO(bytes, "reading a PEM certification request") { bio throws(OpenSSLError) in
                try unwrap(PEM_read_bio_X509_REQ(bio, nil, nil, nil), "reading a PEM certification request")
            }
        }
        let req = request
        derEncoded = try encodeDER("encoding a certification request") { i2d_X509_REQ(req, $0) }
    }

    public var subject: DistinguishedName { DistinguishedName(borrowing: X509_REQ_get_subject_name(request)) }

    public func publicKey() throws(OpenSSLError) -> PublicKey {
        PublicKey(takingOwnership: try unwrap(X509_REQ_get_pubkey(request), "reading the request's public key"))
    }

    /// Proof of possession: the request is signed by the key it certifies (RFC 2986 §3).
    public var isSelfSignatureValid: Bool {
        guard let key = try? publicKey() else { return false }
        let ok = X509_REQ_verify(request, key.pkey) == 1
        drainErrorQueue()
        return ok
    }
}
