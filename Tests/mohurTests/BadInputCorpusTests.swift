import Foundation
import MohurTestSupport
import Testing

/// The bad-input corpus: `Judges/bad_inputs.py` derives malformed and hostile inputs from valid
/// objects of the vectors (truncations, wrong and huge lengths, deep nesting, wrong OIDs, bad
/// base64, wrong roots, expired and not-yet-valid signers, injected data groups, bad
/// declarations, duplicate data groups, old or truncated bundles). Each must end with its exit
/// status, within 60 s, naming the input and the problem, without a crash; and afterwards the
/// PKI database and the trust store hold exactly what they held before, and the journal still
/// verifies, only longer by the refusals it records.
@Suite("bad-input corpus", .serialized)
struct BadInputCorpusTests {
    /// Tables whose rows a command may touch while refusing: officer sessions (every command
    /// refreshes the officer's session) and the outbox of journal entries.
    static let volatile: Set<String> = ["officer_sessions", "audit_outbox"]

    /// Every row of every table of a SQLite file, except the volatile ones, as text.
    static func content(_ database: String) throws -> [String: String] {
        let tables = try run("sqlite3", [database, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"]).stdout
            .split(separator: "\n").map(String.init).filter { !volatile.contains($0) }
        var result: [String: String] = [:]
        for table in tables {
            result[table] = try run("sqlite3", [database, "SELECT * FROM \"\(table)\" ORDER BY rowid"]).stdout
        }
        return result
    }

    @Test("every case of the generated corpus ends as it must, names its input, and leaves the stores as they were")
    func corpus() throws {
        let cli = try CLITests()
        #expect(try cli.mohur(["init"]).status == 0)
        #expect(try cli.mohur(["trust", "import", "--ml-root", Vectors.root.appendingPathComponent("gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer").path,
                               Vectors.root.appendingPathComponent("gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml").path]).status == 0)
        let out = cli.state.path("corpus")
        let generated = try run("python3", [Vectors.repositoryRoot.appendingPathComponent("Tests/mohurTests/Judges/bad_inputs.py").path,
                                            Vectors.root.path, out])
        #expect(generated.status == 0, "\(generated.output)")
        let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/cases.json"))) as? [[String: Any]] ?? []
        #expect(cases.count >= 80, "the corpus has \(cases.count) cases")

        let (pki, trust) = (cli.state.path("s/mohur.sqlite"), cli.state.path("s/trust.sqlite"))
        let before = (try Self.content(pki), try Self.content(trust))
        /// The number of entries `audit verify` vouches for, or nil when it does not verify.
        func verifiedEntries() throws -> Int? {
            let verified = try cli.mohur(["audit", "verify"])
            guard verified.status == 0, let range = verified.stdout.range(of: "journal verified: ") else { return nil }
            return Int(verified.stdout[range.upperBound...].prefix { $0.isNumber })
        }
        let journalBefore = try #require(try verifiedEntries())

        for item in cases {
            let name = item["name"] as? String ?? "?"
            let arguments = (item["args"] as? [String] ?? []).map {
                $0.replacingOccurrences(of: "{out}", with: out).replacingOccurrences(of: "{vectors}", with: Vectors.root.path)
            }
            let expected = item["exit"] as? Int ?? -1
            let says = item["says"] as? String ?? ""
            let result: ProcessResult
            switch item["state"] as? String {
            case "none"?: result = try run("timeout", ["-s", "KILL", "60", try CLITests.binary] + arguments)
            case "fresh"?: result = try run("timeout", ["-s", "KILL", "60", try CLITests.binary] + arguments + ["--state", cli.state.path("fresh-post")])
            default: result = try cli.mohur(arguments, timeout: 60)
            }
            let output = result.stdout + result.stderr
            #expect(Int(result.status) == expected, "\(name): exit \(result.status), expected \(expected): \(output.prefix(600))")
            #expect(result.status != 124 && result.status < 128 && !output.contains("Fatal error"), "\(name): crashed or hung: \(output.prefix(600))")
            #expect(says.isEmpty || output.contains(says), "\(name): the message does not say '\(says)': \(output.prefix(600))")
            if expected == 2 {
                // The error names the input: the file, or the option and its value.
                let named = arguments.filter { $0.hasPrefix(out) || $0.contains("=") || $0.hasPrefix("--") }
                let mentioned = named.contains { argument in
                    let file = (argument.split(separator: "=").last.map(String.init) ?? argument)
                    return result.stderr.contains((file as NSString).lastPathComponent) || result.stderr.contains(argument)
                }
                #expect(mentioned || arguments.contains { result.stderr.contains($0) }, "\(name): the error does not name the input: \(result.stderr.prefix(400))")
                #expect(result.stderr.hasPrefix("mohur: error:") || result.stderr.contains("Error:"), "\(name): \(result.stderr.prefix(300))")
            }
        }

