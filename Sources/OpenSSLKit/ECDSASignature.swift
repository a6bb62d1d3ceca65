import SwiftASN1

/// ECDSA signature conversions. PKCS#11 tokens return r‖s (PKCS#11 v2.40 §2.3.1); X.509 and
/// CMS carry Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3).
public enum ECDSASignature {
    /// r‖s → Ecdsa-Sig-Value DER, written directly (X.690 §8.3, §10.1): every HSM signature
    /// and every verified request signature passes here, and the generic serializer cost
    /// several microseconds each.
    public static func der(fromRaw raw: [UInt8]) throws -> [UInt8] {
        guard !raw.isEmpty, raw.count % 2 == 0 else {
            throw OpenSSLError("converting an ECDSA signature", stack: ["r‖s has odd length \(raw.count)"])
        }
        let half = raw.count / 2
        var body: [UInt8] = []
        body.reserveCapacity(raw.count + 6)
        appendInteger(raw[..<half], to: &body)
        appendInteger(raw[half...], to: &body)
        var out: [UInt8] = [0x30]
        out.reserveCapacity(body.count + 4)
        appendLength(body.count, to: &out)
        out += body
        return out
    }

    /// An unsigned magnitude as a DER INTEGER: no leading zero octets but one that keeps the
    /// value positive (a first octet with its high bit set), and 0 as a single zero octet.
    private static func appendInteger(_ magnitude: ArraySlice<UInt8>, to out: inout [UInt8]) {
        let digits = magnitude.drop { $0 == 0 }
        let pad = digits.first.map { $0 & 0x80 != 0 } ?? true
        out.append(0x02)
        appendLength(digits.count + (pad ? 1 : 0), to: &out)
        if pad { out.append(0) }
        out += digits
    }

    /// X.690 §8.1.3.3–5: the short form below 128, else the long form in the fewest octets.
    private static func appendLength(_ length: Int, to out: inout [UInt8]) {
        guard length >= 0x80 else { return out.append(UInt8(length)) }
        var octets: [UInt8] = []
        var rest = length
        while rest > 0 {
            octets.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        }
        out.append(0x80 | UInt8(octets.count))
        out += octets
    }

    /// Ecdsa-Sig-Value DER → r‖s with each half left-padded to `half` octets (the fixed-width
    /// form RFC 9421 §3.3.4 and JOSE use).
    public static func raw(fromDER der: [UInt8], half: Int) throws -> [UInt8] {
        let node = try DER.parse(der)
        let (r, s) = try DER.sequence(node, identifier: .sequence) { nodes in
            (try ArraySlice<UInt8>(derEncoded: &nodes), try ArraySlice<UInt8>(derEncoded: &nodes))
        }
        func fixed(_ integer: ArraySlice<UInt8>) throws -> [UInt8] {
            let magnitude = Array(integer.drop { $0 == 0 })
            guard magnitude.count <= half else {
                throw OpenSSLError("converting an ECDSA signature", stack: ["an integer is longer than \(half) octets"])
            }
            return [UInt8](repeating: 0, count: half - magnitude.count) + magnitude
        }
        return try fixed(r) + fixed(s)
    }
}
