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
        guard !bytes.isEmpty else { throw PassiveAuthError(.badInput, "\(name) is empty") }
        if PKDLDIF.looksLikeLDIF(bytes) {
            let ldif: PKDLDIF
            do { ldif = try PKDLDIF(bytes) } catch { throw PassiveAuthError(.badInput, "\(name): \(error.reason)") }
            return try importLDIF(ldif, name: name, bytes: bytes)
        }
        let text = String(decoding: bytes.prefix(64), as: UTF8.self)
        if text.contains("-----BEGIN X509 CRL") {
            let crl: CRL
            do { crl = try CRL(pemOrDER: bytes) } catch {
                throw PassiveAuthError(.badInput, "\(name) has a PEM CRL block that does not decode (its body must be base64 of a DER CRL): \(error)")
            }
            var summary = ImportSummary(file: name, detectedKind: "crl")
            summary.record(try importCRL(crl, source: .file, file: name))
            return summary
        }
        if text.contains("-----BEGIN") {
            // A PEM file that yields no certificate is an error, not an empty import.
            let certificates = (try? Certificate.parseAllPEM(bytes)) ?? []
            guard !certificates.isEmpty else {
                throw PassiveAuthError(.badInput, "\(name) has a PEM block but no certificate in it: the block must be "
                                       + "-----BEGIN CERTIFICATE----- with base64 of a DER certificate, then -----END CERTIFICATE-----")
            }
            return try importCertificates(certificates.map(\.derEncoded), name: name)
        }
        if let list = try? CSCAMasterList(encoded: bytes) { return try importMasterList(list, name: name, bytes: bytes) }
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

    /// Imports certificates; one already stored (same SHA-256) is counted without being parsed,
    /// so a re-import of a PKD-sized collection writes and parses only what is new. Returns the
    /// summary and the store id of each certificate (nil where rejected).
    func importCertificates(_ ders: [[UInt8]], name: String, source: SourceKind = .file,
                            kind forced: TrustKind? = nil, extraWarnings: [[String]] = []) throws -> ImportSummary {
        try importCertificatesWithIDs(ders, name: name, source: source, kind: forced, extraWarnings: extraWarnings).summary
    }

    func importCertificatesWithIDs(_ ders: [[UInt8]], name: String, source: SourceKind, kind forced: TrustKind? = nil,
                                   extraWarnings: [[String]] = []) throws -> (summary: ImportSummary, ids: [Int64?]) {
        var summary = ImportSummary(file: name, detectedKind: source == .masterList ? "master-list" : "certificate")
        var ids: [Int64?] = []
        try store.database.transaction { _ in
            var known = try store.knownCertificates()
            let fingerprints = ders.map { Digest.hex(Digest.sha256($0)) }
            // Parse what is new on every core; the single writer then stores it in input order.
            var fresh = Set<String>()
            let new = ders.indices.filter { known[fingerprints[$0]] == nil && fresh.insert(fingerprints[$0]).inserted }
            let prepared = PreparedCertificate.prepare(new.map { ($0, ders[$0], $0 < extraWarnings.count ? extraWarnings[$0] : []) }, kind: forced)
            for (i, fingerprint) in fingerprints.enumerated() {
                if i % 500 == 0 { progress?(i, ders.count) }
                if let stored = known[fingerprint] {
                    summary.record(ImportOutcome(result: .alreadyPresent, item: "\(stored.kind.rawValue) \(stored.subject)", reasons: []))
                    ids.append(stored.id)
                    continue
                }
                switch prepared[i] {
                case .success(let certificate)?:
                    let (result, id) = try store.insert(certificate, source: source, file: name, at: now)
                    summary.record(ImportOutcome(result: result, item: "\(certificate.kind.rawValue) \(certificate.description)", reasons: certificate.warnings))
                    ids.append(id)
                    known[fingerprint] = KnownCertificate(id: id, kind: certificate.kind, country: certificate.country,
                                                          subject: certificate.subject, subjectKey: certificate.subjectKey)
                case .failure(let error)?:
                    summary.record(ImportOutcome(result: .rejected, item: "certificate (\(ders[i].count) bytes)", reasons: ["does not parse: \(error)"]))
                    ids.append(nil)
                case nil:
                    ids.append(nil)
                }
            }
        }
        progress?(ders.count, ders.count)
        return (summary, ids)
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

    /// A master list is one version of its State's list (the source `master-list:CC`, CC the
    /// country of the CSCA anchoring its signer): a newer version is applied as a difference and
    /// reported per country; an older one, or the same one again, changes nothing and says so.
    func importMasterList(_ list: CSCAMasterList, name: String, bytes: [UInt8]) throws -> ImportSummary {
        let roots = masterListRoots + (try pinned(in: list, name: name))
        let verification: CSCAMasterList.Verification
        do {
            verification = try list.verify(roots: roots, trust: TrustIndex(certificates: []), now: now)
        } catch {
            verification = try list.verify(roots: roots, trust: try store.anchorIndex(), now: now)
        }
        let country = countryCode(of: verification.anchor)
        let source = "master-list:\(country)"
        let sequence = verification.signingTime.map { Int64($0.timeIntervalSince1970) }
        let sha256 = Digest.hex(Digest.sha256(bytes))
        let signedBy = ["signed by \(verification.signer.subject), anchored at \(verification.anchor.subject)"] + verification.warnings
        return try store.database.transaction { _ in
            if let reason = try staleness(of: source, sequence: sequence, sha256: sha256,
                                          describe: { "signed \(PassiveAuthenticator.day(Date(timeIntervalSince1970: TimeInterval($0))))" }) {
                var summary = ImportSummary(file: name, detectedKind: "master-list")
                summary.unchanged = reason
                summary.warnings = signedBy
                return summary
            }
            var (summary, ids) = try importCertificatesWithIDs(list.certificateList, name: name, source: .masterList)
            summary.detectedKind = "master-list"
            summary.warnings = signedBy
            try applyVersion(of: source, sequence: sequence, sha256: sha256, file: name, ids: ids, replacing: true, to: &summary)
            return summary
        }
    }

    /// Records a source's new version and puts its per-country differences in `summary`.
    func applyVersion(of source: String, sequence: Int64?, sha256: String, file: String, ids: [Int64?], replacing: Bool,
                      to summary: inout ImportSummary) throws {
        let firstVersion = try store.latestVersion(of: source) == nil
        let (added, removed) = try store.recordVersion(of: source, sequence: sequence, sha256: sha256, file: file,
                                                       members: Set(ids.compactMap { $0 }), replacing: replacing, at: now)
        guard !firstVersion else { return }
        let known = Dictionary(try store.knownCertificates().values.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        summary.changes = Self.changes(added: added, removed: removed, known: known)
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

    /// A PKD LDIF is one version of its collection (the source `ldif:001`, `ldif:002` or
    /// `ldif:003`), ordered by the highest `pkdVersion` it carries. A complete collection replaces
    /// the previous one's membership (what it no longer holds is reported removed); a delta file
    /// (entries with `changetype`) only adds.
    func importLDIF(_ ldif: PKDLDIF, name: String, bytes: [UInt8]) throws -> ImportSummary {
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
        let collection = ldif.entries.contains { $0.dn.lowercased().contains("dc=nc-data") } ? "003"
            : ders.isEmpty && ldif.entries.contains { !$0.values(PKDLDIF.masterListAttributes).isEmpty } ? "002" : "001"
        let source = "ldif:\(collection)"
        let sequence = ldif.entries.compactMap { $0.text("pkdversion").flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) } }.max()
        let isDelta = ldif.entries.contains { $0.attributes["changetype"] != nil }
        let sha256 = Digest.hex(Digest.sha256(bytes))
        return try store.database.transaction { _ in
            if let reason = try staleness(of: source, sequence: sequence, sha256: sha256, describe: { "pkdVersion \($0)" }) {
                summary.unchanged = reason
                return summary
            }
            let (certificates, ids) = try importCertificatesWithIDs(ders, name: name, source: .ldif, extraWarnings: warnings)
            summary.outcomes = certificates.outcomes
            (summary.added, summary.alreadyPresent, summary.rejected) = (certificates.added, certificates.alreadyPresent, certificates.rejected)
            // A file none of whose certificates could be read is no version of the collection:
            // it must not replace what the last good one holds.
            if ders.isEmpty || certificates.added + certificates.alreadyPresent > 0 {
                try applyVersion(of: source, sequence: sequence, sha256: sha256, file: name, ids: ids, replacing: !isDelta, to: &summary)
            }
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
                        let inner = try importMasterList(try CSCAMasterList(encoded: der), name: name, bytes: der)
                        for outcome in inner.outcomes { summary.record(outcome) }
                        summary.warnings += inner.warnings + (inner.unchanged.map { ["master list in \(entry.dn): \($0)"] } ?? [])
                        summary.changes += inner.changes
                    } catch let error as PassiveAuthError {
                        summary.record(ImportOutcome(result: .rejected, item: "master list in \(entry.dn)", reasons: [error.reason]))
                    }
                }
            }
            return summary
        }
    }
}