        let after = (try Self.content(pki), try Self.content(trust))
        for (table, rows) in before.0 where after.0[table] != rows { Issue.record("the PKI table \(table) changed") }
        for (table, rows) in before.1 where after.1[table] != rows { Issue.record("the trust table \(table) changed") }
        #expect(Set(before.0.keys) == Set(after.0.keys) && Set(before.1.keys) == Set(after.1.keys))
        let journalAfter = try #require(try verifiedEntries(), "the journal no longer verifies")
        #expect(journalAfter >= journalBefore)
    }

    /// curl's status and body.
    func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
        let result = try run("curl", ["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "30"] + arguments)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test("signed requests with bad headers are refused with a problem that names what is wrong, and change no store")
    func badSignedRequests() throws {
        let cli = try CLITests()
        #expect(try cli.mohur(["init"]).status == 0)
        let caller = try Subsystem(cli, agency: "SBS", name: "border-gateway")
        let service = try ServiceProcess(cli: cli, role: "central")
        let url = "\(service.base)/v1/authorize"
        let body = try cli.state.write("ask.json", #"{"certificate":"AA==","resource":"BCR","right":"write"}"#)
        /// Fresh headers from `mohur request sign`, as name → value.
        func signed() throws -> [(String, String)] {
            let output = try cli.mohur(["request", "sign", "POST", url, "--body", body] + caller.signing)
            guard output.status == 0 else { throw TestFailure(output.output) }
            return output.stdout.split(separator: "\n").compactMap { line in
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return parts.count == 2 ? (parts[0], parts[1]) : nil
            }
        }
        func send(_ headers: [(String, String)], body data: String? = nil) throws -> (status: Int, body: String) {
            try curl(headers.flatMap { ["-H", "\($0.0): \($0.1)"] } + ["--data-binary", data ?? "@\(body)", url])
        }
        func replacing(_ name: String, _ transform: (String) -> String) throws -> [(String, String)] {
            try signed().map { $0.0.lowercased() == name.lowercased() ? ($0.0, transform($0.1)) : $0 }
        }
        let pki = cli.state.path("s/mohur.sqlite")
        let before = try Self.content(pki)

        let replayed = try signed()
        let cases: [(String, () throws -> (status: Int, body: String), Int, String)] = [
            ("no signature at all", { try curl(["-H", "Content-Type: application/json", "--data-binary", "@\(body)", url]) }, 401, "not signed"),
            ("Signature-Input that is not a structured field", { try send(try replacing("Signature-Input") { _ in "sig=(\"@method\";created=oops" }) }, 401, "Signature-Input"),
            ("Signature bytes altered", { try send(try replacing("Signature") { value in
                var bytes = Array(value.utf8)
                let at = bytes.count / 2
                bytes[at] = bytes[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
                return String(decoding: bytes, as: UTF8.self)
            }) }, 401, "signature"),
            ("Signature under another label", { try send(try replacing("Signature") { value in "other" + value.drop { $0 != "=" } }) }, 401, "Signature"),
            ("Content-Digest of another body", { try send(try signed(), body: #"{"certificate":"AA==","resource":"AUD","right":"write"}"#) }, 401, "Content-Digest"),
            ("Content-Digest with md5", { try send(try replacing("Content-Digest") { _ in "md5=:1B2M2Y8AsgTpgAmY7PhCfg==:" }) }, 401, "Content-Digest"),
            ("keyid of an unknown certificate", { try send(try replacing("Signature-Input") { $0.replacingOccurrences(of: "keyid=\"", with: "keyid=\"00") }) }, 401, ""),
            ("alg the key cannot make", { try send(try replacing("Signature-Input") { $0 + ";alg=\"rsa-pss-sha512\"" }) }, 401, ""),
            ("covered components cut to @method", { try send(try replacing("Signature-Input") { value in
                value.replacingOccurrences(of: #"("@method" "@target-uri" "content-type" "content-digest")"#, with: #"("@method")"#)
            }) }, 401, ""),
            ("the same signed request twice", { _ = try send(replayed); return try send(replayed) }, 401, "replay"),
            ("a 64 KiB Signature field", { try send(try replacing("Signature") { _ in "sig=:" + String(repeating: "A", count: 65_536) + ":" }) }, 401, ""),
        ]
        for (name, request, status, says) in cases {
            let answer = try request()
            #expect(answer.status == status, "\(name): \(answer.status) \(answer.body.prefix(300))")
            #expect(answer.body.contains("\"status\":\(status)") || answer.body.contains("\"status\" : \(status)"), "\(name): no problem JSON: \(answer.body.prefix(300))")
            #expect(says.isEmpty || answer.body.contains(says), "\(name): the problem does not say '\(says)': \(answer.body.prefix(300))")
        }
        #expect(service.stop() == 0)
        let after = try Self.content(pki)
        for (table, rows) in before where after[table] != rows && table != "request_nonces" { Issue.record("the PKI table \(table) changed") }
        let journal = try cli.json(try cli.mohur(["audit", "tail", "--count", "100", "--json"])) as? [[String: Any]] ?? []
        let refusals = journal.compactMap { $0["entry"] as? String }.filter { $0.contains(#""op":"request.refused""#) }
        #expect(refusals.count >= cases.count, "\(refusals.count) refusals journaled for \(cases.count) bad requests")
        // The caller refused again and again within a minute is journaled as a threat (rules §6.9.1.6).
        let repeated = journal.compactMap { $0["entry"] as? String }.filter { $0.contains(#""op":"request.refused.repeated""#) }
        #expect(repeated.contains { $0.contains(caller.fingerprint) && $0.contains(#""category":"threat""#) }, "\(repeated)")
        #expect(try cli.mohur(["audit", "verify"]).status == 0)
    }
}
