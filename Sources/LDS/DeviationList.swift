import SwiftASN1

/// The eContent of a deviation list (Doc 9303-12 §9, module `DeviationList`, IMPLICIT TAGS):
/// an issuing State declares documents that deviate from Doc 9303, so that receiving States
/// can tell a known defect from a forgery. Signed as CMS SignedData under eContentType
/// ``LDSObjectIdentifier/deviationList`` by a Deviation List Signer.
/// ```
/// DeviationList ::= SEQUENCE {
///     version          INTEGER {v0(0)},
///     digestAlgorithm  AlgorithmIdentifier OPTIONAL,   -- of certificateDigest below
///     deviations       SET OF Deviation }
/// Deviation ::= SEQUENCE { documents DeviationDocuments, descriptions SET OF DeviationDescription }
/// ```
public struct DeviationList: Sendable, Hashable {
    /// The AlgorithmIdentifier (complete DER) of ``SignerIdentifier/certificateDigest`` values.
    public var digestAlgorithm: [UInt8]?
    public var deviations: [Deviation]

    public init(digestAlgorithm: [UInt8]? = nil, deviations: [Deviation]) {
        self.digestAlgorithm = digestAlgorithm
        self.deviations = deviations
    }

    public struct Deviation: Sendable, Hashable {
        public var documents: Documents
        public var descriptions: [Description]
        public init(documents: Documents, descriptions: [Description]) {
            self.documents = documents
            self.descriptions = descriptions
        }
    }

    /// Which documents deviate; every criterion given must hold (Doc 9303-12 §9.2):
    /// ```
    /// DeviationDocuments ::= SEQUENCE {
    ///     documentType     [0] PrintableString (SIZE(2)) OPTIONAL,
    ///     dscIdentifier    DocumentSignerIdentifier OPTIONAL,
    ///     issuingDate      [4] IssuancePeriod OPTIONAL,
    ///     documentNumbers  [5] SET OF PrintableString OPTIONAL }
    /// ```
    public struct Documents: Sendable, Hashable {
        public var documentType: String?
        public var signer: SignerIdentifier?
        /// IssuancePeriod ::= SEQUENCE { firstIssued GeneralizedTime, lastIssued GeneralizedTime }
        public var issuedFrom: GeneralizedTime?
        public var issuedTo: GeneralizedTime?
        public var documentNumbers: [String]?
        public init(documentType: String? = nil, signer: SignerIdentifier? = nil, issuedFrom: GeneralizedTime? = nil,
                    issuedTo: GeneralizedTime? = nil, documentNumbers: [String]? = nil) {
            self.documentType = documentType
            self.signer = signer
            self.issuedFrom = issuedFrom
            self.issuedTo = issuedTo
            self.documentNumbers = documentNumbers
        }
    }

    /// DocumentSignerIdentifier ::= CHOICE { issuerAndSerialNumber [1] IssuerAndSerialNumber,
    /// subjectKeyIdentifier [2] SubjectKeyIdentifier, certificateDigest [3] Digest }
    public enum SignerIdentifier: Sendable, Hashable {
        /// The issuer `Name` (complete DER) and the serial number's content octets.
        case issuerAndSerialNumber(issuer: [UInt8], serialNumber: [UInt8])
        case subjectKeyIdentifier([UInt8])
        case certificateDigest([UInt8])
    }

    /// ```
    /// DeviationDescription ::= SEQUENCE {
    ///     description    PrintableString OPTIONAL,
    ///     deviationType  OBJECT IDENTIFIER,
    ///     parameters     [0] ANY DEFINED BY deviationType OPTIONAL,
    ///     nationalUse    [1] ANY OPTIONAL }
    /// ```
    public struct Description: Sendable, Hashable {
        public var text: String?
        public var type: ASN1ObjectIdentifier
        /// The complete DER of the parameter value (an INTEGER Datagroup or MRZField, a CertField).
        public var parameters: [UInt8]?
        public var nationalUse: [UInt8]?
        public init(text: String?, type: ASN1ObjectIdentifier, parameters: [UInt8]? = nil, nationalUse: [UInt8]? = nil) {
            self.text = text
            self.type = type
            self.parameters = parameters
            self.nationalUse = nationalUse
        }

