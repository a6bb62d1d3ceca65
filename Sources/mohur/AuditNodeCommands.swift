import ArgumentParser
import Audit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MohurCore
import Runtime

extension AuditGroup {
    struct Nodes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The nodes whose journals this central service collects: last checkpoint and lag.",
            discussion: """
                Issuing centres, border posts and segments keep their own journals and forward them with \
                `mohur audit forward`. Register each node once by its journal key (`mohur audit key` on the node), \
                with `audit nodes add`. Lag is the time since the node's last accepted checkpoint; a node whose log \
                forked shows why it was refused.
                """,
            subcommands: [List.self, Add.self], defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List registered nodes (needs audit-read).")
            @OptionGroup var state: StateOptions
            @Flag(help: "JSON instead of a table.") var json = false
            func run() throws {
                try reporting {
                    let runtime = try state.openRuntime()
                    let nodes = try runtime.acting(for: .auditRead, as: try state.credential) { _ in try runtime.nodeCollection.nodes() }
                    if json { return try printJSON(nodes) }
                    guard !nodes.isEmpty else { print("no nodes registered (mohur audit nodes add --vkey VKEY --label TEXT)"); return }
                    let now = runtime.pki.clock.now()
                    for node in nodes {
                        let lag = node.receivedAt.map { Self.duration(now.timeIntervalSince($0)) } ?? "never received"
                        var line = "\(node.origin)  \(node.label)  entries \(node.size)  lag \(lag)"
                        if let refusal = node.refusal, let at = node.refusedAt {
                            line += "  REFUSED \(at.formatted(.iso8601)): \(refusal)"
                        }
                        print(line)
                    }
                }
            }

            static func duration(_ seconds: TimeInterval) -> String {
                switch seconds {
                case ..<120: "\(Int(seconds)) s"
                case ..<7200: "\(Int(seconds / 60)) min"
                case ..<172_800: "\(Int(seconds / 3600)) h"
                default: "\(Int(seconds / 86_400)) days"
                }
            }
        }

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Register a node by its journal's verifier key (needs cert-manage).")
            @OptionGroup var state: StateOptions
            @Option(help: "The node's journal key, as `mohur audit key` prints it there.") var vkey: String
            @Option(help: "Which centre or post it is, e.g. \"SBS border post Astara\".") var label: String
            func run() throws {
                try reporting {
                    let runtime = try state.openRuntime()
                    let node = try runtime.acting(for: .certManage, as: try state.credential) { officer in
                        try runtime.registerNode(vkey: vkey, label: label, actor: officer.identity.actor)
                    }
                    print("registered \(node.origin) (\(node.label)); it holds \(node.size) entries")
                }
            }
        }
    }

    struct Forward: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forward this node's journal to the central service, from where the centre stands.",
            discussion: """
                Store and forward: asks the central service how many of this journal's entries it holds, then sends the \
                rest in batches, each under a signed checkpoint of this journal. Requests are signed (RFC 9421) with \
                --as CERT --as-key KEY, a certificate with the journal-forward operation issued by the central service. \
                Without --every it forwards once and exits (for a timer); with --every it keeps going, and while the \
                centre is unreachable it retries, so a post offline for days catches up when the link returns.
                """)
        @OptionGroup var state: StateOptions
        @Option(help: "The central service's URL, e.g. https://mohur.central.iamas.az:8443.") var central: String
        @Option(help: "Keep forwarding every this many seconds.") var every: Double?
        @Option(help: "Entries per request, at most.") var batch: Int64 = 2_000

        func run() async throws {
            try await reportingAsync {
                let runtime = try state.openRuntime()
                let (certificate, signer) = try requestSigner(state)
                let base = central.hasSuffix("/") ? String(central.dropLast()) : central
                let origin = try runtime.journal.reader.origin()
                while true {
                    do {
                        let sent = try await forwardOnce(runtime: runtime, base: base, origin: origin, send: { method, path, body in
                            try await send(signedURLRequest(method: method, url: base + path, body: body, certificate: certificate, signer: signer))
                        })
                        print("\(origin): the central service holds \(sent.size) entries (\(sent.stored) sent now)")
                    } catch let error as MohurError where every != nil && error.code == .system {
                        FileHandle.standardError.write(Data("mohur: \(error.description); retrying in \(Int(every ?? 0)) s\n".utf8))
                    }
                    guard let every else { return }
                    try await Task.sleep(for: .seconds(every))
                }
            }
        }

        private func forwardOnce(runtime: MohurRuntime, base: String, origin: String,
                                 send: (String, String, [UInt8]) async throws -> [UInt8]) async throws -> (size: Int64, stored: Int64) {
            struct Position: Decodable { var size: Int64 }
            let query = origin.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+/"))) ?? origin
            var held = try JSONDecoder().decode(Position.self, from: Data(try await send("GET", "/v1/journal/position?origin=\(query)", []))).size
            var stored: Int64 = 0
            while let next = try runtime.nextForwardBatch(after: held, maxEntries: batch) {
                let body = try JSONSerialization.data(withJSONObject: [
                    "checkpoint": next.checkpoint, "from": next.from,
                    "entries": next.entries.map { Data($0).base64EncodedString() },
                ] as [String: Any])
                held = try JSONDecoder().decode(Position.self, from: Data(try await send("POST", "/v1/journal/forward", Array(body)))).size
                stored += Int64(next.entries.count)
            }
            return (held, stored)
        }

        /// Sends a request; a problem response becomes the error it names (4xx as refused or bad
        /// input, so that a fork is not retried as if the network had failed).
        private func send(_ request: URLRequest) async throws -> [UInt8] {
            let (data, response): (Data, URLResponse)
            do { (data, response) = try await URLSession.shared.data(for: request) } catch {
                throw MohurError.system("cannot reach \(central): \(error.localizedDescription)")
            }
            guard let http = response as? HTTPURLResponse else { throw MohurError.system("no HTTP response from \(central)") }
            guard (200..<300).contains(http.statusCode) else {
                struct Problem: Decodable { var detail: String? }
                let detail = (try? JSONDecoder().decode(Problem.self, from: data))?.detail ?? String(decoding: data.prefix(300), as: UTF8.self)
                let code: MohurError.Code = switch http.statusCode {
                case 401, 403: .refusedByPolicy
                case 404: .notFound
                case 400..<500: .badInput
                default: .system
                }
                throw MohurError(code, "the central service answered \(http.statusCode): \(detail)")
            }
            return Array(data)
        }
    }
}
