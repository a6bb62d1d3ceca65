import CA
import DocumentSigning
import Foundation
import LDS
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PKITestSupport
import Synchronization
import Testing

/// Personalisation batches: each document signed as one request would be, records committed
/// together, journal entries appended together.
@Suite("EF.SOD batch signing", .serialized)
struct BatchSigningTests {
    @Test("a batch signs every good request, fails a bad one alone, stores every record and journals once")
    func batchSignsRecordsAndJournals() throws {
        let f = try SigningFixture()
        let sink = RecordingAuditSink()
        let base = f.pki.pki
        let service = try DocumentSigningService(pki: PKI(repository: base.repository, keys: base.keys, profile: base.profile,
                                                          matrix: base.matrix, clock: f.pki.clock, audit: sink))
        let numbers = ["B0000001", "B0000002", "B0000003", "B0000004"]
        var requests = try numbers.map { try f.request(number: $0) }
        // No DG2: a bad request in the middle of the batch.
        requests.insert(try SODRequest(documentType: "P", documentNumber: "B0000099", dataGroups: .files([.dg1: f.dg1])), at: 2)
        let results = try service.sign(batch: requests)
        #expect(results.count == 5)
        #expect {
            try results[2].get()
        } throws: { ($0 as? MohurError)?.code == .badInput && "\($0)".contains("DG2") }

        let signed = try [0, 1, 3, 4].map { try results[$0].get() }
        #expect(signed.map(\.record.documentNumber) == numbers)
        #expect(Set(signed.map(\.record.id)).count == 4 && !signed.contains { $0.record.id == 0 })
        for sod in signed {
            // Stored as returned, and accepted by OpenSSL as a CMS signature over the LDS object.
            #expect(try f.pki.repository.sodIssuances(documentNumber: sod.record.documentNumber) == [sod.record])
            let p7 = try f.contentInfoFile(sod, "\(sod.record.documentNumber).p7")
            let verify = try openssl(["cms", "-verify", "-inform", "DER", "-in", p7, "-noverify", "-out", "/dev/null"])
            #expect(verify.status == 0, "\(sod.record.documentNumber): \(verify.output)")
            #expect(sod.sod.ldsSecurityObject.hash(of: .dg2) == (try f.opensslDigest("sha256", f.dg2)))
        }
        #expect(try f.pki.repository.sodIssuances(documentNumber: "B0000099").isEmpty)

        // The four successes journaled in one append, the failure in one more: every failure of
        // a journaled operation is journaled, whatever its cause.
        let (records, appends) = sink.state.withLock { ($0.records, $0.appends) }
        #expect(appends == 2)
        let actions = records.compactMap { record -> AuditAction? in
            if case .action(let action) = record { return action }
            return nil
        }
        #expect(actions.map(\.operation) == Array(repeating: "sod.sign", count: 5))
        #expect(actions.filter { $0.outcome == .success }.map(\.target) == numbers.map { "document:P:\($0)" })
        #expect(actions.filter { $0.outcome == .failed }.map(\.target) == ["document:P:B0000099"])
    }

    @Test("a batch the Document Signer may not sign is refused document by document, and journaled as refusals")
    func refusedBatchIsJournaled() throws {
        let f = try SigningFixture()
        let sink = RecordingAuditSink()
        let base = f.pki.pki
        let later = TestClock(Date().addingTimeInterval(200 * 86_400))
        let service = try DocumentSigningService(pki: PKI(repository: base.repository, keys: base.keys, profile: base.profile,
                                                          matrix: base.matrix, clock: later, audit: sink))
        let results = try service.sign(batch: [try f.request(number: "R1"), try f.request(number: "R2")])
        for result in results {
            #expect { try result.get() } throws: { ($0 as? MohurError)?.code == .refusedByPolicy }
        }
        let outcomes = sink.state.withLock { $0.records }.compactMap { record -> AuditOutcome? in
            if case .action(let action) = record { return action.outcome }
            return nil
        }
        #expect(outcomes == [.refused, .refused])
        #expect(try f.pki.repository.sodIssuances(documentNumber: "R1").isEmpty)
    }

    @Test("an empty batch signs nothing and journals nothing")
    func emptyBatch() throws {
        let f = try SigningFixture()
        #expect(try f.service.sign(batch: []).isEmpty)
    }

    @Test("concurrent callers signing one document each: every record stored once under its own id")
    func concurrentCallersShareCommits() throws {
        let f = try SigningFixture()
        let service = f.service
        let requests = try (0..<48).map { try f.request(number: "K\(String(format: "%07d", $0))") }
        let outcomes = Mutex<[Int: Result<SignedSOD, any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for index in stride(from: worker, to: requests.count, by: 8) {
                let result = Result { try service.sign(requests[index]) }
                outcomes.withLock { $0[index] = result }
            }
        }
        let signed = try outcomes.withLock { $0 }.sorted { $0.key < $1.key }.map { try $0.value.get() }
        #expect(signed.count == 48 && Set(signed.map(\.record.id)).count == 48)
        for sod in signed {
            #expect(try f.pki.repository.sodIssuances(documentNumber: sod.record.documentNumber) == [sod.record])
        }
    }

    @Test("a group commit serves concurrent submitters with fewer commits than items, each getting its own output")
    func groupCommitBatchesConcurrentSubmitters() throws {
        let commits = Mutex(0)
        let queue = GroupCommitQueue<Int, Int>(maxBatch: 64) { items in
            commits.withLock { $0 += 1 }
            usleep(2_000)  // a durable commit takes time; company arrives meanwhile
            return items.map { $0 * 10 }
        }
        let outputs = Mutex<[Int: Int]>([:])
        // Eight real threads: concurrentPerform would run only as many as there are cores.
        let done = DispatchGroup()
        for worker in 0..<8 {
            done.enter()
            Thread {
                for n in 0..<10 {
                    let item = worker * 100 + n
                    if let output = try? queue.submit(item) { outputs.withLock { $0[item] = output } }
                }
                done.leave()
            }.start()
        }
        done.wait()
        let results = outputs.withLock { $0 }
        #expect(results.count == 80 && results.allSatisfy { $0.value == $0.key * 10 })
        #expect(commits.withLock { $0 } < 80)
    }
}
