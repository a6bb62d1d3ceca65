import Audit
import Foundation
import HSM
import LDS
import MohurCore
import OpenSSLKit
import PassiveAuth
import Storage

extension MohurError {
    /// Every module's failure as a `MohurError`: the one mapping that gives both the CLI's exit
    /// code (`exitCode`) and the service's HTTP status and problem type (`httpStatus`,
    /// `problemType`). Input the libraries could not read is bad input; the HSM, the database
    /// and anything unforeseen are system failures.
    public static func classify(_ error: any Error) -> MohurError {
        switch error {
        case let error as MohurError: error
        case let error as PassiveAuthError: error.mohurError
        case let error as NodeForked: .refused("\(error)", hint: "the node's journal contradicts what it forwarded before; investigate it as a threat")
        case let error as StorageError: .system("database: \(error)")
        case let error as PKCS11Error where error.meansTokenLost:
            .unavailable("HSM unavailable: \(error)", hint: "nothing was done; send the request again in a few seconds (Mohur reconnects to the HSM by itself)")
        case let error as PKCS11Error: .system("HSM: \(error)")
        case let error as OpenSSLError: .badInput("\(error)")
        case let error as LDSError: .badInput("\(error)")
        case let error as DecodingError: .badInput(describe(error))
        case is CancellationError: .system("the service is shutting down")
        default: .system("\(error)")
        }
    }

    /// A JSON decoding error as "field X: problem".
    public static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return joined.isEmpty ? "the body" : "field '\(joined)'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "field '\(key.stringValue)' is missing" + (parent == "the body" ? "" : " in \(parent)")
        case .typeMismatch(let type, let context): return "\(path(context)) is not a \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)) is null, expected \(type)"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "the body is not valid JSON for this route"
        }
    }
}
