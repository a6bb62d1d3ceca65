import Foundation
import MohurTestSupport
import Testing
@testable import Storage

@Suite("Throughput (measured and printed, not asserted)")
struct DatabasePerformanceTests {
    private func measureBatchedInserts(_ db: Database, batches: Int, label: String) throws {
        try db.execute("""
            CREATE TABLE audit (
                id INTEGER PRIMARY KEY,
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                payload BLOB NOT NULL
            )
            """)
        let payload = [UInt8](repeating: 0xA5, count: 200)
        let now = Date()
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for batch in 0..<batches {
                try db.transaction { db in
                    for n in 0..<1_000 {
                        try db.execute(
                            "INSERT INTO audit (at, actor, action, payload) VALUES (?, ?, ?, ?)",
                            [now, "operator-\(batch)", "certificate.issue.\(n)", payload]
                        )
                    }
                }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(batches * 1_000) / seconds
        print("[Storage perf] \(label): \(batches)×1000 single-row inserts in 1000-row transactions: "
            + "\(Int(rate)) rows/s (\(String(format: "%.3f", seconds)) s)")
        #expect(try db.queryOne("SELECT count(*) AS n FROM audit")?.int("n") == Int64(batches * 1_000))
    }

    @Test func measuresInsertRateInMemory() throws {
        try measureBatchedInserts(try Database.inMemory(), batches: 20, label: "in-memory")
    }

    @Test func measuresInsertRateOnFileWithSynchronousNormal() throws {
        let directory = try TemporaryDirectory()
        try measureBatchedInserts(try Database(path: directory.path("perf.sqlite")), batches: 20, label: "file, WAL, synchronous=NORMAL")
    }

    @Test func measuresInsertRateOnFileWithSynchronousFull() throws {
        let directory = try TemporaryDirectory()
        let db = try Database(path: directory.path("perf-full.sqlite"), synchronous: .full)
        try measureBatchedInserts(db, batches: 20, label: "file, WAL, synchronous=FULL (fsync per commit)")
    }
}
