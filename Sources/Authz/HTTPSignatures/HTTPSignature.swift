import Foundation
import MohurCore
import OpenSSLKit
internal import RawStructuredFieldValues

/// The RFC 9421 §3.3 algorithms Mohur speaks. The algorithm always follows from the key
/// (§3.3.7): a request's `alg` parameter may only confirm it.
public enum HTTPSignatureAlgorithm: String, Sendable, CaseIterable {
    case ecdsaP256SHA256 = "ecdsa-p256-sha256"
    case ecdsaP384SHA384 = "ecdsa-p384-sha384"
    case rsaPSSSHA512 = "rsa-pss-sha512"

    /// The algorithm a key signs with, or nil for keys RFC 9421 has no algorithm for here.
    public init?(key: PublicKey) {
        switch key.keySpec {
        case .ec(.p256): self = .ecdsaP256SHA256
        case .ec(.p384): self = .ecdsaP384SHA384
        case .rsa: self = .rsaPSSSHA512
        default: return nil
        }
    }

    var scheme: SignatureScheme {
        switch self {
        case .ecdsaP256SHA256: .ecdsa(.sha256)
        case .ecdsaP384SHA384: .ecdsa(.sha384)
        case .rsaPSSSHA512: .rsaPSS(.sha512)
        }
    }

    /// Octets of r and of s in the fixed-width r‖s form of §3.3.4–5.
    var ecdsaHalf: Int? {
        switch self {
        case .ecdsaP256SHA256: 32
        case .ecdsaP384SHA384: 48
        case .rsaPSSSHA512: nil
        }
    }

    /// Verifies an RFC 9421 signature value (ECDSA as r‖s).
    public func verify(_ signature: [UInt8], base: [UInt8], key: PublicKey) -> Bool {
        guard let half = ecdsaHalf else { return key.verify(signature: signature, message: base, scheme: scheme) }
        guard signature.count == 2 * half, let der = try? ECDSASignature.der(fromRaw: signature) else { return false }
        return key.verify(signature: der, message: base, scheme: scheme)
    }

    /// Signs `base` with `signer`, returning the RFC 9421 signature value.
    public func sign(_ base: [UInt8], with signer: any Signer) throws -> [UInt8] {
        guard let half = ecdsaHalf else { return try signer.sign(base, scheme: scheme) }
        return try signer.signFixedWidthECDSA(base, digest: scheme.digest, half: half)
    }
}

/// One signature of a message: its label, covered components and parameters (RFC 9421 §2.3)
/// as the Signature-Input field states them, and the signature bytes from the Signature field.
public struct HTTPSignature: Sendable {
    public var label: String
    public var components: [CoveredComponent]
    public var created: Int64?
    public var expires: Int64?
    public var nonce: String?
    public var keyID: String?
    public var algorithm: String?
    public var tag: String?
    public var signature: [UInt8]
    /// The order the signer wrote the parameters in: `@signature-params` must reproduce it
    /// exactly (RFC 9421 §2.3), and signers differ.
    var parameterOrder = ["created", "expires", "nonce", "keyid", "alg", "tag"]
    /// Whether the Signature field's member for this label is a bare byte sequence (no
    /// parameters), as Mohur writes it: then its serialised value is `:base64:` (RFC 9651
    /// §4.1.8), which a response's `"signature";req;key=…` component can use without parsing
    /// the field again.
    var bareSignatureMember = true

    public init(label: String, components: [CoveredComponent], created: Int64?, expires: Int64?, nonce: String?, keyID: String?,
                algorithm: String?, tag: String? = nil, signature: [UInt8] = []) {
        self.label = label
        self.components = components
        self.created = created
        self.expires = expires
        self.nonce = nonce
        self.keyID = keyID
        self.algorithm = algorithm
        self.tag = tag
        self.signature = signature
    }

    /// Every signature of a message, from its Signature-Input and Signature fields. A label in
    /// one field and not the other, a malformed field or parameter is an error naming it.
    public static func parse(signatureInput: String, signature: String) throws(MohurError) -> [HTTPSignature] {
        let inputs: OrderedMap<String, ItemOrInnerList>
        let values: OrderedMap<String, ItemOrInnerList>
        do {
            var parser = StructuredFieldValueParser(Array(signatureInput.utf8))
            inputs = try parser.parseDictionaryFieldValue()
        } catch {
            throw .unauthenticated("Signature-Input is not a structured dictionary: \(error)")
        }
        do {
            var parser = StructuredFieldValueParser(Array(signature.utf8))
            values = try parser.parseDictionaryFieldValue()
        } catch {
            throw .unauthenticated("Signature is not a structured dictionary: \(error)")
        }
        var result: [HTTPSignature] = []
        for (label, member) in inputs {
            guard case .innerList(let list) = member else {
                throw .unauthenticated("Signature-Input member '\(label)' is not an inner list of components")
            }
            guard case .item(let item)? = values[label], case .undecodedByteSequence(let base64) = item.rfc9651BareItem,
                  let bytes = Data(base64Encoded: base64) else {
                throw .unauthenticated("Signature has no byte sequence for label '\(label)'")
            }
            var parsed = HTTPSignature(label: label, components: try list.bareInnerList.map { item throws(MohurError) in try CoveredComponent(item: item) },
                                       created: nil, expires: nil, nonce: nil, keyID: nil, algorithm: nil, signature: Array(bytes))
            parsed.parameterOrder = list.rfc9651Parameters.map(\.0)
            parsed.bareSignatureMember = item.rfc9651Parameters.isEmpty
            for (name, value) in list.rfc9651Parameters {
                switch (name, value) {
                case ("created", .integer(let n)): parsed.created = n
                case ("expires", .integer(let n)): parsed.expires = n
                case ("nonce", .string(let s)): parsed.nonce = s
                case ("keyid", .string(let s)): parsed.keyID = s
                case ("alg", .string(let s)): parsed.algorithm = s
                case ("tag", .string(let s)): parsed.tag = s
                default:
                    throw .unauthenticated("Signature-Input '\(label)': parameter '\(name)' is unknown or of the wrong type",
                                           hint: "created and expires are integers; nonce, keyid, alg and tag are strings")
                }
            }
            result.append(parsed)
        }
        guard !result.isEmpty else { throw .unauthenticated("Signature-Input holds no signature") }
        return result
    }

