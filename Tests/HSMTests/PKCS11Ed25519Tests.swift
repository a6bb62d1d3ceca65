import Foundation
import HSM
import MohurCore
import OpenSSLKit
import Testing

/// Ed25519 witness keys on SoftHSM2 (CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA), judged by the
/// openssl CLI (`pkeyutl -verify -rawin`, RFC 8032 PureEdDSA).
@Suite("PKCS #11 Ed25519 keys, verified by openssl (SoftHSM2)")
struct PKCS11Ed25519Tests {
    @Test("an Ed25519 key is generated sensitive and unextractable, signs whole messages that openssl verifies, and is found again")
    func signAndVerify() throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("ed25519")
        let key = try token.generateKeyPair(.ed25519, label: label, id: id)
        defer { try? token.deleteKeyPair(key) }
        guard case .ed25519(let publicKey) = key.publicKey else {
            Issue.record("expected an Ed25519 public key, got \(key.publicKey)")
            return
        }
        #expect(publicKey.count == 32)
        let attributes = try key.attributes()
        #expect(attributes.sensitive && !attributes.extractable && attributes.isToken)

        let judge = try PKCS11OpenSSLJudge()
        let pem = judge.directory + "/ed25519.pem"
        try PKCS11TestDER.pem(PKCS11TestDER.subjectPublicKeyInfo(key.publicKey)).write(toFile: pem, atomically: true, encoding: .utf8)
        func opensslVerifies(_ message: [UInt8], _ signature: [UInt8]) throws -> Bool {
            let messageFile = try judge.write("m-\(UUID().uuidString)", message)
            let signatureFile = try judge.write("s-\(UUID().uuidString)", signature)
            return try judge.openssl(["pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin", "-in", messageFile,
                                      "-sigfile", signatureFile]).status == 0
        }
        // A whole checkpoint-sized message, not a digest: PureEdDSA hashes it itself.
        let message = Array("cosignature/v1\ntime 1700000000\niamas.az/mohur/audit/test\n42\n\(String(repeating: "A", count: 43))=\n".utf8)
        let signature = try key.sign(.eddsa, message)
        #expect(signature.count == 64)
        #expect(try opensslVerifies(message, signature))
        #expect(try !opensslVerifies(message + [0x0A], signature))
        #expect(Ed25519.verify(publicKey: publicKey, signature: signature, message: message))
        #expect(!Ed25519.verify(publicKey: publicKey, signature: signature, message: Array(message.dropLast())))

        // Mechanisms are checked against the key type before the token sees them.
        #expect(throws: PKCS11Error.self) { try key.sign(.ecdsa, Array(repeating: 1, count: 32)) }
        let ec = try token.generateKeyPair(.p256, label: label + "-ec", id: id + [1])
        defer { try? token.deleteKeyPair(ec) }
        #expect(throws: PKCS11Error.self) { try ec.sign(.eddsa, message) }

        // Found again by label, as the witness finds its key after a restart.
        let found = try #require(try token.findPrivateKey(label: label, id: nil))
        #expect(found.publicKey == key.publicKey)
        #expect(Ed25519.verify(publicKey: publicKey, signature: try found.sign(.eddsa, message), message: message))
    }
}
