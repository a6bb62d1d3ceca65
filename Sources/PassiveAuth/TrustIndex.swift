import Foundation
import OpenSSLKit
import Synchronization

/// An in-memory snapshot of the trust store, indexed by key identifier and normalised name, that
/// passive authentication builds certification paths from. Paths are found by key identifiers
/// and confirmed by signatures, never by names alone (CSCA rollover: several CSCAs share one
/// name, link certificates are self-issued; Doc 9303-12 §5.5.1).
///
/// A signature, once verified for a (certificate, issuer) pair, is remembered: certificates do
/// not change, and a border post sees the same few hundred Document Signers all day.
public final class TrustIndex: Sendable {
    public let certificates: [TrustedCertificate]
    public let crls: [TrustedCRL]
    /// Deviation lists of the issuing States (Doc 9303-12 §9), verified at import.
    public let deviationLists: [TrustedDeviationList]
    private let bySKI: [[UInt8]: [Int]]
    private let bySubject: [String: [Int]]
    private let byIssuerSerial: [String: [Int]]
    private let byCountry: [String: [Int]]
    private let verified = Mutex<[[UInt8]: Bool]>([:])
    private let parsed = Mutex<[[UInt8]: Certificate]>([:])
    /// How many embedded Document Signer certificates stay parsed (a DS signs for ≤ 3 months,
    /// Doc 9303-12 §5.2, so a post sees the same few hundred again and again).
    static let parsedCapacity = 2048

    public init(certificates: [TrustedCertificate], crls: [TrustedCRL] = [], deviationLists: [TrustedDeviationList] = []) {
        self.certificates = certificates
        self.crls = crls
        self.deviationLists = deviationLists
        var ski: [[UInt8]: [Int]] = [:], subject: [String: [Int]] = [:], serial: [String: [Int]] = [:]
        var country: [String: [Int]] = [:]
        for (i, t) in certificates.enumerated() {
            if let key = t.certificate.subjectKeyIdentifier { ski[key, default: []].append(i) }
            subject[t.certificate.subject.normalisedKey, default: []].append(i)
            serial[Self.issuerSerialKey(t.certificate.issuer.normalisedKey, t.certificate.serialNumberBytes), default: []].append(i)
            if t.kind != .dsc { country[t.country, default: []].append(i) }
        }
        bySKI = ski
        bySubject = subject
        byIssuerSerial = serial
        byCountry = country
    }

    static func issuerSerialKey(_ issuer: String, _ serial: [UInt8]) -> String {
        issuer + "#" + Digest.hex(Array(SignerVerification.magnitude(serial)))
    }

    /// Stored certificates with subjectKeyIdentifier `ski`.
    public func certificates(ski: [UInt8]) -> [TrustedCertificate] { (bySKI[ski] ?? []).map { certificates[$0] } }

    /// Stored certificates with this normalised issuer name and serial number.
    func certificates(issuerKey: String, serial: [UInt8]) -> [TrustedCertificate] {
        (byIssuerSerial[Self.issuerSerialKey(issuerKey, serial)] ?? []).map { certificates[$0] }
    }

    /// CSCA and link certificates that may have issued `certificate`: by authorityKeyIdentifier,
    /// then by issuer name, and — when neither finds anything — every CSCA of the issuer's
    /// country (the signature decides). The certificate itself is excluded.
    func candidateIssuers(of certificate: Certificate) -> [TrustedCertificate] {
        var indices: [Int] = []
        if let aki = certificate.authorityKeyIdentifier { indices += bySKI[aki] ?? [] }
        indices += bySubject[certificate.issuer.normalisedKey] ?? []
        if indices.isEmpty, let country = certificate.issuer.value(of: "C")?.uppercased() {
            indices += byCountry[country] ?? []
        }
        var seen = Set<Int>()
        let own = certificate.derEncoded
        return indices.filter { seen.insert($0).inserted }
            .map { certificates[$0] }
            .filter { $0.kind != .dsc && $0.certificate.derEncoded != own }
            .sorted { ($0.kind == .csca ? 0 : 1, $1.certificate.notBefore) < ($1.kind == .csca ? 0 : 1, $0.certificate.notBefore) }
    }

