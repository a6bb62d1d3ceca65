import Foundation
import MohurCore
import Storage

/// A log this witness follows, and the latest checkpoint of it that it cosigned.
public struct WitnessedLog: Sendable, Codable, Hashable {
    public let origin: String
    public let vkey: String
    public let label: String
    public let size: Int64
    public let cosignedAt: Date?
}

/// A tlog-witness `add-checkpoint` request body (c2sp.org/tlog-witness): `old <size>`, up to
/// 63 consistency-proof hashes in base64, an empty line, then the signed checkpoint.
public struct AddCheckpointRequest: Sendable {
    public static let maxProofLines = 63

    public let oldSize: Int64
    public let proof: [[UInt8]]
    public let note: String

    public init(oldSize: Int64, proof: [[UInt8]], note: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.note = note
    }

    public init(body: String) throws(MohurError) {
        guard let blank = body.range(of: "\n\n") else {
            throw .badInput("add-checkpoint body: no empty line between the old size and proof, and the checkpoint")
        }
        let head = body[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = head.first, first.hasPrefix("old "), let old = Int64(first.dropFirst(4)), old >= 0,
              String(old) == first.dropFirst(4) else {
            throw .badInput("add-checkpoint body: the first line must be 'old <size>' in decimal without leading zeroes")
        }
        guard head.count - 1 <= Self.maxProofLines else {
            throw .badInput("add-checkpoint body: \(head.count - 1) proof lines, more than the \(Self.maxProofLines) allowed")
        }
        var proof: [[UInt8]] = []
        for line in head.dropFirst() {
            guard let hash = Data(base64Encoded: String(line)), hash.count == 32 else {
                throw .badInput("add-checkpoint body: proof line '\(line.prefix(60))' is not a base64 SHA-256 hash")
            }
            proof.append(Array(hash))
        }
        self.init(oldSize: old, proof: proof, note: String(body[blank.upperBound...]))
    }

    public var body: String {
        "old \(oldSize)\n" + proof.map { Data($0).base64EncodedString() + "\n" }.joined() + "\n" + note
    }
}

/// A checkpoint view the witness cannot cosign because it does not follow from the last one it
/// cosigned (c2sp.org/tlog-witness: 409 Conflict, the body naming the size it holds).
public struct WitnessConflict: Error, CustomStringConvertible, Sendable {
    public let origin: String
    public let latestSize: Int64
    public let reason: String
    public var description: String { "\(origin): \(reason) (the witness holds size \(latestSize))" }
}

/// The witness (c2sp.org/tlog-witness, "add-checkpoint"): for each log it follows it keeps the
/// latest checkpoint it cosigned, and cosigns a new one only if the log signed it and a
/// consistency proof (RFC 9162 §2.1.4) shows it extends that one. Checking the old size and
/// storing the new checkpoint happen in one write transaction, so two requests cannot roll the
/// view back. So that the central operator cannot rewrite history alone, other agencies run
/// witnesses and verifiers require a quorum of their cosignatures.
public struct Witness: Sendable {
    let database: Database
    public let key: CosignerKey
    let signer: any Ed25519Signer

    public init(database: Database, name: String, signer: any Ed25519Signer) throws {
        self.database = database
        self.key = try CosignerKey(name: name, publicKey: signer.rawPublicKey)
        self.signer = signer
    }

    /// The witness's name and HSM key label, once `mohur witness init` chose them.
    public static func identity(_ database: Database) throws -> (name: String, keyLabel: String)? {
        guard let name = try database.queryOne("SELECT value FROM audit_meta WHERE key = 'witness_name'")?.text("value"),
              let label = try database.queryOne("SELECT value FROM audit_meta WHERE key = 'witness_key_label'")?.text("value") else {
            return nil
        }
        return (name, label)
    }

    public static func setIdentity(_ database: Database, name: String, keyLabel: String) throws {
        _ = try CosignerKey(name: name, publicKey: [UInt8](repeating: 0, count: 32))  // checks the name
        try database.transaction { db in
            try db.execute("INSERT INTO audit_meta(key, value) VALUES ('witness_name', ?)", [name])
            try db.execute("INSERT INTO audit_meta(key, value) VALUES ('witness_key_label', ?)", [keyLabel])
        }
    }

