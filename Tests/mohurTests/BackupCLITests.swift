import Foundation
import MohurTestSupport
import OpenSSLKit
import Testing

/// `mohur backup` and `mohur restore` (rules §5.2.4.2) on a SQLite state.
@Suite("Backup and restore", .serialized)
struct BackupCLITests {
    @Test("a backup while data exists; the stores lost; restore brings back every record, the journal verifies, keys were never copied")
    func backupAndRestore() throws {
        let cli = try CLITests()
        #expect(try cli.mohur(["init"]).status == 0)
        let worked = Vectors.root.appendingPathComponent("gmrtd/icao9303_p10_worked_examples").path
        let signed = try cli.mohur(["sod", "sign", "--doc-type", "P", "--doc-number", "C01234567", "--dg", "1=\(worked)/EF_DG1.bin",
                                    "--dg", "2=\(worked)/EF_DG2.bin", "--out", cli.state.path("EF_SOD.bin")])
        #expect(signed.status == 0, "\(signed.output)")
        _ = try Subsystem(cli, agency: "SBS", name: "border-gateway", rights: "op:pa-verify")
        let database = cli.state.path("s/mohur.sqlite")
        func count(_ file: String, _ table: String) throws -> String {
            try run("sqlite3", [file, "SELECT count(*) FROM \(table)"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let certificates = try count(database, "certificates")

        let backup = cli.state.path("backup")
        let made = try cli.mohur(["backup", "--out", backup, "--json"])
        #expect(made.status == 0, "\(made.output)")
        let manifest = try cli.json(made) as? [String: Any] ?? [:]
        let files = manifest["files"] as? [String: String] ?? [:]
        #expect(Set(files.keys).isSuperset(of: ["mohur.sqlite", "audit.sqlite", "config.json"]), "\(manifest)")
        // Digests an independent tool agrees with; no key material and no PIN in the backup.
        let digest = try openssl(["dgst", "-sha256", "-r", backup + "/mohur.sqlite"]).stdout.prefix(64)
        #expect(files["mohur.sqlite"] == String(digest))
        let listing = try FileManager.default.contentsOfDirectory(atPath: backup)
        #expect(!listing.contains { $0.contains("softhsm") || $0.contains("pin") || $0.hasSuffix(".pem") || $0.hasSuffix(".p8") }, "\(listing)")
        #expect(try count(backup + "/mohur.sqlite", "certificates") == certificates)
        #expect(try cli.mohur(["backup", "--out", backup]).status == 2, "a backup never overwrites another")

        // The stores are lost; a restore without --replace refuses to touch an existing one first.
        let tampered = cli.state.path("tampered")
        try FileManager.default.copyItem(atPath: backup, toPath: tampered)
        try Data("x".utf8).write(to: URL(fileURLWithPath: tampered + "/config.json"))
        let refusedTampered = try cli.mohur(["restore", tampered])
        #expect(refusedTampered.status == 1 && refusedTampered.stderr.contains("config.json"), "\(refusedTampered.output)")
        #expect(try cli.mohur(["restore", backup]).status == 2, "the state still has its stores")
        for name in try FileManager.default.contentsOfDirectory(atPath: cli.state.path("s"))
        where name.hasPrefix("mohur.sqlite") || name.hasPrefix("audit.sqlite") {
            try FileManager.default.removeItem(atPath: cli.state.path("s/\(name)"))
        }
        let lost = try cli.mohur(["ca", "list"])
        #expect(lost.status == 2 && lost.stderr.contains("has no database"), "a lost store is an error, not an empty one: \(lost.output)")
        let restored = try cli.mohur(["restore", backup])
        #expect(restored.status == 0 && restored.stdout.contains("journal verified"), "\(restored.output)")
        #expect(try count(database, "certificates") == certificates)
        #expect(try count(database, "sod_issuances") == "1")
        #expect(try cli.mohur(["ca", "list"]).status == 0)
        let verified = try cli.mohur(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.output)")
        let tail = try cli.json(try cli.mohur(["audit", "tail", "--json"])) as? [[String: Any]] ?? []
        #expect(tail.contains { ($0["entry"] as? String)?.contains(#""op":"state.restore""#) == true })
        // Signing works again with the keys the HSM kept.
        #expect(try cli.mohur(["sod", "sign", "--doc-type", "P", "--doc-number", "C01234568", "--dg", "1=\(worked)/EF_DG1.bin",
                               "--dg", "2=\(worked)/EF_DG2.bin", "--out", cli.state.path("EF_SOD2.bin")]).status == 0)
        // --replace moves the current files aside, never deletes them.
        let replaced = try cli.mohur(["restore", backup, "--replace"])
        #expect(replaced.status == 0, "\(replaced.output)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: cli.state.path("s")).filter { $0.contains(".before-restore-") }
        #expect(aside.contains { $0.hasPrefix("mohur.sqlite.before-restore-") }, "\(aside)")
    }
}
