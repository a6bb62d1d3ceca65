import Foundation
@testable import HSM
import Testing

@Suite("PKCS #11 module and token management (SoftHSM2)")
struct PKCS11TokenTests {
    @Test("the module reports SoftHSM's CK_INFO with padding trimmed")
    func moduleInfo() throws {
        let module = try PKCS11TestFixture.shared().module
        #expect(module.manufacturer == "SoftHSM")
        #expect(module.libraryDescription.hasPrefix("Implementation of PKCS11"))
        #expect(module.cryptokiVersion.hasPrefix("2."))
        #expect(!module.libraryDescription.hasSuffix(" "))
    }

    @Test("loading the same module again shares its initialisation and releasing it keeps the first usable")
    func loadTwice() throws {
        let fixture = try PKCS11TestFixture.shared()
        do {
            let second = try PKCS11Module(path: PKCS11TestFixture.modulePath)
            #expect(try second.tokens().contains { $0.label == PKCS11TestFixture.tokenLabel })
        }
        #expect(try fixture.module.tokens().contains { $0.label == PKCS11TestFixture.tokenLabel })
        let (label, id) = PKCS11TestFixture.uniqueKey("reload")
        let key = try fixture.token.generateKeyPair(.p256, label: label, id: id)
        defer { try? fixture.token.deleteKeyPair(key) }
        #expect(try key.sign(.ecdsa, [UInt8](repeating: 7, count: 32)).count == 64)
    }

