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
        let files = { try FileManager.default.subpathsOfDirectory(atPath: directory.path("replay")).filter { $0.hasSuffix(".log") } }
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

    @Test("claims spread over the shards, and every ledger on the directory finds each in the same one")
    func sharded() throws {
        let directory = try TemporaryDirectory()
        let first = try ReplayLedger(directory: directory.path("replay"))
        for n in 0..<64 { #expect(try first.claim(keyID: "k", nonce: "nonce-\(n)", until: now + 60, now: now)) }
        let used = try FileManager.default.subpathsOfDirectory(atPath: directory.path("replay")).filter { $0.hasSuffix(".log") }
        #expect(Set(used.map { $0.split(separator: "/")[0] }).count > 8, "\(used)")
        let second = try ReplayLedger(directory: directory.path("replay"))
        for n in 0..<64 { #expect(try !second.claim(keyID: "k", nonce: "nonce-\(n)", until: now + 60, now: now + 1)) }
        // The shard of a key is fixed (FNV-1a): processes of every release must agree on it.
        #expect(ReplayLedger.shard(of: "k nonce-0") == ReplayLedger.shard(of: "k nonce-0"))
        #expect(ReplayLedger.shard(of: "") == Int(0x811C_9DC5 as UInt32 % 16))
    }

    @Test("claims an unsharded ledger wrote (the layout before shards) are still refused, and its files go when their epoch passes")
    func unshardedClaimsAreKept() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("replay"), withIntermediateDirectories: true)
        let expiry = Int64(now.timeIntervalSince1970) + 60
        let old = directory.path("replay") + "/\(expiry / ReplayLedger.epochSeconds).log"
        try Data("\(expiry)\ta n-00000001\n".utf8).write(to: URL(fileURLWithPath: old))
        let ledger = try ReplayLedger(directory: directory.path("replay"), now: now)
        #expect(try !ledger.claim(keyID: "a", nonce: "n-00000001", until: now + 60, now: now + 1))
        #expect(try ledger.claim(keyID: "a", nonce: "n-00000002", until: now + 60, now: now + 1))
        #expect(FileManager.default.fileExists(atPath: old))
        let later = now + 3 * Double(ReplayLedger.epochSeconds)
        #expect(try ledger.claim(keyID: "a", nonce: "n-00000003", until: later + 60, now: later))
        #expect(!FileManager.default.fileExists(atPath: old))
    }

    @Test("a nonce with a line break is refused, not written")
    func lineBreak() throws {
        let directory = try TemporaryDirectory()
        let ledger = try ReplayLedger(directory: directory.path("replay"))
        #expect(throws: (any Error).self) { try ledger.claim(keyID: "a", nonce: "bad\nnonce", until: now + 60, now: now) }
    }
}
