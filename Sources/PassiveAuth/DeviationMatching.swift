import Foundation
import LDS
import OpenSSLKit
import SwiftASN1

/// Deviations an issuing State declared (Doc 9303-12 §9) for the document being checked. Each
/// matching declaration is reported by name, with its description and the list that made it.
///
/// A declaration excuses only a fault that leaves the rest of the document authenticated: a
/// named data group whose hash or encoding is wrong (that group stays unauthenticated, the
/// others are checked), and a wrong MRZ field. A declared wrong EF.SOD or Document Signer
/// signature is reported but still fails: nothing else would authenticate the data, and a
/// forger could claim the same document number.
extension PassiveAuthenticator {
    func applyDeviations(ds: Certificate, country: String, sod: SODFile, dataGroups: [DataGroupNumber: [UInt8]],
                         into report: inout PassiveAuthReport) {
        let lists = trust.deviationLists.filter { $0.country == country }
        guard !lists.isEmpty else { return }
        let mrz = dataGroups[.dg1].flatMap { try? DG1(encoded: $0).mrz }
        for stored in lists {
            for deviation in stored.list.deviations
            where Self.matches(deviation.documents, digestAlgorithm: stored.list.digestAlgorithm, ds: ds, signingTime: report.signingTime, mrz: mrz) {
                for description in deviation.descriptions {
                    apply(description, from: stored, into: &report)
                }
            }
        }
    }

    private func apply(_ description: DeviationList.Description, from stored: TrustedDeviationList, into report: inout PassiveAuthReport) {
        let type = DeviationType(oid: description.type)
        let parameter = description.integerParameter
        var name = type?.standardName ?? description.type.description
        switch type?.parameter {
        case .dataGroup?: name += parameter.map { " (\(Self.dataGroupName($0)))" } ?? ""
        case .mrzField?, .certField?: name += parameter.map { " (field \($0))" } ?? ""
        default: break
        }
        let declared = "\(name) declared by \(stored.country)'s deviation list"
            + " (\(stored.sourceFile.split(separator: "/").last ?? ""), signed \(stored.signingTime.map(Self.day) ?? "undated"))"
            + (description.text.map { ": \($0)" } ?? "")
        var note = ""
        switch type {
        case .dgHashWrong?, .dgMalformed?:
            if let parameter, let group = DataGroupNumber(rawValue: parameter),
               report.excuse(.dataGroupHash, prefix: "\(group) ", because: "declared deviation \(name)") {
                note = "; \(group) stays unauthenticated, the other data groups were checked"
            }
        case .mrzWrongData?, .mrzWrongCheckDigit?:
            if report.excuse(.mrzMatch, prefix: "", because: "declared deviation \(name)") { note = "; the MRZ mismatch is the declared one" }
        case .sodSignatureWrong?, .dsSignature?:
            note = "; not accepted: with that signature wrong nothing authenticates the data"
        default: break
        }
        report.add(.deviation, .warn, declared + note)
    }

    static func dataGroupName(_ number: Int) -> String {
        switch number {
        case 20: "EF.SOD"
        case 21: "EF.COM"
        default: "DG\(number)"
        }
    }

    /// Whether every criterion the declaration gives holds for this document. A criterion that
    /// cannot be evaluated (no DG1 for the document number, no signingTime for the date) does not hold.
    static func matches(_ documents: DeviationList.Documents, digestAlgorithm: [UInt8]?, ds: Certificate,
                        signingTime: Date?, mrz: MRZ?) -> Bool {
        if let type = documents.documentType {
            guard let code = mrz?.fields.documentCode, trimmed(code) == trimmed(type) else { return false }
        }
        if let numbers = documents.documentNumbers {
            guard let number = mrz?.fields.documentNumber, numbers.map(trimmed).contains(trimmed(number)) else { return false }
        }
        if let from = documents.issuedFrom, let to = documents.issuedTo {
            guard let signed = signingTime, let start = date(from), let end = date(to), start <= signed, signed <= end else { return false }
        }
        switch documents.signer {
        case .issuerAndSerialNumber(let issuer, let serial)?:
            guard let name = try? DistinguishedName(derEncoded: issuer), name.normalisedKey == ds.issuer.normalisedKey,
                  SignerVerification.magnitude(serial) == SignerVerification.magnitude(ds.serialNumberBytes) else { return false }
        case .subjectKeyIdentifier(let identifier)?:
            guard ds.subjectKeyIdentifier == identifier else { return false }
        case .certificateDigest(let digest)?:
            let algorithm = digestAlgorithm.flatMap { try? CMSAlgorithmIdentifier(derEncoded: $0) }.flatMap { DigestAlgorithm(oid: $0.algorithm) } ?? .sha256
            guard (try? Digest.hash(algorithm, ds.derEncoded)) == digest else { return false }
        case nil: break
        }
        return true
    }

    private static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: CharacterSet(charactersIn: "< "))
    }

    private static func date(_ time: GeneralizedTime) -> Date? {
        var components = DateComponents(year: time.year, month: time.month, day: time.day, hour: time.hours, minute: time.minutes, second: time.seconds)
        components.timeZone = TimeZone(identifier: "UTC")
        return Calendar(identifier: .gregorian).date(from: components)
    }
}
