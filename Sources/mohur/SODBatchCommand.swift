import ArgumentParser
import DocumentSigning
import Foundation
import MohurCore
import Runtime
import Storage

extension SODGroup {
    /// `mohur sod sign-batch`: a personalisation batch from a manifest.
    struct SignBatch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign-batch",
            abstract: "Sign a personalisation batch of documents listed in a JSON manifest.",
            discussion: """
                Each document is signed as `mohur sod sign` would sign it; the issuance records are stored in one \
                transaction and the journal entries in one append, so a batch signs faster than one command per \
                document. No EF.SOD file is written before its issuance record is stored. A document whose entry is \
                wrong (a missing file, a bad FIN, no DG2) fails alone; the others are signed.

                The manifest (paths relative to it):
                  {"hash": "sha256",
                   "documents": [
                     {"docType": "P", "docNumber": "C01234567", "fin": "5ZK2M7A",
                      "dg": {"1": "C01234567/DG1.bin", "2": "C01234567/DG2.bin"},
                      "com": "C01234567/EF_COM.bin"},
                     {"docType": "I", "docNumber": "AA1234567", "dgHash": {"1": "<hex>", "2": "<hex>"}}]}
                `hash` (optional) applies to every document unless one names its own. Each EF.SOD is written to \
                --out-dir as TYPE-NUMBER.EF_SOD.bin; an existing file there is never overwritten (that document fails).

                Exit status: 0 every document signed; otherwise the status of the first failure (1 refused, 2 bad \
                input, 3 HSM or database failure), after the others were signed and written.
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: ArgumentHelp("The batch manifest (JSON).", valueName: "manifest")) var manifest: String
        @Option(help: ArgumentHelp("Directory for the EF.SOD files (created if missing).", valueName: "dir")) var outDir: String

        func run() throws {
            try reporting {
                let batch = try BatchManifest.load(manifest)
                var prepared: [Result<(SODRequest, String), any Error>] = []
                var outputs = Set<String>()
                for entry in batch.documents {
                    prepared.append(Result {
                        let out = URL(fileURLWithPath: outDir).appendingPathComponent("\(entry.docType)-\(entry.docNumber).EF_SOD.bin").path
                        guard outputs.insert(out).inserted else {
                            throw MohurError.badInput("the manifest lists \(entry.docType) \(entry.docNumber) twice")
                        }
                        guard !FileManager.default.fileExists(atPath: out) else {
                            throw MohurError.badInput("\(out) already exists; Mohur does not overwrite an EF.SOD",
                                                      hint: "move it away or choose another --out-dir")
                        }
                        return (try entry.request(relativeTo: batch.directory, hash: batch.hash), out)
                    })
                }
                let requests = prepared.compactMap { try? $0.get().0 }
                try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
                var signed = try state.acting(for: .sodSign) { try DocumentSigningService(pki: $0.pki).sign(batch: requests) }[...]
                var outcomes: [BatchOutcome] = []
                for (entry, preparation) in zip(batch.documents, prepared) {
                    var outcome = BatchOutcome(docType: entry.docType, docNumber: entry.docNumber)
                    do {
                        let (_, out) = try preparation.get()
                        let sod = try signed.removeFirst().get()
                        try writeOutput(out, sod.encoded)
                        (outcome.file, outcome.issuance) = (out, sod.record.id)
                    } catch {
                        outcome.failure = error
                    }
                    outcomes.append(outcome)
                }
                try report(outcomes)
            }
        }

        private func report(_ outcomes: [BatchOutcome]) throws {
            let failed = outcomes.filter { $0.failure != nil }
            if output.json {
                try printJSON(outcomes)
            } else {
                for outcome in outcomes {
                    if let failure = outcome.failure {
                        print("failed  \(outcome.docType) \(outcome.docNumber): \(failure)")
                    } else {
                        print("signed  \(outcome.docType) \(outcome.docNumber) → \(outcome.file ?? "") (issuance #\(outcome.issuance ?? 0))")
                    }
                }
                print("\(outcomes.count - failed.count) signed, \(failed.count) failed.")
            }
            if let first = failed.first?.failure {
                throw first as? MohurError ?? MohurError.system("\(first)")
            }
        }
    }
}

/// One document's line in the batch report.
struct BatchOutcome: Encodable {
    var docType: String
    var docNumber: String
    var file: String?
    var issuance: Int64?
    var failure: (any Error)?

    enum CodingKeys: String, CodingKey { case docType, docNumber, file, issuance, error }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(docType, forKey: .docType)
        try container.encode(docNumber, forKey: .docNumber)
        try container.encodeIfPresent(file, forKey: .file)
        try container.encodeIfPresent(issuance, forKey: .issuance)
        try container.encodeIfPresent(failure.map { "\($0)" }, forKey: .error)
    }
}

/// The manifest of `mohur sod sign-batch`.
struct BatchManifest: Decodable {
    struct Document: Decodable {
        var docType: String
        var docNumber: String
        var fin: String?
        var hash: String?
        var dg: [String: String]?
        var dgHash: [String: String]?
        var com: String?

        /// The request, with file paths taken relative to the manifest's directory.
        func request(relativeTo directory: URL, hash batchHash: String?) throws -> SODRequest {
            func path(_ file: String) -> String {
                file.hasPrefix("/") ? file : directory.appendingPathComponent(file).path
            }
            let files = (dg ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\(path($0.value))" }
            let hashes = (dgHash ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return try SODGroup.Sign.request(docType: docType, docNumber: docNumber, dataGroups: files, dgHash: hashes,
                                             com: com.map(path), fin: fin, hash: hash ?? batchHash)
        }
    }

    var hash: String?
    var documents: [Document]
    /// The manifest's directory, against which relative paths are read.
    var directory = URL(fileURLWithPath: ".")

    enum CodingKeys: String, CodingKey { case hash, documents }

    static func load(_ path: String) throws -> BatchManifest {
        var manifest: BatchManifest
        do {
            manifest = try JSONDecoder().decode(BatchManifest.self, from: Data(try readInput(path, what: "batch manifest")))
        } catch let error as DecodingError {
            throw MohurError.badInput("batch manifest \(path) is not a valid manifest: \(MohurError.describe(error))",
                                      hint: "see `mohur sod sign-batch --help` for its form")
        }
        guard !manifest.documents.isEmpty else { throw MohurError.badInput("batch manifest \(path) lists no documents") }
        manifest.directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        return manifest
    }
}
