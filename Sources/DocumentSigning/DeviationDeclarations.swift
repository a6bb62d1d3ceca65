import CA
import Foundation
import LDS
import MohurCore
import SwiftASN1

/// The officer's description of our deviations (`mohur dl sign --from deviations.json`), turned
/// into a ``DeviationList`` (Doc 9303-12 §9.2). A Document Signer is named by the serial number
/// of a certificate Mohur issued; Mohur writes it as issuerAndSerialNumber.
/// ```json
/// {"deviations": [{
///    "documentType": "P", "documentSigner": "4F1A…", "issuedFrom": "2026-01-05", "issuedTo": "2026-02-10",
///    "documentNumbers": ["C01234567"],
///    "descriptions": [{"type": "dg-hash-wrong", "dataGroup": 2, "description": "DG2 hash over padded image"}]}]}
/// ```
public struct DeviationDeclarations: Codable, Sendable {
    public var deviations: [Entry]
    /// The file the declarations came from, for messages.
    public var source = "the declarations"

    enum CodingKeys: String, CodingKey { case deviations }

    public struct Entry: Codable, Sendable {
        public var documentType: String?
        public var documentSigner: String?
        public var issuedFrom: String?
        public var issuedTo: String?
        public var documentNumbers: [String]?
        public var descriptions: [Item]
    }

    public struct Item: Codable, Sendable {
        /// A ``DeviationType`` name (`dg-hash-wrong`, …) or a dotted OID under 2.23.136.1.1.7.
        public var type: String
        public var description: String?
        public var dataGroup: Int?
        /// MRZField (Doc 9303-12 §9.2): 0 generic … 9 optionalData.
        public var mrzField: Int?
        /// CertField: a CertificateBodyField number (0 generic … 9 subjectUniqueID) or an extension OID.
        public var certField: String?
    }

