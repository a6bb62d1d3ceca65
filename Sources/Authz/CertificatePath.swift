import CA
import Foundation
import MohurCore
import OpenSSLKit
import Storage

/// The certificates a path to the IAMAS root can run through: the root(s), the segment CAs and
/// the bridge certificates to the national PKI that Mohur issued, read once from the PKI
/// database. Retired generations stay, so that certificates they issued still validate.
struct IssuerPool: Sendable {
    let anchors: [Certificate]
    let intermediates: [Certificate]
    /// Fingerprints (hex) of bridge certificates: a path through one is a national-PKI path.
    let bridges: Set<String>

    init(repository: PKIRepository) throws {
        func load(_ role: CertificateRole) throws -> [Certificate] {
            try repository.certificates(role: role.rawValue).map { try Certificate(derEncoded: $0.der) }
        }
        anchors = try load(.root)
        let bridgeCertificates = try load(.crossCertificate)
        intermediates = try load(.segment) + bridgeCertificates
        bridges = Set(bridgeCertificates.map { Digest.hex($0.fingerprintSHA256) })
    }
}

/// Builds and checks a certification path from a leaf to an IAMAS root (RFC 5280 §6.1): issuers
/// are found by key identifier or name and confirmed by their signature (never by name alone:
/// several certificates may share a name), then every certificate is checked for validity
/// period, CA constraints, path length, unhandled critical extensions, name constraints and
/// revocation in Mohur's records.
struct PathValidator {
    let pool: IssuerPool
    let repository: PKIRepository

    /// Extensions this validator processes; any other critical extension fails the path
    /// (RFC 5280 §4.2).
    static let understood: Set<String> = Set([OID.basicConstraints, OID.keyUsage, OID.extendedKeyUsage, OID.nameConstraints,
                                              OID.certificatePolicies, OID.subjectAltName, OID.iamasPermissions].map(\.description))

    /// The path leaf first, anchor last. `supplied` are certificates the caller sent along.
    func build(leaf: Certificate, supplied: [Certificate]) throws(MohurError) -> [Certificate] {
        let candidates = supplied.filter { !$0.isSelfIssued || pool.anchors.contains($0) } + pool.intermediates + pool.anchors
        var path = [leaf]
        var current = leaf
        for _ in 0..<8 {
            if pool.anchors.contains(current) { return path }
            guard let issuer = issuer(of: current, among: candidates, excluding: path) else {
                throw .refused("no path from \(leaf.subject) to the IAMAS root: nothing Mohur knows issued \(current.subject)",
                               hint: "the certificate must come from an IAMAS segment CA, or from a national CA that IAMAS cross-certified")
            }
            path.append(issuer)
            current = issuer
        }
        throw .refused("the path from \(leaf.subject) is longer than 8 certificates")
    }

    private func issuer(of certificate: Certificate, among candidates: [Certificate], excluding path: [Certificate]) -> Certificate? {
        let aki = certificate.authorityKeyIdentifier
        let issuerKey = certificate.issuer.normalisedKey
        let matching = candidates.filter { candidate in
            guard !path.contains(candidate) else { return false }
            if let aki, let ski = candidate.subjectKeyIdentifier { return ski == aki }
            return candidate.subject.normalisedKey == issuerKey
        }
        return matching.first { candidate in (try? candidate.publicKey()).map { certificate.isSignatureValid(issuerKey: $0) } ?? false }
    }

