import Foundation

/// An officer's session: a bearer token (only its SHA-256 is stored) bound to the certificate
/// the officer proved possession of at log-in.
public struct SessionRecord: Sendable, Hashable {
    public enum CloseReason: String, Sendable { case logout, expired }
    public var tokenSHA256: String
    public var certificateFingerprint: String
    public var certificateDER: [UInt8]
    public var agency: String?
    public var role: String?
    public var openedAt: Date
    public var lastUsedAt: Date
    public var idleSeconds: Int
    public var closedAt: Date?
    public var closeReason: CloseReason?

    public init(tokenSHA256: String, certificateFingerprint: String, certificateDER: [UInt8], agency: String?, role: String?,
                openedAt: Date, idleSeconds: Int) {
        self.tokenSHA256 = tokenSHA256
        self.certificateFingerprint = certificateFingerprint
        self.certificateDER = certificateDER
        self.agency = agency
        self.role = role
        self.openedAt = openedAt
        self.lastUsedAt = openedAt
        self.idleSeconds = idleSeconds
    }
}

/// A dual-control request for a use of a top key, with the decisions made so far.
public struct ApprovalRequestRecord: Sendable, Hashable {
    public enum Status: String, Sendable, Codable { case pending, executed, denied, expired, failed }
    public var id: Int64
    public var operation: String
    /// JSON of the operation's parameters.
    public var parameters: String
    public var target: String
    public var required: Int
    public var requestedBy: String
    public var requestedAt: Date
    public var expiresAt: Date
    public var status: Status
    public var closedAt: Date?
    public var outcome: String?
    /// Fingerprints of the officers who granted it, in order.
    public var grantedBy: [String] = []

    public init(id: Int64 = 0, operation: String, parameters: String, target: String, required: Int, requestedBy: String,
                requestedAt: Date, expiresAt: Date) {
        self.id = id
        self.operation = operation
        self.parameters = parameters
        self.target = target
        self.required = required
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.expiresAt = expiresAt
        self.status = .pending
    }
}

/// A national e-signature certificate mapped to an IAMAS agency and officer role (level 3).
public struct NationalMappingRecord: Sendable, Hashable {
    public var certificateFingerprint: String
    public var subject: String
    public var issuer: String
    public var der: [UInt8]
    public var agency: String
    public var role: String
    public var notAfter: Date
    public var mappedAt: Date
    public var mappedBy: String
    public var withdrawnAt: Date?

    public init(certificateFingerprint: String, subject: String, issuer: String, der: [UInt8], agency: String, role: String,
                notAfter: Date, mappedAt: Date, mappedBy: String) {
        self.certificateFingerprint = certificateFingerprint
        self.subject = subject
        self.issuer = issuer
        self.der = der
        self.agency = agency
        self.role = role
        self.notAfter = notAfter
        self.mappedAt = mappedAt
        self.mappedBy = mappedBy
    }
}

/// Officer sessions, dual-control requests and national mappings, in the PKI database.
extension PKIRepository {
    // MARK: sessions

