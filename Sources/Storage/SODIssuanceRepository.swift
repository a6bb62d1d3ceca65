import Foundation

/// One signed EF.SOD (Doc 9303-10 §4.6.2): the document it was made for, the Document Signer
/// that signed it and the data group hashes it covers, so that a document can be traced to its
/// signer and its blank. Data group contents are never part of it.
public struct SODIssuanceRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var documentNumber: String
    public var documentType: String
    /// The holder's FIN (7 characters, A–Z and 0–9), when the issuing centre gave one.
    public var fin: String?
    /// The authority name of the Document Signer (e.g. `ds-1`).
    public var dsAuthority: String
    /// The Document Signer certificate's serial, lower-case hex.
    public var dsSerial: String
    /// The LDS security object's hash algorithm, e.g. `SHA-256`.
    public var hashAlgorithm: String
    /// Data group number → hash (lower-case hex), in ascending data group order.
    public var dataGroupHashes: [Int: String]
    /// SHA-256 of the EF.SOD file, lower-case hex.
    public var sodSHA256: String
    public var signedAt: Date
    /// The caller's request id (`X-Request-Id`) when the SOD was signed for a service request:
    /// a retry with the same id gets this issuance back instead of a second SOD.
    public var requestID: String?
    /// The EF.SOD itself, kept with a request id so that a retry can be answered (it holds data
    /// group hashes and the signature, never data group contents).
    public var sod: [UInt8]?

    public init(id: Int64 = 0, documentNumber: String, documentType: String, fin: String?, dsAuthority: String,
                dsSerial: String, hashAlgorithm: String, dataGroupHashes: [Int: String], sodSHA256: String,
                signedAt: Date, requestID: String? = nil, sod: [UInt8]? = nil) {
        self.id = id
        self.documentNumber = documentNumber
        self.documentType = documentType
        self.fin = fin
        self.dsAuthority = dsAuthority
        self.dsSerial = dsSerial
        self.hashAlgorithm = hashAlgorithm
        self.dataGroupHashes = dataGroupHashes
        self.sodSHA256 = sodSHA256
        self.signedAt = signedAt
        self.requestID = requestID
        self.sod = sod
    }
}

