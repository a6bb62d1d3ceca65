import Foundation
import MohurCore

/// IAMAS information resources (annex 2 of the operating rules).
public enum InformationResource: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case citizens = "CIT", foreigners = "FOR", borderCrossing = "BCR", restrictionList = "RST"
    case blankAccounting = "BLK", auditJournal = "AUD"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One connected agency and what it may do with each resource.
public struct Agency: Sendable, Hashable, Codable {
    public var code: String
    public var name: String
    public var nameAzerbaijani: String
    public var write: Set<InformationResource>
    public var read: Set<InformationResource>
    public var readRestricted: Set<InformationResource>
}

/// The agency access matrix (`CA/agency-access.tsv`): the source of segment CAs and of
/// per-agency permission certificates.
public struct AccessMatrix: Sendable, Hashable {
    public var agencies: [Agency]

    public static func load(path: String) throws -> AccessMatrix {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MohurError.notFound("access matrix \(path) does not exist", hint: "run from the repository root or pass --access-matrix")
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    /// Parses the tab-separated matrix: `#` comments, a header line, then
    /// code, agency, agency_az, write, read, read_restricted ("-" = none).
    public static func parse(_ text: String, source: String) throws -> AccessMatrix {
        var agencies: [Agency] = []
        var sawHeader = false
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if !sawHeader {
                guard fields.first == "code" else { throw MohurError.badInput("\(source):\(index + 1): expected the header line 'code\tagency…'") }
                sawHeader = true
                continue
            }
            guard fields.count == 6 else {
                throw MohurError.badInput("\(source):\(index + 1): expected 6 tab-separated fields, found \(fields.count)")
            }
            func resources(_ field: String) throws -> Set<InformationResource> {
                if field == "-" { return [] }
                return Set(try field.split(separator: ",").map { code in
                    guard let r = InformationResource(rawValue: String(code)) else {
                        throw MohurError.badInput("\(source):\(index + 1): unknown resource '\(code)' (known: CIT FOR BCR RST BLK AUD)")
                    }
                    return r
                })
            }
            let code = fields[0]
            guard !code.isEmpty, code.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
                throw MohurError.badInput("\(source):\(index + 1): agency code '\(code)' must be capital letters or digits")
            }
            guard !agencies.contains(where: { $0.code == code }) else {
                throw MohurError.badInput("\(source):\(index + 1): agency \(code) appears twice")
            }
            agencies.append(Agency(code: code, name: fields[1], nameAzerbaijani: fields[2], write: try resources(fields[3]),
                                   read: try resources(fields[4]), readRestricted: try resources(fields[5])))
        }
        guard !agencies.isEmpty else { throw MohurError.badInput("\(source): no agencies found") }
        return AccessMatrix(agencies: agencies)
    }

    public func agency(_ code: String) -> Agency? { agencies.first { $0.code == code } }
}
