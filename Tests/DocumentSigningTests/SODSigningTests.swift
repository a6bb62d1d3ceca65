import CA
import DocumentSigning
import Foundation
import LDS
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PKITestSupport
import Storage
import SwiftASN1
import Testing

/// EF.SOD signed by Mohur, judged by the openssl CLI (Doc 9303-10 §4.6.2, RFC 5652 §5).
/// The members of an encoded SET OF, read with SwiftASN1 as an independent parser.
enum LDSAttributeEncodings {
    static func members(of set: [UInt8]) throws -> [[UInt8]] {
        guard case .constructed(let children) = try DER.parse(set).content else { return [] }
        return children.map { Array($0.encodedBytes) }
    }
}

@Suite("EF.SOD signing", .serialized)
struct SODSigningTests {
    /// Document Signer key, RSA padding (nil for EC), the expected signatureAlgorithm OID and
    /// the openssl name of the security object's hash.
    static let algorithms: [(key: String, padding: String?, signatureOID: String)] = [
        ("P-256", nil, "1.2.840.10045.4.3.2"), ("P-384", nil, "1.2.840.10045.4.3.3"), ("P-521", nil, "1.2.840.10045.4.3.4"),
        ("brainpoolP256r1", nil, "1.2.840.10045.4.3.2"), ("brainpoolP384r1", nil, "1.2.840.10045.4.3.3"),
        ("brainpoolP512r1", nil, "1.2.840.10045.4.3.4"),
        ("rsa2048", "pss", "1.2.840.113549.1.1.10"), ("rsa2048", "pkcs1v15", "1.2.840.113549.1.1.11"),
    ]

