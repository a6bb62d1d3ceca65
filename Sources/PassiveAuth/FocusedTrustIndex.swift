import Foundation
import LDS
import OpenSSLKit
import Storage

extension TrustStore {
    /// A trust index holding only what one EF.SOD can need, read through the store's indexes
    /// (key identifiers, names, issuer and serial) instead of parsing every stored certificate:
    /// the Document Signer the SignerInfo names, then, level by level, every certificate that
    /// may have issued what was found (by authority key identifier or issuer name, else by
    /// country, as `TrustIndex.candidateIssuers` looks), and the CRLs of those. A path found in
    /// it is the path the whole index would find. For a one-shot `pa verify`; a long-running
    /// service keeps the whole index warm instead.
    public func index(for sod: SODFile) throws -> TrustIndex {
        var loaded: [Int64: TrustedCertificate] = [:]
        /// Rows matching `clause`; those not loaded before are added and returned as `new`.
        func load(_ clause: String, _ arguments: [any SQLValueConvertible]) throws -> (all: Int, new: [TrustedCertificate]) {
            let rows = try self.certificates(where: clause, arguments)
            let new = rows.filter { loaded[$0.id] == nil }
            for row in new { loaded[row.id] = row }
            return (rows.count, new)
        }
        var frontier = sod.signedData.certificates.compactMap { try? Certificate(derEncoded: $0) }
        for signer in sod.signedData.signerInfos {
            switch signer.signerIdentifier {
            case .subjectKeyIdentifier(let ski):
                frontier += try load("ski = ?", [Digest.hex(ski)]).new.map(\.certificate)
            case .issuerAndSerialNumber(let issuer, let serial):
                guard let name = try? DistinguishedName(derEncoded: issuer) else { continue }
                let magnitude = Digest.hex(Array(serial.drop { $0 == 0 }))
                var found = try load("issuer_key = ? AND serial = ?", [name.normalisedKey, magnitude.isEmpty ? "00" : magnitude])
                if found.all == 0 { found = try load("issuer_key = ?", [name.normalisedKey]) }
                frontier += found.new.map(\.certificate)
            }
        }
        for _ in 0..<7 where !frontier.isEmpty {
            var next: [Certificate] = []
            for certificate in frontier {
                var found = try load("kind != 'dsc' AND (ski = ? OR subject_key = ?)",
                                     [certificate.authorityKeyIdentifier.hexOrNil, certificate.issuer.normalisedKey])
                if found.all == 0, let country = certificate.issuer.value(of: "C")?.uppercased() {
                    found = try load("kind != 'dsc' AND country = ?", [country])
                }
                next += found.new.map(\.certificate)
            }
            frontier = next
        }
        let certificates = loaded.values.sorted { $0.id < $1.id }
        let ids = certificates.map(\.id)
        let keys = certificates.compactMap { $0.certificate.subjectKeyIdentifier.hexOrNil }
        guard !ids.isEmpty else { return TrustIndex(certificates: [], deviationLists: try deviationLists()) }
        let crls = try self.crls(where: "csca_id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))"
                                + (keys.isEmpty ? "" : " OR csca_ski IN (\(keys.map { _ in "?" }.joined(separator: ", ")))"),
                            ids.map { $0 as any SQLValueConvertible } + keys.map { $0 as any SQLValueConvertible })
        return TrustIndex(certificates: certificates, crls: crls, deviationLists: try deviationLists())
    }
}
