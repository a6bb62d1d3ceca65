import Foundation
import MohurTestSupport
import Testing

/// The reference deployment of the central complex (Patroni with etcd, pgBackRest), read by a
/// YAML parser that is not ours: the settings that make a failover lose nothing are there, and
/// the main and reserve files differ only in the server's own name and addresses.
@Suite("Deployment: Patroni and pgBackRest reference configuration")
struct DeploymentConfigTests {
    static let directory = Vectors.repositoryRoot.appendingPathComponent("Sources/mohur/Deployment/patroni").path

    /// The YAML file as JSON, parsed by PyYAML (in the judges' environment, `make judges`).
    func load(_ name: String) throws -> [String: Any] {
        let script = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"
        let parsed = try run(try Judge.python, ["-c", script, "\(Self.directory)/\(name)"])
        guard parsed.status == 0 else { throw TestFailure("\(name) is not YAML: \(parsed.output)") }
        return try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test("synchronous mode (not strict: the survivor of two must take writes), no lag on failover, commits wait for the standby; etcd has a quorum of three")
    func noAcknowledgedWriteLost() throws {
        let main = try load("mohur-main.yml")
        let dcs = (main["bootstrap"] as? [String: Any])?["dcs"] as? [String: Any] ?? [:]
        #expect(dcs["synchronous_mode"] as? Bool == true && dcs["synchronous_mode_strict"] as? Bool == false, "\(dcs)")
        #expect(dcs["maximum_lag_on_failover"] as? Int == 0)
        let parameters = (dcs["postgresql"] as? [String: Any])?["parameters"] as? [String: Any] ?? [:]
        #expect(parameters["synchronous_commit"] as? String == "on")
        #expect(((main["etcd3"] as? [String: Any])?["hosts"] as? [String])?.count == 3)
        // The WAL archive goes to the stanza pgbackrest.conf defines.
        let archive = parameters["archive_command"] as? String ?? ""
        let backrest = try String(contentsOfFile: "\(Self.directory)/pgbackrest.conf", encoding: .utf8)
        #expect(archive.contains("--stanza=mohur") && backrest.contains("[mohur]"), "\(archive)")
    }

    @Test("main and reserve differ only in the server's name and addresses")
    func symmetric() throws {
        let main = try load("mohur-main.yml"), reserve = try load("mohur-reserve.yml")
        #expect(main["name"] as? String == "db-main" && reserve["name"] as? String == "db-reserve")
        func strip(_ config: [String: Any]) -> NSDictionary {
            var copy = config
            copy["name"] = nil
            for section in ["restapi", "postgresql"] {
                var inner = copy[section] as? [String: Any] ?? [:]
                inner["connect_address"] = nil
                copy[section] = inner
            }
            return copy as NSDictionary
        }
        #expect(strip(main) == strip(reserve))
    }
}
