import CA
import Foundation
import MohurCore
import OpenSSLKit
import Storage

/// The package a participant uploads to the ICAO PKD (Doc 9303-12 §5.4; the PKD's LDIF
/// layout of collections 001 and 002): our CSCA and link certificates, every Document Signer
/// certificate still valid, each CSCA's latest CRL and our master list as DER files; the same
/// as one LDIF; and `SHA256SUMS` (the `sha256sum -c` format) plus `manifest.json`.
///
/// Nothing stale or non-conforming leaves: a CSCA whose CRL is missing, lapsed or older than a
/// revocation, or a DS certificate that breaks the Doc 9303-12 §7.1 profile, refuses the export
/// with the reason; the officer fixes it (`mohur crl issue --due`, `mohur cert revoke`) first.
public struct PKDExport: Sendable {
    public let pki: PKI

    public init(pki: PKI) { self.pki = pki }

    /// One file of the package.
    public struct File: Codable, Sendable, Hashable {
        /// Relative to the package directory.
        public var path: String
        /// csca, link, dsc, crl, master-list or ldif.
        public var kind: String
        public var sha256: String
        public var description: String
    }

    public struct Package: Codable, Sendable {
        public var country: String
        public var pkdVersion: Int
        public var createdAt: Date
        public var files: [File]
        public func count(_ kind: String) -> Int { files.filter { $0.kind == kind }.count }
    }

    /// Writes the package into `directory`, which must not exist or be empty. `masterList`, if
    /// given, is shipped as it is (a list signed earlier, with foreign CSCAs); otherwise a list
    /// of our own CSCAs is signed now.
    public func export(to directory: String, masterList: [UInt8]? = nil) throws -> Package {
        try pki.auditedDirectly("pkd.export", target: "directory:\((directory as NSString).lastPathComponent)") { () throws -> Package in
            try write(to: directory, masterList: masterList)
        } details: { package in
            ["csca": .integer(Int64(package.count("csca") + package.count("link"))), "dsc": .integer(Int64(package.count("dsc"))),
             "crl": .integer(Int64(package.count("crl"))), "pkd_version": .integer(Int64(package.pkdVersion))]
        }
    }

