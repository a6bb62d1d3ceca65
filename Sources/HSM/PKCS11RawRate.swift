import Foundation
internal import CP11Kit

extension PKCS11PrivateKey {
    /// Baseline for `make bench`: a tight `C_SignInit` + `C_Sign` loop with `CKM_ECDSA` on one
    /// session, with no Mohur code in between, so that Mohur's own signing rate can be reported
    /// as a ratio of what the token can do. Returns signatures per second.
    public func rawECDSASignRate(digest: [UInt8], iterations: Int) throws(PKCS11Error) -> Double {
        try token.withSession { session throws(PKCS11Error) -> Double in
            let key = try withCurrentHandle(in: session) { $0 }
            var output = [UInt8](repeating: 0, count: 1024)
            var input = digest
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<iterations {
                var mechanism = CK_MECHANISM(mechanism: CK_MECHANISM_TYPE(CKM_ECDSA), pParameter: nil, ulParameterLen: 0)
                try check(functions.signInit(session, &mechanism, key), "C_SignInit", "raw benchmark loop")
                var length = CK_ULONG(output.count)
                try check(functions.sign(session, &input, CK_ULONG(input.count), &output, &length), "C_Sign", "raw benchmark loop")
            }
            return Double(iterations) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
    }
}
