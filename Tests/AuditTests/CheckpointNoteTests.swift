import Audit
import CA
import Foundation
import HSM
import MohurCore
import MohurTestSupport
import OpenSSLKit
import Testing

/// A signed-note verifier written from the C2SP texts (c2sp.org/signed-note, "Format",
/// "Signatures", "Signature types" 0x02; c2sp.org/tlog-checkpoint, "Note text"), sharing no code
/// with Mohur: parsing here, SHA-256 and ECDSA checked by the `openssl` CLI.
enum IndependentNoteVerifier {
    struct Verified { let origin: String; let size: String; let root: Data }

    static func verify(note: String, vkey: String, scratch: TemporaryDirectory) throws -> Verified? {
        // vkey: <name>+<hex key ID>+<base64(type ‖ public key)>
        let parts = vkey.split(separator: "+", maxSplits: 2).map(String.init)
        guard parts.count == 3, let keyBlob = Data(base64Encoded: parts[2]), keyBlob.first == 0x02 else { return nil }
        let name = parts[0], spki = keyBlob.dropFirst()
        // For type 0x02 the key ID is the truncated SHA-256 of the DER SPKI.
        let spkiPath = try scratch.write("key.der", Array(spki))
        let idHex = try openssl(["dgst", "-sha256", "-r", spkiPath]).stdout.prefix(8)
        guard String(idHex) == parts[1] else { return nil }
        // The text is everything up to the last blank line, with its final newline.
        guard let split = note.range(of: "\n\n", options: .backwards) else { return nil }
        let text = String(note[..<split.lowerBound]) + "\n"
        let textPath = try scratch.write("text", text)
        var verified = false
        for line in note[split.upperBound...].split(separator: "\n") {
            guard line.hasPrefix("\u{2014} ") else { return nil }
            let fields = line.dropFirst(2).split(separator: " ")
            guard fields.count == 2, let blob = Data(base64Encoded: String(fields[1])), blob.count > 4 else { return nil }
            guard fields[0] == name, blob.prefix(4).map({ String(format: "%02x", $0) }).joined() == parts[1] else { continue }
            let sigPath = try scratch.write("sig", Array(blob.dropFirst(4)))
            let result = try openssl(["dgst", "-sha256", "-verify", spkiPath, "-keyform", "DER", "-signature", sigPath, textPath])
            guard result.status == 0 else { return nil }
            verified = true
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard verified, lines.count == 4, let root = Data(base64Encoded: String(lines[2])) else { return nil }
        return Verified(origin: String(lines[0]), size: String(lines[1]), root: root)
    }
}

@Suite("C2SP checkpoints signed in the HSM")
struct CheckpointNoteTests {
    /// A fresh token in this process's SoftHSM2 instance. SoftHSM2 reads its configuration once
    /// per process: whichever suite loads it first sets the token directory, and later ones add
    /// tokens there. So this only points SOFTHSM2_CONF at a directory of its own (harmless if
    /// SoftHSM2 is already loaded) and never takes the "mohur-dev" label CATests' SharedToken uses.
    static let token: (TemporaryDirectory, any KeyStore)? = {
        do {
            let directory = try TemporaryDirectory("mohur-audit-hsm")
            try FileManager.default.createDirectory(atPath: directory.path("tokens"), withIntermediateDirectories: true)
            let conf = try directory.write("softhsm2.conf", "directories.tokendir = \(directory.path("tokens"))\n"
                                           + "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n")
            if ProcessInfo.processInfo.environment["SOFTHSM2_CONF"] == nil { setenv("SOFTHSM2_CONF", conf, 1) }
            let module = try PKCS11Modules.module(path: StateDirectory.defaultSoftHSMModule)
            let label = "a-" + Digest.hex(try randomBytes(6))
            _ = try module.initializeToken(label: label, soPIN: "so-pin-0000", userPIN: "user-pin-0000")
            return (directory, PKCS11KeyStore(module: module, token: try module.openToken(label: label, pin: "user-pin-0000")))
        } catch {
            print("audit test token: \(error)")
            return nil
        }
    }()

    @Test("a checkpoint signed by an HSM P-256 key verifies with the printed vkey under an independent signed-note verifier")
    func checkpointVerifiesIndependently() throws {
        let (_, keys) = try #require(Self.token, "SoftHSM2 token")
        let signer = try keys.generate(.ec(.p256), label: "mohur-audit-test-\(Digest.hex(try randomBytes(3)))")
        #expect(!signer.isSoftware)
        let journal = try JournalFixture(signer: signer)
        try journal.append(7)
        let note = try #require(try journal.log.checkpoint())
        let vkey = journal.log.verifierKey.vkey
        let scratch = try TemporaryDirectory()
        let verified = try #require(try IndependentNoteVerifier.verify(note: note, vkey: vkey, scratch: scratch))
        #expect(verified.origin == "iamas.az/mohur/audit-test" && verified.size == "7")
        #expect(Array(verified.root) == (try journal.reader.root(size: 7)))
        // One flipped bit in the text and the independent verifier refuses it.
        let forged = note.replacingOccurrences(of: "\n7\n", with: "\n8\n")
        #expect(try IndependentNoteVerifier.verify(note: forged, vkey: vkey, scratch: scratch) == nil)
        #expect(throws: MohurError.self) { _ = try journal.log.verifierKey.open(forged) }
    }

    @Test("the vkey round-trips and its key ID is SHA-256 of the SPKI (signature type 0x02)")
    func vkeyForm() throws {
        let journal = try JournalFixture()
        let key = journal.log.verifierKey
        #expect(try NoteVerifierKey(vkey: key.vkey) == key)
        #expect(key.keyID == Array(Digest.sha256(key.subjectPublicKeyInfo).prefix(4)))
        #expect(key.vkey.hasPrefix("iamas.az/mohur/audit-test+\(Digest.hex(key.keyID))+Aj"))
    }
}
