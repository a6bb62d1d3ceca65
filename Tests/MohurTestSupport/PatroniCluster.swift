import Foundation

/// A Patroni cluster of Debian's packages (`make deps`: patroni, etcd-server) on loopback in a
/// temporary directory: one etcd member and `nodes` PostgreSQL servers, each run by its own
/// Patroni, in synchronous mode with no lag allowed on failover, as the reference deployment
/// (Deployment/patroni) runs the main and reserve servers, with short timeouts for a test.
/// Everything runs as the `postgres` user under root, and is killed when the value is released.
public final class PatroniCluster: @unchecked Sendable {
    public struct Node: Sendable {
        public let name: String
        public let pgPort: Int
        public let apiPort: Int
        public let directory: String
        public var dataDirectory: String { directory + "/data" }
    }

    public let directory: TemporaryDirectory
    public private(set) var nodes: [Node] = []
    private var sessions: [Int32] = []
    /// Leader lock lifetime (s): how long after the primary's Patroni dies the standby takes over.
    public static let ttl = 10

    public var conninfo: String {
        "host=\(nodes.map { _ in "127.0.0.1" }.joined(separator: ",")) port=\(nodes.map { "\($0.pgPort)" }.joined(separator: ","))"
            + " user=mohur dbname=mohur target_session_attrs=read-write connect_timeout=2"
    }

    public init(nodes count: Int = 2) throws {
        directory = try TemporaryDirectory("mohur-patroni")
        let base = loopbackPort(span: 30)
        let etcdData = directory.path("etcd")
        try FileManager.default.createDirectory(atPath: etcdData, withIntermediateDirectories: true)
        for index in 0..<count {
            let node = Node(name: "node\(index)", pgPort: base + 10 + index, apiPort: base + 20 + index, directory: directory.path("node\(index)"))
            try FileManager.default.createDirectory(atPath: node.directory, withIntermediateDirectories: true)
            try Self.configuration(node, etcd: base).write(toFile: node.directory + "/patroni.yml", atomically: true, encoding: .utf8)
            nodes.append(node)
        }
        if getuid() == 0 {
            let chown = try run("chown", ["-R", "postgres:postgres", directory.url.path])
            guard chown.status == 0 else { throw TestFailure("chown: \(chown.output)") }
        }
        try startEtcd(client: base, peer: base + 1, data: etcdData)
        sessions.append(try launch(["patroni", nodes[0].directory + "/patroni.yml"], log: nodes[0].directory + "/patroni.log"))
        try wait(90, "node0 to lead") { try self.role(0) == "primary" }
        let created = try run("psql", ["-h", "127.0.0.1", "-p", "\(nodes[0].pgPort)", "-U", "mohur", "-d", "postgres", "-c", "CREATE DATABASE mohur"])
        guard created.status == 0 else { throw TestFailure("CREATE DATABASE: \(created.output)") }
        for index in 1..<count {
            sessions.append(try launch(["patroni", nodes[index].directory + "/patroni.yml"], log: nodes[index].directory + "/patroni.log"))
        }
        try wait(120, "a synchronous standby") { try (1..<count).contains { try self.status($0, "sync") == 200 } }
    }

    deinit {
        for session in sessions.reversed() { _ = try? run("pkill", ["-KILL", "-s", "\(session)"]) }
        for node in nodes { if let pid = try? postmaster(node) { kill(pid, SIGKILL) } }
    }

