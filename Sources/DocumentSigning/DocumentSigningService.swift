import CA
import Foundation
import LDS
import MohurCore
import OpenSSLKit
import Storage
import Synchronization

/// A signed EF.SOD and what was recorded about it.
public struct SignedSOD: Sendable {
    /// The EF.SOD file (tag `77`) and its structural view.
    public let sod: SODFile
    /// The issuance record as stored.
    public internal(set) var record: SODIssuanceRecord
    /// The Document Signer certificate embedded in the SOD.
    public let certificate: Certificate

    /// The bytes to write to the chip as EF.SOD (file identifier 011D).
    public var encoded: [UInt8] { sod.encoded }
}

/// Signs EF.SOD at issuing centres (Doc 9303-10 §4.6.2, Doc 9303-11 §5.1): picks the current
/// Document Signer for the document type, hashes the data groups, builds the LDS security
/// object and the CMS SignedData (RFC 5652 §5), has the HSM sign the signed attributes, and
/// stores an issuance record. Data group contents are hashed and forgotten, never stored.
///
/// The Document Signer and its key are looked up once and reused for `refreshInterval`, so a
/// PKCS#11 object search does not run per document; the key usage period is checked against
/// the clock on every signature, so a key past its period never signs.
public final class DocumentSigningService: Sendable {
    public let pki: PKI
    public let profile: SODProfile
    private let signers = Mutex<[String: CachedSigner]>([:])
    /// How long a looked-up Document Signer is reused before the state is asked again (a
    /// rotation by another process is seen within this time).
    public static let refreshInterval: TimeInterval = 60

    /// Issuance records of concurrent `sign(_:)` callers, committed together (the journal
    /// entries are grouped by the journal itself), so callers sending one document at a time
    /// get batch throughput.
    /// Each record travels with its stamped journal entry, staged in the same transaction.
    private let records: GroupCommitQueue<(SODIssuanceRecord, [UInt8]?), (id: Int64, staged: Int64?)>

    public init(pki: PKI) throws {
        self.pki = pki
        self.profile = try SODProfile(pki.profile.documentSigner)
        let repository = pki.repository
        let clock = pki.clock
        self.records = GroupCommitQueue(maxBatch: 64) { items in
            let (ids, staged) = try repository.insertSODIssuances(items.map(\.0), staging: items.compactMap(\.1), at: clock.now())
            var next = staged.makeIterator()
            return zip(items, ids).map { item, id in (id, item.1 == nil ? nil : next.next()) }
        }
    }

    /// Signs one document's EF.SOD and records the issuance; the journal names `actor` (or the
    /// PKI's own actor).
    ///
    /// - Throws: `MohurError` refusedByPolicy when no Document Signer may sign this type now
    ///   (usage period over, type not in its DocumentTypeList); badInput for malformed inputs.
    ///
    /// With `requestID` (the caller's `X-Request-Id`), signing is idempotent: if an issuance was
    /// already stored for that id, it is returned (`replayed` true) and nothing is signed or
    /// journaled again. Two concurrent first attempts with one id are not expected (a caller
    /// retries after a failure); the unique index makes the second one fail rather than issue twice.
    public func sign(_ request: SODRequest, actor: AuditActor? = nil) throws -> SignedSOD {
        try sign(request, actor: actor, requestID: nil).signed
    }

    /// ``sign(_:actor:)`` keyed by the caller's request id (see above).
    public func sign(_ request: SODRequest, actor: AuditActor?, requestID: String?) throws -> (signed: SignedSOD, replayed: Bool) {
        let pki = actor.map { self.pki.acting(as: $0) } ?? self.pki
        if let requestID, let stored = try pki.repository.sodIssuance(requestID: requestID), let bytes = stored.sod {
            // Answered again, journaled again: the entry says which caller got which EF.SOD, even
            // when the first attempt's journal append was lost with the connection.
            let replayed = try pki.audited("sod.sign.replayed", target: Self.auditTarget(request), { () throws -> SignedSOD in
                guard stored.documentNumber == request.documentNumber, stored.documentType == request.documentType else {
                    throw MohurError.badInput("request id \(requestID) was used for document \(stored.documentType) \(stored.documentNumber)",
                                              hint: "a retry must resend the same document; a new document needs a new X-Request-Id")
                }
                let sod = try SODFile(encoded: bytes)
                guard let der = sod.signedData.certificates.first else { throw MohurError.system("stored EF.SOD \(stored.id) carries no certificate") }
                return SignedSOD(sod: sod, record: stored, certificate: try Certificate(derEncoded: der))
            }, details: Self.auditDetails)
            return (replayed, true)
        }
        // The issuance record and its journal entry commit together (the outbox); the entry is
        // appended after. Only failures are journaled by `auditedDirectly`.
        let target = Self.auditTarget(request)
        let (signed, intent, staged) = try pki.auditedDirectly("sod.sign", target: target, { () throws -> (SignedSOD, JournalIntent?, Int64?) in
            var signed = try signUnrecorded(request)
            if let requestID {
                signed.record.requestID = requestID
                signed.record.sod = signed.encoded
            }
            let intent = try pki.journalIntent("sod.sign", target: target, signed, details: Self.auditDetails)
            let stored = try records.submit((signed.record, intent?.stamped))
            signed.record.id = stored.id
            return (signed, intent, stored.staged)
        }, details: { _ in nil })
        try pki.appendStaged(intent.map { [$0] } ?? [], ids: staged.map { [$0] } ?? [], operation: "sod.sign")
        return (signed, false)
    }

