// fuzz-modules: CA HSM Storage OpenSSLKit MohurCore SwiftASN1 COpenSSLShims
// fuzz-seeds-local: permissions
import CA

/// The IAMAS permission extension (agency, annex-2 rights, operations, role) read from a
/// caller's certificate: every request's rights come from it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? AgencyPermissions(extensionValue: Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