        /// The small INTEGER parameter (Datagroup, MRZField, CertificateBodyField), if that is what it holds.
        public var integerParameter: Int? {
            guard let parameters, let element = try? BERTLV.decode(parameters, structure: "parameters"),
                  let value = try? element.smallInteger("parameter") else { return nil }
            return value
        }
    }

    // MARK: encoding

    /// The DER of the list, SET OF members in DER order (X.690 §11.6).
    public func derEncoded() throws(LDSError) -> [UInt8] {
        do {
            var fields: [DERTree] = [.integer(0)]
            if let digestAlgorithm { fields.append(.encoded(digestAlgorithm)) }
            fields.append(Self.set(try deviations.map { try $0.tree().bytes }))
            return DERTree.constructed(.sequence, fields).bytes
        } catch let error as LDSError {
            throw error
        } catch {
            throw LDSError(.encodingFailed, structure: "DeviationList", reason: "DER encoding failed: \(error)",
                           remedy: "Check the deviations' dates, identifiers and parameters.")
        }
    }

    static func set(_ members: [[UInt8]]) -> DERTree {
        .constructed(.set, CMSSignedDataBuilder.derSetOrder(members).map(DERTree.encoded))
    }

    static func printable(_ text: String, tag: TLVTag = TLVTag(unchecked: 0x13), _ what: String) throws(LDSError) -> DERTree {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?".utf8)
        guard text.utf8.allSatisfy(allowed.contains) else {
            throw LDSError(.invalidValue, structure: "DeviationList", reason: "\(what) '\(text)' has characters a PrintableString cannot hold (X.680 §41.4)",
                           remedy: "Use Latin letters, digits, spaces and ' ( ) + , - . / : = ? only.")
        }
        return .leaf(tag, Array(text.utf8))
    }
}

extension DeviationList.Deviation {
    func tree() throws -> DERTree {
        var documentFields: [DERTree] = []
        if let type = documents.documentType {
            documentFields.append(try DeviationList.printable(type, tag: TLVTag(unchecked: 0x80), "documentType"))
        }
        switch documents.signer {
        case .issuerAndSerialNumber(let issuer, let serial)?:
            documentFields.append(.constructed(TLVTag(unchecked: 0xA1), [.encoded(issuer), .leaf(.integer, serial)]))
        case .subjectKeyIdentifier(let identifier)?: documentFields.append(.leaf(TLVTag(unchecked: 0x82), identifier))
        case .certificateDigest(let digest)?: documentFields.append(.leaf(TLVTag(unchecked: 0x83), digest))
        case nil: break
        }
        if let from = documents.issuedFrom, let to = documents.issuedTo {
            var first = DER.Serializer(), last = DER.Serializer()
            try first.serialize(from)
            try last.serialize(to)
            documentFields.append(.constructed(TLVTag(unchecked: 0xA4), [.encoded(first.serializedBytes), .encoded(last.serializedBytes)]))
        }
        if let numbers = documents.documentNumbers {
            let members = try numbers.map { try DeviationList.printable($0, "document number").bytes }
            documentFields.append(.constructed(TLVTag(unchecked: 0xA5), CMSSignedDataBuilder.derSetOrder(members).map(DERTree.encoded)))
        }
        let descriptionMembers = try descriptions.map { description in
            var fields: [DERTree] = []
            if let text = description.text { fields.append(try DeviationList.printable(text, "description")) }
            fields.append(try .objectIdentifier(description.type))
            if let parameters = description.parameters { fields.append(.constructed(.contextConstructed0, [.encoded(parameters)])) }
            if let national = description.nationalUse { fields.append(.constructed(.contextConstructed1, [.encoded(national)])) }
            return DERTree.constructed(.sequence, fields).bytes
        }
        return .constructed(.sequence, [.constructed(.sequence, documentFields), DeviationList.set(descriptionMembers)])
    }
}

// MARK: decoding

