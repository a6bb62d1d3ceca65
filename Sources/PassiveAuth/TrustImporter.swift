import Foundation
import LDS
import OpenSSLKit

/// Imports trust data into a ``TrustStore``, detecting what each file is: a CSCA master list
/// (CMS, eContentType 2.23.136.1.1.2; Doc 9303-12 §8), an ICAO PKD LDIF, or DER/PEM
/// certificates and CRLs. A master list is refused unless its signature verifies up to a
/// `--ml-root` or a trusted CSCA; a CRL is kept only if a stored CSCA's key verifies it.
public struct TrustImporter: Sendable {
    public let store: TrustStore
    /// Master-list roots the officer named (`--ml-root`), trusted as given.
    public var masterListRoots: [Certificate]
    /// SHA-256 fingerprints of master-list roots (`--ml-root-sha256`): the certificate with that
    /// fingerprint, found in the list itself, anchors it. The officer compares the fingerprint
    /// with the one the issuing state published out of band instead of supplying the root file.
    public var pinnedRoots: [[UInt8]] = []
    public var now: Date
    /// Called with (done, total) while importing large files.
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init(store: TrustStore, masterListRoots: [Certificate] = [], now: Date = Date(),
                progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.store = store
        self.masterListRoots = masterListRoots
        self.now = now
        self.progress = progress
    }