    /// Parses a certificate embedded in a document, reusing an earlier parse of the same DER:
    /// decoding explicit EC domain parameters costs OpenSSL more than a P-256 verification.
    public func certificate(der: [UInt8]) -> Certificate? {
        if let known = parsed.withLock({ $0[der] }) { return known }
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        parsed.withLock { cache in
            if cache.count >= Self.parsedCapacity { cache.removeAll(keepingCapacity: true) }
            cache[der] = certificate
        }
        return certificate
    }

    /// Whether `subject`'s signature verifies under `issuer`'s key, remembered per pair.
    public func isSigned(_ subject: Certificate, by issuer: Certificate) -> Bool {
        let key = subject.fingerprintSHA256 + issuer.fingerprintSHA256
        if let known = verified.withLock({ $0[key] }) { return known }
        let ok = (try? issuer.publicKey()).map { subject.verifySignature(issuerKey: $0) } ?? false
        verified.withLock { $0[key] = ok }
        return ok
    }

    /// A trust anchor (RFC 5280 §6.1.1: a name and a public key the relying party trusts): a
    /// stored CSCA whose signature verifies under its own key; and, with `imported`, also a CSCA
    /// or link certificate an officer imported on its own, as a file: that import vouched for its
    /// key, even when the key it links from is not held. Link certificates from master lists and
    /// the PKD anchor nothing by themselves; they must chain to a CSCA.
    func isAnchor(_ trusted: TrustedCertificate, imported: Bool) -> Bool {
        switch trusted.kind {
        case .csca: (imported && trusted.sourceKind == .file) || isSigned(trusted.certificate, by: trusted.certificate)
        case .link: imported && trusted.sourceKind == .file
        case .dsc: false
        }
    }

    /// Builds a certification path from `leaf` up to a trust anchor, across link certificates
    /// (depth ≤ 6). Returns the path (leaf first, anchor last) or why none was found. A path to a
    /// self-signed CSCA is preferred (it checks every link on the way); only when there is none
    /// does a certificate the officer imported on its own end the path.
    public func path(from leaf: Certificate) -> PathResult {
        var deepest: [Certificate] = [leaf]
        for imported in [false, true] {
            var visited = Set<[UInt8]>([leaf.fingerprintSHA256])
            if let path = extend([leaf], [], &visited, &deepest, imported: imported) { return .complete(path) }
        }
        return .incomplete(deepest)
    }

    private func extend(_ chain: [Certificate], _ trusted: [TrustedCertificate], _ visited: inout Set<[UInt8]>,
                        _ deepest: inout [Certificate], imported: Bool) -> CertificationPath? {
        guard chain.count <= 6, let current = chain.last else { return nil }
        for candidate in candidateIssuers(of: current) {
            let fingerprint = candidate.certificate.fingerprintSHA256
            guard !visited.contains(fingerprint), isSigned(current, by: candidate.certificate) else { continue }
            let longer = chain + [candidate.certificate]
            let path = trusted + [candidate]
            if longer.count > deepest.count { deepest = longer }
            if isAnchor(candidate, imported: imported) { return CertificationPath(certificates: longer, trusted: path) }
            visited.insert(fingerprint)
            if let found = extend(longer, path, &visited, &deepest, imported: imported) { return found }
        }
        return nil
    }

    /// CRLs issued under the key that signed `certificate` (matched by the verifying CSCA's key identifier).
    func crls(coveringCertificateIssuedBy issuer: TrustedCertificate) -> [TrustedCRL] {
        let ski = issuer.certificate.subjectKeyIdentifier
        return crls.filter { $0.cscaID == issuer.id || (ski != nil && $0.cscaSKI == ski) }
    }
}

/// A certification path: leaf first, then the stored certificates up to the anchor.
public struct CertificationPath: Sendable {
    public let certificates: [Certificate]
    /// The stored entries for `certificates[1...]`.
    public let trusted: [TrustedCertificate]
}

public enum PathResult: Sendable {
    case complete(CertificationPath)
    /// No anchor reached; the longest chain of verified signatures found.
    case incomplete([Certificate])
}
