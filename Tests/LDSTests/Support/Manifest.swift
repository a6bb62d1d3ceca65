import Foundation

/// The properties MANIFEST.tsv records for a CMS file, parsed from its fourth column, e.g.
/// `CMS eContentType=2.23.136.1.1.1 digest=2.16.840.1.101.3.4.2.1 sigAlg=1.2.840.113549.1.1.1
/// certs=1 sid=issuerAndSerial LDS-SO v0 DGs=[1, 2, 12, 13, 14, 15] BER-indefinite-length`.
struct ManifestEntry: Sendable {
    let path: String
    let eContentType: String
    let digest: String
    let signatureAlgorithm: String
    let certificateCount: Int
    let signerIdentifier: String
    /// `nil` for CMS files that are not SODs.
    let securityObjectVersion: Int?
    let dataGroups: [Int]
    let berIndefiniteLength: Bool

    /// All CMS entries of MANIFEST.tsv, keyed by path.
    static func load() throws -> [String: ManifestEntry] {
        var entries: [String: ManifestEntry] = [:]
        for line in try Vectors.text("MANIFEST.tsv").split(separator: "\n").dropFirst() {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count >= 4, columns[3].hasPrefix("CMS ") else { continue }
            let path = String(columns[0])
            entries[path] = ManifestEntry(path: path, properties: String(columns[3]))
        }
        return entries
    }

    init(path: String, properties: String) {
        self.path = path
        func value(_ key: String) -> String {
            guard let start = properties.firstRange(of: "\(key)=") else { return "" }
            return String(properties[start.upperBound...].prefix { $0 != " " })
        }
        eContentType = value("eContentType")
        digest = value("digest")
        signatureAlgorithm = value("sigAlg")
        certificateCount = Int(value("certs")) ?? -1
        signerIdentifier = value("sid")
        if let range = properties.firstRange(of: "LDS-SO v") {
            securityObjectVersion = properties[range.upperBound...].first?.wholeNumberValue
        } else {
            securityObjectVersion = nil
        }
        if let open = properties.firstRange(of: "DGs=["),
           let close = properties[open.upperBound...].firstIndex(of: "]") {
            dataGroups = properties[open.upperBound..<close].split(separator: ",").compactMap {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
        } else {
            dataGroups = []
        }
        berIndefiniteLength = properties.contains("BER-indefinite-length")
    }
}
