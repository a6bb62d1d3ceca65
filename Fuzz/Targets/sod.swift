// fuzz-modules: LDS SwiftASN1
// fuzz-seeds: gmrtd/sod/*/EF_SOD.bin port-py-server/lds/ef.sod_* jmrtd/bsi2008/EF_SOD.bin gmrtd/negative/*
import LDS

/// EF.SOD as a chip delivers it (Doc 9303-10 §4.6.2): the SOD wrapper, CMS SignedData
/// (RFC 5652) and the LDS security object, and what passive authentication reads from them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let sod = try? SODFile(encoded: bytes) {
        _ = sod.ldsSecurityObject.dataGroupNumbers
        _ = sod.signedData.signerInfos.first?.signedAttributes?.signingTime
        _ = sod.signedData.certificates.count
    }
    if let signed = try? CMSSignedData(contentInfo: bytes) { _ = signed.signerInfos.count }
    _ = try? LDSSecurityObject(encoded: bytes)
    return 0
}
