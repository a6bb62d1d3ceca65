import Authz
import CA
import DocumentSigning
import Foundation
import HSM
import LDS
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PassiveAuth
import Runtime
import Service
import Storage
import Synchronization

/// The service under load from a second process: wrk on loopback, bounded in time, replaying
/// requests signed beforehand (each with its own nonce, all within their 60 s window).
///
/// - Signed `POST /v1/authorize` and `GET /v1/audit/checkpoint` against the same routes with
///   signatures off (an injected authenticator, responses unsigned too) and the raw P-256
///   verify rate; goal: signed ≥ 0.5 × min(unsigned, 2 × raw verify).
/// - EF.SOD signing through the service, 8 connections each sending one document at a time,
///   durably journaled, against the raw C_Sign rate of the Document Signer key; goal ≥ 0.8.
/// - Passive authentication through the service against the warm in-process rate; goal ≥ 0.6.
func serviceBenchmarks(state: StateDirectory, scratch: String) async throws -> (rows: [Row], lines: [String]) {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
        return ([], ["service: wrk is not installed (`make deps` installs it); service benchmarks skipped — BELOW GOAL"])
    }
    let (runtime, _) = try MohurRuntime.initialize(RuntimeConfiguration(statePath: state.path), keyStore: .embeddedDevelopment)
    let pki = runtime.pki
    let (signer, callerCertificate, identity) = try benchCaller(runtime)
    var rows: [Row] = []
    var lines: [String] = []

    // MOHUR_BENCH_ROUTES=authorize,checkpoint,sod,pa picks routes (for profiling one at a time).
    let picked = Set((ProcessInfo.processInfo.environment["MOHUR_BENCH_ROUTES"] ?? "authorize,checkpoint,sod,pa").split(separator: ",").map(String.init))
    let rawVerify = try rawP256VerifyRate()
    lines += try stageCosts(runtime: runtime, signer: signer)
    let ask = Array(#"{"certificate":"\#(Data(callerCertificate.derEncoded).base64EncodedString())","resource":"CIT","right":"read"}"#.utf8)
    for (name, method, path, body) in [("POST /v1/authorize", "POST", "/v1/authorize", ask),
                                       ("GET /v1/audit/checkpoint", "GET", "/v1/audit/checkpoint", [UInt8]())]
        where picked.contains(String(path.split(separator: "/").last ?? "")) {
        let signedRun = try await withService(runtime, role: .central) { port in
            try runWrk(port: port, method: method, path: path, body: body, signer: signer, connections: 16, scratch: scratch)
        }
        // MOHUR_BENCH_UNSIGNED=0 skips the unsigned run (to profile the signed one alone).
        let unsignedRun = ProcessInfo.processInfo.environment["MOHUR_BENCH_UNSIGNED"] == "0"
            ? WrkRun(rate: .infinity, p50: .nan, p99: .nan, cpuMicroseconds: .nan)
            : try await withService(runtime, role: .central, authenticator: FixedCaller(identity: identity)) { port in
                try runWrk(port: port, method: method, path: path, body: body, signer: nil, connections: 16, scratch: scratch)
            }
        let bound = min(unsignedRun.rate, 2 * rawVerify)
        rows.append(Row(name: "service \(name), signed vs bound (req/s)", mohur: signedRun.rate, raw: bound, goal: 0.5))
        lines.append(String(format: "  %@: signed p50 %.2f ms p99 %.2f ms, %.0f µs CPU each; unsigned %.0f req/s p50 %.2f ms p99 %.2f ms, %.0f µs CPU each; raw P-256 verify %.0f/s",
                            name, signedRun.p50, signedRun.p99, signedRun.cpuMicroseconds, unsignedRun.rate, unsignedRun.p50, unsignedRun.p99,
                            unsignedRun.cpuMicroseconds, rawVerify))
        lines += [signedRun, unsignedRun].compactMap(\.problem)
    }

    guard picked.contains("sod") || picked.contains("pa") else { return (rows, lines) }
    // EF.SOD through the service: one document per request, 8 callers at a time.
    let document = try sodRequestBody()
    if picked.contains("sod") {
    let sodRun = try await withService(runtime, role: .issuing) { port in
        try runWrk(port: port, method: "POST", path: "/v1/documents/sod", body: document, signer: signer, connections: 8, scratch: scratch,
                   stock: 15_000)
    }
    let rawSign = try rawDocumentSignerRate(pki)
    rows.append(Row(name: "service EF.SOD, 8 callers, journaled (SOD/s)", mohur: sodRun.rate, raw: rawSign, goal: 0.8))
    lines.append(String(format: "  EF.SOD through the service: p50 %.2f ms p99 %.2f ms, %.0f µs CPU each", sodRun.p50, sodRun.p99, sodRun.cpuMicroseconds))
    lines += [sodRun.problem].compactMap { $0 }
    }
    guard picked.contains("pa") else { return (rows, lines) }

    // Passive authentication through the service (border role) against the warm in-process rate.
    let synthetic = try SyntheticDocument(curve: .p256)
    _ = try TrustImporter(store: try TrustStore.open(stateDirectory: state.path)).importBytes(synthetic.csca.derEncoded, name: "bench-csca")
    let warm = PassiveAuthenticator(trust: try TrustStore.open(stateDirectory: state.path).index())
    let inProcess = bestOf(3) { measure(iterations: 2000) { _ = warm.verify(encodedSOD: synthetic.sod, dataGroups: synthetic.dataGroups) } }
    let groups = synthetic.dataGroups.map { "\"\($0.key.rawValue)\":\"\(Data($0.value).base64EncodedString())\"" }.joined(separator: ",")
    let verifyBody = Array(#"{"sod":"\#(Data(synthetic.sod).base64EncodedString())","dataGroups":{\#(groups)}}"#.utf8)
    let paRun = try await withService(runtime, role: .border) { port in
        try runWrk(port: port, method: "POST", path: "/v1/documents/verify", body: verifyBody, signer: signer, connections: 16,
                   scratch: scratch, stock: 25_000)
    }
    rows.append(Row(name: "service passive auth, P-256 (PA/s vs in-process)", mohur: paRun.rate, raw: inProcess, goal: 0.6))
    lines.append(String(format: "  passive auth through the service: p50 %.2f ms p99 %.2f ms, %.0f µs CPU each", paRun.p50, paRun.p99, paRun.cpuMicroseconds))
    lines += [paRun.problem].compactMap { $0 }
    return (rows, lines)
}

/// A subsystem of MIA allowed to sign, verify and read the journal, with its key on the state's
/// token: the caller every service benchmark signs as.
func benchCaller(_ runtime: MohurRuntime) throws -> (signer: MessageSigner, certificate: Certificate, identity: ValidatedIdentity) {
    let holder = try runtime.pki.keys.generate(.ec(.p256), label: "bench-service-caller")
    let record = try runtime.pki.issuePermissionCertificate(PermissionIssuanceRequest(
        agency: "MIA", holder: .subsystem(subject: try DistinguishedName(parsing: "C=AZ, O=IAMAS, OU=MIA, CN=bench-caller")),
        key: .keyReference(holder.keyReference),
        permissions: try PermissionSet.parse(specification: "CIT:read,AUD:read,op:audit-read,op:sod-sign,op:pa-verify")))
    let certificate = try Certificate(derEncoded: record.der)
    return (try MessageSigner(signer: holder, certificate: certificate), certificate, try runtime.authorizer.validate(certificate))
}

/// One passport's signing request: DG1 (an MRZ) and a 20 KB DG2, as the issuing service receives it.
func sodRequestBody() throws -> [UInt8] {
    let mrz = Array(("P<AZEMAMMADOVA<<AYSEL<<<<<<<<<<<<<<<<<<<<<<<" + "C012345674AZE8501012F3001016<<<<<<<<<<<<<<02").utf8)
    let dg1 = DataGroup(number: .dg1, value: BERTLV.encode(tag: .mrzData, value: mrz)).encoded
    let dg2 = DataGroup(number: .dg2, value: try randomBytes(20_000)).encoded
    return Array(#"{"documentType":"P","documentNumber":"C01234567","dataGroups":{"1":"\#(Data(dg1).base64EncodedString())","2":"\#(Data(dg2).base64EncodedString())"}}"#.utf8)
}

/// The raw C_Sign rate of the state's passport Document Signer key: the best of three runs, so
/// that a burst of noise on a shared machine does not flatter the ratio.
func rawDocumentSignerRate(_ pki: PKI) throws -> Double {
    guard let key = (try pki.documentSigner(for: "P").signer as? PKCS11Signer)?.key else {
        throw MohurError.system("the bench Document Signer is not a PKCS#11 key")
    }
    let digest = try Digest.hash(.sha256, Array(repeating: 0x5a, count: 200))
    return try (0..<3).map { _ in try key.rawECDSASignRate(digest: digest, iterations: 1024) }.max() ?? 0
}

/// `mohur-bench service-pg` (its own process: SoftHSM2 reads one configuration per process):
/// EF.SOD through the service with the whole state in PostgreSQL on a primary with a
/// synchronous standby, 8 callers, against the raw C_Sign rate; goal ≥ 0.6.
func postgreSQLServiceBenchmarks(scratch: String) async throws -> (rows: [Row], lines: [String]) {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
        return ([], ["service on PostgreSQL: wrk is not installed (`make deps` installs it) — BELOW GOAL"])
    }
    let primary = try PostgresServer(settings: ProcessInfo.processInfo.environment["MOHUR_BENCH_PG_LOG"] == nil ? [:] : ["log_statement": "all"])
    let standby = try PostgresServer(standbyOf: primary)
    let conninfo = PostgresServer.failoverConninfo(primary, standby)
    defer { if let log = ProcessInfo.processInfo.environment["MOHUR_BENCH_PG_LOG"] { _ = try? run("cp", [primary.directory.path("server.log"), log]) } }
    let (runtime, _) = try MohurRuntime.initialize(RuntimeConfiguration(statePath: scratch + "/pg-state", database: conninfo),
                                                   keyStore: .embeddedDevelopment)
    let (signer, _, _) = try benchCaller(runtime)
    let document = try sodRequestBody()
    let run = try await withService(runtime, role: .issuing) { port in
        try runWrk(port: port, method: "POST", path: "/v1/documents/sod", body: document, signer: signer, connections: 8, scratch: scratch,
                   stock: 15_000)
    }
    let raw = try rawDocumentSignerRate(runtime.pki)
    let stored = try standby.psql("SELECT count(*) FROM sod_issuances").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    return ([Row(name: "service EF.SOD on PostgreSQL + sync standby, 8 callers", mohur: run.rate, raw: raw, goal: 0.6)],
            [String(format: "  EF.SOD on PostgreSQL: p50 %.2f ms p99 %.2f ms, %.0f µs CPU each; the standby holds %@ issuance records",
                    run.p50, run.p99, run.cpuMicroseconds, stored)] + [run.problem].compactMap { $0 })
}

/// Vouches for one identity without any signature: the same routes with authentication off.
struct FixedCaller: CallerAuthenticator {
    let identity: ValidatedIdentity
    func authenticate(_ message: HTTPMessageParts, body: [UInt8], requestID: String) throws -> Caller {
        Caller(request: nil, identity: identity, message: message)
    }
}

func rawP256VerifyRate() throws -> Double {
    let key = try PrivateKey.generate(.ec(.p256))
    let message = Array(repeating: UInt8(0x42), count: 300)
    let signature = try key.sign(message, scheme: .ecdsa(.sha256))
    return try RawRates.openSSLVerifications(key: key.publicKey, scheme: .ecdsa(.sha256), message: message, signature: signature,
                                             iterations: 4000)
}

/// Runs the service of `role` in this process on a free loopback port while `body` loads it.
func withService<T: Sendable>(_ runtime: MohurRuntime, role: ServiceRole, authenticator: (any CallerAuthenticator)? = nil,
                              _ body: @escaping @Sendable (Int) throws -> T) async throws -> T {
    try await withServices(runtime, roles: [role], authenticator: authenticator) { try body($0[0]) }
}

/// Runs one service per role in this process, each on a free loopback port, while `body` loads
/// them (it gets the ports in the order of `roles`). MOHUR_BENCH_THREADS sets the blocking pool's
/// size (to compare pool sizes on one machine).
func withServices<T: Sendable>(_ runtime: MohurRuntime, roles: [ServiceRole], authenticator: (any CallerAuthenticator)? = nil,
                               _ body: @escaping @Sendable ([Int]) async throws -> T) async throws -> T {
    var servers: [Task<Void, any Error>] = []
    defer { for server in servers { server.cancel() } }
    var ports: [Int] = []
    for role in roles {
        let (started, continuation) = AsyncStream.makeStream(of: Int.self)
        var configuration = ServiceConfiguration(role: role, host: "127.0.0.1", port: 0)
        if let threads = ProcessInfo.processInfo.environment["MOHUR_BENCH_THREADS"].flatMap(Int.init) { configuration.blockingThreads = threads }
        let app = try buildApplication(runtime: runtime, configuration: configuration,
                                       authenticator: authenticator, onServerRunning: { continuation.yield($0) })
        servers.append(Task { try await app.runService(gracefulShutdownSignals: []) })
        var iterator = started.makeAsyncIterator()
        guard let port = await iterator.next() else { throw MohurError.system("the bench \(role) service did not start") }
        ports.append(port)
    }
    let chosen = ports
    let result = try await Task.detached { try await body(chosen) }.value
    for server in servers {
        server.cancel()
        _ = await server.result
    }
    return result
}

struct WrkRun {
    var rate: Double
    /// Requests wrk completed, and how many of them were not 2xx or failed on the socket.
    var requests: Int = 0
    var errors: Int = 0
    var p50: Double
    var p99: Double
    /// The service's CPU time per request (user + system of this process while wrk ran).
    var cpuMicroseconds: Double
    var problem: String?
}

/// User plus system CPU seconds this process has used so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Loads one route with wrk for 5 s. With a signer, each request is one of a stock signed
/// beforehand (so the load generator spends no time signing), each with its own nonce.
func runWrk(port: Int, method: String, path: String, body: [UInt8], signer: MessageSigner?, connections: Int,
            scratch: String, stock perThread: Int = 40_000, tag: String = "wrk") throws -> WrkRun {
    let threads = 2
    let seconds = 5
    let bodyFile = "\(scratch)/\(tag)-body"
    try writeBenchFile(bodyFile, Data(body))
    let stock = "\(scratch)/\(tag)-stock"
    var stockSeconds = 0.0  // how long signing the stock took (`stockExpiry`)
    if let signer {
        let now = Date()
        defer { stockSeconds = Date().timeIntervalSince(now) }
        for thread in 0..<threads {
            var lines = ""
            lines.reserveCapacity(perThread * 400)
            let fields: [(name: String, value: String)] = body.isEmpty ? [] : [("Content-Type", "application/json")]
            for _ in 0..<perThread {
                let message = HTTPMessageParts(kind: .request(method: method, scheme: "http", authority: "127.0.0.1:\(port)", path: path, query: nil),
                                               fields: fields)
                let added = try signer.signRequest(message, body: body, now: now)
                lines += added.map { "\($0.name): \($0.value)" }.joined(separator: "\t") + "\n"
            }
            try writeBenchFile("\(stock)-\(thread + 1)", Data(lines.utf8))
        }
    }
    let script = "\(scratch)/\(tag).lua"
    try writeBenchFile(script, Data(wrkScript.utf8))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
    process.arguments = ["-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script, "http://127.0.0.1:\(port)\(path)",
                         "--", method, bodyFile, signer == nil ? "" : stock]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    let cpuBefore = processCPUSeconds()
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let serverCPU = processCPUSeconds() - cpuBefore
    func number(after label: String) -> Double? {
        guard let range = text.range(of: label) else { return nil }
        let rest = text[range.upperBound...].drop { $0 == " " }
        return Double(rest.prefix { $0.isNumber || $0 == "." })
    }
    // The percentile lines of "Latency Distribution" ("     50%    4.99ms"), not the "+/- Stdev"
    // column of the thread summary, which can read "68.50%" too.
    func milliseconds(_ percentile: String) -> Double {
        let lines = text.split(separator: "\n").map { $0.drop { $0 == " " || $0 == "\t" } }
        guard let line = lines.first(where: { $0.hasPrefix("\(percentile)%") }) else { return .nan }
        let rest = line.dropFirst(percentile.count + 1).drop { $0 == " " }
        let value = Double(rest.prefix { $0.isNumber || $0 == "." }) ?? .nan
        let unit = rest.drop { $0.isNumber || $0 == "." }.prefix(2)
        return unit.hasPrefix("us") ? value / 1000 : unit.hasPrefix("s") ? value * 1000 : value
    }
    guard let rate = number(after: "Requests/sec:") else { throw MohurError.system("wrk printed no rate:\n\(text)") }
    let failures = number(after: "Non-2xx or 3xx responses:")
    // "Socket errors: connect 0, read 0, write 0, timeout 0", printed only when there are some.
    let socketLine = text.range(of: "Socket errors:").map { text[$0.upperBound...].prefix { $0 != "\n" } } ?? ""
    let socketErrors = socketLine.split(separator: ",").compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    let requests = text.range(of: " requests in").map { range in
        Int(text[..<range.lowerBound].reversed().prefix { $0.isNumber }.reversed().map(String.init).joined()) ?? 0
    } ?? 0
    let expired = stockExpiry(signing: stockSeconds, run: Double(seconds)).map { " — \($0)" } ?? ""
    // wrk stops a thread whose stock ran out (see `wrkScript`): its rate is then understated.
    let exhausted = signer != nil && requests >= threads * (perThread - wrkStockMargin)
        ? "  \(method) \(path): the \(threads * perThread) signed requests signed beforehand ran out; wrk stopped early and the rate is understated"
        : nil
    return WrkRun(rate: failures.map { _ in 0 } ?? rate, requests: requests, errors: Int((failures ?? 0) + socketErrors),
                  p50: milliseconds("50"), p99: milliseconds("99"),
                  cpuMicroseconds: serverCPU / (rate * Double(seconds)) * 1e6,
                  problem: failures.map { "  \(method) \(path): \(Int($0)) responses were not 2xx (the rate counts as 0)\(expired)" } ?? exhausted)
}

/// Requests signed beforehand are accepted only while the service's clock is within the allowed
/// skew of their `created`: when signing them took so long that some expire during a `run`-second
/// load, says so (the load generator is too slow on this machine, not the service).
func stockExpiry(signing seconds: Double, run: Double) -> String? {
    let usable = RequestVerifier.Policy().clockSkew - seconds
    guard usable < run else { return nil }
    return String(format: "signing the requests beforehand took %.0f s, leaving %.0f s of their validity for a %.0f s run: the load generator is too slow here, not the service",
                  seconds, max(0, usable), run)
}

/// wrk's Lua side: each thread replays its own stock of signed requests (or the one unsigned
/// request) over its connections. A thread whose stock is about to run out stops (the service
/// would rightly refuse the reuse as a replay): `wrkStockMargin` responses before the end, more
/// than the requests one thread can have in flight.
let wrkStockMargin = 16
let wrkScript = """
    local counter = 1
    function setup(thread)
      thread:set("id", counter)
      counter = counter + 1
    end
    local stock_headers = {}
    local next_request = 0
    local method_, body_
    function init(args)
      local method, body_file, stock = args[1], args[2], args[3]
      local f = io.open(body_file, "rb")
      local body = f:read("*a")
      f:close()
      if body == "" then body = nil end
      method_, body_ = method, body
      local base = {}
      if body then base["Content-Type"] = "application/json" end
      if stock == "" then
        stock_headers[1] = base
        return
      end
      for line in io.lines(stock .. "-" .. id) do
        local headers = {}
        for k, v in pairs(base) do headers[k] = v end
        for field in string.gmatch(line, "[^\\t]+") do
          local name, value = string.match(field, "^([^:]+): (.*)$")
          headers[name] = value
        end
        stock_headers[#stock_headers + 1] = headers
      end
    end
    function request()
      next_request = next_request + 1
      if next_request > #stock_headers then next_request = 1 end
      return wrk.format(method_, nil, stock_headers[next_request], body_)
    end
    local responses = 0
    function response(status, headers, body)
      responses = responses + 1
      if #stock_headers > 1 and responses >= #stock_headers - \(wrkStockMargin) then wrk.thread:stop() end
    end
    """

/// Microseconds per request of each stage a signed request adds, measured in this process on
/// one thread: where the signed rate goes.
func stageCosts(runtime: MohurRuntime, signer: MessageSigner) throws -> [String] {
    let state = try ServiceState(runtime: runtime, configuration: ServiceConfiguration(role: .central))
    let n = 2000
    let now = Date()
    let message = HTTPMessageParts(kind: .request(method: "GET", scheme: "http", authority: "127.0.0.1:1", path: "/v1/audit/checkpoint", query: nil),
                                   fields: [])
    let signed = try (0..<n).map { _ in
        HTTPMessageParts(kind: message.kind, fields: try signer.signRequest(message, body: [], now: now))
    }
    var index = 0
    let verify = measure(iterations: n) { _ = try? state.verifier.verify(signed[index % n], body: [], now: now); index += 1 }
    let validate = try measure(iterations: n) { _ = try runtime.authorizer.validate(signer.certificate) }
    let verified = try state.verifier.verify(HTTPMessageParts(kind: message.kind, fields: try signer.signRequest(message, body: [], now: now)),
                                             body: [], now: now)
    let respond = try measure(iterations: n) {
        _ = try state.responseSigner.signResponse(status: 200, fields: [("Content-Type", "text/plain")], body: Array(repeating: 0x41, count: 200),
                                                  request: signed[0], requestSignature: verified.signature, now: now)
    }
    // The same two stages from 8 threads at once: what concurrency costs (locks in the HSM, the database).
    func parallel(_ body: @escaping @Sendable () -> Void) -> Double {
        let done = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<8 {
            done.enter()
            Thread { for _ in 0..<(n / 8) { body() }; done.leave() }.start()
        }
        done.wait()
        return Double(n) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let request0 = signed[0]
    let requestSignature = verified.signature
    let parallelRespond = parallel {
        _ = try? state.responseSigner.signResponse(status: 200, fields: [("Content-Type", "text/plain")], body: Array(repeating: 0x41, count: 200),
                                                   request: request0, requestSignature: requestSignature, now: now)
    }
    let fresh = try (0..<n).map { _ in HTTPMessageParts(kind: message.kind, fields: try signer.signRequest(message, body: [], now: now)) }
    let counter = Mutex(0)
    let parallelPath = parallel {
        let i = counter.withLock { value -> Int in value += 1; return value - 1 }
        guard let v = try? state.verifier.verify(fresh[i % n], body: [], now: now),
              let identity = try? runtime.authorizer.validate(v.certificate) else { return }
        _ = identity
        _ = try? state.responseSigner.signResponse(status: 200, fields: [("Content-Type", "text/plain")], body: Array(repeating: 0x41, count: 200),
                                                   request: fresh[i % n], requestSignature: v.signature, now: now)
    }
    let ledger = try ReplayLedger(directory: runtime.directory.path + "/replay")
    let parallelClaim = parallel { _ = try? ledger.claim(keyID: "bench", nonce: UUID().uuidString, until: now + 60, now: now) }
    let claim = try measure(iterations: n) { _ = try ledger.claim(keyID: "bench", nonce: UUID().uuidString, until: now + 60, now: now) }
    return [String(format: "  per signed request, one thread: verify %.0f µs (of which nonce claim %.0f µs), cached path validation %.0f µs, response signature %.0f µs",
                   1e6 / verify, 1e6 / claim, 1e6 / validate, 1e6 / respond),
            String(format: "  from 8 threads on %d cores: whole signed path (verify, validate, sign the response) %.0f/s; response signatures %.0f/s; nonce claims %.0f/s",
                   ProcessInfo.processInfo.activeProcessorCount, parallelPath, parallelRespond, parallelClaim)]
}

func writeBenchFile(_ path: String, _ data: Data) throws {
    guard FileManager.default.createFile(atPath: path, contents: data) else { throw MohurError.system("cannot write \(path)") }
}