    @Test("a missing module fails with CKR_LIBRARY_LOAD_FAILED naming the path")
    func missingModule() {
        let error = #expect(throws: PKCS11Error.self) {
            _ = try PKCS11Module(path: "/nonexistent/libnothing.so")
        }
        #expect(error?.rv == 0x1C2)
        #expect(error?.description.contains("/nonexistent/libnothing.so") == true)
    }

    @Test("initializeToken creates an initialised token with a user PIN, found again by label")
    func initializeToken() throws {
        let module = try PKCS11TestFixture.shared().module
        let label = "init-\(UUID().uuidString.prefix(8))"
        let info = try module.initializeToken(label: label, soPIN: "so-pin-1", userPIN: "user-pin-1")
        #expect(info.label == label)
        #expect(info.initialized)
        #expect(info.userPINInitialized)
        #expect(info.loginRequired)
        #expect(info.manufacturer == "SoftHSM project")
        #expect(!info.serialNumber.isEmpty && !info.serialNumber.hasSuffix(" "))
        let listed = try #require(try module.tokens().first { $0.label == label })
        #expect(listed.slotID == info.slotID)
        #expect(listed.serialNumber == info.serialNumber)
        // A spare uninitialised token is still offered for the next initialisation.
        #expect(try module.tokens().contains { !$0.initialized })

        let token = try module.openToken(label: label, pin: "user-pin-1")
        #expect(token.info.serialNumber == info.serialNumber)
        #expect(try token.privateKeys().isEmpty)
    }

    @Test("initializeToken refuses a label that is already in use or longer than 32 bytes")
    func initializeTokenRejectsBadLabels() throws {
        let module = try PKCS11TestFixture.shared().module
        let duplicate = #expect(throws: PKCS11Error.self) {
            _ = try module.initializeToken(label: PKCS11TestFixture.tokenLabel, soPIN: "so-pin-2", userPIN: "user-pin-2")
        }
        #expect(duplicate?.message.contains("already exists") == true)
        let long = #expect(throws: PKCS11Error.self) {
            _ = try module.initializeToken(label: String(repeating: "x", count: 33), soPIN: "so-pin-2", userPIN: "user-pin-2")
        }
        #expect(long?.rvName == "CKR_ARGUMENTS_BAD")
    }

    @Test("a wrong PIN fails with CKR_PIN_INCORRECT and the PIN is not in the error")
    func wrongPIN() throws {
        let module = try PKCS11TestFixture.shared().module
        let label = "wrong-pin-\(UUID().uuidString.prefix(8))"
        _ = try module.initializeToken(label: label, soPIN: "so-pin-3", userPIN: "right-pin-3")
        let wrong = "Wr0ngPIN-xyzzy"
        let error = try #require(#expect(throws: PKCS11Error.self) {
            _ = try module.openToken(label: label, pin: wrong)
        })
        #expect(error.function == "C_Login")
        #expect(error.rvName == "CKR_PIN_INCORRECT")
        #expect(error.description.hasPrefix("C_Login failed: CKR_PIN_INCORRECT (0xA0) — "))
        #expect(!error.description.contains(wrong))
        #expect(!error.message.contains(wrong))
        #expect(!String(reflecting: error).contains(wrong))
        // The right PIN still works afterwards.
        _ = try module.openToken(label: label, pin: "right-pin-3")
    }

    @Test("opening an unknown token label names the label and lists the available tokens")
    func unknownToken() throws {
        let module = try PKCS11TestFixture.shared().module
        let error = try #require(#expect(throws: PKCS11Error.self) {
            _ = try module.openToken(label: "no-such-token", pin: "1234")
        })
        #expect(error.rvName == "CKR_TOKEN_NOT_PRESENT")
        #expect(error.message.contains("'no-such-token'"))
        #expect(error.message.contains("'\(PKCS11TestFixture.tokenLabel)'"))
    }

    @Test("generated keys are sensitive, non-extractable, private token objects that can sign")
    func keyAttributes() throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("attrs")
        let key = try token.generateKeyPair(.p256, label: label, id: id)
        defer { try? token.deleteKeyPair(key) }
        let attributes = try key.attributes()
        #expect(attributes.sensitive)
        #expect(!attributes.extractable)
        #expect(attributes.alwaysSensitive)
        #expect(attributes.neverExtractable)
        #expect(attributes.isPrivate)
        #expect(attributes.isToken)
        #expect(attributes.canSign)
    }

    @Test("keys are found by label, by id, and by both; absent keys give nil")
    func findKeys() throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("find")
        let key = try token.generateKeyPair(.p384, label: label, id: id)
        defer { try? token.deleteKeyPair(key) }

        let byLabel = try #require(try token.findPrivateKey(label: label, id: nil))
        let byID = try #require(try token.findPrivateKey(label: nil, id: id))
        let byBoth = try #require(try token.findPrivateKey(label: label, id: id))
        for found in [byLabel, byID, byBoth] {
            #expect(found.label == label)
            #expect(found.id == id)
            #expect(found.publicKey == key.publicKey)
        }
        #expect(try token.findPrivateKey(label: "no-such-key", id: nil) == nil)
        #expect(try token.findPrivateKey(label: label, id: [0xFF]) == nil)
        #expect(try token.privateKeys().contains { $0.id == id && $0.label == label })
        #expect(throws: PKCS11Error.self) { _ = try token.findPrivateKey(label: nil, id: nil) }

        let uri = key.uri
        #expect(uri.token == PKCS11TestFixture.tokenLabel)
        #expect(uri.object == label)
        #expect(uri.id == id)
        #expect(uri.type == "private")
        #expect(try PKCS11URI(parsing: uri.description) == uri)
    }

    @Test("generating a key with an id or label already in use is refused")
    func duplicateKeys() throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("dup")
        let key = try token.generateKeyPair(.p256, label: label, id: id)
        defer { try? token.deleteKeyPair(key) }
        #expect(throws: PKCS11Error.self) { _ = try token.generateKeyPair(.p256, label: label + "-other", id: id) }
        #expect(throws: PKCS11Error.self) { _ = try token.generateKeyPair(.p256, label: label, id: id + [1]) }
        #expect(throws: PKCS11Error.self) { _ = try token.generateKeyPair(.p256, label: "empty-id", id: []) }
        #expect(throws: PKCS11Error.self) { _ = try token.generateKeyPair(.ec(curveOID: [0x01, 0x02]), label: "bad-oid", id: [9]) }
    }

    @Test("deleteKeyPair removes both halves; a later sign fails with a stale-key error")
    func deleteKeyPair() throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("delete")
        let key = try token.generateKeyPair(.p256, label: label, id: id)
        try token.deleteKeyPair(key)
        #expect(try token.findPrivateKey(label: label, id: nil) == nil)
        #expect(try token.findPrivateKey(label: nil, id: id) == nil)
        let error = try #require(#expect(throws: PKCS11Error.self) {
            _ = try key.sign(.ecdsa, [UInt8](repeating: 1, count: 32))
        })
        #expect(error.rvName == "CKR_KEY_HANDLE_INVALID")
        // The public half is gone too: the same id and label can be used again.
        let again = try token.generateKeyPair(.p256, label: label, id: id)
        try token.deleteKeyPair(again)
    }

    @Test("a stale object handle is recovered by finding the key again by CKA_ID")
    func staleHandleRecovery() throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("stale")
        let key = try token.generateKeyPair(.p256, label: label, id: id)
        defer { try? token.deleteKeyPair(key) }
        let real = key.current.withLock { $0.handle }
        // Simulate an HSM that renumbered its objects.
        key.current.withLock { $0.handle = 0x7FFF_FFF0 }

        let judge = try PKCS11OpenSSLJudge()
        let message = Array("stale handle".utf8)
        let signature = try key.sign(.ecdsa, try judge.digest(message, "sha256"))
        #expect(try judge.verifyMessage(message, signature: PKCS11TestDER.ecdsaSignature(signature),
                                        hash: "sha256", publicKey: key.publicKey))
        #expect(key.current.withLock { $0.handle } == real)
        key.current.withLock { $0.handle = 0x7FFF_FFF0 }
        #expect(try key.attributes().sensitive)
    }

    @Test("a key replaced by a different key under the same CKA_ID is not used to sign")
    func replacedKeyIsRefused() throws {
        let token = try PKCS11TestFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("replaced")
        let original = try token.generateKeyPair(.p256, label: label, id: id)
        try token.deleteKeyPair(try #require(try token.findPrivateKey(label: nil, id: id)))
        let replacement = try token.generateKeyPair(.p256, label: label, id: id)
        defer { try? token.deleteKeyPair(replacement) }

        let error = try #require(#expect(throws: PKCS11Error.self) {
            _ = try original.sign(.ecdsa, [UInt8](repeating: 3, count: 32))
        })
        #expect(error.rvName == "CKR_KEY_HANDLE_INVALID")
        #expect(error.message.contains("different key"))
        #expect(try replacement.sign(.ecdsa, [UInt8](repeating: 3, count: 32)).count == 64)
    }
}
