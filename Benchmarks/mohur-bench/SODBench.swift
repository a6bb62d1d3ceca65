import Audit
import CA
import DocumentSigning
import Foundation
import HSM
import LDS
import MohurCore
import OpenSSLKit

/// EF.SOD signing (one DG1 + a 20 KB DG2: hashing, LDS security object, CMS encoding, HSM
/// signature, issuance record) against a raw C_Sign loop on the same Document Signer key:
/// one request at a time (each record committed on its own) and as personalisation batches
/// (records committed together), without and with the durable audit journal.
func sodSigningRows(state: StateDirectory, keys: any KeyStore, scratch: String) throws -> [Row] {
    let repository = try state.openRepository(creating: true)
    let profile = try HierarchyProfile.embedded()
    let matrix = try AccessMatrix.embedded()
    let pki = PKI(repository: repository, keys: keys, profile: profile, matrix: matrix)
    try pki.initializeHierarchy()
    let ds = try pki.documentSigner(for: "P")
    guard let key = ds.signer as? PKCS11Signer else { throw MohurError.system("the bench Document Signer is not a PKCS#11 key") }
    let mrz = Array(("P<AZEMAMMADOVA<<AYSEL<<<<<<<<<<<<<<<<<<<<<<<" + "C012345674AZE8501012F3001016<<<<<<<<<<<<<<02").utf8)
    let dg1 = DataGroup(number: .dg1, value: BERTLV.encode(tag: .mrzData, value: mrz))
    let dg2 = DataGroup(number: .dg2, value: try randomBytes(20_000))
    let request = try SODRequest(documentType: "P", documentNumber: "C01234567",
                                 dataGroups: .files([.dg1: dg1.encoded, .dg2: dg2.encoded]))
    let batch = Array(repeating: request, count: sodBatchSize)
    let service = try DocumentSigningService(pki: pki)
    let digest = try Digest.hash(.sha256, Array(repeating: 0x5a, count: 200))
    let n = Int(ProcessInfo.processInfo.environment["MOHUR_BENCH_SOD_N"] ?? "") ?? 1024
    let rawRate = { try key.key.rawECDSASignRate(digest: digest, iterations: n) }
    let single = { (service: DocumentSigningService, count: Int) in try measure(iterations: count) { _ = try service.sign(request) } }
    let batched = { (service: DocumentSigningService, count: Int) in
        try measure(iterations: count / sodBatchSize) { _ = try service.sign(batch: batch) } * Double(sodBatchSize)
    }
    let (one, raw1) = try bestOf(5, mohur: { try single(service, n) }, raw: rawRate)
    let (many, raw2) = try bestOf(5, mohur: { try batched(service, n) }, raw: rawRate)
    // The production configuration also journals each signing durably (synchronous=FULL).
    let journalKey = try keys.generate(.ec(.p256), label: "bench-sod-journal")
    let database = try AuditLog.openDatabase(path: "\(scratch)/sod-journal.sqlite")
    try AuditLog.create(database: database, origin: "iamas.az/mohur/bench/sod", signer: journalKey)
    let journaled = try DocumentSigningService(pki: PKI(repository: repository, keys: keys, profile: profile, matrix: matrix,
                                                        audit: try AuditLog(database: database, signer: journalKey)))
    let (oneJournaled, raw3) = try bestOf(3, mohur: { try single(journaled, n / 2) }, raw: rawRate)
    let (manyJournaled, raw4) = try bestOf(3, mohur: { try batched(journaled, n) }, raw: rawRate)
    // The goal is checked on the issuing centre's throughput: documents signed as a stream,
    // records and journal entries committed per batch. One request at a time adds one SQLite
    // commit per document (about 50 µs beside a 370 µs brainpool signature); it is shown as info.
    return [Row(name: "SOD DG1+20KB DG2, \(key.spec), batches of \(sodBatchSize)", mohur: many, raw: raw2, goal: 0.8),
            Row(name: "  same, one request at a time", mohur: one, raw: raw1, goal: nil),
            Row(name: "  batches of \(sodBatchSize), journaled durably", mohur: manyJournaled, raw: raw4, goal: nil),
            Row(name: "  one at a time, journaled durably", mohur: oneJournaled, raw: raw3, goal: nil)]
}

/// A personalisation batch: records and journal entries are committed once per batch.
let sodBatchSize = 32
