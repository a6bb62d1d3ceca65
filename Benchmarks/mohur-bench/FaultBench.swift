import Authz
import CA
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MohurCore
import MohurTestSupport
import PassiveAuth
import Runtime
import Service
import Synchronization

/// `mohur-bench fault` (its own process: its key store is SoftHSM2 behind p11-kit's RPC server,
/// reached through p11-kit-client.so, so that the HSM can be taken away, and SoftHSM2 reads one
/// configuration per process):
///
/// 1. Mixed signed load on the issuing, border and central services of one state at once:
///    three wrk processes for 5 s (EF.SOD signing, passive authentication, authorization).
///    Requests, errors, p50/p99 per route; any error is below goal.
/// 2. The HSM taken away for 2 s under EF.SOD load from 8 callers of this process (closed
///    loop, each request freshly signed): requests, 503s with Retry-After, other errors,
///    p50/p99 of the signatures, and the time from the HSM's return to the first signature.
///    Goal: no answer but 201 or 503 with Retry-After, and a recovery within 5 s.
func faultBenchmarks(scratch: String) async throws -> [String] {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
        return ["load and faults: wrk is not installed (`make deps` installs it) — BELOW GOAL"]
    }
    let directory = StateDirectory(path: "\(scratch)/fault-state")
    _ = try directory.createEmbeddedDefault()
    let hsm = try NetworkHSM(state: directory.path)
    defer { hsm.stop() }
    try hsm.serveState()
    for (name, value) in hsm.clientEnvironment { setenv(name, value, 1) }
    let (runtime, _) = try MohurRuntime.initialize(RuntimeConfiguration(statePath: directory.path), keyStore: .embeddedDevelopment)
    let (signer, certificate, _) = try benchCaller(runtime)
    var lines = ["load and faults (the HSM behind p11-kit's RPC server, as a network HSM):"]

    // 1. Mixed load.
    let synthetic = try SyntheticDocument(curve: .p256)
    _ = try TrustImporter(store: try TrustStore.open(stateDirectory: directory.path)).importBytes(synthetic.csca.derEncoded, name: "bench-csca")
    let groups = synthetic.dataGroups.map { "\"\($0.key.rawValue)\":\"\(Data($0.value).base64EncodedString())\"" }.joined(separator: ",")
    let verifyBody = Array(#"{"sod":"\#(Data(synthetic.sod).base64EncodedString())","dataGroups":{\#(groups)}}"#.utf8)
    let ask = Array(#"{"certificate":"\#(Data(certificate.derEncoded).base64EncodedString())","resource":"CIT","right":"read"}"#.utf8)
    let document = try sodRequestBody()
    let mixed = try await withServices(runtime, roles: [.issuing, .border, .central]) { ports in
        let routes: [(name: String, port: Int, path: String, body: [UInt8])] = [
            ("EF.SOD signing", ports[0], "/v1/documents/sod", document),
            ("passive authentication", ports[1], "/v1/documents/verify", verifyBody),
            ("authorization", ports[2], "/v1/authorize", ask),
        ]
        let runs = Mutex([String: WrkRun]())
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: routes.count) { index in
            let route = routes[index]
            do {
                let run = try runWrk(port: route.port, method: "POST", path: route.path, body: route.body, signer: signer, connections: 4,
                                     scratch: scratch, stock: 4_000, tag: "mixed-\(index)")
                runs.withLock { $0[route.name] = run }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return routes.map { route in (route.name, runs.withLock { $0[route.name] }!) }
    }
    for (name, run) in mixed {
        lines.append(String(format: "  mixed load, %@: %d requests, %d errors, p50 %.2f ms p99 %.2f ms", name, run.requests, run.errors, run.p50, run.p99)
                     + (run.errors == 0 && run.requests > 0 ? "" : "   BELOW GOAL"))
        if let problem = run.problem { lines.append(problem) }
    }

    // 2. The HSM taken away under load.
    let outage = try await withServices(runtime, roles: [.issuing]) { ports in
        try await hsmOutage(port: ports[0], signer: signer, body: document, hsm: hsm)
    }
    lines.append(outage)
    return lines
}

/// One answer the outage load saw.
private struct Answer: Sendable {
    var sent: Double
    var received: Double
    var status: Int
    var retryAfter: Bool
}

private final class AnswerLog: Sendable {
    let list = Mutex([Answer]())
}

private func hsmOutage(port: Int, signer: MessageSigner, body: [UInt8], hsm: NetworkHSM) async throws -> String {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = 16
    configuration.timeoutIntervalForRequest = 10
    let session = URLSession(configuration: configuration)
    // Signed beforehand (each with its own nonce): the caller's key is on the same HSM, and the
    // load must not stop signing when the HSM goes. The stock is accepted only while the clock is
    // within the allowed skew of its `created`, so it is sized for the 8 s run (a caller gets
    // fewer than 500 answers in it), not more.
    let message = HTTPMessageParts(kind: .request(method: "POST", scheme: "http", authority: "127.0.0.1:\(port)", path: "/v1/documents/sod", query: nil),
                                   fields: [("Content-Type", "application/json")])
    let now = Date()
    let stocks = try (0..<8).map { _ in try (0..<800).map { _ in try signer.signRequest(message, body: body, now: now) } }
    let stockSeconds = Date().timeIntervalSince(now)
    let stopAt = Date().timeIntervalSince1970 + 8
    let answers = AnswerLog()
    let callers = stocks.map { stock in
        Task.detached {
            for fields in stock where Date().timeIntervalSince1970 < stopAt {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/documents/sod")!)
                request.httpMethod = "POST"
                request.httpBody = Data(body)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                for (name, value) in fields { request.setValue(value, forHTTPHeaderField: name) }
                let sent = Date().timeIntervalSince1970
                var answer = Answer(sent: sent, received: sent, status: 0, retryAfter: false)
                if let (_, response) = try? await session.data(for: request), let http = response as? HTTPURLResponse {
                    answer.status = http.statusCode
                    answer.retryAfter = http.value(forHTTPHeaderField: "Retry-After") != nil
                }
                answer.received = Date().timeIntervalSince1970
                answers.list.withLock { $0.append(answer) }
                if answer.status != 201 { try await Task.sleep(nanoseconds: 50_000_000) }
            }
        }
    }
    try await Task.sleep(nanoseconds: 2_000_000_000)
    await Task.detached { hsm.stop() }.value
    try await Task.sleep(nanoseconds: 2_000_000_000)
    try await Task.detached { try hsm.start() }.value
    let back = Date().timeIntervalSince1970
    for caller in callers { try await caller.value }
    session.invalidateAndCancel()

    let all = answers.list.withLock { $0 }
    let signed = all.filter { $0.status == 201 }
    let unavailable = all.filter { $0.status == 503 && $0.retryAfter }
    let other = all.count - signed.count - unavailable.count
    let latencies = signed.map { ($0.received - $0.sent) * 1000 }.sorted()
    func percentile(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(p * Double(latencies.count)))] }
    let recovery = (signed.map(\.received).filter { $0 >= back }.min() ?? .infinity) - back
    let ok = other == 0 && !unavailable.isEmpty && recovery < 5
    return String(format: "  HSM away 2 s under EF.SOD load, 8 callers: %d requests, %d signed, %d answered 503 with Retry-After, %d other errors;"
                      + " p50 %.2f ms p99 %.2f ms; first signature %.2f s after the HSM returned", all.count, signed.count, unavailable.count,
                  other, percentile(0.5), percentile(0.99), recovery) + (ok ? "" : "   BELOW GOAL")
        + (stockExpiry(signing: stockSeconds, run: 8).map { "\n  (\($0))" } ?? "")
}
