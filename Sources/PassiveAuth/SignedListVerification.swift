import Foundation
import LDS
import OpenSSLKit
import SwiftASN1

/// The outcome of verifying a signed ICAO list (a CSCA master list, Doc 9303-12 §8, or a
/// deviation list, §9): which embedded certificate signed it and which anchor it chains to.
public struct SignedListVerification: Sendable {
    /// The list signer's certificate that verified the signature.
    public let signer: Certificate
    /// The anchor the signer chains to.
    public let anchor: Certificate
    public let signingTime: Date?
    public let warnings: [String]

    /// Verifies the SignerInfo over the content (RFC 5652 §5.6) under an embedded certificate,
    /// and that certificate's chain to `roots` (given by the officer, trusted as given) or to
    /// an anchor in `trust`. The signer must have been valid at the list's signingTime (or at
    /// `now` without one); a signer expired since is a warning, as the list was issued while it
    /// was valid.
    public static func verify(_ signedData: CMSSignedData, contentType: ASN1ObjectIdentifier, what: String,
                              roots: [Certificate], trust: TrustIndex, now: Date) throws(PassiveAuthError) -> SignedListVerification {
        guard let signerInfo = signedData.signerInfos.first, let content = signedData.encapsulatedContent else {
            throw PassiveAuthError(.refused, "the \(what) has no SignerInfo")
        }
        let embedded = signedData.certificates.compactMap { try? Certificate(derEncoded: $0) }
        let named = embedded.filter { SignerVerification.matches($0, signerInfo.signerIdentifier) }
        var found: Certificate?
        for candidate in named + embedded.filter({ !named.contains($0) }) {
            guard let key = try? candidate.publicKey() else { continue }
            if SignerVerification.check(signerInfo, content: content, contentType: contentType, key: key).isValid { found = candidate; break }
        }
        guard let signer = found else {
            throw PassiveAuthError(.refused, "the \(what)'s signature does not verify under any embedded certificate "
                                   + "(signer \(SignerVerification.describe(signerInfo.signerIdentifier)))")
        }
        let signingTime = signerInfo.signedAttributes?.signingTime.flatMap(PassiveAuthenticator.date)
        let when = signingTime ?? now
        var warnings: [String] = []
        guard PassiveAuthenticator.within(signer, when) else {
            throw PassiveAuthError(.refused, "the \(what) signer \(signer.subject) \(PassiveAuthenticator.range(signer)) "
                                   + "was not valid on \(PassiveAuthenticator.day(when)), when the list was signed")
        }
        if !PassiveAuthenticator.within(signer, now) {
            warnings.append("the \(what) signer \(signer.subject) expired on \(PassiveAuthenticator.day(signer.notAfter)); "
                            + "the list was verified at its signing time \(PassiveAuthenticator.day(when))")
        }
        if let root = roots.first(where: { root in (try? root.publicKey()).map { signer.verifySignature(issuerKey: $0) } ?? false }) {
            return SignedListVerification(signer: signer, anchor: root, signingTime: signingTime, warnings: warnings)
        }
        if case .complete(let path) = trust.path(from: signer), let anchor = path.certificates.last {
            return SignedListVerification(signer: signer, anchor: anchor, signingTime: signingTime, warnings: warnings)
        }
        throw PassiveAuthError(.refused, "the \(what) signer \(signer.subject) does not chain to "
                               + (roots.isEmpty ? "any trusted CSCA" : "the given --ml-root certificate(s) or a trusted CSCA")
                               + "; give the issuing state's CSCA with --ml-root")
    }
}
