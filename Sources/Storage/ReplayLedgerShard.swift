import Foundation
import Glibc
import MohurCore
import Synchronization

/// One shard of the replay ledger: its claims in memory, and its epoch files in a directory of
/// its own, appended under the shard's `flock` (see `ReplayLedger`).
final class ReplayLedgerShard: Sendable {
    private struct State {
        var live: [String: Int64] = [:]
        /// Open log files by epoch, with how far this process has read them.
        var files: [Int64: (descriptor: Int32, offset: Int)] = [:]
        var lastPurge: Int64 = 0
        var dirty = false
    }

    private let directory: String
    private let lockDescriptor: Int32
    private let state = Mutex(State())

    init(directory: String) throws {
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

    static func epoch(of seconds: Int64) -> Int64 { seconds / ReplayLedger.epochSeconds }

    /// `ReplayLedger.claim` for a key of this shard.
    func claim(_ key: String, expiry: Int64, now current: Int64) throws -> Bool {
        try state.withLock { state in
            guard flock(lockDescriptor, LOCK_EX) == 0 else { throw Self.failure("cannot lock the replay cache") }
            defer { flock(lockDescriptor, LOCK_UN) }
            try purge(&state, now: current)
            // What other processes appended to the files a live claim could be in.
            // A live claim expires within the window after now, so in this epoch or the next.
            for epoch in Self.epoch(of: current)...max(Self.epoch(of: current + ReplayLedger.epochSeconds), Self.epoch(of: expiry)) {
                try catchUp(&state, epoch: epoch, now: current)
            }
            if let known = state.live[key], known > current { return false }
            let epoch = Self.epoch(of: expiry)
            let descriptor = try file(&state, epoch: epoch)
            let line = Array("\(expiry)\t\(key)\n".utf8)
            let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == line.count else { throw Self.failure("cannot append to the replay cache in \(directory)") }
            state.files[epoch]?.offset += line.count
            state.live[key] = expiry
            state.dirty = true
            return true
        }
    }

    /// A claim read from elsewhere (an unsharded ledger's file) at start.
    func remember(_ key: String, until expiry: Int64) {
        state.withLock { state in state.live[key] = max(state.live[key] ?? 0, expiry) }
    }

    /// Duplicates of the descriptors written since the last flush (none when nothing was),
    /// to be flushed outside the lock: a purge may close the originals meanwhile.
    func takeDirtyDescriptors() -> [Int32] {
        state.withLock { state in
            guard state.dirty else { return [] }
            state.dirty = false
            return state.files.values.map { dup($0.descriptor) }.filter { $0 >= 0 }
        }
    }

    func synchronize() {
        state.withLock { state in
            for file in state.files.values { _ = fdatasync(file.descriptor) }
            state.dirty = false
        }
    }

    // MARK: - Internals

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
        let (claims, consumed) = Self.liveClaims(in: bytes, after: now)
        for claim in claims { state.live[claim.key] = claim.expiry }
        state.files[epoch]?.offset = offset + consumed
    }

    /// The claims of a log's lines (`expiry⇥key`) still live after `now`, and how many bytes
    /// of whole lines were read. Only whole lines: a writer's line is one write(2), so a partial
    /// line cannot be seen under the lock; a torn line left by a crash is skipped by its missing fields.
    static func liveClaims(in bytes: [UInt8], after now: Int64) -> (claims: [(key: String, expiry: Int64)], consumed: Int) {
        let consumed = (bytes.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
        let claims = bytes[..<consumed].split(separator: 0x0A).compactMap { line -> (key: String, expiry: Int64)? in
            guard let tab = line.firstIndex(of: 0x09), let expiry = Int64(String(decoding: line[..<tab], as: UTF8.self)),
                  expiry > now else { return nil }
            return (String(decoding: line[(tab + 1)...], as: UTF8.self), expiry)
        }
        return (claims, consumed)
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
}
