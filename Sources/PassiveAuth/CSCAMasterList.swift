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

    /// The outcome of verifying the list's signature.
    public struct Verification: Sendable {
        /// The Master List Signer certificate that verified the signature.
        public let signer: Certificate
        /// The anchor the signer chains to.
        public let anchor: Certificate
        public let signingTime: Date?
        public let warnings: [String]
    }

    /// Verifies the SignerInfo over the content and the signer's chain to `roots` (the
    /// officer's `--ml-root` certificates, trusted as given) or to a trust anchor in `trust`.
    /// The signer must have been valid at the list's signingTime (or at `now` without one):
    /// an expired signer is reported as a warning, since the list was issued while it was valid.
    public func verify(roots: [Certificate], trust: TrustIndex, now: Date) throws(PassiveAuthError) -> Verification {
        guard let signer = signedData.signerInfos.first, let content = signedData.encapsulatedContent else {
            throw PassiveAuthError(.refused, "the master list has no SignerInfo")
        }
        let embedded = signedData.certificates.compactMap { try? Certificate(derEncoded: $0) }
        let named = embedded.filter { SignerVerification.matches($0, signer.signerIdentifier) }
        var found: (Certificate, SignerCheck)?
        for candidate in named + embedded.filter({ !named.contains($0) }) {
            guard let key = try? candidate.publicKey() else { continue }
            let check = SignerVerification.check(signer, content: content, contentType: OID.cscaMasterList, key: key)
            if check.isValid { found = (candidate, check); break }
        }
        guard let (mls, _) = found else {
            throw PassiveAuthError(.refused, "the master list's signature does not verify under any embedded certificate "
                                   + "(signer \(SignerVerification.describe(signer.signerIdentifier)))")
        }
        let signingTime = signer.signedAttributes?.signingTime.flatMap(PassiveAuthenticator.date)
        let when = signingTime ?? now
        var warnings: [String] = []
        guard PassiveAuthenticator.within(mls, when) else {
            throw PassiveAuthError(.refused, "the Master List Signer \(mls.subject) \(PassiveAuthenticator.range(mls)) "
                                   + "was not valid on \(PassiveAuthenticator.day(when)), when the list was signed")
        }
        if !PassiveAuthenticator.within(mls, now) {
            warnings.append("the Master List Signer \(mls.subject) expired on \(PassiveAuthenticator.day(mls.notAfter)); "
                            + "the list was verified at its signing time \(PassiveAuthenticator.day(when))")
        }
        if let root = roots.first(where: { root in (try? root.publicKey()).map { mls.verifySignature(issuerKey: $0) } ?? false }) {
            return Verification(signer: mls, anchor: root, signingTime: signingTime, warnings: warnings)
        }
        if case .complete(let path) = trust.path(from: mls), let anchor = path.certificates.last {
            return Verification(signer: mls, anchor: anchor, signingTime: signingTime, warnings: warnings)
        }
        throw PassiveAuthError(.refused, "the Master List Signer \(mls.subject) does not chain to "
                               + (roots.isEmpty ? "any trusted CSCA" : "the given --ml-root certificate(s) or a trusted CSCA")
                               + "; give the issuing state's CSCA with --ml-root")
    }
}
