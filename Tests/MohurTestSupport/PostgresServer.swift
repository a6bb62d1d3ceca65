import Foundation

/// A PostgreSQL server of Debian's packages (`make deps`), on loopback in a temporary directory,
/// for the life of the value: initdb, pg_ctl start on a free port, a `mohur` database owned by
/// a `mohur` superuser with trust authentication on 127.0.0.1 only. Stopped (fast) on release.
///
/// PostgreSQL refuses to run as root; under root (CI containers) its programs run as the
/// `postgres` user the Debian package creates, and the directory is handed to that user.
public final class PostgresServer: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public private(set) var port = 0
    public var dataDirectory: String { directory.path("data") }
    /// A libpq connection string for the `mohur` database.
    public var conninfo: String { "host=127.0.0.1 port=\(port) user=mohur dbname=mohur connect_timeout=5" }

    public static var binaries: String {
        get throws {
            let bindir = try run("pg_config", ["--bindir"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            guard FileManager.default.isExecutableFile(atPath: "\(bindir)/initdb") else {
                throw TestFailure("PostgreSQL's server programs are not in \(bindir): run `make deps` (it installs postgresql)")
            }
            return bindir
        }
    }

    /// A hot standby of `primary`, streaming its WAL (pg_basebackup -R); with `synchronous`,
    /// the primary acknowledges a commit only once this standby has flushed it
    /// (`synchronous_standby_names`, synchronous_commit on).
    public init(standbyOf primary: PostgresServer, synchronous: Bool = true) throws {
        directory = try TemporaryDirectory("mohur-pg-standby")
        settings = ["hot_standby": "on"]
        if getuid() == 0 {
            let chown = try run("chown", ["-R", "postgres:postgres", directory.url.path])
            guard chown.status == 0 else { throw TestFailure("cannot hand \(directory.url.path) to postgres: \(chown.output)") }
        }
        let copied = try pg("pg_basebackup", ["-h", "127.0.0.1", "-p", "\(primary.port)", "-U", "mohur", "-D", dataDirectory, "-R",
                                              "-X", "stream", "--checkpoint=fast"])
        guard copied.status == 0 else { throw TestFailure("pg_basebackup failed: \(copied.output)") }
        // The copied connection string names no application: add it, so the primary can wait for it.
        let auto = dataDirectory + "/postgresql.auto.conf"
        let conf = (try String(contentsOfFile: auto, encoding: .utf8))
            .replacingOccurrences(of: "primary_conninfo = '", with: "primary_conninfo = 'application_name=standby ")
        try conf.write(toFile: auto, atomically: false, encoding: .utf8)
        var started: ProcessResult?
        for _ in 0..<5 where started?.status != 0 {
            port = loopbackPort()
            started = try start()
        }
        guard started?.status == 0 else { throw TestFailure("the standby did not start: \(started?.output ?? "")") }
        if synchronous {
            let set = try primary.psql("ALTER SYSTEM SET synchronous_standby_names = 'standby'")
            let reload = try primary.psql("SELECT pg_reload_conf()")
            guard set.status == 0, reload.status == 0 else { throw TestFailure("cannot make the standby synchronous: \(set.output)\(reload.output)") }
            // Wait until the primary reports it synchronous.
            let deadline = Date().addingTimeInterval(30)
            while try primary.psql("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines) != "sync" {
                guard Date() < deadline else { throw TestFailure("the standby never became synchronous") }
                usleep(100_000)
            }
        }
    }

    /// One connection string naming `primary` and `standby`, for whichever is read-write: what
    /// Mohur is given in a main-and-reserve deployment (libpq §34.1.1.3).
    public static func failoverConninfo(_ primary: PostgresServer, _ standby: PostgresServer) -> String {
        "host=127.0.0.1,127.0.0.1 port=\(primary.port),\(standby.port) user=mohur dbname=mohur target_session_attrs=read-write connect_timeout=2"
    }

    /// Promotes this standby to primary (what Patroni does on a failover).
    public func promote() throws {
        let promoted = try pg("pg_ctl", ["-D", dataDirectory, "-w", "promote"])
        guard promoted.status == 0 else { throw TestFailure("promotion failed: \(promoted.output)") }
    }

    /// - Parameter settings: extra `-c name=value` server settings.
    public init(settings: [String: String] = [:]) throws {
        directory = try TemporaryDirectory("mohur-pg")
        self.settings = settings
        let asRoot = getuid() == 0
        if asRoot {
            let chown = try run("chown", ["-R", "postgres:postgres", directory.url.path])
            guard chown.status == 0 else { throw TestFailure("cannot hand \(directory.url.path) to postgres: \(chown.output)") }
        }
        let initdb = try pg("initdb", ["-D", dataDirectory, "-U", "mohur", "--auth=trust", "-E", "UTF8", "--no-instructions"])
        guard initdb.status == 0 else { throw TestFailure("initdb failed: \(initdb.output)") }
        // A random high port; another one if it was taken (the server then fails to bind).
        var started: ProcessResult?
        for _ in 0..<5 where started?.status != 0 {
            port = loopbackPort()
            started = try start()
        }
        guard started?.status == 0 else {
            let log = (try? String(contentsOfFile: directory.path("server.log"), encoding: .utf8)) ?? ""
            throw TestFailure("PostgreSQL did not start: \(started?.output ?? "")\n\(log)")
        }
        let created = try pg("createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "mohur", "mohur"])
        guard created.status == 0 else { throw TestFailure("createdb failed: \(created.output)") }
    }

    private let settings: [String: String]

    /// Starts the server (again) on its port; waits until it accepts connections. The server
    /// inherits pg_ctl's standard output, so pg_ctl runs detached (see `pg`).
    @discardableResult
    public func start() throws -> ProcessResult {
        let options = (["listen_addresses=127.0.0.1", "port=\(port)", "unix_socket_directories=\(directory.url.path)", "fsync=on"]
            + settings.map { "\($0.key)=\($0.value)" }).map { "-c \($0)" }.joined(separator: " ")
        return try pg("pg_ctl", ["-D", dataDirectory, "-o", options, "-l", directory.path("server.log"), "-w", "-t", "60", "start"],
                      detached: true)
    }

    deinit { _ = try? stop() }

    /// Stops the server (fast shutdown); `immediate` is a crash as far as the data is concerned.
    @discardableResult
    public func stop(immediate: Bool = false) throws -> ProcessResult {
        try pg("pg_ctl", ["-D", dataDirectory, "-m", immediate ? "immediate" : "fast", "-w", "stop"])
    }

    /// Runs `psql` against the `mohur` database as `user`.
    public func psql(_ sql: String, user: String = "mohur") throws -> ProcessResult {
        try run("psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", "mohur", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
    }

    /// Runs a PostgreSQL server program, as `postgres` under root.
    @discardableResult
    public func pg(_ program: String, _ arguments: [String], detached: Bool = false) throws -> ProcessResult {
        var command = ["\(try Self.binaries)/\(program)"] + arguments
        if getuid() == 0 { command = ["runuser", "-u", "postgres", "--"] + command }
        if detached {
            // The server inherits its starter's descriptors, among them the pipes this process
            // reads to EOF: start it through Python's subprocess, which closes every descriptor
            // above 2 in the child, with output to a file.
            let output = directory.path("\(program).out")
            let script = "import subprocess, sys; out = open(sys.argv[1], 'w'); "
                + "sys.exit(subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd='/tmp').returncode)"
            let result = try run("python3", ["-c", script, output] + command)
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            return ProcessResult(status: result.status, stdoutData: Array(text.utf8), stdout: text, stderr: result.stderr)
        }
        return try run(command[0], Array(command.dropFirst()), directory: "/tmp")
    }
}
