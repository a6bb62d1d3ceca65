import CA
import Foundation
import HSM
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PKITestSupport
import Storage
import Testing

@Suite("Private keys stay private", .serialized)
struct KeySecurityTests {
    @Test("every authority key on the PKCS#11 token is sensitive and not extractable")
    func tokenKeysAreNonExtractable() throws {
        let f = try PKIFixture()
        for view in try f.pki.authorities() {
            let signer = try #require(try f.pki.keys.load(reference: view.record.keyRef) as? PKCS11Signer)
            let attributes = try signer.key.attributes()
            #expect(attributes.sensitive && !attributes.extractable, "\(view.record.name)")
            #expect(attributes.neverExtractable && attributes.alwaysSensitive, "\(view.record.name)")
        }
    }

    @Test("no private key byte reaches SQLite: software keys' private scalars are absent from the database files")
    func noPrivateKeyInDatabase() throws {
        let keysDir = try TemporaryDirectory("mohur-softkeys")
        let store = SoftwareKeyStore(directory: keysDir.url.path, passphrase: "test passphrase")
        let f = try PKIFixture(keys: store)
        _ = try f.pki.rotateSigner(.documentSigner)
        var scanned = 0
        let files = try FileManager.default.contentsOfDirectory(atPath: f.directory.url.path).filter { $0.hasPrefix("mohur.sqlite") }
        let database = try files.flatMap { try Data(contentsOf: f.directory.url.appendingPathComponent($0)) }
        for file in try FileManager.default.contentsOfDirectory(atPath: keysDir.url.path) {
            let path = keysDir.path(file)
            let text = try openssl(["pkey", "-in", path, "-passin", "pass:test passphrase", "-text", "-noout"])
            #expect(text.status == 0, "\(text.output)")
            let secret = try privateScalar(text.stdout)
            // A scalar may start with zero octets (1 in 256 per key), so the bound is loose.
            #expect(secret.count >= 24, "private scalar of \(file) is implausibly short")
            #expect(!contains(database, secret), "private key of \(file) found in the database")
            #expect(!contains(database, Array(Digest.hex(secret).utf8)), "hex private key of \(file) found in the database")
            scanned += 1
        }
        #expect(scanned == 22, "20 authorities, the first security officer, the journal")
        // The database names the key only by reference.
        for key in try f.repository.keys() { #expect(key.ref.hasPrefix("file:")) }
    }

    /// The "priv:" block of `openssl pkey -text`.
    func privateScalar(_ text: String) throws -> [UInt8] {
        var collecting = false
        var hex = ""
        for line in text.split(separator: "\n") {
            if line.hasPrefix("priv:") { collecting = true; continue }
            if collecting {
                guard line.hasPrefix("    ") else { break }
                hex += line.trimmingCharacters(in: .whitespaces)
            }
        }
        guard let bytes = Digest.bytes(fromHex: hex), !bytes.isEmpty else { throw TestFailure("no priv: block in\n\(text)") }
        return Array(bytes.drop { $0 == 0 })
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                for start in 0...(h.count - n.count) where h[start] == n[0] {
                    if memcmp(h.baseAddress! + start, n.baseAddress!, n.count) == 0 { return true }
                }
                return false
            }
        }
    }
}
