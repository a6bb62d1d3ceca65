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
    public let record: SODIssuanceRecord
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

    public init(pki: PKI) throws {
        self.pki = pki
        self.profile = try SODProfile(pki.profile.documentSigner)
    }

    /// Signs one document's EF.SOD and records the issuance.
    ///
    /// - Throws: `MohurError` refusedByPolicy when no Document Signer may sign this type now
    ///   (usage period over, type not in its DocumentTypeList); badInput for malformed inputs.
    public func sign(_ request: SODRequest) throws -> SignedSOD {
        // Journaled as an information process: document and signer, never data-group content
        // or the holder's FIN (rules §6.9; the issuance record keeps what tracing needs).
        try pki.audited("sod.sign", target: "document:\(request.documentType):\(request.documentNumber)") {
            try signUnaudited(request)
        } details: { signed in
            ["ds": .text(signed.record.dsAuthority), "ds_serial": .text(signed.record.dsSerial),
             "data_groups": .text(signed.record.dataGroupHashes.keys.sorted().map(String.init).joined(separator: ",")),
             "sod_sha256": .text(signed.record.sodSHA256)]
        }
    }

    private func signUnaudited(_ request: SODRequest) throws -> SignedSOD {
        // Whole seconds: what signingTime carries (RFC 5652 §11.3) is what the record says.
        let now = Date(timeIntervalSince1970: pki.clock.now().timeIntervalSince1970.rounded(.down))
        let ds = try signer(for: request.documentType, now: now)
        let hash = request.hash ?? profile.hash
        let securityObject = try request.securityObject(hash: hash)
        let content = try securityObject.derEncoded()
        let scheme = profile.scheme(for: ds.authority.signer.spec)
        let builder = CMSSignedDataBuilder(
            contentType: LDSObjectIdentifier.ldsSecurityObject, content: content,
            digestAlgorithm: CMSAlgorithmIdentifier(algorithm: scheme.digest.oid),
            messageDigest: try Digest.hash(scheme.digest, content), signingTime: try CMSSigningTime(now),
            signerIdentifier: try ds.signerIdentifier(profile.signerIdentifier),
            signatureAlgorithm: try CMSAlgorithmIdentifier(derEncoded: scheme.algorithmIdentifierDER),
            certificates: [ds.authority.certificate.derEncoded])
        let signature = try ds.authority.signer.sign(try builder.signedAttributesForSignature(), scheme: scheme)
        let sod = try builder.sodFile(signature: signature, securityObject: securityObject)
        var record = SODIssuanceRecord(
            documentNumber: request.documentNumber, documentType: request.documentType, fin: request.fin?.value,
            dsAuthority: ds.authority.record.name, dsSerial: ds.authority.certificate.serialHex, hashAlgorithm: hash.rawValue,
            dataGroupHashes: Dictionary(uniqueKeysWithValues: sod.ldsSecurityObject.dataGroupHashes.map {
                ($0.number.rawValue, Digest.hex($0.dataGroupHashValue))
            }),
            sodSHA256: Digest.hex(Digest.sha256(sod.encoded)), signedAt: now)
        record.id = try pki.repository.insertSODIssuance(record)
        return SignedSOD(sod: sod, record: record, certificate: ds.authority.certificate)
    }

    /// The cached Document Signer for `documentType` if it is fresh and its key usage period
    /// covers `now`; otherwise asks the PKI, which refuses with its reasons.
    private func signer(for documentType: String, now: Date) throws -> CachedSigner {
        if let cached = signers.withLock({ $0[documentType] }), cached.isUsable(at: now) { return cached }
        let fresh = try CachedSigner(authority: try pki.documentSigner(for: documentType), fetchedAt: now)
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

    init(authority: IssuingAuthority, fetchedAt: Date) throws {
        self.authority = authority
        self.fetchedAt = fetchedAt
        let period = try authority.certificate.extension(OID.privateKeyUsagePeriod).map {
            try Extensions.decodePrivateKeyUsagePeriod($0.value)
        }
        usageStart = period?.notBefore
        usageEnd = period?.notAfter
        issuerAndSerial = try CMSSignerIdentifier(issuerAndSerialNumberOf: authority.certificate.derEncoded)
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

extension CMSSigningTime {
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }()

    /// `date` in UTC, whole seconds (RFC 5652 §11.3).
    init(_ date: Date) throws {
        let c = Self.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        try self.init(year: c.year ?? 0, month: c.month ?? 0, day: c.day ?? 0,
                      hours: c.hour ?? 0, minutes: c.minute ?? 0, seconds: c.second ?? 0)
    }
}