    /// Imports one file; throws only for unreadable input, a refused master list, or the store failing.
    public func importFile(_ path: String) throws -> ImportSummary {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PassiveAuthError(.badInput, "\(path) does not exist or is unreadable")
        }
        return try importBytes(Array(data), name: path)
    }

    public func importBytes(_ bytes: [UInt8], name: String) throws -> ImportSummary {
        if PKDLDIF.looksLikeLDIF(bytes) { return try importLDIF(try PKDLDIF(bytes), name: name) }
        let text = String(decoding: bytes.prefix(64), as: UTF8.self)
        if text.contains("-----BEGIN X509 CRL") {
            var summary = ImportSummary(file: name, detectedKind: "crl")
            summary.record(try importCRL(try CRL(pemOrDER: bytes), source: .file, file: name))
            return summary
        }
        if text.contains("-----BEGIN") {
            return try importCertificates(try Certificate.parseAllPEM(bytes).map(\.derEncoded), name: name)
        }
        if let list = try? CSCAMasterList(encoded: bytes) { return try importMasterList(list, name: name) }
        if SignedDeviationList.declares(bytes) { return try importDeviationList(bytes, name: name) }
        if (try? Certificate(derEncoded: bytes)) != nil { return try importCertificates([bytes], name: name) }
        if let crl = try? CRL(derEncoded: bytes) {
            var summary = ImportSummary(file: name, detectedKind: "crl")
            summary.record(try importCRL(crl, source: .file, file: name))
            return summary
        }
        throw PassiveAuthError(.badInput, "\(name) is neither a CSCA master list, a deviation list, a PKD LDIF, nor a DER/PEM certificate or CRL")
    }

    // MARK: kinds

    func importCertificates(_ ders: [[UInt8]], name: String, source: SourceKind = .file,
                            kind forced: TrustKind? = nil, extraWarnings: [[String]] = []) throws -> ImportSummary {
        var summary = ImportSummary(file: name, detectedKind: source == .masterList ? "master-list" : "certificate")
        try store.database.transaction { _ in
            for (i, der) in ders.enumerated() {
                if i % 50 == 0 { progress?(i, ders.count) }
                summary.record(try importCertificate(der, source: source, file: name, kind: forced,
                                                     extra: i < extraWarnings.count ? extraWarnings[i] : []))
            }
        }
        progress?(ders.count, ders.count)
        return summary
    }

    private func importCertificate(_ der: [UInt8], source: SourceKind, file: String, kind forced: TrustKind?,
                                   extra: [String]) throws -> ImportOutcome {
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: der)
        } catch {
            return ImportOutcome(result: .rejected, item: "certificate (\(der.count) bytes)", reasons: ["does not parse: \(error)"])
        }
        let kind = forced ?? CertificateQuirks.kind(of: certificate)
        let warnings = CertificateQuirks.warnings(for: certificate) + extra
        let result = try store.insert(certificate, kind: kind, source: source, file: file, warnings: warnings, at: now)
        return ImportOutcome(result: result, item: "\(kind.rawValue) \(certificate.description)", reasons: warnings)
    }

    /// Keeps `crl` only if a stored CSCA or link certificate with its name or key identifier
    /// verifies it; every such CSCA is tried (CN: a CRL signed by another CSCA of the same name).
    func importCRL(_ crl: CRL, source: SourceKind, file: String) throws -> ImportOutcome {
        let item = "CRL of \(crl.issuer) (\(PassiveAuthenticator.day(crl.thisUpdate)))"
        let candidates = try store.candidateIssuers(ski: crl.authorityKeyIdentifier, subjectKey: crl.issuer.normalisedKey)
        for candidate in candidates {
            guard let key = try? candidate.certificate.publicKey(), crl.verifySignature(issuerKey: key) else { continue }
            let result = try store.insert(crl, verifiedBy: candidate, source: source, file: file, at: now)
            return ImportOutcome(result: result, item: item + " → \(candidate.certificate.description)", reasons: [])
        }
        return ImportOutcome(result: .rejected, item: item,
                             reasons: ["no stored CSCA verifies its signature (\(candidates.count) with its name or key identifier tried); import the CSCA first"])
    }

    func importMasterList(_ list: CSCAMasterList, name: String) throws -> ImportSummary {
        let roots = masterListRoots + (try pinned(in: list, name: name))
        let verification: CSCAMasterList.Verification
        do {
            verification = try list.verify(roots: roots, trust: TrustIndex(certificates: []), now: now)
        } catch {
            verification = try list.verify(roots: roots, trust: try store.index(), now: now)
        }
        var summary = try importCertificates(list.certificateList, name: name, source: .masterList)
        summary.detectedKind = "master-list"
        summary.warnings = ["signed by \(verification.signer.subject), anchored at \(verification.anchor.subject)"]
            + verification.warnings
        return summary
    }

    /// The certificates of `list` (its CSCAs and its certificate set) whose SHA-256 fingerprint is
    /// pinned. A list that carries none of the pinned roots is refused: it cannot be anchored.
    func pinned(in list: CSCAMasterList, name: String) throws(PassiveAuthError) -> [Certificate] {
        guard !pinnedRoots.isEmpty else { return [] }
        let carried = (list.certificateList + list.signedData.certificates).compactMap { try? Certificate(derEncoded: $0) }
        let found = carried.filter { pinnedRoots.contains($0.fingerprintSHA256) }
        guard !found.isEmpty else {
            throw PassiveAuthError(.refused, "\(name) carries no certificate with the pinned SHA-256 fingerprint "
                                   + pinnedRoots.map(Digest.hex).joined(separator: " or "))
        }
        return found
    }

    func importLDIF(_ ldif: PKDLDIF, name: String) throws -> ImportSummary {
        var summary = ImportSummary(file: name, detectedKind: "ldif")
        var ders: [[UInt8]] = []
        var warnings: [[String]] = []
        for entry in ldif.entries {
            for der in entry.values(PKDLDIF.certificateAttributes) {
                ders.append(der)
                var notes: [String] = []
                if let code = entry.text("pkdconformancecode") {
                    notes.append("PKD non-conformant \(code): \(entry.text("pkdconformancetext") ?? "")")
                }
                warnings.append(notes)
            }
        }
        let certificates = try importCertificates(ders, name: name, source: .ldif, extraWarnings: warnings)
        summary.outcomes = certificates.outcomes
        (summary.added, summary.alreadyPresent, summary.rejected) = (certificates.added, certificates.alreadyPresent, certificates.rejected)
        for entry in ldif.entries {
            for der in entry.values(PKDLDIF.crlAttributes) {
                guard let crl = try? CRL(derEncoded: der) else {
                    summary.record(ImportOutcome(result: .rejected, item: "CRL in \(entry.dn)", reasons: ["does not parse"]))
                    continue
                }
                summary.record(try importCRL(crl, source: .ldif, file: name))
            }
            for der in entry.values(PKDLDIF.masterListAttributes) {
                do {
                    let inner = try importMasterList(try CSCAMasterList(encoded: der), name: name)
                    for outcome in inner.outcomes { summary.record(outcome) }
                    summary.warnings += inner.warnings
                } catch let error as PassiveAuthError {
                    summary.record(ImportOutcome(result: .rejected, item: "master list in \(entry.dn)", reasons: [error.reason]))
                }
            }
        }
        return summary
    }
}
