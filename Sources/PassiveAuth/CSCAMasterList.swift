import Foundation
import LDS
import MohurCore
import OpenSSLKit
import SwiftASN1

/// A CSCA master list (Doc 9303-12 §8): CMS SignedData with eContentType
/// id-icao-cscaMasterList (2.23.136.1.1.2) over
/// ```
/// CscaMasterList ::= SEQUENCE {
///     version    CscaMasterListVersion,   -- v0(0)
///     certList   SET OF Certificate }
/// ```
/// signed by a Master List Signer whose certificate chains to a CSCA.
public struct CSCAMasterList: Sendable {
    public let signedData: CMSSignedData
    /// Each certificate of certList as encoded (sloppy certificates survive the round trip).
    public let certificateList: [[UInt8]]

    public init(encoded bytes: [UInt8]) throws(PassiveAuthError) {
        let signed: CMSSignedData
        do {
            signed = try CMSSignedData(contentInfo: bytes)
        } catch {
            throw PassiveAuthError(.badInput, "the master list is not CMS SignedData: \(error)")
        }
        guard signed.encapsulatedContentType == OID.cscaMasterList else {
            throw PassiveAuthError(.badInput, "eContentType is \(signed.encapsulatedContentType), not id-icao-cscaMasterList (2.23.136.1.1.2)")
        }
        guard let content = signed.encapsulatedContent else {
            throw PassiveAuthError(.badInput, "the master list has no eContent")
        }
        do {
            let root = try BERTLV.decode(content, structure: "CscaMasterList")
            let fields = try root.children()
            guard fields.count == 2 else {
                throw PassiveAuthError(.badInput, "CscaMasterList has \(fields.count) elements; it must have 2 (version, certList)")
            }
            certificateList = try fields[1].children().map { Array($0.encoded) }
        } catch let error as PassiveAuthError {
            throw error
        } catch {
            throw PassiveAuthError(.badInput, "CscaMasterList does not decode: \(error)")
        }
        signedData = signed
    }

    public typealias Verification = SignedListVerification

    /// Verifies the SignerInfo over the content and the Master List Signer's chain (see
    /// ``SignedListVerification/verify(_:contentType:what:roots:trust:now:)``).
    public func verify(roots: [Certificate], trust: TrustIndex, now: Date) throws(PassiveAuthError) -> Verification {
        try SignedListVerification.verify(signedData, contentType: OID.cscaMasterList, what: "master list", roots: roots, trust: trust, now: now)
    }
}
