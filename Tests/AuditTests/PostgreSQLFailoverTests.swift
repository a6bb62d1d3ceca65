import Audit
import Foundation
import HSM
import MohurCore
import MohurTestSupport
import Storage
import Synchronization
import Testing

/// Main and reserve (rules §5.2.1.2, §5.2.4.3): the journal on a primary with a synchronous
/// standby; the primary is killed (SIGKILL) under load, the standby promoted, and the writers
/// carry on through the same multi-host connection string.
@Suite("Journal failover drill on PostgreSQL", .serialized)
struct PostgreSQLFailoverTests {
    @Test("SIGKILL of the primary under 8 writers: nothing acknowledged is lost (RPO 0), the journal verifies, RTO is measured")
    func failover() throws {
        let primary = try PostgresServer()
        let standby = try PostgresServer(standbyOf: primary)
        let conninfo = PostgresServer.failoverConninfo(primary, standby)
        let keyDirectory = try TemporaryDirectory("mohur-drill-key")
        let key = try SoftwareKeySigner.generate(.ec(.p256), path: keyDirectory.path("journal.p8.pem"), passphrase: "drill")
        let database = try Database(postgresql: conninfo)
        try AuditLog.create(database: database, origin: "iamas.az/mohur/audit-drill", signer: key)
        let log = try AuditLog(database: database, signer: key)

        // Acknowledged appends by their `n`; failures are retried only after checking whether the
        // entry made it (an outcome unknown is not assumed lost, so nothing is appended twice).
        let acknowledged = Mutex<Set<Int>>([])
        let failures = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let killedAt = Mutex<Date?>(nil)
        let successesAfterKill = Mutex<[Date]>([])
        let lastFailure = Mutex<Date?>(nil)
        let done = DispatchGroup()
        for writer in 0..<8 {
            done.enter()
            Thread {
                var n = writer * 1_000_000
                while !stop.load(ordering: .relaxed) {
                    do {
                        try log.append(try JournalFixture.action(n))
                        acknowledged.withLock { _ = $0.insert(n) }
                        if killedAt.withLock({ $0 }) != nil { successesAfterKill.withLock { $0.append(Date()) } }
                        n += 1
                    } catch {
                        failures.add(1, ordering: .relaxed)
                        lastFailure.withLock { $0 = Date() }
                        usleep(50_000)
                        // Did the failed append commit after all? Ask until a server answers (a
                        // lookup that fails during the failover says nothing); only a definite
                        // "absent" lets the same entry be sent again, as an idempotent client would.
                        var present: Bool?
                        while present == nil, !stop.load(ordering: .relaxed) {
                            present = try? Self.contains(n, reader: log.reader)
                            if present == nil { usleep(50_000) }
                        }
                        if present == true {
                            acknowledged.withLock { _ = $0.insert(n) }
                            n += 1
                        } else if present == nil {
                            break
                        }
                    }
                }
                done.leave()
            }.start()
        }
        sleep(1)
        let pid = try #require(Int32(try String(contentsOfFile: primary.dataDirectory + "/postmaster.pid", encoding: .utf8)
            .split(separator: "\n")[0]))
        killedAt.withLock { $0 = Date() }
        #expect(kill(pid, SIGKILL) == 0)
        try standby.promote()
        sleep(2)
        stop.store(true, ordering: .relaxed)
        done.wait()

        let killed = try #require(killedAt.withLock { $0 })
        // Recovered: the first acknowledged append after the last failed one.
        let failedLast = lastFailure.withLock { $0 } ?? killed
        let recovered = try #require(successesAfterKill.withLock { $0 }.filter { $0 > failedLast }.min(), "no append succeeded after the failover")
        let rto = recovered.timeIntervalSince(killed)
        // Everything acknowledged is on the new primary, exactly once.
        let reader = try AuditReader(database: try Database(postgresql: standby.conninfo))
        let stored = try reader.entries(0..<(try reader.size())).compactMap { Self.number(in: $0.entry.encoded) }
        let storedSet = Set(stored)
        let lost = acknowledged.withLock { $0.subtracting(storedSet) }
        print(String(format: "failover drill: %d acknowledged, RPO %d lost, RTO %.2f s, %d failed calls, %d stored twice",
                     acknowledged.withLock { $0.count }, lost.count, rto, failures.load(ordering: .relaxed), stored.count - storedSet.count))
        #expect(lost.isEmpty, "acknowledged appends missing after the failover: \(lost.sorted().prefix(10))")
        #expect(stored.count == storedSet.count, "an entry was appended twice")
        #expect(rto < 15, "RTO \(rto) s")
        try log.checkpoint()
        let report = try reader.verify()
        #expect(report.isValid, "\(report.problems)")
    }

    static func number(in entry: [UInt8]) -> Int? {
        let text = String(decoding: entry, as: UTF8.self)
        guard let range = text.range(of: #""n":"#) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    static func contains(_ n: Int, reader: AuditReader) throws -> Bool {
        let size = try reader.size()
        return try reader.entries(max(0, size - 50_000)..<size).contains { number(in: $0.entry.encoded) == n }
    }
}
