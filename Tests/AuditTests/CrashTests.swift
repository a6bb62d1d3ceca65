import Audit
import Foundation
import MohurTestSupport
import Synchronization
import Testing

@Suite("kill -9 while appending", .serialized)
struct CrashTests {
    static var child: String {
        get throws {
            let path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("audit-crash-child").path
            let fallback = Vectors.repositoryRoot.appendingPathComponent(".build/debug/audit-crash-child").path
            guard let found = [path, fallback].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw TestFailure("audit-crash-child was not built; run `swift build --build-tests`")
            }
            return found
        }
    }

    /// Runs the child until it has appended for `milliseconds`, kills it with SIGKILL and
    /// returns the indices it reported as returned.
    func runAndKill(db: String, key: String, milliseconds: Int) throws -> [Int64] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.child)
        process.arguments = [db, key]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.standardError
        let collected = Mutex(Data())
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            collected.withLock { $0.append(data) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !collected.withLock({ String(decoding: $0, as: UTF8.self).contains("ready\n") }), Date() < deadline, process.isRunning {
            usleep(2_000)
        }
        usleep(useconds_t(milliseconds * 1000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        let text = collected.withLock { String(decoding: $0 + rest, as: UTF8.self) }
        #expect(process.terminationReason == .uncaughtSignal, "the child stopped by itself: \(text.suffix(200))")
        // Only complete lines: a line cut by the kill was not reported.
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().compactMap { Int64($0) }
    }

    @Test("20 SIGKILLs at random points: every returned append is present and the journal verifies each time")
    func survivesKillNine() throws {
        let directory = try TemporaryDirectory("mohur-audit-crash")
        let db = directory.path("audit.sqlite"), key = directory.path("journal.p8.pem")
        var returned = Set<Int64>()
        for round in 0..<20 {
            let indices = try runAndKill(db: db, key: key, milliseconds: Int.random(in: 20...250))
            returned.formUnion(indices)
            let database = try AuditLog.openDatabase(path: db)
            let reader = try AuditReader(database: database)
            let size = try reader.size()
            let missing = returned.filter { $0 >= size }
            #expect(missing.isEmpty, "round \(round): returned appends \(missing.sorted().prefix(5)) are gone (size \(size))")
            let report = try reader.verify()
            #expect(report.isValid, "round \(round): \(report.problems)")
            if let latest = try reader.latestCheckpoint() { #expect(latest.size <= size) }
        }
        #expect(returned.count > 20, "the child appended \(returned.count) entries over 20 rounds")
    }
}
