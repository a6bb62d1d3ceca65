import CA
import DocumentSigning
import Foundation
import MohurCore
import OpenSSLKit

/// A synthetic collection the size of the ICAO PKD: 300 States' CSCAs, 50,000 Document Signer
/// certificates issued by them and one CRL per CSCA, as one LDIF in the PKD's layout. The DSCs
/// share one key (what is measured is the import, not key generation); each is signed by its
/// CSCA with a distinct serial.
struct SyntheticPKD {
    static let states = 300
    static let signers = 50_000

    let ldif: String
    /// The same collection one version later, with 1% more DSCs: an incremental update.
    let update: String

    init() throws {
        let now = Date()
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let countries = (0..<Self.states).map { "\(letters[$0 / 26 % 26])\(letters[$0 % 26])" }
        let dsKey = try PrivateKey.generate(.ec(.p256)).publicKey
        let scheme = SignatureScheme.ecdsa(.sha256)
        var cscas: [(key: PrivateKey, certificate: Certificate, country: String)] = []
        var first = PKDLDIFWriter(version: 1), second = PKDLDIFWriter(version: 2)
        for (index, country) in countries.enumerated() {
            let key = try PrivateKey.generate(.ec(.p256))
            let name = DistinguishedName([.init("C", country), .init("O", "Synthetic"), .init("CN", "CSCA \(country)")])
            let ski = try key.publicKey.keyIdentifier()
            let template = CertificateTemplate(
                serialNumber: [0x01, UInt8(index >> 8), UInt8(index & 0xFF)], subject: name, issuer: name,
                notBefore: now.addingTimeInterval(-86_400), notAfter: now.addingTimeInterval(10 * 365 * 86_400),
                subjectPublicKeyInfo: try key.publicKey.subjectPublicKeyInfo(),
                extensions: [try Extensions.basicConstraints(ca: true, pathLength: 0), try Extensions.keyUsage([.keyCertSign, .cRLSign]),
                             try Extensions.subjectKeyIdentifier(ski), try Extensions.authorityKeyIdentifier(ski)])
            let certificate = try CertificateBuilder.build(template, scheme: scheme) { try key.sign($0, scheme: scheme) }
            cscas.append((key, certificate, country))
            let (subject, serial) = (certificate.subject.description, certificate.serialHex)
            first.certificate(der: certificate.derEncoded, subject: subject, serial: serial, collection: "csca", country: country)
            second.certificate(der: certificate.derEncoded, subject: subject, serial: serial, collection: "csca", country: country)
        }
        let total = Self.signers + Self.signers / 100
        for number in 0..<total {
            let csca = cscas[number % Self.states]
            let template = CertificateTemplate(
                serialNumber: [0x02, UInt8(number >> 16 & 0xFF), UInt8(number >> 8 & 0xFF), UInt8(number & 0xFF)],
                subject: DistinguishedName([.init("C", csca.country), .init("O", "Synthetic"), .init("CN", "Document Signer \(number)")]),
                issuer: csca.certificate.subject, notBefore: now.addingTimeInterval(-86_400), notAfter: now.addingTimeInterval(5 * 365 * 86_400),
                subjectPublicKeyInfo: try dsKey.subjectPublicKeyInfo(),
                extensions: [try Extensions.keyUsage([.digitalSignature]),
                             try Extensions.authorityKeyIdentifier(csca.certificate.subjectKeyIdentifier ?? [])])
            let certificate = try CertificateBuilder.build(template, scheme: scheme) { try csca.key.sign($0, scheme: scheme) }
            let (subject, serial) = (certificate.subject.description, certificate.serialHex)
            if number < Self.signers {
                first.certificate(der: certificate.derEncoded, subject: subject, serial: serial, collection: "dsc", country: csca.country)
            }
            second.certificate(der: certificate.derEncoded, subject: subject, serial: serial, collection: "dsc", country: csca.country)
        }
        for csca in cscas {
            let crl = try CRLBuilder.build(
                issuerName: try csca.certificate.subjectDER(), thisUpdate: now, nextUpdate: now.addingTimeInterval(90 * 86_400),
                revoked: [RevokedCertificate(serialNumber: [0x02, 0x00, 0x00, 0x01], revocationDate: now, reasonCode: 1)],
                extensions: [try Extensions.authorityKeyIdentifier(csca.certificate.subjectKeyIdentifier ?? []), try Extensions.crlNumber(1)],
                scheme: scheme) { try csca.key.sign($0, scheme: scheme) }
            first.crl(crl.derEncoded, issuer: csca.certificate.subject.description, country: csca.country)
            second.crl(crl.derEncoded, issuer: csca.certificate.subject.description, country: csca.country)
        }
        ldif = first.text
        update = second.text
    }
}

/// `mohur trust import` of the synthetic PKD as a whole process into an empty border post
/// (goal < 10 s), then of its next version (1% new DSCs) into the same post.
func pkdScaleImport(scratch: String) throws -> (first: Double, update: Double, counts: String)? {
    let mohur = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mohur").path
    guard FileManager.default.isExecutableFile(atPath: mohur) else { return nil }
    let pkd = try SyntheticPKD()
    let (first, update) = ("\(scratch)/pkd-v1.ldif", "\(scratch)/pkd-v2.ldif")
    try Data(pkd.ldif.utf8).write(to: URL(fileURLWithPath: first))
    try Data(pkd.update.utf8).write(to: URL(fileURLWithPath: update))
    let state = "\(scratch)/pkd-post"
    func timed(_ file: String) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        guard try runQuietly(mohur, ["trust", "import", "--state", state, file]) == 0 else { throw BenchFailure("trust import \(file) failed") }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    let firstTime = try timed(first)
    let updateTime = try timed(update)
    let listed = Process()
    listed.executableURL = URL(fileURLWithPath: mohur)
    listed.arguments = ["trust", "list", "--state", state, "--kind", "csca", "--country", "AA"]
    let pipe = Pipe()
    listed.standardOutput = pipe
    try listed.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    listed.waitUntilExit()
    return (firstTime, updateTime, output.split(separator: "\n").last.map(String.init) ?? "")
}