    /// Signs a personalisation batch: each document as ``sign(_:)`` would, except that the
    /// issuance records are committed together, in one transaction, and the journal entries in
    /// one durable append. Nothing is returned before its record is stored, so a document is
    /// never released untraceable; a request that fails (bad input, refusal, HSM error) fails
    /// alone and the others are signed.
    ///
    /// - Returns: one result per request, in order.
    /// - Throws: `MohurError` system when the records cannot be stored; then no SOD of the batch
    ///   is returned, and none may be written to a chip.
    public func sign(batch requests: [SODRequest], actor: AuditActor? = nil) throws -> [Result<SignedSOD, any Error>] {
        let pki = actor.map { self.pki.acting(as: $0) } ?? self.pki
        var results = requests.map { request in Result { try signUnrecorded(request) } }
        let signed = results.indices.compactMap { index in (try? results[index].get()).map { (index, $0) } }
        var stored: (any Error)?
        var staged: (intents: [JournalIntent], ids: [Int64]) = ([], [])
        do {
            let intents = try signed.compactMap { try pki.journalIntent("sod.sign", target: Self.auditTarget(requests[$0.0]), $0.1, details: Self.auditDetails) }
            let (ids, stagedIDs) = try pki.repository.insertSODIssuances(signed.map(\.1.record), staging: intents.compactMap(\.stamped),
                                                                        at: pki.clock.now())
            staged = (intents, stagedIDs)
            for ((index, var sod), id) in zip(signed, ids) {
                sod.record.id = id
                results[index] = .success(sod)
            }
        } catch {
            let failure = MohurError.system("\(signed.count) SODs were signed but their issuance records could not be stored: \(error)",
                                            hint: "none of this batch may be written to a chip; fix the database and sign the batch again")
            results = results.map { $0.flatMap { _ in .failure(failure) } }
            stored = failure
        }
        // Successes were staged with their records; failures changed nothing and are appended now.
        let journaling = Result {
            try pki.appendStaged(staged.intents, ids: staged.ids, operation: "sod.sign")
            try pki.journal(batch: "sod.sign", zip(requests, results).map { (Self.auditTarget($0), $1) }, details: { _ in nil })
        }
        if let stored { throw stored }
        try journaling.get()
        return results
    }

    /// Journaled as an information process: document and signer, never data-group content or
    /// the holder's FIN (rules §6.9; the issuance record keeps what tracing needs).
    private static func auditTarget(_ request: SODRequest) -> String {
        "document:\(request.documentType):\(request.documentNumber)"
    }

    private static func auditDetails(_ signed: SignedSOD) -> [String: AuditValue]? {
        ["ds": .text(signed.record.dsAuthority), "ds_serial": .text(signed.record.dsSerial),
         "data_groups": .text(signed.record.dataGroupHashes.keys.sorted().map(String.init).joined(separator: ",")),
         "sod_sha256": .text(signed.record.sodSHA256)]
    }

