import Foundation
import Synchronization

/// The state's SoftHSM2 token served by p11-kit's RPC server on a Unix socket: a network HSM
/// that the service reaches through p11-kit-client.so, and that a test can take away
/// (SIGKILL to the server and its per-connection children) and bring back.
public final class NetworkHSM: Sendable {
    public let state: String
    public let socket: String
    private let server = Mutex<Process?>(nil)

    public init(state: String) throws {
        self.state = state
        socket = "\(state)/hsm.sock"
        try start()
    }

    public var clientEnvironment: [String: String] { ["P11_KIT_SERVER_ADDRESS": "unix:path=\(socket)"] }

    /// Points the state's key store at p11-kit's client module (the token keeps its label).
    public func serveState() throws {
        let directory = try run("pkg-config", ["--variable=p11_module_path", "p11-kit-1"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let client = "\(directory.isEmpty ? "/usr/lib/x86_64-linux-gnu/pkcs11" : directory)/p11-kit-client.so"
        guard FileManager.default.fileExists(atPath: client) else { throw TestFailure("p11-kit's client module is not at \(client)") }
        let path = "\(state)/config.json"
        guard var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] else {
            throw TestFailure("\(path) is not a JSON object")
        }
        config["modulePath"] = client
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
    }

    public func start() throws {
        try? FileManager.default.removeItem(atPath: socket)
        let process = Process()
        // Foundation starts it in a process group of its own, which the children it forks per
        // connection share: stop() takes them all away at once.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/p11-kit")
        process.arguments = ["server", "-f", "--provider", "/usr/lib/softhsm/libsofthsm2.so", "-n", socket, "pkcs11:token=mohur-dev"]
        process.environment = ProcessInfo.processInfo.environment.merging(["SOFTHSM2_CONF": "\(state)/softhsm/softhsm2.conf"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        server.withLock { $0 = process }
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socket) {
            guard Date() < deadline, process.isRunning else { throw TestFailure("p11-kit server did not open \(socket)") }
            usleep(20_000)
        }
    }

    public func stop() {
        guard let process = server.withLock({ $0.take() }), process.isRunning else { return }
        kill(-process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}
