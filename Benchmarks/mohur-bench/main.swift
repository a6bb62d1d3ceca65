import Audit
import CA
import Foundation
import HSM
import MohurCore
import OpenSSLKit

/// `make bench`: Mohur's rates as ratios of the raw OpenSSL / PKCS#11 rates measured in the
/// same run, on the same machine, so the figures mean something on any hardware.
struct Row {
    let name: String
    let mohur: Double
    let raw: Double
    let goal: Double
    var ratio: Double { mohur / raw }
}

func measure(iterations: Int, _ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<iterations { try body() }
    return Double(iterations) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

/// Best of `rounds` alternating measurements, so that a burst of noise on a shared machine does
/// not decide the ratio.
func bestOf(_ rounds: Int, mohur: () throws -> Double, raw: () throws -> Double) rethrows -> (Double, Double) {
    var best = (0.0, 0.0)
    for _ in 0..<rounds {
        best.1 = max(best.1, try raw())
        best.0 = max(best.0, try mohur())
    }
    return best
}

func runBenchmarks() throws -> (rows: [Row], audit: [String]) {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mohur-bench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let state = StateDirectory(path: scratch)
    let keys = try state.openKeyStore(try state.createEmbeddedDefault())
    let message = Array(repeating: UInt8(0x5a), count: 200)  // about the size of SOD signed attributes
    let n = 2000
    var rows: [Row] = []

    // Document Signer signing through SoftHSM2 vs a raw C_SignInit/C_Sign loop on one session.
    for spec in [KeySpec.ec(.brainpoolP256r1), .ec(.p256)] {
        guard let ds = try keys.generate(spec, label: "bench-ds-\(spec)") as? PKCS11Signer else { continue }
        let scheme = ds.defaultScheme
        let digest = try Digest.hash(scheme.digest, message)
        let (mine, raw) = try bestOf(3, mohur: { try measure(iterations: n) { _ = try ds.sign(message, scheme: scheme) } },
                                     raw: { try ds.key.rawECDSASignRate(digest: digest, iterations: n) })
        rows.append(Row(name: "DS signing via SoftHSM2, \(spec) (sig/s)", mohur: mine, raw: raw, goal: 0.8))
    }

    // Software keys (development) vs OpenSSL's own EVP_DigestSign loop.
    let path = "\(scratch)/soft.p8.pem"
    let soft = try SoftwareKeySigner.generate(.ec(.p256), path: path, passphrase: "bench")
    let reference = try PrivateKey(pem: Array(try Data(contentsOf: URL(fileURLWithPath: path))), passphrase: "bench")
    let (mine, raw) = try bestOf(3, mohur: { try measure(iterations: n) { _ = try soft.sign(message, scheme: .ecdsa(.sha256)) } },
                                 raw: { try RawRates.openSSLSignatures(key: reference, scheme: .ecdsa(.sha256), message: message, iterations: n) })
    rows.append(Row(name: "software key signing, P-256 (sig/s)", mohur: mine, raw: raw, goal: 0.6))
    return (rows, try auditBenchmarks(keys: keys, scratch: scratch))
}

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
    let durable = try journal("durable")
    let perWriter = 2_500
    let start = DispatchTime.now().uptimeNanoseconds
    DispatchQueue.concurrentPerform(iterations: 8) { writer in
        for n in 0..<perWriter { _ = try? durable.append(try record(writer * perWriter + n)) }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let rate = Double(8 * perWriter) / seconds
    lines.append(String(format: "audit: durable appends, 8 writers          %9.0f /s    goal ≥ 10000  %@", rate, rate >= 10_000 ? "ok" : "BELOW GOAL"))

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

do {
    let (rows, audit) = try runBenchmarks()
    print("benchmark".padding(toLength: 52, withPad: " ", startingAt: 0) + "   mohur/s      raw/s   ratio  goal")
    var below = 0
    for row in rows {
        let verdict = row.ratio >= row.goal ? "ok" : "BELOW GOAL"
        if row.ratio < row.goal { below += 1 }
        print(row.name.padding(toLength: 52, withPad: " ", startingAt: 0)
              + String(format: " %9.0f  %9.0f   %5.2f  ≥%.1f  ", row.mohur, row.raw, row.ratio, row.goal) + verdict)
    }
    for line in audit { print(line) }
    print(below == 0 ? "all benchmarks meet their goals" : "\(below) benchmark(s) below goal")
} catch {
    FileHandle.standardError.write(Data("mohur-bench: \(error)\n".utf8))
    exit(3)
}
