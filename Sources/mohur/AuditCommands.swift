import ArgumentParser
import Audit
import Foundation
import MohurCore
import Runtime

struct AuditGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit journal: entries, signed checkpoints, RFC 9162 proofs, verification.",
        discussion: """
            Every PKI operation and every refused one is appended to <state>/audit.sqlite, a Merkle tree (RFC 9162) \
            whose heads are signed as C2SP checkpoints by the journal key in the HSM. `audit key` prints the verifier \
            key to publish; with it, `audit verify --bundle` checks an export offline.
            """,
        subcommands: [Tail.self, CheckpointCommand.self, Proof.self, Verify.self, Export.self, Key.self, Nodes.self, Forward.self,
                      Witnesses.self, Cosign.self])

    struct Tail: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the latest entries.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .shortAndLong, help: "How many entries.") var count: Int64 = 20
        func run() throws {
            try reporting {
                let reader = try state.acting(for: .auditRead) { _ in try state.openJournalReader() }
                let size = try reader.size()
                let entries = try reader.entries(max(0, size - count)..<size)
                if output.json {
                    struct Line: Codable { var index: Int64; var entry: String }
                    try printJSON(entries.map { Line(index: $0.index, entry: String(decoding: $0.entry.encoded, as: UTF8.self)) })
                } else {
                    for (index, entry) in entries { print("\(index)\t\(String(decoding: entry.encoded, as: UTF8.self))") }
                }
            }
        }
    }

    struct CheckpointCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "checkpoint",
                                                        abstract: "Sign a checkpoint of the whole journal now (if it grew) and print the latest.")
        @OptionGroup var state: StateOptions
        @Flag(help: "Print the latest checkpoint that witnesses cosigned instead, with their cosignatures (signs nothing).")
        var cosigned = false
        func run() throws {
            try reporting {
                let runtime = try state.openRuntime()
                if cosigned {
                    guard let note = try runtime.acting(for: .auditRead, as: try state.credential, { _ in try runtime.witnessing.latestCosignedNote() }) else {
                        throw MohurError.notFound("no checkpoint of this journal carries cosignatures yet", hint: "run `mohur audit cosign`")
                    }
                    print(note, terminator: "")
                    return
                }
                guard let note = try runtime.acting(for: .auditRead, as: try state.credential, { _ in try runtime.journal.checkpoint() }) else {
                    throw MohurError.notFound("the journal is empty; nothing to sign")
                }
                print(note, terminator: "")
            }
        }
    }

    struct Proof: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "RFC 9162 inclusion and consistency proofs.",
                                                        subcommands: [Inclusion.self, Consistency.self])

        struct Inclusion: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Inclusion proof of one entry (default size: the latest checkpoint).")
            @OptionGroup var state: StateOptions
            @OptionGroup var output: OutputOptions
            @Option(help: "Entry index (0-based).") var index: Int64
            @Option(help: "Tree size.") var size: Int64?
            func run() throws {
                try reporting {
                    let reader = try state.acting(for: .auditRead) { _ in try state.openJournalReader() }
                    let proof = try reader.inclusionProof(index: index, size: try size ?? reader.latestCheckpoint()?.size ?? reader.size())
                    struct View: Codable { var index: Int64; var size: Int64; var leafHash: String; var hashes: [String] }
                    let view = View(index: proof.index, size: proof.size, leafHash: base64(proof.leafHash), hashes: proof.hashes.map(base64))
                    if output.json { try printJSON(view) } else { print("entry \(view.index) in \(view.size): \(view.hashes.joined(separator: " "))") }
                }
            }
        }

        struct Consistency: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Consistency proof between two tree sizes.")
            @OptionGroup var state: StateOptions
            @OptionGroup var output: OutputOptions
            @Option(help: "Older tree size.") var from: Int64
            @Option(help: "Newer tree size.") var to: Int64
            func run() throws {
                try reporting {
                    let proof = try state.acting(for: .auditRead) { _ in try state.openJournalReader() }.consistencyProof(from: from, to: to)
                    struct View: Codable { var from: Int64; var to: Int64; var hashes: [String] }
                    let view = View(from: proof.from, to: proof.to, hashes: proof.hashes.map(base64))
                    if output.json { try printJSON(view) } else { print("\(from) → \(to): \(view.hashes.joined(separator: " "))") }
                }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the journal from its entries against every checkpoint; name the first bad entry.",
            discussion: """
                With --bundle, check an `audit export` file offline instead (needs --vkey). With --witness-policy, also \
                require that the latest cosigned checkpoint carries the cosignatures the policy's quorum asks for (lines \
                `witness VKEY [URL]`, `group NAME k|all|any MEMBER…`, `quorum NAME`). Exit 1 when anything is wrong.
                """)
        @OptionGroup var state: StateOptions
        @Option(help: "Published verifier key to check signatures with (default: the one recorded in the journal).") var vkey: String?
        @Option(help: ArgumentHelp("A checkpoint note kept elsewhere, to detect a rolled-back journal.", valueName: "file"))
        var checkpoint: [String] = []
        @Option(help: ArgumentHelp("Verify this export bundle offline.", valueName: "file")) var bundle: String?
        @Option(help: ArgumentHelp("Witness policy the cosignatures must satisfy (k-of-n).", valueName: "file")) var witnessPolicy: String?
        func run() throws {
            try reporting {
                let key = try vkey.map { try NoteVerifierKey(vkey: $0) }
                if let bundle {
                    guard let key else { throw MohurError.badInput("--bundle needs --vkey: the published key, not the bundle's own") }
                    let parsed = try JSONDecoder().decode(AuditBundle.self, from: Data(try readInput(bundle, what: "bundle")))
                    let problems = parsed.verify(key: key)
                    guard problems.isEmpty else { throw MohurError.refused(problems.joined(separator: "; ")) }
                    print("bundle verified: \(parsed.entries.count) entries included in the signed checkpoint")
                    return
                }
                var notes = try checkpoint.map { String(decoding: try readInput($0, what: "checkpoint"), as: UTF8.self) }
                var witnessed: (size: Int64, cosigners: Set<String>, note: String)?
                if let witnessPolicy {
                    let policy = try WitnessPolicy(text: String(decoding: try readInput(witnessPolicy, what: "witness policy"), as: UTF8.self),
                                                   source: witnessPolicy)
                    let runtime = try state.openRuntime()
                    witnessed = try runtime.acting(for: .auditRead, as: try state.credential) { _ in try runtime.verifyWitnessed(policy: policy) }
                    notes.append(witnessed?.note ?? "")
                }
                let report = try state.acting(for: .auditRead) { _ in try state.openJournalReader() }.verify(key: key, extraCheckpoints: notes)
                guard report.isValid else {
                    throw MohurError.refused("the journal fails verification; first bad entry: \(report.firstBadEntry.map(String.init) ?? "unknown"): "
                                             + report.problems.joined(separator: "; "))
                }
                print("journal verified: \(report.size) entries, \(report.checkpointsVerified) signed checkpoints consistent")
                if let witnessed {
                    print("checkpoint \(witnessed.size) cosigned by \(witnessed.cosigners.sorted().joined(separator: ", ")): the policy's quorum is met")
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export entries [from, to) with a checkpoint and inclusion proofs (JSON).")
        @OptionGroup var state: StateOptions
        @Option(help: "First index.") var from: Int64
        @Option(help: "One past the last index.") var to: Int64
        @Option(help: ArgumentHelp("Write here instead of stdout.", valueName: "file")) var out: String?
        func run() throws {
            try reporting {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let reader = try state.acting(for: .auditExport) { _ in try state.openJournalReader() }
                let bytes = Array(try encoder.encode(try AuditBundle(reader: reader, from: from, to: to)))
                if let out { try writeOutput(out, bytes) } else { print(String(decoding: bytes, as: UTF8.self)) }
            }
        }
    }

    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the journal's verifier key (signed-note vkey form).")
        @OptionGroup var state: StateOptions
        func run() throws {
            try reporting { print(try state.openJournalReader().verifierKey().vkey) }
        }
    }
}

private func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