extension DeviationList {
    /// Decodes the eContent of a deviation list. Unknown elements of DeviationDocuments are
    /// refused rather than skipped: a criterion not understood would widen the match.
    public init(derEncoded bytes: [UInt8]) throws(LDSError) {
        let root = try BERTLV.decode(bytes, structure: "DeviationList")
        try root.expectTag(.sequence, "DeviationList SEQUENCE")
        let fields = try root.children()
        try BERTLV.require(fields, count: 2, in: root, "DeviationList")
        let version = try fields[0].labelled("DeviationList.version").smallInteger("version")
        guard version == 0 else {
            throw LDSError(.invalidValue, structure: "DeviationList", offset: fields[0].offset,
                           reason: "version is \(version); only v0 (0) is defined (Doc 9303-12 §9.2)", remedy: "Ask the issuing State for a v0 list.")
        }
        let hasAlgorithm = fields.count == 3
        digestAlgorithm = hasAlgorithm ? Array(fields[1].encoded) : nil
        let set = fields[hasAlgorithm ? 2 : 1].labelled("DeviationList.deviations")
        try set.expectTag(.set, "deviations SET OF")
        deviations = try set.children().map { element throws(LDSError) in try Deviation(element.labelled("Deviation")) }
    }
}

extension DeviationList.Deviation {
    init(_ element: BERTLV) throws(LDSError) {
        try element.expectTag(.sequence, "Deviation SEQUENCE")
        let parts = try element.children()
        try BERTLV.require(parts, count: 2, in: element, "Deviation")
        let documentsElement = parts[0].labelled("DeviationDocuments")
        try documentsElement.expectTag(.sequence, "DeviationDocuments SEQUENCE")
        var documents = DeviationList.Documents()
        for field in try documentsElement.children() {
            switch field.tag.rawValue {
            case 0x80: documents.documentType = String(decoding: field.value, as: UTF8.self)
            case 0xA1:
                let inner = try field.children()
                try BERTLV.require(inner, count: 2, in: field, "issuerAndSerialNumber")
                documents.signer = .issuerAndSerialNumber(issuer: Array(inner[0].encoded), serialNumber: try inner[1].integerContent("serialNumber"))
            case 0x82: documents.signer = .subjectKeyIdentifier(Array(field.value))
            case 0x83: documents.signer = .certificateDigest(Array(field.value))
            case 0xA4:
                let times = try field.children()
                try BERTLV.require(times, count: 2, in: field, "IssuancePeriod")
                documents.issuedFrom = try Self.time(times[0])
                documents.issuedTo = try Self.time(times[1])
            case 0xA5: documents.documentNumbers = try field.children().map { String(decoding: $0.value, as: UTF8.self) }
            default:
                throw LDSError(.unexpectedTag, structure: field.structure, offset: field.offset,
                               reason: "DeviationDocuments holds an element with tag \(field.tag), which Doc 9303-12 §9.2 does not define",
                               remedy: "A criterion not understood cannot be applied; ask the issuing State for a conforming list.")
            }
        }
        let descriptionSet = parts[1].labelled("descriptions")
        try descriptionSet.expectTag(.set, "descriptions SET OF")
        let descriptions = try descriptionSet.children().map { item throws(LDSError) -> DeviationList.Description in
            try item.expectTag(.sequence, "DeviationDescription SEQUENCE")
            var text: String?
            var type: ASN1ObjectIdentifier?
            var parameters: [UInt8]?
            var national: [UInt8]?
            for field in try item.children() {
                switch field.tag.rawValue {
                case 0x13, 0x0C: text = String(decoding: field.value, as: UTF8.self)
                case 0x06: type = try field.objectIdentifier("deviationType")
                case 0xA0: parameters = try field.children().first.map { Array($0.encoded) }
                case 0xA1: national = Array(field.value)
                default: break
                }
            }
            guard let type else {
                throw LDSError(.missingElement, structure: item.structure, offset: item.offset,
                               reason: "a DeviationDescription has no deviationType", remedy: "Ask the issuing State for a conforming list.")
            }
            return DeviationList.Description(text: text, type: type, parameters: parameters, nationalUse: national)
        }
        self.init(documents: documents, descriptions: descriptions)
    }