    /// The signed EF.SOD and its issuance record, not yet stored (`record.id` is 0).
    private func signUnrecorded(_ request: SODRequest) throws -> SignedSOD {
        // Whole seconds: what signingTime carries (RFC 5652 §11.3) is what the record says.
        let now = Date(timeIntervalSince1970: pki.clock.now().timeIntervalSince1970.rounded(.down))
        let ds = try signer(for: request.documentType, now: now)
        let hash = request.hash ?? profile.hash
        let securityObject = try request.securityObject(hash: hash)
        let content = try securityObject.derEncoded()
        let builder = CMSSignedDataBuilder(
            contentType: LDSObjectIdentifier.ldsSecurityObject, content: content,
            digestAlgorithm: ds.digestAlgorithm, messageDigest: try Digest.hash(ds.scheme.digest, content),
            signingTime: try CMSSigningTime(secondsSince1970: Int64(now.timeIntervalSince1970)),
            signerIdentifier: try ds.signerIdentifier(profile.signerIdentifier),
            signatureAlgorithm: ds.signatureAlgorithm, certificates: [ds.authority.certificate.derEncoded])
        let attributes = try builder.signedAttributes()
        let signature = try ds.authority.signer.sign(attributes.encodedForSignature, scheme: ds.scheme)
        let sod = try builder.sodFile(signature: signature, signedAttributes: attributes, securityObject: securityObject)
        let record = SODIssuanceRecord(
            documentNumber: request.documentNumber, documentType: request.documentType, fin: request.fin?.value,
            dsAuthority: ds.authority.record.name, dsSerial: ds.serialHex, hashAlgorithm: hash.rawValue,
            dataGroupHashes: Dictionary(uniqueKeysWithValues: securityObject.dataGroupHashes.map {
                ($0.number.rawValue, Digest.hex($0.dataGroupHashValue))
            }),
            sodSHA256: Digest.hex(Digest.sha256(sod.encoded)), signedAt: now)
        return SignedSOD(sod: sod, record: record, certificate: ds.authority.certificate)
    }

    /// The cached Document Signer for `documentType` if it is fresh and its key usage period
    /// covers `now`; otherwise asks the PKI, which refuses with its reasons.
    private func signer(for documentType: String, now: Date) throws -> CachedSigner {
        if let cached = signers.withLock({ $0[documentType] }), cached.isUsable(at: now) { return cached }
        let fresh = try CachedSigner(authority: try pki.documentSigner(for: documentType), profile: profile, fetchedAt: now)
        signers.withLock { $0[documentType] = fresh }
        return fresh
    }
}

/// A Document Signer with what each signature needs precomputed.
struct CachedSigner: Sendable {
    let authority: IssuingAuthority
    let fetchedAt: Date
    let usageStart: Date?
    let usageEnd: Date?
    let issuerAndSerial: CMSSignerIdentifier
    let serialHex: String
    /// The signature scheme the profile gives this key, and the AlgorithmIdentifiers the
    /// SignerInfo names it by (RFC 5652 §5.3).
    let scheme: SignatureScheme
    let digestAlgorithm: CMSAlgorithmIdentifier
    let signatureAlgorithm: CMSAlgorithmIdentifier

    init(authority: IssuingAuthority, profile: SODProfile, fetchedAt: Date) throws {
        self.authority = authority
        self.fetchedAt = fetchedAt
        scheme = profile.scheme(for: authority.signer.spec)
        digestAlgorithm = CMSAlgorithmIdentifier(algorithm: scheme.digest.oid)
        signatureAlgorithm = try CMSAlgorithmIdentifier(derEncoded: scheme.algorithmIdentifierDER)
        let period = try authority.certificate.extension(OID.privateKeyUsagePeriod).map {
            try Extensions.decodePrivateKeyUsagePeriod($0.value)
        }
        usageStart = period?.notBefore
        usageEnd = period?.notAfter
        issuerAndSerial = try CMSSignerIdentifier(issuerAndSerialNumberOf: authority.certificate.derEncoded)
        serialHex = authority.certificate.serialHex
    }

    func isUsable(at now: Date) -> Bool {
        now.timeIntervalSince(fetchedAt) < DocumentSigningService.refreshInterval && now >= fetchedAt
            && (usageStart.map { now >= $0 } ?? true) && (usageEnd.map { now <= $0 } ?? true)
    }

    func signerIdentifier(_ choice: SODProfile.SignerIdentifierChoice) throws -> CMSSignerIdentifier {
        switch choice {
        case .issuerAndSerialNumber:
            return issuerAndSerial
        case .subjectKeyIdentifier:
            guard let ski = authority.certificate.subjectKeyIdentifier else {
                throw MohurError.refused("\(authority.record.name)'s certificate has no subjectKeyIdentifier to name it by",
                                         hint: "use sodSignerIdentifier issuerAndSerialNumber in the profile")
            }
            return .subjectKeyIdentifier(ski)
        }
    }
}
