import SwiftASN1
import Testing
@testable import LDS

@Suite("EF.SOD from real passports and test documents")
struct SODVectorTests {
    @Test func everySODInTheManifestIsCoveredByTheseTests() throws {
        let manifest = try ManifestEntry.load()
        let sods = manifest.values.filter { $0.securityObjectVersion != nil }.map(\.path).sorted()
        #expect(sods == Vectors.sodPaths.sorted())
    }

    @Test(arguments: Vectors.sodPaths)
    func decodesEveryRealSODWithTheManifestProperties(path: String) throws {
        let entry = try #require(try ManifestEntry.load()[path], "MANIFEST.tsv has no CMS entry for \(path)")
        let sod = try SODFile(encoded: Vectors.bytes(path))
        let signed = sod.signedData
        let security = sod.ldsSecurityObject

        #expect(sod.contentType.description == entry.eContentType)
        #expect(security.version.rawValue == entry.securityObjectVersion)
        #expect(security.dataGroupNumbers.map(\.rawValue) == entry.dataGroups)
        #expect(signed.certificates.count == entry.certificateCount)
        #expect(sod.usesIndefiniteLengths == entry.berIndefiniteLength)
        let signer = try #require(signed.signerInfos.first)
        #expect(signed.signerInfos.count == 1)
        #expect(signer.digestAlgorithm.algorithm.description == entry.digest)
        #expect(signer.signatureAlgorithm.algorithm.description == entry.signatureAlgorithm)
        switch signer.signerIdentifier {
        case .issuerAndSerialNumber(let issuer, let serial):
            #expect(entry.signerIdentifier == "issuerAndSerial")
            #expect(issuer.first == 0x30)
            #expect(!serial.isEmpty)
        case .subjectKeyIdentifier:
            #expect(entry.signerIdentifier == "SKI")
        }
        for certificate in signed.certificates {
            #expect(certificate.first == 0x30)
        }
        // The hash algorithm is typed, and every hash has its length.
        let length = try #require(security.hashAlgorithm.digestLength, "unknown hash \(security.hashAlgorithm)")
        #expect(security.dataGroupHashes.allSatisfy { $0.dataGroupHashValue.count == length })
        #expect(signed.digestAlgorithms.contains { $0.algorithm == signer.digestAlgorithm.algorithm })
    }

    @Test(arguments: Vectors.sodPaths)
    func securityObjectReencodesToTheSignedDERBytes(path: String) throws {
        let sod = try SODFile(encoded: Vectors.bytes(path))
        #expect(try sod.ldsSecurityObject.derEncoded() == sod.ldsSecurityObjectBytes)
        #expect(try LDSSecurityObject(encoded: sod.ldsSecurityObjectBytes) == sod.ldsSecurityObject)
    }

    @Test(arguments: Vectors.sodPaths)
    func sodReencodesFromItsContentInfo(path: String) throws {
        let bytes = try Vectors.bytes(path)
        let sod = try SODFile(encoded: bytes)
        #expect(try SODFile(contentInfo: sod.contentInfoBytes).encoded == bytes)
        let definite = try SODFile(contentInfo: sod.definiteLengthContentInfoBytes)
        #expect(!definite.usesIndefiniteLengths)
        #expect(definite.signedData == sod.signedData)
    }

    @Test(arguments: Vectors.gmrtdCountries)
    func decodedSODCarriesTheDG1AndDG2HashesRecordedBesideIt(country: String) throws {
        let folder = "gmrtd/sod/\(country)/"
        let sod = try SODFile(encoded: Vectors.bytes(folder + "EF_SOD.bin"))
        guard Vectors.exists(folder + "DG1.hash") else {
            // ID has no hash files beside its SOD; its DG list is still checked against MANIFEST.tsv.
            #expect(country == "ID")
            return
        }
        #expect(sod.ldsSecurityObject.hash(of: .dg1) == (try Vectors.bytes(folder + "DG1.hash")))
        #expect(sod.ldsSecurityObject.hash(of: .dg2) == (try Vectors.bytes(folder + "DG2.hash")))
    }

    @Test(arguments: Vectors.sodPaths)
    func messageDigestAttributeIsTheDigestOfTheEContentComputedByOpenSSL(path: String) throws {
        let sod = try SODFile(encoded: Vectors.bytes(path))
        let signer = try #require(sod.signedData.signerInfos.first)
        let attributes = try #require(signer.signedAttributes)
        let name = try #require(opensslDigestName(forOID: signer.digestAlgorithm.algorithm.description))
        #expect(attributes.messageDigest == (try OpenSSLCLI.digest(name, of: sod.ldsSecurityObjectBytes)))
        #expect(attributes.contentType == sod.contentType)
        #expect(attributes.encodedForSignature.first == 0x31)
        #expect(attributes.encodedForSignature.dropFirst() == attributes.encoded.dropFirst())
    }

