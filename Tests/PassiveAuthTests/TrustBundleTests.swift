import Foundation
import MohurCore
import MohurTestSupport
import OpenSSLKit
@testable import PassiveAuth
import SwiftASN1
import Testing

/// Trust bundles (format 2) signed by a trust-distribution key certified by a root: the post
/// verifies them up to the root it holds and refuses anything else, older versions included.
@Suite("Signed trust bundles")
struct TrustBundleTests {
    /// A root and a certificate it issued; `purpose` is the extended key usage.
    struct Authority {
        let root: Certificate
        let key: PrivateKey
        let certificate: Certificate

        init(purpose: ASN1ObjectIdentifier = OID.iamasTrustDistribution, rootName: String = "Test Root") throws {
            let rootKey = try PrivateKey.generate(.ec(.p256))
            let rootSubject = DistinguishedName([.init("C", "AZ"), .init("CN", rootName)])
            let scheme = SignatureScheme.ecdsa(.sha256)
            func build(_ subject: DistinguishedName, _ publicKey: PublicKey, _ extensions: [CertificateExtension], serial: UInt8) throws -> Certificate {
                try CertificateBuilder.build(CertificateTemplate(
                    serialNumber: [serial], subject: subject, issuer: rootSubject, notBefore: Date().addingTimeInterval(-60),
                    notAfter: Date().addingTimeInterval(365 * 86_400), subjectPublicKeyInfo: try publicKey.subjectPublicKeyInfo(),
                    extensions: extensions), scheme: scheme) { try rootKey.sign($0, scheme: scheme) }
            }
            var usage = DER.Serializer()
            try usage.appendConstructedNode(identifier: .sequence) { try $0.serialize(purpose) }
            root = try build(rootSubject, rootKey.publicKey, [], serial: 1)
            key = try PrivateKey.generate(.ec(.p256))
            certificate = try build(DistinguishedName([.init("C", "AZ"), .init("CN", "Trust Distribution")]), key.publicKey,
                                    [CertificateExtension(oid: OID.extendedKeyUsage, critical: true, value: usage.serializedBytes)], serial: 2)
        }
    }

    /// A `Signer` over a software key, for tests only.
    struct KeySigner: Signer {
        let key: PrivateKey
        var publicKey: PublicKey { key.publicKey }
        var spec: KeySpec { .ec(.p256) }
        var keyReference: String { "test" }
        var isSoftware: Bool { true }
        func sign(_ message: [UInt8], scheme: SignatureScheme) throws -> [UInt8] { try key.sign(message, scheme: scheme) }
    }

    let centre: TrustFixture
    let directory: TemporaryDirectory
    let authority: Authority

    init() throws {
        centre = try TrustFixture().importing(["gmrtd/sod/FR/CSCA.der", "gmrtd/sod/DE/CSCA.der"])
        directory = try TemporaryDirectory("mohur-bundle")
        authority = try Authority()
    }

    func export(_ name: String, now: Date = Date(), by authority: Authority? = nil) throws -> [UInt8] {
        let signer = authority ?? self.authority
        let path = directory.path(name)
        try TrustBundle.export(centre.store, to: path, signer: KeySigner(key: signer.key), certificate: signer.certificate, now: now)
        return try Array(Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test("a post installs a bundle verified up to its root, pins the root, and takes the next version without it")
    func installsAndPinsTheRoot() throws {
        let post = directory.path("post")
        let first = try TrustBundle.install(try export("1.bundle"), stateDirectory: post, root: authority.root)
        #expect(first.version == 1)
        #expect(try TrustStore.open(stateDirectory: post).counts()["csca"] == 2)
        let second = try TrustBundle.install(try export("2.bundle"), stateDirectory: post, root: nil)
        #expect(second.version == 2)
    }

    @Test("tampered, foreign-root, wrong-purpose, expired and older bundles are refused and change nothing")
    func refusals() throws {
        let now = Date()
        let bytes = try export("a.bundle", now: now)
        let post = directory.path("post")
        var tampered = bytes
        tampered[bytes.count / 2] ^= 0x01
        #expect(throws: PassiveAuthError.self) { try TrustBundle.install(tampered, stateDirectory: post, root: authority.root) }
        #expect(throws: PassiveAuthError.self, "another root") {
            try TrustBundle.install(bytes, stateDirectory: post, root: try Authority(rootName: "Test Root").root)
        }
        let serverAuth = try Authority(purpose: OID.serverAuthentication)
        #expect(throws: PassiveAuthError.self, "a certificate of the right root for another purpose") {
            try TrustBundle.install(try export("tls.bundle", by: serverAuth), stateDirectory: post, root: serverAuth.root)
        }
        #expect(throws: PassiveAuthError.self, "expired") {
            try TrustBundle.install(bytes, stateDirectory: post, root: authority.root, now: now.addingTimeInterval(30 * 86_400))
        }
        #expect(throws: PassiveAuthError.self, "no root given and none pinned") { try TrustBundle.install(bytes, stateDirectory: post, root: nil) }
        let newer = try export("b.bundle", now: now)
        let installed = try TrustBundle.install(newer, stateDirectory: post, root: authority.root, now: now)
        #expect(throws: PassiveAuthError.self, "an older version after a newer one would be a rollback") {
            try TrustBundle.install(bytes, stateDirectory: post, root: authority.root, now: now)
        }
        #expect(throws: PassiveAuthError.self, "the same version again") {
            try TrustBundle.install(newer, stateDirectory: post, root: authority.root, now: now)
        }
        #expect(try TrustStore.open(stateDirectory: post).meta("bundle_version") == String(installed.version))
    }
}
