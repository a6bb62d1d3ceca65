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
}