    /// Checks the built path at `time`; throws a refusal naming the first certificate at fault.
    func check(_ path: [Certificate], at time: Date) throws(MohurError) {
        let chainDown = Array(path.reversed())  // anchor first
        var maxPathLength = Int.max
        var constraints: [(permitted: [DistinguishedName], excluded: [DistinguishedName], by: String)] = []
        for (index, certificate) in chainDown.enumerated() {
            let isAnchor = index == 0
            let isLeaf = index == chainDown.count - 1
            guard time >= certificate.notBefore, time <= certificate.notAfter else {
                throw .refused("\(certificate.subject) is outside its validity (\(certificate.notBefore) – \(certificate.notAfter))")
            }
            for ext in certificate.extensions where ext.critical && !Self.understood.contains(ext.oid.description) {
                throw .refused("\(certificate.subject) has a critical extension \(ext.oid) that Mohur does not process")
            }
            if !isAnchor {
                try checkRevocation(certificate)
                let selfIssued = certificate.isSelfIssued
                for constraint in constraints where !(selfIssued && !isLeaf) {
                    try Self.checkName(certificate.subject, constraint)
                }
            }
            guard !isLeaf else { break }
            guard certificate.isCA else { throw .refused("\(certificate.subject) issued a certificate but is not a CA") }
            if let bits = certificate.keyUsageBits, bits & 0x04 == 0 {  // KU_KEY_CERT_SIGN
                throw .refused("\(certificate.subject) may not sign certificates (keyUsage lacks keyCertSign)")
            }
            if !isAnchor, !certificate.isSelfIssued {
                guard maxPathLength > 0 else { throw .refused("the path exceeds the path length allowed above \(certificate.subject)") }
                maxPathLength -= 1
            }
            if let limit = certificate.pathLengthConstraint { maxPathLength = min(maxPathLength, limit) }
            if let ext = certificate.extension(OID.nameConstraints) {
                constraints.append(try Self.nameConstraints(ext.value, of: certificate))
            }
        }
    }

    private func checkRevocation(_ certificate: Certificate) throws(MohurError) {
        let record: CertificateRecord?
        do { record = try repository.certificate(fingerprint: Digest.hex(certificate.fingerprintSHA256)) } catch {
            throw .system("cannot read revocation records: \(error)")
        }
        if let revocation = record?.revocation {
            throw .refused("\(certificate.subject) (serial \(certificate.serialHex)) was revoked on \(revocation.revokedAt) (\(revocation.reason))")
        }
    }

    // MARK: name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)–(c)), directoryName only

    static func nameConstraints(_ value: [UInt8], of certificate: Certificate) throws(MohurError) -> (permitted: [DistinguishedName], excluded: [DistinguishedName], by: String) {
        do {
            let decoded = try Extensions.decodeNameConstraints(value)
            guard decoded.otherForms == 0 else {
                throw MohurError.refused("\(certificate.subject) constrains name forms other than directoryName, which Mohur does not check")
            }
            return (try decoded.permitted.map { try DistinguishedName(derEncoded: $0) },
                    try decoded.excluded.map { try DistinguishedName(derEncoded: $0) }, certificate.subject.description)
        } catch let error as MohurError {
            throw error
        } catch {
            throw .refused("the nameConstraints of \(certificate.subject) cannot be read: \(error)")
        }
    }

    static func checkName(_ name: DistinguishedName, _ constraint: (permitted: [DistinguishedName], excluded: [DistinguishedName], by: String)) throws(MohurError) {
        if !constraint.permitted.isEmpty, !constraint.permitted.contains(where: { within(name, $0) }) {
            throw .refused("\(name) is outside the names \(constraint.by) may vouch for (\(constraint.permitted.map(\.description).joined(separator: "; ")))")
        }
        if let excluded = constraint.excluded.first(where: { within(name, $0) }) {
            throw .refused("\(name) lies in the subtree \(excluded) that \(constraint.by) excludes")
        }
    }

    /// Whether `name` lies in the subtree rooted at `base`: base's RDNs are a prefix of name's,
    /// compared with case folding and repeated spaces collapsed (RFC 5280 §7.1).
    static func within(_ name: DistinguishedName, _ base: DistinguishedName) -> Bool {
        guard base.attributes.count <= name.attributes.count else { return false }
        return zip(base.attributes, name.attributes).allSatisfy { b, n in
            b.type.caseInsensitiveCompare(n.type) == .orderedSame && fold(b.value) == fold(n.value)
        }
    }

    private static func fold(_ value: String) -> String {
        value.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
