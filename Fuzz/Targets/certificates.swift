// fuzz-modules: OpenSSLKit MohurCore SwiftASN1 COpenSSLShims
// fuzz-seeds: gmrtd/sod/*/DSC.der gmrtd/sod/*/CSCA.der gmrtd/masterlists/*.cer gmrtd/idn_csca_chain/*
import OpenSSLKit

/// Certificates and CRLs from other PKIs: OpenSSL's parse, the key-less filing parse (which
/// must accept only what OpenSSL accepts) and the fields read from both.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let full = try? Certificate(derEncoded: bytes)
    let fields = try? CertificateFields(derEncoded: bytes)
    if (full == nil) != (fields == nil) { fatalError("the filing parse and OpenSSL disagree on whether this is a certificate") }
    if let full, let fields, fields != CertificateFields(full) { fatalError("the filing parse reads other fields than OpenSSL") }
    _ = full?.extendedKeyUsages
    if let crl = try? CRL(derEncoded: bytes) { _ = crl.revokedEntries.count; _ = crl.nextUpdate }
    return 0
}
