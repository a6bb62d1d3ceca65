import Foundation
import LDS
import OpenSSLKit
import SwiftASN1

/// Passive authentication of an eMRTD (Doc 9303-11 §5.1, PKI per Doc 9303-12):
/// 1. decode EF.SOD and find the Document Signer (embedded, else from the trust store by
///    subjectKeyIdentifier or normalised issuer + serial, finally by trying the signature);
/// 2. verify the SignerInfo signature over the signed attributes, messageDigest and contentType;
/// 3. build the path DS → CSCA by key identifiers and signatures, across link certificates;
/// 4. check validity at signing time and at check time, revocation, profile deviations;
/// 5. compare each supplied data group with its hash in the LDS security object.
///
/// The engine never throws for a document's faults: every outcome is a ``PassiveAuthReport``.
public struct PassiveAuthenticator: Sendable {
    public let trust: TrustIndex
    /// A lab switch: report a data group EF.SOD does not list as a warning instead of a failure.
    /// Off at border posts, where such a group is an injected one (Doc 9303-11 §5.1: only data
    /// groups whose hash EF.SOD lists are authentic).
    public let allowUnlistedDataGroups: Bool

    public init(trust: TrustIndex, allowUnlistedDataGroups: Bool = false) {
        self.trust = trust
        self.allowUnlistedDataGroups = allowUnlistedDataGroups
    }

    /// Authenticates raw EF.SOD bytes; a SOD that does not decode yields an invalid report.
    public func verify(encodedSOD: [UInt8], dataGroups: [DataGroupNumber: [UInt8]] = [:],
                       at checkTime: Date = Date(), opticalMRZ: MRZ? = nil) -> PassiveAuthReport {
        do {
            return verify(sod: try SODFile(encoded: encodedSOD), dataGroups: dataGroups, at: checkTime, opticalMRZ: opticalMRZ)
        } catch {
            var report = PassiveAuthReport(checkTime: checkTime)
            report.add(.sodStructure, .fail, "EF.SOD does not decode: \(error)")
            return report
        }
    }

    /// Authenticates a decoded EF.SOD and the data groups read from the chip; with
    /// `opticalMRZ` (the MRZ the officer's reader took from the data page), DG1 must carry it.
    public func verify(sod: SODFile, dataGroups: [DataGroupNumber: [UInt8]] = [:],
                       at checkTime: Date = Date(), opticalMRZ: MRZ? = nil) -> PassiveAuthReport {
        var report = PassiveAuthReport(checkTime: checkTime)
        report.add(.sodStructure, .pass, "EF.SOD decodes: LDS security object \(sod.ldsSecurityObject.version), "
                   + "\(sod.ldsSecurityObject.hashAlgorithm), DGs \(sod.ldsSecurityObject.dataGroupNumbers.map(\.description).joined(separator: ","))")
        ProfileReview.structure(of: sod, into: &report)
        guard let signer = sod.signedData.signerInfos.first else {
            report.add(.sodStructure, .fail, "EF.SOD has no SignerInfo: nothing signs the LDS security object")
            return report
        }
        if sod.signedData.signerInfos.count > 1 {
            report.add(.profile, .warn, "EF.SOD has \(sod.signedData.signerInfos.count) SignerInfos; Doc 9303-10 §4.6.2 expects one; the first is checked")
        }
        report.signingTime = signer.signedAttributes?.signingTime.flatMap(Self.date)

        guard let (ds, check, how) = locateSigner(signer, in: sod) else {
            report.add(.documentSigner, .skip, "no Document Signer certificate for \(SignerVerification.describe(signer.signerIdentifier)): "
                       + "none is embedded and none is in the trust store; import the issuing state's DSCs (PKD collection 001)")
            report.add(.sodSignature, .skip, "not checked: the Document Signer is unknown")
            checkDataGroups(sod, dataGroups, opticalMRZ: opticalMRZ, into: &report)
            return report
        }
        report.documentSigner = ds.subject.description
        report.add(.documentSigner, .pass, "\(ds.subject) (serial \(ds.serialHex)), \(how)")
        record(check, sod: sod, into: &report)
        ProfileReview.signer(signer, check: check, documentSigner: ds, into: &report)

        var country = (ds.issuer.value(of: "C") ?? "").uppercased()
        switch trust.path(from: ds) {
        case .complete(let path):
            country = path.trusted.last?.country ?? country
            report.path = path.certificates.map(\.subject.description)
            let steps = path.trusted.map { "\($0.kind.rawValue) \($0.certificate.subject) [\($0.sourceKind.rawValue): \($0.sourceFile.split(separator: "/").last ?? "")]" }
            let anchor = path.trusted.last.map { $0.kind == .link ? " (a link certificate imported on its own: its key is the anchor)" : "" } ?? ""
            report.add(.certificationPath, .pass, "every signature verifies: DS → " + steps.joined(separator: " → ") + anchor)
            checkValidity(path, signingTime: report.signingTime, at: checkTime, into: &report)
            checkRevocation(ds, issuer: path.trusted[0], at: checkTime, into: &report)
        case .incomplete(let partial):
            report.path = partial.map(\.subject.description)
            let top = partial.last ?? ds
            let missing = top.authorityKeyIdentifier.map { "key identifier \(Digest.hex($0))" } ?? "name \(top.issuer)"
            report.add(.certificationPath, .skip, "no trusted CSCA: the chain ends at \(top.subject)"
                       + (partial.count > 1 ? " (a stored CSCA/link certificate)" : "")
                       + "; the CSCA with \(missing) is not in the trust store. Import the state's CSCA or a master list holding it")
        }
        checkDataGroups(sod, dataGroups, opticalMRZ: opticalMRZ, into: &report)
        applyDeviations(ds: ds, country: country, sod: sod, dataGroups: dataGroups, into: &report)
        return report
    }

