import Audit
import Foundation
import HSM
import MohurCore
import MohurTestSupport
import OpenSSLKit
import Storage
import Testing

/// An Ed25519 key held by the openssl CLI: the witness tests sign with a tool that shares no
/// code with Mohur, and Mohur's verification has to agree with it.
struct OpenSSLCLIEd25519Signer: Ed25519Signer {
    let directory: TemporaryDirectory
    let rawPublicKey: [UInt8]
    var keyReference: String { "file:" + directory.path("witness.pem") }

    init() throws {
        directory = try TemporaryDirectory("mohur-witness-key")
        let key = directory.path("witness.pem")
        guard try openssl(["genpkey", "-algorithm", "ed25519", "-out", key]).status == 0 else { throw TestFailure("openssl genpkey failed") }
        let spki = try openssl(["pkey", "-in", key, "-pubout", "-outform", "DER"]).stdoutData
        rawPublicKey = Array(spki.suffix(32))
    }

    func sign(_ message: [UInt8]) throws -> [UInt8] {
        let input = try directory.write("message-\(UUID())", message)
        let output = directory.path("signature-\(UUID())")
        guard try openssl(["pkeyutl", "-sign", "-inkey", directory.path("witness.pem"), "-rawin", "-in", input, "-out", output]).status == 0 else {
            throw TestFailure("openssl pkeyutl -sign failed")
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }
}

@Suite("Witnesses cosign consistent checkpoints and refuse the rest (C2SP tlog-witness, tlog-cosignature)")
struct WitnessTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A journal, a witness (its own database, an Ed25519 key held by openssl) that follows it.
    func setUp(logSigner: (any Signer)? = nil) throws -> (log: JournalFixture, witness: Witness, witnessDB: JournalFixture, key: OpenSSLCLIEd25519Signer) {
        let log = try JournalFixture(signer: logSigner)
        let witnessState = try JournalFixture()
        let key = try OpenSSLCLIEd25519Signer()
        try Witness.setIdentity(witnessState.database, name: "witness.mns.gov.az", keyLabel: "test")
        let witness = try Witness(database: witnessState.database, name: "witness.mns.gov.az", signer: key)
        _ = try Witness.follow(witnessState.database, vkey: try log.reader.verifierKey().vkey, label: "central", at: now)
        return (log, witness, witnessState, key)
    }

    func request(_ log: JournalFixture, from old: Int64) throws -> AddCheckpointRequest {
        let latest = try #require(try log.reader.latestCheckpoint())
        let proof = old == 0 || old == latest.size ? [] : try log.reader.consistencyProof(from: old, to: latest.size).hashes
        return AddCheckpointRequest(oldSize: old, proof: proof, note: latest.note)
    }

