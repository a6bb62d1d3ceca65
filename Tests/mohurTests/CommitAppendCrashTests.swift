import Foundation
import MohurTestSupport
import Testing

/// An operation killed after its commit and before its journal append. The window is made
/// deterministic without any hook in Mohur: another process (sqlite3) holds the journal's write
/// lock, so `mohur crl issue` commits the CRL with its staged entry (the outbox) and then waits
/// to append; it is killed with SIGKILL there. The next start appends the entry.
@Suite("killed between commit and journal append", .serialized)
struct CommitAppendCrashTests {
    @Test("crl issue killed while its journal append waits: the CRL is stored, and the next start journals it")
    func killedBetweenCommitAndAppend() throws {
        let cli = try CLITests()
        #expect(try cli.mohur(["init"]).status == 0)
        // Any officer command first: the development officer's session is open before the journal is locked.
        #expect(try cli.mohur(["crl", "issue", "--ca", "segment-MIA", "--force"]).status == 0)
        func count(_ file: String, _ sql: String) throws -> Int {
            Int(try run("sqlite3", [cli.state.path("s/\(file)"), sql]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        let crls = try count("mohur.sqlite", "SELECT count(*) FROM crls")
        let issued = "CAST(entry AS TEXT) LIKE '%\"op\":\"ca.crl\"%' AND CAST(entry AS TEXT) LIKE '%\"target\":\"segment-SBS\"%'"
        #expect(try count("audit.sqlite", "SELECT count(*) FROM audit_entries WHERE \(issued)") == 0)

        // sqlite3 holds the journal's write lock until its input closes.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        holder.arguments = [cli.state.path("s/audit.sqlite")]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        input.fileHandleForWriting.write(Data("BEGIN EXCLUSIVE;\nSELECT 1;\n".utf8))
        usleep(300_000)

        let issuing = Process()
        issuing.executableURL = URL(fileURLWithPath: try CLITests.binary)
        issuing.arguments = ["crl", "issue", "--ca", "segment-SBS", "--force", "--state", cli.state.path("s")]
        issuing.environment = ProcessInfo.processInfo.environment.merging(["MOHUR_HSM_PIN": ""]) { $1 }
        issuing.standardOutput = FileHandle.nullDevice
        issuing.standardError = FileHandle.nullDevice
        try issuing.run()
        // Committed: the CRL and the staged entry are in the PKI database; the append waits.
        let deadline = Date().addingTimeInterval(4)
        while try count("mohur.sqlite", "SELECT count(*) FROM crls") == crls, Date() < deadline { usleep(20_000) }
        let staged = try count("mohur.sqlite", "SELECT count(*) FROM audit_outbox")
        #expect(issuing.isRunning, "crl issue must still be waiting for the journal")
        kill(issuing.processIdentifier, SIGKILL)
        issuing.waitUntilExit()
        input.fileHandleForWriting.write(Data("ROLLBACK;\n".utf8))
        try input.fileHandleForWriting.close()
        holder.waitUntilExit()

        #expect(try count("mohur.sqlite", "SELECT count(*) FROM crls") == crls + 1, "the CRL was committed")
        #expect(staged >= 1, "its journal entry was staged with it")
        #expect(try count("audit.sqlite", "SELECT count(*) FROM audit_entries WHERE \(issued)") == 0, "and not appended")
        // Recovery leaves rows younger than 30 s to a process that may still be appending them:
        // age them as the clock would.
        #expect(try run("sqlite3", [cli.state.path("s/mohur.sqlite"), "UPDATE audit_outbox SET staged_at = staged_at - 120000"]).status == 0)

        let next = try cli.mohur(["audit", "tail", "-c", "5"])
        #expect(next.status == 0, "\(next.output)")
        #expect(next.stdout.contains(#""op":"audit.outbox.recovered""#), "\(next.stdout)")
        #expect(try count("audit.sqlite", "SELECT count(*) FROM audit_entries WHERE \(issued)") == 1, "journaled once")
        #expect(try count("mohur.sqlite", "SELECT count(*) FROM audit_outbox") == 0)
        #expect(try cli.mohur(["audit", "verify"]).status == 0)
    }
}