    // MARK: Document Signer

    /// Candidates in order: embedded certificates the sid names, stored DSCs the sid names,
    /// then every embedded certificate (the signature decides). The first whose key verifies
    /// the signature wins; otherwise the first named candidate is returned with its failure.
    func locateSigner(_ signer: CMSSignerInfo, in sod: SODFile) -> (Certificate, SignerCheck, String)? {
        let embedded = sod.signedData.certificates.compactMap(trust.certificate(der:))
        var candidates: [(Certificate, String)] = embedded.filter { SignerVerification.matches($0, signer.signerIdentifier) }
            .map { ($0, "embedded in EF.SOD") }
        switch signer.signerIdentifier {
        case .subjectKeyIdentifier(let ski):
            candidates += trust.certificates(ski: ski).map { ($0.certificate, "from the trust store by key identifier") }
        case .issuerAndSerialNumber(let issuer, let serial):
            if let name = try? DistinguishedName(derEncoded: issuer) {
                candidates += trust.certificates(issuerKey: name.normalisedKey, serial: serial)
                    .map { ($0.certificate, "from the trust store by issuer and serial") }
            }
        }
        candidates += embedded.filter { cert in !candidates.contains { $0.0 == cert } }
            .map { ($0, "embedded in EF.SOD; found by its signature, the SignerIdentifier does not name it") }
        let content = sod.ldsSecurityObjectBytes
        var firstFailure: (Certificate, SignerCheck, String)?
        for (certificate, how) in candidates {
            guard let key = try? certificate.publicKey() else { continue }
            let check = SignerVerification.check(signer, content: content, contentType: sod.contentType, key: key)
            if check.signatureValid { return (certificate, check, how) }
            if firstFailure == nil { firstFailure = (certificate, check, how) }
        }
        return firstFailure
    }

