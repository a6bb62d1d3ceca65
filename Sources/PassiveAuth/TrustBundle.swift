import Foundation
import MohurCore
import OpenSSLKit
import Storage

/// The offline replica of the trust store that the centre signs and border posts install
/// (IAMAS rules §4.3.2.3: ICAO signature data collected offline).
///
/// File format, version 2 (all integers big-endian):
/// ```
/// magic      "MOHUR-TRUST-BUNDLE-2\n"                      21 bytes
/// headerLen  UInt32, header: UTF-8 JSON (Header)           version, createdAt, expiresAt, payload
///                                                          SHA-256, signature scheme, the signer's
///                                                          certificate (DER, base64)
/// payloadLen UInt64, payload: a SQLite trust store (schema = TrustSchema)
/// sigLen     UInt32, signature over every byte before sigLen
/// ```
/// The signer is the level-1 trust-distribution key in the HSM, certified by the IAMAS root
/// with extended key usage id-iamas-kp-trustDistribution. A border post accepts a bundle only if
/// that certificate verifies under the root it holds and has that purpose, the signature and
/// the payload hash verify, the bundle is within [createdAt, expiresAt], and its version is
/// higher than the installed one's (no rollback to older trust data).
public enum TrustBundle {
    static let magic = Array("MOHUR-TRUST-BUNDLE-2\n".utf8)

    public struct Header: Codable, Sendable {
        public var formatVersion: Int
        /// Increases with every bundle the centre exports; a post refuses one not above its own.
        public var version: Int64
        public var createdAt: Date
        public var expiresAt: Date
        public var payloadSHA256: String
        public var scheme: SignatureScheme
        /// The trust-distribution certificate (DER, base64).
        public var signerCertificate: String
    }

    /// Writes the store as a bundle signed by `signer`, whose certificate is `certificate`.
    @discardableResult
    public static func export(_ store: TrustStore, to path: String, signer: any Signer, certificate: Certificate,
                              now: Date = Date(), validity: TimeInterval = 7 * 86_400) throws -> Header {
        let version = try store.nextBundleVersion()
        let snapshot = path + ".snapshot-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: snapshot) }
        try store.snapshot(to: snapshot)
        guard let payload = FileManager.default.contents(atPath: snapshot).map(Array.init) else {
            throw PassiveAuthError(.system, "could not read the snapshot of the trust store at \(snapshot)")
        }
        let header = Header(formatVersion: 2, version: version, createdAt: now, expiresAt: now.addingTimeInterval(validity),
                            payloadSHA256: Digest.hex(Digest.sha256(payload)), scheme: signer.defaultScheme,
                            signerCertificate: Data(certificate.derEncoded).base64EncodedString())
        var bytes = magic
        let headerBytes = Array(try encoder.encode(header))
        bytes += be(UInt32(headerBytes.count)) + headerBytes + be(UInt64(payload.count)) + payload
        let signature = try signer.sign(bytes, scheme: header.scheme)
        bytes += be(UInt32(signature.count)) + signature
        try OutputFile.write(bytes, to: path)
        return header
    }

    /// Verifies `bundle` up to `root` (or, without one, the root pinned by the bundle installed
    /// before) and replaces `<state>/trust.sqlite` with its payload in one rename. Throws
    /// `.refused` for a bad certificate, signature, hash, age or an older version.
    @discardableResult
    public static func install(_ bundle: [UInt8], stateDirectory: String, root given: Certificate?, now: Date = Date()) throws -> Header {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let target = TrustStore.path(inState: stateDirectory)
        var installedVersion: Int64?
        var pinned: Certificate?
        if FileManager.default.fileExists(atPath: target) {
            let current = try TrustStore(database: Database(path: target))
            installedVersion = try current.meta("bundle_version").flatMap { Int64($0) }
            pinned = try current.meta("l1_root").flatMap { Data(base64Encoded: $0) }.flatMap { try? Certificate(derEncoded: Array($0)) }
            try current.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        guard let root = given ?? pinned else {
            throw PassiveAuthError(.badInput, "no IAMAS root to verify the bundle with: give --root (the L1 root certificate) for the first bundle")
        }
        let (header, payload) = try verify(bundle, root: root, now: now)
        if let installedVersion, header.version <= installedVersion {
            throw PassiveAuthError(.refused, "the bundle is version \(header.version), not above the installed version \(installedVersion); refusing to roll back")
        }
        let incoming = target + ".incoming"
        try? FileManager.default.removeItem(atPath: incoming)
        guard FileManager.default.createFile(atPath: incoming, contents: Data(payload)) else {
            throw PassiveAuthError(.system, "cannot write \(incoming)")
        }
        do {
            let store = try TrustStore(database: try Database(path: incoming, synchronous: .full))
            try store.setMeta("bundle_version", String(header.version))
            try store.setMeta("bundle_created_at", String(header.createdAt.timeIntervalSince1970))
            try store.setMeta("l1_root", Data(root.derEncoded).base64EncodedString())
            try store.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: incoming + suffix) }
        guard rename(incoming, target) == 0 else {
            throw PassiveAuthError(.system, "cannot replace \(target): \(String(cString: strerror(errno)))")
        }
        return header
    }

