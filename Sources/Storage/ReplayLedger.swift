import Foundation
import Glibc
import MohurCore
import Synchronization

/// The replay cache of signed requests (RFC 9421 §7.2.2, "nonce"): which nonces each key has
/// used, kept until the signature that carried them expires.
///
/// Every claim is checked against a table in memory and appended to a log file under an
/// exclusive `flock`, so that the services sharing one state directory refuse each other's
/// replays (each catches up with what the others appended before it decides) and a restarted
/// service reloads what is still live. One file per two-minute epoch of expiry times; a file
/// whose epoch has passed holds nothing that could still be replayed and is deleted.
///
/// Claims are spread over 16 shards by a hash of key and nonce that every process computes
/// alike, each shard with its own lock and files (`shard-NN/`). One lock for all made every
/// signed request wait in line for the few system calls of another's claim: from 8 threads on
/// 2 cores the ledger took about 20k claims a second against 70–90k sharded (`make bench`).
///
/// A claim is written with `write(2)`, so it survives the process at once (a crash, `kill -9`,
/// a restart); the files are `fdatasync`ed at most every 100 ms, so only the claims of the last
/// 100 ms before an operating-system crash could be lost, and no machine reboots within 100 ms
/// while a 60-second signature window still matters less than the reboot itself.
public final class ReplayLedger: Sendable {
    public static let epochSeconds: Int64 = 120
    static let shardCount = 16
    private static let syncInterval: UInt64 = 100_000_000

    private let shards: [ReplayLedgerShard]
    /// When the files were last flushed (uptime ns): read by every claim without a lock.
    private let lastSync = Atomic<UInt64>(0)
    /// Epoch files of an unsharded ledger (before shards) whose claims were loaded at start;
    /// each is deleted once its epoch has passed.
    private let unshardedFiles: Mutex<[(epoch: Int64, path: String)]>
    /// The earliest epoch among `unshardedFiles` (`Int64.max` when none): read by every claim
    /// without a lock.
    private let earliestUnsharded: Atomic<Int64>

    /// Opens (creating) the ledger in `directory`, loading the claims that are still live.
    public init(directory: String, now: Date = Date()) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        shards = try (0..<Self.shardCount).map { index in
            try ReplayLedgerShard(directory: directory + "/shard-" + (index < 10 ? "0\(index)" : "\(index)"))
        }
        // An unsharded ledger's files (the layout before shards) still hold live claims.
        var unsharded: [(epoch: Int64, path: String)] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(".log") {
            guard let epoch = Int64(name.dropLast(4)) else { continue }
            let path = directory + "/" + name
            let current = Int64(now.timeIntervalSince1970)
            guard epoch >= ReplayLedgerShard.epoch(of: current), let bytes = FileManager.default.contents(atPath: path) else {
                unlink(path)
                continue
            }
            for claim in ReplayLedgerShard.liveClaims(in: Array(bytes), after: current).claims {
                shards[Self.shard(of: claim.key)].remember(claim.key, until: claim.expiry)
            }
            unsharded.append((epoch, path))
        }
        earliestUnsharded = Atomic(unsharded.map(\.epoch).min() ?? .max)
        unshardedFiles = Mutex(unsharded)
    }

    /// Remembers `nonce` of `keyID` until `until`; false when it is already remembered (a
    /// replay). Claims whose `until` has passed are refused by the caller before they get here.
    public func claim(keyID: String, nonce: String, until: Date, now: Date = Date()) throws -> Bool {
        let expiry = Int64(until.timeIntervalSince1970.rounded(.up))
        let current = Int64(now.timeIntervalSince1970)
        let key = keyID + " " + nonce
        guard !key.utf8.contains(where: { $0 == 0x0A || $0 == 0x09 }) else {
            throw MohurError.badInput("a nonce or key id with a tab or line break cannot be remembered")
        }
        let claimed = try shards[Self.shard(of: key)].claim(key, expiry: expiry, now: current)
        if flushIsDue() {
            // Outside every lock: claims on other threads go on while the disk catches up (it
            // takes milliseconds), instead of queueing behind it.
            for descriptor in shards.flatMap({ $0.takeDirtyDescriptors() }) {
                _ = fdatasync(descriptor)
                close(descriptor)
            }
        }
        if ReplayLedgerShard.epoch(of: current) > earliestUnsharded.load(ordering: .relaxed) { removePassedUnshardedFiles(now: current) }
        return claimed
    }

    /// Writes every claim to disk now (the service calls it when it stops).
    public func synchronize() {
        for shard in shards { shard.synchronize() }
    }

    /// FNV-1a (32-bit) of the key's UTF-8 bytes: the same shard in every process and release,
    /// which Swift's per-process seeded `Hasher` would not give.
    static func shard(of key: String) -> Int {
        var hash: UInt32 = 0x811C_9DC5
        for byte in key.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        return Int(hash % UInt32(shardCount))
    }

    /// Whether this claim flushes the files (every 100 ms, one claim of all the threads): a
    /// load for the others, so that no lock is shared by every claim.
    private func flushIsDue() -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        let last = lastSync.load(ordering: .relaxed)
        guard now &- last >= Self.syncInterval else { return false }
        return lastSync.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged
    }

    private func removePassedUnshardedFiles(now: Int64) {
        let current = ReplayLedgerShard.epoch(of: now)
        unshardedFiles.withLock { files in
            guard files.contains(where: { $0.epoch < current }) else { return }
            for file in files where file.epoch < current { unlink(file.path) }
            files.removeAll { $0.epoch < current }
            earliestUnsharded.store(files.map(\.epoch).min() ?? .max, ordering: .relaxed)
        }
    }
}