    @Test("openssl cms -verify accepts the SOD for every supported algorithm; DS→CSCA verifies; eContent hashes match the DG files",
          arguments: algorithms)
    func opensslAcceptsEveryAlgorithm(key: String, padding: String?, signatureOID: String) throws {
        let f = try SigningFixture {
            $0.documentSigner.key = key
            $0.documentSigner.rsaPadding = padding
        }
        let signed = try f.service.sign(try f.request())
        let p7 = try f.contentInfoFile(signed)
        let content = f.pki.directory.path("content.bin")
        let verify = try openssl(["cms", "-verify", "-inform", "DER", "-in", p7, "-noverify", "-out", content])
        #expect(verify.status == 0 && verify.stderr.contains("Verification successful"), "\(key): \(verify.output)")
        let eContent = Array(try Data(contentsOf: URL(fileURLWithPath: content)))
        #expect(eContent == signed.sod.ldsSecurityObjectBytes)
        let security = try LDSSecurityObject(encoded: eContent)
        #expect(security.hash(of: .dg1) == (try f.opensslDigest("sha256", f.dg1)))
        #expect(security.hash(of: .dg2) == (try f.opensslDigest("sha256", f.dg2)))

        let signer = try #require(signed.sod.signedData.signerInfos.first)
        #expect(signer.signatureAlgorithm.algorithm.description == signatureOID)
        if padding == "pss" {
            // RSASSA-PSS-params in full: SHA-256, MGF1 with SHA-256, salt 32 (RFC 4055 §3.1).
            #expect(signer.signatureAlgorithm == (try CMSAlgorithmIdentifier(derEncoded: SignatureScheme.rsaPSS(.sha256).algorithmIdentifierDER)))
            #expect(signer.signatureAlgorithm.parameters?.count == 54)
        }
        // The DS certificate embedded is the one the CSCA signed.
        let ds = try Certificate(derEncoded: try #require(signed.sod.signedData.certificates.first))
        let csca = try f.pki.certificate("csca-1")
        #expect(ds.isSignatureValid(issuerKey: try csca.publicKey()))
        let dsFile = try f.pki.directory.write("ds.der", ds.derEncoded)
        #expect(try openssl(["x509", "-inform", "DER", "-in", dsFile, "-noout"]).status == 0)
    }

    @Test("with an RSA ICAO profile, openssl cms -verify -CAfile csca.pem verifies the whole chain")
    func fullChainWithRSAProfile() throws {
        let f = try SigningFixture(mutate: PKIFixture.rsaICAO)
        let signed = try f.service.sign(try f.request())
        let csca = try f.pki.pemFile("csca.pem", [try f.pki.certificate("csca-1")])
        let result = try openssl(["cms", "-verify", "-inform", "DER", "-in", try f.contentInfoFile(signed), "-CAfile", csca,
                                  "-out", f.pki.directory.path("content.bin")])
        #expect(result.status == 0 && result.stderr.contains("Verification successful"), "\(result.output)")
    }

    @Test("a changed DG2 no longer matches the hash the SOD signed")
    func changedDataGroupFailsTheHashComparison() throws {
        let f = try SigningFixture()
        let signed = try f.service.sign(try f.request())
        var tampered = f.dg2
        tampered[tampered.count / 2] ^= 0x01
        let signedHash = signed.sod.ldsSecurityObject.hash(of: .dg2)
        #expect(signedHash == (try f.opensslDigest("sha256", f.dg2)))
        #expect(signedHash != (try f.opensslDigest("sha256", tampered)))
    }

    @Test("CMS layout: SignedData v3, LDS eContentType, DS certificate, SignerInfo v1, contentType+messageDigest+signingTime in DER order")
    func cmsLayout() throws {
        let f = try SigningFixture()
        let signed = try f.service.sign(try f.request())
        let data = signed.sod.signedData
        #expect(signed.encoded.first == 0x77)
        #expect(try SODFile(encoded: signed.encoded) == signed.sod)
        #expect(data.version == 3 && data.encapsulatedContentType == LDSObjectIdentifier.ldsSecurityObject)
        #expect(data.certificates == [try f.pki.certificate("ds-1").derEncoded])
        let signer = try #require(data.signerInfos.first)
        #expect(signer.version == 1)
        guard case .issuerAndSerialNumber(_, let serial) = signer.signerIdentifier else {
            Issue.record("expected issuerAndSerialNumber")
            return
        }
        #expect(Digest.hex(serial) == (try f.pki.certificate("ds-1")).serialHex)
        let attributes = try #require(signer.signedAttributes)
        #expect(Set(attributes.attributes.map(\.type)) == [LDSObjectIdentifier.contentTypeAttribute,
                                                           LDSObjectIdentifier.messageDigestAttribute,
                                                           LDSObjectIdentifier.signingTimeAttribute])
        // DER SET OF: members ascending by their encodings (X.690 §11.6), lengths included.
        let members = try LDSAttributeEncodings.members(of: attributes.encodedForSignature)
        #expect(members.count == 3 && members == members.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(attributes.messageDigest == (try Digest.hash(.sha256, signed.sod.ldsSecurityObjectBytes)))
        #expect(signed.sod.ldsSecurityObject.version == .v0)
        #expect(data.digestAlgorithms.map(\.algorithm) == [signer.digestAlgorithm.algorithm])
    }

    @Test("subjectKeyIdentifier profile: SignerInfo v3 naming the DS SKI, and openssl still finds the signer")
    func subjectKeyIdentifierProfile() throws {
        let f = try SigningFixture { $0.documentSigner.sodSignerIdentifier = "subjectKeyIdentifier" }
        let signed = try f.service.sign(try f.request())
        let signer = try #require(signed.sod.signedData.signerInfos.first)
        #expect(signer.version == 3)
        #expect(signer.signerIdentifier == .subjectKeyIdentifier(try #require(try f.pki.certificate("ds-1").subjectKeyIdentifier)))
        let result = try openssl(["cms", "-verify", "-inform", "DER", "-in", try f.contentInfoFile(signed), "-noverify",
                                  "-out", f.pki.directory.path("content.bin")])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("SHA-384 and SHA-512 are selectable per document and by profile")
    func selectableHashes() throws {
        let f = try SigningFixture { $0.documentSigner.sodHash = "SHA-384" }
        let byProfile = try f.service.sign(try f.request()).sod.ldsSecurityObject
        #expect(byProfile.hashAlgorithm == .sha384)
        #expect(byProfile.hash(of: .dg2) == (try f.opensslDigest("sha384", f.dg2)))
        let byRequest = try f.service.sign(try f.request(hash: .sha512)).sod.ldsSecurityObject
        #expect(byRequest.hashAlgorithm == .sha512)
        #expect(byRequest.hash(of: .dg1) == (try f.opensslDigest("sha512", f.dg1)))
        #expect(throws: MohurError.self) { try f.request(hash: .sha1) }
    }

    @Test("EF.COM with LDS 1.8 makes a v1 security object with LDSVersionInfo; a COM naming other data groups is refused")
    func efCOMDecidesTheVersion() throws {
        let f = try SigningFixture()
        let com18 = EFCOM(ldsVersion: .v1_8, unicodeVersion: .v4_0_0, dataGroups: [.dg1, .dg2])
        let v1 = try f.service.sign(try f.request(com: com18)).sod.ldsSecurityObject
        #expect(v1.version == .v1 && v1.ldsVersionInfo == LDSVersionInfo(lds: .v1_8, unicode: .v4_0_0))
        let v0 = try f.service.sign(try f.request(com: try EFCOM(encoded: Vectors.bytes(SigningFixture.worked + "EF_COM.bin"))))
        #expect(v0.sod.ldsSecurityObject.version == .v0)
        let wrong = EFCOM(dataGroups: [.dg1, .dg2, .dg15])
        do {
            _ = try f.service.sign(try f.request(com: wrong))
            Issue.record("a COM listing DG15 without a DG15 was accepted")
        } catch let error as MohurError {
            #expect(error.code == .badInput && error.reason.contains("DG15"))
        }
    }

    @Test("hashes given instead of files make the same security object")
    func hashesInsteadOfFiles() throws {
        let f = try SigningFixture()
        let fromFiles = try f.service.sign(try f.request()).sod.ldsSecurityObject
        let request = try SODRequest(documentType: "P", documentNumber: "C01234567", dataGroups: .hashes([
            .dg1: try Digest.hash(.sha256, f.dg1), .dg2: try Digest.hash(.sha256, f.dg2)]))
        #expect(try f.service.sign(request).sod.ldsSecurityObject == fromFiles)
        let short = try SODRequest(documentType: "P", documentNumber: "X1", dataGroups: .hashes([.dg1: [1, 2], .dg2: [3, 4]]))
        #expect(throws: MohurError.self) { try f.service.sign(short) }
    }
}
