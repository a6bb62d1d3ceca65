import Foundation
import HSM
import Testing

/// Signatures made on SoftHSM, checked by the openssl CLI.
@Suite("PKCS #11 signing, verified by openssl (SoftHSM2)")
struct PKCS11SigningTests {
    struct Curve: Sendable, CustomTestStringConvertible {
        let name: String
        let spec: PKCS11KeySpec
        let hash: String
        let coordinateLength: Int
        var testDescription: String { name }
    }

    static let curves = [
        Curve(name: "P-256", spec: .p256, hash: "sha256", coordinateLength: 32),
        Curve(name: "P-384", spec: .p384, hash: "sha384", coordinateLength: 48),
        Curve(name: "P-521", spec: .p521, hash: "sha512", coordinateLength: 66),
        Curve(name: "brainpoolP256r1", spec: .brainpoolP256r1, hash: "sha256", coordinateLength: 32),
        Curve(name: "brainpoolP384r1", spec: .brainpoolP384r1, hash: "sha384", coordinateLength: 48),
        Curve(name: "brainpoolP512r1", spec: .brainpoolP512r1, hash: "sha512", coordinateLength: 64),
    ]

    @Test("ECDSA signatures verify with openssl and tampered messages do not", arguments: curves)
    func ecdsa(_ curve: Curve) throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("ec-\(curve.name)")
        let key = try token.generateKeyPair(curve.spec, label: label, id: id)
        defer { try? token.deleteKeyPair(key) }

        guard case .ec(let parameters, let point) = key.publicKey, case .ec(let oid) = curve.spec else {
            Issue.record("expected EC public key material")
            return
        }
        #expect(parameters == oid)
        #expect(point.count == 1 + 2 * curve.coordinateLength)
        #expect(point.first == 0x04)

