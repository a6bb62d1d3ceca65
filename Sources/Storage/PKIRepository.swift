import Foundation

/// Reads and writes the PKI state. All multi-row changes go through `database.transaction`
/// so that a failure half-way loses nothing already stored.
public struct PKIRepository: Sendable {
    public let database: Database
    /// Journal entries staged with the operations that made them (see `AuditOutbox`).
    public let outbox: AuditOutbox

    public init(database: Database) throws(StorageError) {
        self.database = database
        self.outbox = AuditOutbox(database: database)
        try database.migrate(PKISchema.migrations)
    }

    // MARK: settings

    public func setting(_ key: String) throws(StorageError) -> String? {
        try database.queryOne("SELECT value FROM settings WHERE key = ?", [key])?.text("value")
    }

    public func setSetting(_ key: String, _ value: String) throws(StorageError) {
        try database.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                             [key, value])
    }

    // MARK: keys

    public func insertKey(_ key: KeyRecord) throws(StorageError) {
        try database.execute("INSERT INTO keys(ref, label, spec, backend, public_key, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                             [key.ref, key.label, key.spec, key.backend, key.publicKey, key.createdAt])
    }

    public func key(ref: String) throws(StorageError) -> KeyRecord? {
        try database.queryOne("SELECT * FROM keys WHERE ref = ?", [ref]).map(Self.keyRecord)
    }

    public func keys() throws(StorageError) -> [KeyRecord] {
        try database.query("SELECT * FROM keys ORDER BY created_at, label").map(Self.keyRecord)
    }

    // MARK: certificates

    /// Stores a certificate and returns its row id.
    @discardableResult
    public func insertCertificate(_ c: CertificateRecord) throws(StorageError) -> Int64 {
        try database.insert("""
            INSERT INTO certificates(serial, issuer, issuer_authority, subject, role, der, fingerprint, ski, aki,
                not_before, not_after, key_usage_not_before, key_usage_not_after, key_ref, issued_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [c.serial, c.issuer, c.issuerAuthority, c.subject, c.role, c.der, c.fingerprint, c.ski, c.aki,
                  c.notBefore, c.notAfter, c.keyUsageNotBefore, c.keyUsageNotAfter, c.keyRef, c.issuedAt])
    }

    public func certificate(id: Int64) throws(StorageError) -> CertificateRecord? {
        try certificates(where: "c.id = ?", [id]).first
    }

    /// The certificate with this SHA-256 fingerprint (lower-case hex), if Mohur stores it.
    public func certificate(fingerprint: String) throws(StorageError) -> CertificateRecord? {
        try certificates(where: "c.fingerprint = ?", [fingerprint]).first
    }

    /// Certificates whose serial (hex, any case, optional ':' separators) matches.
    public func certificates(serial: String) throws(StorageError) -> [CertificateRecord] {
        let normalised = serial.lowercased().replacingOccurrences(of: ":", with: "")
        return try certificates(where: "c.serial = ?", [normalised])
    }

    public func certificates(issuerAuthority: String? = nil, role: String? = nil) throws(StorageError) -> [CertificateRecord] {
        var clauses: [String] = []
        var args: [any SQLValueConvertible] = []
        if let issuerAuthority { clauses.append("c.issuer_authority = ?"); args.append(issuerAuthority) }
        if let role { clauses.append("c.role = ?"); args.append(role) }
        return try certificates(where: clauses.isEmpty ? "TRUE" : clauses.joined(separator: " AND "), args)
    }

    public func serialExists(_ serial: String) throws(StorageError) -> Bool {
        try database.queryOne("SELECT 1 AS one FROM certificates WHERE serial = ?", [serial]) != nil
    }

    private func certificates(where clause: String, _ args: [any SQLValueConvertible]) throws(StorageError) -> [CertificateRecord] {
        try database.query("""
            SELECT c.*, r.reason AS r_reason, r.revoked_at AS r_revoked_at, r.recorded_at AS r_recorded_at
            FROM certificates c LEFT JOIN revocations r ON r.certificate_id = c.id
            WHERE \(clause) ORDER BY c.issued_at, c.id
            """, args).map(Self.certificateRecord)
    }

    // MARK: authorities

    public func insertAuthority(_ a: AuthorityRecord) throws(StorageError) {
        try database.execute("""
            INSERT INTO authorities(name, role, level, agency, key_ref, certificate_id, status, generation, crl_number, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [a.name, a.role, a.level, a.agency, a.keyRef, a.certificateID, a.status, a.generation, a.crlNumber, a.createdAt])
    }

    public func authority(_ name: String) throws(StorageError) -> AuthorityRecord? {
        try database.queryOne("SELECT * FROM authorities WHERE name = ?", [name]).map(Self.authorityRecord)
    }

    public func authorities(role: String? = nil) throws(StorageError) -> [AuthorityRecord] {
        if let role {
            return try database.query("SELECT * FROM authorities WHERE role = ? ORDER BY level, generation, name", [role])
                .map(Self.authorityRecord)
        }
        return try database.query("SELECT * FROM authorities ORDER BY level, role, agency, generation, name").map(Self.authorityRecord)
    }

    public func setAuthorityStatus(_ name: String, _ status: String) throws(StorageError) {
        try database.execute("UPDATE authorities SET status = ? WHERE name = ?", [status, name])
    }

    /// Increments and returns the authority's next cRLNumber (RFC 5280 §5.2.3: monotonically
    /// increasing). Call inside the transaction that stores the CRL.
    public func nextCRLNumber(_ authority: String) throws(StorageError) -> Int64 {
        try database.execute("UPDATE authorities SET crl_number = crl_number + 1 WHERE name = ?", [authority])
        guard let row = try database.queryOne("SELECT crl_number FROM authorities WHERE name = ?", [authority]) else {
            throw StorageError(code: .notFound, message: "authority \(authority) does not exist", sqliteCode: 0)
        }
        return try row.int("crl_number")
    }

    // MARK: revocations and CRLs

    public func insertRevocation(_ r: RevocationRecord) throws(StorageError) {
        try database.execute("INSERT INTO revocations(certificate_id, reason, revoked_at, recorded_at) VALUES (?, ?, ?, ?)",
                             [r.certificateID, r.reason, r.revokedAt, r.recordedAt])
    }

    /// Revoked certificates an authority issued, for its next CRL.
    public func revokedCertificates(issuerAuthority: String) throws(StorageError) -> [CertificateRecord] {
        try certificates(where: "c.issuer_authority = ? AND r.certificate_id IS NOT NULL", [issuerAuthority])
    }

    public func insertCRL(_ c: CRLRecord) throws(StorageError) {
        try database.execute("INSERT INTO crls(authority, crl_number, this_update, next_update, der) VALUES (?, ?, ?, ?, ?)",
                             [c.authority, c.crlNumber, c.thisUpdate, c.nextUpdate, c.der])
    }

    public func latestCRL(authority: String) throws(StorageError) -> CRLRecord? {
        try database.queryOne("SELECT * FROM crls WHERE authority = ? ORDER BY crl_number DESC LIMIT 1", [authority])
            .map(Self.crlRecord)
    }

    // MARK: row mapping

    static func keyRecord(_ row: Row) throws(StorageError) -> KeyRecord {
        KeyRecord(ref: try row.text("ref"), label: try row.text("label"), spec: try row.text("spec"),
                  backend: try row.text("backend"), publicKey: try row.blob("public_key"), createdAt: try row.date("created_at"))
    }

    static func certificateRecord(_ row: Row) throws(StorageError) -> CertificateRecord {
        var record = CertificateRecord(
            id: try row.int("id"), serial: try row.text("serial"), issuer: try row.text("issuer"),
            issuerAuthority: try row.optionalText("issuer_authority"), subject: try row.text("subject"),
            role: try row.text("role"), der: try row.blob("der"), fingerprint: try row.text("fingerprint"),
            ski: try row.optionalText("ski"), aki: try row.optionalText("aki"), notBefore: try row.date("not_before"),
            notAfter: try row.date("not_after"), keyUsageNotBefore: try optionalDate(row, "key_usage_not_before"),
            keyUsageNotAfter: try optionalDate(row, "key_usage_not_after"), keyRef: try row.optionalText("key_ref"),
            issuedAt: try row.date("issued_at"))
        if let reason = try row.optionalText("r_reason") {
            record.revocation = RevocationRecord(certificateID: record.id, reason: reason,
                                                 revokedAt: try row.date("r_revoked_at"), recordedAt: try row.date("r_recorded_at"))
        }
        return record
    }

    static func authorityRecord(_ row: Row) throws(StorageError) -> AuthorityRecord {
        AuthorityRecord(name: try row.text("name"), role: try row.text("role"), level: Int(try row.int("level")),
                        agency: try row.optionalText("agency"), keyRef: try row.text("key_ref"),
                        certificateID: try row.int("certificate_id"), status: try row.text("status"),
                        generation: Int(try row.int("generation")), crlNumber: try row.int("crl_number"),
                        createdAt: try row.date("created_at"))
    }

    static func crlRecord(_ row: Row) throws(StorageError) -> CRLRecord {
        CRLRecord(authority: try row.text("authority"), crlNumber: try row.int("crl_number"),
                  thisUpdate: try row.date("this_update"), nextUpdate: try row.date("next_update"), der: try row.blob("der"))
    }

    static func optionalDate(_ row: Row, _ column: String) throws(StorageError) -> Date? {
        guard let ms = try row.optionalInt(column) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(ms) / 1000)
    }
}
