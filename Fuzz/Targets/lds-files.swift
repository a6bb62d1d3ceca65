// fuzz-modules: LDS SwiftASN1
// fuzz-seeds: gmrtd/icao9303_p10_worked_examples/* jmrtd/bsi2008/Datagroup1.bin jmrtd/loes2006_nl_sdu_test/ef011E.bin jmrtd/loes2006_nl_sdu_test/ef0101.bin
// fuzz-seeds-local: mrz
import LDS

/// The other chip files and texts a border post decodes: EF.COM, DG1 and the MRZ in it, an MRZ
/// typed or read from the page, and a deviation list's content (Doc 9303-10 §4.6, -3 §4, -12 §9).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? EFCOM(encoded: bytes)
    if let dg1 = try? DG1(encoded: bytes) { _ = dg1.mrz.fields.documentNumber }
    _ = try? MRZ(text: String(decoding: bytes, as: UTF8.self))
    _ = try? DeviationList(derEncoded: bytes)
    return 0
}
