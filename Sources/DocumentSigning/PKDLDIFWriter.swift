import Foundation
import Storage

/// Writes LDIF (RFC 2849) in the layout of the ICAO PKD download: entries under
/// `c=CC,dc=data,dc=download,dc=pkd,dc=icao,dc=int` in `o=dsc` (Document Signers), `o=csca`
/// (our CSCA and link certificates), `o=crl`, and `o=ml` (master lists), each with `pkdVersion`.
/// Binary values are base64 (`::`), lines fold at 76 columns with a leading space, and a
/// distinguished name that is not plain ASCII is given in base64 too (RFC 2849 §2).
public struct PKDLDIFWriter: Sendable {
    public let version: Int
    public private(set) var text = "version: 1\n"

    public init(version: Int) { self.version = version }

    private func suffix(_ country: String) -> String { "c=\(country),dc=data,dc=download,dc=pkd,dc=icao,dc=int" }

    /// A certificate in collection `o=dsc` or `o=csca`.
    public mutating func certificate(der: [UInt8], subject: String, serial: String, collection: String, country: String) {
        entry(dn: "cn=\(Self.escaped(subject))+sn=\(serial),o=\(collection),\(suffix(country))", [
            ("objectClass", "top"), ("objectClass", "person"), ("objectClass", "organizationalPerson"),
            ("objectClass", "inetOrgPerson"), ("objectClass", "pkdDownload"),
            ("cn", subject), ("sn", serial),
        ], binary: [("userCertificate;binary", der)])
    }

    mutating func certificate(_ record: CertificateRecord, collection: String, country: String) {
        certificate(der: record.der, subject: record.subject, serial: record.serial, collection: collection, country: country)
    }

    public mutating func crl(_ der: [UInt8], issuer: String, country: String) {
        entry(dn: "cn=\(Self.escaped(issuer)),o=crl,\(suffix(country))", [
            ("objectClass", "top"), ("objectClass", "cRLDistributionPoint"), ("objectClass", "pkdDownload"), ("cn", issuer),
        ], binary: [("certificateRevocationList;binary", der)])
    }

    public mutating func masterList(_ der: [UInt8], country: String) {
        entry(dn: "cn=CSCA Master List \(country)+sn=\(version),o=ml,\(suffix(country))", [
            ("objectClass", "top"), ("objectClass", "person"), ("objectClass", "pkdMasterList"), ("objectClass", "pkdDownload"),
            ("cn", "CSCA Master List \(country)"), ("sn", String(version)),
        ], binary: [("pkdMasterListContent", der)])
    }

    private mutating func entry(dn: String, _ attributes: [(String, String)], binary: [(String, [UInt8])]) {
        text += "\n" + line("dn", dn)
        for (name, value) in attributes { text += line(name, value) }
        text += line("pkdVersion", String(version))
        for (name, value) in binary { text += Self.fold("\(name):: \(Data(value).base64EncodedString())") }
    }

    /// `name: value`, or `name:: base64` when the value is not a SAFE-STRING (RFC 2849 §2).
    private func line(_ name: String, _ value: String) -> String {
        let safe = value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && value.first != " " && value.first != ":" && value.first != "<"
            && value.last != " "
        return Self.fold(safe ? "\(name): \(value)" : "\(name):: \(Data(value.utf8).base64EncodedString())")
    }

    /// Folds a logical line at 76 columns; continuation lines begin with one space.
    static func fold(_ logical: String) -> String {
        var bytes = Array(logical.utf8)[...]
        var out = String(decoding: bytes.prefix(76), as: UTF8.self) + "\n"
        bytes = bytes.dropFirst(76)
        while !bytes.isEmpty {
            out += " " + String(decoding: bytes.prefix(75), as: UTF8.self) + "\n"
            bytes = bytes.dropFirst(75)
        }
        return out
    }

    /// An attribute value escaped for use inside a DN (RFC 4514 §2.4).
    static func escaped(_ value: String) -> String {
        var out = ""
        for character in value {
            if ",+\"\\<>;=".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
