import Foundation
import MohurCore
import Storage

/// A witness this journal asks for cosignatures, and the size of this journal it holds.
public struct RegisteredWitness: Sendable, Codable, Hashable {
    public let name: String
    public let vkey: String
    public let url: String
    /// The size of this journal the witness last cosigned (or said it holds).
    public let size: Int64
    public let cosignedAt: Date?
}

/// The journal's side of witnessing (c2sp.org/tlog-witness): which witnesses it asks, the
/// add-checkpoint request each one needs next, and the cosignatures they returned, kept
/// beside the checkpoint they cosign so that `cosignedNote` hands out checkpoint, log
/// signature and cosignatures as one note.
public struct CheckpointWitnessing: Sendable {
    let reader: AuditReader
    var database: Database { reader.database }

    public init(reader: AuditReader) {
        self.reader = reader
    }

    public func register(vkey: String, url: String, at now: Date) throws -> RegisteredWitness {
        let key = try CosignerKey(vkey: vkey)
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw MohurError.badInput("witness URL '\(url)' is not an http(s) URL (the submission prefix of add-checkpoint)")
        }
        if let known = try witness(name: key.name) {
            guard known.vkey == key.vkey else {
                throw MohurError.refused("witness \(key.name) is registered with another key (\(known.vkey))")
            }
            try database.execute("UPDATE audit_witnesses SET url = ? WHERE name = ?", [url, key.name])
        } else {
            try database.execute("INSERT INTO audit_witnesses(name, vkey, url, added_at) VALUES (?, ?, ?, ?)",
                                 [key.name, key.vkey, url, now])
        }
        guard let stored = try witness(name: key.name) else { throw MohurError.system("witness \(key.name) was not stored") }
        return stored
    }

    public func witnesses() throws -> [RegisteredWitness] {
        try database.query("SELECT * FROM audit_witnesses ORDER BY name").map(Self.witness)
    }

    public func witness(name: String) throws -> RegisteredWitness? {
        try database.queryOne("SELECT * FROM audit_witnesses WHERE name = ?", [name]).map(Self.witness)
    }

    /// The request that brings `witness` to the latest signed checkpoint, or nil when it has
    /// already cosigned it.
    public func nextRequest(for witness: RegisteredWitness) throws -> AddCheckpointRequest? {
        guard let latest = try reader.latestCheckpoint() else { return nil }
        if witness.size == latest.size, try cosignatureLine(size: latest.size, witness: witness.name) != nil { return nil }
        guard witness.size <= latest.size else {
            throw MohurError.refused("witness \(witness.name) holds size \(witness.size) of this journal, more than its \(latest.size) entries",
                                     hint: "the journal was rolled back or forked; restore it, do not re-register the witness")
        }
        let proof = witness.size == 0 || witness.size == latest.size ? [] : try reader.consistencyProof(from: witness.size, to: latest.size).hashes
        return AddCheckpointRequest(oldSize: witness.size, proof: proof, note: latest.note)
    }

    /// Stores the cosignature `response` (the witness's 200 body) on the checkpoint `request`
    /// carried, after verifying it with the witness's registered key.
    public func accept(_ response: String, of witness: RegisteredWitness, for request: AddCheckpointRequest, at now: Date) throws -> UInt64 {
        let checkpoint = try SignedNote(request.note).checkpoint
        let key = try CosignerKey(vkey: witness.vkey)
        let lines = response.split(separator: "\n")
        guard let timestamp = try key.verifiedTimestamp(of: checkpoint, in: lines),
              let line = lines.first(where: { $0.hasPrefix("— \(witness.name) ") }) else {
            throw MohurError.refused("witness \(witness.name) answered without a cosignature of its registered key")
        }
        try database.transaction { db in
            try db.execute("INSERT OR IGNORE INTO audit_cosignatures(size, witness, line, timestamp, received_at) VALUES (?, ?, ?, ?, ?)",
                           [checkpoint.size, witness.name, String(line), Int64(timestamp), now])
            try db.execute("UPDATE audit_witnesses SET size = ?, cosigned_at = ? WHERE name = ?", [checkpoint.size, now, witness.name])
        }
        return timestamp
    }

    /// Records the size a witness says it holds (its 409 answer), so the next request starts there.
    public func recordHeld(_ size: Int64, by witness: RegisteredWitness) throws {
        try database.execute("UPDATE audit_witnesses SET size = ? WHERE name = ?", [size, witness.name])
    }

    func cosignatureLine(size: Int64, witness: String) throws -> String? {
        try database.queryOne("SELECT line FROM audit_cosignatures WHERE size = ? AND witness = ?", [size, witness]).map { try $0.text("line") }
    }

    /// The latest checkpoint that carries cosignatures, as one note: the checkpoint, the
    /// journal's signature and every cosignature received for it.
    public func latestCosignedNote() throws -> String? {
        guard let size = try database.queryOne("SELECT MAX(size) AS size FROM audit_cosignatures")?.optionalInt("size") else { return nil }
        return try cosignedNote(size: size)
    }

    public func cosignedNote(size: Int64) throws -> String? {
        guard let note = try database.queryOne("SELECT note FROM audit_checkpoints WHERE size = ?", [size])?.text("note") else { return nil }
        let lines = try database.query("SELECT line FROM audit_cosignatures WHERE size = ? ORDER BY witness", [size]).map { try $0.text("line") }
        return note + lines.map { $0 + "\n" }.joined()
    }

    static func witness(_ row: Row) throws -> RegisteredWitness {
        RegisteredWitness(name: try row.text("name"), vkey: try row.text("vkey"), url: try row.text("url"),
                          size: try row.int("size"), cosignedAt: try row.optionalDate("cosigned_at"))
    }
}
