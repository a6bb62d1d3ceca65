import Dispatch
import Foundation
import MohurTestSupport
import Testing
@testable import Storage

/// The replay cache in the PKI store (what a state in PostgreSQL shares between main and
/// reserve): one statement per batch, a nonce claimed once, and claims that never queue behind
/// another store's write transaction.
@Suite("The replay cache in the database", .serialized)
struct ReplayCacheRepositoryTests {
    func exercise(_ repository: PKIRepository) throws {
        let until = Date().addingTimeInterval(60)
        let first = try repository.claimNonces([("k1", "n1", until), ("k1", "n2", until), ("k1", "n1", until), ("k2", "n1", until)],
                                               purgeBefore: nil)
        #expect(first == [true, true, false, true], "a nonce twice in one batch is claimed by its first")
        let again = try repository.claimNonces([("k1", "n2", until), ("k1", "n3", until)], purgeBefore: nil)
        #expect(again == [false, true])
        // Expired nonces are purged, and may then be claimed again (their signatures expired with them).
        let past = Date().addingTimeInterval(-1)
        #expect(try repository.claimNonces([("k9", "old", past)], purgeBefore: nil) == [true])
        #expect(try repository.claimNonces([("k9", "old", until)], purgeBefore: Date()) == [true])
    }

    @Test("SQLite: a batch in one statement, each nonce claimed once")
    func sqlite() throws {
        let directory = try TemporaryDirectory("mohur-nonces")
        try exercise(try PKIRepository(database: try Database(path: directory.path("mohur.sqlite"))))
    }

    @Test("PostgreSQL: the same, and a claim does not wait for another store's open write transaction")
    func postgresql() throws {
        let server = try PostgresServer()
        let writer = try Database(postgresql: server.conninfo)
        _ = try PKIRepository(database: writer)
        let nonces = try PKIRepository(database: try Database(postgresql: server.conninfo, independentWrites: true))
        try exercise(nonces)
        // A PKI write transaction holds the writer lock on another connection until told to end.
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), ended = DispatchSemaphore(value: 0)
        let holder = Thread {
            try? writer.transaction { db in
                try db.execute("UPDATE settings SET value = value WHERE key = 'nothing'")
                started.signal()
                release.wait()
            }
            ended.signal()
        }
        holder.start()
        started.wait()
        // Were the claim to queue behind the lock, this releases the writer after 5 s, so that
        // the test fails below instead of hanging.
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) { release.signal() }
        // The claim completes while that transaction is still open (it is released only after).
        let claimed = try nonces.claimNonces([("k3", "during", Date().addingTimeInterval(60))], purgeBefore: nil)
        #expect(ended.wait(timeout: .now()) == .timedOut, "the writer's transaction was still open")
        release.signal()
        ended.wait()
        #expect(claimed == [true])
    }
}
