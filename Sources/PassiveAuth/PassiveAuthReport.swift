import Foundation
import LDS
import MohurCore
import OpenSSLKit

/// The result of passive authentication (Doc 9303-11 §5.1): one entry per check, each with a
/// status and a reason an officer can read, and an overall verdict. A failing document is a
/// result, not an error.
public struct PassiveAuthReport: Sendable, Codable {
    public enum Verdict: String, Sendable, Codable {
        /// Every signature verified up to a trusted CSCA and every supplied data group matched.
        case valid
        /// Something is proven wrong: a signature, a hash, a revocation, an expired certificate.
        case invalid
        /// Nothing is wrong, but authenticity could not be established (e.g. the CSCA is unknown).
        case indeterminate
    }

    public enum Status: String, Sendable, Codable {
        case pass, fail, warn, skip
    }

    /// What a check is about.
    public enum CheckKind: String, Sendable, Codable {
        case sodStructure = "sod-structure"
        case documentSigner = "document-signer"
        case sodSignature = "sod-signature"
        case messageDigest = "message-digest"
        case contentType = "content-type"
        case certificationPath = "certification-path"
        case validityAtSigning = "validity-at-signing"
        case validityAtCheck = "validity-at-check"
        case revocation
        case profile
        case dataGroupHash = "data-group-hash"
        case dataGroupNotListed = "data-group-not-listed"
        case mrzMatch = "mrz-match"
        /// A deviation the issuing State declared for this document (Doc 9303-12 §9).
        case deviation
    }

    public struct Check: Sendable, Codable, Hashable {
        public let kind: CheckKind
        public let status: Status
        public let reason: String
    }

    public private(set) var checks: [Check] = []
    /// The time the document was checked against (`--at`, else now).
    public let checkTime: Date
    /// The SOD's signingTime, when it carries one.
    public var signingTime: Date?
    /// Subject of the Document Signer certificate, when found.
    public var documentSigner: String?
    /// Subjects along the certification path, Document Signer first.
    public var path: [String] = []

    public init(checkTime: Date) { self.checkTime = checkTime }

    mutating func add(_ kind: CheckKind, _ status: Status, _ reason: String) {
        checks.append(Check(kind: kind, status: status, reason: reason))
    }

    /// Turns the failing checks of `kind` whose reason starts with `prefix` into warnings that
    /// say why they are accepted; whether any was.
    mutating func excuse(_ kind: CheckKind, prefix: String, because why: String) -> Bool {
        var changed = false
        for (index, check) in checks.enumerated() where check.kind == kind && check.status == .fail && check.reason.hasPrefix(prefix) {
            checks[index] = Check(kind: kind, status: .warn, reason: "\(check.reason) — accepted: \(why)")
            changed = true
        }
        return changed
    }

    /// Checks that must pass for a document to be valid; when one did not run or did not pass
    /// and nothing failed, the verdict is indeterminate.
    static let required: [CheckKind] = [.documentSigner, .sodSignature, .messageDigest, .certificationPath]

    public var verdict: Verdict {
        if checks.contains(where: { $0.status == .fail }) { return .invalid }
        for kind in Self.required where !checks.contains(where: { $0.kind == kind && $0.status == .pass }) {
            return .indeterminate
        }
        return .valid
    }

    /// Whether the Document Signer's revocation was established: `checked` against a current
    /// CRL of its CSCA, `revoked`, or `unknown` (no CRL, or only a stale one).
    public enum Revocation: String, Sendable, Codable {
        case checked, revoked, unknown
    }

    public var revocation: Revocation {
        if checks.contains(where: { $0.kind == .revocation && $0.status == .fail }) { return .revoked }
        if checks.contains(where: { $0.kind == .revocation && $0.status == .pass }) { return .checked }
        return .unknown
    }

    /// The verdict as an officer reads it: a valid document whose revocation could not be
    /// checked says so (`valid, revocation unknown`).
    public var summary: String {
        verdict == .valid && revocation == .unknown ? "valid, revocation unknown" : verdict.rawValue
    }

