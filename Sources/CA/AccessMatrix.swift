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
    /// Mohur operations its certificates may carry (`CA/agency-operations.tsv`).
    public var operations: Set<MohurOperation> = []

    /// The agency's whole row: annex-2 rights and its Mohur operations. A segment CA carries it.
    public var permissions: PermissionSet { permissions(operations: operations) }
}

/// The agency access matrix (`CA/agency-access.tsv`) with the operations table
/// (`CA/agency-operations.tsv`): the source of segment CAs and of per-agency permission
/// certificates. The texts are kept as read, so that `mohur init` can lock them in the state.
public struct AccessMatrix: Sendable, Hashable {
    public var agencies: [Agency]
    /// The two tables as read (TSV), for locking at init.
    public var accessTable: String
    public var operationsTable: String

    /// The tables built into the binary (the repository's `CA/` files at build time).
    public static func embedded() throws -> AccessMatrix {
        try AccessMatrix(accessTable: EmbeddedDefaults.agencyAccess, source: "the built-in access matrix",
                         operationsTable: EmbeddedDefaults.agencyOperations, operationsSource: "the built-in operations table")
    }

    /// Reads both tables from files; a missing file is named.
    public static func load(path: String, operationsPath: String) throws -> AccessMatrix {
        try AccessMatrix(accessTable: try readText(path, what: "access matrix"), source: path,
                         operationsTable: try readText(operationsPath, what: "operations table"), operationsSource: operationsPath)
    }

    static func readText(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MohurError.notFound("\(what) \(path) does not exist", hint: "give an existing file, or leave the option out for the built-in table")
        }
        return String(decoding: data, as: UTF8.self)
    }

    public init(accessTable: String, source: String, operationsTable: String, operationsSource: String) throws {
        var matrix = try Self.parse(accessTable, source: source)
        try matrix.applyOperations(operationsTable, source: operationsSource)
        matrix.accessTable = accessTable
        matrix.operationsTable = operationsTable
        self = matrix
    }

    private init(agencies: [Agency]) {
        self.agencies = agencies
        self.accessTable = ""
        self.operationsTable = ""
    }

    /// Reads the operations table: `#` comments, the header `code\toperations`, then one row per
    /// agency of the matrix with a comma list of operations ("-" = none).
    mutating func applyOperations(_ text: String, source: String) throws {
        var seen: Set<String> = []
        for (line, fields) in try Self.rows(text, source: source, header: ["code", "operations"]) {
            guard let position = agencies.firstIndex(where: { $0.code == fields[0] }) else {
                throw MohurError.badInput("\(source):\(line): agency '\(fields[0])' is not in the access matrix")
            }
            guard seen.insert(fields[0]).inserted else { throw MohurError.badInput("\(source):\(line): agency \(fields[0]) appears twice") }
            if fields[1] != "-" {
                do {
                    agencies[position].operations = Set(try fields[1].split(separator: ",").map { try MohurOperation.parse(String($0)) })
                } catch {
                    throw MohurError.badInput("\(source):\(line): \(error)")
                }
            }
        }
        let missing = agencies.map(\.code).filter { !seen.contains($0) }
        guard missing.isEmpty else {
            throw MohurError.badInput("\(source): no row for \(missing.joined(separator: ", "))", hint: "every agency of the access matrix needs a row (\"-\" for none)")
        }
    }

    /// Parses the tab-separated matrix: `#` comments, a header line, then
    /// code, agency, agency_az, write, read, read_restricted ("-" = none).
    public static func parse(_ text: String, source: String) throws -> AccessMatrix {
        var agencies: [Agency] = []
        let header = ["code", "agency", "agency_az", "write", "read", "read_restricted"]
        for (index, fields) in try rows(text, source: source, header: header) {
            func resources(_ field: String) throws -> Set<InformationResource> {
                if field == "-" { return [] }
                return Set(try field.split(separator: ",").map { code in
                    guard let r = InformationResource(rawValue: String(code)) else {
                        throw MohurError.badInput("\(source):\(index): unknown resource '\(code)' (known: CIT FOR BCR RST BLK AUD)")
                    }
                    return r
                })
            }
            let code = fields[0]
            guard !code.isEmpty, code.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
                throw MohurError.badInput("\(source):\(index): agency code '\(code)' must be capital letters or digits")
            }
            guard !agencies.contains(where: { $0.code == code }) else {
                throw MohurError.badInput("\(source):\(index): agency \(code) appears twice")
            }
            agencies.append(Agency(code: code, name: fields[1], nameAzerbaijani: fields[2], write: try resources(fields[3]),
                                   read: try resources(fields[4]), readRestricted: try resources(fields[5])))
        }
        guard !agencies.isEmpty else { throw MohurError.badInput("\(source): no agencies found") }
        return AccessMatrix(agencies: agencies)
    }

    /// The data rows of a tab-separated table after its header line, with their 1-based line
    /// numbers; `#` lines and blank lines are skipped, and every row must have the header's
    /// number of fields.
    static func rows(_ text: String, source: String, header: [String]) throws -> [(line: Int, fields: [String])] {
        var result: [(line: Int, fields: [String])] = []
        var sawHeader = false
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if !sawHeader {
                guard fields == header else {
                    throw MohurError.badInput("\(source):\(index + 1): expected the header line '\(header.joined(separator: "\\t"))'")
                }
                sawHeader = true
                continue
            }
            guard fields.count == header.count else {
                throw MohurError.badInput("\(source):\(index + 1): expected \(header.count) tab-separated fields, found \(fields.count)")
            }
            result.append((index + 1, fields))
        }
        return result
    }

    public func agency(_ code: String) -> Agency? { agencies.first { $0.code == code } }

    /// The agency of `code`, or a bad-input error naming it and the known codes.
    public func requireAgency(_ code: String) throws(MohurError) -> Agency {
        guard let agency = agency(code) else {
            throw .badInput("unknown agency '\(code)'", hint: "agencies are \(agencies.map(\.code).joined(separator: " "))")
        }
        return agency
    }
}
