import Foundation
import OpenSSLKit
import SwiftASN1
import Testing

/// `ECDSASignature.der(fromRaw:)` writes DER itself; swift-asn1's serializer, which shares no
/// code with it, must write the same bytes for every r‖s, and OpenSSL must accept them.
@Suite("ECDSA signature forms")
struct ECDSASignatureTests {
    func reference(_ raw: [UInt8]) throws -> [UInt8] {
        let half = raw.count / 2
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { s in
            try s.serialize(ArraySlice(unsignedInteger: Array(raw[..<half])))
            try s.serialize(ArraySlice(unsignedInteger: Array(raw[half...])))
        }
        return serializer.serializedBytes
    }

    @Test("the same DER as swift-asn1 for random and edge r‖s, and back to r‖s", arguments: [32, 48, 66])
    func matchesReference(width: Int) throws {
        var generator = SystemRandomNumberGenerator()
        func half(_ kind: Int) -> [UInt8] {
            var bytes = (0..<width).map { _ in UInt8.random(in: 0...255, using: &generator) }
            switch kind {
            case 0: bytes = [UInt8](repeating: 0, count: width)            // zero
            case 1: bytes[0] = 0; bytes[1] = 0                                // leading zero octets
            case 2: bytes[0] |= 0x80                                          // needs a sign octet
            case 3: bytes[0] = 0; bytes[1] |= 0x80                            // both at once
            case 4: bytes = [UInt8](repeating: 0, count: width - 1) + [0x7F] // one small octet
            default: break
            }
            return bytes
        }
        for round in 0..<600 {
            let raw = half(round % 7) + half((round / 7) % 7)
            let der = try ECDSASignature.der(fromRaw: raw)
            #expect(der == (try reference(raw)), "r‖s \(raw)")
            #expect(try ECDSASignature.raw(fromDER: der, half: width) == raw)
        }
        #expect(throws: (any Error).self) { try ECDSASignature.der(fromRaw: [1, 2, 3]) }
    }

    @Test("OpenSSL verifies a signature converted to r‖s and back", arguments: [Curve.p256, .p384, .p521])
    func openSSLAccepts(curve: Curve) throws {
        let key = try PrivateKey.generate(.ec(curve))
        let message = Array("Mohur".utf8)
        let half = curve == .p256 ? 32 : curve == .p384 ? 48 : 66
        for _ in 0..<20 {
            let raw = try ECDSASignature.raw(fromDER: try key.sign(message, scheme: .ecdsa(.sha256)), half: half)
            #expect(key.publicKey.verify(signature: try ECDSASignature.der(fromRaw: raw), message: message, scheme: .ecdsa(.sha256)))
        }
    }
}