extension PKIRepository {
    /// Stores an issuance record and returns its row id.
    @discardableResult
    public func insertSODIssuance(_ r: SODIssuanceRecord) throws(StorageError) -> Int64 {
        try database.insert("""
            INSERT INTO sod_issuances(document_number, document_type, fin, ds_authority, ds_serial, hash_algorithm,
                data_group_hashes, sod_sha256, signed_at, request_id, sod)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [r.documentNumber, r.documentType, r.fin, r.dsAuthority, r.dsSerial, r.hashAlgorithm,
                  Self.encodeHashes(r.dataGroupHashes), r.sodSHA256, r.signedAt, r.requestID, r.sod])
    }

    /// Stores `records` in one transaction (all or none) and returns their row ids in order.
    public func insertSODIssuances(_ records: [SODIssuanceRecord]) throws -> [Int64] {
        try insertSODIssuances(records, staging: [], at: Date()).ids
    }

    /// Stores `records` and stages the journal entries `staging` in the outbox, in one
    /// transaction: the issuances and the entries that say who got them commit together.
    public func insertSODIssuances(_ records: [SODIssuanceRecord], staging entries: [[UInt8]],
                                   at now: Date) throws -> (ids: [Int64], staged: [Int64]) {
        guard !records.isEmpty || !entries.isEmpty else { return ([], []) }
        return try database.transaction { _ in
            var ids: [Int64] = []
            for start in stride(from: 0, to: records.count, by: 64) {
                ids += try insertSODIssuanceRows(records[start..<min(start + 64, records.count)])
            }
            return (ids, try outbox.stage(entries, at: now))
        }
    }

    /// One multi-row INSERT … RETURNING for `rows` (on PostgreSQL each statement is a round
    /// trip). RETURNING gives no row order, so ids are matched back by the SOD's digest, which
    /// differs between any two signatures; a chunk that repeats one SOD goes row by row.
    private func insertSODIssuanceRows(_ rows: ArraySlice<SODIssuanceRecord>) throws -> [Int64] {
        guard rows.count > 1, Set(rows.map(\.sodSHA256)).count == rows.count else { return try rows.map { try insertSODIssuance($0) } }
        let values = repeatElement("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows.count).joined(separator: ", ")
        let arguments: [any SQLValueConvertible] = rows.flatMap { r -> [any SQLValueConvertible] in
            [r.documentNumber, r.documentType, r.fin, r.dsAuthority, r.dsSerial, r.hashAlgorithm,
             Self.encodeHashes(r.dataGroupHashes), r.sodSHA256, r.signedAt, r.requestID, r.sod]
        }
        let returned = try database.query("""
            INSERT INTO sod_issuances(document_number, document_type, fin, ds_authority, ds_serial, hash_algorithm,
                data_group_hashes, sod_sha256, signed_at, request_id, sod)
            VALUES \(values) RETURNING id, sod_sha256
            """, arguments)
        var ids: [String: Int64] = [:]
        for row in returned { ids[try row.text("sod_sha256")] = try row.int("id") }
        return try rows.map { record in
            guard let id = ids[record.sodSHA256] else {
                throw StorageError(code: .invalidData, message: "INSERT … RETURNING gave no id for the issuance of \(record.documentNumber)")
            }
            return id
        }
    }

    /// Every SOD signed for `documentNumber` (any type), oldest first.
    public func sodIssuances(documentNumber: String) throws(StorageError) -> [SODIssuanceRecord] {
        try database.query("SELECT * FROM sod_issuances WHERE document_number = ? ORDER BY signed_at, id", [documentNumber])
            .map(Self.sodIssuanceRecord)
    }

    /// The issuance made for a service request with this id, if any.
    public func sodIssuance(requestID: String) throws(StorageError) -> SODIssuanceRecord? {
        try database.queryOne("SELECT * FROM sod_issuances WHERE request_id = ?", [requestID]).map(Self.sodIssuanceRecord)
    }

    /// Every SOD a Document Signer certificate signed (e.g. to list documents affected by a revocation).
    public func sodIssuances(dsSerial: String) throws(StorageError) -> [SODIssuanceRecord] {
        try database.query("SELECT * FROM sod_issuances WHERE ds_serial = ? ORDER BY signed_at, id", [dsSerial])
            .map(Self.sodIssuanceRecord)
    }

    /// Which documents were signed, by whom and when: document type, number and date, and the
    /// Document Signer, never the holder's FIN or data-group hashes (for incident response when
    /// a DS must be revoked). Optionally one DS certificate serial (lower-case hex) and a time
    /// window `[from, to)`, oldest first.
    public func sodIssuanceSummaries(dsSerial: String?, from: Date?, to: Date?) throws(StorageError) -> [SODIssuanceSummary] {
        var clauses: [String] = []
        var arguments: [any SQLValueConvertible] = []
        if let dsSerial { clauses.append("ds_serial = ?"); arguments.append(dsSerial) }
        if let from { clauses.append("signed_at >= ?"); arguments.append(from) }
        if let to { clauses.append("signed_at < ?"); arguments.append(to) }
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        return try database.query("""
            SELECT document_type, document_number, signed_at, ds_authority, ds_serial FROM sod_issuances \(filter) ORDER BY signed_at, id
            """, arguments).map { row throws(StorageError) in
            SODIssuanceSummary(documentType: try row.text("document_type"), documentNumber: try row.text("document_number"),
                               signedAt: try row.date("signed_at"), dsAuthority: try row.text("ds_authority"), dsSerial: try row.text("ds_serial"))
        }
    }

    static func sodIssuanceRecord(_ row: Row) throws(StorageError) -> SODIssuanceRecord {
        SODIssuanceRecord(
            id: try row.int("id"), documentNumber: try row.text("document_number"), documentType: try row.text("document_type"),
            fin: try row.optionalText("fin"), dsAuthority: try row.text("ds_authority"), dsSerial: try row.text("ds_serial"),
            hashAlgorithm: try row.text("hash_algorithm"),
            dataGroupHashes: try decodeHashes(try row.text("data_group_hashes")),
            sodSHA256: try row.text("sod_sha256"), signedAt: try row.date("signed_at"),
            requestID: try row.optionalText("request_id"), sod: try row.optionalBlob("sod"))
    }

    /// `1:hex,2:hex,…` in ascending data group order: readable in the sqlite3 shell.
    static func encodeHashes(_ hashes: [Int: String]) -> String {
        hashes.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    }

    static func decodeHashes(_ text: String) throws(StorageError) -> [Int: String] {
        var result: [Int: String] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":")
            guard parts.count == 2, let number = Int(parts[0]) else {
                throw StorageError(code: .invalidData, message: "sod_issuances.data_group_hashes holds '\(item)', not N:HEX",
                                   sqliteCode: 0)
            }
            result[number] = String(parts[1])
        }
        return result
    }
}

/// One issuance as incident response sees it: no FIN, no data-group hashes.
public struct SODIssuanceSummary: Sendable, Codable, Hashable {
    public let documentType: String
    public let documentNumber: String
    public let signedAt: Date
    public let dsAuthority: String
    public let dsSerial: String
}