    @Test("a consistent checkpoint is cosigned (openssl agrees with the cosignature), from nothing and then with a proof")
    func cosignsConsistent() throws {
        let (log, witness, witnessState, key) = try setUp()
        try log.append(10)
        try log.log.checkpoint()
        // Over the wire: the body a log sends, parsed back as the witness reads it.
        let first = try AddCheckpointRequest(body: try request(log, from: 0).body)
        let line = try witness.add(first, at: now)
        let checkpoint = try SignedNote(first.note).checkpoint
        #expect(try witness.key.verifiedTimestamp(of: checkpoint, in: [Substring(line.dropLast())]) == 1_800_000_000)

        // The cosignature as the spec lays it out, checked with the openssl CLI: key ID, big-endian
        // timestamp, then Ed25519 over "cosignature/v1\ntime T\n" and the checkpoint text.
        let fields = line.dropFirst(2).split(separator: " ")
        #expect(fields.first == "witness.mns.gov.az")
        let blob = Array(try #require(Data(base64Encoded: String(fields[1].dropLast(fields[1].hasSuffix("\n") ? 1 : 0)))))
        #expect(blob.count == 76)
        #expect(Array(blob[0..<4]) == Array(Digest.sha256(Array("witness.mns.gov.az".utf8) + [0x0A, 0x04] + key.rawPublicKey).prefix(4)))
        #expect(blob[4..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } == 1_800_000_000)
        let message = try key.directory.write("signed", "cosignature/v1\ntime 1800000000\n" + checkpoint.body)
        let signature = try key.directory.write("sig", Array(blob[12...]))
        let pub = key.directory.path("pub.pem")
        #expect(try openssl(["pkey", "-in", key.directory.path("witness.pem"), "-pubout", "-out", pub]).status == 0)
        #expect(try openssl(["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", message, "-sigfile", signature]).status == 0)

        try log.append(25, from: 10)
        try log.log.checkpoint()
        let second = try request(log, from: 10)
        #expect(!second.proof.isEmpty)
        _ = try witness.add(second, at: now)
        #expect(try Witness.logs(witnessState.database).first?.size == 35)
        // The same checkpoint again is cosigned again (same size, same root).
        _ = try witness.add(try request(log, from: 35), at: now)
    }

    @Test("an inconsistent checkpoint is refused and the witness's view does not move")
    func refusesInconsistent() throws {
        let logKey = try SoftwareKeySigner.generate(.ec(.p256), path: FileManager.default.temporaryDirectory.path + "/wlog-\(UUID()).pem", passphrase: "x")
        let (log, witness, witnessState, _) = try setUp(logSigner: logKey)
        try log.append(20)
        try log.log.checkpoint()
        _ = try witness.add(try request(log, from: 0), at: now)
        let view = try Witness.logs(witnessState.database)

        // The operator rewrites history: the same origin and key, other entries (a fork).
        let fork = try JournalFixture(signer: logKey)
        try fork.append(20, from: 1000)
        try fork.log.checkpoint()
        // Same size, another root: a split view (409).
        #expect(throws: WitnessConflict.self) { try witness.add(try request(fork, from: 20), at: now) }
        // Larger, with the fork's own proof from 20: it does not lead from the root the witness holds (422).
        try fork.append(10, from: 2000)
        try fork.log.checkpoint()
        let error = #expect(throws: MohurError.self) { try witness.add(try request(fork, from: 20), at: now) }
        #expect(error?.code == .unverifiable && error?.httpStatus == 422)
        // A stale old size (409, naming the size held) and an old size above the checkpoint's (400).
        try log.append(5, from: 20)
        try log.log.checkpoint()
        let stale = #expect(throws: WitnessConflict.self) { try witness.add(try request(log, from: 0), at: now) }
        #expect(stale?.latestSize == 20)
        var tooLarge = try request(log, from: 25)
        tooLarge = AddCheckpointRequest(oldSize: 26, proof: [], note: tooLarge.note)
        #expect((#expect(throws: MohurError.self) { try witness.add(tooLarge, at: now) })?.code == .badInput)
        // A checkpoint signed by another key (403) and an unknown origin (404).
        let stranger = try JournalFixture()
        try stranger.append(3)
        try stranger.log.checkpoint()
        #expect((#expect(throws: MohurError.self) { try witness.add(try request(stranger, from: 0), at: now) })?.code == .refusedByPolicy)
        let other = try JournalFixture(origin: "iamas.az/mohur/audit-elsewhere")
        try other.append(3)
        try other.log.checkpoint()
        #expect((#expect(throws: MohurError.self) { try witness.add(try request(other, from: 0), at: now) })?.code == .notFound)
        #expect(try Witness.logs(witnessState.database) == view, "refusals leave the witness's view where it was")
        // The honest log still proceeds from there.
        _ = try witness.add(try request(log, from: 20), at: now)
    }

    @Test("malformed add-checkpoint bodies are named and refused")
    func malformedBodies() throws {
        let note = "o\n1\n\(Data(repeating: 0, count: 32).base64EncodedString())\n\n— o AAAA\n"
        for (body, problem) in [("old 01\n\n" + note, "leading zeroes"), ("old x\n\n" + note, "'old <size>'"), ("old 1\nnot-base64\n\n" + note, "not a base64"),
                                ("old 0\n" + note.replacingOccurrences(of: "\n\n", with: "\n"), "no empty line"),
                                ("old 1\n" + String(repeating: Data(repeating: 1, count: 32).base64EncodedString() + "\n", count: 64) + "\n" + note, "more than the 63")] {
            let error = #expect(throws: MohurError.self) { try AddCheckpointRequest(body: body) }
            #expect(error?.code == .badInput && error?.reason.contains(problem) == true, "\(error?.reason ?? "")")
        }
    }

    @Test("a k-of-n witness policy counts only valid cosignatures of its witnesses")
    func policy() throws {
        let (log, witness, _, _) = try setUp()
        let second = try OpenSSLCLIEd25519Signer()
        let third = try OpenSSLCLIEd25519Signer()
        let witness2 = try CosignerKey(name: "witness.dtx.gov.az", publicKey: second.rawPublicKey)
        let witness3 = try CosignerKey(name: "witness.sts.gov.az", publicKey: third.rawPublicKey)
        try log.append(4)
        try log.log.checkpoint()
        let latest = try #require(try log.reader.latestCheckpoint())
        let checkpoint = try SignedNote(latest.note).checkpoint
        let line1 = try witness.add(try request(log, from: 0), at: now)
        let line2 = try witness2.cosign(checkpoint, timestamp: 1_800_000_001, signer: second)
        let text = """
            # IAMAS central journal: two of three agencies must cosign
            witness \(witness.key.vkey) http://mns.example:8444
            witness \(witness2.vkey)
            witness \(witness3.vkey)
            group agencies 2 witness.mns.gov.az witness.dtx.gov.az witness.sts.gov.az
            quorum agencies
            """
        let policy = try WitnessPolicy(text: text)
        func cosigners(_ lines: String...) throws -> Set<String> {
            try policy.cosigners(of: checkpoint, in: try SignedNote(latest.note + lines.joined()).signatureLines)
        }
        #expect(try cosigners(line1) == ["witness.mns.gov.az"])
        #expect(!policy.isSatisfied(by: try cosigners(line1)))
        #expect(policy.isSatisfied(by: try cosigners(line1, line2)))
        // A cosignature of another checkpoint does not count: it fails, and a failing line of a known witness is refused.
        let elsewhere = try witness3.cosign(Checkpoint(origin: checkpoint.origin, size: 5, rootHash: checkpoint.rootHash), timestamp: 1, signer: third)
        #expect(throws: MohurError.self) { try cosigners(line1, elsewhere) }
        // Unknown witnesses' lines are ignored.
        let stranger = try OpenSSLCLIEd25519Signer()
        let strangerLine = try CosignerKey(name: "witness.elsewhere", publicKey: stranger.rawPublicKey).cosign(checkpoint, timestamp: 1, signer: stranger)
        #expect(try cosigners(line1, strangerLine) == ["witness.mns.gov.az"])

        for (bad, problem) in [("witness \(witness.key.vkey)\n", "no 'quorum'"), ("quorum nobody\n", "not a witness or group"),
                               ("witness \(witness.key.vkey)\ngroup g 3 witness.mns.gov.az\nquorum g\n", "threshold"),
                               ("witness abc+00+AA==\nquorum abc\n", "not a cosignature/v1 verifier key"), ("trust everyone\n", "unknown statement")] {
            let error = #expect(throws: MohurError.self) { try WitnessPolicy(text: bad, source: "policy.txt") }
            #expect(error?.reason.contains(problem) == true && error?.reason.contains("policy.txt") == true, "\(error?.reason ?? "")")
        }
    }

    @Test("the journal asks its witnesses, follows a 409 to the size a witness holds, and hands out one cosigned note")
    func journalSide() throws {
        let (log, witness, _, _) = try setUp()
        let witnessing = CheckpointWitnessing(reader: log.reader)
        var registered = try witnessing.register(vkey: witness.key.vkey, url: "http://127.0.0.1:8444", at: now)
        try log.append(12)
        try log.log.checkpoint()
        var request = try #require(try witnessing.nextRequest(for: registered))
        _ = try witnessing.accept(try witness.add(request, at: now), of: registered, for: request, at: now)
        registered = try #require(try witnessing.witness(name: registered.name))
        #expect(registered.size == 12)
        #expect(try witnessing.nextRequest(for: registered) == nil, "already cosigned")
        let note = try #require(try witnessing.latestCosignedNote())
        let policy = try WitnessPolicy(text: "witness \(witness.key.vkey)\nquorum witness.mns.gov.az\n")
        #expect(policy.isSatisfied(by: try policy.cosigners(of: try SignedNote(note).checkpoint, in: try SignedNote(note).signatureLines)))
        #expect(try log.reader.verifierKey().open(note).size == 12, "the journal's own signature is still on the note")

        // The journal forgets where the witness stands (say, restored from a backup): the witness
        // answers 409 with its size, and the next request starts there.
        try log.append(3, from: 12)
        try log.log.checkpoint()
        try witnessing.recordHeld(0, by: registered)
        registered = try #require(try witnessing.witness(name: registered.name))
        request = try #require(try witnessing.nextRequest(for: registered))
        let conflict = #expect(throws: WitnessConflict.self) { try witness.add(request, at: now) }
        try witnessing.recordHeld(try #require(conflict?.latestSize), by: registered)
        registered = try #require(try witnessing.witness(name: registered.name))
        request = try #require(try witnessing.nextRequest(for: registered))
        #expect(request.oldSize == 12 && !request.proof.isEmpty)
        _ = try witnessing.accept(try witness.add(request, at: now), of: registered, for: request, at: now)
        #expect(try witnessing.witness(name: registered.name)?.size == 15)
        // A response that is not the registered witness's cosignature is refused.
        #expect(throws: MohurError.self) { try witnessing.accept("— witness.mns.gov.az AAAA\n", of: registered, for: request, at: now) }
    }
}