    public func insertSession(_ s: SessionRecord) throws(StorageError) {
        try database.execute("""
            INSERT INTO officer_sessions(token_sha256, certificate_fingerprint, certificate_der, agency, role, opened_at,
                last_used_at, idle_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [s.tokenSHA256, s.certificateFingerprint, s.certificateDER, s.agency, s.role, s.openedAt, s.lastUsedAt, s.idleSeconds])
    }

    public func session(tokenSHA256: String) throws(StorageError) -> SessionRecord? {
        try database.queryOne("SELECT * FROM officer_sessions WHERE token_sha256 = ?", [tokenSHA256]).map { row throws(StorageError) in
            var record = SessionRecord(
                tokenSHA256: try row.text("token_sha256"), certificateFingerprint: try row.text("certificate_fingerprint"),
                certificateDER: try row.blob("certificate_der"), agency: try row.optionalText("agency"), role: try row.optionalText("role"),
                openedAt: try row.date("opened_at"), idleSeconds: Int(try row.int("idle_seconds")))
            record.lastUsedAt = try row.date("last_used_at")
            record.closedAt = try row.optionalDate("closed_at")
            record.closeReason = try row.optionalText("close_reason").flatMap(SessionRecord.CloseReason.init(rawValue:))
            return record
        }
    }

    public func touchSession(tokenSHA256: String, at date: Date) throws(StorageError) {
        try database.execute("UPDATE officer_sessions SET last_used_at = ? WHERE token_sha256 = ? AND closed_at IS NULL", [date, tokenSHA256])
    }

    /// Closes an open session; false when it was already closed.
    public func closeSession(tokenSHA256: String, at date: Date, reason: SessionRecord.CloseReason) throws(StorageError) -> Bool {
        try database.update("UPDATE officer_sessions SET closed_at = ?, close_reason = ? WHERE token_sha256 = ? AND closed_at IS NULL",
                            [date, reason.rawValue, tokenSHA256]) == 1
    }

    // MARK: dual control

    public func insertApprovalRequest(_ r: ApprovalRequestRecord) throws(StorageError) -> Int64 {
        try database.insert("""
            INSERT INTO approval_requests(operation, parameters, target, required, requested_by, requested_at, expires_at, status)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')
            """, [r.operation, r.parameters, r.target, r.required, r.requestedBy, r.requestedAt, r.expiresAt])
    }

    public func insertApproval(requestID: Int64, officer: String, grant: Bool, at date: Date) throws(StorageError) {
        try database.execute("INSERT INTO approvals(request_id, officer_fingerprint, decision, decided_at) VALUES (?, ?, ?, ?)",
                             [requestID, officer, grant ? "grant" : "deny", date])
    }

    public func closeApprovalRequest(_ id: Int64, status: ApprovalRequestRecord.Status, outcome: String, at date: Date) throws(StorageError) {
        try database.execute("UPDATE approval_requests SET status = ?, outcome = ?, closed_at = ? WHERE id = ?",
                             [status.rawValue, outcome, date, id])
    }

    public func approvalRequest(_ id: Int64) throws(StorageError) -> ApprovalRequestRecord? {
        try approvalRequests(where: "id = ?", [id]).first
    }

    public func approvalRequests(status: ApprovalRequestRecord.Status? = nil) throws(StorageError) -> [ApprovalRequestRecord] {
        if let status { return try approvalRequests(where: "status = ?", [status.rawValue]) }
        return try approvalRequests(where: "TRUE", [])
    }

    /// The officers who decided on a request, in order.
    public func approvals(requestID: Int64) throws(StorageError) -> [(officer: String, grant: Bool)] {
        try database.query("SELECT officer_fingerprint, decision FROM approvals WHERE request_id = ? ORDER BY decided_at, officer_fingerprint", [requestID])
            .map { row throws(StorageError) in (try row.text("officer_fingerprint"), try row.text("decision") == "grant") }
    }

    private func approvalRequests(where clause: String, _ args: [any SQLValueConvertible]) throws(StorageError) -> [ApprovalRequestRecord] {
        try database.query("SELECT * FROM approval_requests WHERE \(clause) ORDER BY id", args).map { row throws(StorageError) in
            var record = ApprovalRequestRecord(
                id: try row.int("id"), operation: try row.text("operation"), parameters: try row.text("parameters"),
                target: try row.text("target"), required: Int(try row.int("required")), requestedBy: try row.text("requested_by"),
                requestedAt: try row.date("requested_at"), expiresAt: try row.date("expires_at"))
            let status = try row.text("status")
            guard let parsed = ApprovalRequestRecord.Status(rawValue: status) else {
                throw StorageError(code: .invalidData, message: "approval request \(record.id) has unknown status '\(status)'")
            }
            record.status = parsed
            record.closedAt = try row.optionalDate("closed_at")
            record.outcome = try row.optionalText("outcome")
            record.grantedBy = try approvals(requestID: record.id).filter(\.grant).map(\.officer)
            return record
        }
    }

    // MARK: national mappings

    public func insertNationalMapping(_ m: NationalMappingRecord) throws(StorageError) {
        try database.execute("""
            INSERT INTO national_mappings(certificate_fingerprint, subject, issuer, der, agency, role, not_after, mapped_at, mapped_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(certificate_fingerprint) DO UPDATE SET agency = excluded.agency, role = excluded.role,
                mapped_at = excluded.mapped_at, mapped_by = excluded.mapped_by, withdrawn_at = NULL
            """, [m.certificateFingerprint, m.subject, m.issuer, m.der, m.agency, m.role, m.notAfter, m.mappedAt, m.mappedBy])
    }

    public func withdrawNationalMapping(fingerprint: String, at date: Date) throws(StorageError) -> Bool {
        try database.update("UPDATE national_mappings SET withdrawn_at = ? WHERE certificate_fingerprint = ? AND withdrawn_at IS NULL",
                            [date, fingerprint]) == 1
    }

    public func nationalMapping(fingerprint: String) throws(StorageError) -> NationalMappingRecord? {
        try database.queryOne("SELECT * FROM national_mappings WHERE certificate_fingerprint = ?", [fingerprint]).map { row throws(StorageError) in
            var record = NationalMappingRecord(
                certificateFingerprint: try row.text("certificate_fingerprint"), subject: try row.text("subject"),
                issuer: try row.text("issuer"), der: try row.blob("der"), agency: try row.text("agency"), role: try row.text("role"),
                notAfter: try row.date("not_after"), mappedAt: try row.date("mapped_at"), mappedBy: try row.text("mapped_by"))
            record.withdrawnAt = try row.optionalDate("withdrawn_at")
            return record
        }
    }
}

extension PKIRepository {
    /// What a cached authorization depends on besides the certificate: a generation the schema's
    /// triggers bump on every revocation, every new root, segment or bridge certificate and every
    /// change of a national mapping, so an unchanged mark means an unchanged answer.
    public struct AuthorizationMark: Sendable, Hashable {
        public var generation: Int64
    }

    public func authorizationMark() throws(StorageError) -> AuthorizationMark {
        guard let row = try database.queryOne("SELECT value FROM authorization_generation WHERE id = 1") else {
            throw StorageError(code: .invalidData, message: "the authorization generation row is missing")
        }
        return AuthorizationMark(generation: try row.int("value"))
    }
}

extension PKIRepository {
    /// Remembers request nonces until their `until`, in one transaction; for each, false when
    /// that key used it before (a replay, also within the same batch). Expired nonces are
    /// dropped on the way when `purgeBefore` is given. The replay cache of states whose stores
    /// are in PostgreSQL, shared by the main and reserve servers.
    public func claimNonces(_ claims: [(keyID: String, nonce: String, until: Date)], purgeBefore: Date?) throws -> [Bool] {
        try database.transaction { db in
            if let purgeBefore { try db.execute("DELETE FROM request_nonces WHERE expires_at < ?", [purgeBefore]) }
            // One statement for the whole batch (a round trip on PostgreSQL): RETURNING names the
            // nonces this insert claimed; a nonce twice in the batch is claimed by its first.
            var inserted = Set<String>()
            for start in stride(from: 0, to: claims.count, by: 200) {
                let chunk = claims[start..<min(start + 200, claims.count)]
                let values = repeatElement("(?, ?, ?)", count: chunk.count).joined(separator: ", ")
                let rows = try db.query("INSERT INTO request_nonces(key_id, nonce, expires_at) VALUES \(values) "
                                        + "ON CONFLICT DO NOTHING RETURNING key_id, nonce",
                                        chunk.flatMap { [$0.keyID, $0.nonce, $0.until] as [any SQLValueConvertible] })
                for row in rows { inserted.insert(try row.text("key_id") + " " + row.text("nonce")) }
            }
            return claims.map { inserted.remove($0.keyID + " " + $0.nonce) != nil }
        }
    }
}
