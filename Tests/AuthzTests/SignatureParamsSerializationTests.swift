import Foundation
import RawStructuredFieldValues
import Testing
@testable import Authz
import MohurCore

/// The signature base's `@signature-params` and component identifiers are serialised by hand
/// on the hot path; swift-http-structured-headers' serializer is the judge of every byte.
@Suite("@signature-params serialisation matches RFC 9651's serializer")
struct SignatureParamsSerializationTests {
    static func library(_ signature: HTTPSignature) throws -> String {
        var parameters = OrderedMap<String, RFC9651BareItem>()
        for name in signature.parameterOrder {
            switch name {
            case "created": if let value = signature.created { parameters[name] = .integer(value) }
            case "expires": if let value = signature.expires { parameters[name] = .integer(value) }
            case "nonce": if let value = signature.nonce { parameters[name] = .string(value) }
            case "keyid": if let value = signature.keyID { parameters[name] = .string(value) }
            case "alg": if let value = signature.algorithm { parameters[name] = .string(value) }
            case "tag": if let value = signature.tag { parameters[name] = .string(value) }
            default: continue
            }
        }
        var list = BareInnerList()
        for component in signature.components { list.append(component.item) }
        var serializer = StructuredFieldValueSerializer()
        return String(decoding: try serializer.writeListFieldValue([.innerList(InnerList(bareInnerList: list, parameters: parameters))]), as: UTF8.self)
    }

    @Test("random components, parameters and orders serialise byte for byte as the library does")
    func matchesLibrary() throws {
        var generator = SystemRandomNumberGenerator()
        let names = ["@method", "@target-uri", "@authority", "@path", "@query", "content-type", "content-digest", "signature", "x-odd\"name\\"]
        let texts = ["", "abc", "with \"quotes\"", "back\\slash", "ü-not-ascii", "tab\there", String(repeating: "n", count: 64)]
        var compared = 0
        for _ in 0..<2000 {
            let components = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
                CoveredComponent(names.randomElement(using: &generator)!, fromRequest: Bool.random(using: &generator),
                                 dictionaryKey: Bool.random(using: &generator) ? texts.randomElement(using: &generator) : nil)
            }
            func maybe<T>(_ value: T) -> T? { Bool.random(using: &generator) ? value : nil }
            var signature = HTTPSignature(label: "sig1", components: components,
                                          created: maybe(Int64.random(in: -1_999_999_999_999_999...1_999_999_999_999_999, using: &generator)),
                                          expires: maybe(Int64.random(in: 0...2_000_000_000, using: &generator)),
                                          nonce: maybe(texts.randomElement(using: &generator)!), keyID: maybe(String(repeating: "a1", count: 32)),
                                          algorithm: maybe("ecdsa-p256-sha256"), signature: [])
            signature.tag = maybe(texts.randomElement(using: &generator)!)
            signature.parameterOrder.shuffle(using: &generator)
            let expected = Result { try Self.library(signature) }
            let mine = Result { try signature.parametersValue }
            switch (expected, mine) {
            case (.success(let a), .success(let b)):
                #expect(a == b)
                compared += 1
            case (.failure, .failure):
                break
            default:
                Issue.record("the library and the hand serializer disagree on whether \(signature) serialises: \(expected) vs \(mine)")
            }
            for component in components {
                var serializer = StructuredFieldValueSerializer()
                let item = Result { String(decoding: try serializer.writeItemFieldValue(component.item), as: UTF8.self) }
                switch (item, Result { try component.serialized }) {
                case (.success(let a), .success(let b)): #expect(a == b)
                case (.failure, .failure): break
                default: Issue.record("component \(component) serialises in one serializer only")
                }
            }
        }
        #expect(compared > 100, "enough signatures were representable to compare")
    }

    /// A response covers the request's signature (`"signature";req;key=…`); its value comes from
    /// the verified signature instead of a second parse of the request's field. The library's
    /// parser and serializer must give the same base, whatever else the field holds.
    @Test("the response base takes the request's signature value as the library serialises it")
    func requestSignatureMemberMatchesLibrary() throws {
        let bytes = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let member = ":\(Data(bytes).base64EncodedString()):"
        let response = HTTPSignature(label: "mohur", components: [CoveredComponent("@status"),
                                                                  CoveredComponent("signature", fromRequest: true, dictionaryKey: "sig1")],
                                     created: 1_764_740_000, expires: nil, nonce: nil, keyID: nil, algorithm: nil)
        let input = #"sig1=("@method");created=1;keyid="k""#
        // A bare member, a member among others (and with a later duplicate that wins), and one with
        // parameters, which the shortcut must leave to the library.
        for field in [ "sig1=\(member)", "other=:AAAA:, sig1=:AAAA:, sig1=\(member)", "sig1=\(member);note=1" ] {
            let request = HTTPMessageParts(kind: .request(method: "GET", scheme: "https", authority: "a", path: "/", query: nil),
                                           fields: [("Signature-Input", input), ("Signature", field)])
            let verified = try #require(try HTTPSignature.parse(signatureInput: input, signature: field).first)
            #expect(verified.signature == bytes)
            #expect(verified.bareSignatureMember == !field.hasSuffix(";note=1"))
            let message = HTTPMessageParts(kind: .response(status: 201), fields: [])
            let viaLibrary = try response.base(for: message, request: request)
            let viaVerified = try response.base(for: message, request: request, requestSignature: verified)
            #expect(String(decoding: viaVerified, as: UTF8.self) == String(decoding: viaLibrary, as: UTF8.self))
            #expect(String(decoding: viaLibrary, as: UTF8.self).hasPrefix("\"@status\": 201\n"))
        }
    }
}
