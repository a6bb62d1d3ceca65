@testable import HSM
import Testing

@Suite("PKCS #11 error names and EC point encodings")
struct PKCS11EncodingTests {
    @Test("CK_RV codes are named symbolically, with vendor and unknown codes still readable")
    func errorNames() {
        #expect(PKCS11Error.name(of: 0x60) == "CKR_KEY_HANDLE_INVALID")
        #expect(PKCS11Error.name(of: 0xA0) == "CKR_PIN_INCORRECT")
        #expect(PKCS11Error.name(of: 0x8000_0012) == "CKR_VENDOR_DEFINED+0x12")
        #expect(PKCS11Error.name(of: 0x7777) == "CKR_0x7777")
        let error = PKCS11Error("C_Sign", 0x60)
        #expect(error.description.hasPrefix("C_Sign failed: CKR_KEY_HANDLE_INVALID (0x60) — "))
        let bare = PKCS11Error(function: "C_Foo", rv: 0x7777, message: "")
        #expect(bare.description == "C_Foo failed: CKR_0x7777 (0x7777)")
    }

    static let p256: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    static let p521: [UInt8] = [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23]

    @Test("CKA_EC_POINT is unwrapped from a DER OCTET STRING and accepted bare")
    func ecPoints() {
        let point: [UInt8] = [0x04] + [UInt8](repeating: 0x11, count: 64)
        #expect(ECEncoding.unwrapPoint([0x04, 0x41] + point, parameters: Self.p256) == point)
        #expect(ECEncoding.unwrapPoint(point, parameters: Self.p256) == point)

        // A bare P-256 point whose X starts with 0x3F looks like a complete
        // 63-byte OCTET STRING; the known field size keeps it bare.
        let ambiguous: [UInt8] = [0x04, 0x3F] + [UInt8](repeating: 0x22, count: 63)
        #expect(ECEncoding.unwrapPoint(ambiguous, parameters: Self.p256) == ambiguous)

        // P-521 points need a long-form DER length (133 = 0x81 0x85).
        let big: [UInt8] = [0x04, 0x01] + [UInt8](repeating: 0x33, count: 131)
        #expect(ECEncoding.unwrapPoint([0x04, 0x81, 0x85] + big, parameters: Self.p521) == big)
        #expect(ECEncoding.unwrapPoint(big, parameters: Self.p521) == big)

        // Unknown curve: unwrap only a well-formed OCTET STRING holding a point.
        let unknown: [UInt8] = [0x06, 0x03, 0x2B, 0x65, 0x70]
        #expect(ECEncoding.unwrapPoint([0x04, 0x41] + point, parameters: unknown) == point)
        #expect(ECEncoding.unwrapPoint(point, parameters: unknown) == point)
    }

    @Test("named curve parameters map to their field sizes")
    func curveSizes() {
        let expected: [(PKCS11KeySpec, Int)] = [
            (.p256, 32), (.p384, 48), (.p521, 66),
            (.brainpoolP256r1, 32), (.brainpoolP384r1, 48), (.brainpoolP512r1, 64),
        ]
        for (spec, size) in expected {
            guard case .ec(let oid) = spec else { continue }
            #expect(ECEncoding.isObjectIdentifier(oid))
            #expect(ECEncoding.coordinateLength(forParameters: oid) == size)
        }
        #expect(!ECEncoding.isObjectIdentifier([0x06, 0x09, 0x2B]))
    }
}
