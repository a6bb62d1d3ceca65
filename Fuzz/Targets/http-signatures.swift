// fuzz-modules: Authz CA HSM Storage OpenSSLKit MohurCore SwiftASN1 COpenSSLShims RawStructuredFieldValues
// fuzz-seeds-local: headers
import Authz

/// Signed-request headers as any caller may send them (RFC 9421 `Signature-Input` and
/// `Signature`, RFC 9530 `Content-Digest`): the input is split at its first newline into the
/// two signature fields; the whole input is also tried as a Content-Digest over itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
    _ = try? HTTPSignature.parse(signatureInput: String(parts.first ?? ""), signature: parts.count > 1 ? String(parts[1]) : "")
    try? ContentDigest.verify(text, body: bytes)
    return 0
}
