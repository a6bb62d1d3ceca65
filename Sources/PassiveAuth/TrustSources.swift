import Foundation
import OpenSSLKit
import Storage
import Synchronization

/// What importing a newer version of a list changed for one State: CSCAs (or DSCs) the list
/// now holds that its previous version did not (added), ones it dropped for a new key under the
/// same name (superseded), and ones it dropped outright (removed). A certificate a list drops
/// stays in the store: documents it signed stay verifiable, and another list may vouch for it.
public struct CountryChange: Sendable, Codable, Hashable {
    public var country: String
    public var added = 0
    public var superseded = 0
    public var removed = 0
    /// One line per changed CSCA or link certificate ("added CSCA CN=…"); DSCs are only counted.
    public var details: [String] = []
}

/// A certificate as the store already holds it, found by fingerprint without parsing it.
struct KnownCertificate: Sendable {
    let id: Int64
    let kind: TrustKind
    let country: String
    let subject: String
    let subjectKey: String
}

/// The last imported version of a source.
struct SourceVersion: Sendable {
    let sequence: Int64?
    let sha256: String
    let file: String
    let importedAt: Date
}

extension TrustStore {
    /// Every stored certificate by SHA-256 fingerprint (hex), with what the import reports need.
    func knownCertificates() throws(StorageError) -> [String: KnownCertificate] {
        var known: [String: KnownCertificate] = [:]
        for row in try database.query("SELECT id, kind, country, subject, subject_key, fingerprint FROM trust_certificates") {
            known[try row.text("fingerprint")] = KnownCertificate(
                id: try row.int("id"), kind: TrustKind(rawValue: try row.text("kind")) ?? .csca, country: try row.text("country"),
                subject: try row.text("subject"), subjectKey: try row.text("subject_key"))
        }
        return known
    }

    func latestVersion(of source: String) throws(StorageError) -> SourceVersion? {
        guard let row = try database.queryOne("SELECT sequence, sha256, file, imported_at FROM trust_sources WHERE source_key = ? ORDER BY id DESC LIMIT 1",
                                              [source]) else { return nil }
        return SourceVersion(sequence: try row.optionalInt("sequence"), sha256: try row.text("sha256"), file: try row.text("file"),
                             importedAt: try row.date("imported_at"))
    }

    /// Makes `members` the certificates `source` holds and records the version; returns the
    /// ids the previous version held that this one does not, and those it adds.
    func recordVersion(of source: String, sequence: Int64?, sha256: String, file: String, members: Set<Int64>,
                       replacing: Bool, at now: Date) throws(StorageError) -> (added: Set<Int64>, removed: Set<Int64>) {
        var previous = Set<Int64>()
        for row in try database.query("SELECT certificate_id FROM trust_source_members WHERE source_key = ?", [source]) {
            previous.insert(try row.int("certificate_id"))
        }
        let added = members.subtracting(previous)
        let removed = replacing ? previous.subtracting(members) : []
        for chunk in Array(removed).chunked(500) {
            try database.execute("DELETE FROM trust_source_members WHERE source_key = ? AND certificate_id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))",
                                 [source] + chunk.map { $0 as any SQLValueConvertible })
        }
        for chunk in Array(added).chunked(400) {
            try database.execute("INSERT INTO trust_source_members(source_key, certificate_id) VALUES "
                                 + chunk.map { _ in "(?, ?)" }.joined(separator: ","),
                                 chunk.flatMap { [source as any SQLValueConvertible, $0 as any SQLValueConvertible] })
        }
        try database.execute("INSERT INTO trust_sources(source_key, sequence, sha256, file, imported_at, added, removed) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [source, sequence, sha256, file, now, Int64(added.count), Int64(removed.count)])
        return (added, removed)
    }
}

extension TrustImporter {
    /// Whether `sequence` of `source` is older than, or the same list as, what was imported
    /// before: the reason nothing is changed, or nil to go on.
    func staleness(of source: String, sequence: Int64?, sha256: String, describe: (Int64) -> String) throws -> String? {
        guard let latest = try store.latestVersion(of: source) else { return nil }
        let label = source.replacingOccurrences(of: ":", with: " of ")
        if latest.sha256 == sha256 {
            return "the same \(label) was imported on \(PassiveAuthenticator.day(latest.importedAt)) (\(latest.file)); nothing changed"
        }
        if let sequence, let newest = latest.sequence, sequence < newest {
            return "this \(label) (\(describe(sequence))) is older than the one imported on \(PassiveAuthenticator.day(latest.importedAt)) "
                + "(\(describe(newest)), \(latest.file)); nothing changed"
        }
        return nil
    }

