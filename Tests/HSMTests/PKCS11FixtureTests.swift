// Shared SoftHSM2 fixture and independent verification helpers for the
// PKCS #11 layer tests.
//
// SoftHSM reads SOFTHSM2_CONF once, when the module is first initialised in
// the process, so every test shares one module instance created lazily by
// `PKCS11TestFixture.shared()`, pointing at a fresh token directory in a temp
// dir. Tests create their own tokens and keys with unique labels, so they
// can run in parallel. Other suites in this target that need SoftHSM should
// use this fixture too rather than setting SOFTHSM2_CONF themselves.

import Foundation
import HSM
import Testing

struct PKCS11TestFixture: Sendable {
    static let modulePath = "/usr/lib/softhsm/libsofthsm2.so"
    static let soPIN = "so-pin-8642"
    static let userPIN = "user-pin-1357"
    static let tokenLabel = "pkcs11-layer-main"

    let directory: String
    let module: PKCS11Module
    /// A token opened once for all tests (logged in as user).
    let token: PKCS11Token

    /// Created on first use; `static let` initialisation is thread-safe.
    private static let instance: Result<PKCS11TestFixture, any Error> = Result { try make() }

    static func shared() throws -> PKCS11TestFixture { try instance.get() }

    private static func make() throws -> PKCS11TestFixture {
        let directory = pkcs11TestDirectory
        let tokens = directory + "/tokens"
        try FileManager.default.createDirectory(atPath: tokens, withIntermediateDirectories: true)
        let conf = directory + "/softhsm2.conf"
        try """
        directories.tokendir = \(tokens)
        objectstore.backend = file
        log.level = ERROR
        slots.removable = false
        """.write(toFile: conf, atomically: true, encoding: .utf8)
        // Must happen before the module is loaded for the first time.
        setenv("SOFTHSM2_CONF", conf, 1)
        atexit { try? FileManager.default.removeItem(atPath: pkcs11TestDirectory) }

        let module = try PKCS11Module(path: modulePath)
        _ = try module.initializeToken(label: tokenLabel, soPIN: soPIN, userPIN: userPIN)
        let token = try module.openToken(label: tokenLabel, pin: userPIN)
        return PKCS11TestFixture(directory: directory, module: module, token: token)
    }

    /// A label and id unique within this test process.
    static func uniqueKey(_ prefix: String) -> (label: String, id: [UInt8]) {
        let uuid = UUID()
        let id = withUnsafeBytes(of: uuid.uuid) { Array($0) }
        return ("\(prefix)-\(uuid.uuidString.prefix(8))", id)
    }
}

/// The fixture's temp directory (a global so the `atexit` handler can use it).
let pkcs11TestDirectory: String = NSTemporaryDirectory() + "mohur-pkcs11-" + UUID().uuidString

// MARK: - DER building (independent of the code under test)

enum PKCS11TestDER {
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out = [tag]
        if content.count < 0x80 {
            out.append(UInt8(content.count))
        } else {
            var length = content.count
            var bytes: [UInt8] = []
            while length > 0 { bytes.insert(UInt8(length & 0xFF), at: 0); length >>= 8 }
            out.append(0x80 | UInt8(bytes.count))
            out += bytes
        }
        return out + content
    }

    static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }

    /// A positive INTEGER from big-endian magnitude bytes.
    static func integer(_ magnitude: [UInt8]) -> [UInt8] {
        var bytes = Array(magnitude.drop(while: { $0 == 0 }))
        if bytes.isEmpty { bytes = [0] }
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return tlv(0x02, bytes)
    }

    static func bitString(_ bytes: [UInt8]) -> [UInt8] { tlv(0x03, [0] + bytes) }

    static let ecPublicKeyOID: [UInt8] = [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
    static let rsaEncryptionOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]

    /// SubjectPublicKeyInfo (RFC 5280 §4.1; RFC 5480 for EC, RFC 8017 A.1.1 for RSA).
    static func subjectPublicKeyInfo(_ material: PKCS11PublicKeyMaterial) -> [UInt8] {
        switch material {
        case .ec(let parameters, let point):
            return sequence(sequence(ecPublicKeyOID, parameters), bitString(point))
        case .rsa(let modulus, let exponent):
            let rsaPublicKey = sequence(integer(modulus), integer(exponent))
            return sequence(sequence(rsaEncryptionOID, [0x05, 0x00]), bitString(rsaPublicKey))
        case .ed25519(let key):
            return sequence(sequence([0x06, 0x03, 0x2B, 0x65, 0x70]), bitString(key))  // RFC 8410 §4
        }
    }

    /// Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } from r || s.
    static func ecdsaSignature(_ rs: [UInt8]) -> [UInt8] {
        let half = rs.count / 2
        return sequence(integer(Array(rs[..<half])), integer(Array(rs[half...])))
    }

    /// DigestInfo for SHA-256 (RFC 8017 §9.2 note 1).
    static func sha256DigestInfo(_ digest: [UInt8]) -> [UInt8] {
        [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
         0x05, 0x00, 0x04, 0x20] + digest
    }

    static func pem(_ der: [UInt8]) -> String {
        "-----BEGIN PUBLIC KEY-----\n"
            + Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            + "\n-----END PUBLIC KEY-----\n"
    }
}