    /// The HTTP status of Patroni's REST health check `path` on node `index` (primary, replica, sync).
    public func status(_ index: Int, _ path: String) throws -> Int {
        Int(try run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                             "http://127.0.0.1:\(nodes[index].apiPort)/\(path)"]).stdout) ?? 0
    }

    public func role(_ index: Int) throws -> String? {
        if try status(index, "primary") == 200 { return "primary" }
        if try status(index, "replica") == 200 { return "replica" }
        return nil
    }

    /// Kills node `index` as losing its server would: its Patroni and its PostgreSQL, SIGKILL.
    public func killNode(_ index: Int) throws {
        let postmasterPID = try postmaster(nodes[index])
        _ = try run("pkill", ["-KILL", "-s", "\(sessions[index + 1])"])
        if let postmasterPID { kill(postmasterPID, SIGKILL) }
    }

    /// `psql` on node `index`'s `mohur` database.
    public func psql(_ index: Int, _ sql: String) throws -> ProcessResult {
        try run("psql", ["-h", "127.0.0.1", "-p", "\(nodes[index].pgPort)", "-U", "mohur", "-d", "mohur", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
    }

    /// Starts the one etcd member; `etcd.log` goes into the failure if it never answers.
    private func startEtcd(client: Int, peer: Int, data: String) throws {
        let log = directory.path("etcd.log")
        let session = try launch(["etcd", "--name", "drill", "--data-dir", data,
                                  "--listen-client-urls", "http://127.0.0.1:\(client)", "--advertise-client-urls", "http://127.0.0.1:\(client)",
                                  "--listen-peer-urls", "http://127.0.0.1:\(peer)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peer)",
                                  "--initial-cluster", "drill=http://127.0.0.1:\(peer)"], log: log)
        sessions.append(session)
        let deadline = Date().addingTimeInterval(60)
        while try run("curl", ["-sf", "--max-time", "2", "http://127.0.0.1:\(client)/health"]).status != 0 {
            guard Date() < deadline, kill(session, 0) == 0 else {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "(no log)"
                throw TestFailure("etcd on 127.0.0.1:\(client) never answered (\(kill(session, 0) == 0 ? "still running" : "exited")); etcd.log ends: \(text.suffix(2000))")
            }
            usleep(200_000)
        }
    }

    private func postmaster(_ node: Node) throws -> Int32? {
        guard let text = try? String(contentsOfFile: node.dataDirectory + "/postmaster.pid", encoding: .utf8) else { return nil }
        return Int32(text.split(separator: "\n").first ?? "")
    }

    private func wait(_ seconds: Double, _ what: String, _ done: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !done() {
            guard Date() < deadline else {
                let logs = nodes.map { (try? String(contentsOfFile: $0.directory + "/patroni.log", encoding: .utf8))?.suffix(1500) ?? "" }
                throw TestFailure("waited \(Int(seconds)) s for \(what); patroni logs: \(logs)")
            }
            usleep(200_000)
        }
    }

    /// Starts `command` (as `postgres` under root) in a session of its own, output to `log`,
    /// through Python's subprocess, which closes every inherited descriptor in the child: a
    /// daemon must not hold the pipes of processes other tests are reading to the end.
    private func launch(_ command: [String], log: String) throws -> Int32 {
        var full = command
        if getuid() == 0 { full = ["runuser", "-u", "postgres", "--"] + full }
        let script = "import subprocess, sys; p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, "
            + "stdout=open(sys.argv[1], 'w'), stderr=subprocess.STDOUT, start_new_session=True, cwd='/tmp'); print(p.pid)"
        let started = try run("python3", ["-c", script, log] + full)
        guard started.status == 0, let pid = Int32(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("cannot start \(command[0]): \(started.output)")
        }
        return pid
    }

    static func configuration(_ node: Node, etcd: Int) throws -> String {
        let bindir = try PostgresServer.binaries
        return """
            scope: mohur-drill
            namespace: /iamas-drill/
            name: \(node.name)
            restapi:
              listen: 127.0.0.1:\(node.apiPort)
              connect_address: 127.0.0.1:\(node.apiPort)
            etcd3:
              hosts: 127.0.0.1:\(etcd)
            bootstrap:
              dcs:
                ttl: \(ttl)
                loop_wait: 1
                retry_timeout: 4
                maximum_lag_on_failover: 0
                synchronous_mode: true
                postgresql:
                  use_pg_rewind: false
                  parameters:
                    synchronous_commit: "on"
                    wal_level: replica
                    hot_standby: "on"
                    max_wal_senders: 10
                    max_replication_slots: 10
              initdb:
                - encoding: UTF8
            postgresql:
              listen: 127.0.0.1:\(node.pgPort)
              connect_address: 127.0.0.1:\(node.pgPort)
              data_dir: \(node.dataDirectory)
              bin_dir: \(bindir)
              pgpass: \(node.directory)/pgpass
              authentication:
                replication:
                  username: mohur
                superuser:
                  username: mohur
              parameters:
                unix_socket_directories: \(node.directory)
                fsync: "on"
              pg_hba:
                - local all all trust
                - host all all 127.0.0.1/32 trust
                - host replication all 127.0.0.1/32 trust

            """
    }
}
