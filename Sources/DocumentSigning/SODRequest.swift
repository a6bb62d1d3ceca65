import LDS
import MohurCore
import OpenSSLKit

/// What an issuing centre asks to have signed: one document's data groups (or their hashes),
/// its type and number, optionally EF.COM and the holder's FIN.
public struct SODRequest: Sendable {
    /// The data groups to cover.
    public enum DataGroups: Sendable {
        /// Complete data group files (tag, length and value), hashed here (Doc 9303-10
        /// §4.6.2.2: the hash covers the whole EF).
        case files([DataGroupNumber: [UInt8]])
        /// Hashes the personalisation system computed, with the request's hash algorithm.
        case hashes([DataGroupNumber: [UInt8]])
    }

    /// Document type code as in the MRZ and the DocumentTypeList ("P", "I", …).
    public let documentType: String
    public let documentNumber: String
    public let dataGroups: DataGroups
    /// EF.COM of the same chip: its tag list must name exactly the data groups given, and LDS
    /// version 1.8 or later makes the security object v1 with LDSVersionInfo.
    public let com: EFCOM?
    public let fin: FIN?
    /// Overrides the profile's hash (SHA-256, SHA-384 or SHA-512).
    public let hash: DigestAlgorithm?

    /// Checks the document type (1–2 capitals, Doc 9303-3 §4.2.2), the document number (1–22
    /// capitals and digits) and the hash.
    public init(documentType: String, documentNumber: String, dataGroups: DataGroups, com: EFCOM? = nil,
                fin: FIN? = nil, hash: DigestAlgorithm? = nil) throws {
        guard (1...2).contains(documentType.utf8.count), documentType.utf8.allSatisfy({ (0x41...0x5A).contains($0) }) else {
            throw MohurError.badInput("document type '\(documentType)' must be 1–2 capital letters", hint: "e.g. P (passport), I (ID card)")
        }
        guard (1...22).contains(documentNumber.utf8.count),
              documentNumber.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }) else {
            throw MohurError.badInput("document number '\(documentNumber)' must be 1–22 capital letters and digits",
                                      hint: "give the number as printed in the MRZ, without '<' fillers")
        }
        if let hash, !SODProfile.signingHashes.contains(hash) {
            throw MohurError.badInput("hash \(hash.rawValue) is not one Mohur signs with", hint: "use SHA-256, SHA-384 or SHA-512")
        }
        self.documentType = documentType
        self.documentNumber = documentNumber
        self.dataGroups = dataGroups
        self.com = com
        self.fin = fin
        self.hash = hash
    }

    /// The LDS security object over the data groups (Doc 9303-10 §4.6.2.2): v0, or v1 with
    /// LDSVersionInfo when EF.COM declares LDS 1.8 or later; hashes in data group order.
    func securityObject(hash: DigestAlgorithm) throws -> LDSSecurityObject {
        let hashes = try dataGroupHashes(hash)
        for required in [DataGroupNumber.dg1, .dg2] where hashes[required] == nil {
            throw MohurError.badInput("no \(required) was given; every eMRTD carries DG1 (MRZ) and DG2 (face), Doc 9303-10 §4.7")
        }
        if let com {
            let listed = Set(com.dataGroups), given = Set(hashes.keys)
            guard listed == given else {
                throw MohurError.badInput("EF.COM lists \(Self.names(listed)) but the data groups given are \(Self.names(given))",
                                          hint: "give every data group EF.COM names, and no other")
            }
        }
        let info = com.flatMap { $0.ldsVersion >= .v1_8 ? LDSVersionInfo(lds: $0.ldsVersion, unicode: $0.unicodeVersion) : nil }
        let entries = hashes.sorted { $0.key < $1.key }.map { DataGroupHash(number: $0.key, dataGroupHashValue: $0.value) }
        do {
            return try LDSSecurityObject(hashAlgorithm: CMSAlgorithmIdentifier(algorithm: hash.oid), dataGroupHashes: entries,
                                         ldsVersionInfo: info)
        } catch {
            throw MohurError.badInput("the data groups do not make a valid LDS security object: \(error)")
        }
    }

    private func dataGroupHashes(_ hash: DigestAlgorithm) throws -> [DataGroupNumber: [UInt8]] {
        switch dataGroups {
        case .files(let files):
            var result: [DataGroupNumber: [UInt8]] = [:]
            for (number, bytes) in files.sorted(by: { $0.key < $1.key }) {
                do {
                    result[number] = try Digest.hash(hash, DataGroup(number: number, encoded: bytes).encoded)
                } catch let error as LDSError {
                    throw MohurError.badInput("the \(number) file is not a \(number) data group: \(error)")
                }
            }
            return result
        case .hashes(let given):
            if let wrong = given.first(where: { $0.value.count != hash.outputLength }) {
                throw MohurError.badInput("the \(wrong.key) hash has \(wrong.value.count) bytes; \(hash.rawValue) gives \(hash.outputLength)")
            }
            return given
        }
    }

    private static func names(_ numbers: Set<DataGroupNumber>) -> String {
        numbers.isEmpty ? "none" : numbers.sorted().map(\.description).joined(separator: ", ")
    }
}
