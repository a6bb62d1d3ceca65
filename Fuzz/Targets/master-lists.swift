// fuzz-modules: PassiveAuth LDS OpenSSLKit MohurCore Storage SwiftASN1 COpenSSLShims
// fuzz-seeds: gmrtd/masterlists/*.ml openpassport/masterlists/*.ml
import PassiveAuth

/// Signed lists from other States: CSCA master lists (Doc 9303-12 §8) and deviation lists (§9),
/// CMS SignedData first, then their content.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let list = try? CSCAMasterList(encoded: bytes) { _ = list.certificateList.count }
    if let deviations = try? SignedDeviationList(encoded: bytes) { _ = deviations.list.deviations.count }
    return 0
}