    private func record(_ check: SignerCheck, sod: SODFile, into report: inout PassiveAuthReport) {
        if let scheme = check.scheme {
            report.add(.sodSignature, .pass, "the SignerInfo signature verifies (\(scheme))")
        } else {
            report.add(.sodSignature, .fail, "the SignerInfo signature does not verify under the Document Signer's key: "
                       + "EF.SOD was altered or not signed by this Document Signer")
        }
        switch check.messageDigestMatches {
        case true?: report.add(.messageDigest, .pass, "messageDigest equals the hash of the LDS security object")
        case false?: report.add(.messageDigest, .fail, "messageDigest differs from the hash of the LDS security object"
                                + (check.notes.isEmpty ? "" : ": " + check.notes.joined(separator: "; ")))
        case nil: report.add(.messageDigest, .fail, "no signed attributes, so nothing binds the signature to the content type")
        }
        switch check.contentTypeMatches {
        case true?: report.add(.contentType, .pass, "the contentType attribute equals eContentType \(sod.contentType)")
        case false?: report.add(.contentType, .fail, "the contentType attribute differs from eContentType \(sod.contentType)")
        case nil: report.add(.contentType, .warn, "no contentType attribute (RFC 5652 §5.3 requires it)")
        }
    }

    // MARK: validity and revocation

    /// Chain model (Doc 9303-12 §5.5): the DS must be valid when the document was signed and now,
    /// and so must the CSCA certificate that issued it; each older CSCA or link certificate must
    /// have been valid when it certified the next key. An expired link is no fault.
    func checkValidity(_ path: CertificationPath, signingTime: Date?, at checkTime: Date,
                       into report: inout PassiveAuthReport) {
        let ds = path.certificates[0]
        if let signingTime {
            report.add(.validityAtSigning, Self.within(ds, signingTime) ? .pass : .fail,
                       "signingTime \(Self.day(signingTime)) is \(Self.within(ds, signingTime) ? "within" : "outside") the Document Signer's validity \(Self.range(ds))")
        } else {
            report.add(.validityAtSigning, .skip, "EF.SOD carries no signingTime (allowed for LDS-SO v1); the Document Signer was valid \(Self.range(ds))")
        }
        for (issued, issuer) in zip(path.certificates, path.certificates.dropFirst()) where !Self.within(issuer, issued.notBefore) {
            report.add(.validityAtSigning, .warn, "\(issuer.subject) \(Self.range(issuer)) was not valid when it issued \(issued.subject) on \(Self.day(issued.notBefore))")
        }
        // The CSCA certificate that issued the DS must be valid now; older CSCA keys reached
        // through link certificates only had to be valid when they certified the next key.
        let csca = path.certificates[1]
        let dsNow = Self.within(ds, checkTime), cscaNow = Self.within(csca, checkTime)
        report.add(.validityAtCheck, dsNow ? .pass : .fail,
                   "on \(Self.day(checkTime)) the Document Signer \(Self.range(ds)) is \(dsNow ? "valid" : "not valid")")
        report.add(.validityAtCheck, cscaNow ? .pass : .fail,
                   "on \(Self.day(checkTime)) the issuing CSCA certificate \(csca.subject) \(Self.range(csca)) is \(cscaNow ? "valid" : "not valid")")
        for older in path.certificates.dropFirst(2) where !Self.within(older, checkTime) {
            report.add(.validityAtCheck, .warn, "\(older.subject) \(Self.range(older)) has expired; it certified the next CSCA key while valid")
        }
    }

    func checkRevocation(_ ds: Certificate, issuer: TrustedCertificate, at checkTime: Date, into report: inout PassiveAuthReport) {
        let crls = trust.crls(coveringCertificateIssuedBy: issuer)
        guard !crls.isEmpty else {
            report.add(.revocation, .warn, "no CRL of \(issuer.certificate.subject) in the trust store: revocation not checked")
            return
        }
        let serial = ds.serialHex
        for stored in crls {
            if let entry = stored.crl.revokedEntries.first(where: { $0.serialHex == serial }) {
                report.add(.revocation, .fail, "the Document Signer (serial \(serial)) was revoked on \(Self.day(entry.revocationDate)) (CRL of \(Self.day(stored.crl.thisUpdate)))")
                return
            }
        }
        let newest = crls.map(\.crl).max { $0.thisUpdate < $1.thisUpdate }
        if let newest, let next = newest.nextUpdate, next < checkTime {
            report.add(.revocation, .warn, "not revoked, but the newest CRL (issued \(Self.day(newest.thisUpdate))) is stale: nextUpdate \(Self.day(next)) is past")
        } else {
            report.add(.revocation, .pass, "not revoked according to the CRL of \(Self.day(newest?.thisUpdate ?? checkTime))")
        }
    }

