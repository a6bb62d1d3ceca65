/// The error every Mohur module throws for its own failures: a code that maps to an exit status
/// or HTTP status, a reason naming the input and the problem, a hint saying what to do, and
/// the call site for the log.
public struct MohurError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        /// The input is malformed or missing (CLI exit 2, HTTP 400).
        case badInput
        /// A named thing does not exist (CLI exit 2, HTTP 404).
        case notFound
        /// Well-formed, but the rules forbid it (CLI exit 1, HTTP 403/409).
        case refusedByPolicy
        /// The HSM, database or OS failed (CLI exit 3, HTTP 500/503).
        case system
        /// The caller is not who it claims, or did not say (no or a bad signature, an unknown
        /// key, a replay; CLI exit 1, HTTP 401).
        case unauthenticated
        /// The input is larger than Mohur accepts (CLI exit 2, HTTP 413).
        case tooLarge
        /// Well-formed, but it contradicts what is already recorded: a log view a witness
        /// cannot reconcile with the last one (CLI exit 1, HTTP 409, c2sp.org/tlog-witness).
        case conflict
        /// Well-formed, but its proof does not verify: a consistency proof that fails
        /// (CLI exit 1, HTTP 422, c2sp.org/tlog-witness).
        case unverifiable
        /// Nothing is wrong with the request, but something it needs is unreachable for now:
        /// the HSM restarting or its link lost (CLI exit 75, EX_TEMPFAIL; HTTP 503 with
        /// Retry-After). Nothing was done; the same request may be sent again.
        case unavailable
    }

    public let code: Code
    public let reason: String
    public let hint: String?
    public let site: String

    public init(_ code: Code, _ reason: String, hint: String? = nil, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.hint = hint
        self.site = "\(fileID):\(line)"
    }

    public var description: String {
        hint.map { "\(reason) — \($0)" } ?? reason
    }

    /// Process exit status for the officer CLI: 1 refused by policy, 2 bad usage or input,
    /// 3 system failure, 75 temporarily unavailable (retry).
    public var exitCode: Int32 {
        switch code {
        case .refusedByPolicy, .unauthenticated, .conflict, .unverifiable: 1
        case .badInput, .notFound, .tooLarge: 2
        case .system: 3
        case .unavailable: 75
        }
    }

    /// Seconds a caller should wait before sending the request again (the Retry-After of a 503,
    /// RFC 9110 §10.2.3): the HSM connection tries to reconnect about once a second.
    public var retryAfterSeconds: Int? { code == .unavailable ? 2 : nil }

    /// HTTP status for the service: the same mapping as `exitCode`, one table for both.
    public var httpStatus: Int {
        switch code {
        case .badInput: 400
        case .unauthenticated: 401
        case .refusedByPolicy: 403
        case .notFound: 404
        case .tooLarge: 413
        case .conflict: 409
        case .unverifiable: 422
        case .system: 500
        case .unavailable: 503
        }
    }

    /// A stable RFC 9457 problem type for each kind of error.
    public var problemType: String {
        switch code {
        case .badInput: "https://iamas.gov.az/mohur/problems/bad-input"
        case .unauthenticated: "https://iamas.gov.az/mohur/problems/unauthenticated"
        case .refusedByPolicy: "https://iamas.gov.az/mohur/problems/refused"
        case .notFound: "https://iamas.gov.az/mohur/problems/not-found"
        case .tooLarge: "https://iamas.gov.az/mohur/problems/too-large"
        case .conflict: "https://iamas.gov.az/mohur/problems/conflict"
        case .unverifiable: "https://iamas.gov.az/mohur/problems/unverifiable"
        case .system: "https://iamas.gov.az/mohur/problems/system"
        case .unavailable: "https://iamas.gov.az/mohur/problems/unavailable"
        }
    }

    public static func badInput(_ reason: String, hint: String? = nil, fileID: String = #fileID, line: Int = #line) -> MohurError {
        MohurError(.badInput, reason, hint: hint, fileID: fileID, line: line)
    }
    public static func refused(_ reason: String, hint: String? = nil, fileID: String = #fileID, line: Int = #line) -> MohurError {
        MohurError(.refusedByPolicy, reason, hint: hint, fileID: fileID, line: line)
    }
    public static func system(_ reason: String, hint: String? = nil, fileID: String = #fileID, line: Int = #line) -> MohurError {
        MohurError(.system, reason, hint: hint, fileID: fileID, line: line)
    }
    public static func unauthenticated(_ reason: String, hint: String? = nil, fileID: String = #fileID, line: Int = #line) -> MohurError {
        MohurError(.unauthenticated, reason, hint: hint, fileID: fileID, line: line)
    }
    public static func unavailable(_ reason: String, hint: String? = nil, fileID: String = #fileID, line: Int = #line) -> MohurError {
        MohurError(.unavailable, reason, hint: hint, fileID: fileID, line: line)
    }
    public static func notFound(_ reason: String, hint: String? = nil, fileID: String = #fileID, line: Int = #line) -> MohurError {
        MohurError(.notFound, reason, hint: hint, fileID: fileID, line: line)
    }
}
