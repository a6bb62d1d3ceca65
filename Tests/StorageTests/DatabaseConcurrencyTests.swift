import MohurTestSupport
import Testing
@testable import Storage

@Suite("Sharing one Database between tasks")
struct DatabaseConcurrencyTests {
    @Test func concurrentInsertsFromEightTasksLoseNothing() async throws {
        let directory = try TemporaryDirectory()
        let db = try Database(path: directory.path("concurrent.sqlite"))
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, task INTEGER NOT NULL, n INTEGER NOT NULL, UNIQUE (task, n))")
        let rowIDs = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for task in 0..<8 {
                group.addTask {
                    var ids: [Int64] = []
                    for n in 0..<1_000 {
                        ids.append(try db.insert("INSERT INTO t (task, n) VALUES (?, ?)", [task, n]))
                    }
                    return ids
                }
            }
            var all: [Int64] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(rowIDs.count == 8_000)
        #expect(Set(rowIDs).count == 8_000, "Each insert must report its own rowid")
        #expect(try db.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 8_000)
        let perTask = try db.query("SELECT task, count(*) AS n FROM t GROUP BY task")
        #expect(perTask.count == 8)
        #expect(try perTask.allSatisfy { try $0.int("n") == 1_000 })
    }

    @Test func transactionsFromConcurrentTasksDoNotInterleave() async throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t (task INTEGER NOT NULL, n INTEGER NOT NULL)")
        struct Abort: Error {}
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for round in 0..<50 {
                        do {
                            try db.transaction { db in
                                for n in 0..<10 { try db.execute("INSERT INTO t VALUES (?, ?)", [task, n]) }
                                if round.isMultiple(of: 2) { throw Abort() }
                            }
                        } catch is Abort {}
                    }
                }
            }
            try await group.waitForAll()
        }
        // Rolled-back rounds removed exactly their own rows, never another task's.
        #expect(try db.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 8 * 25 * 10)
    }
}