    /// Per-country differences between two versions of a source.
    static func changes(added: Set<Int64>, removed: Set<Int64>, known: [Int64: KnownCertificate]) -> [CountryChange] {
        var byCountry: [String: CountryChange] = [:]
        let addedNames = Set(added.compactMap { known[$0] }.filter { $0.kind != .dsc }.map { "\($0.country)#\($0.subjectKey)" })
        func describe(_ certificate: KnownCertificate) -> String? {
            certificate.kind == .dsc ? nil : "\(certificate.kind == .link ? "link" : "CSCA") \(certificate.subject)"
        }
        for id in added.sorted() {
            guard let certificate = known[id] else { continue }
            byCountry[certificate.country, default: CountryChange(country: certificate.country)].added += 1
            if let text = describe(certificate) { byCountry[certificate.country]?.details.append("added \(text)") }
        }
        for id in removed.sorted() {
            guard let certificate = known[id] else { continue }
            var change = byCountry[certificate.country, default: CountryChange(country: certificate.country)]
            if certificate.kind != .dsc, addedNames.contains("\(certificate.country)#\(certificate.subjectKey)") {
                change.superseded += 1
                if let text = describe(certificate) { change.details.append("superseded \(text)") }
            } else {
                change.removed += 1
                if let text = describe(certificate) { change.details.append("removed \(text)") }
            }
            byCountry[certificate.country] = change
        }
        return byCountry.values.sorted { $0.country < $1.country }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

/// A certificate's stored columns, computed off the writer's thread: parsing (OpenSSL decodes
/// the public key of every certificate it reads) is most of an import's work.
struct PreparedCertificate: Sendable {
    let kind: TrustKind
    let country, subject, subjectKey, issuerKey, serial, fingerprint, description: String
    let ski, aki: String?
    let notBefore, notAfter: Date
    let der: [UInt8]
    let warnings: [String]

    init(_ certificate: CertificateFields, kind forced: TrustKind?, extraWarnings: [String]) {
        kind = forced ?? CertificateQuirks.kind(of: certificate)
        warnings = CertificateQuirks.warnings(for: certificate) + extraWarnings
        country = countryCode(subject: certificate.subject, issuer: certificate.issuer)
        subject = certificate.subject.description
        subjectKey = certificate.subject.normalisedKey
        issuerKey = certificate.issuer.normalisedKey
        serial = certificate.serialHex
        fingerprint = Digest.hex(certificate.fingerprintSHA256)
        description = certificate.description
        ski = certificate.subjectKeyIdentifier.hexOrNil
        aki = certificate.authorityKeyIdentifier.hexOrNil
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        der = certificate.derEncoded
    }

    /// Parses `items` (input index, DER, extra warnings) on every core; results by input index.
    static func prepare(_ items: [(Int, [UInt8], [String])], kind: TrustKind?) -> [Int: Result<PreparedCertificate, OpenSSLError>] {
        let workers = items.count < 64 ? 1 : max(1, ProcessInfo.processInfo.activeProcessorCount)
        let results = Mutex<[Int: Result<PreparedCertificate, OpenSSLError>]>([:])
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var mine: [Int: Result<PreparedCertificate, OpenSSLError>] = [:]
            for position in stride(from: worker, to: items.count, by: workers) {
                let (index, der, extra) = items[position]
                mine[index] = Result { () throws(OpenSSLError) -> PreparedCertificate in
                    PreparedCertificate(try CertificateFields(derEncoded: der), kind: kind, extraWarnings: extra)
                }
            }
            results.withLock { $0.merge(mine) { first, _ in first } }
        }
        return results.withLock { $0 }
    }
}