    /// Starts following a log, by its checkpoint verifier key (`mohur audit key` on that log).
    public static func follow(_ database: Database, vkey: String, label: String, at now: Date) throws -> WitnessedLog {
        let key = try NoteVerifierKey(vkey: vkey)
        if let known = try log(database, origin: key.name) {
            guard known.vkey == key.vkey else {
                throw MohurError.refused("log \(key.name) is followed with another key (\(known.vkey))",
                                         hint: "a log's key never changes; a new key is a new log")
            }
            return known
        }
        try database.execute("INSERT INTO witness_logs(origin, vkey, label, added_at) VALUES (?, ?, ?, ?)",
                             [key.name, key.vkey, label, now])
        guard let stored = try log(database, origin: key.name) else { throw MohurError.system("log \(key.name) was not stored") }
        return stored
    }

    public static func logs(_ database: Database) throws -> [WitnessedLog] {
        try database.query("SELECT * FROM witness_logs ORDER BY origin").map(Self.log)
    }

    static func log(_ database: Database, origin: String) throws -> WitnessedLog? {
        try database.queryOne("SELECT * FROM witness_logs WHERE origin = ?", [origin]).map(Self.log)
    }

    /// Handles one add-checkpoint request; returns the cosignature line. Throws `.notFound`
    /// (unknown origin, 404), `.refused` (no trusted signature, 403), `.badInput` (old size
    /// above the checkpoint's, 400), `WitnessConflict` (409) and `.unverifiable` (the proof
    /// fails, 422).
    public func add(_ request: AddCheckpointRequest, at now: Date) throws -> String {
        let checkpoint = try SignedNote(request.note).checkpoint
        guard let log = try Self.log(database, origin: checkpoint.origin) else {
            throw MohurError.notFound("this witness does not follow a log with origin '\(checkpoint.origin)'")
        }
        do { _ = try NoteVerifierKey(vkey: log.vkey).open(request.note) } catch {
            throw MohurError.refused("the checkpoint of \(log.origin) carries no valid signature of the log's key: \(error.reason)")
        }
        guard request.oldSize <= checkpoint.size else {
            throw MohurError.badInput("old size \(request.oldSize) is above the checkpoint's size \(checkpoint.size)")
        }
        let timestamp = UInt64(max(0, now.timeIntervalSince1970.rounded(.down)))
        return try database.transaction { db in
            guard let row = try db.queryOne("SELECT size, root FROM witness_logs WHERE origin = ?", [log.origin]) else {
                throw MohurError.notFound("log \(log.origin) is no longer followed")
            }
            let held = try row.int("size")
            let root = try row.optionalBlob("root") ?? MerkleHash.empty
            guard request.oldSize == held else {
                throw WitnessConflict(origin: log.origin, latestSize: held,
                                      reason: "the request starts from size \(request.oldSize), not from the last cosigned size")
            }
            if checkpoint.size == held {
                guard checkpoint.rootHash == root else {
                    throw WitnessConflict(origin: log.origin, latestSize: held,
                                          reason: "a checkpoint of size \(held) with another root than the one cosigned: a split view")
                }
            } else if held > 0 || !request.proof.isEmpty {
                guard MerkleVerification.isConsistent(oldSize: held, oldRoot: root, newSize: checkpoint.size,
                                                      newRoot: checkpoint.rootHash, proof: request.proof) else {
                    throw MohurError(.unverifiable, "the consistency proof from size \(held) to \(checkpoint.size) of \(log.origin) does not verify")
                }
            }
            try db.execute("UPDATE witness_logs SET size = ?, root = ?, note = ?, cosigned_at = ? WHERE origin = ?",
                           [checkpoint.size, checkpoint.rootHash, request.note, now, log.origin])
            return try key.cosign(checkpoint, timestamp: timestamp, signer: signer)
        }
    }

    static func log(_ row: Row) throws -> WitnessedLog {
        WitnessedLog(origin: try row.text("origin"), vkey: try row.text("vkey"), label: try row.text("label"),
                     size: try row.int("size"), cosignedAt: try row.optionalDate("cosigned_at"))
    }
}
