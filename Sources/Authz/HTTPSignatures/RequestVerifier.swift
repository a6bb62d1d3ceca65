import Foundation
import MohurCore
import OpenSSLKit
internal import RawStructuredFieldValues

/// Where nonces of accepted signatures are remembered for as long as their signatures could be
/// replayed: shared by every worker of the process and kept across a restart.
public protocol NonceStore: Sendable {
    /// Remembers `nonce` of `keyID` until `until`; false when it was already remembered.
    func claim(keyID: String, nonce: String, until: Date) throws -> Bool
}

/// A request whose signature verified: who signed it, with which certificate, and the
/// signature itself (a response signature covers it through `;req`).
public struct VerifiedRequest: Sendable {
    public let certificate: Certificate
    /// Intermediates the caller sent in Client-Cert-Chain (RFC 9440 §2.3).
    public let chain: [Certificate]
    public let signature: HTTPSignature
    public var keyID: String { signature.keyID ?? "" }
}

/// Verifies RFC 9421 request signatures under Mohur's policy:
/// - covered: `@method`; `@target-uri` (or `@authority`, `@path` and `@query`); with content,
///   `content-type` and `content-digest` (RFC 9530), the digest recomputed over the bytes received;
/// - `created` within the allowed clock skew, `expires` at most the window after it and not
///   past; a `nonce`, remembered until `expires` so that a replay is refused;
/// - `keyid` the lower-case hex SHA-256 of the caller's certificate: one Mohur issued, or the
///   one sent in `Client-Cert` (RFC 9440); the algorithm follows from its key, and `alg` may
///   only confirm it (RFC 9421 §3.3.7).
/// Who may do what is then the decision point's business.
public struct RequestVerifier: Sendable {
    public struct Policy: Sendable {
        public var clockSkew: TimeInterval
        public var window: TimeInterval
        public init(clockSkew: TimeInterval = 30, window: TimeInterval = 60) {
            self.clockSkew = clockSkew
            self.window = window
        }
    }

    public let policy: Policy
    let nonces: any NonceStore
    let knownCertificate: @Sendable (String) throws -> Certificate?

    /// `knownCertificate` finds a certificate Mohur issued by its SHA-256 fingerprint.
    public init(policy: Policy = Policy(), nonces: any NonceStore, knownCertificate: @escaping @Sendable (String) throws -> Certificate?) {
        self.policy = policy
        self.nonces = nonces
        self.knownCertificate = knownCertificate
    }

