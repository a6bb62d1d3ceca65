import Foundation
import MohurCore
import OpenSSLKit
import Storage

extension PKI {
    /// What a CSCA rollover produced.
    public struct RolloverResult: Sendable {
        public let retired: String
        public let newCSCA: AuthorityView
        public let link: CertificateRecord
    }

    /// CSCA key rollover (Doc 9303-12 §5.3.1): a new CSCA key and self-signed certificate, and a
    /// link certificate in which the old key certifies the new one, so that states trusting the
    /// old CSCA can reach the new one. The old CSCA is retired: it issues nothing new but keeps
    /// signing CRLs for the Document Signers it certified.
    func rolloverCSCAUnaudited() throws -> RolloverResult {
        let old = try activeAuthority(.csca)
        let oldIssuer = try issuingAuthority(old)
        let now = clock.now()
        let generation = old.record.generation + 1
        return try atomically {
            let created = try createCSCA(generation: generation, now: now)
            var request = try cscaRequest(signer: created.signer, now: now)
            request.role = .cscaLink
            request.notAfter = min(request.notAfter, oldIssuer.certificate.notAfter)
            request.keyRef = nil
            let (link, certificate) = try issue(request, by: oldIssuer)
            guard certificate.isSignatureValid(issuerKey: try oldIssuer.certificate.publicKey()) else {
                throw MohurError.system("the link certificate does not verify under the old CSCA key")
            }
            try repository.setAuthorityStatus(old.record.name, "retired")
            return RolloverResult(retired: old.record.name, newCSCA: try authority(named: created.record.name), link: link)
        }
    }

    /// Retires the active signer of `role` and creates the next generation under the active CSCA
    /// (`mohur ds rotate` for Document Signers).
    func rotateSignerUnaudited(_ role: CertificateRole) throws -> (retired: String?, created: AuthorityView) {
        let current = try? activeAuthority(role)
        let csca = try issuingAuthority(try activeAuthority(.csca))
        let generation = (try repository.authorities(role: role.rawValue).map(\.generation).max() ?? 0) + 1
        return try atomically {
            let created = try createSigner(role: role, csca: csca, generation: generation, now: clock.now())
            if let current { try repository.setAuthorityStatus(current.record.name, "retired") }
            return (current?.record.name, created)
        }
    }

    /// The Document Signer to sign a document of `documentType` now: active, its
    /// PrivateKeyUsagePeriod covering now (Doc 9303-12 §5.3: DS keys sign for at most three
    /// months), its DocumentTypeList covering the type. Anything else is refused, naming why.
    public func documentSigner(for documentType: String) throws -> IssuingAuthority {
        let now = clock.now()
        let signers = try repository.authorities(role: CertificateRole.documentSigner.rawValue)
            .filter { $0.status == "active" }.sorted { $0.generation > $1.generation }
        guard !signers.isEmpty else {
            throw MohurError.refused("no active Document Signer", hint: "run `mohur ds rotate` to create one")
        }
        var reasons: [String] = []
        for record in signers {
            let view = try authority(named: record.name)
            let certificate = try Certificate(derEncoded: view.certificate.der)
            // The certificate's PrivateKeyUsagePeriod is authoritative (whole seconds).
            let period = try certificate.extension(OID.privateKeyUsagePeriod).map { try Extensions.decodePrivateKeyUsagePeriod($0.value) }
            if let end = period?.notAfter, now > end {
                reasons.append("\(record.name)'s private key usage period ended \(Self.day(end))")
                continue
            }
            if let start = period?.notBefore, now < start {
                reasons.append("\(record.name)'s private key usage period starts \(Self.day(start))")
                continue
            }
            let types = try certificate.extension(OID.documentTypeList).map { try Extensions.decodeDocumentTypeList($0.value) } ?? []
            guard types.contains(documentType) else {
                reasons.append("\(record.name) may sign only document types \(types.joined(separator: ","))")
                continue
            }
            return try issuingAuthority(view)
        }
        throw MohurError.refused("no Document Signer may sign a '\(documentType)' document now: " + reasons.joined(separator: "; "),
                                 hint: "run `mohur ds rotate` to create a Document Signer with a current key")
    }

    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}
