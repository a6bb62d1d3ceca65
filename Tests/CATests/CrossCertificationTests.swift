import CA
import Foundation
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PKITestSupport
import Testing

@Suite("Level 3: cross-certification with the national PKI", .serialized)
struct CrossCertificationTests {
    /// A stand-in national root made by the openssl CLI.
    func nationalRoot(_ f: PKIFixture, name: String = "national") throws -> (cert: String, key: String) {
        let key = f.directory.path("\(name).key")
        let cert = f.directory.path("\(name).pem")
        let result = try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes",
                                  "-keyout", key, "-out", cert, "-days", "3650", "-subj", "/C=AZ/O=National Certification Services Centre/CN=National Root CA",
                                  "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        guard result.status == 0 else { throw TestFailure(result.output) }
        return (cert, key)
    }

    @Test("the IAMAS root cross-certifies the national root with pathLen and nameConstraints; openssl verifies it")
    func crossCertify() throws {
        let f = try PKIFixture()
        let national = try nationalRoot(f)
        let root = try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: national.cert))))
        let record = try f.pki.crossCertify(nationalRoot: root)
        let cross = try Certificate(derEncoded: record.der)
        #expect(cross.subject == root.subject)
        #expect(try cross.publicKey() == (try root.publicKey()))
        #expect(cross.subjectKeyIdentifier == root.subjectKeyIdentifier)
        #expect(cross.pathLengthConstraint == 1)
        let text = try cross.text()
        #expect(text.contains("Name Constraints") && text.contains("O = IAMAS"), "\(text)")
        let verify = try openssl(["verify", "-x509_strict", "-CAfile", try f.pemFile("root.pem", [try f.certificate("root")]),
                                  try f.pemFile("cross.pem", [cross])])
        #expect(verify.status == 0, "\(verify.output)")
        // An end-entity is not a root; a second self-signed non-CA is refused.
        #expect(throws: MohurError.self) { try f.pki.crossCertify(nationalRoot: try f.certificate("ds-1")) }
    }

    @Test("a certificate the national root issued for the IAMAS root key is imported; a forged one is refused")
    func importCross() throws {
        let f = try PKIFixture()
        let national = try nationalRoot(f)
        let nationalCert = try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: national.cert))))
        _ = try f.pki.crossCertify(nationalRoot: nationalCert)
        // The national side signs the IAMAS root key (a throwaway CSR carries the subject; -force_pubkey the key).
        let rootPub = try f.directory.write("iamas-root.pub", try f.certificate("root").publicKey().pem())
        let tmpKey = f.directory.path("tmp.key")
        let csr = f.directory.path("tmp.csr")
        _ = try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", tmpKey,
                         "-subj", "/C=AZ/O=IAMAS/CN=IAMAS Central Root CA", "-out", csr])
        let ext = try f.directory.write("ext.cnf", "basicConstraints=critical,CA:TRUE,pathlen:2\nkeyUsage=critical,keyCertSign,cRLSign\n")
        let out = f.directory.path("from-national.pem")
        let signed = try openssl(["x509", "-req", "-in", csr, "-force_pubkey", rootPub, "-CA", national.cert, "-CAkey", national.key,
                                  "-set_serial", "4242", "-days", "1000", "-extfile", ext, "-out", out])
        #expect(signed.status == 0, "\(signed.output)")
        let fromNational = try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: out))))
        let stored = try f.pki.importCrossCertificate(fromNational)
        #expect(stored.role == CertificateRole.importedCrossCertificate.rawValue)
        #expect(throws: MohurError.self) { try f.pki.importCrossCertificate(fromNational) }
        // Signed by a key nobody cross-certified: refused.
        let rogue = try nationalRoot(f, name: "rogue")
        let rogueOut = f.directory.path("rogue-cross.pem")
        _ = try openssl(["x509", "-req", "-in", csr, "-force_pubkey", rootPub, "-CA", rogue.cert, "-CAkey", rogue.key,
                         "-set_serial", "77", "-days", "10", "-extfile", ext, "-out", rogueOut])
        let forged = try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: rogueOut))))
        #expect(throws: MohurError.self) { try f.pki.importCrossCertificate(forged) }
    }
}
