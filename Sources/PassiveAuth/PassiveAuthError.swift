import MohurCore

/// The error of the PassiveAuth module: trust data that cannot be read or is refused, and
/// system failures. A passport's own faults are never errors; they are report entries.
public struct PassiveAuthError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        /// The input is malformed (CLI exit 2).
        case badInput
        /// Well-formed, but refused: a master list or bundle whose signature does not verify (exit 1).
        case refused
        /// The store or the file system failed (exit 3).
        case system
    }

    public let code: Code
    public let reason: String
    public let site: String

    public init(_ code: Code, _ reason: String, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.site = "\(fileID):\(line)"
    }

    public var description: String { reason }

    /// The same failure in the project's common error type (exit codes, HTTP status).
    public var mohurError: MohurError {
        switch code {
        case .badInput: .badInput(reason)
        case .refused: .refused(reason)
        case .system: .system(reason)
        }
    }
}