    public static func decode(_ bytes: [UInt8], name: String) throws -> DeviationDeclarations {
        do {
            var declarations = try JSONDecoder().decode(DeviationDeclarations.self, from: Data(bytes))
            guard !declarations.deviations.isEmpty else { throw MohurError.badInput("\(name) declares no deviation") }
            declarations.source = name
            return declarations
        } catch let error as MohurError {
            throw error
        } catch {
            throw MohurError.badInput("\(name) is not a deviation declaration: \(error)",
                                      hint: #"expected {"deviations":[{"documentSigner":"SERIAL","descriptions":[{"type":"dg-hash-wrong","dataGroup":2}]}]}"#)
        }
    }

    /// The list, with each Document Signer serial resolved among the certificates `pki` issued.
    public func list(pki: PKI) throws -> DeviationList {
        let list = try DeviationList(deviations: deviations.enumerated().map { index, entry in
            let place = "\(source), deviation \(index + 1)"
            if let type = entry.documentType, !(1...2).contains(type.count) || !type.allSatisfy({ $0.isASCII && $0.isUppercase }) {
                throw MohurError.badInput("\(place): documentType '\(type)' is not a document code of one or two capitals (P, PD, I, …)")
            }
            // PrintableString (SIZE(2)) has no '<': a one-letter code is padded with a space.
            let code = entry.documentType.map { $0.count == 1 ? $0 + " " : $0 }
            var documents = DeviationList.Documents(documentType: code, documentNumbers: entry.documentNumbers)
            if let serial = entry.documentSigner {
                let found = try pki.repository.certificates(serial: serial)
                guard let record = found.first(where: { $0.role == CertificateRole.documentSigner.rawValue }) else {
                    throw MohurError.badInput("\(place): no Document Signer certificate with serial \(serial)", hint: "see `mohur cert list --role document-signer`")
                }
                guard case .issuerAndSerialNumber(let issuer, let number) = try CMSSignerIdentifier(issuerAndSerialNumberOf: record.der) else {
                    throw MohurError.system("cannot name the certificate \(serial)")
                }
                documents.signer = .issuerAndSerialNumber(issuer: issuer, serialNumber: number)
            }
            switch (entry.issuedFrom, entry.issuedTo) {
            case (let from?, let to?):
                documents.issuedFrom = try Self.time(from, endOfDay: false, place)
                documents.issuedTo = try Self.time(to, endOfDay: true, place)
            case (nil, nil): break
            default: throw MohurError.badInput("\(place): give both issuedFrom and issuedTo, or neither")
            }
            guard documents.documentType != nil || documents.signer != nil || documents.issuedFrom != nil || documents.documentNumbers != nil else {
                throw MohurError.badInput("\(place) names no documents", hint: "give documentType, documentSigner, issuedFrom/issuedTo or documentNumbers; a deviation for every document is not allowed")
            }
            guard !entry.descriptions.isEmpty else { throw MohurError.badInput("\(place) has no descriptions") }
            let deviation = DeviationList.Deviation(documents: documents, descriptions: try entry.descriptions.map { try $0.description(place) })
            do { _ = try DeviationList(deviations: [deviation]).derEncoded() } catch let error as LDSError {
                throw MohurError.badInput("\(place): \(error.reason)", hint: error.remedy)
            }
            return deviation
        })
        return list
    }

    static func time(_ text: String, endOfDay: Bool, _ place: String) throws -> GeneralizedTime {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else {
            throw MohurError.badInput("\(place): '\(text)' is not a date YYYY-MM-DD")
        }
        return try GeneralizedTime(year: parts[0], month: parts[1], day: parts[2], hours: endOfDay ? 23 : 0,
                                   minutes: endOfDay ? 59 : 0, seconds: endOfDay ? 59 : 0, fractionalSeconds: 0)
    }
}

extension DeviationDeclarations.Item {
    func description(_ place: String) throws -> DeviationList.Description {
        let kind: DeviationType? = DeviationType(rawValue: type)
        let oid: ASN1ObjectIdentifier
        if let kind {
            oid = kind.oid
        } else if let dotted = try? ASN1ObjectIdentifier(dotRepresentation: type), dotted.oidComponents.starts(with: LDSObjectIdentifier.deviationList.oidComponents) {
            oid = dotted
        } else {
            throw MohurError.badInput("\(place): deviation type '\(type)' is unknown",
                                      hint: "one of \(DeviationType.allCases.map(\.rawValue).joined(separator: ", ")), or an OID under 2.23.136.1.1.7")
        }
        var serializer = DER.Serializer()
        switch kind?.parameter ?? .none {
        case .dataGroup:
            guard let dg = dataGroup, (1...16).contains(dg) || dg == 20 || dg == 21 else {
                throw MohurError.badInput("\(place): \(type) needs \"dataGroup\": 1…16, 20 (SOD) or 21 (COM)")
            }
            try serializer.serialize(dg)
        case .mrzField:
            guard let field = mrzField, (0...9).contains(field) else {
                throw MohurError.badInput("\(place): \(type) needs \"mrzField\": 0 generic, 1 documentCode, 2 issuingState, 3 personName, "
                                          + "4 documentNumber, 5 nationality, 6 dateOfBirth, 7 sex, 8 dateOfExpiry, 9 optionalData")
            }
            try serializer.serialize(field)
        case .certField:
            if let text = certField, let body = Int(text), (0...9).contains(body) {
                try serializer.serialize(body)
            } else if let text = certField, let extensionOID = try? ASN1ObjectIdentifier(dotRepresentation: text) {
                try serializer.serialize(extensionOID)
            } else {
                throw MohurError.badInput("\(place): \(type) needs \"certField\": a body field 0…9 or an extension OID")
            }
        case .none: break
        }
        let parameters = serializer.serializedBytes
        return DeviationList.Description(text: description, type: oid, parameters: parameters.isEmpty ? nil : parameters)
    }
}
