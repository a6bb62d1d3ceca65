import Foundation
import OpenSSLKit
import Storage

/// The border post's trust store: foreign CSCAs, link certificates, Document Signers and CRLs
/// with their provenance, in one SQLite file (`<state>/trust.sqlite`). Passive authentication
/// reads it through a ``TrustIndex`` snapshot.
public struct TrustStore: Sendable {
    public let database: Database

    /// The trust store file inside a state directory.
    public static func path(inState directory: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent("trust.sqlite").path
    }

    /// Opens (creating and migrating if needed) the store of a state directory; the directory
    /// is created if missing, since a border post may have no other state.
    public static func open(stateDirectory: String) throws -> TrustStore {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        return try TrustStore(database: Database(path: path(inState: stateDirectory)))
    }

    /// What changes whenever the store does: certificates and CRLs are only ever added, and a
    /// bundle install replaces the store; so the highest ids, the counts and the installed
    /// bundle's time together name its content. One query, for a store in PostgreSQL, where no
    /// file can be watched.
    public func generation() throws -> String {
        let row = try database.queryOne("""
            SELECT (SELECT COALESCE(MAX(id), 0) FROM trust_certificates) AS c, (SELECT COUNT(*) FROM trust_certificates) AS cn,
                   (SELECT COALESCE(MAX(id), 0) FROM trust_crls) AS r, (SELECT COUNT(*) FROM trust_crls) AS rn,
                   (SELECT COALESCE(MAX(value), '') FROM trust_meta WHERE key = 'bundle_created_at') AS b
            """)
        guard let row else { return "" }
        return "\(try row.int("c"))/\(try row.int("cn"))/\(try row.int("r"))/\(try row.int("rn"))/\(try row.text("b"))"
    }

    public init(database: Database) throws(StorageError) {
        self.database = database
        try database.migrate(TrustSchema.migrations)
    }

    // MARK: writing

    /// Stores a certificate unless one with the same DER is present; its id either way.
    func insert(_ certificate: PreparedCertificate, source: SourceKind, file: String, at now: Date) throws(StorageError) -> (ImportOutcome.Result, Int64) {
        let c = certificate
        let inserted = try database.queryOne("""
            INSERT INTO trust_certificates(kind, country, subject, subject_key, issuer_key, serial, ski, aki,
                not_before, not_after, der, fingerprint, source_kind, source_file, imported_at, warnings)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(fingerprint) DO NOTHING RETURNING id
            """, [c.kind.rawValue, c.country, c.subject, c.subjectKey, c.issuerKey, c.serial, c.ski, c.aki, c.notBefore, c.notAfter,
                  c.der, c.fingerprint, source.rawValue, file, now, c.warnings.joined(separator: "\n")])
        if let inserted { return (.added, try inserted.int("id")) }
        guard let existing = try database.queryOne("SELECT id FROM trust_certificates WHERE fingerprint = ?", [c.fingerprint]) else {
            throw StorageError(code: .step, message: "certificate \(c.fingerprint) was neither inserted nor found")
        }
        return (.alreadyPresent, try existing.int("id"))
    }

    /// Stores a CRL that verified under the stored CSCA `csca`.
    func insert(_ crl: CRL, verifiedBy csca: TrustedCertificate, source: SourceKind, file: String,
                at now: Date) throws(StorageError) -> ImportOutcome.Result {
        let changed = try database.update("""
            INSERT INTO trust_crls(country, issuer, csca_id, csca_ski, this_update, next_update, der, fingerprint,
                source_kind, source_file, imported_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(fingerprint) DO NOTHING
            """, [csca.country, crl.issuer.description, csca.id, csca.certificate.subjectKeyIdentifier.hexOrNil,
                  crl.thisUpdate, crl.nextUpdate, crl.derEncoded, Digest.hex(Digest.sha256(crl.derEncoded)),
                  source.rawValue, file, now])
        return changed == 0 ? .alreadyPresent : .added
    }

    // MARK: reading

    /// Stored certificates, optionally of one kind and/or country, oldest import first.
    public func certificates(kind: TrustKind? = nil, country: String? = nil) throws -> [TrustedCertificate] {
        var clauses: [String] = []
        var args: [any SQLValueConvertible] = []
        if let kind { clauses.append("kind = ?"); args.append(kind.rawValue) }
        if let country { clauses.append("country = ?"); args.append(country.uppercased()) }
        return try certificates(where: clauses.isEmpty ? "TRUE" : clauses.joined(separator: " AND "), args)
    }

    /// Certificates whose subjectKeyIdentifier is `ski` or whose normalised subject is `subjectKey`:
    /// the candidates to have issued a CRL or certificate.
    func candidateIssuers(ski: [UInt8]?, subjectKey: String) throws -> [TrustedCertificate] {
        try certificates(where: "kind != 'dsc' AND (ski = ? OR subject_key = ?)", [ski.hexOrNil, subjectKey])
    }

    func certificates(where clause: String, _ args: [any SQLValueConvertible]) throws -> [TrustedCertificate] {
        // A row OpenSSL cannot read (none should be: imports check what they file) is left out
        // rather than failing every check that reads the store.
        try database.query("SELECT * FROM trust_certificates WHERE \(clause) ORDER BY id", args).compactMap { row in
            let warnings = try row.text("warnings")
            guard let certificate = try? Certificate(derEncoded: try row.blob("der")) else { return nil }
            return TrustedCertificate(
                id: try row.int("id"), kind: TrustKind(rawValue: try row.text("kind")) ?? .csca,
                country: try row.text("country"), certificate: certificate,
                sourceKind: SourceKind(rawValue: try row.text("source_kind")) ?? .file,
                sourceFile: try row.text("source_file"), importedAt: try row.date("imported_at"),
                warnings: warnings.isEmpty ? [] : warnings.components(separatedBy: "\n"))
        }
    }

    /// Every stored CRL.
    public func crls() throws -> [TrustedCRL] { try crls(where: "TRUE", []) }

    func crls(where clause: String, _ arguments: [any SQLValueConvertible]) throws -> [TrustedCRL] {
        try database.query("SELECT * FROM trust_crls WHERE \(clause) ORDER BY id", arguments).map { row in
            TrustedCRL(id: try row.int("id"), country: try row.text("country"), crl: try CRL(derEncoded: try row.blob("der")),
                       cscaID: try row.int("csca_id"),
                       cscaSKI: try row.optionalText("csca_ski").flatMap { Digest.bytes(fromHex: $0) },
                       sourceFile: try row.text("source_file"))
        }
    }

    /// Counts per kind, for `trust list`.
    public func counts() throws(StorageError) -> [String: Int] {
        var result: [String: Int] = [:]
        for row in try database.query("SELECT kind, COUNT(*) AS n FROM trust_certificates GROUP BY kind") {
            result[try row.text("kind")] = Int(try row.int("n"))
        }
        result["crl"] = Int(try database.queryOne("SELECT COUNT(*) AS n FROM trust_crls")?.int("n") ?? 0)
        return result
    }

    /// CSCA and link certificates only: what a signed list's signer may chain to.
    func anchorIndex() throws -> TrustIndex {
        TrustIndex(certificates: try certificates(where: "kind != 'dsc'", []))
    }

    /// A snapshot for passive authentication.
    public func index() throws -> TrustIndex {
        TrustIndex(certificates: try certificates(), crls: try crls(), deviationLists: try deviationLists())
    }
}
