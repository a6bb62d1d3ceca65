import Foundation
import MohurCore
import OpenSSLKit

/// A tree head in the C2SP tlog-checkpoint note text: origin line, tree size in decimal, root
/// hash in base64, each ending in a newline (c2sp.org/tlog-checkpoint, "Note text").
public struct Checkpoint: Sendable, Hashable {
    public let origin: String
    public let size: Int64
    public let rootHash: [UInt8]

    public init(origin: String, size: Int64, rootHash: [UInt8]) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
    }

    /// The note text the signatures cover (signed-note "Format": it includes the final newline).
    public var body: String { "\(origin)\n\(size)\n\(Data(rootHash).base64EncodedString())\n" }

    /// Parses a note text; extension lines are refused, since nothing here writes them and
    /// tlog-checkpoint does not recommend them.
    public init(body: String) throws(MohurError) {
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "" else { throw .badInput("checkpoint text does not end in a newline") }
        lines.removeLast()
        guard lines.count == 3, !lines[0].isEmpty, let size = Int64(lines[1]), size >= 0, String(size) == lines[1],
              let root = Data(base64Encoded: lines[2]), root.count == 32 else {
            throw .badInput("checkpoint text is not origin, decimal size and base64 SHA-256 root")
        }
        self.init(origin: lines[0], size: size, rootHash: Array(root))
    }
}

/// The journal's public key as a signed-note verifier: ECDSA P-256 over SHA-256, signature
/// type 0x02 of c2sp.org/signed-note ("Signature types": ECDSA as implemented by
/// transparency-dev/witness, NIST P-256 recommended). For this type the note spec says the key
/// ID is the truncated SHA-256 of the DER SubjectPublicKeyInfo — not the
/// name ‖ 0x0A ‖ type ‖ key hash it recommends for Ed25519.
public struct NoteVerifierKey: Sendable, Hashable {
    /// Signature type identifier byte for ECDSA (c2sp.org/signed-note, "Signature types").
    public static let ecdsaType: UInt8 = 0x02

    public let name: String
    /// DER SubjectPublicKeyInfo of a P-256 key.
    public let subjectPublicKeyInfo: [UInt8]

    public init(name: String, subjectPublicKeyInfo: [UInt8]) throws(MohurError) {
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0 == "+" }) else {
            throw .badInput("note key name '\(name)' must be non-empty without spaces or '+' (c2sp.org/signed-note)")
        }
        self.name = name
        self.subjectPublicKeyInfo = subjectPublicKeyInfo
    }

    /// 4-byte key ID: SHA-256(DER SPKI)[:4] for signature type 0x02.
    public var keyID: [UInt8] { Array(Digest.sha256(subjectPublicKeyInfo).prefix(4)) }

    /// The verifier key text `<name>+<hex key ID>+<base64(type ‖ key)>`.
    public var vkey: String { VerifierKeyText.format(name: name, keyID: keyID, type: Self.ecdsaType, key: subjectPublicKeyInfo) }

    /// Parses a verifier key text, checking its key ID.
    public init(vkey: String) throws(MohurError) {
        let text = try VerifierKeyText(vkey, type: Self.ecdsaType, describing: "an ECDSA note verifier key (name+hexid+base64(0x02‖SPKI))")
        try self.init(name: text.name, subjectPublicKeyInfo: text.key)
        try text.check(keyID)
    }

    /// Signs a checkpoint with `signer` (the journal key in the HSM): the ASN.1 ECDSA signature
    /// over the note text, behind the key ID, on a line `— <name> <base64>`.
    public static func sign(_ checkpoint: Checkpoint, name: String, signer: any Signer) throws -> String {
        let key = try NoteVerifierKey(name: name, subjectPublicKeyInfo: try signer.publicKey.subjectPublicKeyInfo())
        let signature = try signer.sign(Array(checkpoint.body.utf8), scheme: .ecdsa(.sha256))
        return checkpoint.body + "\n— \(name) \(Data(key.keyID + signature).base64EncodedString())\n"
    }

    /// Opens a signed note: returns its checkpoint if a signature line of this key verifies.
    /// Lines of other keys are ignored; a line of this key that fails rejects the note
    /// (c2sp.org/signed-note, "Signatures").
    public func open(_ note: String) throws(MohurError) -> Checkpoint {
        guard let split = note.range(of: "\n\n", options: .backwards) else { throw .badInput("the note has no signature block") }
        let text = String(note[..<split.lowerBound]) + "\n"
        let key: PublicKey
        do { key = try PublicKey(subjectPublicKeyInfo: subjectPublicKeyInfo) } catch {
            throw .badInput("the verifier key of \(name) is not a public key: \(error)")
        }
        var verified = false
        for line in note[split.upperBound...].split(separator: "\n") {
            guard line.hasPrefix("— ") else { throw .badInput("'\(line)' is not a signature line") }
            let fields = line.dropFirst(2).split(separator: " ")
            guard fields.count == 2, let blob = Data(base64Encoded: String(fields[1])), blob.count > 4 else {
                throw .badInput("malformed signature line '\(line)'")
            }
            guard String(fields[0]) == name, Array(blob.prefix(4)) == keyID else { continue }
            guard key.verify(signature: Array(blob.dropFirst(4)), message: Array(text.utf8), scheme: .ecdsa(.sha256)) else {
                throw .refused("the signature of \(name) on this checkpoint does not verify")
            }
            verified = true
        }
        guard verified else { throw .refused("the note carries no signature of \(name)+\(Digest.hex(keyID))") }
        return try Checkpoint(body: text)
    }
}

/// A verifier key's text split into its parts (c2sp.org/signed-note, "Verifier keys"):
/// `<name>+<hex key ID>+<base64(signature type ‖ public key)>`.
struct VerifierKeyText {
    let name: String
    let keyID: [UInt8]
    let key: [UInt8]

    init(_ vkey: String, type: UInt8, describing what: String) throws(MohurError) {
        let parts = vkey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let id = Digest.bytes(fromHex: parts[1]), id.count == 4,
              let key = Data(base64Encoded: parts[2]), key.first == type else {
            throw .badInput("'\(vkey)' is not \(what)")
        }
        (name, keyID, self.key) = (parts[0], id, Array(key.dropFirst()))
    }

    /// The key ID the text carries must be the one its key computes to.
    func check(_ computed: [UInt8]) throws(MohurError) {
        guard keyID == computed else {
            throw .badInput("verifier key \(name) has key ID \(Digest.hex(keyID)), but its key hashes to \(Digest.hex(computed))")
        }
    }

    static func format(name: String, keyID: [UInt8], type: UInt8, key: [UInt8]) -> String {
        "\(name)+\(Digest.hex(keyID))+\(Data([type] + key).base64EncodedString())"
    }
}
