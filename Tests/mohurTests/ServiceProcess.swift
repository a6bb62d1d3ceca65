import Foundation
import MohurTestSupport
import OpenSSLKit

/// `mohur serve` as a child process on a loopback port the kernel picks, stopped with SIGTERM.
final class ServiceProcess {
    let process: Process
    let port: Int
    private let logPath: String

    init(cli: CLITests, role: String, extra: [String] = [], environment: [String: String] = [:]) throws {
        process = Process()
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.executableURL = URL(fileURLWithPath: try CLITests.binary)
        process.arguments = ["serve", "--role", role, "--listen", "127.0.0.1:0", "--state", cli.state.path("s")] + extra
        // The log goes to a file: a pipe nobody reads once the service is up fills up, and a
        // service that logs a lot (a failover) would then block writing to it.
        logPath = cli.state.path("serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try log.close()
        // Hummingbird logs the bound address once it listens.
        var output = ""
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = output.range(of: "listening on 127.0.0.1:") {
                found = Int(output[range.upperBound...].prefix { $0.isNumber })
            } else {
                usleep(20_000)
            }
        }
        guard let found else {
            process.terminate()
            throw TestFailure("mohur serve did not start: \(output)")
        }
        port = found
    }

    /// What the service logged so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    var base: String { "http://127.0.0.1:\(port)" }

    /// SIGTERM, then waits: the service must stop by itself, after the requests in flight. One
    /// that has not stopped within `seconds` is killed (the status then says so) rather than
    /// hanging the test run.
    func stop(within seconds: Double = 60) -> Int32 {
        process.terminate()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}

/// The independent RFC 9421 client and RFC 9162 verifier (`Judges/rfc9421_judge.py`) in the
/// virtual environment `make judges` prepares.
enum Judge {
    static var python: String {
        get throws {
            let path = Vectors.repositoryRoot.appendingPathComponent(".build/judges/bin/python").path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw TestFailure("the RFC 9421 judge is not installed at \(path): run `make judges` (make test does)")
            }
            return path
        }
    }

    static var script: String { Vectors.repositoryRoot.appendingPathComponent("Tests/mohurTests/Judges/rfc9421_judge.py").path }
    static var tlogScript: String { Vectors.repositoryRoot.appendingPathComponent("Tests/mohurTests/Judges/tlog_judge.py").path }

    /// The independent C2SP verifier and witness (`Judges/tlog_judge.py`).
    static func tlog(_ arguments: [String]) throws -> [String: Any] {
        let result = try MohurTestSupport.run(try python, [tlogScript] + arguments)
        guard result.status == 0, let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("tlog judge failed: \(result.output)")
        }
        return object
    }

    static func run(_ arguments: [String]) throws -> [String: Any] {
        let result = try MohurTestSupport.run(try python, [script] + arguments)
        guard result.status == 0, let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("judge failed: \(result.output)")
        }
        return object
    }
}

/// A subsystem's key (made by the openssl CLI) and its permission certificate from `mohur perm issue`.
struct Subsystem {
    let key: String
    let certificate: String
    let fingerprint: String
    let serial: String

    init(_ cli: CLITests, agency: String, name: String, rights: String? = nil) throws {
        let (key, csr) = try cli.keyAndRequest(name, commonName: name)
        self.key = key
        certificate = cli.state.path("\(name).pem")
        let issued = try cli.mohur(["perm", "issue", "--agency", agency, "--subject", "CN=\(name),OU=\(agency),O=IAMAS,C=AZ",
                                    "--csr", csr, "--out", certificate] + (rights.map { ["--rights", $0] } ?? []))
        guard issued.status == 0 else { throw TestFailure(issued.output) }
        let parsed = try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: certificate))))
        fingerprint = Digest.hex(parsed.fingerprintSHA256)
        serial = parsed.serialHex
    }

    var signing: [String] { ["--as", certificate, "--as-key", key] }
}