    /// Checks with `status`.
    public func checks(_ status: Status) -> [Check] { checks.filter { $0.status == status } }

    /// Multi-line text for the officer.
    public var text: String {
        var lines = ["verdict: \(summary)"]
        if let documentSigner { lines.append("document signer: \(documentSigner)") }
        for (i, subject) in path.enumerated().dropFirst() { lines.append("  \(String(repeating: " ", count: i))↑ \(subject)") }
        for check in checks {
            lines.append("[\(check.status.rawValue.uppercased())] \(check.kind.rawValue): \(check.reason)")
        }
        return lines.joined(separator: "\n")
    }

    enum CodingKeys: String, CodingKey {
        case verdict, revocation, checks, checkTime, signingTime, documentSigner, path
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(revocation, forKey: .revocation)
        try container.encode(checks, forKey: .checks)
        try container.encode(checkTime, forKey: .checkTime)
        try container.encodeIfPresent(signingTime, forKey: .signingTime)
        try container.encodeIfPresent(documentSigner, forKey: .documentSigner)
        try container.encode(path, forKey: .path)
    }

    /// The report as the service answers it: the members `encode(to:)` writes, in canonical
    /// JSON (RFC 8785), the same bytes as `JSONEncoder` with sorted keys and ISO 8601 dates,
    /// written directly (the generic encoder cost a border request about a tenth of its time).
    public var json: CanonicalJSON {
        var members: [String: CanonicalJSON] = [
            CodingKeys.verdict.stringValue: .string(verdict.rawValue),
            CodingKeys.revocation.stringValue: .string(revocation.rawValue),
            CodingKeys.checks.stringValue: .array(checks.map { check in
                .object(["kind": .string(check.kind.rawValue), "status": .string(check.status.rawValue), "reason": .string(check.reason)])
            }),
            CodingKeys.checkTime.stringValue: .string(checkTime.formatted(.iso8601)),
            CodingKeys.path.stringValue: .array(path.map(CanonicalJSON.string)),
        ]
        if let signingTime { members[CodingKeys.signingTime.stringValue] = .string(signingTime.formatted(.iso8601)) }
        if let documentSigner { members[CodingKeys.documentSigner.stringValue] = .string(documentSigner) }
        return .object(members)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        checkTime = try container.decode(Date.self, forKey: .checkTime)
        checks = try container.decode([Check].self, forKey: .checks)
        signingTime = try container.decodeIfPresent(Date.self, forKey: .signingTime)
        documentSigner = try container.decodeIfPresent(String.self, forKey: .documentSigner)
        path = try container.decode([String].self, forKey: .path)
    }
}

extension PassiveAuthReport {
    /// A result that points at forged or altered data, not at missing trust: a signature over
    /// EF.SOD or its content that fails, a data group altered or injected, a chip that does not
    /// match the page. Journaled as a threat (rules §6.9.1.6), not only as a module result.
    public var indicatesForgery: Bool {
        let forged: Set<CheckKind> = [.sodSignature, .messageDigest, .contentType, .dataGroupHash, .dataGroupNotListed, .mrzMatch]
        return checks.contains { forged.contains($0.kind) && $0.status == .fail }
    }

    /// The journal entry of one check (`pa.verify`): the SOD's hash identifies it without
    /// personal data; the category says whether it points at forgery.
    public func auditAction(sod: SODFile, actor: AuditActor, requestID: String? = nil, dataGroups: Int) throws -> AuditAction {
        try AuditAction(indicatesForgery ? .threat : .moduleResult, operation: "pa.verify", actor: actor,
                        target: "sod-sha256:\(Digest.hex(Digest.sha256(sod.encoded)))", outcome: verdict == .valid ? .success : .refused,
                        requestID: requestID, details: ["verdict": .text(verdict.rawValue), "data_groups": .integer(Int64(dataGroups))])
    }
}
