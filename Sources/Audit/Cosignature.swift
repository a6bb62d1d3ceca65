import Foundation
import MohurCore
import OpenSSLKit

/// A witness's cosigning key: a name and an Ed25519 public key, cosignature/v1 of
/// c2sp.org/tlog-cosignature ("Format", "Ed25519 signed message").
///
/// A cosignature line is `— <name> base64(key ID ‖ timestamp ‖ signature)`: the key ID is
/// SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4], the timestamp a big-endian u64 of POSIX
/// seconds, the signature Ed25519 over
/// `cosignature/v1\ntime <timestamp>\n<checkpoint note text>`. The statement it makes: as of
/// that time, this is the largest consistent tree the witness has seen for the origin.
public struct CosignerKey: Sendable, Hashable, Codable {
    /// Signature type byte of cosignature/v1 (c2sp.org/signed-note, "Signature types").
    public static let cosignatureType: UInt8 = 0x04

    public let name: String
    public let publicKey: [UInt8]

    public init(name: String, publicKey: [UInt8]) throws(MohurError) {
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0 == "+" }) else {
            throw .badInput("witness name '\(name)' must be non-empty without spaces or '+' (c2sp.org/signed-note)")
        }
        guard publicKey.count == Ed25519.publicKeyLength else {
            throw .badInput("witness \(name): an Ed25519 public key has 32 bytes, not \(publicKey.count)")
        }
        self.name = name
        self.publicKey = publicKey
    }

    public var keyID: [UInt8] {
        Array(Digest.sha256(Array(name.utf8) + [0x0A, Self.cosignatureType] + publicKey).prefix(4))
    }

    /// `<name>+<hex key ID>+<base64(0x04 ‖ key)>` (c2sp.org/signed-note, "Verifier keys").
    public var vkey: String { VerifierKeyText.format(name: name, keyID: keyID, type: Self.cosignatureType, key: publicKey) }

    public init(vkey: String) throws(MohurError) {
        let text = try VerifierKeyText(vkey, type: Self.cosignatureType,
                                       describing: "a cosignature/v1 verifier key (name+hexid+base64(0x04‖Ed25519 key))")
        try self.init(name: text.name, publicKey: text.key)
        try text.check(keyID)
    }

    /// The message a cosignature signs (c2sp.org/tlog-cosignature, "Ed25519 signed message").
    public static func message(_ checkpoint: Checkpoint, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n\(checkpoint.body)".utf8)
    }

    /// Cosigns `checkpoint` at `timestamp` with `signer` (the witness key in the HSM); returns
    /// the signature line, newline included.
    public func cosign(_ checkpoint: Checkpoint, timestamp: UInt64, signer: any Ed25519Signer) throws -> String {
        guard signer.rawPublicKey == publicKey else { throw MohurError.system("the HSM key is not witness \(name)'s key") }
        let signature = try signer.sign(Self.message(checkpoint, timestamp: timestamp))
        var stamp = [UInt8](repeating: 0, count: 8)
        for index in 0..<8 { stamp[index] = UInt8(truncatingIfNeeded: timestamp >> (56 - 8 * UInt64(index))) }
        return "— \(name) \(Data(keyID + stamp + signature).base64EncodedString())\n"
    }

    /// The timestamp of this witness's cosignature on `checkpoint` in `lines` (signature lines
    /// of a note), or nil when there is none. A line with this name and key ID whose signature
    /// fails is refused, as c2sp.org/signed-note asks of a known key.
    public func verifiedTimestamp(of checkpoint: Checkpoint, in lines: [Substring]) throws(MohurError) -> UInt64? {
        var found: UInt64?
        for line in lines {
            guard line.hasPrefix("— ") else { continue }
            let fields = line.dropFirst(2).split(separator: " ")
            guard fields.count == 2, String(fields[0]) == name, let blob = Data(base64Encoded: String(fields[1])),
                  Array(blob.prefix(4)) == keyID else { continue }
            guard blob.count == 4 + 8 + Ed25519.signatureLength else {
                throw .refused("witness \(name)'s cosignature has \(blob.count) bytes, not the 76 of cosignature/v1")
            }
            let bytes = Array(blob)
            let timestamp = bytes[4..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard timestamp <= UInt64(Int64.max),
                  Ed25519.verify(publicKey: publicKey, signature: Array(bytes[12...]), message: Self.message(checkpoint, timestamp: timestamp)) else {
                throw .refused("witness \(name)'s cosignature on \(checkpoint.origin) at size \(checkpoint.size) does not verify")
            }
            found = max(found ?? 0, timestamp)
        }
        return found
    }
}

/// A signed note split into its text (ending in a newline) and its signature lines
/// (c2sp.org/signed-note, "Format").
public struct SignedNote: Sendable {
    public let text: String
    public let signatureLines: [Substring]

    public init(_ note: String) throws(MohurError) {
        guard let split = note.range(of: "\n\n", options: .backwards) else { throw .badInput("the note has no signature block") }
        text = String(note[..<split.lowerBound]) + "\n"
        signatureLines = note[split.upperBound...].split(separator: "\n")
        guard !signatureLines.isEmpty else { throw .badInput("the note has no signature lines") }
    }

    public var checkpoint: Checkpoint {
        get throws(MohurError) { try Checkpoint(body: text) }
    }
}