    private func write(to directory: String, masterList: [UInt8]?) throws -> Package {
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: directory), !existing.isEmpty {
            throw MohurError.refused("\(directory) is not empty; a PKD package is never written over another",
                                     hint: "give a new directory to --out")
        }
        let now = pki.clock.now()
        let cscas = try cscaCertificates(now: now)
        let crls = try currentCRLs(for: cscas.filter { $0.role == CertificateRole.csca.rawValue })
        let signers = try documentSigners(now: now, cscas: cscas)
        let list = try masterList ?? ICAOListSigning(pki: pki).masterList(including: []).der
        let country = try Certificate(derEncoded: cscas[0].der).subject.value(of: "C")?.uppercased() ?? "AZ"
        let version = Int(try pki.repository.setting("pkd_export_version") ?? "0").map { $0 + 1 } ?? 1

        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for sub in ["csca", "dsc", "crl"] { try manager.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true) }
        var files: [File] = []
        var ldif = PKDLDIFWriter(version: version)
        func add(_ path: String, _ kind: String, _ bytes: [UInt8], _ description: String) throws {
            guard manager.createFile(atPath: directory + "/" + path, contents: Data(bytes)) else {
                throw MohurError.system("cannot write \(directory)/\(path)")
            }
            files.append(File(path: path, kind: kind, sha256: Digest.hex(Digest.sha256(bytes)), description: description))
        }
        for record in cscas {
            let kind = record.role == CertificateRole.cscaLink.rawValue ? "link" : "csca"
            try add("csca/\(country)-\(kind)-\(record.serial).der", kind, record.der, record.subject)
            ldif.certificate(record, collection: "csca", country: country)
        }
        for record in signers {
            try add("dsc/\(country)-dsc-\(record.serial).der", "dsc", record.der, record.subject)
            ldif.certificate(record, collection: "dsc", country: country)
        }
        for crl in crls {
            try add("crl/\(country)-\(crl.authority)-\(crl.crlNumber).crl", "crl", crl.der, "CRL \(crl.crlNumber) of \(crl.authority)")
            ldif.crl(crl.der, issuer: try CRL(derEncoded: crl.der).issuer.description, country: country)
        }
        try add("\(country).ml", "master-list", list, "CSCA master list")
        ldif.masterList(list, country: country)
        try add("\(country).ldif", "ldif", Array(ldif.text.utf8), "the package as PKD LDIF")
        let package = Package(country: country, pkdVersion: version, createdAt: now, files: files)
        let sums = files.map { "\($0.sha256)  \($0.path)\n" }.joined()
        guard manager.createFile(atPath: directory + "/SHA256SUMS", contents: Data(sums.utf8)) else {
            throw MohurError.system("cannot write \(directory)/SHA256SUMS")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        guard manager.createFile(atPath: directory + "/manifest.json", contents: try encoder.encode(package)) else {
            throw MohurError.system("cannot write \(directory)/manifest.json")
        }
        try pki.repository.setSetting("pkd_export_version", String(version))
        return package
    }

    /// Our valid CSCA and link certificates (those our master list carries).
    func cscaCertificates(now: Date) throws -> [CertificateRecord] {
        let valid = try ICAOListSigning(pki: pki).ownCSCARecords()
        guard !valid.isEmpty else { throw MohurError.refused("there is no valid CSCA certificate to export", hint: "run `mohur init`") }
        return valid
    }

    /// The latest CRL of each CSCA, refusing if any is missing, lapsed or older than a revocation.
    func currentCRLs(for cscas: [CertificateRecord]) throws -> [CRLRecord] {
        let due = Dictionary(try pki.crlsDue(within: 0).map { ($0.authority, $0) }, uniquingKeysWith: { first, _ in first })
        let authorities = try pki.repository.authorities()
        return try cscas.compactMap { record -> CRLRecord? in
            guard let authority = authorities.first(where: { $0.certificateID == record.id }) else { return nil }
            let name = authority.name
            guard let latest = try pki.repository.latestCRL(authority: name) else {
                throw MohurError.refused("\(name) has issued no CRL; the PKD takes none without one", hint: "run `mohur crl issue --ca \(name)`")
            }
            if let stale = due[name], stale.lapsed || stale.reason.contains("revoked") {
                throw MohurError.refused("\(name)'s CRL \(latest.crlNumber) is stale: \(stale.reason)", hint: "run `mohur crl issue --ca \(name)` first")
            }
            return latest
        }
    }

    /// Every DS certificate still valid, each checked against the profile of Doc 9303-12 §7.1.
    func documentSigners(now: Date, cscas: [CertificateRecord]) throws -> [CertificateRecord] {
        let issuers = try cscas.map { try Certificate(derEncoded: $0.der) }
        return try pki.repository.certificates(role: CertificateRole.documentSigner.rawValue)
            .filter { $0.revocation == nil && $0.notAfter > now }
            .map { record in
                let problems = try Self.profileProblems(try Certificate(derEncoded: record.der), issuers: issuers)
                guard problems.isEmpty else {
                    throw MohurError.refused("Document Signer \(record.serial) (\(record.subject)) breaks the profile: \(problems.joined(separator: "; "))",
                                             hint: "revoke it (`mohur cert revoke \(record.serial)`) and issue a CRL, then export again")
                }
                return record
            }
    }

    /// What a DS certificate does wrong (Doc 9303-12 §7.1.1, Table 6), against the CSCAs that may have issued it.
    static func profileProblems(_ ds: Certificate, issuers: [Certificate]) throws -> [String] {
        var problems: [String] = []
        let csca = issuers.first { ds.authorityKeyIdentifier != nil && $0.subjectKeyIdentifier == ds.authorityKeyIdentifier }
        if ds.authorityKeyIdentifier == nil { problems.append("no authorityKeyIdentifier") }
        if let csca {
            if !ds.isSignatureValid(issuerKey: try csca.publicKey()) { problems.append("its signature does not verify under \(csca.subject)") }
            if ds.notAfter > csca.notAfter { problems.append("valid beyond its CSCA (\(csca.notAfter))") }
        } else {
            problems.append("no exported CSCA has its authorityKeyIdentifier")
        }
        let usage = ds.extension([2, 5, 29, 15])
        if usage == nil || usage?.critical == false || ds.keyUsageBits != 0x80 {
            problems.append("keyUsage must be critical and digitalSignature only")
        }
        if ds.extension(OID.documentTypeList) == nil { problems.append("no DocumentTypeList extension") }
        if ds.isCA { problems.append("it is a CA certificate") }
        return problems
    }
}
