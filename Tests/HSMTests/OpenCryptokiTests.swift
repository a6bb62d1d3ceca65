// The PKCS #11 layer against a second implementation: openCryptoki's software token.
//
// Debian 12 ships openCryptoki 3.8.1: the soft token (`libpkcs11_sw.so`, slot 3) is reached
// through the slot daemon pkcsslotd and keeps its objects under /var/lib/opencryptoki. What
// differs from SoftHSM2, as these tests find it:
// - no elliptic curves at all (no CKM_EC_KEY_PAIR_GEN, no CKM_ECDSA): only RSA runs, and an EC
//   key generation is refused with CKR_MECHANISM_INVALID before anything is created;
// - PINs of 4 to 8 bytes (Mohur's development PINs are longer: a state on this token needs
//   its own PIN file);
// - session limits reported as CK_EFFECTIVELY_INFINITE;
// - a system daemon and a system-wide token store: the fixture starts pkcsslotd when it is
//   not running, initialises the soft token once with its own label, and every test deletes
//   the keys it made.

import Foundation
@testable import HSM
import Testing

struct OpenCryptokiFixture: Sendable {
    static let modulePath = "/usr/lib/x86_64-linux-gnu/opencryptoki/libopencryptoki.so.0"
    static let tokenLabel = "mohur-test"
    static let soPIN = "87654321"
    static let userPIN = "13572468"

    let module: PKCS11Module
    let token: PKCS11Token

    private static let instance: Result<OpenCryptokiFixture, any Error> = Result { try make() }
    static func shared() throws -> OpenCryptokiFixture { try instance.get() }

    private static func make() throws -> OpenCryptokiFixture {
        guard FileManager.default.fileExists(atPath: modulePath) else {
            throw PKCS11Error(function: "openCryptoki", rv: 0x1C2, message: "\(modulePath) is missing: `make deps` installs opencryptoki")
        }
        try startSlotDaemon()
        let module = try PKCS11Module(path: modulePath)
        if !(try module.tokens().contains { $0.initialized && $0.label == tokenLabel }) {
            _ = try module.initializeToken(label: tokenLabel, soPIN: soPIN, userPIN: userPIN)
        }
        return OpenCryptokiFixture(module: module, token: try module.openToken(label: tokenLabel, pin: userPIN))
    }

    /// pkcsslotd, unless it runs already (it daemonises itself; the package starts it at install).
    private static func startSlotDaemon() throws {
        func running() -> Bool {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
            check.arguments = ["-x", "pkcsslotd"]
            check.standardOutput = FileHandle.nullDevice
            guard (try? check.run()) != nil else { return false }
            check.waitUntilExit()
            return check.terminationStatus == 0
        }
        guard !running() else { return }
        // Not waited for: the daemon it forks keeps Foundation's exit-watch descriptor open, so
        // waitUntilExit would never return. Its appearance is what counts.
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/usr/sbin/pkcsslotd")
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        for _ in 0..<50 where !running() { usleep(100_000) }
        guard running() else { throw PKCS11Error(function: "pkcsslotd", rv: 0x30, message: "openCryptoki's slot daemon did not start") }
    }
}

@Suite("PKCS #11 on a second implementation: openCryptoki's soft token", .serialized)
struct OpenCryptokiTests {
    @Test("RSA-2048 keys: PKCS #1 v1.5 and PSS signatures verify with openssl; the key is sensitive and never extractable")
    func rsaSigning() throws {
        let token = try OpenCryptokiFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("ock-rsa")
        let key = try token.generateKeyPair(.rsa(bits: 2048), label: label, id: id)
        defer { try? token.deleteKeyPair(key) }
        let judge = try PKCS11OpenSSLJudge()
        let message = Array("deviation list".utf8)
        let digest = try judge.digest(message, "sha256")
        let pkcs1 = try key.sign(.rsaPKCS1, PKCS11TestDER.sha256DigestInfo(digest))
        #expect(try judge.verifyMessage(message, signature: pkcs1, hash: "sha256", publicKey: key.publicKey))
        #expect(try !judge.verifyMessage(message + [0], signature: pkcs1, hash: "sha256", publicKey: key.publicKey))
        let pss = try key.sign(.rsaPSS(hash: .sha256, saltLength: 32), digest)
        #expect(try judge.verifyPSS(digest: digest, signature: pss, saltLength: 32, publicKey: key.publicKey))
        let attributes = try key.attributes()
        #expect(attributes.sensitive && !attributes.extractable && attributes.isPrivate && attributes.isToken && attributes.canSign)
    }

    @Test("keys are found by label and id, listed, recovered from a stale handle, and deleted")
    func lookupAndDeletion() throws {
        let token = try OpenCryptokiFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("ock-find")
        let key = try token.generateKeyPair(.rsa(bits: 2048), label: label, id: id)
        var deleted = false
        defer { if !deleted { try? token.deleteKeyPair(key) } }
        #expect(try token.findPrivateKey(label: label, id: nil)?.publicKey == key.publicKey)
        #expect(try token.findPrivateKey(label: nil, id: id)?.publicKey == key.publicKey)
        #expect(try token.privateKeys().contains { $0.id == id })
        key.current.withLock { $0.handle = 0x7FFF_FFF0 }
        let judge = try PKCS11OpenSSLJudge()
        let digest = try judge.digest(Array("stale".utf8), "sha256")
        let signature = try key.sign(.rsaPKCS1, PKCS11TestDER.sha256DigestInfo(digest))
        #expect(try judge.verifyMessage(Array("stale".utf8), signature: signature, hash: "sha256", publicKey: key.publicKey))
        try token.deleteKeyPair(key)
        deleted = true
        #expect(try token.findPrivateKey(label: label, id: nil) == nil)
    }

    @Test("EC keys, which this token cannot make, are refused with the mechanism named and nothing left behind")
    func noEllipticCurves() throws {
        let token = try OpenCryptokiFixture.shared().token
        for spec in [PKCS11KeySpec.p256, .brainpoolP256r1] {
            let (label, id) = PKCS11TestFixture.uniqueKey("ock-ec")
            #expect {
                _ = try token.generateKeyPair(spec, label: label, id: id)
            } throws: { error in
                (error as? PKCS11Error)?.rvName == "CKR_MECHANISM_INVALID" && "\(error)".contains("C_GenerateKeyPair")
            }
            #expect(try token.findPrivateKey(label: label, id: nil) == nil)
        }
    }

    @Test("8 tasks sign concurrently with one RSA key; every signature verifies")
    func concurrentSigning() async throws {
        let token = try OpenCryptokiFixture.shared().token
        let (label, id) = PKCS11TestFixture.uniqueKey("ock-load")
        let key = try token.generateKeyPair(.rsa(bits: 2048), label: label, id: id)
        defer { try? token.deleteKeyPair(key) }
        let judge = try PKCS11OpenSSLJudge()
        let message = Array("concurrent".utf8)
        let info = PKCS11TestDER.sha256DigestInfo(try judge.digest(message, "sha256"))
        let signatures = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<8 { group.addTask { try key.sign(.rsaPKCS1, info) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(signatures.count == 8)
        for signature in Set(signatures) {
            #expect(try judge.verifyMessage(message, signature: signature, hash: "sha256", publicKey: key.publicKey))
        }
        let tokenInfo = try #require(try OpenCryptokiFixture.shared().module.tokens().first { $0.label == OpenCryptokiFixture.tokenLabel })
        #expect(tokenInfo.maxPINLength == 8, "openCryptoki's soft token takes PINs of at most 8 bytes")
    }
}
