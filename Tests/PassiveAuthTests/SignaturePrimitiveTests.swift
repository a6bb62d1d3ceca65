import Foundation
import MohurTestSupport
import OpenSSLKit
import Testing

@Suite("Signature primitives for real passports")
struct SignaturePrimitiveTests {
    @Test func pssParametersAreReadFromTheAlgorithmIdentifier() throws {
        let certificate = try Certificate(derEncoded: try Vectors.bytes("gmrtd/sod/MY/DSC.der"))
        let algorithm = try #require(certificate.signatureAlgorithm)
        let schemes = try algorithm.schemes()
        #expect(schemes.first == .rsaPSS(hash: .sha256, mgf1: .sha256, saltLength: 32))
    }

    @Test func bareRSAEncryptionTakesTheHashFromTheDigestAlgorithm() throws {
        let algorithm = SignatureAlgorithm(oid: [1, 2, 840, 113_549, 1, 1, 1], parameters: [0x05, 0x00])
        #expect(try algorithm.schemes(digestAlgorithm: .sha256) == [.rsaPKCS1v15(.sha256)])
        #expect(throws: OpenSSLError.self) { try algorithm.schemes() }
    }

    @Test func digestInfoWithoutNullParametersVerifies() throws {
        let key = try PrivateKey.generate(.rsa(bits: 2048))
        let message = Array("master list".utf8)
        let digest = try Digest.hash(.sha256, message)
        // DigestInfo ::= SEQUENCE { SEQUENCE { id-sha256 }, OCTET STRING } — no NULL, as ICAO's list has it.
        let digestInfo: [UInt8] = [0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04, 0x20] + digest
        // Sign the raw DigestInfo with type-1 padding using the openssl CLI (OpenSSL's own API would add the NULL).
        let directory = try TemporaryDirectory("mohur-digestinfo")
        let keyPath = try directory.write("key.pem", try key.encryptedPKCS8PEM(passphrase: "x"))
        let input = try directory.write("digestinfo.bin", digestInfo)
        let output = directory.path("signature.bin")
        let result = try openssl(["pkeyutl", "-sign", "-inkey", keyPath, "-passin", "pass:x", "-in", input, "-out", output,
                                  "-pkeyopt", "rsa_padding_mode:pkcs1"])
        #expect(result.status == 0, "\(result.output)")
        let signature = try Array(Data(contentsOf: URL(fileURLWithPath: output)))
        #expect(key.publicKey.verifyPKCS1DigestInfo(signature: signature, digest: digest, algorithm: .sha256))
        #expect(key.publicKey.verify(signature: signature, message: message, using: .rsaPKCS1v15(.sha256)))
        #expect(!key.publicKey.verifyPKCS1DigestInfo(signature: signature, digest: digest, algorithm: .sha384))
    }

    @Test func explicitBrainpoolCertificateVerifiesUnderItsCSCA() throws {
        let ds = try Certificate(derEncoded: try Vectors.bytes("gmrtd/sod/FI/DSC.der"))
        let csca = try Certificate(derEncoded: try Vectors.bytes("gmrtd/sod/FI/CSCA.der"))
        #expect(ds.verifySignature(issuerKey: try csca.publicKey()))
        #expect(!csca.verifySignature(issuerKey: try ds.publicKey()))
    }
}
