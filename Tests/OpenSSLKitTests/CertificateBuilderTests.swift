import Foundation
import MohurTestSupport
import OpenSSLKit
import SwiftASN1
import Testing

@Suite("Certificates and CRLs built with external signing")
struct CertificateBuilderTests {
    func selfSigned(_ key: PrivateKey, scheme: SignatureScheme, explicit: Bool = false) throws -> Certificate {
        let name = try DistinguishedName(parsing: "C=AZ, O=Test, CN=Test Root")
        let template = CertificateTemplate(
            serialNumber: [0x01, 0x02, 0x03], subject: name, issuer: name,
            notBefore: Date(timeIntervalSince1970: 1_700_000_000), notAfter: Date(timeIntervalSince1970: 2_700_000_000),
            subjectPublicKeyInfo: try key.publicKey.subjectPublicKeyInfo(explicitECParameters: explicit),
            extensions: [CertificateExtension(oid: [2, 5, 29, 19], critical: true, value: [0x30, 0x03, 0x01, 0x01, 0xff])])
        return try CertificateBuilder.build(template, scheme: scheme) { try key.sign($0, scheme: scheme) }
    }

    @Test("a self-signed certificate signed through the closure verifies with OpenSSL and the openssl CLI",
          arguments: [KeySpec.ec(.p256), .ec(.brainpoolP384r1), .rsa(bits: 2048)])
    func selfSignedVerifies(spec: KeySpec) throws {
        let key = try PrivateKey.generate(spec)
        let scheme = SignatureScheme.default(for: spec)
        let cert = try selfSigned(key, scheme: scheme)
        #expect(cert.isSignatureValid(issuerKey: key.publicKey))
        #expect(cert.subject.value(of: "CN") == "Test Root")
        #expect(cert.serialHex == "010203")
        #expect(cert.notAfter == Date(timeIntervalSince1970: 2_700_000_000))
        #expect(cert.isCA)
        let dir = try TemporaryDirectory()
        let path = try dir.write("cert.pem", cert.pem())
        let result = try openssl(["verify", "-check_ss_sig", "-CAfile", path, path])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("explicit EC parameters survive certificate building")
    func explicitParametersKept() throws {
        let key = try PrivateKey.generate(.ec(.brainpoolP256r1))
        let cert = try selfSigned(key, scheme: .ecdsa(.sha256), explicit: true)
        #expect(try cert.text().contains("Field Type: prime-field"))
        #expect(cert.isSignatureValid(issuerKey: try cert.publicKey()))
    }

    @Test("a CRL built with swift-asn1 parses in OpenSSL and passes `openssl crl -verify`")
    func crlVerifies() throws {
        let key = try PrivateKey.generate(.ec(.p384))
        let cert = try selfSigned(key, scheme: .ecdsa(.sha384))
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        let crl = try CRLBuilder.build(
            issuerName: try cert.subjectDER(), thisUpdate: now, nextUpdate: now.addingTimeInterval(86_400 * 90),
            revoked: [RevokedCertificate(serialNumber: [0x7f, 0x01], revocationDate: now, reasonCode: 1),
                      RevokedCertificate(serialNumber: [0x80, 0x02], revocationDate: now, reasonCode: nil)],
            extensions: [CertificateExtension(oid: [2, 5, 29, 20], critical: false, value: [0x02, 0x01, 0x05])],
            scheme: .ecdsa(.sha384)) { try key.sign($0, scheme: .ecdsa(.sha384)) }
        #expect(crl.isSignatureValid(issuerKey: key.publicKey))
        #expect(crl.crlNumber == 5)
        #expect(crl.revokedEntries.map(\.serialHex) == ["7f01", "8002"])
        #expect(crl.revokedEntries.map(\.reasonCode) == [1, nil])
        let dir = try TemporaryDirectory()
        let ca = try dir.write("ca.pem", cert.pem())
        let crlPath = try dir.write("crl.pem", crl.pem())
        let result = try openssl(["crl", "-in", crlPath, "-CAfile", ca, "-noout"])
        #expect(result.output.contains("verify OK"), "\(result.output)")
    }

    @Test("the real DE CSCA with explicit brainpoolP512r1 parameters parses and self-verifies")
    func realExplicitCSCA() throws {
        let cert = try Certificate(pemOrDER: try Vectors.bytes("gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer"))
        #expect(cert.subject.value(of: "C") == "DE")
        #expect(cert.isSignatureValid(issuerKey: try cert.publicKey()))
        #expect(try cert.publicKey().curve == .brainpoolP512r1)
        #expect(cert.subjectKeyIdentifier != nil)
    }
}