    static func time(_ element: BERTLV) throws(LDSError) -> GeneralizedTime {
        do {
            return try GeneralizedTime(derEncoded: Array(element.encoded))
        } catch {
            throw LDSError(.invalidValue, structure: element.structure, offset: element.offset,
                           reason: "an IssuancePeriod time is not a DER GeneralizedTime: \(error)", remedy: "Ask the issuing State for a conforming list.")
        }
    }
}

/// The deviation types of Doc 9303-12 §9.2 (`id-icao-DeviationList` = 2.23.136.1.1.7), with the
/// parameter each takes.
public enum DeviationType: String, Sendable, CaseIterable {
    case certOrKey = "cert-or-key", dsSignature = "ds-signature", dsEncoding = "ds-encoding"
    case cscaEncoding = "csca-encoding", aaKeyCompromised = "aa-key-compromised"
    case lds, dgMalformed = "dg-malformed", dgHashWrong = "dg-hash-wrong"
    case sodSignatureWrong = "sod-signature-wrong", comInconsistent = "com-inconsistent"
    case mrz, mrzWrongData = "mrz-wrong-data", mrzWrongCheckDigit = "mrz-wrong-check-digit"
    case chip, nationalUse = "national-use"

    public enum Parameter: Sendable { case none, dataGroup, mrzField, certField }

    public var oid: ASN1ObjectIdentifier {
        let arc: [UInt] = switch self {
        case .certOrKey: [1]
        case .dsSignature: [1, 1]
        case .dsEncoding: [1, 2]
        case .cscaEncoding: [1, 3]
        case .aaKeyCompromised: [1, 4]
        case .lds: [2]
        case .dgMalformed: [2, 1]
        case .dgHashWrong: [2, 2]
        case .sodSignatureWrong: [2, 3]
        case .comInconsistent: [2, 4]
        case .mrz: [3]
        case .mrzWrongData: [3, 1]
        case .mrzWrongCheckDigit: [3, 2]
        case .chip: [4]
        case .nationalUse: [5]
        }
        return (try? ASN1ObjectIdentifier(elements: LDSObjectIdentifier.deviationList.oidComponents + arc)) ?? LDSObjectIdentifier.deviationList
    }

    public var parameter: Parameter {
        switch self {
        case .dgMalformed, .dgHashWrong: .dataGroup
        case .mrzWrongData, .mrzWrongCheckDigit: .mrzField
        case .dsEncoding, .cscaEncoding: .certField
        default: .none
        }
    }

    /// The Doc 9303-12 name, `id-Deviation-…`.
    public var standardName: String {
        switch self {
        case .certOrKey: "id-Deviation-CertOrKey"
        case .dsSignature: "id-Deviation-CertOrKey-DSSignature"
        case .dsEncoding: "id-Deviation-CertOrKey-DSEncoding"
        case .cscaEncoding: "id-Deviation-CertOrKey-CSCAEncoding"
        case .aaKeyCompromised: "id-Deviation-CertOrKey-AAKeyCompromised"
        case .lds: "id-Deviation-LDS"
        case .dgMalformed: "id-Deviation-LDS-DGMalformed"
        case .dgHashWrong: "id-Deviation-LDS-DGHashWrong"
        case .sodSignatureWrong: "id-Deviation-LDS-SODSignatureWrong"
        case .comInconsistent: "id-Deviation-LDS-COMInconsistent"
        case .mrz: "id-Deviation-MRZ"
        case .mrzWrongData: "id-Deviation-MRZ-WrongData"
        case .mrzWrongCheckDigit: "id-Deviation-MRZ-WrongCheckDigit"
        case .chip: "id-Deviation-Chip"
        case .nationalUse: "id-Deviation-NationalUse"
        }
    }

    public init?(oid: ASN1ObjectIdentifier) {
        guard let found = Self.allCases.first(where: { $0.oid == oid }) else { return nil }
        self = found
    }
}
