import Foundation
import MohurCore

/// One journal entry: a record, the moment it was appended, and its canonical encoding — the
/// exact bytes the Merkle tree hashes (RFC 9162 §2.1.1: leaf hash = SHA-256(0x00 ‖ entry)).
///
/// Encoding, version 1: an RFC 8785 canonical JSON object with `"v":1`.
/// - Actions: `t` (milliseconds since 1970, UTC), `category`, `op`, `actor` (`cert`, `agency`,
///   each omitted when unknown), `target`, `outcome`, `req`, `details` (optional members omitted).
/// - Queries into information resources (§5.6.4.7): only `category`, `date`, `reg`, `hit` —
///   not even the time of day.
public struct AuditEntry: Sendable, Hashable {
    public static let version: Int64 = 1

    public let record: AuditRecord
    /// When the action was appended (milliseconds); nil for queries, which keep only their day.
    public let time: Date?
    public let encoded: [UInt8]

    /// Encodes `record` appended at `time`.
    public init(_ record: AuditRecord, at time: Date) {
        let milliseconds = Int64((time.timeIntervalSince1970 * 1000).rounded(.down))
        var members: [String: CanonicalJSON] = ["v": .integer(Self.version), "category": .string(record.category.rawValue)]
        switch record {
        case .action(let action):
            members["t"] = .integer(milliseconds)
            members["op"] = .string(action.operation)
            var actor: [String: CanonicalJSON] = [:]
            if let cert = action.actor.certificateFingerprint { actor["cert"] = .string(cert) }
            if let agency = action.actor.agency { actor["agency"] = .string(agency) }
            members["actor"] = .object(actor)
            if let target = action.target { members["target"] = .string(target) }
            members["outcome"] = .string(action.outcome.rawValue)
            if let request = action.requestID { members["req"] = .string(request) }
            members["details"] = .object(action.details.mapValues { value in
                switch value {
                case .text(let text): .string(text)
                case .integer(let number): .integer(number)
                case .flag(let flag): .bool(flag)
                }
            })
            self.time = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        case .query(let query):
            members["date"] = .string(query.date)
            members["reg"] = .string(query.registrationNumber)
            members["hit"] = .bool(query.hit)
            self.time = nil
        }
        self.record = record
        self.encoded = CanonicalJSON.object(members).bytes
    }

    /// Decodes stored bytes, refusing anything that is not the canonical encoding of a
    /// version-1 record (so that no entry has two spellings with different hashes).
    public init(decoding bytes: [UInt8]) throws(MohurError) {
        let json: CanonicalJSON
        do { json = try CanonicalJSONParser.parse(bytes) } catch {
            throw .badInput("entry is not journal JSON (byte \(error.offset))")
        }
        guard case .object(let m) = json else { throw .badInput("entry is not a JSON object") }
        guard case .integer(Self.version)? = m["v"] else { throw .badInput("entry has an unknown version") }
        guard case .string(let categoryName)? = m["category"], let category = AuditCategory(rawValue: categoryName) else {
            throw .badInput("entry has an unknown category")
        }
        let decoded: AuditEntry
        if category == .stateBodyQuery {
            guard case .string(let day)? = m["date"], case .string(let reg)? = m["reg"], case .bool(let hit)? = m["hit"],
                  let date = Self.day(day) else { throw .badInput("query entry lacks date, reg or hit") }
            decoded = AuditEntry(.query(try InformationQuery(date: date, registrationNumber: reg, hit: hit)), at: date)
        } else {
            guard let actionCategory = AuditAction.Category(rawValue: categoryName), case .integer(let t)? = m["t"],
                  case .string(let op)? = m["op"], case .object(let actor)? = m["actor"],
                  case .string(let outcomeName)? = m["outcome"], let outcome = AuditOutcome(rawValue: outcomeName),
                  case .object(let details)? = m["details"] else { throw .badInput("action entry lacks a required member") }
            var values: [String: AuditValue] = [:]
            for (key, value) in details {
                switch value {
                case .string(let text): values[key] = .text(text)
                case .integer(let number): values[key] = .integer(number)
                case .bool(let flag): values[key] = .flag(flag)
                case .object, .array: throw .badInput("details values are text, integers or flags")
                }
            }
            let action = try AuditAction(
                actionCategory, operation: op,
                actor: try AuditActor(certificateFingerprint: actor["cert"]?.text, agency: actor["agency"]?.text),
                target: m["target"]?.text, outcome: outcome, requestID: m["req"]?.text, details: values)
            decoded = AuditEntry(.action(action), at: Date(timeIntervalSince1970: Double(t) / 1000))
        }
        guard decoded.encoded == bytes else { throw .badInput("entry is not in canonical form") }
        self = decoded
    }

    /// RFC 9162 §2.1.1 leaf hash of this entry.
    public var leafHash: [UInt8] { MerkleHash.leaf(encoded) }

    /// Midnight UTC of a `YYYY-MM-DD` day.
    static func day(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, text.utf8.count == 10 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }
}

extension CanonicalJSON {
    var text: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}