    @Test(arguments: ["AU", "CN", "FR", "NZ", "US"])
    func signedAttributesRetaggedAsSetVerifyWithTheDSCKeyInOpenSSL(country: String) throws {
        // RSA PKCS#1 v1.5 signers: `openssl dgst -verify` checks the signature over exactly the
        // bytes LDS hands out for verification (RFC 5652 §5.4).
        let folder = "gmrtd/sod/\(country)/"
        let sod = try SODFile(encoded: Vectors.bytes(folder + "EF_SOD.bin"))
        let signer = try #require(sod.signedData.signerInfos.first)
        let attributes = try #require(signer.signedAttributes)
        let certificate = try #require(sod.signedData.certificates.first)
        #expect(certificate == (try Vectors.bytes(folder + "DSC.der")))
        let name = try #require(opensslDigestName(forOID: signer.digestAlgorithm.algorithm.description))
        let output = try TemporaryFile.with(certificate) { certificatePath in
            let publicKey = try OpenSSLCLI.run(["x509", "-inform", "DER", "-in", certificatePath, "-noout", "-pubkey"])
            return try TemporaryFile.with(publicKey) { keyPath in
                try TemporaryFile.with(signer.signature) { signaturePath in
                    try TemporaryFile.with(attributes.encodedForSignature) { dataPath in
                        try OpenSSLCLI.run(["dgst", "-\(name)", "-verify", keyPath, "-signature", signaturePath, dataPath])
                    }
                }
            }
        }
        #expect(String(decoding: output, as: UTF8.self).contains("Verified OK"))
    }

    @Test(arguments: [
        ("worldfnd-icao-9303/bsi_tr03105-5_reference_dataset/EF_SOD.bin",
         "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset/Datagroup", [1, 2, 3, 4, 14]),
        // The BSI 2008 SOD covers DG1-3 and DG14 only; its DG4 file is not hashed.
        ("jmrtd/bsi2008/EF_SOD.bin", "jmrtd/bsi2008/Datagroup", [1, 2, 3, 14]),
    ])
    func dataGroupHashesMatchOpenSSLDigestsOfTheDataGroupFiles(sodPath: String, prefix: String, groups: [Int]) throws {
        let security = try SODFile(encoded: Vectors.bytes(sodPath)).ldsSecurityObject
        let name = try #require(opensslDigestName(forOID: security.hashAlgorithm.oid.description))
        for group in groups {
            let number = try #require(DataGroupNumber(rawValue: group))
            let file = try DataGroup(number: number, encoded: Vectors.bytes("\(prefix)\(group).bin"))
            #expect(security.hash(of: number) == (try OpenSSLCLI.digest(name, of: file.encoded)), "\(number)")
        }
        #expect(security.dataGroupNumbers.map(\.rawValue).sorted() == groups.sorted())
    }

    @Test func dutchSpecimenHashesMatchItsDataGroupFiles() throws {
        let folder = "jmrtd/loes2006_nl_sdu_test/"
        let security = try SODFile(encoded: Vectors.bytes(folder + "ef011D.bin")).ldsSecurityObject
        for (file, number) in [("ef0101.bin", DataGroupNumber.dg1), ("ef0102.bin", .dg2), ("ef010F.bin", .dg15)] {
            let digest = try OpenSSLCLI.digest("sha256", of: Vectors.bytes(folder + file))
            #expect(security.hash(of: number) == digest, "\(number)")
        }
    }

    @Test func slovenianSODHashesItsDG15() throws {
        let security = try SODFile(encoded: Vectors.bytes("port-py-server/lds/ef.sod_si_454CB206.bin")).ldsSecurityObject
        let dg15 = try Vectors.bytes("port-py-server/lds/ef.dg15_ef.sod_si_454CB206.bin")
        #expect(security.hash(of: .dg15) == (try OpenSSLCLI.digest("sha256", of: dg15)))
    }

    @Test func bsiReferenceSODListsDataGroupsOutOfOrderAndOmitsDG15() throws {
        let security = try SODFile(encoded: Vectors.bytes(
            "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset/EF_SOD.bin")).ldsSecurityObject
        #expect(security.dataGroupNumbers == [.dg1, .dg2, .dg3, .dg14, .dg4])
        #expect(security.hash(of: .dg15) == nil)
        #expect(security.hash(of: .dg4) != nil)
    }
}
