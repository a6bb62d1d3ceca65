import Foundation
import MohurTestSupport
import OpenSSLKit
import Testing

@Suite("Software keys and signature schemes")
struct SoftwareKeyTests {
    static let ecCurves: [Curve] = Curve.allCases

    @Test("ECDSA signatures verify on every supported curve and fail on a changed message", arguments: ecCurves)
    func ecdsaSignsAndVerifies(curve: Curve) throws {
        let key = try PrivateKey.generate(.ec(curve))
        let message = Array("IAMAS".utf8)
        let signature = try key.sign(message, scheme: .ecdsa(curve.matchingDigest))
        #expect(key.publicKey.verify(signature: signature, message: message, scheme: .ecdsa(curve.matchingDigest)))
        #expect(!key.publicKey.verify(signature: signature, message: message + [0], scheme: .ecdsa(curve.matchingDigest)))
        #expect(key.publicKey.curve == curve)
    }

    @Test("RSA PKCS#1 v1.5 and PSS signatures verify, and PSS is judged correct by the openssl CLI")
    func rsaSchemes() throws {
        let key = try PrivateKey.generate(.rsa(bits: 2048))
        let message = Array("passport".utf8)
        for scheme in [SignatureScheme.rsaPKCS1v15(.sha256), .rsaPSS(.sha256), .rsaPSS(.sha512)] {
            let signature = try key.sign(message, scheme: scheme)
            #expect(key.publicKey.verify(signature: signature, message: message, scheme: scheme), "\(scheme)")
        }
        let dir = try TemporaryDirectory()
        let pss = try key.sign(message, scheme: .rsaPSS(.sha256))
        let pub = try dir.write("pub.pem", key.publicKey.pem())
        let sig = try dir.write("sig.bin", pss)
        let msg = try dir.write("msg.bin", message)
        let result = try openssl(["dgst", "-sha256", "-verify", pub, "-sigopt", "rsa_padding_mode:pss",
                                  "-sigopt", "rsa_pss_saltlen:32", "-signature", sig, msg])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("an encrypted PKCS#8 key reloads with the right passphrase and is refused with a wrong one")
    func encryptedPKCS8RoundTrip() throws {
        let key = try PrivateKey.generate(.ec(.p256))
        let pem = try key.encryptedPKCS8PEM(passphrase: "correct horse")
        #expect(String(decoding: pem, as: UTF8.self).contains("BEGIN ENCRYPTED PRIVATE KEY"))
        let reloaded = try PrivateKey(pem: pem, passphrase: "correct horse")
        #expect(reloaded.publicKey == key.publicKey)
        #expect(throws: OpenSSLError.self) { try PrivateKey(pem: pem, passphrase: "wrong") }
    }

    @Test("explicit EC parameters are encoded as specifiedCurve and read back as the same curve")
    func explicitParameters() throws {
        let key = try PrivateKey.generate(.ec(.brainpoolP256r1))
        let named = try key.publicKey.subjectPublicKeyInfo()
        let explicit = try key.publicKey.subjectPublicKeyInfo(explicitECParameters: true)
        #expect(explicit.count > named.count + 100)
        let dir = try TemporaryDirectory()
        let path = try dir.write("spki.der", explicit)
        let text = try openssl(["pkey", "-pubin", "-inform", "DER", "-in", path, "-noout", "-text"])
        #expect(text.stdout.contains("Field Type: prime-field"), "\(text.output)")
        let reread = try PublicKey(subjectPublicKeyInfo: explicit)
        #expect(reread == key.publicKey)
    }

    @Test("an ECDSA r‖s signature converts to DER that verifies")
    func rawECDSAConversion() throws {
        let key = try PrivateKey.generate(.ec(.p256))
        let message = Array("r||s".utf8)
        let der = try key.sign(message, scheme: .ecdsa(.sha256))
        // Re-derive r‖s from the DER and convert back.
        let raw = try rawFromDER(der, fieldLength: 32)
        let back = try ECDSASignature.der(fromRaw: raw)
        #expect(key.publicKey.verify(signature: back, message: message, scheme: .ecdsa(.sha256)))
    }

    private func rawFromDER(_ der: [UInt8], fieldLength: Int) throws -> [UInt8] {
        var index = 2
        if der[1] & 0x80 != 0 { index += Int(der[1] & 0x7f) }
        var parts: [[UInt8]] = []
        for _ in 0..<2 {
            #expect(der[index] == 0x02)
            let length = Int(der[index + 1])
            var value = Array(der[(index + 2)..<(index + 2 + length)])
            while value.count > fieldLength, value.first == 0 { value.removeFirst() }
            parts.append([UInt8](repeating: 0, count: fieldLength - value.count) + value)
            index += 2 + length
        }
        return parts[0] + parts[1]
    }
}
