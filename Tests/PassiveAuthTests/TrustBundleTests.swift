import Foundation
import HSM
import MohurTestSupport
import OpenSSLKit
@testable import PassiveAuth
import Testing

@Suite("Signed trust bundles")
struct TrustBundleTests {
    let centre: TrustFixture
    let directory: TemporaryDirectory
    let signer: SoftwareKeySigner

    init() throws {
        centre = try TrustFixture().importing(["gmrtd/sod/FR/CSCA.der", "gmrtd/sod/DE/CSCA.der"])
        directory = try TemporaryDirectory("mohur-bundle")
        signer = try SoftwareKeySigner.generate(.ec(.p256), path: directory.path("central.p8"), passphrase: "test")
    }

    @Test func borderPostInstallsAFreshSignedBundle() throws {
        let bundle = directory.path("trust.bundle")
        try TrustBundle.export(centre.store, to: bundle, signer: signer)
        let post = directory.path("post")
        try FileManager.default.createDirectory(atPath: post, withIntermediateDirectories: true)
        try TrustBundle.install(try Array(Data(contentsOf: URL(fileURLWithPath: bundle))), stateDirectory: post, trustedKey: signer.publicKey)
        #expect(try TrustStore.open(stateDirectory: post).counts()["csca"] == 2)
    }

    @Test func refusesTamperedForeignStaleAndOlderBundles() throws {
        let path = directory.path("trust.bundle")
        let now = Date()
        try TrustBundle.export(centre.store, to: path, signer: signer, now: now)
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let post = directory.path("post")
        var tampered = bytes
        tampered[bytes.count / 2] ^= 0x01
        #expect(throws: PassiveAuthError.self) { try TrustBundle.install(tampered, stateDirectory: post, trustedKey: signer.publicKey) }
        let stranger = try SoftwareKeySigner.generate(.ec(.p256), path: directory.path("other.p8"), passphrase: "x")
        #expect(throws: PassiveAuthError.self) { try TrustBundle.install(bytes, stateDirectory: post, trustedKey: stranger.publicKey) }
        #expect(throws: PassiveAuthError.self) {
            try TrustBundle.install(bytes, stateDirectory: post, trustedKey: signer.publicKey, now: now.addingTimeInterval(30 * 86_400))
        }
        try TrustBundle.install(bytes, stateDirectory: post, trustedKey: signer.publicKey, now: now)
        #expect(throws: PassiveAuthError.self, "the same bundle again would be a rollback") {
            try TrustBundle.install(bytes, stateDirectory: post, trustedKey: signer.publicKey, now: now)
        }
    }
}
