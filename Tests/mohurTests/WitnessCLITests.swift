import Foundation
import MohurTestSupport
import OpenSSLKit
import Testing

/// Witnesses through real processes: another agency's state runs `mohur witness run`, an
/// independent witness (Judges/tlog_judge.py, written from the C2SP texts) runs beside it, and
/// the central journal asks both with `mohur audit cosign`.
@Suite("Witnesses cosign the central journal's checkpoints", .serialized)
struct WitnessCLITests {
    /// The independent witness: a child process that prints "PORT VKEY" once it listens.
    final class JudgeWitness {
        let process = Process()
        let port: Int
        let vkey: String

        init(logVKey: String) throws {
            process.executableURL = URL(fileURLWithPath: try Judge.python)
            process.arguments = [Judge.tlogScript, "witness", "--log-vkey", logVKey, "--name", "judge.example/w1"]
            let pipe = Pipe()
            process.standardOutput = pipe
            // Not the test's own stderr: a child that outlives a failed test would keep the test
            // runner waiting for that pipe to close.
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            while !line.contains(0x0A) {
                let chunk = pipe.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw TestFailure("the judge's witness did not start") }
                line.append(chunk)
            }
            let fields = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace)
            guard fields.count == 2, let port = Int(fields[0]) else { throw TestFailure("judge witness said: \(fields)") }
            self.port = port
            vkey = String(fields[1])
        }

        deinit { process.terminate() }
    }

    @Test("both witnesses cosign, a k-of-n policy is checked, and a rolled-back journal is refused and journaled as a threat")
    func cosignAndRefuseRollback() throws {
        let central = try CLITests()
        let mns = try CLITests()
        #expect(try central.mohur(["init"]).status == 0)
        #expect(try mns.mohur(["init"]).status == 0)
        let logVKey = try central.mohur(["audit", "key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // The MNS witness: an Ed25519 key in its own HSM, following the central journal.
        let created = try mns.mohur(["witness", "init", "--name", "witness.mns.gov.az"])
        #expect(created.status == 0 && created.stdout.hasPrefix("witness.mns.gov.az+"), "\(created.output)")
        let mnsVKey = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try mns.mohur(["witness", "init", "--name", "again"]).status == 1, "a witness's key is made once")
        #expect(try mns.mohur(["witness", "follow", "--vkey", logVKey, "--label", "IAMAS central"]).status == 0)
        let witness = try ServiceProcess(cli: mns, role: "witness")
        let judge = try JudgeWitness(logVKey: logVKey)

        for (vkey, url) in [(mnsVKey, witness.base), (judge.vkey, "http://127.0.0.1:\(judge.port)")] {
            let added = try central.mohur(["audit", "witnesses", "add", "--vkey", vkey, "--url", url])
            #expect(added.status == 0, "\(added.output)")
        }
        let bad = try central.mohur(["audit", "witnesses", "add", "--vkey", "nonsense", "--url", "http://x"])
        #expect(bad.status == 2 && bad.stderr.contains("not a cosignature/v1 verifier key"), "\(bad.output)")

        let first = try central.mohur(["audit", "cosign"])
        #expect(first.status == 0 && first.stdout.contains("witness.mns.gov.az: cosigned size")
                && first.stdout.contains("judge.example/w1: cosigned size"), "\(first.output)")
        // Work goes on; the next round proves consistency from where each witness stands.
        #expect(try central.mohur(["audit", "witnesses", "add", "--vkey", mnsVKey, "--url", witness.base]).status == 0)
        let second = try central.mohur(["audit", "cosign"])
        #expect(second.status == 0, "\(second.output)")

        // The independent verifier checks the log signature and both cosignatures.
        let note = try central.mohur(["audit", "checkpoint", "--cosigned"])
        #expect(note.status == 0, "\(note.output)")
        let noteFile = try central.state.write("cosigned.txt", note.stdout)
        let judged = try Judge.tlog(["verify", "--note", noteFile, "--log-vkey", logVKey, "--witness-vkey", mnsVKey, "--witness-vkey", judge.vkey])
        #expect(judged["log_signature"] as? Bool == true, "\(judged)")
        let cosigners = judged["cosigners"] as? [String: Any] ?? [:]
        #expect(cosigners["witness.mns.gov.az"] is Int && cosigners["judge.example/w1"] is Int, "\(judged)")
        let heldSize = try #require(judged["size"] as? Int)

        // The central service hands out the same cosigned note.
        let auditor = try Subsystem(central, agency: "MIA", name: "audit-collector", rights: "AUD:read,op:audit-read")
        let service = try ServiceProcess(cli: central, role: "central")
        let served = try central.mohur(["request", "send", "GET", "\(service.base)/v1/audit/checkpoint?cosigned"] + auditor.signing)
        #expect(served.status == 0 && served.stdout.contains(note.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(served.output)")
        #expect(service.stop() == 0)

        // Policies: two of two agencies met; a third required agency not.
        let policy = try central.state.write("policy.txt", """
            witness \(mnsVKey) \(witness.base)
            witness \(judge.vkey)
            group agencies all witness.mns.gov.az judge.example/w1
            quorum agencies
            """)
        let met = try central.mohur(["audit", "verify", "--witness-policy", policy])
        #expect(met.status == 0 && met.stdout.contains("cosigned by judge.example/w1, witness.mns.gov.az"), "\(met.output)")
        // A third agency's key, made up here by the C2SP key-ID rule.
        let dtxKey = [UInt8](repeating: 7, count: 32)
        let dtxID = Digest.hex(Array(Digest.sha256(Array("witness.dtx.gov.az".utf8) + [0x0A, 0x04] + dtxKey).prefix(4)))
        let missing = try central.state.write("strict.txt", """
            witness \(mnsVKey)
            witness \(judge.vkey)
            witness witness.dtx.gov.az+\(dtxID)+\(Data([0x04] + dtxKey).base64EncodedString())
            group agencies 3 witness.mns.gov.az judge.example/w1 witness.dtx.gov.az
            quorum agencies
            """)
        let unmet = try central.mohur(["audit", "verify", "--witness-policy", missing])
        #expect(unmet.status == 1 && unmet.stderr.contains("does not meet quorum agencies"), "\(unmet.output)")

        // An add-checkpoint from an old view gets 409 and the size the witness holds, as text/x.tlog.size.
        let stale = try central.state.write("stale.txt", "old 0\n\n" + note.stdout.components(separatedBy: "\n— ").first! + "\n— "
                                                + note.stdout.components(separatedBy: "\n— ")[1] + "\n")
        let conflict = try Judge.tlog(["add-checkpoint", "--url", witness.base + "/add-checkpoint", "--body", stale])
        #expect(conflict["status"] as? Int == 409 && conflict["content_type"] as? String == "text/x.tlog.size"
                && conflict["body"] as? String == "\(heldSize)\n", "\(conflict)")

        // The operator restores an older backup and writes another history under the same HSM key.
        let backup = central.state.path("backup")
        #expect(try central.mohur(["backup", "--out", backup]).status == 0)
        for _ in 0..<3 { _ = try central.mohur(["audit", "witnesses", "add", "--vkey", mnsVKey, "--url", witness.base]) }
        #expect(try central.mohur(["audit", "cosign"]).status == 0)
        let before = try mns.mohur(["witness", "logs", "--json"])
        #expect(try central.mohur(["restore", backup, "--replace"]).status == 0)
        for _ in 0..<8 { _ = try central.mohur(["audit", "witnesses", "add", "--vkey", mnsVKey, "--url", witness.base]) }
        let refused = try central.mohur(["audit", "cosign"])
        #expect(refused.status == 1 && refused.stdout.contains("witness.mns.gov.az: REFUSED")
                && refused.stdout.contains("judge.example/w1: REFUSED"), "\(refused.output)")
        #expect(try mns.mohur(["witness", "logs", "--json"]).stdout == before.stdout, "the witness's view did not move")
        // Both sides journaled it as a threat: the centre that a witness refused, the witness the log's signed contradiction.
        let centralJournal = try central.mohur(["audit", "tail", "-c", "10"]).stdout
        #expect(centralJournal.contains(#""op":"audit.cosign""#) && centralJournal.contains(#""category":"threat""#), "\(centralJournal)")
        let mnsJournal = try mns.mohur(["audit", "tail", "-c", "10"]).stdout
        #expect(mnsJournal.contains(#""op":"witness.refused""#), "\(mnsJournal)")
        #expect(witness.stop() == 0)
    }
}
