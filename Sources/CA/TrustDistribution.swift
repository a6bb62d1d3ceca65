import Foundation
import MohurCore
import OpenSSLKit

extension PKI {
    /// The level-1 signer of trust bundles: a key in the HSM certified by the IAMAS root with
    /// extended key usage id-iamas-kp-trustDistribution (critical) and digitalSignature only, so
    /// a border post that holds the root can verify a bundle and nothing else can be passed off
    /// as one. Created on first use (journaled as `ca.create`), valid two years or until the
    /// root expires; a new one is made when it nears its end.
    public func trustDistributionSigner() throws -> IssuingAuthority {
        let now = clock.now()
        if let view = try? activeAuthority(.trustDistribution), view.certificate.notAfter > now.adding(days: 30) {
            return try issuingAuthority(view)
        }
        let created = try audited("ca.create", target: "trust-distribution") { () throws -> AuthorityView in
            let root = try issuingAuthority(try activeAuthority(.root))
            let generation = try repository.authorities(role: CertificateRole.trustDistribution.rawValue).map(\.generation).max().map { $0 + 1 } ?? 1
            let signer = try generateKey(profile.root.keySpec, role: .trustDistribution, suffix: "\(generation)")
            let request = IssuanceRequest(
                role: .trustDistribution, subject: name(commonName: "IAMAS Trust Distribution \(generation)", organization: profile.root.organization),
                subjectKey: signer.publicKey, explicitECParameters: false, notBefore: now,
                notAfter: min(now.adding(days: 730), root.certificate.notAfter), keyUsagePeriod: nil,
                extensions: [try Extensions.basicConstraints(ca: false, pathLength: nil), try Extensions.keyUsage([.digitalSignature]),
                             try Extensions.extendedKeyUsage([OID.iamasTrustDistribution], critical: true)],
                keyRef: signer.keyReference)
            let (record, _) = try issue(request, by: root)
            for old in try repository.authorities(role: CertificateRole.trustDistribution.rawValue) where old.status == "active" {
                try repository.setAuthorityStatus(old.name, "retired")
            }
            let name = "trust-distribution-\(generation)"
            try recordAuthority(name: name, role: .trustDistribution, agency: nil, signer: signer, certificate: record, generation: generation)
            return try authority(named: name)
        } details: { ["serial": .text($0.certificate.serial), "fingerprint": .text($0.certificate.fingerprint)] }
        return try issuingAuthority(created)
    }
}