// MARK: - The openssl CLI as an independent judge

struct PKCS11OpenSSLJudge {
    let directory: String

    init() throws {
        directory = pkcs11TestDirectory + "/openssl-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @discardableResult
    func openssl(_ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// `openssl dgst -<hash> -binary`.
    func digest(_ message: [UInt8], _ hash: String) throws -> [UInt8] {
        let file = try write("msg-\(UUID().uuidString)", message)
        let result = try openssl(["dgst", "-\(hash)", "-binary", file])
        return Array(result.output)
    }

    /// `openssl dgst -<hash> -verify pub.pem -signature sig msg`: true iff verified.
    func verifyMessage(_ message: [UInt8], signature: [UInt8], hash: String,
                       publicKey: PKCS11PublicKeyMaterial) throws -> Bool {
        let tag = UUID().uuidString
        let pem = directory + "/pub-\(tag).pem"
        try PKCS11TestDER.pem(PKCS11TestDER.subjectPublicKeyInfo(publicKey)).write(toFile: pem, atomically: true, encoding: .utf8)
        let sig = try write("sig-\(tag)", signature)
        let msg = try write("msg-\(tag)", message)
        return try openssl(["dgst", "-\(hash)", "-verify", pem, "-signature", sig, msg]).status == 0
    }

    /// `openssl pkeyutl -verify` of an RSA-PSS signature over a SHA-256 digest.
    func verifyPSS(digest: [UInt8], signature: [UInt8], saltLength: Int,
                   publicKey: PKCS11PublicKeyMaterial) throws -> Bool {
        let tag = UUID().uuidString
        let pem = directory + "/pub-\(tag).pem"
        try PKCS11TestDER.pem(PKCS11TestDER.subjectPublicKeyInfo(publicKey)).write(toFile: pem, atomically: true, encoding: .utf8)
        let sig = try write("sig-\(tag)", signature)
        let dig = try write("dig-\(tag)", digest)
        return try openssl([
            "pkeyutl", "-verify", "-pubin", "-inkey", pem, "-in", dig, "-sigfile", sig,
            "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:\(saltLength)",
            "-pkeyopt", "digest:sha256",
        ]).status == 0
    }
}

@Suite("PKCS #11 test fixture")
struct PKCS11FixtureTests {
    @Test("the shared SoftHSM fixture loads the module and opens its token")
    func fixtureIsUsable() throws {
        let fixture = try PKCS11TestFixture.shared()
        #expect(fixture.token.info.label == PKCS11TestFixture.tokenLabel)
        #expect(fixture.token.info.initialized)
        #expect(FileManager.default.fileExists(atPath: fixture.directory + "/softhsm2.conf"))
    }

    @Test("the DER helpers encode integers minimally and with a sign byte")
    func derIntegers() {
        #expect(PKCS11TestDER.integer([0x00, 0x01]) == [0x02, 0x01, 0x01])
        #expect(PKCS11TestDER.integer([0x80]) == [0x02, 0x02, 0x00, 0x80])
        #expect(PKCS11TestDER.tlv(0x04, [UInt8](repeating: 1, count: 200)).prefix(3) == [0x04, 0x81, 0xC8])
    }
}
