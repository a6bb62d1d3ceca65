import CA
import DocumentSigning
import Foundation
import LDS
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PKITestSupport
import Storage
import Testing

/// Who may sign, and what is remembered (Doc 9303-12 §5.3; DOMAIN.md "Documents and identifiers").
@Suite("EF.SOD issuance policy and records", .serialized)
struct IssuancePolicyTests {
    @Test("a Document Signer past its private key usage period is refused, also when it was cached before")
    func expiredSignerRefused() throws {
        let f = try SigningFixture()
        _ = try f.service.sign(try f.request())  // caches ds-1
        f.pki.clock.advance(days: 100)
        do {
            _ = try f.service.sign(try f.request())
            Issue.record("a DS 100 days into a 90-day key usage period signed")
        } catch let error as MohurError {
            #expect(error.code == .refusedByPolicy && error.reason.contains("usage period"), "\(error)")
        }
        let later = try DocumentSigningService(pki: f.pki.at(FixedWallClock(Date().addingTimeInterval(200 * 86_400))))
        #expect(throws: MohurError.self) { try later.sign(try f.request()) }
    }

    @Test("a document type outside the DocumentTypeList is refused")
    func uncoveredDocumentTypeRefused() throws {
        let f = try SigningFixture()
        let request = try SODRequest(documentType: "V", documentNumber: "X1", dataGroups: .files([.dg1: f.dg1, .dg2: f.dg2]))
        #expect { try f.service.sign(request) } throws: { ($0 as? MohurError)?.code == .refusedByPolicy }
    }

    @Test("FIN must be exactly 7 of A–Z 0–9; the error names the input")
    func finValidated() throws {
        #expect(try FIN("5ZK2M7A").value == "5ZK2M7A")
        for bad in ["5zk2m7a", "5ZK2M7", "5ZK2M7AB", "5ZK-M7A", "5ZK2M7Ə", ""] {
            #expect { try FIN(bad) } throws: { error in
                guard let error = error as? MohurError else { return false }
                return error.code == .badInput && error.exitCode == 2 && error.reason.contains("FIN '\(bad)'")
            }
        }
    }

    @Test("the issuance record holds document, type, DS serial, hashes, time and FIN — and no data group bytes")
    func issuanceRecordStoredWithoutDataGroups() throws {
        let f = try SigningFixture()
        let signed = try f.service.sign(try f.request(number: "C07654321", fin: try FIN("5ZK2M7A")))
        let records = try f.pki.repository.sodIssuances(documentNumber: "C07654321")
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record == signed.record)
        #expect(record.documentType == "P" && record.fin == "5ZK2M7A" && record.dsAuthority == "ds-1")
        #expect(record.dsSerial == (try f.pki.certificate("ds-1")).serialHex)
        #expect(record.hashAlgorithm == "SHA-256")
        #expect(record.dataGroupHashes == [1: Digest.hex(try Digest.hash(.sha256, f.dg1)), 2: Digest.hex(try Digest.hash(.sha256, f.dg2))])
        #expect(record.sodSHA256 == Digest.hex(Digest.sha256(signed.encoded)))
        #expect(try f.pki.repository.sodIssuances(dsSerial: record.dsSerial).count == 1)

        // Neither the MRZ nor any stretch of the face image reaches the database files.
        var stored = Data()
        for suffix in ["", "-wal"] {
            stored += (try? Data(contentsOf: URL(fileURLWithPath: f.pki.directory.path("mohur.sqlite" + suffix)))) ?? Data()
        }
        #expect(!stored.isEmpty)
        let mrz = try DG1(encoded: f.dg1).mrz.lines.joined()
        #expect(stored.range(of: Data(mrz.utf8)) == nil)
        #expect(stored.range(of: Data(f.dg1)) == nil)
        for start in stride(from: 0, to: f.dg2.count - 32, by: max(1, f.dg2.count / 16)) {
            #expect(stored.range(of: Data(f.dg2[start..<start + 32])) == nil, "DG2 bytes at \(start) were stored")
        }
    }

    @Test("the database refuses a FIN that is not 7 of A–Z 0–9 even if a caller skips FIN")
    func schemaChecksFIN() throws {
        let f = try SigningFixture()
        let record = SODIssuanceRecord(documentNumber: "X1", documentType: "P", fin: "bad fin", dsAuthority: "ds-1", dsSerial: "01",
                                       hashAlgorithm: "SHA-256", dataGroupHashes: [1: "00"], sodSHA256: "00", signedAt: Date())
        #expect(throws: StorageError.self) { try f.pki.repository.insertSODIssuance(record) }
    }
}
