// fuzz-modules: PassiveAuth LDS OpenSSLKit MohurCore Storage SwiftASN1 COpenSSLShims
// fuzz-seeds: openpassport/pkd_ldif/*.ldif
import PassiveAuth

/// ICAO PKD LDIF downloads (RFC 2849): folding, base64 values, entries.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let ldif = try? PKDLDIF(bytes) {
        for entry in ldif.entries { _ = entry.text("pkdversion") }
    }
    return 0
}
