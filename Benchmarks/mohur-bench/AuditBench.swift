import Audit
import Foundation
import HSM
import MohurCore
import MohurTestSupport
import Storage

/// The audit journal: absolute figures against absolute goals (there is no raw equivalent).
func auditBenchmarks(keys: any KeyStore, scratch: String) throws -> [String] {
    let signer = try keys.generate(.ec(.p256), label: "bench-audit")
    var lines: [String] = []
    func journal(_ name: String) throws -> AuditLog {
        let database = try AuditLog.openDatabase(path: "\(scratch)/\(name).sqlite")
        try AuditLog.create(database: database, origin: "iamas.az/mohur/bench/\(name)", signer: signer)
        return try AuditLog(database: database, signer: signer)
    }
    @Sendable func record(_ n: Int) throws -> AuditRecord {
        .action(try AuditAction(.moduleResult, operation: "bench.append", actor: .localOfficer, outcome: .success,
                                details: ["n": .integer(Int64(n))]))
    }

    // Durable appends (synchronous=FULL, group commit) from 8 concurrent writers.
    let rate = durableAppendRate(try journal("durable"), record: record)
    lines.append(String(format: "audit: durable appends, 8 writers          %9.0f /s    goal ≥ 10000  %@", rate, rate >= 10_000 ? "ok" : "BELOW GOAL"))
    // The same on PostgreSQL (the central complex): a server of Debian's packages on loopback,
    // synchronous_commit on, fsync on.
    do {
        let server = try PostgresServer()
        let database = try Database(postgresql: server.conninfo)
        try AuditLog.create(database: database, origin: "iamas.az/mohur/bench/postgresql", signer: signer)
        let pgRate = durableAppendRate(try AuditLog(database: database, signer: signer), record: record)
        lines.append(String(format: "audit: durable appends on PostgreSQL, 8 writers %6.0f /s goal ≥ 5000   %@", pgRate, pgRate >= 5_000 ? "ok" : "BELOW GOAL"))
        // With a synchronous hot standby: every commit also waits for the standby's flush.
        let standby = try PostgresServer(standbyOf: server)
        let syncRate = durableAppendRate(try AuditLog(database: try Database(postgresql: server.conninfo), signer: signer), record: record)
        lines.append(String(format: "  same, with a synchronous standby          %9.0f /s    info", syncRate))
        let replicated = try standby.psql("SELECT count(*) FROM audit_entries").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        lines.append("  the standby holds \(replicated) entries (the primary acknowledged \(try server.psql("SELECT count(*) FROM audit_entries").stdout.trimmingCharacters(in: .whitespacesAndNewlines)))")
    } catch {
        lines.append("audit: durable appends on PostgreSQL: no server (\(error)) — BELOW GOAL")
    }

    // Inclusion proofs at one million entries.
    let big = try journal("million")
    for block in 0..<125 { try big.append(contentsOf: try (0..<8_000).map { try record(block * 8_000 + $0) }) }
    let size = try big.reader.size()
    let n = 2_000
    let proofStart = DispatchTime.now().uptimeNanoseconds
    for i in 0..<n { _ = try big.reader.inclusionProof(index: Int64((i * 7_919) % Int(size)), size: size) }
    let micros = Double(DispatchTime.now().uptimeNanoseconds - proofStart) / 1e3 / Double(n)
    lines.append(String(format: "audit: inclusion proof at %lld entries     %9.1f µs    goal ≤ 100    %@", size, micros, micros <= 100 ? "ok" : "BELOW GOAL"))

    // Checkpoint signing: one HSM signature plus the consistency check against the previous one.
    let m = 200
    let signStart = DispatchTime.now().uptimeNanoseconds
    for i in 0..<m {
        try big.append(try record(i))
        try big.checkpoint()
    }
    let signMillis = Double(DispatchTime.now().uptimeNanoseconds - signStart) / 1e6 / Double(m)
    lines.append(String(format: "audit: append + signed checkpoint           %9.2f ms each", signMillis))
    return lines
}

/// Entries per second that 8 writers (real threads: DispatchQueue.concurrentPerform would run
/// only as many at once as there are cores) append durably to `journal`.
func durableAppendRate(_ journal: AuditLog, record: @escaping @Sendable (Int) throws -> AuditRecord) -> Double {
    let perWriter = 2_500
    let start = DispatchTime.now().uptimeNanoseconds
    let done = DispatchGroup()
    for writer in 0..<8 {
        done.enter()
        Thread {
            for n in 0..<perWriter { _ = try? journal.append(try record(writer * perWriter + n)) }
            done.leave()
        }.start()
    }
    done.wait()
    return Double(8 * perWriter) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