    public func verify(_ message: HTTPMessageParts, body: [UInt8], now: Date) throws -> VerifiedRequest {
        guard let input = message.combinedValue(of: "signature-input"), let value = message.combinedValue(of: "signature") else {
            throw MohurError.unauthenticated("the request is not signed (no Signature-Input and Signature fields)",
                                             hint: "sign it per RFC 9421; `mohur request send` shows how")
        }
        let signatures = try HTTPSignature.parse(signatureInput: input, signature: value)
        guard signatures.count == 1, let signature = signatures.first else {
            throw MohurError.unauthenticated("the request carries \(signatures.count) signatures; Mohur verifies exactly one")
        }
        try checkCoverage(signature, message: message, body: body)
        try checkTime(signature, now: now)
        guard let nonce = signature.nonce, (8...128).contains(nonce.utf8.count) else {
            throw MohurError.unauthenticated("Signature-Input parameter 'nonce' is missing or not 8–128 characters")
        }
        guard let keyID = signature.keyID, keyID.utf8.count == 64,
              keyID.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw MohurError.unauthenticated("Signature-Input parameter 'keyid' must be the lower-case hex SHA-256 of the caller's certificate")
        }
        let (certificate, chain) = try certificate(keyID: keyID, message: message)
        let key = try certificate.publicKey()
        guard let algorithm = HTTPSignatureAlgorithm(key: key) else {
            throw MohurError.unauthenticated("the key of \(certificate.subject) has no RFC 9421 algorithm Mohur accepts",
                                             hint: "use P-256, P-384 or RSA keys")
        }
        if let alg = signature.algorithm, alg != algorithm.rawValue {
            throw MohurError.unauthenticated("Signature-Input parameter 'alg' is \(alg), but the key signs \(algorithm.rawValue)")
        }
        guard algorithm.verify(signature.signature, base: try signature.base(for: message), key: key) else {
            throw MohurError.unauthenticated("the signature '\(signature.label)' does not verify with the key of \(certificate.subject)")
        }
        guard try nonces.claim(keyID: keyID, nonce: nonce, until: Date(timeIntervalSince1970: TimeInterval(signature.expires ?? 0))) else {
            throw MohurError.unauthenticated("replay: nonce '\(nonce)' of this key was already used")
        }
        return VerifiedRequest(certificate: certificate, chain: chain, signature: signature)
    }

    private func checkCoverage(_ signature: HTTPSignature, message: HTTPMessageParts, body: [UInt8]) throws {
        let covered = Set(signature.components.filter { !$0.fromRequest && $0.dictionaryKey == nil }.map(\.name))
        var missing: [String] = []
        if !covered.contains("@method") { missing.append("@method") }
        if !covered.contains("@target-uri"), !covered.isSuperset(of: ["@authority", "@path", "@query"]) {
            missing.append("@target-uri (or @authority, @path and @query)")
        }
        let hasContent = !body.isEmpty || message.combinedValue(of: "content-type") != nil
        if hasContent {
            for field in ["content-type", "content-digest"] where !covered.contains(field) { missing.append(field) }
        }
        guard missing.isEmpty else {
            throw MohurError.unauthenticated("the signature does not cover \(missing.joined(separator: ", "))")
        }
        if hasContent {
            guard let digest = message.combinedValue(of: "content-digest") else {
                throw MohurError.unauthenticated("the request has content but no Content-Digest field")
            }
            try ContentDigest.verify(digest, body: body)
        }
    }

    private func checkTime(_ signature: HTTPSignature, now: Date) throws {
        guard let created = signature.created else { throw MohurError.unauthenticated("Signature-Input parameter 'created' is missing") }
        guard let expires = signature.expires else { throw MohurError.unauthenticated("Signature-Input parameter 'expires' is missing") }
        let clock = now.timeIntervalSince1970
        guard abs(TimeInterval(created) - clock) <= policy.clockSkew else {
            throw MohurError.unauthenticated("Signature-Input parameter 'created' (\(created)) is more than \(Int(policy.clockSkew)) s from the server's clock (\(Int(clock)))")
        }
        guard expires > created, TimeInterval(expires - created) <= policy.window else {
            throw MohurError.unauthenticated("Signature-Input parameter 'expires' must be after 'created' and at most \(Int(policy.window)) s later")
        }
        guard TimeInterval(expires) >= clock else {
            throw MohurError.unauthenticated("the signature expired at \(expires) (now \(Int(clock)))")
        }
    }

    /// The certificate `keyID` names: sent in Client-Cert (its fingerprint must be the keyid),
    /// or one Mohur issued.
    private func certificate(keyID: String, message: HTTPMessageParts) throws -> (Certificate, [Certificate]) {
        if let field = message.combinedValue(of: "client-cert") {
            let certificate = try Self.certificates(in: field, name: "Client-Cert", list: false)[0]
            guard Digest.hex(certificate.fingerprintSHA256) == keyID else {
                throw MohurError.unauthenticated("Client-Cert is not the certificate the keyid names")
            }
            let chain = try message.combinedValue(of: "client-cert-chain").map { try Self.certificates(in: $0, name: "Client-Cert-Chain", list: true) } ?? []
            return (certificate, chain)
        }
        guard let certificate = try knownCertificate(keyID) else {
            throw MohurError.unauthenticated("keyid \(keyID) names no certificate Mohur issued, and no Client-Cert was sent")
        }
        return (certificate, [])
    }

    /// RFC 9440 §2.2–2.3: a certificate as a byte-sequence item, or a list of them.
    static func certificates(in field: String, name: String, list: Bool) throws -> [Certificate] {
        do {
            var parser = StructuredFieldValueParser(Array(field.utf8))
            let items: [ItemOrInnerList] = list ? try parser.parseListFieldValue() : [.item(try parser.parseItemFieldValue())]
            return try items.map { member in
                guard case .item(let item) = member, case .undecodedByteSequence(let base64) = item.rfc9651BareItem,
                      let der = Data(base64Encoded: base64) else {
                    throw MohurError.unauthenticated("\(name) must hold DER certificates as byte sequences (RFC 9440)")
                }
                return try Certificate(derEncoded: Array(der))
            }
        } catch let error as MohurError {
            throw error
        } catch {
            throw MohurError.unauthenticated("\(name) is not readable: \(error)")
        }
    }
}
