import Foundation
import MohurCore
import OpenSSLKit

/// Signs HTTP messages per RFC 9421 with a key Mohur can use (HSM or file), naming it by the
/// SHA-256 of its certificate.
public struct MessageSigner: Sendable {
    public let signer: any Signer
    public let certificate: Certificate
    public let algorithm: HTTPSignatureAlgorithm
    public let keyID: String

    public init(signer: any Signer, certificate: Certificate) throws {
        guard try certificate.publicKey() == signer.publicKey else {
            throw MohurError.badInput("the signing key is not the key of \(certificate.subject)")
        }
        guard let algorithm = HTTPSignatureAlgorithm(key: signer.publicKey) else {
            throw MohurError.badInput("the key of \(certificate.subject) has no RFC 9421 algorithm (use P-256, P-384 or RSA)")
        }
        self.signer = signer
        self.certificate = certificate
        self.algorithm = algorithm
        self.keyID = Digest.hex(certificate.fingerprintSHA256)
    }

    /// The fields to add to a request: Content-Digest when there is content, Signature-Input
    /// and Signature covering what Mohur's verifier asks for, valid for `window` seconds.
    public func signRequest(_ message: HTTPMessageParts, body: [UInt8], now: Date, window: Int64 = 60,
                            label: String = "mohur") throws -> [(name: String, value: String)] {
        var message = message
        var added: [(name: String, value: String)] = []
        var components = [CoveredComponent("@method"), CoveredComponent("@target-uri")]
        if !body.isEmpty || message.combinedValue(of: "content-type") != nil {
            if message.combinedValue(of: "content-digest") == nil {
                added.append(("Content-Digest", ContentDigest.field(for: body)))
                message.fields.append(added[0])
            }
            components += [CoveredComponent("content-type"), CoveredComponent("content-digest")]
        }
        let created = Int64(now.timeIntervalSince1970)
        var signature = HTTPSignature(label: label, components: components, created: created, expires: created + window,
                                      nonce: Digest.hex(try randomBytes(16)), keyID: keyID, algorithm: algorithm.rawValue)
        signature.signature = try algorithm.sign(try signature.base(for: message), with: signer)
        let fields = try signature.fields
        return added + [("Signature-Input", fields.signatureInput), ("Signature", fields.signature)]
    }

    /// The fields to add to a response so that the caller can prove what Mohur answered: the
    /// signature covers `@status`, `content-digest` and the request's own signature (`;req`).
    public func signResponse(status: Int, fields: [(name: String, value: String)], body: [UInt8], request: HTTPMessageParts,
                             requestSignature: HTTPSignature, now: Date, label: String = "mohur") throws -> [(name: String, value: String)] {
        let digest = ContentDigest.field(for: body)
        let message = HTTPMessageParts(kind: .response(status: status), fields: fields + [("Content-Digest", digest)])
        var signature = HTTPSignature(
            label: label,
            components: [CoveredComponent("@status"), CoveredComponent("content-digest"),
                         CoveredComponent("signature", fromRequest: true, dictionaryKey: requestSignature.label)],
            created: Int64(now.timeIntervalSince1970), expires: nil, nonce: nil, keyID: keyID, algorithm: algorithm.rawValue)
        signature.signature = try algorithm.sign(try signature.base(for: message, request: request, requestSignature: requestSignature),
                                                 with: signer)
        let signed = try signature.fields
        return [("Content-Digest", digest), ("Signature-Input", signed.signatureInput), ("Signature", signed.signature)]
    }
}
