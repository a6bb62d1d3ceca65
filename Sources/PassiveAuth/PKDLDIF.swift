import Foundation

/// An ICAO PKD download file (LDIF, RFC 2849): collection 001 (DSCs and CRLs), 002 (master
/// lists) and 003 (non-conformant DSCs). Values marked `::` are base64; lines beginning with one
/// space continue the previous line. Attribute names are compared case-insensitively, and both
/// the old names (`userCertificate;binary`, `certificateRevocationList;binary`,
/// `CscaMasterListData`) and the newer `pkd*` ones are understood.
public struct PKDLDIF: Sendable {
    /// One entry: its dn and attributes (lower-cased names → values, base64 decoded).
    public struct Entry: Sendable {
        public let dn: String
        public let attributes: [String: [[UInt8]]]

        public func values(_ names: [String]) -> [[UInt8]] { names.flatMap { attributes[$0] ?? [] } }
        public func text(_ name: String) -> String? { attributes[name]?.first.map { String(decoding: $0, as: UTF8.self) } }
    }

    static let certificateAttributes = ["usercertificate;binary", "usercertificate", "cacertificate;binary", "pkddsccertificate"]
    static let crlAttributes = ["certificaterevocationlist;binary", "certificaterevocationlist", "pkdcrl"]
    static let masterListAttributes = ["cscamasterlistdata", "pkdmasterlistcontent"]

    public let entries: [Entry]

    /// Whether `bytes` looks like LDIF (starts with `version:` or `dn:`).
    public static func looksLikeLDIF(_ bytes: [UInt8]) -> Bool {
        let head = String(decoding: bytes.prefix(16), as: UTF8.self).lowercased()
        return head.hasPrefix("version:") || head.hasPrefix("dn:")
    }

    public init(_ bytes: [UInt8]) throws(PassiveAuthError) {
        var entries: [Entry] = []
        var dn: String?
        var attributes: [String: [[UInt8]]] = [:]
        var logical: [UInt8] = []
        var lineNumber = 0

        func flushLine() throws(PassiveAuthError) {
            defer { logical.removeAll(keepingCapacity: true) }
            guard !logical.isEmpty, logical.first != UInt8(ascii: "#") else { return }
            guard let colon = logical.firstIndex(of: UInt8(ascii: ":")) else {
                throw PassiveAuthError(.badInput, "LDIF line \(lineNumber) has no ':'")
            }
            let name = String(decoding: logical[..<colon], as: UTF8.self).lowercased()
            var rest = logical[(colon + 1)...]
            let isBase64 = rest.first == UInt8(ascii: ":")
            if isBase64 { rest = rest.dropFirst() }
            while rest.first == UInt8(ascii: " ") { rest = rest.dropFirst() }
            let value: [UInt8]
            if isBase64 {
                guard let data = Data(base64Encoded: Data(rest), options: .ignoreUnknownCharacters) else {
                    throw PassiveAuthError(.badInput, "LDIF line \(lineNumber): attribute \(name) is not valid base64")
                }
                value = Array(data)
            } else {
                value = Array(rest)
            }
            if name == "dn" { dn = String(decoding: value, as: UTF8.self) } else { attributes[name, default: []].append(value) }
        }
        func flushEntry() {
            if let dn { entries.append(Entry(dn: dn, attributes: attributes)) }
            dn = nil
            attributes = [:]
        }

        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine[...]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.first == UInt8(ascii: " ") {
                logical.append(contentsOf: line.dropFirst())
                continue
            }
            try flushLine()
            if line.isEmpty { flushEntry() } else { logical.append(contentsOf: line) }
        }
        try flushLine()
        flushEntry()
        self.entries = entries
    }
}
