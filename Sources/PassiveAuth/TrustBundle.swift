import Foundation
import MohurCore
import OpenSSLKit
import Storage

/// The offline replica of the trust store that the centre signs and border posts install
/// (IAMAS rules §4.3.2.3: ICAO signature data collected offline).
///
/// File format, version 1 (all integers big-endian):
/// ```
/// magic      "MOHUR-TRUST-BUNDLE-1\n"                      21 bytes
/// headerLen  UInt32, header: UTF-8 JSON (BundleHeader)      createdAt, expiresAt, payload SHA-256,
///                                                           signature scheme, signer key identifier
/// payloadLen UInt64, payload: a SQLite trust store (VACUUM INTO snapshot, schema = TrustSchema)
/// sigLen     UInt32, signature over every byte before sigLen, made by the central key
/// ```
/// A border post accepts a bundle only if the signature verifies under the key it was given,
/// the payload hash matches, the bundle is within [createdAt, expiresAt], and it is newer than
/// the bundle installed before (no rollback to older trust data).
public enum TrustBundle {
    static let magic = Array("MOHUR-TRUST-BUNDLE-1\n".utf8)

    public struct Header: Codable, Sendable {
        public var formatVersion: Int
        public var createdAt: Date
        public var expiresAt: Date
        public var payloadSHA256: String
        public var scheme: SignatureScheme
        public var signerKeyIdentifier: String
    }

    /// Writes the store at `store` as a bundle signed by `signer`, valid for `validity` seconds.
    @discardableResult
    public static func export(_ store: TrustStore, to path: String, signer: any Signer, now: Date = Date(),
                              validity: TimeInterval = 7 * 86_400) throws -> Header {
        let snapshot = path + ".snapshot-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: snapshot) }
        try store.database.execute("VACUUM INTO ?", [snapshot])
        guard let payload = FileManager.default.contents(atPath: snapshot).map(Array.init) else {
            throw PassiveAuthError(.system, "could not read the snapshot of the trust store at \(snapshot)")
        }
        let header = Header(formatVersion: 1, createdAt: now, expiresAt: now.addingTimeInterval(validity),
                            payloadSHA256: Digest.hex(Digest.sha256(payload)), scheme: signer.defaultScheme,
                            signerKeyIdentifier: Digest.hex((try? signer.publicKey.keyIdentifier()) ?? []))
        var bytes = magic
        let headerBytes = Array(try encoder.encode(header))
        bytes += be(UInt32(headerBytes.count)) + headerBytes + be(UInt64(payload.count)) + payload
        let signature = try signer.sign(bytes, scheme: header.scheme)
        bytes += be(UInt32(signature.count)) + signature
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw PassiveAuthError(.system, "cannot write the bundle to \(path)")
        }
        return header
    }

    /// Verifies `bundle` under `trustedKey` and replaces `<state>/trust.sqlite` with its payload
    /// in one rename. Throws `.refused` for a bad signature, hash, age or a rollback.
    @discardableResult
    public static func install(_ bundle: [UInt8], stateDirectory: String, trustedKey: PublicKey,
                               now: Date = Date()) throws -> Header {
        let (header, payload) = try verify(bundle, trustedKey: trustedKey, now: now)
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let target = TrustStore.path(inState: stateDirectory)
        if FileManager.default.fileExists(atPath: target) {
            let current = try TrustStore(database: Database(path: target))
            if let installed = try current.database.queryOne("SELECT value FROM trust_meta WHERE key = 'bundle_created_at'"),
               let previous = Double(try installed.text("value")), header.createdAt.timeIntervalSince1970 <= previous {
                throw PassiveAuthError(.refused, "the bundle was created \(header.createdAt), not after the installed one; refusing to roll back")
            }
            try current.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        let incoming = target + ".incoming"
        try? FileManager.default.removeItem(atPath: incoming)
        guard FileManager.default.createFile(atPath: incoming, contents: Data(payload)) else {
            throw PassiveAuthError(.system, "cannot write \(incoming)")
        }
        do {
            let database = try Database(path: incoming, synchronous: .full)
            let store = try TrustStore(database: database)
            try store.database.execute("INSERT OR REPLACE INTO trust_meta(key, value) VALUES ('bundle_created_at', ?)",
                                       [String(header.createdAt.timeIntervalSince1970)])
            try store.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: incoming + suffix) }
        guard rename(incoming, target) == 0 else {
            throw PassiveAuthError(.system, "cannot replace \(target): \(String(cString: strerror(errno)))")
        }
        return header
    }

    /// Checks magic, signature, payload hash and freshness; returns the header and payload.
    public static func verify(_ bundle: [UInt8], trustedKey: PublicKey, now: Date) throws -> (Header, [UInt8]) {
        var reader = Reader(bytes: bundle)
        guard reader.take(magic.count) == magic[...] else { throw PassiveAuthError(.badInput, "not a Mohur trust bundle (bad magic)") }
        guard let headerLength = reader.integer(4), let headerBytes = reader.take(Int(headerLength)),
              let payloadLength = reader.integer(8), payloadLength <= UInt64(bundle.count),
              let payload = reader.take(Int(payloadLength)) else {
            throw PassiveAuthError(.badInput, "the trust bundle is truncated")
        }
        let signed = Array(bundle[..<reader.offset])
        guard let signatureLength = reader.integer(4), let signature = reader.take(Int(signatureLength)), reader.offset == bundle.count else {
            throw PassiveAuthError(.badInput, "the trust bundle's signature is truncated or followed by extra bytes")
        }
        let header: Header
        do { header = try decoder.decode(Header.self, from: Data(headerBytes)) } catch {
            throw PassiveAuthError(.badInput, "the trust bundle header does not decode: \(error)")
        }
        guard trustedKey.verify(signature: Array(signature), message: signed, using: header.scheme.verificationScheme) else {
            throw PassiveAuthError(.refused, "the trust bundle's signature does not verify under the trusted central key")
        }
        guard Digest.hex(Digest.sha256(Array(payload))) == header.payloadSHA256 else {
            throw PassiveAuthError(.refused, "the trust bundle's payload does not match its signed hash")
        }
        guard header.createdAt.addingTimeInterval(-300) <= now, now <= header.expiresAt else {
            throw PassiveAuthError(.refused, "the trust bundle is valid \(header.createdAt)…\(header.expiresAt), not at \(now); ask the centre for a fresh one")
        }
        return (header, Array(payload))
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0
        mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, bytes.count - offset >= count else { return nil }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }
        mutating func integer(_ width: Int) -> UInt64? {
            take(width)?.reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    private static func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }
}
