import Foundation
import MohurTestSupport
import Testing

/// Several processes on one state directory: every operation is journaled exactly once and
/// the journal still verifies.
@Suite("mohur: concurrent processes on one state", .serialized)
struct ConcurrencyCLITests {
    let cli: CLITests

    init() throws { cli = try CLITests() }

    @Test("three concurrent sod sign loops, 45 documents: 45 issuance records, 45 sod.sign entries at distinct indices, audit verify passes")
    func concurrentSigningLoops() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let status = try cli.json(try cli.mohur(["hsm", "status", "--json"])) as? [String: Any]
        let keys = status?["keys"] as? [[String: Any]] ?? []
        let operatorKey = try #require(keys.first { ($0["label"] as? String)?.hasPrefix("mohur-officer-issuing-operator") == true }?["reference"] as? String)
        #expect(try cli.mohur(["login", "--as", operatorKey]).status == 0)
        let bsi = Vectors.root.appendingPathComponent("worldfnd-icao-9303/bsi_tr03105-5_reference_dataset").path
        let root = Vectors.repositoryRoot.path
        let binary = try CLITests.binary
        let state = cli.state.path("s")
        let loop = """
            for n in $(seq 1 15); do
              "\(binary)" sod sign --state "\(state)" --profiles "\(root)/CA/hierarchy.json" --doc-type P --doc-number "C$1$n" \
                --dg 1="\(bsi)/Datagroup1.bin" --dg 2="\(bsi)/Datagroup2.bin" --out "\(cli.state.path("sod-$1-$n.bin"))" || echo "FAILED $1 $n"
            done
            """
        let loops = try (1...3).map { worker -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", loop, "loop", "\(worker)"]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in loops { process.waitUntilExit() }
        let records = try run("sqlite3", [cli.state.path("s/mohur.sqlite"), "SELECT count(*) FROM sod_issuances"]).stdout
        #expect(records.trimmingCharacters(in: .whitespacesAndNewlines) == "45")
        let tail = try cli.json(try cli.mohur(["audit", "tail", "--json", "-c", "1000"])) as? [[String: Any]] ?? []
        let signed = tail.filter { ($0["entry"] as? String)?.contains(#""op":"sod.sign""#) == true }
        #expect(signed.count == 45, "\(signed.count) sod.sign entries")
        #expect(Set(tail.compactMap { $0["index"] as? Int }).count == tail.count)
        let verify = try cli.mohur(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.output)")
    }
}
