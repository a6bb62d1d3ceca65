internal import COpenSSL

/// A fetched `EVP_MD`, shared by every thread. OpenSSL documents fetched algorithm objects as
/// immutable and safe to use concurrently, which is why the wrapper is `@unchecked Sendable`.
struct FetchedDigest: @unchecked Sendable {
    let md: OpaquePointer

    /// Fetching is costly in OpenSSL 3 (a provider lookup per call), so fetch each digest once.
    static let all: [DigestAlgorithm: FetchedDigest] = {
        var table: [DigestAlgorithm: FetchedDigest] = [:]
        for algorithm in DigestAlgorithm.allCases {
            if let md = EVP_MD_fetch(nil, algorithm.openSSLName, nil) {
                table[algorithm] = FetchedDigest(md: md)
            }
        }
        return table
    }()

    static func of(_ algorithm: DigestAlgorithm) throws(OpenSSLError) -> OpaquePointer {
        guard let fetched = all[algorithm] else { throw .drain("fetching digest \(algorithm.rawValue)") }
        return fetched.md
    }
}

public enum Digest {
    /// Hashes `data` with `algorithm` (one shot).
    public static func hash(_ algorithm: DigestAlgorithm, _ data: [UInt8]) throws(OpenSSLError) -> [UInt8] {
        let md = try FetchedDigest.of(algorithm)
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &out, &length, md, nil)
        }
        try check(ok, "hashing \(data.count) bytes with \(algorithm.rawValue)")
        return Array(out.prefix(Int(length)))
    }

    /// SHA-256 of `data`; never fails for in-memory input with the default provider loaded.
    public static func sha256(_ data: [UInt8]) -> [UInt8] {
        (try? hash(.sha256, data)) ?? []
    }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses hex (upper or lower case, optional ':' separators); nil on any other character.
    public static func bytes(fromHex text: String) -> [UInt8]? {
        let clean = text.filter { $0 != ":" && $0 != " " }
        guard clean.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        var iterator = clean.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = nibble(high), let l = nibble(low) else { return nil }
            out.append(h << 4 | l)
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public func randomBytes(_ count: Int) throws(OpenSSLError) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    try check(RAND_bytes(&out, Int32(count)), "drawing \(count) random bytes")
    return out
}
