import CA
import Foundation
import MohurCore
import PassiveAuth
import Storage

extension StateDirectory {
    /// The PostgreSQL database this state keeps its PKI store in, if any.
    var sharedDatabase: String? { exists ? (try? loadConfiguration())?.database : nil }

    /// Whether the trust store is the central copy in the state's PostgreSQL database (shared by
    /// the main and reserve servers) rather than `<state>/trust.sqlite`.
    public var keepsTrustStoreInDatabase: Bool { sharedDatabase != nil }

    /// The state's trust store: in its PostgreSQL database when it keeps one, so that the main
    /// and reserve servers see the same foreign CSCAs, DS certificates and CRLs; otherwise
    /// `<state>/trust.sqlite` (a border post, `make run`, a bare directory without a state).
    public func openTrustStore() throws -> TrustStore {
        guard let conninfo = sharedDatabase else { return try TrustStore.open(stateDirectory: path) }
        do {
            return try TrustStore(database: try Database(postgresql: conninfo))
        } catch {
            throw MohurError.system("cannot open the trust store in \(Database.redacted(conninfo)): \(error)")
        }
    }
}
