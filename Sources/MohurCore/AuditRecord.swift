import Foundation

/// The seven kinds of event the IAMAS audit journal keeps (operating rules §6.9; DOMAIN.md
/// "The audit journal").
public enum AuditCategory: String, Sendable, Hashable, CaseIterable, Codable {
    /// 1. Results of the work of software modules.
    case moduleResult = "module-result"
    /// 2. Information processes.
    case informationProcess = "information-process"
    /// 3. Queries of state bodies into information resources (§5.6.4.7: date, registration
    /// number and hit/no-hit only).
    case stateBodyQuery = "state-body-query"
    /// 4. Log-ins to and log-outs from IAMAS.
    case session
    /// 5. Attempts to exceed granted permissions.
    case permissionExceeded = "permission-exceeded"
    /// 6. Threats that occurred.
    case threat
    /// 7. Other actions significant for information security.
    case securityAction = "security-action"
}

/// Who acted: the SHA-256 fingerprint (lower-case hex) of the certificate the actor
/// authenticated with, and the agency code from the access matrix. Both are absent for the
/// local officer console, which has no certificate login yet.
public struct AuditActor: Sendable, Hashable {
    public let certificateFingerprint: String?
    public let agency: String?

    public init(certificateFingerprint: String?, agency: String?) throws(MohurError) {
        if let fingerprint = certificateFingerprint {
            guard fingerprint.count == 64, fingerprint.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw .badInput("actor fingerprint '\(fingerprint)' is not 64 lower-case hex digits of SHA-256")
            }
        }
        if let agency { try AuditToken.check(agency, what: "agency code") }
        self.certificateFingerprint = certificateFingerprint
        self.agency = agency
    }

    /// The officer at the local command line.
    public static let localOfficer = AuditActor(unchecked: nil, agency: nil)

    private init(unchecked fingerprint: String?, agency: String?) {
        self.certificateFingerprint = fingerprint
        self.agency = agency
    }
}

/// How an operation ended.
public enum AuditOutcome: String, Sendable, Hashable, Codable {
    case success, refused, failed
}

/// A value in an action's details object. Numbers are integers only, so that the canonical
/// encoding never depends on floating-point formatting.
public enum AuditValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case flag(Bool)
}

/// An action recorded in the journal: anything but a query into an information resource.
public struct AuditAction: Sendable, Hashable {
    /// The categories an action may have; queries have their own record type.
    public enum Category: String, Sendable, Hashable, CaseIterable {
        case moduleResult = "module-result"
        case informationProcess = "information-process"
        case session
        case permissionExceeded = "permission-exceeded"
        case threat
        case securityAction = "security-action"

        public var category: AuditCategory {
            switch self {
            case .moduleResult: .moduleResult
            case .informationProcess: .informationProcess
            case .session: .session
            case .permissionExceeded: .permissionExceeded
            case .threat: .threat
            case .securityAction: .securityAction
            }
        }
    }

    public let category: Category
    /// A token such as `ca.revoke` (letters, digits, '.', '-', '_').
    public let operation: String
    public let actor: AuditActor
    public let target: String?
    public let outcome: AuditOutcome
    public let requestID: String?
    /// Keys are tokens; values are text, integers or flags.
    public let details: [String: AuditValue]

    public init(_ category: Category, operation: String, actor: AuditActor, target: String? = nil,
                outcome: AuditOutcome, requestID: String? = nil, details: [String: AuditValue] = [:]) throws(MohurError) {
        try AuditToken.check(operation, what: "operation")
        if let requestID { try AuditToken.check(requestID, what: "request id") }
        for key in details.keys { try AuditToken.check(key, what: "details key") }
        self.category = category
        self.operation = operation
        self.actor = actor
        self.target = target
        self.outcome = outcome
        self.requestID = requestID
        self.details = details
    }
}

/// A query of a state body into an information resource. Rules §5.6.4.7 allow exactly three
/// facts — the day, the IAMAS registration number of the query and whether it found anything —
/// so this type has no room for anything else, least of all the query text.
public struct InformationQuery: Sendable, Hashable {
    /// The day of the query, UTC, as `YYYY-MM-DD`.
    public let date: String
    public let registrationNumber: String
    public let hit: Bool

    public init(date: Date, registrationNumber: String, hit: Bool) throws(MohurError) {
        guard (1...32).contains(registrationNumber.utf8.count),
              registrationNumber.utf8.allSatisfy({ (48...57).contains($0) || (65...90).contains($0) || $0 == 45 || $0 == 47 }) else {
            throw .badInput("registration number '\(registrationNumber)' must be 1–32 of A–Z, 0–9, '-', '/'",
                            hint: "only the IAMAS registration number of the query is recorded, never its text")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        self.date = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        self.registrationNumber = registrationNumber
        self.hit = hit
    }
}

/// One record of the audit journal.
public enum AuditRecord: Sendable, Hashable {
    case action(AuditAction)
    case query(InformationQuery)

    public var category: AuditCategory {
        switch self {
        case .action(let action): action.category.category
        case .query: .stateBodyQuery
        }
    }
}

/// Where operations report what they did. The audit journal implements it; layers below the
/// journal (CA, PassiveAuth) receive it injected so they never import the journal.
public protocol AuditSink: Sendable {
    /// Records `record` and returns once it is durable, or throws.
    func record(_ record: AuditRecord) throws
    /// Records `records` in order and returns once all are durable, or throws. A journal that
    /// can make them durable together (one commit) should; the default records them one by one.
    func record(contentsOf records: [AuditRecord]) throws
    /// Whether records are kept at all; callers skip building records for a sink that keeps
    /// none. True unless a sink says otherwise.
    var keepsRecords: Bool { get }
    /// `records` stamped with the time now, as the entries the journal will hold: what an
    /// operation stages in its own transaction (the outbox) before it commits. Empty for a sink
    /// that keeps nothing.
    func stamp(_ records: [AuditRecord]) -> [[UInt8]]
    /// Appends entries stamped earlier, in order, keeping their time; durable on return.
    func append(stamped entries: [[UInt8]]) throws
}

extension AuditSink {
    public var keepsRecords: Bool { true }

    /// Records `action`; a journal that fails becomes a system error saying that `what` (e.g.
    /// "ca.revoke completed", "an access was refused") happened but is not journaled.
    public func journal(_ action: AuditAction, _ what: String) throws {
        do {
            try record(.action(action))
        } catch {
            throw MohurError.system("\(what) but the audit journal could not record it: \(error)",
                                    hint: "check the journal (`mohur audit verify`) before continuing")
        }
    }

    public func record(contentsOf records: [AuditRecord]) throws {
        for record in records { try self.record(record) }
    }

    public func stamp(_ records: [AuditRecord]) -> [[UInt8]] { [] }
    public func append(stamped entries: [[UInt8]]) throws {}
}

/// A sink that keeps nothing: for tools and tests that run without a journal.
public struct DiscardingAuditSink: AuditSink {
    public init() {}
    public var keepsRecords: Bool { false }
    public func record(_ record: AuditRecord) throws {}
}

enum AuditToken {
    static func check(_ token: String, what: String) throws(MohurError) {
        guard (1...64).contains(token.utf8.count),
              token.utf8.allSatisfy({ (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 46 || $0 == 45 || $0 == 95 }) else {
            throw .badInput("\(what) '\(token)' must be 1–64 of letters, digits, '.', '-', '_'")
        }
    }
}
