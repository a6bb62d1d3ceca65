import ArgumentParser
import Audit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MohurCore
import Runtime
import Service

struct WitnessGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness", abstract: "Cosign other journals' checkpoints, so that no operator can rewrite history alone.",
        discussion: """
            A witness (another agency, e.g. MNS, on its own state and HSM) follows a journal by its checkpoint key and \
            cosigns a new checkpoint only if the journal signed it and a consistency proof shows it extends the last one \
            the witness cosigned (C2SP tlog-witness, tlog-cosignature/v1 with an Ed25519 key in the HSM). A checkpoint that \
            contradicts the last one is refused and journaled as a threat, with the journal's signed note as evidence.

            Set up:  mohur witness init --name witness.mns.gov.az
                     mohur witness follow --vkey "$(mohur audit key --state central)" --label "IAMAS central journal"
                     mohur witness run --listen 0.0.0.0:8444
            Then, on the central service:  mohur audit witnesses add --vkey "$(mohur witness key)" --url http://mns:8444
            """,
        subcommands: [Init.self, Key.self, Follow.self, Logs.self, Run.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make this state a witness: generate its Ed25519 key in the HSM (needs cert-manage).")
        @OptionGroup var state: StateOptions
        @Option(help: "The witness's name, a schema-less URL such as witness.mns.gov.az (it never changes).") var name: String
        func run() throws {
            try reporting {
                let runtime = try state.openRuntime()
                let key = try runtime.acting(for: .certManage, as: try state.credential) { officer in
                    try runtime.initializeWitness(name: name, actor: officer.identity.actor)
                }
                print(key.vkey)
            }
        }
    }

    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the witness's verifier key (vkey), for the journals it witnesses and for policies.")
        @OptionGroup var state: StateOptions
        func run() throws {
            try reporting { print(try state.openRuntime().witness().key.vkey) }
        }
    }

    struct Follow: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start witnessing a journal, by its checkpoint key (needs cert-manage).")
        @OptionGroup var state: StateOptions
        @Option(help: "The journal's key, as `mohur audit key` prints it there.") var vkey: String
        @Option(help: "Whose journal it is, e.g. \"IAMAS central journal\".") var label: String
        func run() throws {
            try reporting {
                let runtime = try state.openRuntime()
                let log = try runtime.acting(for: .certManage, as: try state.credential) { officer in
                    try runtime.followLog(vkey: vkey, label: label, actor: officer.identity.actor)
                }
                print("following \(log.origin) (\(log.label)); cosigned up to size \(log.size)")
            }
        }
    }

    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The journals this witness follows and the size of each it last cosigned.")
        @OptionGroup var state: StateOptions
        @Flag(help: "JSON instead of lines.") var json = false
        func run() throws {
            try reporting {
                let runtime = try state.openRuntime()
                let logs = try runtime.acting(for: .auditRead, as: try state.credential) { _ in try runtime.witnessedLogs() }
                if json { return try printJSON(logs) }
                guard !logs.isEmpty else { print("no journals followed (mohur witness follow --vkey VKEY --label TEXT)"); return }
                for log in logs {
                    print("\(log.origin)  \(log.label)  size \(log.size)  cosigned \(log.cosignedAt.map { $0.formatted(.iso8601) } ?? "never")")
                }
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve POST /add-checkpoint (C2SP tlog-witness) until SIGTERM; the same as `serve --role witness`.")
        @OptionGroup var state: StateOptions
        @OptionGroup var listener: ListenerOptions
        func run() async throws {
            try await listener.serve(role: .witness, state: state)
        }
    }
}

extension AuditGroup {
    struct Witnesses: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The witnesses this journal asks to cosign its checkpoints.",
            discussion: "Register each with `audit witnesses add`; `audit cosign` asks them; `audit verify --witness-policy` checks the result.",
            subcommands: [List.self, Add.self], defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List registered witnesses and the size each holds (needs audit-read).")
            @OptionGroup var state: StateOptions
            @Flag(help: "JSON instead of lines.") var json = false
            func run() throws {
                try reporting {
                    let runtime = try state.openRuntime()
                    let witnesses = try runtime.acting(for: .auditRead, as: try state.credential) { _ in try runtime.witnessing.witnesses() }
                    if json { return try printJSON(witnesses) }
                    guard !witnesses.isEmpty else { print("no witnesses (mohur audit witnesses add --vkey VKEY --url URL)"); return }
                    for witness in witnesses {
                        print("\(witness.name)  \(witness.url)  size \(witness.size)  cosigned \(witness.cosignedAt.map { $0.formatted(.iso8601) } ?? "never")")
                    }
                }
            }
        }

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Register a witness by its vkey and URL (needs cert-manage).")
            @OptionGroup var state: StateOptions
            @Option(help: "The witness's key, as `mohur witness key` prints it there.") var vkey: String
            @Option(help: "Its submission prefix: add-checkpoint is POSTed to URL/add-checkpoint.") var url: String
            func run() throws {
                try reporting {
                    let runtime = try state.openRuntime()
                    let witness = try runtime.acting(for: .certManage, as: try state.credential) { officer in
                        try runtime.registerWitness(vkey: vkey, url: url, actor: officer.identity.actor)
                    }
                    print("registered witness \(witness.name) at \(witness.url)")
                }
            }
        }
    }

    struct Cosign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask every registered witness to cosign the latest checkpoint (needs audit-read).",
            discussion: """
                Signs a checkpoint if the journal grew, then sends each witness the checkpoint with a consistency proof from \
                the size it holds (C2SP tlog-witness add-checkpoint) and stores the cosignature it returns. A witness that \
                refuses is journaled as a threat. Without --every it runs once; exit 1 if any witness refused.
                """)
        @OptionGroup var state: StateOptions
        @Option(help: "Keep asking every this many seconds.") var every: Double?

        func run() async throws {
            try await reportingAsync {
                let runtime = try state.openRuntime()
                _ = try runtime.acting(for: .auditRead, as: try state.credential) { _ in true }
                while true {
                    let report = try await runtime.cosignRound(exchange: Self.exchange)
                    for line in report { print(line) }
                    if report.isEmpty { print("no witnesses registered (mohur audit witnesses add)") }
                    guard let every else {
                        if report.contains(where: { $0.contains(": REFUSED") }) { throw MohurError.refused("a witness refused to cosign") }
                        return
                    }
                    try await Task.sleep(for: .seconds(every))
                }
            }
        }

        static let exchange: MohurRuntime.WitnessExchange = { witness, body in
            let base = witness.url.hasSuffix("/") ? String(witness.url.dropLast()) : witness.url
            guard let url = URL(string: base + "/add-checkpoint") else { throw MohurError.badInput("witness URL '\(witness.url)' is not a URL") }
            var request = URLRequest(url: url, timeoutInterval: 15)
            request.httpMethod = "POST"
            request.setValue("text/plain; charset=utf-8", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw MohurError.system("no HTTP response from \(url)") }
            return (http.statusCode, String(decoding: data, as: UTF8.self))
        }
    }
}