    // MARK: data groups

    /// Hashes each supplied data group (the complete EF: tag, length, value; Doc 9303-10 §4.6.2.2)
    /// with the security object's algorithm and compares it with the listed hash.
    func checkDataGroups(_ sod: SODFile, _ groups: [DataGroupNumber: [UInt8]], opticalMRZ: MRZ?, into report: inout PassiveAuthReport) {
        defer { if let opticalMRZ { compare(opticalMRZ, with: groups[.dg1], into: &report) } }
        let so = sod.ldsSecurityObject
        for (number, bytes) in groups.sorted(by: { $0.key < $1.key }) {
            guard let expected = so.hash(of: number) else {
                if allowUnlistedDataGroups {
                    report.add(.dataGroupNotListed, .warn, "\(number) was supplied but EF.SOD does not list it: its content is not "
                               + "authenticated (accepted only because unlisted data groups are allowed, a lab setting)")
                } else {
                    report.add(.dataGroupNotListed, .fail, "\(number) was supplied but EF.SOD does not list it: its content is not "
                               + "authenticated, an injected data group (Doc 9303-11 §5.1)")
                }
                continue
            }
            guard let algorithm = DigestAlgorithm(oid: so.hashAlgorithmIdentifier.algorithm),
                  let actual = try? Digest.hash(algorithm, bytes) else {
                report.add(.dataGroupHash, .fail, "\(number): hash algorithm \(so.hashAlgorithm) is not supported")
                continue
            }
            if actual == expected {
                report.add(.dataGroupHash, .pass, "\(number) matches its \(algorithm.rawValue) hash")
            } else {
                report.add(.dataGroupHash, .fail, "\(number) does not match its hash in EF.SOD: the data group was altered or belongs to another document")
            }
        }
    }

    // MARK: helpers

    static func within(_ certificate: Certificate, _ date: Date) -> Bool {
        certificate.notBefore <= date && date <= certificate.notAfter
    }

    static func range(_ certificate: Certificate) -> String {
        "\(day(certificate.notBefore))…\(day(certificate.notAfter))"
    }

    /// "YYYY-MM-DD" in UTC. Built by hand: a Foundation date formatter costs more to create
    /// than a P-256 signature costs to verify, and reports name several days.
    static func day(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
    }

    static func date(_ time: CMSSigningTime) -> Date? {
        var components = DateComponents(year: time.year, month: time.month, day: time.day,
                                        hour: time.hours, minute: time.minutes, second: time.seconds)
        components.timeZone = TimeZone(identifier: "UTC")
        return Calendar(identifier: .gregorian).date(from: components)
    }

    /// DG1 against the page (Doc 9303-11 §5.1 authenticates DG1; the officer's optical read of
    /// the data page must say the same): a mismatch means the chip belongs to another document
    /// or the page was altered.
    func compare(_ optical: MRZ, with dg1: [UInt8]?, into report: inout PassiveAuthReport) {
        guard let dg1 else {
            report.add(.mrzMatch, .warn, "an MRZ was read from the page, but DG1 was not supplied to compare it with")
            return
        }
        guard let chip = try? DG1(encoded: dg1).mrz else {
            report.add(.mrzMatch, .fail, "DG1 does not decode as an MRZ, so the page cannot be compared with it")
            return
        }
        guard chip.text != optical.text else {
            report.add(.mrzMatch, .pass, "DG1 carries the MRZ read from the page")
            return
        }
        let (chipBytes, pageBytes) = (Array(chip.text.utf8), Array(optical.text.utf8))
        let at = zip(chipBytes, pageBytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(chipBytes.count, pageBytes.count)
        let (line, column) = (at / chip.format.lineLength + 1, at % chip.format.lineLength + 1)
        report.add(.mrzMatch, .fail, chip.format != optical.format
                   ? "DG1 holds a \(chip.format) MRZ, the page a \(optical.format) one: they belong to different documents"
                   : "DG1 differs from the MRZ read from the page at line \(line), position \(column): the chip belongs to another document or the page was altered")
    }
}