    /// Checks magic, the signer's certificate against `root`, the signature, the payload hash
    /// and freshness; returns the header and payload.
    public static func verify(_ bundle: [UInt8], root: Certificate, now: Date) throws -> (Header, [UInt8]) {
        var reader = Reader(bytes: bundle)
        guard reader.take(magic.count) == magic[...] else {
            throw PassiveAuthError(.badInput, "not a Mohur trust bundle of format 2 (bad magic); ask the centre for a current export")
        }
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
        let signer = try signerCertificate(header, root: root, now: now)
        guard (try? signer.publicKey())?.verify(signature: Array(signature), message: signed, using: header.scheme.verificationScheme) == true else {
            throw PassiveAuthError(.refused, "the trust bundle's signature does not verify under its trust-distribution certificate")
        }
        guard Digest.hex(Digest.sha256(Array(payload))) == header.payloadSHA256 else {
            throw PassiveAuthError(.refused, "the trust bundle's payload does not match its signed hash")
        }
        guard header.createdAt.addingTimeInterval(-300) <= now, now <= header.expiresAt else {
            throw PassiveAuthError(.refused, "the trust bundle is valid \(header.createdAt)…\(header.expiresAt), not at \(now); ask the centre for a fresh one")
        }
        return (header, Array(payload))
    }

    /// The bundle's signer: issued by `root` (name and signature), valid now, and certified for
    /// trust distribution and nothing that could be mistaken for it.
    static func signerCertificate(_ header: Header, root: Certificate, now: Date) throws -> Certificate {
        guard let der = Data(base64Encoded: header.signerCertificate), let signer = try? Certificate(derEncoded: Array(der)) else {
            throw PassiveAuthError(.badInput, "the trust bundle's signer certificate does not decode")
        }
        guard signer.issuer.normalisedKey == root.subject.normalisedKey, let rootKey = try? root.publicKey(),
              signer.verifySignature(issuerKey: rootKey) else {
            throw PassiveAuthError(.refused, "the trust bundle's signer \(signer.subject) is not certified by the root \(root.subject)")
        }
        guard PassiveAuthenticator.within(signer, now), PassiveAuthenticator.within(root, now) else {
            throw PassiveAuthError(.refused, "the trust bundle's signer \(PassiveAuthenticator.range(signer)) or the root \(PassiveAuthenticator.range(root)) is not valid now")
        }
        guard signer.extendedKeyUsages.contains(OID.iamasTrustDistribution), !signer.isCA else {
            throw PassiveAuthError(.refused, "\(signer.subject) is not a trust-distribution certificate (extended key usage \(OID.iamasTrustDistribution) missing)")
        }
        return signer
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

extension TrustStore {
    func meta(_ key: String) throws(StorageError) -> String? {
        try database.queryOne("SELECT value FROM trust_meta WHERE key = ?", [key])?.text("value")
    }

    func setMeta(_ key: String, _ value: String) throws(StorageError) {
        try database.execute("INSERT INTO trust_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])
    }

    /// The next export's version: one above the last, counted in the centre's store.
    func nextBundleVersion() throws -> Int64 {
        try database.transaction { _ in
            let next = (try meta("exported_bundle_version").flatMap { Int64($0) } ?? 0) + 1
            try setMeta("exported_bundle_version", String(next))
            return next
        }
    }

    /// A SQLite copy of the store at `path`: `VACUUM INTO` for SQLite; for the central store in
    /// PostgreSQL, a fresh SQLite store filled with its certificates, CRLs and deviation lists.
    func snapshot(to path: String) throws {
        guard database.dialect == .postgresql else {
            try database.execute("VACUUM INTO ?", [path])
            return
        }
        let copy = try TrustStore(database: try Database(path: path, synchronous: .full))
        try copy.database.transaction { target in
            for table in ["trust_certificates", "trust_crls", "trust_deviation_lists"] {
                for row in try database.query("SELECT * FROM \(table) ORDER BY id") {
                    let columns = row.columnNames
                    try target.execute("INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                                       columns.map { row[$0] })
                }
            }
        }
        try copy.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}
