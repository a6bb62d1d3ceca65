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
/// A claim is written with `write(2)`, so it survives the process at once (a crash, `kill -9`,
/// a restart); the files are `fdatasync`ed at most every 100 ms, so only the claims of the last
/// 100 ms before an operating-system crash could be lost, and no machine reboots within 100 ms
/// while a 60-second signature window still matters less than the reboot itself.
///
/// Costs a few system calls per claim, against about 20 µs for a SQLite transaction and more
/// under contention (measured by `make bench`).
public final class ReplayLedger: Sendable {
    public static let epochSeconds: Int64 = 120
    private static let syncInterval: UInt64 = 100_000_000

    private struct State {
        var live: [String: Int64] = [:]
        /// Open log files by epoch, with how far this process has read them.
        var files: [Int64: (descriptor: Int32, offset: Int)] = [:]
        var lastPurge: Int64 = 0
        var lastSync: UInt64 = 0
        var dirty = false
    }

    private let directory: String
    private let lockDescriptor: Int32
    private let state = Mutex(State())

    /// Opens (creating) the ledger in `directory`, loading the claims that are still live.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        self.directory = directory
        let lock = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw Self.failure("cannot open the replay cache lock in \(directory)") }
        lockDescriptor = lock
    }

    deinit {
        state.withLock { state in
            for file in state.files.values {
                if state.dirty { _ = fdatasync(file.descriptor) }
                close(file.descriptor)
            }
        }
        close(lockDescriptor)
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
        let (claimed, due) = try state.withLock { state -> (Bool, [Int32]) in
            guard flock(lockDescriptor, LOCK_EX) == 0 else { throw Self.failure("cannot lock the replay cache") }
            defer { flock(lockDescriptor, LOCK_UN) }
            try purge(&state, now: current)
            // What other processes appended to the files a live claim could be in.
            // A live claim expires within the window after now, so in this epoch or the next.
            for epoch in Self.epoch(of: current)...max(Self.epoch(of: current + Self.epochSeconds), Self.epoch(of: expiry)) {
                try catchUp(&state, epoch: epoch, now: current)
            }
            if let known = state.live[key], known > current { return (false, []) }
            let epoch = Self.epoch(of: expiry)
            let descriptor = try file(&state, epoch: epoch)
            let line = Array("\(expiry)\t\(key)\n".utf8)
            let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == line.count else { throw Self.failure("cannot append to the replay cache in \(directory)") }
            state.files[epoch]?.offset += line.count
            state.live[key] = expiry
            state.dirty = true
            return (true, syncDue(&state))
        }
        // The periodic flush runs after both locks are released: claims on other threads go on
        // while the disk catches up (it takes milliseconds), instead of queueing behind it.
        for descriptor in due {
            _ = fdatasync(descriptor)
            close(descriptor)
        }
        return claimed
    }

    /// Writes every claim to disk now (the service calls it when it stops).
    public func synchronize() {
        state.withLock { state in
            for file in state.files.values { _ = fdatasync(file.descriptor) }
            state.dirty = false
            state.lastSync = DispatchTime.now().uptimeNanoseconds
        }
    }

    // MARK: - Internals

    private static func epoch(of seconds: Int64) -> Int64 { seconds / epochSeconds }

    private static func failure(_ what: String) -> MohurError {
        .system("\(what): \(String(cString: strerror(errno)))")
    }

    private func path(_ epoch: Int64) -> String { "\(directory)/\(epoch).log" }

    private func file(_ state: inout State, epoch: Int64) throws -> Int32 {
        if let open = state.files[epoch] { return open.descriptor }
        let descriptor = open(path(epoch), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.failure("cannot open \(path(epoch))") }
        state.files[epoch] = (descriptor, 0)
        return descriptor
    }

    /// Reads the lines appended to the file of `epoch` since this process last read it.
    private func catchUp(_ state: inout State, epoch: Int64, now: Int64) throws {
        if state.files[epoch] == nil {
            guard access(path(epoch), F_OK) == 0 else { return }
            _ = try file(&state, epoch: epoch)
        }
        guard let (descriptor, offset) = state.files[epoch] else { return }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Self.failure("cannot stat \(path(epoch))") }
        let size = Int(status.st_size)
        guard size > offset else { return }
        var bytes = [UInt8](repeating: 0, count: size - offset)
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        guard read == bytes.count else { throw Self.failure("cannot read \(path(epoch))") }
        // Only whole lines: a writer's line is one write(2), so a partial line cannot be seen
        // under the lock; a torn line left by a crash is skipped by its missing fields.
        let consumed = (bytes.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
        for line in bytes[..<consumed].split(separator: 0x0A) {
            guard let tab = line.firstIndex(of: 0x09), let expiry = Int64(String(decoding: line[..<tab], as: UTF8.self)),
                  expiry > now else { continue }
            state.live[String(decoding: line[(tab + 1)...], as: UTF8.self)] = expiry
        }
        state.files[epoch]?.offset = offset + consumed
    }

    /// Forgets expired claims at most once a second, and deletes the files of past epochs.
    private func purge(_ state: inout State, now: Int64) throws {
        guard now > state.lastPurge else { return }
        state.lastPurge = now
        state.live = state.live.filter { $0.value > now }
        let current = Self.epoch(of: now)
        for (epoch, file) in state.files where epoch < current {
            close(file.descriptor)
            state.files[epoch] = nil
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasSuffix(".log") {
            if let epoch = Int64(name.dropLast(4)), epoch < current { unlink("\(directory)/\(name)") }
        }
    }

    /// When a flush is due, duplicates of the open files' descriptors for the caller to
    /// `fdatasync` and close outside the locks (a purge may close the originals meanwhile).
    private func syncDue(_ state: inout State) -> [Int32] {
        let now = DispatchTime.now().uptimeNanoseconds
        guard state.dirty, now - state.lastSync >= Self.syncInterval else { return [] }
        state.dirty = false
        state.lastSync = now
        return state.files.values.map { dup($0.descriptor) }.filter { $0 >= 0 }
    }
}
