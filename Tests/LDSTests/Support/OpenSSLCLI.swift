import Foundation
import MohurTestSupport

/// The `openssl` command line tool as an independent judge (tests only; the LDS module
/// itself does no cryptography).
enum OpenSSLCLI {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `openssl` with `arguments`; returns standard output, throws on a non-zero exit.
    @discardableResult
    static func run(_ arguments: [String]) throws -> [UInt8] {
        let result = try MohurTestSupport.run("openssl", arguments)
        guard result.status == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return Array(result.stdoutData)
    }

    /// The digest of `bytes` with `algorithm` (`sha1`, `sha256`, …) as computed by `openssl dgst`.
    static func digest(_ algorithm: String, of bytes: [UInt8]) throws -> [UInt8] {
        try TemporaryFile.with(bytes) { path in
            try run(["dgst", "-\(algorithm)", "-binary", path])
        }
    }
}

/// A file in the temporary directory, removed after use.
enum TemporaryFile {
    static func with<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("lds-test-\(UUID().uuidString).bin")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }
}

/// The openssl digest name for a hash algorithm OID.
func opensslDigestName(forOID oid: String) -> String? {
    [
        "1.3.14.3.2.26": "sha1",
        "2.16.840.1.101.3.4.2.4": "sha224",
        "2.16.840.1.101.3.4.2.1": "sha256",
        "2.16.840.1.101.3.4.2.2": "sha384",
        "2.16.840.1.101.3.4.2.3": "sha512",
    ][oid]
}

/// Hex rendering for expectations and messages.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
