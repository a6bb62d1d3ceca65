import Foundation
import LDS
import MohurCore
import OpenSSLKit
import Storage
import SwiftASN1

/// A foreign State's signed deviation list (Doc 9303-12 §9): CMS SignedData with eContentType
/// id-icao-DeviationList (2.23.136.1.1.7) over a ``DeviationList``, signed by a Deviation List
/// Signer whose certificate chains to that State's CSCA.
public struct SignedDeviationList: Sendable {
    public let signedData: CMSSignedData
    public let list: DeviationList

    public init(encoded bytes: [UInt8]) throws(PassiveAuthError) {
        let signed: CMSSignedData
        do { signed = try CMSSignedData(contentInfo: bytes) } catch {
            throw PassiveAuthError(.badInput, "the deviation list is not CMS SignedData: \(error)")
        }
        guard signed.encapsulatedContentType == LDSObjectIdentifier.deviationList else {
            throw PassiveAuthError(.badInput, "eContentType is \(signed.encapsulatedContentType), not id-icao-DeviationList (2.23.136.1.1.7)")
        }
        guard let content = signed.encapsulatedContent else { throw PassiveAuthError(.badInput, "the deviation list has no eContent") }
        do { list = try DeviationList(derEncoded: content) } catch {
            throw PassiveAuthError(.badInput, "the DeviationList does not decode: \(error)")
        }
        signedData = signed
    }

    /// Whether `bytes` is CMS SignedData declaring a deviation list (cheap, for detection).
    static func declares(_ bytes: [UInt8]) -> Bool {
        (try? CMSSignedData(contentInfo: bytes))?.encapsulatedContentType == LDSObjectIdentifier.deviationList
    }

    public func verify(roots: [Certificate], trust: TrustIndex, now: Date) throws(PassiveAuthError) -> SignedListVerification {
        let verification = try SignedListVerification.verify(signedData, contentType: LDSObjectIdentifier.deviationList,
                                                             what: "deviation list", roots: roots, trust: trust, now: now)
        let purposes = verification.signer.extendedKeyUsages
        if verification.signer.extension(OID.extendedKeyUsage) != nil, !purposes.contains(OID.deviationListSigningKey) {
            throw PassiveAuthError(.refused, "the deviation list's signer \(verification.signer.subject) is not a Deviation List Signer "
                                   + "(its extendedKeyUsage lacks 2.23.136.1.1.8)")
        }
        return verification
    }
}

/// A deviation list held in the trust store: whose it is and what it declares.
public struct TrustedDeviationList: Sendable {
    public let id: Int64
    /// The State whose CSCA anchors the list's signer.
    public let country: String
    public let list: DeviationList
    public let signingTime: Date?
    public let sourceFile: String
}

extension TrustStore {
    /// Stores a verified deviation list unless the same bytes are present.
    func insert(deviationList der: [UInt8], country: String, file: String, at now: Date) throws(StorageError) -> ImportOutcome.Result {
        let changed = try database.update("""
            INSERT INTO trust_deviation_lists(country, der, fingerprint, source_file, imported_at)
            VALUES (?, ?, ?, ?, ?) ON CONFLICT(fingerprint) DO NOTHING
            """, [country, der, Digest.hex(Digest.sha256(der)), file, now])
        return changed == 0 ? .alreadyPresent : .added
    }

    /// Every stored deviation list, decoded (they are few and small).
    public func deviationLists() throws -> [TrustedDeviationList] {
        try database.query("SELECT id, country, der, source_file FROM trust_deviation_lists ORDER BY id").map { row in
            let signed = try SignedDeviationList(encoded: try row.blob("der"))
            return TrustedDeviationList(id: try row.int("id"), country: try row.text("country"), list: signed.list,
                                        signingTime: signed.signedData.signerInfos.first?.signedAttributes?.signingTime.flatMap(PassiveAuthenticator.date),
                                        sourceFile: try row.text("source_file"))
        }
    }
}

extension TrustImporter {
    /// Keeps a deviation list whose signature verifies up to a `--ml-root` or a trusted CSCA;
    /// it applies to documents of that CSCA's State.
    func importDeviationList(_ bytes: [UInt8], name: String) throws -> ImportSummary {
        let signed = try SignedDeviationList(encoded: bytes)
        let verification = try signed.verify(roots: masterListRoots, trust: try store.anchorIndex(), now: now)
        let country = countryCode(of: verification.anchor)
        var summary = ImportSummary(file: name, detectedKind: "deviation-list")
        let result = try store.insert(deviationList: bytes, country: country, file: name, at: now)
        summary.record(ImportOutcome(result: result, item: "deviation list of \(country): \(signed.list.deviations.count) deviation(s)", reasons: []))
        summary.warnings = ["signed by \(verification.signer.subject), anchored at \(verification.anchor.subject)"] + verification.warnings
        return summary
    }
}