    /// The serialised signature parameters (the value of `@signature-params`, §2.3), in the
    /// order they were received (or created, expires, nonce, keyid, alg, tag when signing).
    public var parametersValue: String {
        get throws(MohurError) {
            // An Inner List of the components' Items with the parameters (RFC 9651 §4.1.1.1).
            var out = "("
            for (index, component) in components.enumerated() {
                if index > 0 { out += " " }
                try component.append(to: &out)
            }
            out += ")"
            for name in parameterOrder {
                switch name {
                case "created": if let created { out += ";created="; try StructuredString.append(created, to: &out) }
                case "expires": if let expires { out += ";expires="; try StructuredString.append(expires, to: &out) }
                case "nonce": if let nonce { out += ";nonce="; try StructuredString.append(nonce, to: &out) }
                case "keyid": if let keyID { out += ";keyid="; try StructuredString.append(keyID, to: &out) }
                case "alg": if let algorithm { out += ";alg="; try StructuredString.append(algorithm, to: &out) }
                case "tag": if let tag { out += ";tag="; try StructuredString.append(tag, to: &out) }
                default: continue
                }
            }
            return out
        }
    }

    /// The signature base (RFC 9421 §2.5) over `message` (and `request`, for `;req` components).
    /// `requestSignature`, the request's verified signature, gives the value of a
    /// `"signature";req;key=…` component naming it without parsing the request's field again.
    public func base(for message: HTTPMessageParts, request: HTTPMessageParts? = nil, requestSignature: HTTPSignature? = nil) throws -> [UInt8] {
        var lines: [String] = []
        var seen: Set<CoveredComponent> = []
        for component in components {
            guard seen.insert(component).inserted else { throw MohurError.unauthenticated("component \"\(component.name)\" is covered twice") }
            let value = if let known = requestSignature, known.bareSignatureMember, component.fromRequest, component.name == "signature",
                           component.dictionaryKey == known.label {
                ":\(Data(known.signature).base64EncodedString()):"
            } else {
                try component.value(in: message, request: request)
            }
            lines.append("\(try component.serialized): \(value)")
        }
        lines.append("\"@signature-params\": \(try parametersValue)")
        return Array(lines.joined(separator: "\n").utf8)
    }

    /// `Signature-Input` and `Signature` field values carrying this one signature.
    public var fields: (signatureInput: String, signature: String) {
        get throws {
            ("\(label)=\(try parametersValue)", "\(label)=:\(Data(signature).base64EncodedString()):")
        }
    }
}

/// RFC 9530 Content-Digest: `sha-256=:…:, sha-512=:…:`.
public enum ContentDigest {
    /// The field value for `body` with SHA-256.
    public static func field(for body: [UInt8]) -> String {
        "sha-256=:\(Data(Digest.sha256(body)).base64EncodedString()):"
    }

    /// Checks the field against the bytes received: every sha-256 / sha-512 member must match
    /// and at least one must be present (other algorithms are ignored, RFC 9530 §2).
    public static func verify(_ field: String, body: [UInt8]) throws(MohurError) {
        let members: OrderedMap<String, ItemOrInnerList>
        do {
            var parser = StructuredFieldValueParser(Array(field.utf8))
            members = try parser.parseDictionaryFieldValue()
        } catch {
            throw .unauthenticated("Content-Digest is not a structured dictionary: \(error)")
        }
        var checked = 0
        for (name, member) in members {
            let algorithm: DigestAlgorithm
            switch name {
            case "sha-256": algorithm = .sha256
            case "sha-512": algorithm = .sha512
            default: continue
            }
            guard case .item(let item) = member, case .undecodedByteSequence(let base64) = item.rfc9651BareItem,
                  let expected = Data(base64Encoded: base64) else {
                throw .unauthenticated("Content-Digest member \(name) is not a byte sequence")
            }
            let actual: [UInt8]
            do { actual = try Digest.hash(algorithm, body) } catch { throw .system("cannot hash the body: \(error)") }
            guard Array(expected) == actual else {
                throw .unauthenticated("Content-Digest \(name) does not match the \(body.count) bytes of content received")
            }
            checked += 1
        }
        guard checked > 0 else { throw .unauthenticated("Content-Digest names neither sha-256 nor sha-512") }
    }
}
