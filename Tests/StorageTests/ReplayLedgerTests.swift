import Foundation
import MohurTestSupport
import Testing
@testable import Storage

@Suite("The replay cache of signed requests")
struct ReplayLedgerTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a nonce is accepted once per key, and another key may use it")
    func oncePerKey() throws {
        let directory = try TemporaryDirectory()
        let ledger = try ReplayLedger(directory: directory.path("replay"))
        #expect(try ledger.claim(keyID: "a", nonce: "n-00000001", until: now + 60, now: now))
        #expect(try !ledger.claim(keyID: "a", nonce: "n-00000001", until: now + 60, now: now + 1))
        #expect(try ledger.claim(keyID: "b", nonce: "n-00000001", until: now + 60, now: now + 1))
    }

    @Test("a second ledger on the same directory (another process, or a restart) refuses the first one's nonces")
    func sharedAndDurable() throws {
        let directory = try TemporaryDirectory()
        let first = try ReplayLedger(directory: directory.path("replay"))
        let second = try ReplayLedger(directory: directory.path("replay"))
        #expect(try first.claim(keyID: "a", nonce: "n-00000001", until: now + 60, now: now))
        #expect(try !second.claim(keyID: "a", nonce: "n-00000001", until: now + 60, now: now + 2))
        #expect(try second.claim(keyID: "a", nonce: "n-00000002", until: now + 60, now: now + 2))
        #expect(try !first.claim(keyID: "a", nonce: "n-00000002", until: now + 60, now: now + 3))
        // A claim whose expiry falls in the next epoch is still seen.
        let late = now + Double(ReplayLedger.epochSeconds)
        #expect(try first.claim(keyID: "a", nonce: "n-00000003", until: late, now: now + 3))
        let restarted = try ReplayLedger(directory: directory.path("replay"))
        #expect(try !restarted.claim(keyID: "a", nonce: "n-00000003", until: late, now: now + 4))
    }

    @Test("once its signature has expired a nonce is forgotten and its file deleted")
    func expiry() throws {
        let directory = try TemporaryDirectory()
        let ledger = try ReplayLedger(directory: directory.path("replay"))
        #expect(try ledger.claim(keyID: "a", nonce: "n-00000001", until: now + 60, now: now))
        let files = { try FileManager.default.contentsOfDirectory(atPath: directory.path("replay")).filter { $0.hasSuffix(".log") } }
        #expect(try files().count == 1)
        let later = now + 3 * Double(ReplayLedger.epochSeconds)
        #expect(try ledger.claim(keyID: "a", nonce: "n-00000001", until: later + 60, now: later))
        #expect(try files().count == 1, "the old epoch's file is gone, the new one remains")
    }

    @Test("many tasks claiming the same nonces: each is accepted exactly once")
    func concurrent() async throws {
        let directory = try TemporaryDirectory()
        let ledgers = try (0..<2).map { _ in try ReplayLedger(directory: directory.path("replay")) }
        let now = now
        let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var count = 0
                    for n in 0..<500 where try ledgers[task % 2].claim(keyID: "k", nonce: "nonce-\(n)", until: now + 60, now: now) {
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(accepted == 500)
    }

    @Test("a nonce with a line break is refused, not written")
    func lineBreak() throws {
        let directory = try TemporaryDirectory()
        let ledger = try ReplayLedger(directory: directory.path("replay"))
        #expect(throws: (any Error).self) { try ledger.claim(keyID: "a", nonce: "bad\nnonce", until: now + 60, now: now) }
    }
}
