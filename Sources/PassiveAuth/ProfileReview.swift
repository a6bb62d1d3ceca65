import LDS
import OpenSSLKit

/// Deviations from the Doc 9303 profiles that real documents show. They are reported as
/// warnings: the document can still be authentic, but an officer should know.
enum ProfileReview {
    /// keyUsage digitalSignature (RFC 5280 §4.2.1.3 bit 0; OpenSSL's KU_DIGITAL_SIGNATURE).
    static let digitalSignature: UInt32 = 0x80

    /// Encoding deviations of EF.SOD (Doc 9303-10 §4.6.2).
    static func structure(of sod: SODFile, into report: inout PassiveAuthReport) {
        if sod.usesIndefiniteLengths {
            report.add(.profile, .warn, "EF.SOD uses BER indefinite lengths; Doc 9303-10 asks for DER")
        }
        if sod.contentType == LDSObjectIdentifier.data {
            report.add(.profile, .warn, "eContentType is id-data (1.2.840.113549.1.7.1) instead of id-icao-ldsSecurityObject")
        } else if sod.contentType == LDSObjectIdentifier.legacyLDSSecurityObject {
            report.add(.profile, .warn, "eContentType is the legacy 1.3.27.1.1.1 instead of 2.23.136.1.1.1")
        }
        if sod.ldsSecurityObject.hashAlgorithm == .sha1 {
            report.add(.profile, .warn, "data groups are hashed with SHA-1, which Doc 9303-12 §4.4 no longer admits for new documents")
        }
    }

    /// Deviations of the SignerInfo and the Document Signer certificate (Doc 9303-12 §7.1).
    static func signer(_ signer: CMSSignerInfo, check: SignerCheck, documentSigner ds: Certificate,
                       into report: inout PassiveAuthReport) {
        if signer.signatureAlgorithm.algorithm == [1, 2, 840, 113_549, 1, 1, 1] {
            report.add(.profile, .warn, "signatureAlgorithm is bare rsaEncryption; the hash was taken from digestAlgorithm")
        }
        for note in check.notes where note.contains("differs from the signature's hash") {
            report.add(.profile, .warn, note)
        }
        if check.scheme?.digest == .sha1 {
            report.add(.profile, .warn, "the SOD signature uses SHA-1")
        }
        if let usage = ds.keyUsageBits, usage != digitalSignature {
            report.add(.profile, .warn, "the Document Signer's keyUsage is not digitalSignature only (Doc 9303-12 §7.1.1)")
        } else if ds.keyUsageBits == nil {
            report.add(.profile, .warn, "the Document Signer certificate has no keyUsage extension (Doc 9303-12 §7.1.1)")
        }
        if ds.authorityKeyIdentifier == nil {
            report.add(.profile, .warn, "the Document Signer certificate has no authorityKeyIdentifier (Doc 9303-12 §7.1.1)")
        }
    }
}