        let judge = try PKCS11OpenSSLJudge()
        let message = Array("ICAO 9303 document security object \(curve.name)".utf8)
        let rs = try key.sign(.ecdsa, try judge.digest(message, curve.hash))
        #expect(rs.count == 2 * curve.coordinateLength)
        let der = PKCS11TestDER.ecdsaSignature(rs)
        #expect(try judge.verifyMessage(message, signature: der, hash: curve.hash, publicKey: key.publicKey))
        #expect(try !judge.verifyMessage(message + [0], signature: der, hash: curve.hash, publicKey: key.publicKey))
    }

    @Test("a session copy signs for the same key (openssl verifies), stays inside the token and hides from lookups")
    func sessionCopy() throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("session-copy")
        let key = try token.generateKeyPair(.p256, label: label, id: id)
        defer { try? token.deleteKeyPair(key) }
        let copy = key.sessionCopy()
        #expect(copy !== key, "SoftHSM2 allows copies; the copy must be a new object")
        #expect(copy.publicKey == key.publicKey)
        let attributes = try copy.attributes()
        #expect(!attributes.isToken && attributes.sensitive && !attributes.extractable)
        // Lookups see the token object only: the copy is not a second key with the label.
        #expect(try token.findPrivateKey(label: label, id: nil)?.publicKey == key.publicKey)
        #expect(try token.privateKeys().filter { $0.label == label }.count == 1)

        let judge = try PKCS11OpenSSLJudge()
        let message = Array("response signature".utf8)
        let der = PKCS11TestDER.ecdsaSignature(try copy.sign(.ecdsa, try judge.digest(message, "sha256")))
        #expect(try judge.verifyMessage(message, signature: der, hash: "sha256", publicKey: key.publicKey))
    }

    @Test("RSA-2048 PKCS #1 v1.5 and PSS signatures verify with openssl")
    func rsa() throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("rsa")
        let key = try token.generateKeyPair(.rsa(bits: 2048), label: label, id: id)
        defer { try? token.deleteKeyPair(key) }
        guard case .rsa(let modulus, let exponent) = key.publicKey else {
            Issue.record("expected RSA public key material")
            return
        }
        #expect(modulus.drop(while: { $0 == 0 }).count == 256)
        #expect(exponent.drop(while: { $0 == 0 }) == [0x01, 0x00, 0x01])

        let judge = try PKCS11OpenSSLJudge()
        let message = Array("CSCA master list".utf8)
        let digest = try judge.digest(message, "sha256")

        let pkcs1 = try key.sign(.rsaPKCS1, PKCS11TestDER.sha256DigestInfo(digest))
        #expect(pkcs1.count == 256)
        #expect(try judge.verifyMessage(message, signature: pkcs1, hash: "sha256", publicKey: key.publicKey))
        #expect(try !judge.verifyMessage(message + [0], signature: pkcs1, hash: "sha256", publicKey: key.publicKey))

        let pss = try key.sign(.rsaPSS(hash: .sha256, saltLength: 32), digest)
        #expect(pss.count == 256)
        #expect(try judge.verifyPSS(digest: digest, signature: pss, saltLength: 32, publicKey: key.publicKey))
        #expect(try !judge.verifyPSS(digest: digest, signature: pss, saltLength: 20, publicKey: key.publicKey))
        // PSS is randomised: two signatures differ.
        #expect(try key.sign(.rsaPSS(hash: .sha256, saltLength: 32), digest) != pss)
    }

    @Test("mechanisms that do not fit the key or input are refused before reaching the token")
    func mismatchedMechanism() throws {
        // SoftHSM 2.6 segfaults in C_Sign after accepting CKM_RSA_PKCS_PSS
        // with an EC key, so these must never reach it.
        let token = try PKCS11TestFixture.shared().token
        let (ecLabel, ecID) = PKCS11TestFixture.uniqueKey("mismatch-ec")
        let ec = try token.generateKeyPair(.p256, label: ecLabel, id: ecID)
        defer { try? token.deleteKeyPair(ec) }
        let (rsaLabel, rsaID) = PKCS11TestFixture.uniqueKey("mismatch-rsa")
        let rsa = try token.generateKeyPair(.rsa(bits: 2048), label: rsaLabel, id: rsaID)
        defer { try? token.deleteKeyPair(rsa) }
        let digest = [UInt8](repeating: 0x5A, count: 32)

        let cases: [(PKCS11PrivateKey, PKCS11Mechanism, [UInt8], String)] = [
            (ec, .rsaPSS(hash: .sha256, saltLength: 32), digest, "CKR_KEY_TYPE_INCONSISTENT"),
            (ec, .rsaPKCS1, digest, "CKR_KEY_TYPE_INCONSISTENT"),
            (rsa, .ecdsa, digest, "CKR_KEY_TYPE_INCONSISTENT"),
            (rsa, .rsaPSS(hash: .sha256, saltLength: -1), digest, "CKR_MECHANISM_PARAM_INVALID"),
            (rsa, .rsaPSS(hash: .sha384, saltLength: 48), digest, "CKR_DATA_LEN_RANGE"),
        ]
        for (key, mechanism, data, expected) in cases {
            let error = try #require(#expect(throws: PKCS11Error.self) { _ = try key.sign(mechanism, data) })
            #expect(error.rvName == expected)
            #expect(error.description.hasPrefix("\(error.function) failed: \(expected) (0x"))
            #expect(error.description.contains(" — "))
        }
        // Errors reported by the token itself: a salt longer than the modulus allows.
        let tokenError = try #require(#expect(throws: PKCS11Error.self) {
            _ = try rsa.sign(.rsaPSS(hash: .sha256, saltLength: 1000), digest)
        })
        #expect(tokenError.function.hasPrefix("C_Sign"))
        // The sessions are still usable afterwards.
        #expect(try ec.sign(.ecdsa, digest).count == 64)
        #expect(try rsa.sign(.rsaPSS(hash: .sha256, saltLength: 32), digest).count == 256)
    }

    @Test("8 tasks sign concurrently with one key and all signatures are valid")
    func concurrentSigning() async throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("concurrent")
        let key = try token.generateKeyPair(.p256, label: label, id: id)
        defer { try? token.deleteKeyPair(key) }
        let judge = try PKCS11OpenSSLJudge()
        let messages = (0..<8).map { Array("message \($0)".utf8) }
        var digests: [[UInt8]] = []
        for message in messages { digests.append(try judge.digest(message, "sha256")) }
        let frozenDigests = digests

        let results = try await withThrowingTaskGroup(of: (Int, [[UInt8]]).self) { group in
            for task in 0..<8 {
                group.addTask {
                    var signatures: [[UInt8]] = []
                    for _ in 0..<50 { signatures.append(try key.sign(.ecdsa, frozenDigests[task])) }
                    return (task, signatures)
                }
            }
            var all: [Int: [[UInt8]]] = [:]
            for try await (task, signatures) in group { all[task] = signatures }
            return all
        }
        #expect(results.count == 8)
        for (task, signatures) in results {
            #expect(signatures.count == 50)
            #expect(signatures.allSatisfy { $0.count == 64 })
            #expect(Set(signatures).count == 50)  // ECDSA is randomised
            for signature in [signatures[0], signatures[49]] {
                #expect(try judge.verifyMessage(messages[task], signature: PKCS11TestDER.ecdsaSignature(signature),
                                                hash: "sha256", publicKey: key.publicKey))
            }
        }
    }

    @Test("key generation and deletion in parallel with signing leave signing unaffected")
    func signingWhileManagingKeys() async throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("busy")
        let key = try token.generateKeyPair(.p256, label: label, id: id)
        defer { try? token.deleteKeyPair(key) }
        let digest = [UInt8](repeating: 0x42, count: 32)

        let signatures = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var count = 0
                    for _ in 0..<100 where try key.sign(.ecdsa, digest).count == 64 { count += 1 }
                    return count
                }
            }
            for worker in 0..<2 {
                group.addTask {
                    for round in 0..<5 {
                        let (label, id) = PKCS11TestFixture.uniqueKey("churn-\(worker)-\(round)")
                        let temporary = try token.generateKeyPair(.p256, label: label, id: id)
                        _ = try temporary.sign(.ecdsa, digest)
                        try token.deleteKeyPair(temporary)
                    }
                    return 0
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(signatures == 400)
    }
}
